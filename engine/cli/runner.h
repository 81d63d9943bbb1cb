/* One run of a script command (run, fix, check, batch, capture, apply, shell) or plan approve. */
#ifndef MEND_RUNNER_H
#define MEND_RUNNER_H

#include "options.h"

/* Runs o with its state (journal, backups, plan key, default sim state) in state_dir; NULL
 * means no state folder could be found, a setup error. Returns the process exit code. */
int mend_runner_run(const mend_options *o, const char *state_dir);

#endif
