/* The svc module: service query, start, stop and restart through the host's service control. */
#include <stdlib.h>

#include "bindings.h"

#include "bind.h"

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
    lua_createtable(L, 0, 5);
    bind_setstr(L, "name", s->name && *s->name ? s->name : name);
    bind_setstr(L, "display_name", s->display_name);
    bind_setstr(L, "state", mend_svc_state_name(s->state));
    bind_setint(L, "pid", (lua_Integer)s->pid);
    bind_setstr(L, "start_type", mend_svc_start_name(s->start_type));
    return 1;
}

typedef enum { SVC_START, SVC_STOP, SVC_RESTART } svc_verb;

static int svc_change(lua_State *L, svc_verb verb)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    uint32_t timeout_ms = check_timeout(L, 2);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    static const char *const ops[] = { "svc.start", "svc.stop", "svc.restart" };
    static const mend_counter counters[] = { MEND_COUNT_SERVICE_STARTS, MEND_COUNT_SERVICE_STOPS,
                                             MEND_COUNT_SERVICE_RESTARTS };
    mend_action a = { ops[verb], name, 0, counters[verb], NULL };
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    int rc = 0;
    if (v == MEND_GUARD_GO) {
        void *ctx = eng->host.ctx;
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
    return rc == 0 ? bind_true(L) : bind_fail(L, &e);
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
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
