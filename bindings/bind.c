/* Helpers every binding shares (bind.h): engine access, nil/message/code, owned host lists, guards, paths. */
#include "bind.h"

#include <stdio.h>
#include <string.h>

#include "lua_private.h"
#include "plan_lua.h"
#include "utf.h"

#define BIND_ENGINE_KEY "mend.engine"
#define BIND_OWNED_MT "mend.owned"

mend_engine *bind_engine(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, BIND_ENGINE_KEY);
    mend_engine *eng = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!eng)
        luaL_error(L, "mend modules used outside a mend run (no engine)");
    return eng;
}

int bind_fail(lua_State *L, const mend_err *e)
{
    lua_pushnil(L);
    lua_pushstring(L, e->msg[0] ? e->msg : "unknown error");
    lua_pushstring(L, mend_code_name(e->code != MEND_OK ? e->code : MEND_E_IO));
    return 3;
}

int bind_true(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

int bind_result(lua_State *L, int rc, const mend_err *e)
{
    return rc == 0 ? bind_true(L) : bind_fail(L, e);
}

/* ---- owned host lists ---- */

typedef struct bind_box {
    void *p;
    size_t n;
    bind_freefn freefn;
} bind_box;

static int box_release(lua_State *L)
{
    bind_box *b = luaL_checkudata(L, 1, BIND_OWNED_MT);
    if (b->p && b->freefn)
        b->freefn(b->p, b->n);
    b->p = NULL;
    b->n = 0;
    return 0;
}

/* Runs under lua_pcall so that a memory error here still lets bind_own free the list. */
static int box_new(lua_State *L)
{
    const bind_box *src = lua_touserdata(L, 1);
    bind_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->n = 0;
    b->freefn = NULL;
    if (luaL_newmetatable(L, BIND_OWNED_MT)) {
        lua_pushcfunction(L, box_release);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, box_release);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    *b = *src;
    return 1;
}

void bind_own(lua_State *L, void *p, size_t n, bind_freefn freefn)
{
    bind_box src = { p, n, freefn };
    if (!lua_checkstack(L, 3)) {
        if (p && freefn)
            freefn(p, n);
        luaL_error(L, "out of Lua stack space");
    }
    lua_pushcfunction(L, box_new);
    lua_pushlightuserdata(L, &src);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        if (p && freefn)
            freefn(p, n);
        lua_error(L);
    }
}

void bind_push_list(lua_State *L, void *list, size_t n, size_t size, bind_freefn freefn, bind_pushfn push,
                    const void *ud)
{
    bind_own(L, list, n, freefn);
    int box = lua_gettop(L);
    lua_toclose(L, box);
    lua_createtable(L, n < 100000 ? (int)n : 100000, 0);
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++)
        if (push(L, (const char *)list + i * size, ud))
            lua_rawseti(L, -2, ++k);
    lua_closeslot(L, box);
    lua_remove(L, box);
}

/* ---- guarded calls ---- */

mend_guard_verdict bind_guard(lua_State *L, const mend_action *a, mend_err *e)
{
    mend_engine *eng = bind_engine(L);
    mend_guard_verdict v = mend_guard_begin(eng, a, e);
    if (v != MEND_GUARD_REFUSED)
        mend_plan_on_action(L, a);   /* fix --plan: the step and the state it assumes */
    else if (eng->journal_failed)
        mend_limits_stop(L, e->msg);   /* the run ends here, whatever the script would try next */
    return v;
}

void bind_guard_end(lua_State *L, const mend_action *a, mend_guard_verdict v, const mend_err *e)
{
    mend_guard_end(bind_engine(L), a, v, e);
    if (v != MEND_GUARD_REFUSED)
        mend_plan_on_result(L, a, e);
}

int bind_guarded(lua_State *L, const mend_action *a, bind_step_fn before, bind_step_fn act, void *ud,
                 mend_err *e)
{
    mend_guard_verdict v = bind_guard(L, a, e);
    if (v == MEND_GUARD_REFUSED)
        return -1;
    mend_engine *eng = bind_engine(L);
    int rc = before ? before(eng, ud, e) : 0;
    if (rc == 0 && v == MEND_GUARD_GO)
        rc = act(eng, ud, e);
    bind_guard_end(L, a, v, rc == 0 ? NULL : e);
    return rc == 0 ? 0 : -1;
}

/* ---- table setters ---- */

void bind_setstr(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v ? v : "");
    lua_setfield(L, -2, k);
}

void bind_setint(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

void bind_setbool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

/* ---- strings for the host ---- */

int bind_checkutf8(const char *s, size_t len, const char *what, mend_err *e)
{
    if (memchr(s, '\0', len))
        return mend_err_set(e, MEND_E_INVALID, 0, "%s contains a NUL byte", what);
    if (!mend_utf8_valid(s, len))
        return mend_err_set(e, MEND_E_INVALID, 0, "%s is not valid UTF-8", what);
    return 0;
}

const char *bind_hoststr(lua_State *L, int arg, mend_err *e)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    char what[32] = "argument #";
    if (arg >= 1 && arg <= 9) {   /* named for the error only: no snprintf per call */
        what[10] = (char)('0' + arg);
        what[11] = '\0';
    } else {
        snprintf(what, sizeof what, "argument #%d", arg);
    }
    return bind_checkutf8(s, len, what, e) == 0 ? s : NULL;
}

/* ---- registry paths ---- */

/* The root at s when it is followed by the end, "\\", "/" or ":\\": its short name. */
static const char *match_root(const char *s, size_t len, size_t *rootlen)
{
    int root = mend_reg_root_at(s, len, rootlen);
    if (root < 0 || (*rootlen < len && s[*rootlen] != '\\' && s[*rootlen] != '/' && s[*rootlen] != ':'))
        return NULL;
    return mend_reg_root_short(root);
}

const char *bind_regpath(lua_State *L, int arg, char *buf, size_t size, mend_err *e)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    if (bind_checkutf8(s, len, "the registry path", e) != 0)
        return NULL;
    size_t rootlen = 0;
    const char *root = match_root(s, len, &rootlen);
    if (!root)
        luaL_error(L, "bad argument #%d: unknown registry root in '%s' (expected HKLM, HKCU, HKCR, "
                   "HKU, HKCC or their long names)", arg, s);
    const char *rest = s + rootlen;
    if (*rest == ':')
        rest++;
    /* Key names may contain '/' (MIME types under HKCR do), so slashes separate keys only in a
     * path written with slashes throughout. */
    bool slashes = strchr(rest, '\\') == NULL;
    while (*rest == '\\' || (slashes && *rest == '/'))
        rest++;
    size_t restlen = strlen(rest);
    while (restlen > 0 && (rest[restlen - 1] == '\\' || (slashes && rest[restlen - 1] == '/')))
        restlen--;
    size_t need = strlen(root) + (restlen ? 1 + restlen : 0) + 1;
    if (need > size) {
        mend_err_set(e, MEND_E_INVALID, 0, "the registry path is too long (%lu bytes; at most %lu)",
                     (unsigned long)len, (unsigned long)(size - 1));
        return NULL;
    }
    size_t o = strlen(root);
    memcpy(buf, root, o);
    if (restlen) {
        buf[o++] = '\\';
        for (size_t i = 0; i < restlen; i++)
            buf[o++] = (slashes && rest[i] == '/') ? '\\' : rest[i];
    }
    buf[o] = '\0';
    return buf;
}

/* ---- modules ---- */

void bind_register(lua_State *L, const char *name, lua_CFunction open)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, open);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
}
