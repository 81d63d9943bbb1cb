/* The state folder's run lock: runs that may change the machine take turns (on Windows there is one machine and one journal). */
#ifndef MEND_RUN_LOCK_H
#define MEND_RUN_LOCK_H

#include "mend_err.h"
#include "platform.h"

/* Locks <state_dir>/run.lock, waiting up to 30 s for another run (and saying so at once);
 * NULL with e set when it cannot. */
mend_lock *mend_run_lock(const char *state_dir, mend_err *e);

#endif
