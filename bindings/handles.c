/* The handles module: open-handle scan and "who holds this object", with the processes the scan could not see. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"
#include "handle_index.h"

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

/* Reads the filter table at index 1 into f; returns 0, or the count bind_fail pushed. */
static int read_filter(lua_State *L, mend_handle_filter *f)
{
    mend_err e;
    mend_err_clear(&e);
    bool bad = false;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_getfield(L, 1, "pid");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "bad argument #1: field 'pid' must be an integer, not %s", luaL_typename(L, -1));
        lua_Integer pid = lua_tointeger(L, -1);
        if (pid < 0 || pid > (lua_Integer)UINT32_MAX) {
            mend_err_set(&e, MEND_E_INVALID, 0, "pid %lld is out of range", (long long)pid);
            return bind_fail(L, &e);
        }
        f->has_pid = true;
        f->pid = (uint32_t)pid;
    }
    f->process = filter_str(L, "process", &e, &bad);
    f->type = filter_str(L, "type", &e, &bad);
    f->name = filter_str(L, "name", &e, &bad);
    return bad ? bind_fail(L, &e) : 0;
}

static int l_scan(lua_State *L)
{
    mend_handle_filter f = { 0 };
    if (!lua_isnoneornil(L, 1)) {
        int ret = read_filter(L, &f);
        if (ret)
            return ret;
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

/* The object name holders(obj) looks for, in want: an NT name as given, or a registry path under
 * HKLM/HKU/HKCR/HKCC mapped to the object manager's name; no trailing backslash. */
static bool holders_want(lua_State *L, int arg, char *want, size_t size, mend_err *e)
{
    const char *obj = luaL_checkstring(L, arg);
    if (obj[0] == '\\') {
        if (!bind_hoststr(L, arg, e))
            return false;
        size_t len = strlen(obj);
        if (len >= size) {
            mend_err_set(e, MEND_E_INVALID, 0, "the object name is too long (%lu bytes)", (unsigned long)len);
            return false;
        }
        memcpy(want, obj, len + 1);
    } else {
        char path[2048];
        if (!bind_regpath(L, arg, path, sizeof path, e))
            return false;
        char *slash = strchr(path, '\\');
        if (slash)
            *slash = '\0';
        const char *root = nt_root(path);
        if (!root) {
            mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                         "handles.holders cannot map %s to an object name; pass the key under "
                         "HKLM or HKU, or its NT name (\\REGISTRY\\...)", path);
            return false;
        }
        /* Built by hand, not snprintf: this runs once per policy in `mend check`. */
        size_t rn = strlen(root), tn = slash ? strlen(slash + 1) : 0;
        if (rn + 1 + tn >= size) {
            mend_err_set(e, MEND_E_INVALID, 0, "the object name is too long (%lu bytes)", (unsigned long)(rn + 1 + tn));
            return false;
        }
        memcpy(want, root, rn);
        if (slash) {
            want[rn++] = '\\';
            memcpy(want + rn, slash + 1, tn);
        }
        want[rn + tn] = '\0';
    }
    size_t n = strlen(want);
    while (n > 1 && want[n - 1] == '\\')
        want[--n] = '\0';
    return true;
}

static int l_holders(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char want[BIND_HANDLE_INDEX_MAX + 1];
    if (!holders_want(L, 1, want, sizeof want, &e))
        return bind_fail(L, &e);
    mend_handle_filter f = { 0 };
    f.name = want;
    return scan_push(L, &f, is_at_or_below, want);
}

/* ---- handles.index: one scan, then holders(obj) by name without scanning again ---- */

#define INDEX_MT "mend.handles.index"

/* The scan's handles and the index of their names (bindings/handle_index.c). */
typedef struct handle_index {
    mend_handle *list;
    size_t n;
    bind_handle_index names;
} handle_index;

static int by_position(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return (i > j) - (i < j);
}

static void index_free(handle_index *x)
{
    mend_handle_free_list(x->list, x->n);
    bind_handle_index_free(&x->names);
    x->list = NULL;
    x->n = 0;
}

static int l_index_gc(lua_State *L)
{
    index_free(luaL_checkudata(L, 1, INDEX_MT));
    return 0;
}

static int l_index_holders(lua_State *L)
{
    handle_index *x = luaL_checkudata(L, 1, INDEX_MT);
    mend_err e;
    mend_err_clear(&e);
    char want[BIND_HANDLE_INDEX_MAX + 1];
    if (!holders_want(L, 2, want, sizeof want, &e))
        return bind_fail(L, &e);
    const size_t *run;
    size_t k = bind_handle_index_find(&x->names, x->list, want, &run);
    size_t few[16], *hit = few;
    if (k > sizeof few / sizeof *few)
        hit = lua_newuserdatauv(L, k * sizeof *hit, 0);
    else
        lua_pushnil(L);   /* keeps the stack the same shape either way */
    if (k)
        memcpy(hit, run, k * sizeof *hit);
    qsort(hit, k, sizeof *hit, by_position);   /* in the scan's order, as handles.holders */
    lua_createtable(L, (int)(k < 100000 ? k : 100000), 0);
    for (size_t i = 0; i < k; i++) {
        push_handle(L, &x->list[hit[i]]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_remove(L, -2);
    lua_getiuservalue(L, 1, 1);
    return 2;
}

static int l_index(lua_State *L)
{
    mend_handle_filter f = { 0 };
    if (!lua_isnoneornil(L, 1)) {
        int ret = read_filter(L, &f);
        if (ret)
            return ret;
    }
    mend_engine *eng = bind_engine(L);
    mend_err e;
    mend_err_clear(&e);
    handle_index *x = lua_newuserdatauv(L, sizeof *x, 1);
    memset(x, 0, sizeof *x);
    if (luaL_newmetatable(L, INDEX_MT)) {
        static const luaL_Reg methods[] = { { "holders", l_index_holders }, { NULL, NULL } };
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_index_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_index_gc);
        lua_setfield(L, -2, "__close");
        lua_pushliteral(L, "mend.handles.index");
        lua_setfield(L, -2, "__name");
    }
    lua_setmetatable(L, -2);
    if (eng->host.ops->handles.scan(eng->host.ctx, &f, &x->list, &x->n, &e) != 0) {
        index_free(x);
        return bind_fail(L, &e);
    }
    if (bind_handle_index_build(&x->names, x->list, x->n) != 0) {
        index_free(x);
        return luaL_error(L, "not enough memory for the handle index");
    }
    mend_handle_filter none = { 0 };
    if (push_unseen(L, &none, &e) != 0)
        return bind_fail(L, &e);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

int luaopen_mend_handles(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "scan", l_scan },
        { "holders", l_holders },
        { "index", l_index },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
