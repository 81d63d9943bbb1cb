/* Processes: the list and kill (killed autostart processes wait to come back at boot). */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

static int by_pid(const void *a, const void *b)
{
    uint32_t x = (*(sim_process *const *)a)->pid, y = (*(sim_process *const *)b)->pid;
    return (x > y) - (x < y);
}

int sim_proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    sim_process **sorted = malloc((m->nproc + 1) * sizeof *sorted);
    mend_process *a = calloc(m->nproc + 1, sizeof *a);
    if (!sorted || !a) {
        free(sorted);
        free(a);
        return sim_oom(e);
    }
    if (m->nproc)
        memcpy(sorted, m->proc, m->nproc * sizeof *sorted);
    qsort(sorted, m->nproc, sizeof *sorted, by_pid);
    size_t k = 0;
    for (size_t i = 0; i < m->nproc; i++) {
        const sim_process *p = sorted[i];
        if (!p->alive)
            continue;
        a[k].pid = p->pid;
        a[k].ppid = p->ppid;
        a[k].name = mend_strdup(p->name);
        a[k].path = mend_strdup(p->path);
        a[k].critical = sim_process_is_critical(p);
        k++;
        if (!a[k - 1].name || !a[k - 1].path) {
            free(sorted);
            mend_process_free_list(a, k);
            return sim_oom(e);
        }
    }
    free(sorted);
    *out = a;
    *n = k;
    return 0;
}

int sim_proc_kill(void *ctx, uint32_t pid, mend_err *e)
{
    sim_machine *m = ctx;
    sim_process *p = sim_process_find(m, pid);
    if (!p || !p->alive)
        return mend_err_set(e, MEND_E_NOT_FOUND, 0, "No process with pid %u is running.", (unsigned)pid);
    /* proc.kill refuses these first; a backend caller that skips the binding is refused too. */
    if (sim_process_is_critical(p))
        return mend_err_set(e, MEND_E_NOT_PERMITTED, 0, "%s (pid %u) is a critical process and is never stopped",
                            p->name, (unsigned)p->pid);
    if (sim_fault_unkillable(m, p))
        return mend_err_set(e, MEND_E_ACCESS_DENIED, MEND_WIN_ACCESS_DENIED, NULL);
    if (p->autostart)
        p->alive = false;   /* its handles close with it but come back when it restarts at boot */
    else
        sim_process_remove(m, p);
    return 0;
}
