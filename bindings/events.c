/* The events module: recent IPsec events in the host's event log that carry 13023 (0x32DF). */
#include "bindings.h"

#include "bind.h"

/* A week: long enough to span the admin's "it said 0x32DF last Tuesday", short enough to read. */
#define EVENTS_DEFAULT_S (7.0 * 24 * 3600)

static void free_events(void *p, size_t n)
{
    mend_event_free_list(p, n);
}

static int push_event(lua_State *L, const void *item, const void *ud)
{
    const mend_event *ev = item;
    (void)ud;
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, ev->time);
    lua_setfield(L, -2, "time");
    bind_setint(L, "id", (lua_Integer)ev->id);
    bind_setstr(L, "source", ev->source);
    bind_setint(L, "code", (lua_Integer)ev->code);
    bind_setstr(L, "policy", ev->policy);
    bind_setstr(L, "message", ev->message);
    return 1;
}

/* events.recent([seconds]): the events of the last `seconds` (default a week), newest first. */
static int l_recent(lua_State *L)
{
    lua_Number span = luaL_optnumber(L, 1, EVENTS_DEFAULT_S);
    luaL_argcheck(L, span >= 0, 1, "expected a number of seconds, 0 or more");
    mend_engine *eng = bind_engine(L);
    double since = eng->host.ops->sys.now(eng->host.ctx) - (double)span;
    mend_event *list = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->events.recent(eng->host.ctx, since, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, list, n, sizeof *list, free_events, push_event, NULL);
    return 1;
}

int luaopen_mend_events(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "recent", l_recent },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
