/* The sandbox: an allowlist of the standard library, text-only loading, require's search path. */
#include "lua_private.h"
#include "engine_private.h"
#include "platform.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINARY_REFUSED "binary chunks are not allowed in mend scripts; load Lua source text"

/* Lua's own refusal ("attempt to load a binary chunk (mode is 't')") names a mode the script
 * never chose; say what mend means instead. Expects the message on top. */
static void rewrite_binary_message(lua_State *L, const char *chunkname)
{
    const char *msg = lua_tostring(L, -1);
    if (msg && strstr(msg, "attempt to load a binary chunk")) {
        lua_pop(L, 1);
        if (chunkname)
            lua_pushfstring(L, "%s: " BINARY_REFUSED, chunkname);
        else
            lua_pushliteral(L, BINARY_REFUSED);
    }
}

int mend_load_text_file(lua_State *L, const char *path)
{
    /* The source is held in C memory while Lua compiles it: it must fit in what --max-memory
     * leaves, and is counted against it until compiled. */
    mend_limits *lim = mend_limits_of(L);
    size_t max = MEND_SCRIPT_FILE_MAX;
    const char *why = "the most mend loads as a script";
    if (lim && lim->max && !lim->disarmed) {
        size_t left = lim->used < lim->max ? lim->max - lim->used : 0;
        if (left < max) {
            max = left;
            why = "what --max-memory leaves the script";
        }
    }
    /* Pushed first: once buf is held nothing may raise. */
    lua_pushfstring(L, "@%s", path);
    char *buf;
    size_t len;
    mend_err e;
    if (mend_read_file_max(path, max, why, &buf, &len, &e) != 0) {
        lua_pop(L, 1);
        lua_pushstring(L, e.msg);
        return LUA_ERRFILE;
    }
    if (lim)
        lim->used += len;
    const char *p = buf;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    /* A #! line is skipped but its newline kept, so line numbers stay true. */
    if (*p == '#')
        while (p < buf + len && *p != '\n')
            p++;
    if (p < buf + len && *p == LUA_SIGNATURE[0]) {
        free(buf);
        if (lim)
            lim->used -= len;
        lua_pop(L, 1);
        lua_pushfstring(L, "%s: " BINARY_REFUSED, path);
        return LUA_ERRSYNTAX;
    }
    const char *chunkname = lua_tostring(L, -1);
    int status = luaL_loadbufferx(L, p, (size_t)(buf + len - p), chunkname, "t");
    free(buf);
    if (lim)
        lim->used -= len;
    lua_remove(L, -2);
    return status;
}

/* ---- text-only replacements for load, loadfile, dofile ---- */

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t". */
static int sb_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (lua_type(L, 1) == LUA_TSTRING) {
        size_t l;
        const char *s = lua_tolstring(L, 1, &l);
        if (l > 0 && s[0] == LUA_SIGNATURE[0]) {
            luaL_pushfail(L);
            lua_pushliteral(L, BINARY_REFUSED);
            return 2;
        }
    }
    lua_settop(L, n < 3 ? 3 : n); /* an absent env must stay absent: load treats nil as an env */
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    if (lua_gettop(L) == 2 && lua_isnil(L, 1))
        rewrite_binary_message(L, NULL);
    return lua_gettop(L);
}

/* loadfile([filename [, mode [, env]]]): source text only, whatever mode says. */
static int sb_loadfile(lua_State *L)
{
    const char *fname = luaL_optstring(L, 1, NULL);
    int env = !lua_isnone(L, 3) ? 3 : 0;
    int status;
    if (fname) {
        status = mend_load_text_file(L, fname);
    } else {
        status = luaL_loadfilex(L, NULL, "t");
        if (status != LUA_OK)
            rewrite_binary_message(L, "stdin");
    }
    if (status != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1))
            lua_pop(L, 1);
    }
    return 1;
}

static int dofile_cont(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L) - 1;
}

static int sb_dofile(lua_State *L)
{
    const char *fname = luaL_optstring(L, 1, NULL);
    lua_settop(L, 1);
    int status = fname ? mend_load_text_file(L, fname) : luaL_loadfilex(L, NULL, "t");
    if (status != LUA_OK) {
        if (!fname)
            rewrite_binary_message(L, "stdin");
        return lua_error(L);
    }
    lua_callk(L, 0, LUA_MULTRET, 0, dofile_cont);
    return dofile_cont(L, 0, 0);
}

/* print for --json runs: stdout belongs to the report. */
static int sb_print_stderr(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t l;
        const char *s = luaL_tolstring(L, i, &l);
        if (i > 1)
            fputc('\t', stderr);
        fwrite(s, 1, l, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

/* os.exit would end the process at once, past the report, the journal's last record and the
 * machine's save: gone from the sandbox, but a call says so and what to do instead, where a
 * bare nil would say only "attempt to call a nil value". */
static int sb_exit(lua_State *L)
{
    return luaL_error(L, "os.exit is not available in mend scripts: the sandbox removes it, as ending the "
                         "process at once would skip the report, the journal and saving the machine; end "
                         "the script with `return N` (N becomes mend's exit code) or stop it with "
                         "error(\"why\")");
}

/* ---- require: Lua files only, text only ---- */

/* Whether require should take filename: a file that opens, or a named pipe or device, which
 * loading then refuses by name. Lua's own test fopen()s it, and that waits on a named pipe for
 * a writer, forever. */
static bool search_finds(const char *filename)
{
    if (!mend_file_exists(filename))   /* most candidates: no sentence to format */
        return false;
    mend_err e;
    FILE *f = mend_fopen_regular(filename, "rb", &e);
    if (f)
        fclose(f);
    return f || mend_err_not_a_file(&e);
}

/* package.searchpath(name, path [, sep [, rep]]) as Lua 5.4's, with search_finds as its test. */
static int sb_searchpath(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *path = luaL_checkstring(L, 2);
    const char *sep = luaL_optstring(L, 3, ".");
    const char *rep = luaL_optstring(L, 4, LUA_DIRSEP);
    if (*sep != '\0' && strchr(name, *sep))
        name = luaL_gsub(L, name, sep, rep);
    luaL_Buffer tried;
    luaL_buffinit(L, &tried);   /* "no file 'a'\n\tno file 'b'" as Lua writes it */
    for (const char *t = path;;) {
        const char *end = strchr(t, *LUA_PATH_SEP);
        size_t n = end ? (size_t)(end - t) : strlen(t);
        if (n > 0) {
            lua_pushlstring(L, t, n);
            const char *filename = luaL_gsub(L, lua_tostring(L, -1), LUA_PATH_MARK, name);
            lua_remove(L, -2);
            if (search_finds(filename))
                return 1;
            lua_pushfstring(L, "%sno file '%s'", luaL_bufflen(&tried) ? "\n\t" : "", filename);
            lua_remove(L, -2);
            luaL_addvalue(&tried);
        }
        if (!end)
            break;
        t = end + 1;
    }
    luaL_pushresult(&tried);
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
}

static int searcher_text(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, lua_upvalueindex(1), "path");
    const char *path = lua_tostring(L, -1);
    if (!path)
        return luaL_error(L, "'package.path' must be a string");
    lua_pushcfunction(L, sb_searchpath);
    lua_pushstring(L, name);
    lua_pushstring(L, path);
    lua_call(L, 2, 2);
    if (lua_isnil(L, -2))
        return 1; /* "no file '...'" lines for require's message */
    const char *filename = lua_tostring(L, -2);
    char why[1200];
    if (!mend_lua_may_read(L, filename, why, sizeof why)) /* package.path aimed at the plan key */
        return luaL_error(L, "%s", why);
    if (mend_load_text_file(L, filename) != LUA_OK)
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, filename,
                          lua_tostring(L, -1));
    lua_pushstring(L, filename);
    return 2;
}

/* ---- the allowlist ---- */

static const char *const base_keep[] = {
    "assert", "collectgarbage", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print",
    "rawequal", "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
    "warn", "xpcall", "_G", "_VERSION", "load", "loadfile", "dofile", "require",
    "string", "table", "math", "utf8", "coroutine", "io", "os", "package", "debug", NULL};
static const char *const string_keep[] = {
    "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "pack", "packsize",
    "rep", "reverse", "sub", "unpack", "upper", NULL};
static const char *const io_keep[] = {
    "open", "lines", "read", "write", "close", "type", "stdout", "stderr", NULL};
static const char *const os_keep[] = {
    "time", "clock", "date", "getenv", "difftime", "remove", "rename", "tmpname", NULL};
static const char *const debug_keep[] = {"traceback", NULL};

static bool listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* Replaces library `name` (global and package.loaded) by a table with only the kept fields. */
static void keep_only(lua_State *L, const char *name, const char *const *keep)
{
    lua_getglobal(L, name);
    lua_newtable(L);
    for (const char *const *k = keep; *k; k++) {
        lua_getfield(L, -2, *k);
        lua_setfield(L, -2, *k);
    }
    lua_pushvalue(L, -1);
    lua_setglobal(L, name);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 3);
}

/* Wraps global `name` in f, with the original as upvalue 1. */
static void wrap_global(lua_State *L, const char *name, lua_CFunction f)
{
    lua_getglobal(L, name);
    lua_pushcclosure(L, f, 1);
    lua_setglobal(L, name);
}

static void restrict_package(lua_State *L)
{
    lua_getglobal(L, "package");
    lua_pushnil(L);
    lua_setfield(L, -2, "loadlib");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    /* searchers: preload, then Lua source files; no C libraries. */
    lua_getfield(L, -1, "searchers");
    lua_createtable(L, 2, 0);
    lua_rawgeti(L, -2, 1);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, -3);                   /* package */
    lua_pushcclosure(L, searcher_text, 1);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -3, "searchers");
    lua_pushcfunction(L, sb_searchpath);
    lua_setfield(L, -3, "searchpath");
    lua_pop(L, 2);
}

static void strip_globals(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_newtable(L); /* names to drop, collected first: no table changes during next() */
    int ndrop = 0;
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || !listed(base_keep, lua_tostring(L, -1))) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++ndrop);
        }
    }
    for (int i = 1; i <= ndrop; i++) {
        lua_rawgeti(L, -1, i);
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    lua_pop(L, 2);
}

static void set_search_path(lua_State *L, bool keep_default, const char *script_dir, const char *scripts_dir)
{
    /* MEND_PATH goes on the Lua stack first so a memory error below cannot leak it. */
    char *env = mend_getenv("MEND_PATH");
    if (env) {
        lua_pushstring(L, env);
        free(env);
    } else {
        lua_pushnil(L);
    }
    const char *mend_path = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    /* Order matters: the script's own folder, then MEND_PATH, then the bundled scripts. */
    const char *dirs[3] = {script_dir, mend_path, scripts_dir};
    bool first = true;
    for (int d = 0; d < 3; d++) {
        const char *p = dirs[d];
        while (p && *p) {
            const char *end = d == 1 ? strchr(p, ';') : NULL;
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (n > 0) {
                for (int form = 0; form < 2; form++) {
                    if (!first)
                        luaL_addchar(&b, ';');
                    first = false;
                    luaL_addlstring(&b, p, n);
                    if (p[n - 1] != '/' && p[n - 1] != LUA_DIRSEP[0])
                        luaL_addstring(&b, LUA_DIRSEP);
                    luaL_addstring(&b, form == 0 ? "?.lua" : "?" LUA_DIRSEP "init.lua");
                }
            }
            p = end ? end + 1 : p + n;
        }
    }
    luaL_pushresult(&b);
    /* --unsafe keeps Lua's own places (LuaRocks trees) after mend's. */
    if (keep_default) {
        lua_pushliteral(L, ";");
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "path");
        lua_remove(L, -2);
        lua_concat(L, 3);
    }
    lua_getglobal(L, "package");
    lua_insert(L, -2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 2);
}

static void stdout_to_stderr(lua_State *L)
{
    lua_pushcfunction(L, sb_print_stderr);
    lua_setglobal(L, "print");
    /* io.output(io.stderr), so io.write follows print. */
    lua_getglobal(L, "io");
    lua_getfield(L, -1, "output");
    lua_getfield(L, -2, "stderr");
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

void mend_sandbox_open(lua_State *L, bool unsafe, bool stdout_is_report, const char *script_dir,
                       const char *scripts_dir)
{
    luaL_openlibs(L);
    if (stdout_is_report)
        stdout_to_stderr(L);
    if (!unsafe) {
        keep_only(L, "string", string_keep);
        /* ("").dump must not reach string.dump through the strings' metatable either. */
        lua_pushliteral(L, "");
        lua_getmetatable(L, -1);
        lua_getglobal(L, "string");
        lua_setfield(L, -2, "__index");
        lua_pop(L, 2);
        keep_only(L, "io", io_keep);
        keep_only(L, "os", os_keep);
        lua_getglobal(L, "os");
        lua_pushcfunction(L, sb_exit);
        lua_setfield(L, -2, "exit");
        lua_pop(L, 1);
        keep_only(L, "debug", debug_keep);
        restrict_package(L);
        wrap_global(L, "load", sb_load);
        lua_pushcfunction(L, sb_loadfile);
        lua_setglobal(L, "loadfile");
        lua_pushcfunction(L, sb_dofile);
        lua_setglobal(L, "dofile");
        strip_globals(L);
    }
    set_search_path(L, unsafe, script_dir, scripts_dir);
}
