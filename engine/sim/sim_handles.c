/* Handle scan: every open handle of running processes it can look inside, filtered as host.h describes. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

static int by_owner(const void *a, const void *b)
{
    const sim_handle *x = *(const sim_handle *const *)a, *y = *(const sim_handle *const *)b;
    if (x->pid != y->pid)
        return (x->pid > y->pid) - (x->pid < y->pid);
    return (x->value > y->value) - (x->value < y->value);
}

static bool matches(const sim_handle *h, const sim_process *p, const mend_handle_filter *f)
{
    if (!f)
        return true;
    if (f->has_pid && h->pid != f->pid)
        return false;
    if (f->process && *f->process && mend_ascii_casecmp(p->name, f->process) != 0)
        return false;
    if (f->type && *f->type && mend_ascii_casecmp(h->type, f->type) != 0)
        return false;
    if (f->name && *f->name && !sim_contains_nocase(h->name, f->name))
        return false;
    return true;
}

int sim_handles_scan(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    const sim_handle **sel = malloc((m->nhnd + 1) * sizeof *sel);
    if (!sel)
        return sim_oom(e);
    size_t k = 0;
    for (size_t i = 0; i < m->nhnd; i++) {
        const sim_process *p = sim_process_find(m, m->hnd[i].pid);
        /* A protected process cannot be opened for PROCESS_DUP_HANDLE: its handles stay hidden. */
        if (p && p->alive && !p->is_protected && matches(&m->hnd[i], p, f))
            sel[k++] = &m->hnd[i];
    }
    qsort(sel, k, sizeof *sel, by_owner);
    mend_handle *a = calloc(k + 1, sizeof *a);
    if (!a) {
        free(sel);
        return sim_oom(e);
    }
    for (size_t i = 0; i < k; i++) {
        const sim_process *p = sim_process_find(m, sel[i]->pid);
        a[i].pid = sel[i]->pid;
        a[i].handle = sel[i]->value;
        a[i].access = sel[i]->access;
        a[i].process = mend_strdup(p->name);
        a[i].type = mend_strdup(sel[i]->type);
        a[i].name = mend_strdup(sel[i]->name);
        if (!a[i].process || !a[i].type || !a[i].name) {
            free(sel);
            mend_handle_free_list(a, i + 1);
            return sim_oom(e);
        }
    }
    free(sel);
    *out = a;
    *n = k;
    return 0;
}

int sim_handles_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    mend_unseen *a = calloc(m->nproc + 1, sizeof *a);
    if (!a)
        return sim_oom(e);
    size_t k = 0;
    for (size_t i = 0; i < m->nproc; i++) {
        const sim_process *p = m->proc[i];
        if (!p->alive || !p->is_protected)
            continue;
        mend_err why;
        mend_err_set(&why, MEND_E_ACCESS_DENIED, MEND_WIN_ACCESS_DENIED, NULL);
        a[k].pid = p->pid;
        a[k].process = mend_strdup(p->name);
        a[k].error = mend_strdup(why.msg);
        k++;
        if (!a[k - 1].process || !a[k - 1].error) {
            mend_unseen_free_list(a, k);
            return sim_oom(e);
        }
    }
    for (size_t i = 1; i < k; i++)   /* by pid, as the scan reports */
        for (size_t j = i; j > 0 && a[j - 1].pid > a[j].pid; j--) {
            mend_unseen t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    *out = a;
    *n = k;
    return 0;
}
