/* Runs a scenario chunk in a Lua state with only string, table and math, and hard limits. */
#include "sim_sandbox.h"
#include "platform.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#define SANDBOX_MEMORY ((size_t)512 * 1024 * 1024)
#define SANDBOX_HOOK_EVERY 1000
#define SANDBOX_MAX_TICKS 50000ul   /* x1000 instructions: a 100,000-policy loop fits */
/* The hook cannot reach inside a C call (a backtracking string.find); far above any real load. */
#define SANDBOX_WATCHDOG_S 120.0

typedef struct sandbox {
    size_t used;
    size_t limit;
    unsigned long ticks;
} sandbox;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->used -= old;
        return NULL;
    }
    if (nsize > old && s->used - old + nsize > s->limit)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        s->used = s->used - old + nsize;
    return p;
}

/* Raises once the budget is spent, and again on every instruction after. */
static void limit_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    void *ud;
    lua_getallocf(L, &ud);
    sandbox *s = ud;
    if (++s->ticks > SANDBOX_MAX_TICKS) {
        /* The Redis way: from now on every instruction raises, so a pcall in a loop cannot
         * catch the error and carry on, however deep the nesting. */
        lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "the scenario ran more than %d million instructions (an endless loop?)",
                   (int)(SANDBOX_MAX_TICKS / 1000));
    }
}

/* No setmetatable: a finalizer or __index trap could otherwise run code while the result is
 * validated, after the instruction limit is off. */
static const char *const base_allowed[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
    "rawset", "select", "tonumber", "tostring", "type", "xpcall", "_VERSION", NULL,
};

/* xpcall with the handler run after the call, as ordinary hooked code: Lua runs a message
 * handler for an error raised by the hook with hooks off, where an endless handler escapes
 * the instruction limit. */
static int safe_xpcall(lua_State *L)
{
    luaL_checkany(L, 2);
    lua_pushvalue(L, 2);
    lua_insert(L, 1);   /* h, f, h, args... */
    lua_remove(L, 3);   /* h, f, args... */
    if (lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 1);
        return lua_gettop(L);
    }
    lua_call(L, 1, 1);  /* h(error) */
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

static int open_libs(lua_State *L)
{
    luaL_requiref(L, "_G", luaopen_base, 1);
    lua_pop(L, 1);
    /* Allowlist the base library: no load, dofile, print, collectgarbage, ... */
    lua_newtable(L);
    for (const char *const *n = base_allowed; *n; n++) {
        lua_getglobal(L, *n);
        lua_setfield(L, -2, *n);
    }
    lua_pushcfunction(L, safe_xpcall);
    lua_setfield(L, -2, "xpcall");
    luaL_requiref(L, "string", luaopen_string, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_setfield(L, -2, "string");
    luaL_requiref(L, "table", luaopen_table, 0);
    lua_setfield(L, -2, "table");
    luaL_requiref(L, "math", luaopen_math, 0);
    /* Scenarios must be deterministic: a fixed seed for math.random. */
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
    lua_setfield(L, -2, "math");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    return 0;
}

static int run_chunk(lua_State *L)
{
    /* The caller's buffer, read in place: a copy as a Lua string would be one more state's size. */
    const char *buf = lua_touserdata(L, 1);
    size_t len = (size_t)lua_tointeger(L, 2);
    const char *name = lua_tostring(L, 3);
    if (luaL_loadbufferx(L, buf, len, name, "t") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    return 1;
}

int sim_sandbox_eval(const char *buf, size_t len, const char *chunkname, lua_State **out, mend_err *e)
{
    *out = NULL;
    sandbox *s = calloc(1, sizeof *s);
    if (!s)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory loading the scenario");
    s->limit = SANDBOX_MEMORY;
    lua_State *L = lua_newstate(limited_alloc, s);
    if (!L) {
        free(s);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory loading the scenario");
    }
    lua_pushcfunction(L, open_libs);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        mend_err_set(e, MEND_E_IO, 0, "cannot set up the scenario sandbox: %s", lua_tostring(L, -1));
        sim_sandbox_close(L);
        return -1;
    }
    lua_sethook(L, limit_hook, LUA_MASKCOUNT, SANDBOX_HOOK_EVERY);
    lua_pushcfunction(L, run_chunk);
    lua_pushlightuserdata(L, (void *)buf);
    lua_pushinteger(L, (lua_Integer)len);
    lua_pushstring(L, chunkname);
    mend_watchdog_set(SANDBOX_WATCHDOG_S, "the scenario ran for over 2 minutes where it could not be stopped "
                                          "(a string pattern that backtracks without end?)");
    int rc = lua_pcall(L, 3, 1, 0);
    mend_watchdog_set(0, NULL);
    lua_sethook(L, NULL, 0, 0);
    if (rc == LUA_OK && s->ticks > SANDBOX_MAX_TICKS) {
        /* The scenario caught the limit with pcall and carried on: still over the limit. */
        lua_pushfstring(L, "the scenario ran more than %d million instructions (an endless loop?)",
                        (int)(SANDBOX_MAX_TICKS / 1000));
        rc = LUA_ERRRUN;
    }
    if (rc != LUA_OK) {
        const char *msg = rc == LUA_ERRMEM ? "the scenario needs more than 512 MiB of memory"
                          : lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                           : "the scenario raised an error that is not a string";
        mend_err_set(e, MEND_E_INVALID, 0, "%s", msg);
        sim_sandbox_close(L);
        return -1;
    }
    s->limit += (size_t)64 * 1024 * 1024;   /* headroom for validating the result */
    *out = L;
    return 0;
}

void sim_sandbox_close(lua_State *L)
{
    if (!L)
        return;
    void *ud;
    lua_getallocf(L, &ud);
    lua_close(L);
    free(ud);
}
