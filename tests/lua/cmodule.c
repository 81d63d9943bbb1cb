/* A C module as LuaRocks builds them: it calls the Lua API but links no liblua, so the host
 * process must provide (export) it. For the --unsafe C-module test. */
#include <lauxlib.h>
#include <lua.h>

static int answer(lua_State *L)
{
    lua_pushinteger(L, 6 * luaL_checkinteger(L, 1));
    return 1;
}

int luaopen_mend_test_cmodule(lua_State *L);

int luaopen_mend_test_cmodule(lua_State *L)
{
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, answer);
    lua_setfield(L, -2, "answer");
    return 1;
}
