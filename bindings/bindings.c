/* mend_bindings_open: stores the engine where bindings find it and preloads every module. */
#include "bindings.h"

#include "bind.h"

void mend_bindings_open(lua_State *L, mend_engine *eng)
{
    lua_pushlightuserdata(L, eng);
    lua_setfield(L, LUA_REGISTRYINDEX, "mend.engine");
    bind_register(L, "ipsec", luaopen_mend_ipsec);
    bind_register(L, "svc", luaopen_mend_svc);
    bind_register(L, "handles", luaopen_mend_handles);
    bind_register(L, "proc", luaopen_mend_proc);
    bind_register(L, "reg", luaopen_mend_reg);
    bind_register(L, "sys", luaopen_mend_sys);
    bind_register(L, "nic", luaopen_mend_nic);
    bind_register(L, "spd", luaopen_mend_spd);
    bind_register(L, "events", luaopen_mend_events);
    bind_register(L, "evidence", luaopen_mend_evidence);
    bind_register(L, "log", luaopen_mend_log);
    bind_register(L, "mend", luaopen_mend_mend);
    bind_register(L, "plan", luaopen_mend_plan);
}
