/* Services: the SCM's start/stop with dependencies, defaults, and the Policy Agent's hooks. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *display, *deps;
    mend_svc_start start;
} defaults[] = {
    { "RpcSs", "Remote Procedure Call (RPC)", "RpcEptMapper", MEND_START_AUTO },
    { "RpcEptMapper", "RPC Endpoint Mapper", "", MEND_START_AUTO },
    { "Tcpip", "TCP/IP Protocol Driver", "", MEND_START_BOOT },
    { "BFE", "Base Filtering Engine", "RpcSs", MEND_START_AUTO },
    { "IKEEXT", "IKE and AuthIP IPsec Keying Modules", "BFE", MEND_START_AUTO },
    { "PolicyAgent", "IPsec Policy Agent", "RpcSs,Tcpip", MEND_START_AUTO },
    { "gpsvc", "Group Policy Client", "RpcSs", MEND_START_AUTO },
    { "mpssvc", "Windows Defender Firewall", "BFE", MEND_START_AUTO },
};

void sim_services_defaults(sim_machine *m)
{
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        sim_service *s = sim_service_add(m, defaults[i].name);
        if (!s)
            continue;
        free(s->display_name);
        s->display_name = mend_strdup(defaults[i].display);
        s->start_type = defaults[i].start;
        s->state = MEND_SVC_RUNNING;
        const char *d = defaults[i].deps;
        while (*d) {
            size_t n = strcspn(d, ",");
            char **a = realloc(s->depends_on, (s->ndeps + 1) * sizeof *a);
            if (!a)
                break;
            s->depends_on = a;
            if ((a[s->ndeps] = malloc(n + 1))) {
                memcpy(a[s->ndeps], d, n);
                a[s->ndeps][n] = '\0';
                s->ndeps++;
            }
            d += n + (d[n] == ',');
        }
    }
}

static int no_service(mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_SERVICE_DOES_NOT_EXIST, NULL);
}

int sim_svc_query(void *ctx, const char *name, mend_service *out, mend_err *e)
{
    sim_machine *m = ctx;
    memset(out, 0, sizeof *out);
    sim_service *s = sim_service_find(m, name);
    if (!s)
        return no_service(e);
    out->name = mend_strdup(s->name);
    out->display_name = mend_strdup(s->display_name);
    if (!out->name || !out->display_name) {
        mend_service_clear(out);
        return sim_oom(e);
    }
    out->state = s->state;
    out->start_type = s->start_type;
    out->pid = s->state == MEND_SVC_STOPPED ? 0 : s->pid;
    if (s->ndeps && !(out->depends_on = calloc(s->ndeps, sizeof *out->depends_on))) {
        mend_service_clear(out);
        return sim_oom(e);
    }
    for (size_t i = 0; i < s->ndeps; i++, out->ndeps++)
        if (!(out->depends_on[i] = mend_strdup(s->depends_on[i]))) {
            mend_service_clear(out);
            return sim_oom(e);
        }
    return 0;
}

static bool is_agent(const sim_service *s)
{
    return mend_ascii_casecmp(s->name, "PolicyAgent") == 0;
}

int sim_svc_start_rec(sim_machine *m, sim_service *s, mend_err *e)
{
    if (s->state == MEND_SVC_RUNNING)
        return 0;
    if (s->state == MEND_SVC_STOP_PENDING)
        return mend_err_set(e, MEND_E_IN_USE, 1061u,
                            "The service cannot accept control messages at this time.");
    if (s->start_type == MEND_START_DISABLED)
        return mend_err_set(e, MEND_E_IO, 1058u,
                            "The service cannot be started, either because it is disabled or "
                            "because it has no enabled devices associated with it.");
    s->state = MEND_SVC_START_PENDING;   /* marks the walk so a dependency cycle cannot recurse */
    for (size_t i = 0; i < s->ndeps; i++) {
        sim_service *d = sim_service_find(m, s->depends_on[i]);
        mend_err sub;
        if (!d || (d->state != MEND_SVC_START_PENDING && sim_svc_start_rec(m, d, &sub) != 0)) {
            s->state = MEND_SVC_STOPPED;
            return mend_err_set(e, MEND_E_IO, 1068u, "The dependency service or group failed to start.");
        }
    }
    s->state = MEND_SVC_RUNNING;
    s->pid = sim_alloc_pid(m);
    if (is_agent(s))
        sim_agent_started(m);
    return 0;
}

int sim_svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    sim_machine *m = ctx;
    (void)timeout_ms;
    sim_service *s = sim_service_find(m, name);
    if (!s)
        return no_service(e);
    return sim_svc_start_rec(m, s, e);
}

static bool depends_on(const sim_service *s, const sim_service *on)
{
    for (size_t i = 0; i < s->ndeps; i++)
        if (mend_ascii_casecmp(s->depends_on[i], on->name) == 0)
            return true;
    return false;
}

static int stop_rec(sim_machine *m, sim_service *s, uint32_t timeout_ms, unsigned depth, mend_err *e)
{
    if (s->state == MEND_SVC_STOPPED)
        return 0;
    if (depth > 64)
        return mend_err_set(e, MEND_E_INVALID, 0, "service dependencies of %s form a cycle", s->name);
    for (size_t i = 0; i < m->nsvc; i++) {
        sim_service *d = m->svc[i];
        if (d != s && d->state != MEND_SVC_STOPPED && depends_on(d, s) &&
            stop_rec(m, d, timeout_ms, depth + 1, e) != 0)
            return -1;
    }
    if (sim_fault_ignores_stop(m, s->name)) {
        s->state = MEND_SVC_STOP_PENDING;
        m->clock += timeout_ms / 1000.0;
        return mend_err_set(e, MEND_E_TIMEOUT, MEND_WIN_SERVICE_REQUEST_TIMEOUT, NULL);
    }
    s->state = MEND_SVC_STOPPED;
    s->pid = 0;
    if (is_agent(s))
        sim_agent_stopped(m);
    return 0;
}

int sim_svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    sim_machine *m = ctx;
    sim_service *s = sim_service_find(m, name);
    if (!s)
        return no_service(e);
    return stop_rec(m, s, timeout_ms, 0, e);
}

/* The dependents walk: out collects names, dependents of a dependent before it (SCM's stop order). */
typedef struct dep_walk {
    sim_machine *m;
    bool active_only;
    char **v;
    size_t n;
    bool *seen;                /* per m->svc index */
} dep_walk;

static int walk_dependents(dep_walk *w, const sim_service *s, unsigned depth, mend_err *e)
{
    if (depth > 64)
        return mend_err_set(e, MEND_E_INVALID, 0, "service dependencies of %s form a cycle", s->name);
    for (size_t i = 0; i < w->m->nsvc; i++) {
        sim_service *d = w->m->svc[i];
        if (w->seen[i] || d == s || !depends_on(d, s))
            continue;
        w->seen[i] = true;
        if (walk_dependents(w, d, depth + 1, e) != 0)
            return -1;
        /* A stopped service with running dependents cannot happen on Windows; still walked through. */
        if (w->active_only && d->state == MEND_SVC_STOPPED)
            continue;
        char **a = realloc(w->v, (w->n + 1) * sizeof *a);
        if (!a)
            return sim_oom(e);
        w->v = a;
        if (!(a[w->n] = mend_strdup(d->name)))
            return sim_oom(e);
        w->n++;
    }
    return 0;
}

int sim_svc_dependents(void *ctx, const char *name, bool active_only, char ***out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    sim_service *s = sim_service_find(m, name);
    if (!s)
        return no_service(e);
    dep_walk w = { m, active_only, NULL, 0, calloc(m->nsvc ? m->nsvc : 1, sizeof(bool)) };
    if (!w.seen)
        return sim_oom(e);
    int rc = walk_dependents(&w, s, 0, e);
    free(w.seen);
    if (rc != 0) {
        mend_string_free_list(w.v, w.n);
        return -1;
    }
    *out = w.v;
    *n = w.n;
    return 0;
}
