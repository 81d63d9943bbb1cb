/* Where mend finds its bundled scripts and scenarios. */
#ifndef MEND_PATHS_H
#define MEND_PATHS_H

/* The data folder holding scripts/ and scenarios/ (malloc'd): $MEND_DATA_DIR; else the
 * source/build tree or the install prefix relative to the executable; else beside the
 * executable (Windows). NULL if none has scripts/fix.lua. */
char *mend_data_dir(void);

/* The advice writes `mend run scripts/offload.lua on`: a "scripts/..." path the current folder
 * does not have is mend's bundled script in data_dir (malloc'd); NULL when it is not one. */
char *mend_bundled_script(const char *script, const char *data_dir);

#endif
