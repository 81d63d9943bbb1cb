/* mend's own files (the simulator's state, the journal, the plan key, backups, the resume record) that --report, --plan and --journal must never name. */
#ifndef MEND_OWN_FILES_H
#define MEND_OWN_FILES_H

#include "options.h"

#include <stddef.h>

/* Nonzero when an option that mend writes names one of its own files (journal is the run's
 * journal path); why then holds the sentence for the admin. */
int mend_own_file_clash(const mend_options *o, const char *state_dir, const char *journal, char *why, size_t n);

#endif
