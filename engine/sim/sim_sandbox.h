/* The scenario sandbox: a Lua state with string, table and math only, and hard limits. */
#ifndef MEND_SIM_SANDBOX_H
#define MEND_SIM_SANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "mend_err.h"

/* Runs buf (text only) and leaves its one result on top of the new state *out. */
int sim_sandbox_eval(const char *buf, size_t len, const char *chunkname, lua_State **out, mend_err *e);
void sim_sandbox_close(lua_State *L);

#endif
