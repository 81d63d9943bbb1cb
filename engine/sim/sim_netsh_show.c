/* The simulator's `netsh ipsec static show all` and `dynamic show all`: its model in netsh's shape. */
#include "sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct show_buf {
    char *p;
    size_t len, cap;
    bool failed;
} show_buf;

static void put(show_buf *b, const char *fmt, ...) MEND_PRINTF(2, 3);

static void put(show_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap + (n > 0 ? (size_t)n : 0) + 1) * 2;
        char *grown = n < 0 ? NULL : realloc(b->p, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(sim_policy *const *)a)->name, (*(sim_policy *const *)b)->name);
}

/* What the static store holds: the local store and Group Policy's cache, as netsh lists them. */
static void show_static(sim_machine *m, show_buf *b)
{
    sim_policy **a = malloc((m->npol + 1) * sizeof *a);
    if (!a) {
        b->failed = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->npol; i++)
        if (m->pol[i]->in_store)
            a[n++] = m->pol[i];
    qsort(a, n, sizeof *a, by_name);
    if (n == 0)
        put(b, "No Policies in System\r\n");
    for (size_t i = 0; i < n; i++) {
        const sim_policy *p = a[i];
        put(b, "\r\nPolicy Name            : %s\r\n", p->name);
        put(b, "Description            : %s\r\n", p->description ? p->description : "NONE");
        if (p->gpo)
            put(b, "Store                  : Domain Store (GPO %s)\r\n", p->gpo);
        else
            put(b, "Store                  : Local Store\r\n");
        put(b, "Policy GUID            : %s\r\n", p->guid);
        put(b, "Assigned               : %s\r\n", sim_policy_assigned(m, p) ? "YES" : "NO");
        put(b, "Rule Name              : %s rule\r\n", p->name);
        if (p->filter_list)
            put(b, "FilterList Name        : %s\r\n", p->filter_list);
        else
            put(b, "FilterList Name        : %s filter list\r\n", p->name);
        if (p->filter_action)
            put(b, "FilterAction Name      : %s\r\n", p->filter_action);
        else
            put(b, "FilterAction Name      : %s filter action\r\n", p->name);
    }
    free(a);
}

/* What the Policy Agent plumbed into the SPD: quick-mode policies, filters, SAs. */
static int show_dynamic(sim_machine *m, show_buf *b, mend_err *e)
{
    if (!sim_agent_alive(m)) {
        put(b, "The IPsec Policy Agent service is not running.\r\n");
        return 0;
    }
    mend_spd_qm_policy *q = NULL;
    mend_spd_filter *f = NULL;
    mend_spd_sa *s = NULL;
    size_t nq = 0, nf = 0, ns = 0;
    int rc = sim_spd_qm_policies(m, &q, &nq, e);
    if (rc == 0)
        rc = sim_spd_filters(m, &f, &nf, e);
    if (rc == 0)
        rc = sim_spd_sas(m, &s, &ns, e);
    if (rc == 0) {
        put(b, "Quick Mode Policy\r\n-----------------\r\n");
        for (size_t i = 0; i < nq; i++)
            put(b, "Policy Name            : %s\r\nPolicy GUID            : %s\r\nFlags                  : 0x%lx%s\r\n\r\n",
                q[i].name, q[i].guid, (unsigned long)q[i].flags,
                q[i].pending_deletion > 0 ? " (pending deletion)" : "");
        put(b, "%lu Quick Mode Policies\r\n\r\nTransport and Tunnel Filters\r\n----------------------------\r\n",
            (unsigned long)nq);
        for (size_t i = 0; i < nf; i++)
            put(b, "Filter Name            : %s\r\nFilter Type            : %s\r\nQuick Mode Policy      : %s\r\n\r\n",
                f[i].name, f[i].tunnel ? "Tunnel" : "Transport", f[i].qm_policy);
        put(b, "%lu Filters\r\n\r\nQuick Mode SAs\r\n--------------\r\n", (unsigned long)nf);
        for (size_t i = 0; i < ns; i++)
            put(b, "SA %llu                  : Quick Mode Policy %s\r\n", (unsigned long long)s[i].id,
                s[i].qm_policy);
        put(b, "%lu Quick Mode SAs\r\n", (unsigned long)ns);
    }
    mend_spd_qm_policy_free_list(q, nq);
    mend_spd_filter_free_list(f, nf);
    mend_spd_sa_free_list(s, ns);
    return rc;
}

int sim_ipsec_show(sim_machine *m, bool dynamic, char **text, mend_err *e)
{
    *text = NULL;
    show_buf b = { 0 };
    put(&b, "%s", "");
    if (dynamic) {
        if (show_dynamic(m, &b, e) != 0) {
            free(b.p);
            return -1;
        }
    } else {
        show_static(m, &b);
    }
    if (b.failed) {
        free(b.p);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory rendering netsh ipsec %s show all",
                            dynamic ? "dynamic" : "static");
    }
    *text = b.p;
    return 0;
}
