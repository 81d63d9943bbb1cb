/* Opens every mend Lua module (ipsec, svc, handles, proc, reg, sys, nic, log, mend). */
#ifndef MEND_BINDINGS_H
#define MEND_BINDINGS_H

#include <lua.h>

#include "engine.h"

/* Stores eng in the registry and preloads every module (also as globals). */
void mend_bindings_open(lua_State *L, mend_engine *eng);

int luaopen_mend_ipsec(lua_State *L);
int luaopen_mend_svc(lua_State *L);
int luaopen_mend_handles(lua_State *L);
int luaopen_mend_proc(lua_State *L);
int luaopen_mend_reg(lua_State *L);
int luaopen_mend_sys(lua_State *L);
int luaopen_mend_nic(lua_State *L);
int luaopen_mend_spd(lua_State *L);
int luaopen_mend_events(lua_State *L);
int luaopen_mend_evidence(lua_State *L);
int luaopen_mend_log(lua_State *L);
int luaopen_mend_mend(lua_State *L);
int luaopen_mend_plan(lua_State *L);

#endif
