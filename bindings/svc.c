/* The svc module: service query, dependents, start, stop and restart (dependents brought back) through the host's service control. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"
#include "report.h"

#define SVC_DEFAULT_TIMEOUT_S 30.0

/* opts {timeout=seconds} at arg -> milliseconds; raises on a wrong type or a negative value. */
static uint32_t check_timeout(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return (uint32_t)(SVC_DEFAULT_TIMEOUT_S * 1000);
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, "timeout");
    double s = SVC_DEFAULT_TIMEOUT_S;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "bad argument #%d: field 'timeout' must be a number of seconds, not %s",
                       arg, luaL_typename(L, -1));
        s = lua_tonumber(L, -1);
        if (!(s >= 0))
            luaL_error(L, "bad argument #%d: field 'timeout' must be zero or more seconds", arg);
    }
    lua_pop(L, 1);
    double ms = s * 1000.0;
    return ms >= 4294967295.0 ? UINT32_MAX : (uint32_t)ms;
}

static void free_service(void *p, size_t n)
{
    (void)n;
    mend_service_clear(p);
    free(p);
}

static int l_query(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_service *s = calloc(1, sizeof *s);
    if (!s)
        return luaL_error(L, "not enough memory");
    bind_own(L, s, 1, free_service);
    lua_toclose(L, lua_gettop(L));
    if (eng->host.ops->svc.query(eng->host.ctx, name, s, &e) != 0)
        return bind_fail(L, &e);
    lua_createtable(L, 0, 6);
    bind_setstr(L, "name", s->name && *s->name ? s->name : name);
    bind_setstr(L, "display_name", s->display_name);
    bind_setstr(L, "state", mend_svc_state_name(s->state));
    bind_setint(L, "pid", (lua_Integer)s->pid);
    bind_setstr(L, "start_type", mend_svc_start_name(s->start_type));
    lua_createtable(L, (int)s->ndeps, 0);
    for (size_t i = 0; i < s->ndeps; i++) {
        lua_pushstring(L, s->depends_on[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "depends_on");
    return 1;
}

static void free_names(void *p, size_t n)
{
    mend_string_free_list(p, n);
}

static int push_name(lua_State *L, const void *item, const void *ud)
{
    (void)ud;
    lua_pushstring(L, *(char *const *)item);
    return 1;
}

/* svc.dependents(name[, {all = true}]): the running (or all) services that depend on name,
 * directly or through others, in the order Windows stops them. */
static int l_dependents(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    bool all = false;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "all");
        all = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    char **v = NULL;
    size_t n = 0;
    if (!eng->host.ops->svc.dependents) {
        mend_service s = { 0 };
        int rc = eng->host.ops->svc.query(eng->host.ctx, name, &s, &e);
        mend_service_clear(&s);
        if (rc != 0)
            return bind_fail(L, &e);
    } else if (eng->host.ops->svc.dependents(eng->host.ctx, name, !all, &v, &n, &e) != 0) {
        return bind_fail(L, &e);
    }
    bind_push_list(L, v, n, sizeof *v, free_names, push_name, NULL);
    return 1;
}

typedef enum { SVC_START, SVC_STOP, SVC_RESTART } svc_verb;

/* The ladder's own rung: a restart of the Policy Agent needs no gate (DESIGN, issue 12). */
static bool is_agent(const char *name)
{
    static const char agent[] = "policyagent";
    size_t i = 0;
    for (; name[i] && agent[i]; i++)
        if ((name[i] | 0x20) != agent[i])
            return false;
    return name[i] == '\0' && agent[i] == '\0';
}

/* opts.dependents: a plain stop may stop running dependents too (they stay stopped). */
static bool opt_dependents(lua_State *L, int arg)
{
    if (lua_type(L, arg) != LUA_TTABLE)
        return false;
    lua_getfield(L, arg, "dependents");
    bool on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return on;
}

/* What a stop or restart did to the services that depend on the target. */
typedef struct svc_deps {
    char **names;              /* running dependents, in stop order */
    size_t n;
    size_t stopped;            /* names[0..stopped) were stopped (or would be, in dry-run) */
    bool *down;                /* per name: did not start again */
    mend_err *why;             /* per name: why not */
} svc_deps;

static void free_deps(void *p, size_t n)
{
    (void)n;
    svc_deps *d = p;
    mend_string_free_list(d->names, d->n);
    free(d->down);
    free(d->why);
    free(d);
}

/* The running dependents of name (none when the host cannot tell, as a test host may not). */
static int running_dependents(mend_engine *eng, const char *name, svc_deps *d, mend_err *e)
{
    if (!eng->host.ops->svc.dependents)
        return 0;
    if (eng->host.ops->svc.dependents(eng->host.ctx, name, true, &d->names, &d->n, e) != 0)
        return -1;
    if (d->n && (!(d->down = calloc(d->n, sizeof *d->down)) || !(d->why = calloc(d->n, sizeof *d->why))))
        return mend_err_set(e, MEND_E_IO, 0, "not enough memory");
    return 0;
}

/* Stops the dependents one by one, in Windows' stop order, so mend knows exactly which it
 * stopped; SCM refuses to stop a service while they run (ERROR_DEPENDENT_SERVICES_RUNNING). */
static int stop_dependents(mend_engine *eng, svc_deps *d, bool act, uint32_t timeout_ms, mend_err *e)
{
    for (; d->stopped < d->n; d->stopped++) {
        if (act && eng->host.ops->svc.stop(eng->host.ctx, d->names[d->stopped], timeout_ms, e) != 0)
            return -1;
        mend_report_count(eng->report, MEND_COUNT_SERVICE_STOPS);
    }
    return 0;
}

/* SCM never starts them again: mend does, dependencies first (reverse stop order), each its own
 * journalled start with no gate of its own (the stop or restart that stopped it had one). A
 * dependent that stays down makes the run's outcome partial. */
static void bring_back(mend_engine *eng, svc_deps *d, uint32_t timeout_ms)
{
    for (size_t i = d->stopped; i-- > 0;) {
        mend_action a = { "svc.start", d->names[i], 0, MEND_COUNT_SERVICE_STARTS, NULL };
        mend_err e;
        mend_err_clear(&e);
        mend_guard_verdict v = mend_guard_begin(eng, &a, &e);
        int rc = v == MEND_GUARD_REFUSED ? -1 : 0;
        if (v == MEND_GUARD_GO)
            rc = eng->host.ops->svc.start(eng->host.ctx, d->names[i], timeout_ms, &e);
        if (v != MEND_GUARD_REFUSED)
            mend_guard_end(eng, &a, v, rc == 0 ? NULL : &e);
        d->down[i] = rc != 0;
        d->why[i] = e;
        mend_report_service_down(eng->report, d->names[i], rc != 0);
    }
}

/* The last value of a stop or restart: {stopped = {...}, started = {...}, down = {{name,
 * message, code}}}, names in the order they were stopped or started. */
static void push_deps(lua_State *L, const svc_deps *d, bool brought_back)
{
    lua_createtable(L, 0, 3);
    lua_createtable(L, (int)d->stopped, 0);
    for (size_t i = 0; i < d->stopped; i++) {
        lua_pushstring(L, d->names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "stopped");
    lua_newtable(L);
    lua_Integer up = 0;
    for (size_t i = d->stopped; brought_back && i-- > 0;)
        if (!d->down[i]) {
            lua_pushstring(L, d->names[i]);
            lua_rawseti(L, -2, ++up);
        }
    lua_setfield(L, -2, "started");
    lua_newtable(L);
    lua_Integer down = 0;
    for (size_t i = d->stopped; brought_back && i-- > 0;)
        if (d->down[i]) {
            lua_createtable(L, 0, 3);
            bind_setstr(L, "name", d->names[i]);
            bind_setstr(L, "message", d->why[i].msg);
            bind_setstr(L, "code", mend_code_name(d->why[i].code != MEND_OK ? d->why[i].code : MEND_E_IO));
            lua_rawseti(L, -2, ++down);
        }
    lua_setfield(L, -2, "down");
}

static int refuse_stop(const char *name, const svc_deps *d, mend_err *e)
{
    char list[256] = "";
    size_t len = 0;
    for (size_t i = d->n; i-- > 0 && len < sizeof list - 1;)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i + 1 == d->n ? "" : ", ", d->names[i]);
    return mend_err_set(e, MEND_E_IN_USE, MEND_WIN_DEPENDENT_SERVICES_RUNNING,
                        "A stop control has been sent to a service that other running services are "
                        "dependent on: %s runs on %s. svc.restart starts them again; "
                        "{dependents = true} stops them too", list, name);
}

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if ((*a | 0x20) != (*b | 0x20))
            return false;
    return *a == *b;
}

/* The stopped services name depends on, directly or through others, which SCM starts before it
 * (up to max, dependencies deeper down first); what cannot be queried is left out. */
static void stopped_dependencies(mend_engine *eng, const char *name, char **out, size_t *n, size_t max, int depth)
{
    mend_service s = { 0 };
    mend_err e;
    if (depth > 8 || eng->host.ops->svc.query(eng->host.ctx, name, &s, &e) != 0) {
        mend_service_clear(&s);
        return;
    }
    for (size_t i = 0; i < s.ndeps && *n < max; i++) {
        bool seen = false;
        for (size_t j = 0; j < *n; j++)
            seen = seen || same_name(out[j], s.depends_on[i]);
        if (seen)
            continue;
        mend_service d = { 0 };
        bool stopped = eng->host.ops->svc.query(eng->host.ctx, s.depends_on[i], &d, &e) == 0 &&
                       d.state == MEND_SVC_STOPPED;
        mend_service_clear(&d);
        if (!stopped)
            continue;
        stopped_dependencies(eng, s.depends_on[i], out, n, max, depth + 1);
        if (*n < max && (out[*n] = mend_strdup(s.depends_on[i])) != NULL)
            (*n)++;
    }
    mend_service_clear(&s);
}

/* "Start the service X? It needs A and B, which are stopped: they start first." */
static void ask_start(mend_engine *eng, char *q, size_t size, const char *name)
{
    char *deps[8];
    size_t n = 0, len = strlen(q);
    stopped_dependencies(eng, name, deps, &n, sizeof deps / sizeof *deps, 0);
    if (n) {
        mend_guard_append(q, size, &len, " It needs ", 10);
        mend_guard_names(q, size, &len, deps, n, false);
        mend_guard_append(q, size, &len, n == 1 ? ", which is stopped: it starts first." :
                          ", which are stopped: they start first.", 48);
    }
    for (size_t i = 0; i < n; i++)
        free(deps[i]);
}

/* "Restart the service X? The services that depend on it, A and B, stop first and start again
 * after it." What SCM would do to the dependents, said before it happens. */
static void ask_change(char *q, size_t size, svc_verb verb, const char *name, const svc_deps *d,
                       bool with_dependents)
{
    static const char *const verbs[] = { "Start", "Stop", "Restart" };
    size_t len = 0;
    q[0] = '\0';
    mend_guard_append(q, size, &len, verbs[verb], 8);
    mend_guard_append(q, size, &len, " the service ", 13);
    mend_guard_append(q, size, &len, name, 200);
    mend_guard_append(q, size, &len, "?", 1);
    if (verb == SVC_START || !d->n || (verb == SVC_STOP && !with_dependents))
        return;
    mend_guard_append(q, size, &len, d->n == 1 ? " The service that depends on it, " :
                      " The services that depend on it, ", 40);
    mend_guard_names(q, size, &len, d->names, d->n, false);
    if (verb == SVC_RESTART)
        mend_guard_append(q, size, &len, d->n == 1 ? ", stops first and starts again after it." :
                          ", stop first and start again after it.", 48);
    else
        mend_guard_append(q, size, &len, d->n == 1 ? ", stops too and stays stopped." :
                          ", stop too and stay stopped.", 48);
}

static int svc_change(lua_State *L, svc_verb verb)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    uint32_t timeout_ms = check_timeout(L, 2);
    bool with_dependents = verb == SVC_STOP && opt_dependents(L, 2);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    static const char *const ops[] = { "svc.start", "svc.stop", "svc.restart" };
    static const mend_counter counters[] = { MEND_COUNT_SERVICE_STARTS, MEND_COUNT_SERVICE_STOPS,
                                             MEND_COUNT_SERVICE_RESTARTS };
    unsigned gate = verb == SVC_RESTART && is_agent(name) ? 0 : MEND_GATE_SERVICE;
    svc_deps *d = calloc(1, sizeof *d);
    if (!d)
        return luaL_error(L, "not enough memory");
    bind_own(L, d, 1, free_deps);
    lua_toclose(L, lua_gettop(L));
    /* The dependents first: the question names the ones that stop with it. */
    mend_err qe;
    mend_err_clear(&qe);
    int qrc = verb == SVC_START ? 0 : running_dependents(eng, name, d, &qe);
    char question[1024];
    ask_change(question, sizeof question, verb, name, d, with_dependents);
    if (verb == SVC_START && gate && !mend_engine_allowed(eng, gate))   /* only a question needs it */
        ask_start(eng, question, sizeof question, name);
    mend_action a = { ops[verb], name, gate, counters[verb], question };
    /* Not bind_guarded: the dependents are stopped (or, in a dry run, counted) between the
     * guard and the service's own stop, so the act and the dry-run step interleave. */
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    void *ctx = eng->host.ctx;
    int rc = qrc;
    if (rc != 0)
        e = qe;
    /* A plain stop cannot start its dependents again while the service is down: Windows
     * refuses it the same way unless the caller means to stop them too. */
    if (rc == 0 && verb == SVC_STOP && d->n && !with_dependents)
        rc = refuse_stop(name, d, &e);
    bool act = v == MEND_GUARD_GO;
    if (rc == 0 && verb != SVC_START)
        rc = stop_dependents(eng, d, act, timeout_ms, &e);
    if (rc == 0 && act) {
        if (verb == SVC_START) {
            rc = eng->host.ops->svc.start(ctx, name, timeout_ms, &e);
        } else if (verb == SVC_STOP) {
            rc = eng->host.ops->svc.stop(ctx, name, timeout_ms, &e);
        } else {
            /* A restart of a stopped service just starts it, as `Restart-Service` does. */
            mend_service s = { 0 };
            rc = eng->host.ops->svc.query(ctx, name, &s, &e);
            bool stopped = rc == 0 && s.state == MEND_SVC_STOPPED;
            mend_service_clear(&s);
            if (rc == 0 && !stopped)
                rc = eng->host.ops->svc.stop(ctx, name, timeout_ms, &e);
            if (rc == 0)
                rc = eng->host.ops->svc.start(ctx, name, timeout_ms, &e);
        }
    }
    bind_guard_end(L, &a, v, rc == 0 ? NULL : &e);
    /* What a restart stopped comes back; so does what a failed stop stopped on its way. */
    bool back = verb == SVC_RESTART || (verb == SVC_STOP && rc != 0);
    if (back)
        bring_back(eng, d, timeout_ms);
    if (verb == SVC_START)
        return bind_result(L, rc, &e);
    int nret = bind_result(L, rc, &e);
    push_deps(L, d, back);
    return nret + 1;
}

static int l_start(lua_State *L) { return svc_change(L, SVC_START); }
static int l_stop(lua_State *L) { return svc_change(L, SVC_STOP); }
static int l_restart(lua_State *L) { return svc_change(L, SVC_RESTART); }

int luaopen_mend_svc(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "query", l_query },
        { "start", l_start },
        { "stop", l_stop },
        { "restart", l_restart },
        { "dependents", l_dependents },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
