/* The script runner: one sandboxed, limited Lua state per run; scripts run under pcall. */
#include "lua_host.h"
#include "lua_private.h"
#include "engine_private.h"

#include "bindings.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mend_lua {
    lua_State *L;
    mend_engine *eng;
    mend_limits lim;
    bool warn_off;            /* warn('@off') */
    bool warn_continued;      /* the last piece said more was coming */
};

/* warn() and errors in __gc finalizers: on stderr, on by default (warn('@off') silences). */
static void warnf(void *ud, const char *msg, int tocont)
{
    mend_lua *ml = ud;
    if (!ml->warn_continued && !tocont && msg[0] == '@') {
        if (strcmp(msg, "@off") == 0)
            ml->warn_off = true;
        else if (strcmp(msg, "@on") == 0)
            ml->warn_off = false;
        return;
    }
    if (!ml->warn_off) {
        if (!ml->warn_continued)
            fputs("mend: Lua warning: ", stderr);
        fputs(msg, stderr);
        if (!tocont)
            fputc('\n', stderr);
    }
    ml->warn_continued = tocont;
}

/* Only reached if something runs outside a protected call, which mend never does on purpose. */
static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "mend: Lua panic: %s\n", msg ? msg : "(error object is not a string)");
    return 0; /* Lua aborts */
}

typedef struct setup_args {
    mend_lua *ml;
    const mend_lua_config *cfg;
} setup_args;

static int setup(lua_State *L)
{
    setup_args *a = lua_touserdata(L, 1);
    const mend_engine *eng = a->ml->eng;
    bool json = eng && eng->opts && eng->opts->json;
    mend_sandbox_open(L, a->cfg->unsafe, json, a->cfg->script_dir, a->cfg->scripts_dir);
    mend_limits_hook_coroutines(L);
    mend_limits_guard_xpcall(L);
    mend_young_watch_collectgarbage(L);
    if (!a->cfg->unsafe)
        mend_sandbox_confine(L, eng, a->cfg->scripts_dir);
    if (a->ml->eng)
        mend_bindings_open(L, a->ml->eng);
    return 0;
}

static void copy_message(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg ? msg : "unknown error");
}

mend_lua *mend_lua_new(mend_engine *eng, const mend_lua_config *cfg, char *err, size_t errlen)
{
    mend_lua *ml = calloc(1, sizeof *ml);
    if (!ml) {
        copy_message(err, errlen, "not enough memory to start Lua");
        return NULL;
    }
    ml->eng = eng;
    ml->lim.max = cfg->max_memory;
    ml->lim.pool.cap = MEND_LIMITS_POOL_CAP(cfg->max_memory);
    ml->lim.timeout_s = cfg->timeout_s;
    ml->L = lua_newstate(mend_limits_alloc, &ml->lim);
    if (!ml->L) {
        copy_message(err, errlen, "not enough memory to start Lua");
        free(ml);
        return NULL;
    }
    /* Generational: a run over 100,000 policies keeps their names and results alive while each
     * policy makes short-lived tables, and the incremental collector marked the whole old heap
     * again every cycle (at 10,000 policies with a 2 MiB cache, cachegrind: 2.2 M -> 1.25 M
     * last-level misses; check 7-10% faster at 10,000 and 100,000). */
    lua_gc(ml->L, LUA_GCGEN, 0, 0);
    lua_atpanic(ml->L, panic);
    lua_setwarnf(ml->L, warnf, ml);
    /* Even building the state runs under pcall: a failure is a message, never an abort. */
    setup_args a = {ml, cfg};
    lua_pushcfunction(ml->L, setup);
    lua_pushlightuserdata(ml->L, &a);
    if (lua_pcall(ml->L, 1, 0, 0) != LUA_OK) {
        copy_message(err, errlen, lua_tostring(ml->L, -1));
        mend_lua_free(ml);
        return NULL;
    }
    return ml;
}

int mend_lua_close(mend_lua *ml, char *err, size_t errlen)
{
    if (!ml || !ml->L)
        return 0;
    bool hit = mend_limits_close(ml->L, &ml->lim);
    ml->L = NULL;
    mend_limits_settle();
    char limit[160];
    if (!hit || !mend_limits_message(&ml->lim, limit, sizeof limit))
        return 0;
    copy_message(err, errlen, limit);
    return 2;
}

void mend_lua_free(mend_lua *ml)
{
    if (!ml)
        return;
    char err[160];
    if (mend_lua_close(ml, err, sizeof err) != 0)
        fprintf(stderr, "mend: %s\n", err);
    free(ml);
}

lua_State *mend_lua_state(mend_lua *ml)
{
    return ml ? ml->L : NULL;
}

/* Any error object becomes text with a traceback. */
static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            msg = lua_tostring(L, -1);
        } else if (lua_type(L, 1) == LUA_TTABLE && lua_getfield(L, 1, "message") == LUA_TSTRING) {
            msg = lua_pushfstring(L, "%s (error object is a table)", lua_tostring(L, -1));
        } else {
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Sets `arg`, mend.args and mend.flags, then pushes the run's arguments (script args or
 * policy names) for the chunk's `...`. Returns how many were pushed. */
static int push_args(lua_State *L, const mend_engine *eng, const char *path)
{
    const mend_options *o = eng ? eng->opts : NULL;
    int n = o ? o->nargs : 0;
    luaL_checkstack(L, n + 8, "too many arguments for the script");
    lua_createtable(L, n, 1);
    lua_pushstring(L, path);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, o->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
    if (lua_getglobal(L, "mend") == LUA_TTABLE) {
        lua_createtable(L, n, 0);
        for (int i = 0; i < n; i++) {
            lua_pushstring(L, o->args[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "args");
        lua_createtable(L, 0, 3);
        lua_pushboolean(L, o && o->all_pending);
        lua_setfield(L, -2, "all_pending");
        lua_pushboolean(L, o && o->resume);
        lua_setfield(L, -2, "resume");
        lua_pushboolean(L, o && o->cmd == MEND_CMD_BATCH);
        lua_setfield(L, -2, "batch");
        lua_setfield(L, -2, "flags");
    }
    lua_pop(L, 1);
    for (int i = 0; i < n; i++)
        lua_pushstring(L, o->args[i]);
    return n;
}

typedef struct run_args {
    mend_lua *ml;
    const char *path;
} run_args;

/* Protected: pushing arguments can run out of memory like anything else. */
static int run_chunk(lua_State *L)
{
    run_args *a = lua_touserdata(L, 2);
    lua_settop(L, 1);
    int nargs = push_args(L, a->ml->eng, a->path);
    mend_limits_arm(L, &a->ml->lim);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

/* Runs the function on top of the stack. */
static int run_loaded(mend_lua *ml, const char *path, int status, char *err, size_t errlen, int *ret)
{
    lua_State *L = ml->L;
    *ret = -1;
    if (status != LUA_OK) {
        copy_message(err, errlen, lua_tostring(L, -1));
        lua_pop(L, 1);
        return 2;
    }
    int base = lua_gettop(L); /* the chunk */
    run_args a = {ml, path};
    lua_pushcfunction(L, msghandler);
    lua_pushcfunction(L, run_chunk);
    lua_rotate(L, base, 2);   /* msghandler, run_chunk, chunk */
    lua_pushlightuserdata(L, &a);
    status = lua_pcall(L, 2, LUA_MULTRET, base);
    mend_limits_rest(L, &ml->lim);
    ml->lim.ended_at = mend_monotonic_now();

    /* A memory error Lua raised without its retry (collector stopped) is the limit too. */
    if (status == LUA_ERRMEM && ml->lim.max)
        ml->lim.memory_hit = true;
    char limit[600];
    int rc = 0;
    /* A limit ends the run even when the script caught the error in a pcall of its own. */
    if (mend_limits_message(&ml->lim, limit, sizeof limit)) {
        copy_message(err, errlen, limit);
        rc = 2;
    } else if (status != LUA_OK) {
        copy_message(err, errlen, status == LUA_ERRMEM ? "not enough memory" : lua_tostring(L, -1));
        rc = 2;
    } else if (lua_gettop(L) > base) {
        int isint = 0;
        lua_Integer v = lua_tointegerx(L, base + 1, &isint);
#ifdef _WIN32
        const lua_Integer max_exit = 0x7fffffff;
#else
        const lua_Integer max_exit = 255;   /* the OS keeps 8 bits: 256 would read as success */
#endif
        if (isint && lua_type(L, base + 1) == LUA_TNUMBER) {
            if (v >= 0 && v <= max_exit) {
                *ret = (int)v;
            } else {
                snprintf(err, errlen, "%s: the script returned %lld, which is not an exit code (0-%lld)",
                         path, (long long)v, (long long)max_exit);
                rc = 2;
            }
        }
    }
    lua_settop(L, base - 1);
    return rc;
}

int mend_lua_run_file(mend_lua *ml, const char *path, char *err, size_t errlen, int *ret)
{
    int status = mend_load_text_file(ml->L, path);
    return run_loaded(ml, path, status, err, errlen, ret);
}

int mend_lua_run_string(mend_lua *ml, const char *code, const char *chunkname, char *err,
                        size_t errlen, int *ret)
{
    int status = luaL_loadbufferx(ml->L, code, strlen(code), chunkname, "t");
    if (status != LUA_OK) {
        const char *msg = lua_tostring(ml->L, -1);
        if (msg && strstr(msg, "attempt to load a binary chunk")) {
            lua_pop(ml->L, 1);
            lua_pushfstring(ml->L, "%s: binary chunks are not allowed in mend scripts; load Lua source text",
                            chunkname);
        }
    }
    const char *path = chunkname && (*chunkname == '@' || *chunkname == '=') ? chunkname + 1 : chunkname;
    return run_loaded(ml, path ? path : "?", status, err, errlen, ret);
}
