/* The state folder's run lock: runs that may change the machine take turns (on Windows there is one machine and one journal). */
#include "run_lock.h"

#include <stdio.h>
#include <stdlib.h>

#define RUN_LOCK_WAIT_S 30.0

mend_lock *mend_run_lock(const char *state_dir, mend_err *e)
{
    char *path = mend_path_join(state_dir, "run.lock");
    if (!path) {
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    mend_lock *l = mend_mkdirs(state_dir, e) == 0 ? mend_lock_acquire(path, 0, e) : NULL;
    char holder[256] = "";
    if (!l && e->code == MEND_E_IN_USE) {
        mend_lock_holder(path, holder, sizeof holder);
        fprintf(stderr, "mend: waiting up to %g s for another mend run to finish with %s (%s)\n", RUN_LOCK_WAIT_S,
                state_dir, *holder ? holder : "holder unknown");
        fflush(stderr);
        l = mend_lock_acquire(path, RUN_LOCK_WAIT_S, e);
        if (!l && e->code == MEND_E_IN_USE)
            mend_err_set(e, MEND_E_IN_USE, 0, "another mend run is using %s (%s; waited %g s)", state_dir,
                         *holder ? holder : "holder unknown", RUN_LOCK_WAIT_S);
    }
    free(path);
    return l;
}
