/* The sandboxed Lua state: allowlisted libraries, time and memory limits, module search,
 * running a script under a message handler. */
#ifndef MEND_LUA_HOST_H
#define MEND_LUA_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "lua_private.h"

typedef struct lua_State lua_State;
typedef struct mend_lua mend_lua;

typedef struct mend_lua_config {
    bool unsafe;               /* full standard library */
    double timeout_s;          /* 0 = none */
    size_t max_memory;         /* 0 = none */
    const char *script_dir;    /* added to require's search path (the script's own folder) */
    const char *scripts_dir;   /* bundled scripts folder */
} mend_lua_config;

/* Builds a state with the sandbox, limits and every mend module preloaded. eng may be NULL
 * (then the mend bindings are not loaded: used by tests of the sandbox itself). */
mend_lua *mend_lua_new(mend_engine *eng, const mend_lua_config *cfg, char *err, size_t errlen);
/* Closes the state: the finalizers still pending run under the same time and memory limits as
 * the script. Returns 0, or 2 with "script exceeded the memory limit of ... in a __gc
 * finalizer ..." in err. Call it before reporting, so the run's outcome says so. */
int mend_lua_close(mend_lua *ml, char *err, size_t errlen);
/* Closes (as mend_lua_close, a limit's message on stderr) if still open, and frees. */
void mend_lua_free(mend_lua *ml);
lua_State *mend_lua_state(mend_lua *ml);

/* Runs a script file (text only) with `arg`-style args in mend.args.
 * Returns 0 on success with *ret set to the script's integer return value (or -1 when it
 * returned none); returns 2 on any script error, timeout or memory limit, with the
 * "file:line: message" and a short traceback in err. */
int mend_lua_run_file(mend_lua *ml, const char *path, char *err, size_t errlen, int *ret);
/* Same for a chunk in memory (chunkname as in luaL_loadbuffer). */
int mend_lua_run_string(mend_lua *ml, const char *code, const char *chunkname, char *err,
                        size_t errlen, int *ret);

#endif
