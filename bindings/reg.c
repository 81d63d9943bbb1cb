/* The reg module: typed registry values, keys, guarded delete with a .reg backup, .reg export, import and reading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindings.h"

#include "lua_private.h"
#include "platform.h"
#include "regfile.h"
#include "bind.h"

#define REG_PATH_MAX 8192

/* ---- Lua value <-> registry data ---- */

static uint64_t load_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static void push_multi_sz(lua_State *L, const unsigned char *data, size_t size)
{
    lua_newtable(L);
    lua_Integer k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\0')
            continue;
        /* An empty string ends the list, as in Windows' double-NUL terminator. */
        if (i == start)
            break;
        lua_pushlstring(L, (const char *)data + start, i - start);
        lua_rawseti(L, -2, ++k);
        start = i + 1;
    }
}

static void push_data(lua_State *L, uint32_t type, const unsigned char *data, size_t size)
{
    static const unsigned char empty[1] = { 0 };
    if (!data)
        data = empty;
    switch (type) {
    case MEND_REG_SZ:
    case MEND_REG_EXPAND_SZ:
    case MEND_REG_LINK:
        lua_pushlstring(L, (const char *)data, size);
        return;
    case MEND_REG_DWORD:
        if (size == 4) {
            lua_pushinteger(L, (lua_Integer)load_le(data, 4));
            return;
        }
        break;
    case MEND_REG_QWORD:
        if (size == 8) {
            lua_pushinteger(L, (lua_Integer)load_le(data, 8));
            return;
        }
        break;
    case MEND_REG_MULTI_SZ:
        push_multi_sz(L, data, size);
        return;
    }
    lua_pushlstring(L, (const char *)data, size);
}

static void push_type(lua_State *L, uint32_t type)
{
    const char *name = mend_reg_type_name(type);
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushfstring(L, "REG_UNKNOWN(%d)", (int)type);
}

/* "REG_SZ", "reg_sz" or "SZ" -> type; raises on an unknown name. */
static uint32_t check_type_name(lua_State *L, int arg)
{
    const char *s = luaL_checkstring(L, arg);
    char up[64] = "REG_";
    size_t o = 4;
    const char *p = s;
    if ((p[0] == 'r' || p[0] == 'R') && (p[1] == 'e' || p[1] == 'E') && (p[2] == 'g' || p[2] == 'G') &&
        p[3] == '_')
        p += 4;
    for (; *p && o < sizeof up - 1; p++)
        up[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    up[o] = '\0';
    int t = *p ? -1 : mend_reg_type_from_name(up);
    if (t < 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "unknown registry type '%s' (expected REG_SZ, "
                      "REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, ...)", s));
    return (uint32_t)t;
}

static void add_le(luaL_Buffer *b, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        luaL_addchar(b, (char)((v >> (8 * i)) & 0xff));
}

/* An integer argument, accepting floats with an exact integer value. */
static lua_Integer check_int_data(lua_State *L, int arg, const char *type)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, arg, &ok);
    if (!ok || lua_type(L, arg) != LUA_TNUMBER)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s data must be an integer, not %s", type,
                                              luaL_typename(L, arg)));
    return v;
}

/* Encodes the data at arg as host.h expects for type; pushes the bytes as a Lua string.
 * Returns 0, or -1 with *e (MEND_E_INVALID) for a value the registry cannot hold. Raises on a
 * Lua type that does not fit the registry type. */
static int encode_data(lua_State *L, int arg, uint32_t type, mend_err *e)
{
    luaL_Buffer b;
    switch (type) {
    case MEND_REG_SZ:
    case MEND_REG_EXPAND_SZ:
    case MEND_REG_LINK: {
        if (lua_type(L, arg) != LUA_TSTRING)
            luaL_argerror(L, arg, lua_pushfstring(L, "%s data must be a string, not %s",
                                                  mend_reg_type_name(type), luaL_typename(L, arg)));
        size_t len;
        const char *s = lua_tolstring(L, arg, &len);
        if (bind_checkutf8(s, len, "the string data", e) != 0)
            return -1;
        lua_pushvalue(L, arg);
        return 0;
    }
    case MEND_REG_DWORD: {
        lua_Integer v = check_int_data(L, arg, "REG_DWORD");
        if (v < -2147483648LL || v > 4294967295LL)
            return mend_err_set(e, MEND_E_INVALID, 0,
                                "%lld does not fit in a REG_DWORD (use REG_QWORD)", (long long)v);
        luaL_buffinit(L, &b);
        add_le(&b, (uint64_t)v, 4);
        luaL_pushresult(&b);
        return 0;
    }
    case MEND_REG_QWORD: {
        lua_Integer v = check_int_data(L, arg, "REG_QWORD");
        luaL_buffinit(L, &b);
        add_le(&b, (uint64_t)v, 8);
        luaL_pushresult(&b);
        return 0;
    }
    case MEND_REG_DWORD_BIG_ENDIAN:
        if (lua_type(L, arg) == LUA_TNUMBER) {
            lua_Integer v = check_int_data(L, arg, "REG_DWORD_BIG_ENDIAN");
            if (v < 0 || v > 4294967295LL)
                return mend_err_set(e, MEND_E_INVALID, 0, "%lld does not fit in a REG_DWORD_BIG_ENDIAN",
                                    (long long)v);
            luaL_buffinit(L, &b);
            for (int i = 3; i >= 0; i--)
                luaL_addchar(&b, (char)((v >> (8 * i)) & 0xff));
            luaL_pushresult(&b);
            return 0;
        }
        break;
    case MEND_REG_MULTI_SZ: {
        if (lua_type(L, arg) == LUA_TSTRING) {
            lua_createtable(L, 1, 0);
            lua_pushvalue(L, arg);
            lua_rawseti(L, -2, 1);
            lua_replace(L, arg);
        }
        if (lua_type(L, arg) != LUA_TTABLE)
            luaL_argerror(L, arg, lua_pushfstring(L, "REG_MULTI_SZ data must be a list of strings, "
                                                  "not %s", luaL_typename(L, arg)));
        lua_Integer n = (lua_Integer)lua_rawlen(L, arg);
        /* Check every item before building, so the buffer never has to be abandoned. */
        for (lua_Integer i = 1; i <= n; i++) {
            int t = lua_rawgeti(L, arg, i);
            if (t != LUA_TSTRING)
                luaL_argerror(L, arg, lua_pushfstring(L, "REG_MULTI_SZ item %I must be a string, "
                                                      "not %s", i, luaL_typename(L, -1)));
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            char what[64];
            snprintf(what, sizeof what, "REG_MULTI_SZ item %lld", (long long)i);
            int bad = bind_checkutf8(s, len, what, e);
            lua_pop(L, 1);
            if (bad)
                return -1;
            if (len == 0)
                return mend_err_set(e, MEND_E_INVALID, 0,
                                    "REG_MULTI_SZ item %lld is empty; Windows would end the list "
                                    "there", (long long)i);
        }
        luaL_buffinit(L, &b);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, arg, i);
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            lua_pop(L, 1); /* still referenced by the table */
            luaL_addlstring(&b, s, len);
            luaL_addchar(&b, '\0');
        }
        luaL_pushresult(&b);
        return 0;
    }
    default:
        break;
    }
    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_argerror(L, arg, lua_pushfstring(L, "%s data must be a string of raw bytes, not %s",
                                              mend_reg_type_name(type), luaL_typename(L, arg)));
    lua_pushvalue(L, arg);
    return 0;
}

/* Infers the type from the Lua value: string -> REG_SZ, integer -> REG_DWORD when it fits
 * (0 .. 0xFFFFFFFF) else REG_QWORD, table -> REG_MULTI_SZ. */
static uint32_t infer_type(lua_State *L, int arg)
{
    switch (lua_type(L, arg)) {
    case LUA_TSTRING:
        return MEND_REG_SZ;
    case LUA_TNUMBER: {
        lua_Integer v = check_int_data(L, arg, "integer");
        return v >= 0 && v <= 4294967295LL ? MEND_REG_DWORD : MEND_REG_QWORD;
    }
    case LUA_TTABLE:
        return MEND_REG_MULTI_SZ;
    default:
        luaL_argerror(L, arg, lua_pushfstring(L, "registry data must be a string, an integer or a "
                                              "list of strings, not %s", luaL_typename(L, arg)));
        return 0;
    }
}

/* ---- functions ---- */

static void free_regvals(void *p, size_t n)
{
    mend_regval_free_list(p, n);
}

static void free_strings(void *p, size_t n)
{
    mend_string_free_list(p, n);
}

static const char *value_name(lua_State *L, int arg, mend_err *e)
{
    if (lua_isnoneornil(L, arg)) {
        lua_pushliteral(L, "");
        lua_replace(L, arg);
    }
    return bind_hoststr(L, arg, e);
}

static int l_get(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    lua_settop(L, 2);
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    const char *v = value_name(L, 2, &e);
    if (!p || !v)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_regval *val = calloc(1, sizeof *val);
    if (!val)
        return luaL_error(L, "not enough memory");
    bind_own(L, val, 1, free_regvals);
    lua_toclose(L, lua_gettop(L));
    if (eng->host.ops->reg.get(eng->host.ctx, p, v, val, &e) != 0)
        return bind_fail(L, &e);
    push_data(L, val->type, val->data, val->size);
    push_type(L, val->type);
    return 2;
}

typedef struct set_args {
    const char *path, *value;
    uint32_t type;
    const unsigned char *data;
    size_t size;
} set_args;

static int do_set(mend_engine *eng, void *ud, mend_err *e)
{
    const set_args *x = ud;
    return eng->host.ops->reg.set(eng->host.ctx, x->path, x->value, x->type, x->data, x->size, e);
}

static int l_set(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    lua_settop(L, 4);
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    const char *v = p ? value_name(L, 2, &e) : NULL;
    luaL_argexpected(L, !lua_isnil(L, 3), 3, "registry data");
    uint32_t type = lua_isnil(L, 4) ? infer_type(L, 3) : check_type_name(L, 4);
    if (!p || !v)
        return bind_fail(L, &e);
    if (encode_data(L, 3, type, &e) != 0)
        return bind_fail(L, &e);
    size_t size;
    const unsigned char *data = (const unsigned char *)lua_tolstring(L, -1, &size);
    char target[REG_PATH_MAX + 512];
    snprintf(target, sizeof target, "%s [%s]", p, *v ? v : "(Default)");
    /* The simulator keeps every value in memory, and again in the text of the state it saves:
     * what a script stores counts twice as its own. */
    mend_lua_charge(L, 2 * (strlen(p) + strlen(v) + size + 64));
    /* A write is as dangerous as a delete on Windows: a RunOnce value or a service's ImagePath
     * is command execution. */
    char question[REG_PATH_MAX + 600];
    snprintf(question, sizeof question, "Write the registry value %s?", target);
    mend_action a = { "reg.set", target, MEND_GATE_REGISTRY, MEND_COUNT_REGISTRY_WRITES, question };
    set_args x = { p, v, type, data, size };
    return bind_result(L, bind_guarded(L, &a, NULL, do_set, &x, &e), &e);
}

static int push_key(lua_State *L, const void *item, const void *ud)
{
    const char *const *name = item;
    (void)ud;
    lua_pushstring(L, *name ? *name : "");
    return 1;
}

static int push_value(lua_State *L, const void *item, const void *ud)
{
    const mend_regval *v = item;
    (void)ud;
    lua_createtable(L, 0, 3);
    bind_setstr(L, "name", v->name);
    push_type(L, v->type);
    lua_setfield(L, -2, "type");
    push_data(L, v->type, v->data, v->size);
    lua_setfield(L, -2, "data");
    return 1;
}

static int l_keys(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    if (!p)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    char **list = NULL;
    size_t n = 0;
    if (eng->host.ops->reg.keys(eng->host.ctx, p, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, list, n, sizeof *list, free_strings, push_key, NULL);
    return 1;
}

static int l_values(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    if (!p)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_regval *list = NULL;
    size_t n = 0;
    if (eng->host.ops->reg.values(eng->host.ctx, p, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, list, n, sizeof *list, free_regvals, push_value, NULL);
    return 1;
}

static int l_exists(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    if (!p)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    bool found = false;
    if (eng->host.ops->reg.exists(eng->host.ctx, p, &found, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, found);
    return 1;
}

/* ---- reg.delete and its backup ---- */

/* <backup_dir>/<UTC stamp>-<key path with unsafe characters replaced>.reg, not yet taken. */
void bind_reg_backup_name(const mend_engine *eng, const char *path, char *out, size_t size)
{
    const char *dir = eng->backup_dir;
    char fallback[4096];
    if (!dir) {
        snprintf(fallback, sizeof fallback, "%s/backups", eng->state_dir ? eng->state_dir : ".");
        dir = fallback;
    }
    time_t now = (time_t)mend_wall_now();
    struct tm *tm = gmtime(&now);
    char stamp[32] = "00000000T000000Z";
    if (tm)
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", tm);
    /* Keep the tail: the key's own name tells an admin which backup is which. */
    size_t len = strlen(path);
    const char *tail = path;
    if (len > 120) {
        tail = path + len - 120;
        while ((unsigned char)*tail >= 0x80 && (unsigned char)*tail < 0xC0)
            tail++;
    }
    char safe[256];
    size_t o = 0;
    for (const char *c = tail; *c && o < sizeof safe - 1; c++) {
        unsigned char ch = (unsigned char)*c;
        safe[o++] = (ch < 0x20 || strchr("\\/:*?\"<>| ", ch)) ? '_' : (char)ch;
    }
    safe[o] = '\0';
    char sep = '/';
#ifdef _WIN32
    sep = '\\';
#endif
    snprintf(out, size, "%s%c%s-%s.reg", dir, sep, stamp, safe);
    for (int i = 2; i < 1000 && mend_file_exists(out); i++)
        snprintf(out, size, "%s%c%s-%s-%d.reg", dir, sep, stamp, safe, i);
}

int bind_reg_backup(const mend_engine *eng, const char *label, const mend_regfile_key *keys, size_t n,
                    char *file, size_t size, mend_err *e)
{
    if (!file[0])
        bind_reg_backup_name(eng, label, file, size);
    mend_err why;
    mend_err_clear(&why);
    int rc;
    if (eng->opts && eng->opts->dry_run) {
        char *text = NULL;
        size_t len = 0;
        rc = mend_regfile_render_keys(&eng->host, keys, n, &text, &len, &why);
        free(text);
    } else {
        char *dir = mend_dirname(file);
        rc = dir ? mend_mkdirs(dir, &why) : mend_err_set(&why, MEND_E_IO, 0, "out of memory");
        free(dir);
        /* The simulator's deletes reach the disk with its state, whose write first syncs every
         * backup: one sync for a run's thousands, not one each. A real machine's delete is
         * final at once: its backup is on disk before. */
        if (rc == 0)
            rc = eng->host.what_if ? mend_regfile_export_keys_deferred(&eng->host, keys, n, file, &why)
                                   : mend_regfile_export_keys(&eng->host, keys, n, file, &why);
    }
    if (rc != 0)
        return mend_err_set(e, MEND_E_IO, 0, "could not back up %s to %s, so nothing was deleted: %s",
                            label, file, why.msg);
    return 0;
}

typedef struct key_deletion {
    const char *path;
    bool tree;
    char file[4096 + 512];   /* the .reg backup */
} key_deletion;

static int backup_key(mend_engine *eng, void *ud, mend_err *e)
{
    key_deletion *x = ud;
    mend_regfile_key k = { x->path, false };
    return bind_reg_backup(eng, x->path, &k, 1, x->file, sizeof x->file, e);
}

static int delete_key(mend_engine *eng, void *ud, mend_err *e)
{
    const key_deletion *x = ud;
    return eng->host.ops->reg.delete_key(eng->host.ctx, x->path, x->tree, e);
}

/* A hive's top key (HKLM\SOFTWARE, HKLM\SYSTEM, a user's HKU\SID): one name under the root.
 * No gate opens its deletion: Windows would not start, or the user's profile would be gone. */
static bool refuse_top_key(const char *p, mend_err *e)
{
    const char *bs = strchr(p, '\\');
    if (bs && strchr(bs + 1, '\\'))
        return false;
    mend_err_set(e, MEND_E_INVALID, 0, bs ? "refusing to delete %s: it is a hive's top key (Windows or a user's "
                 "profile depends on all of it), whatever --allow says" : "refusing to delete the registry root %s", p);
    return true;
}

static int l_delete(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    bool tree = false;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "tree");
        if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
            luaL_error(L, "bad argument #2: field 'tree' must be a boolean, not %s", luaL_typename(L, -1));
        tree = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (!p)
        return bind_fail(L, &e);
    if (refuse_top_key(p, &e))
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    bool found = false;
    if (eng->host.ops->reg.exists(eng->host.ctx, p, &found, &e) != 0)
        return bind_fail(L, &e);
    if (!found) {
        mend_err_set(&e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, NULL);
        return bind_fail(L, &e);
    }
    if (!tree) {
        /* Checked before the backup, so a refused delete leaves no stray backup file. */
        char **kids = NULL;
        size_t nkids = 0;
        if (eng->host.ops->reg.keys(eng->host.ctx, p, &kids, &nkids, &e) != 0)
            return bind_fail(L, &e);
        mend_string_free_list(kids, nkids);
        if (nkids > 0) {
            mend_err_set(&e, MEND_E_INVALID, 0,
                         "%s has subkeys; pass {tree=true} to delete it with everything below it", p);
            return bind_fail(L, &e);
        }
    }
    /* The backup's name is chosen first, so the question can say where it goes. */
    key_deletion x = { p, tree, "" };
    bind_reg_backup_name(eng, p, x.file, sizeof x.file);
    char question[REG_PATH_MAX + sizeof x.file + 128];
    snprintf(question, sizeof question, "Delete the registry key %s%s? A backup goes first to %s (reg import "
             "restores it).", p, tree ? " and everything below it" : "", x.file);
    mend_action a = { "reg.delete", p, MEND_GATE_REGISTRY, MEND_COUNT_REGISTRY_DELETES, question };
    if (bind_guarded(L, &a, backup_key, delete_key, &x, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, 1);
    lua_pushstring(L, x.file);
    return 2;
}

/* ---- .reg files ---- */

static int l_export(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    char path[REG_PATH_MAX];
    const char *p = bind_regpath(L, 1, path, sizeof path, &e);
    const char *file = p ? bind_hoststr(L, 2, &e) : (luaL_checkstring(L, 2), NULL);
    if (!p || !file)
        return bind_fail(L, &e);
    /* The file is the script's to name, so the sandbox's write rules apply to it. */
    char why[1600];
    if (!mend_lua_may_write(L, file, why, sizeof why)) {
        mend_err_set(&e, MEND_E_NOT_PERMITTED, 0, "%s", why);
        return bind_fail(L, &e);
    }
    mend_engine *eng = bind_engine(L);
    return bind_result(L, mend_regfile_export(&eng->host, p, file, &e), &e);
}

static void free_regfile(void *p, size_t n)
{
    (void)n;
    mend_regfile_free(p);
}

/* Reads and parses the .reg file named by argument 1, owned at stack slot 2 (closed when the
 * call returns); NULL with *e set. */
static mend_regfile *open_regfile(lua_State *L, const char *file, mend_err *e)
{
    lua_settop(L, 1);
    char *buf = NULL;
    size_t len = 0;
    if (mend_read_file(file, &buf, &len, e) != 0)
        return NULL;
    mend_regfile *rf = NULL;
    int rc = mend_regfile_parse((const unsigned char *)buf, len, &rf, e);
    free(buf);
    if (rc != 0)
        return NULL;
    bind_own(L, rf, 1, free_regfile);
    lua_toclose(L, 2);
    return rf;
}

static void free_keys(void *p, size_t n)
{
    (void)n;
    free(p);
}

/* The keys the file could delete or overwrite that exist now: what goes into one backup first
 * (nothing is imported if that fails); none when the file only adds. Free *keys. */
static int import_backup_keys(const mend_engine *eng, const mend_regfile *rf, mend_regfile_key **keys,
                              size_t *kept, mend_err *e)
{
    size_t n = 0;
    *kept = 0;
    if (mend_regfile_touched(rf, keys, &n, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        if (eng->host.ops->reg.exists(eng->host.ctx, (*keys)[i].path, &found, e) != 0)
            return -1;
        if (found)
            (*keys)[(*kept)++] = (*keys)[i];
    }
    return 0;
}

typedef struct import_args {
    const mend_regfile *rf;
    const mend_regfile_key *keys;   /* what the file changes that exists now */
    size_t kept;
    const char *label;
    char backup[4096 + 512];   /* "" when the file only adds */
} import_args;

static int backup_import(mend_engine *eng, void *ud, mend_err *e)
{
    import_args *x = ud;
    return x->kept > 0 ? bind_reg_backup(eng, x->label, x->keys, x->kept, x->backup, sizeof x->backup, e) : 0;
}

static int apply_import(mend_engine *eng, void *ud, mend_err *e)
{
    const import_args *x = ud;
    return mend_regfile_apply(x->rf, &eng->host, e);
}

static int l_import(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *file = bind_hoststr(L, 1, &e);
    mend_regfile *rf = file ? open_regfile(L, file, &e) : NULL;
    if (!rf)
        return bind_fail(L, &e);
    bool deletes = mend_regfile_deletions(rf) > 0;
    mend_engine *eng = bind_engine(L);
    mend_regfile_key *keys = NULL;
    size_t kept = 0;
    int rc = import_backup_keys(eng, rf, &keys, &kept, &e);
    bind_own(L, keys, 1, free_keys);
    lua_toclose(L, lua_gettop(L));
    if (rc != 0)
        return bind_fail(L, &e);
    for (size_t i = 0; i < kept; i++)
        if (!keys[i].values_only && refuse_top_key(keys[i].path, &e))
            return bind_fail(L, &e);
    /* The backup's name is chosen first, so the question can say where it goes. */
    char label[4096 + 16];
    snprintf(label, sizeof label, "import %s", file);
    import_args x = { rf, keys, kept, label, "" };
    if (kept > 0)
        bind_reg_backup_name(eng, label, x.backup, sizeof x.backup);
    char question[4096 + sizeof x.backup + 128];
    snprintf(question, sizeof question, "Import %s%s?%s%s%s", file,
             deletes ? " (it deletes registry keys or values)" : " into the registry",
             kept > 0 ? " What it changes goes first into a backup, " : "", x.backup,
             kept > 0 ? " (reg import restores it)." : "");
    mend_action a = { "reg.import", file, MEND_GATE_REGISTRY,
                      deletes ? MEND_COUNT_REGISTRY_DELETES : MEND_COUNT_REGISTRY_WRITES, question };
    if (bind_guarded(L, &a, backup_import, apply_import, &x, &e) != 0)
        return bind_fail(L, &e);
    const char *backup = x.backup;
    lua_pushboolean(L, 1);
    if (backup[0])
        lua_pushstring(L, backup);
    else
        lua_pushnil(L);
    return 2;
}

/* reg.parse: the keys in file order, each once, with the values set under it. Stack: the
 * result list at -2, a path -> entry index table at -1. */
static void visit_parsed(void *ud, const char *key, const mend_regval *v)
{
    lua_State *L = ud;
    if (lua_getfield(L, -1, key) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_Integer n = (lua_Integer)lua_rawlen(L, -2) + 1;
        lua_createtable(L, 0, 2);
        bind_setstr(L, "path", key);
        lua_newtable(L);
        lua_setfield(L, -2, "values");
        lua_pushvalue(L, -1);
        lua_rawseti(L, -4, n);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, key);
    }
    if (v) {
        lua_getfield(L, -1, "values");
        push_value(L, v, NULL);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int l_parse(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *file = bind_hoststr(L, 1, &e);
    mend_regfile *rf = file ? open_regfile(L, file, &e) : NULL;
    if (!rf)
        return bind_fail(L, &e);
    lua_newtable(L);
    lua_newtable(L);
    mend_regfile_visit(rf, visit_parsed, L);
    lua_pop(L, 1);
    return 1;
}

int luaopen_mend_reg(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "get", l_get },
        { "set", l_set },
        { "keys", l_keys },
        { "values", l_values },
        { "exists", l_exists },
        { "delete", l_delete },
        { "export", l_export },
        { "import", l_import },
        { "parse", l_parse },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
