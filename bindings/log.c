/* The log module: log.debug/info/warn/error(fmt, ...) with string.format semantics, to engine/base/log.h. */
#include <lualib.h>

#include "bindings.h"

#include "log.h"
#include "bind.h"

/* Upvalue 1: string.format as it was when the module opened, so a script cannot redirect it. */
static int log_at(lua_State *L, mend_log_level level)
{
    if (!mend_log_enabled(level))
        return 0;
    int n = lua_gettop(L);
    luaL_checkany(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    mend_log_msg(level, lua_tostring(L, -1));
    return 0;
}

static int l_debug(lua_State *L) { return log_at(L, MEND_LOG_DEBUG); }
static int l_info(lua_State *L) { return log_at(L, MEND_LOG_INFO); }
static int l_warn(lua_State *L) { return log_at(L, MEND_LOG_WARN); }
static int l_error(lua_State *L) { return log_at(L, MEND_LOG_ERROR); }

int luaopen_mend_log(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "debug", l_debug },
        { "info", l_info },
        { "warn", l_warn },
        { "error", l_error },
        { NULL, NULL },
    };
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
    lua_getfield(L, -1, "format");
    lua_remove(L, -2);
    luaL_newlibtable(L, fns);
    lua_insert(L, -2);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, f->func, 1);
        lua_setfield(L, -3, f->name);
    }
    lua_pop(L, 1);
    return 1;
}
