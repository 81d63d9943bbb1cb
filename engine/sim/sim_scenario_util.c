/* Scenario field readers: type checks with errors that name the field and the problem. */
#include "sim_scenario_util.h"
#include "utf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_fail(sc_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return -1;
    c->failed = true;
    char msg[MEND_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mend_err_set(c->e, MEND_E_INVALID, 0, "%s", msg);
}

const char *sc_where(char *buf, size_t size, const char *section, size_t i)
{
    snprintf(buf, size, "%s[%lu]", section, (unsigned long)i);
    return buf;
}

int sc_oom(sc_ctx *c)
{
    return sc_fail(c, "out of memory building the simulated machine");
}

/* The field's full name, formatted only for an error message: a 100,000-policy scenario reads
 * half a million fields, and naming each one up front was an eighth of loading it. */
static const char *field_name(char *buf, size_t size, const char *where, const char *key)
{
    if (where)
        snprintf(buf, size, "%s.%s", where, key);
    else
        snprintf(buf, size, "%s", key);
    return buf;
}
#define FIELD field_name(f, sizeof f, where, key)

static int push_field(sc_ctx *c, int t, const char *key)
{
    lua_pushstring(c->L, key);
    return lua_rawget(c->L, t < 0 ? t - 1 : t);
}

int sc_open_table(sc_ctx *c, int t, const char *key)
{
    int type = push_field(c, t, key);
    if (type == LUA_TNIL) {
        lua_pop(c->L, 1);
        return 0;
    }
    if (type != LUA_TTABLE)
        return sc_fail(c, "%s: expected a table, got %s", key, lua_typename(c->L, type));
    return 1;
}

int sc_open_list(sc_ctx *c, int t, const char *where, const char *key, size_t *n)
{
    char f[160];
    int type = push_field(c, t, key);
    *n = 0;
    if (type == LUA_TNIL) {
        lua_pop(c->L, 1);
        return 0;
    }
    if (type != LUA_TTABLE)
        return sc_fail(c, "%s: expected a list, got %s", FIELD, lua_typename(c->L, type));
    size_t len = (size_t)lua_rawlen(c->L, -1), count = 0;
    lua_pushnil(c->L);
    while (lua_next(c->L, -2)) {
        lua_pop(c->L, 1);
        lua_Integer k;
        if (!lua_isinteger(c->L, -1) || (k = lua_tointeger(c->L, -1)) < 1 || (size_t)k > len) {
            const char *what = lua_type(c->L, -1) == LUA_TSTRING ? lua_tostring(c->L, -1) : NULL;
            if (what)
                return sc_fail(c, "%s: expected a list, found key '%.60s'", FIELD, what);
            return sc_fail(c, "%s: expected a list (items 1..n without holes)", FIELD);
        }
        count++;
    }
    if (count != len)
        return sc_fail(c, "%s: expected a list (items 1..n without holes)", FIELD);
    *n = len;
    return 1;
}

int sc_list_item_table(sc_ctx *c, size_t i, const char *where)
{
    int type = lua_rawgeti(c->L, -1, (lua_Integer)i);
    if (type != LUA_TTABLE)
        return sc_fail(c, "%s: expected a table, got %s", where, lua_typename(c->L, type));
    return 0;
}

int sc_check_keys(sc_ctx *c, int t, const char *where, const char *const *allowed)
{
    t = lua_absindex(c->L, t);
    lua_pushnil(c->L);
    while (lua_next(c->L, t)) {
        lua_pop(c->L, 1);
        if (lua_type(c->L, -1) != LUA_TSTRING) {
            const char *tn = luaL_typename(c->L, -1);
            lua_pop(c->L, 1);
            return where ? sc_fail(c, "%s: unexpected key of type %s", where, tn)
                         : sc_fail(c, "unexpected top-level key of type %s", tn);
        }
        const char *k = lua_tostring(c->L, -1);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s%s", a == allowed ? "" : ", ", *a);
            }
            char key[64];
            snprintf(key, sizeof key, "%s", k);
            lua_pop(c->L, 1);
            return where ? sc_fail(c, "%s: unknown field '%s' (expected one of %s)", where, key, list)
                         : sc_fail(c, "unknown top-level key '%s' (expected one of %s)", key, list);
        }
    }
    return 0;
}

int sc_opt_string(sc_ctx *c, int t, const char *where, const char *key, char **out, const char *def)
{
    char f[160];
    int type = push_field(c, t, key);
    if (type == LUA_TNIL) {
        lua_pop(c->L, 1);
        if (def && !(*out = mend_strdup(def)))
            return sc_oom(c);
        return 0;
    }
    if (type != LUA_TSTRING) {
        lua_pop(c->L, 1);
        return sc_fail(c, "%s: expected a string, got %s", FIELD, lua_typename(c->L, type));
    }
    size_t len;
    const char *s = lua_tolstring(c->L, -1, &len);
    if (strlen(s) != len) {
        lua_pop(c->L, 1);
        return sc_fail(c, "%s: contains a NUL byte", FIELD);
    }
    if (!mend_utf8_valid(s, len)) { /* no binding takes it back: a name nothing could address */
        lua_pop(c->L, 1);
        return sc_fail(c, "%s: not valid UTF-8 (save the scenario as UTF-8)", FIELD);
    }
    *out = mend_strdup(s);
    lua_pop(c->L, 1);
    return *out ? 0 : sc_oom(c);
}

int sc_opt_bool(sc_ctx *c, int t, const char *where, const char *key, bool *out)
{
    char f[160];
    int type = push_field(c, t, key);
    if (type == LUA_TBOOLEAN)
        *out = lua_toboolean(c->L, -1);
    lua_pop(c->L, 1);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        return sc_fail(c, "%s: expected true or false, got %s", FIELD, lua_typename(c->L, type));
    return 0;
}

int sc_opt_number(sc_ctx *c, int t, const char *where, const char *key, double *out)
{
    char f[160];
    int type = push_field(c, t, key);
    double v = type == LUA_TNUMBER ? lua_tonumber(c->L, -1) : 0;
    lua_pop(c->L, 1);
    if (type == LUA_TNIL)
        return 0;
    if (type != LUA_TNUMBER)
        return sc_fail(c, "%s: expected a number, got %s", FIELD, lua_typename(c->L, type));
    if (!isfinite(v))
        return sc_fail(c, "%s: expected a finite number", FIELD);
    *out = v;
    return 0;
}

int sc_opt_u32_has(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out, bool *has)
{
    char f[160];
    int type = push_field(c, t, key);
    int isint = 0;
    lua_Integer v = type == LUA_TNUMBER ? lua_tointegerx(c->L, -1, &isint) : 0;
    lua_pop(c->L, 1);
    if (type == LUA_TNIL)
        return 0;
    if (type != LUA_TNUMBER || !isint)
        return sc_fail(c, "%s: expected an integer, got %s", FIELD,
                       type == LUA_TNUMBER ? "a fraction" : lua_typename(c->L, type));
    if (v < 0 || v > (lua_Integer)UINT32_MAX - 1)
        return sc_fail(c, "%s: expected an integer from 0 to 4294967294, got %lld", FIELD, (long long)v);
    *out = (uint32_t)v;
    if (has)
        *has = true;
    return 0;
}

int sc_opt_u32(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out)
{
    return sc_opt_u32_has(c, t, where, key, out, NULL);
}

int sc_string_list(sc_ctx *c, int t, const char *where, const char *key, sim_strlist *out, bool allow_int)
{
    size_t n;
    int has = sc_open_list(c, t, where, key, &n);
    if (has <= 0)
        return has;
    for (size_t i = 1; i <= n; i++) {
        int type = lua_rawgeti(c->L, -1, (lua_Integer)i);
        char buf[32];
        const char *s = NULL;
        if (type == LUA_TSTRING)
            s = lua_tostring(c->L, -1);
        else if (allow_int && type == LUA_TNUMBER && lua_isinteger(c->L, -1)) {
            snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(c->L, -1));
            s = buf;
        }
        if (!s)
            return sc_fail(c, "%s.%s[%lu]: expected a %s, got %s", where, key, (unsigned long)i,
                           allow_int ? "string or pid" : "string", lua_typename(c->L, type));
        if (sim_strlist_push(out, s) != 0)
            return sc_oom(c);
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}
