/* Where a sandboxed script may write: its working and temp folders, never mend's own files. */
#if !defined(_WIN32) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* realpath, lstat */
#endif
#include "lua_private.h"
#include "engine_private.h"
#include "ascii.h"
#include "platform.h"

#include <lauxlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define FS_SEP '\\'
#define fs_ncmp mend_ascii_ncasecmp   /* NTFS names compare without case (ASCII folding here) */
#else
#include <sys/stat.h>
#include <unistd.h>
#define FS_SEP '/'
#define fs_ncmp strncmp
#endif

#define FS_REGISTRY_KEY "mend.sandbox.fs"

static bool fs_is_sep(char c)
{
#ifdef _WIN32
    return c == '\\' || c == '/';
#else
    return c == '/';
#endif
}

/* ---- per OS: absolute paths, symlinks followed ---- */

#ifdef _WIN32
static wchar_t *fs_widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static char *fs_narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

/* GetFullPathNameW: the path Win32 will open (relative parts, trailing dots and spaces resolved). */
static char *fs_full(const char *path)
{
    wchar_t *w = fs_widen(path);
    DWORD n = w ? GetFullPathNameW(w, 0, NULL, NULL) : 0;
    wchar_t *full = n ? malloc((size_t)n * sizeof *full) : NULL;
    char *out = NULL;
    if (full && GetFullPathNameW(w, n, full, NULL) < n)
        out = fs_narrow(full);
    free(full);
    free(w);
    return out;
}

/* An existing path with every symlink and junction followed (GetFinalPathNameByHandleW). */
static char *fs_real(const char *path)
{
    wchar_t *w = fs_widen(path);
    if (!w)
        return NULL;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    wchar_t buf[4096];
    DWORD n = GetFinalPathNameByHandleW(h, buf, 4096, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    CloseHandle(h);
    if (n == 0 || n >= 4096)
        return NULL;
    const wchar_t *p = buf;
    if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
        p += 6;
        buf[6] = L'\\';   /* \\?\UNC\server -> \\server */
    } else if (wcsncmp(p, L"\\\\?\\", 4) == 0) {
        p += 4;
    }
    return fs_narrow(p);
}

static bool fs_is_link(const char *path)
{
    wchar_t *w = fs_widen(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT);
}

static char *fs_cwd(void)
{
    return fs_full(".");
}

static char *fs_temp_dir(void)
{
    wchar_t buf[MAX_PATH + 2];
    DWORD n = GetTempPathW(MAX_PATH + 2, buf);
    return n && n < MAX_PATH + 2 ? fs_narrow(buf) : NULL;
}

static int fs_rename(const char *from, const char *to)
{
    wchar_t *wf = fs_widen(from), *wt = fs_widen(to);
    int rc = wf && wt && MoveFileW(wf, wt) ? 0 : -1;
    if (rc != 0)
        errno = GetLastError() == ERROR_ALREADY_EXISTS ? EEXIST : EACCES;
    free(wf);
    free(wt);
    return rc;
}
#else
static char *fs_full(const char *path)
{
    if (path[0] == '/')
        return mend_dupstr(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    return mend_path_join(cwd, path);
}

static char *fs_real(const char *path)
{
    return realpath(path, NULL);
}

static bool fs_is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static char *fs_cwd(void)
{
    char buf[4096];
    return getcwd(buf, sizeof buf) ? mend_dupstr(buf) : NULL;
}

static char *fs_temp_dir(void)
{
    char *t = mend_getenv("TMPDIR");
    return t ? t : mend_dupstr("/tmp");
}

static int fs_rename(const char *from, const char *to)
{
    return rename(from, to);
}
#endif

/* ---- resolving ---- */

/* Where path's own entry lives, absolute, with every folder above it resolved (symlinks
 * followed) however much of it exists; the last part is kept as given, so a symlink there is
 * named, not followed. NULL when out of memory or the path has no name (".", "..", "dir/"). */
static char *fs_locate(const char *path)
{
    char *full = fs_full(path);
    if (!full)
        return NULL;
    size_t n = strlen(full);
    size_t cut = n;
    while (cut > 0 && !fs_is_sep(full[cut - 1]))
        cut--;
    const char *base = full + cut;
    if (cut == 0 || !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        free(full);
        return NULL;
    }
    /* The parent: resolved when it exists, else located itself (a folder yet to be made). */
    char *parent = malloc(cut + 1);
    if (!parent) {
        free(full);
        return NULL;
    }
    memcpy(parent, full, cut);
    parent[cut] = '\0';
    char *rp = fs_real(parent);
    if (!rp && cut > 3) {
        parent[cut - 1] = '\0';   /* a folder yet to be made: locate it in turn */
        rp = fs_locate(parent);
    }
    char *out = rp ? mend_path_join(rp, base) : mend_dupstr(full);
    free(rp);
    free(parent);
    free(full);
    return out;
}

/* path equals root, lies under it, or (a file root) is one of its siblings made from its
 * name: "journal.jsonl.tmp.x", "state.lua.lock". */
static bool fs_under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (n == 0 || fs_ncmp(path, root, n) != 0)
        return false;
    if (fs_is_sep(root[n - 1]))
        return true;
#ifdef _WIN32
    if (path[n] == ':')
        return true;   /* a stream of it: "fix.lua::$DATA" is fix.lua itself */
#endif
    return path[n] == '\0' || fs_is_sep(path[n]) || path[n] == '.';
}

static void fs_confine_functions(lua_State *L);

/* ---- the lists, kept in the registry: {allowed = {path...}, protected = {{path, what}...},
 * secret = {path...}} ---- */

static void fs_add(lua_State *L, const char *field, const char *path, const char *what)
{
    if (!path || !*path)
        return;
    char *loc = fs_locate(path);
    if (!loc)
        loc = fs_full(path);   /* a root ("/", "C:\\") has no last part */
    char *real = loc ? fs_real(loc) : NULL;
    lua_getfield(L, -1, field);
    /* Both the place as named and where it really is: a symlinked state folder is both. */
    const char *forms[2] = {loc, real};
    for (int i = 0; i < 2; i++) {
        if (!forms[i] || (i == 1 && strcmp(forms[0], forms[1]) == 0))
            continue;
        lua_pushstring(L, forms[i]);
        if (what) {
            lua_createtable(L, 2, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, 1);
            lua_pushstring(L, what);
            lua_rawseti(L, -2, 2);
        }
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
    lua_pop(L, 1);
    free(real);
    free(loc);
}

/* Builds the lists, keeps them in the registry in its own place and returns them. Upvalues: the
 * engine (light userdata, may be NULL) and the bundled scripts' folder (or nil). */
static int fs_build(lua_State *L)
{
    const mend_engine *eng = lua_touserdata(L, lua_upvalueindex(1));
    const char *scripts_dir = lua_tostring(L, lua_upvalueindex(2));
    lua_createtable(L, 0, 3);
    lua_newtable(L);
    lua_setfield(L, -2, "allowed");
    lua_newtable(L);
    lua_setfield(L, -2, "protected");
    lua_newtable(L);
    lua_setfield(L, -2, "secret");

    char *tmp = fs_temp_dir();
    char *cwd = fs_cwd();
    fs_add(L, "allowed", cwd, NULL);
    free(cwd);
    fs_add(L, "allowed", tmp, NULL);
    free(tmp);
#ifndef _WIN32
    fs_add(L, "allowed", "/tmp", NULL);   /* os.tmpname's folder, whatever $TMPDIR says */
#endif

    fs_add(L, "protected", scripts_dir, "mend's bundled scripts");
    if (eng) {
        const mend_options *o = eng->opts;
        /* Not the whole data dir: in a source tree it holds the build and test folders. */
        char *scen = eng->data_dir ? mend_path_join(eng->data_dir, "scenarios") : NULL;
        fs_add(L, "protected", scen, "mend's bundled scenarios");
        free(scen);
        fs_add(L, "protected", eng->state_dir, "mend's state folder (state, journal, backups, plan key)");
        fs_add(L, "protected", eng->backup_dir, "mend's registry backups");
        if (eng->state_dir) {
            char *key = mend_path_join(eng->state_dir, "plan.key");
            fs_add(L, "secret", key, NULL);
            free(key);
        }
        if (o) {
            fs_add(L, "protected", o->journal_path, "mend's journal (--journal)");
            fs_add(L, "protected", o->report_path, "mend's report (--report)");
            fs_add(L, "protected", o->plan_path, "mend's plan (--plan)");
            if (o->host_spec && strncmp(o->host_spec, "sim:", 4) == 0)
                fs_add(L, "protected", o->host_spec + 4, "the simulator's state file");
            /* capture -o FILE: the bundled capture script writes it. */
            if (o->output)
                fs_add(L, "allowed", o->output, NULL);
            /* capture --evidence DIR: the bundle's folder (mend's own files stay protected). */
            if (o->evidence_dir)
                fs_add(L, "allowed", o->evidence_dir, NULL);
        }
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, FS_REGISTRY_KEY);
    return 1;
}

/* The lists are made by the first check that needs them, not when the state starts: resolving
 * every folder (some sixty readlink calls) was a twentieth of an empty run that writes no file.
 * Until then the registry holds their builder. */
void mend_sandbox_confine(lua_State *L, const mend_engine *eng, const char *scripts_dir)
{
    lua_pushlightuserdata(L, (void *)eng);
    if (scripts_dir)
        lua_pushstring(L, scripts_dir);
    else
        lua_pushnil(L);
    lua_pushcclosure(L, fs_build, 2);
    lua_setfield(L, LUA_REGISTRYINDEX, FS_REGISTRY_KEY);
    fs_confine_functions(L);
}

/* Pushes the lists (made now if still to make) and returns true; false, nothing pushed, with
 * --unsafe (no lists at all). */
static bool fs_lists(lua_State *L)
{
    int t = lua_getfield(L, LUA_REGISTRYINDEX, FS_REGISTRY_KEY);
    if (t == LUA_TFUNCTION) {
        lua_call(L, 0, 1);
        t = lua_type(L, -1);
    }
    if (t != LUA_TTABLE) {
        lua_pop(L, 1);
        return false;
    }
    return true;
}

/* True when path is (or is under) an entry of the list; what gets the entry's description.
 * Expects the lists table on top; raw accesses only, so nothing here can raise. */
static bool fs_match(lua_State *L, const char *field, const char *path, char *what, size_t wlen)
{
    bool hit = false;
    lua_getfield(L, -1, field);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n && !hit; i++) {
        if (lua_rawgeti(L, -1, i) == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            hit = fs_under(path, lua_tostring(L, -2));
            if (hit && what)
                snprintf(what, wlen, "%s", lua_tostring(L, -1));
            lua_pop(L, 3);
        } else {
            hit = fs_under(path, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return hit;
}

/* Checks that a script may create, truncate, rename or remove path. Returns NULL, or pushes
 * and returns the refusal. The lists come first: once C strings are held nothing may raise. */
static const char *fs_refuse_write(lua_State *L, const char *path)
{
    if (!fs_lists(L))
        return NULL;   /* --unsafe: no lists */
    char msg[1536], what[200];
    msg[0] = '\0';
    char *loc = fs_locate(path);
    char *real = NULL;
    /* An existing target is judged where it really is too: through a symlink, and on Windows
     * by its long name (a short 8.3 name or another letter case names the same file). */
    if (loc)
        real = fs_real(loc);
    if (!loc)
        snprintf(msg, sizeof msg, "%.1000s: not a file name a script may write", path);
    else if (!real && fs_is_link(loc))
        snprintf(msg, sizeof msg, "%.1000s: a symbolic link that points nowhere; scripts may not write through it",
                 path);
    const char *forms[2] = {loc, real};
    for (int i = 0; i < 2 && !msg[0]; i++) {
        if (!forms[i])
            continue;
        if (fs_match(L, "protected", forms[i], what, sizeof what))
            snprintf(msg, sizeof msg, "%.1000s: scripts may not change %s (%.300s)", path, what, forms[i]);
        else if (!fs_match(L, "allowed", forms[i], NULL, 0))
            snprintf(msg, sizeof msg, "%.1000s: scripts may write only under the working folder and the "
                                      "temp folder (this is %.300s)", path, forms[i]);
    }
    lua_pop(L, 1);
    free(real);
    free(loc);
    return msg[0] ? lua_pushstring(L, msg) : NULL;
}

/* The plan key signs plans: no script reads it (it could sign a plan of its own). */
static const char *fs_refuse_read(lua_State *L, const char *path)
{
    if (!fs_lists(L))
        return NULL;
    char msg[1100];
    msg[0] = '\0';
    char *loc = fs_locate(path);
    char *real = loc ? fs_real(loc) : NULL;
    const char *forms[2] = {loc, real};
    for (int i = 0; i < 2 && !msg[0]; i++)
        if (forms[i] && fs_match(L, "secret", forms[i], NULL, 0))
            snprintf(msg, sizeof msg, "%.1000s: scripts may not read mend's plan key", path);
    lua_pop(L, 1);
    free(real);
    free(loc);
    return msg[0] ? lua_pushstring(L, msg) : NULL;
}

/* refusal pushed the reason, or nothing: true when nothing was refused, else the reason in why. */
static bool fs_allowed(lua_State *L, const char *refusal, char *why, size_t whylen)
{
    if (!refusal)
        return true;
    snprintf(why, whylen, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return false;
}

bool mend_lua_may_read(lua_State *L, const char *path, char *why, size_t whylen)
{
    return fs_allowed(L, fs_refuse_read(L, path), why, whylen);
}

bool mend_lua_may_write(lua_State *L, const char *path, char *why, size_t whylen)
{
    return fs_allowed(L, fs_refuse_write(L, path), why, whylen);
}

static int fs_refused(lua_State *L)
{
    luaL_pushfail(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "not_permitted");
    return 3;
}

/* ---- the confined functions ---- */

static int fs_close(lua_State *L)
{
    luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
    errno = 0;
    return luaL_fileresult(L, fclose(p->f) == 0, NULL);
}

/* io.open, opened through mend_fopen (UTF-8 names on Windows too) after the checks. */
static int fs_io_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const char *mode = luaL_optstring(L, 2, "r");
    const char *m = mode;
    /* Lua's own rule: [rwa]%+?b* */
    bool valid = *m && strchr("rwa", *m++) != NULL;
    if (valid && *m == '+')
        m++;
    while (valid && *m == 'b')
        m++;
    luaL_argcheck(L, valid && *m == '\0', 2, "invalid mode");
    bool writes = mode[0] != 'r' || strchr(mode, '+') != NULL;
    if (writes ? fs_refuse_write(L, path) : fs_refuse_read(L, path))
        return fs_refused(L);
    luaL_Stream *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->closef = NULL;
    luaL_setmetatable(L, LUA_FILEHANDLE);
    /* A named pipe or a device would wait in open() (or in the first read) for a writer or a
     * reader; a read opens through mend_fopen_regular, which looks at what it opened. */
    mend_err e;
    bool special = writes && mend_refuse_special(path, &e) != 0;
    if (!special) {
        errno = 0;
        p->f = writes ? mend_fopen(path, mode) : mend_fopen_regular(path, mode, &e);
        special = !p->f && !writes && mend_err_not_a_file(&e);
        if (!p->f && !special)
            return luaL_fileresult(L, 0, path);   /* Lua's own "path: No such file ..." */
    }
    if (special) {
        luaL_pushfail(L);
        if (writes && strncmp(e.msg, "cannot read ", 12) == 0)
            lua_pushfstring(L, "cannot write %s", e.msg + 12);
        else
            lua_pushstring(L, e.msg);
        lua_pushstring(L, mend_code_name(e.code));
        return 3;
    }
    p->closef = fs_close;
    return 1;
}

/* io.lines(path): a read, refused for the plan key, a named pipe or a device. */
static int fs_io_lines(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING && fs_refuse_read(L, lua_tostring(L, 1)))
        return lua_error(L);
    mend_err e;
    if (lua_type(L, 1) == LUA_TSTRING && mend_refuse_special(lua_tostring(L, 1), &e) != 0)
        return luaL_error(L, "%s", e.msg);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int fs_os_remove(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (fs_refuse_write(L, path))
        return fs_refused(L);
    errno = 0;
    return luaL_fileresult(L, mend_remove(path) == 0, path);
}

static int fs_os_rename(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *to = luaL_checkstring(L, 2);
    if (fs_refuse_write(L, from) || fs_refuse_write(L, to))
        return fs_refused(L);
    errno = 0;
    return luaL_fileresult(L, fs_rename(from, to) == 0, NULL);
}

static void fs_set(lua_State *L, const char *lib, const char *name, lua_CFunction f, bool wrap)
{
    lua_getglobal(L, lib);
    if (wrap) {
        lua_getfield(L, -1, name);
        lua_pushcclosure(L, f, 1);
    } else {
        lua_pushcfunction(L, f);
    }
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static void fs_confine_functions(lua_State *L)
{
    fs_set(L, "io", "open", fs_io_open, false);
    fs_set(L, "io", "lines", fs_io_lines, true);
    fs_set(L, "os", "remove", fs_os_remove, false);
    fs_set(L, "os", "rename", fs_os_rename, false);
}
