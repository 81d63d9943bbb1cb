/* Where mend finds its bundled scripts and scenarios. */
#ifndef MEND_PATHS_H
#define MEND_PATHS_H

/* The data folder holding scripts/ and scenarios/ (malloc'd): $MEND_DATA_DIR; else the
 * source/build tree or the install prefix relative to the executable; else beside the
 * executable (Windows). NULL if none has scripts/fix.lua. */
char *mend_data_dir(void);

#endif
