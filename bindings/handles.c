/* The handles module: open-handle scan and "who holds this object", with the processes the scan could not see. */
#include <stdio.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"

static void free_handles(void *p, size_t n)
{
    mend_handle_free_list(p, n);
}

static void push_handle(lua_State *L, const mend_handle *h)
{
    lua_createtable(L, 0, 6);
    bind_setint(L, "pid", (lua_Integer)h->pid);
    bind_setstr(L, "process", h->process);
    bind_setint(L, "handle", (lua_Integer)h->handle);
    bind_setstr(L, "type", h->type);
    bind_setstr(L, "name", h->name);
    bind_setint(L, "access", (lua_Integer)h->access);
}

typedef struct handle_filter {
    bool (*keep)(const mend_handle *h, const void *ud);
    const void *ud;
} handle_filter;

static int push_kept_handle(lua_State *L, const void *item, const void *ud)
{
    const handle_filter *hf = ud;
    if (hf->keep && !hf->keep(item, hf->ud))
        return 0;
    push_handle(L, item);
    return 1;
}


static void free_unseen(void *p, size_t n)
{
    mend_unseen_free_list(p, n);
}

static int push_unseen_item(lua_State *L, const void *item, const void *ud)
{
    const mend_unseen *u = item;
    const mend_handle_filter *f = ud;
    if ((f->has_pid && u->pid != f->pid) || (f->process && *f->process && !mend_ascii_ieq(u->process, f->process)))
        return 0;
    lua_createtable(L, 0, 3);
    bind_setint(L, "pid", (lua_Integer)u->pid);
    bind_setstr(L, "process", u->process);
    bind_setstr(L, "error", u->error);
    return 1;
}

/* Pushes the list of {pid, process, error} the scan could not look inside (those f names). */
static int push_unseen(lua_State *L, const mend_handle_filter *f, mend_err *e)
{
    mend_engine *eng = bind_engine(L);
    mend_unseen *list = NULL;
    size_t n = 0;
    if (eng->host.ops->handles.unseen && eng->host.ops->handles.unseen(eng->host.ctx, &list, &n, e) != 0) {
        mend_unseen_free_list(list, n);
        return -1;
    }
    bind_push_list(L, list, n, sizeof *list, free_unseen, push_unseen_item, f);
    return 0;
}

/* Scans with f and pushes the list of matches (keep(h, ud) may drop some), then the list of
 * processes the scan could not look inside. */
static int scan_push(lua_State *L, const mend_handle_filter *f,
                     bool (*keep)(const mend_handle *h, const void *ud), const void *ud)
{
    mend_engine *eng = bind_engine(L);
    mend_handle *list = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->handles.scan(eng->host.ctx, f, &list, &n, &e) != 0) {
        mend_handle_free_list(list, n);
        return bind_fail(L, &e);
    }
    handle_filter hf = {keep, ud};
    bind_push_list(L, list, n, sizeof *list, free_handles, push_kept_handle, &hf);
    if (push_unseen(L, f, &e) != 0)
        return bind_fail(L, &e);
    return 2;
}

/* A string filter field: raises on a wrong type; NULL when absent. */
static const char *filter_str(lua_State *L, const char *k, mend_err *e, bool *bad)
{
    lua_getfield(L, 1, k);
    if (lua_isnil(L, -1))
        return NULL;
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "bad argument #1: field '%s' must be a string, not %s", k, luaL_typename(L, -1));
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    char what[64];
    snprintf(what, sizeof what, "field '%s'", k);
    if (!*bad && bind_checkutf8(s, len, what, e) != 0)
        *bad = true;
    return s;
}

static int l_scan(lua_State *L)
{
    mend_handle_filter f = { 0 };
    mend_err e;
    mend_err_clear(&e);
    bool bad = false;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        lua_getfield(L, 1, "pid");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1))
                luaL_error(L, "bad argument #1: field 'pid' must be an integer, not %s",
                           luaL_typename(L, -1));
            lua_Integer pid = lua_tointeger(L, -1);
            if (pid < 0 || pid > (lua_Integer)UINT32_MAX) {
                mend_err_set(&e, MEND_E_INVALID, 0, "pid %lld is out of range", (long long)pid);
                return bind_fail(L, &e);
            }
            f.has_pid = true;
            f.pid = (uint32_t)pid;
        }
        f.process = filter_str(L, "process", &e, &bad);
        f.type = filter_str(L, "type", &e, &bad);
        f.name = filter_str(L, "name", &e, &bad);
        if (bad)
            return bind_fail(L, &e);
    }
    return scan_push(L, &f, NULL, NULL);
}

/* Object names equal to the wanted one or below it (case-insensitive, as the object manager). */
static bool is_at_or_below(const mend_handle *h, const void *ud)
{
    const char *want = ud;
    const char *name = h->name ? h->name : "";
    size_t n = strlen(want);
    return mend_ascii_ncasecmp(name, want, n) == 0 && (name[n] == '\0' || name[n] == '\\');
}

/* Registry roots as the object manager names them. */
static const char *nt_root(const char *short_root)
{
    if (strcmp(short_root, "HKLM") == 0)
        return "\\REGISTRY\\MACHINE";
    if (strcmp(short_root, "HKU") == 0)
        return "\\REGISTRY\\USER";
    if (strcmp(short_root, "HKCR") == 0)
        return "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes";
    if (strcmp(short_root, "HKCC") == 0)
        return "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current";
    return NULL;
}

static int l_holders(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *obj = luaL_checkstring(L, 1);
    char want[4096];
    if (obj[0] == '\\') {
        if (!bind_hoststr(L, 1, &e))
            return bind_fail(L, &e);
        size_t len = strlen(obj);
        if (len >= sizeof want) {
            mend_err_set(&e, MEND_E_INVALID, 0, "the object name is too long (%lu bytes)",
                         (unsigned long)len);
            return bind_fail(L, &e);
        }
        memcpy(want, obj, len + 1);
    } else {
        char path[2048];
        if (!bind_regpath(L, 1, path, sizeof path, &e))
            return bind_fail(L, &e);
        char *slash = strchr(path, '\\');
        if (slash)
            *slash = '\0';
        const char *root = nt_root(path);
        if (!root) {
            mend_err_set(&e, MEND_E_UNSUPPORTED, 0,
                         "handles.holders cannot map %s to an object name; pass the key under "
                         "HKLM or HKU, or its NT name (\\REGISTRY\\...)", path);
            return bind_fail(L, &e);
        }
        snprintf(want, sizeof want, "%s%s%s", root, slash ? "\\" : "", slash ? slash + 1 : "");
    }
    size_t n = strlen(want);
    while (n > 1 && want[n - 1] == '\\')
        want[--n] = '\0';
    mend_handle_filter f = { 0 };
    f.name = want;
    return scan_push(L, &f, is_at_or_below, want);
}

int luaopen_mend_handles(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "scan", l_scan },
        { "holders", l_holders },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
