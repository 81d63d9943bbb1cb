/* Lua values written straight into compact JSON text (steps and report data), cJSON's bytes. */
#include "lua_json.h"

#include <lauxlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "utf.h"

/* ASCII without a NUL, eight bytes at a time: nearly every string a script records. */
static bool plain_ascii(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if ((x & highs) || ((x - ones) & ~x & highs))
            return false;
    }
    for (; i < n; i++)
        if (s[i] == 0 || (unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

const char *bind_json_text(lua_State *L, int idx, size_t *len)
{
    const char *s = lua_tolstring(L, idx, len);
    if (plain_ascii(s, *len) || (mend_utf8_valid(s, *len) && !memchr(s, '\0', *len)))
        return s;
    /* The report must stay valid JSON: bytes that are not UTF-8 become '?'. */
    luaL_Buffer lb;
    char *copy = luaL_buffinitsize(L, &lb, *len);
    for (size_t i = 0; i < *len; i++) {
        unsigned char c = (unsigned char)s[i];
        copy[i] = c < 0x80 && c != 0 ? (char)c : '?';
    }
    luaL_pushresultsize(&lb, *len);
    return lua_tostring(L, -1);
}

/* A number exactly as cJSON prints one (its integer test, 15 then 17 digits, null for inf/nan). */
static void put_number(mend_buf *b, double d)
{
    cJSON item;
    memset(&item, 0, sizeof item);
    item.type = cJSON_Number;
    cJSON_SetNumberHelper(&item, d);
    char text[64];
    if (cJSON_PrintPreallocated(&item, text, (int)sizeof text, 0))
        mend_buf_str(b, text);
    else
        b->failed = true;
}

/* A non-empty table with keys 1..n only; an empty table is a list too, so it comes out []. */
static bool is_sequence(lua_State *L, int idx)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
            lua_pop(L, 1);
            return false;
        }
        count++;
    }
    return count == n;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lua keeps one copy of each short string, so a key given as Lua's own text is usually found
 * by its address; the first byte rules out most of the others before strcmp. */
static bool skipped(const char *k, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (k == *skip || (k[0] == (*skip)[0] && strcmp(k, *skip) == 0))
            return true;
    return false;
}

void bind_json_keys(lua_State *L, int idx, mend_buf *b, int depth, const char **keys, size_t n)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "step nested too deep");
    if (n > 1)
        qsort(keys, n, sizeof *keys, cmp_keys);
    for (size_t i = 0; i < n; i++) {
        if (i)
            mend_buf_add(b, ",", 1);
        mend_buf_json_str(b, keys[i], strlen(keys[i]));
        mend_buf_add(b, ":", 1);
        lua_pushstring(L, keys[i]);
        lua_rawget(L, idx);
        bind_json_value(L, -1, b, depth);
        lua_pop(L, 1);
    }
}

size_t bind_json_members(lua_State *L, int idx, mend_buf *b, int depth, const char *const *skip)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "step nested too deep");
    /* The keys stay alive as keys of the table; a small table's fit on the C stack. */
    enum { SMALL = 16 };
    const char *small[SMALL];
    const char **keys = small;
    size_t n = 0, cap = SMALL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || skipped(lua_tostring(L, -1), skip))
            continue;
        if (n == cap) {
            cap *= 4;
            const char **big = lua_newuserdatauv(L, cap * sizeof *big, 0);
            memcpy(big, keys, n * sizeof *big);
            lua_insert(L, -2);   /* below the key lua_next goes on from */
            if (keys != small)
                lua_remove(L, -3);   /* the smaller list it replaces */
            keys = big;
        }
        keys[n++] = lua_tostring(L, -1);
    }
    bind_json_keys(L, idx, b, depth, keys, n);
    if (keys != small)
        lua_pop(L, 1);
    return n;
}

static int cmp_integers(const void *a, const void *b)
{
    lua_Integer x = *(const lua_Integer *)a, y = *(const lua_Integer *)b;
    return (x > y) - (x < y);
}

/* The keys JSON has no place for in a table that is not a plain list (a list with holes, list
 * items beside named keys, a number or boolean as a key) are written as their text, integers in
 * order, so the report loses nothing a script recorded. */
void bind_json_other_keys(lua_State *L, int idx, mend_buf *b, int depth, bool comma)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "step nested too deep");
    size_t n = 0, cap = 0;
    lua_Integer *ints = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING)
            continue;
        if (lua_isinteger(L, -1)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                lua_Integer *more = realloc(ints, cap * sizeof *more);
                if (!more) {
                    b->failed = true;
                    lua_pop(L, 1);
                    break;
                }
                ints = more;
            }
            ints[n++] = lua_tointeger(L, -1);
            continue;
        }
        size_t len;
        const char *k = luaL_tolstring(L, -1, &len);   /* a float, a boolean, a table as a key */
        if (comma)
            mend_buf_add(b, ",", 1);
        comma = true;
        mend_buf_json_str(b, k, len);
        mend_buf_add(b, ":", 1);
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawget(L, idx);
        bind_json_value(L, -1, b, depth);
        lua_pop(L, 1);
    }
    if (n > 1)
        qsort(ints, n, sizeof *ints, cmp_integers);
    for (size_t i = 0; i < n; i++) {
        char key[32];
        int len = snprintf(key, sizeof key, "%lld", (long long)ints[i]);
        if (comma)
            mend_buf_add(b, ",", 1);
        comma = true;
        mend_buf_json_str(b, key, (size_t)len);
        mend_buf_add(b, ":", 1);
        lua_rawgeti(L, idx, ints[i]);
        bind_json_value(L, -1, b, depth);
        lua_pop(L, 1);
    }
    free(ints);
}

void bind_json_value(lua_State *L, int idx, mend_buf *b, int depth)
{
    idx = lua_absindex(L, idx);
    size_t len;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        mend_buf_add(b, "null", 4);
        return;
    case LUA_TBOOLEAN:
        mend_buf_str(b, lua_toboolean(L, idx) ? "true" : "false");
        return;
    case LUA_TNUMBER:
        put_number(b, lua_tonumber(L, idx));
        return;
    case LUA_TSTRING: {
        int top = lua_gettop(L);
        const char *s = bind_json_text(L, idx, &len);
        mend_buf_json_str(b, s, len);
        lua_settop(L, top);
        return;
    }
    case LUA_TTABLE:
        break;
    default:
        mend_buf_json_str(b, luaL_typename(L, idx), strlen(luaL_typename(L, idx)));
        return;
    }
    if (depth >= BIND_JSON_MAX_DEPTH) {
        mend_buf_str(b, "\"(nested too deep)\"");
        return;
    }
    luaL_checkstack(L, 4, "step nested too deep");
    if (!is_sequence(L, idx)) {
        mend_buf_add(b, "{", 1);
        size_t n = bind_json_members(L, idx, b, depth + 1, NULL);
        bind_json_other_keys(L, idx, b, depth + 1, n > 0);
        mend_buf_add(b, "}", 1);
        return;
    }
    mend_buf_add(b, "[", 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1)
            mend_buf_add(b, ",", 1);
        lua_rawgeti(L, idx, i);
        bind_json_value(L, -1, b, depth + 1);
        lua_pop(L, 1);
    }
    mend_buf_add(b, "]", 1);
}
