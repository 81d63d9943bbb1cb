/* The evidence module: the read-only extras `mend capture --evidence` needs (folder, hashes, redacted store, netsh text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "evidence_redact.h"
#include "hmac_sha256.h"
#include "lua_private.h"
#include "platform.h"
#include "bind.h"

#define EVIDENCE_MAX_KEYS 16
#define EVIDENCE_PATH_MAX 8192

/* The sandbox's write rules apply to every file and folder a script names. */
static int refuse_unwritable(lua_State *L, const char *path, mend_err *e)
{
    char why[1600];
    if (mend_lua_may_write(L, path, why, sizeof why))
        return 0;
    return mend_err_set(e, MEND_E_NOT_PERMITTED, 0, "%s", why);
}

/* evidence.prepare(dir[, force]): creates dir; one that holds anything is refused unless force. */
static int l_prepare(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *dir = bind_hoststr(L, 1, &e);
    bool force = lua_toboolean(L, 2);
    if (!dir || refuse_unwritable(L, dir, &e) != 0)
        return bind_fail(L, &e);
    bool empty = true;
    if (mend_dir_is_empty(dir, &empty, &e) != 0)
        return bind_fail(L, &e);
    if (!empty && !force) {
        mend_err_set(&e, MEND_E_EXISTS, 0,
                     "the folder %s is not empty; give an empty or new folder (or --force to write the "
                     "bundle's files into it, replacing files of the same names)", dir);
        return bind_fail(L, &e);
    }
    return bind_result(L, mend_mkdirs(dir, &e), &e);
}

/* evidence.sha256(data) -> lower-case hex. */
static int l_sha256(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    unsigned char sum[MEND_SHA256_LEN];
    mend_sha256(data, len, sum);
    char hex[2 * MEND_SHA256_LEN + 1];
    for (size_t i = 0; i < MEND_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    lua_pushstring(L, hex);
    return 1;
}

static void free_strings(void *p, size_t n)
{
    mend_string_free_list(p, n);
}

static int push_string(lua_State *L, const void *item, const void *ud)
{
    (void)ud;
    lua_pushstring(L, *(const char *const *)item);
    return 1;
}

/* evidence.export_store(file, {path, ...}) -> the blanked values ("KEY\\VALUE"). */
static int l_export_store(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *file = bind_hoststr(L, 1, &e);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    luaL_argcheck(L, n >= 1 && n <= EVIDENCE_MAX_KEYS, 2, "1 to 16 registry paths");
    if (!file || refuse_unwritable(L, file, &e) != 0)
        return bind_fail(L, &e);
    static char paths[EVIDENCE_MAX_KEYS][EVIDENCE_PATH_MAX];
    mend_regfile_key keys[EVIDENCE_MAX_KEYS];
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        const char *p = bind_regpath(L, -1, paths[i - 1], sizeof paths[i - 1], &e);
        lua_pop(L, 1);
        if (!p)
            return bind_fail(L, &e);
        keys[i - 1] = (mend_regfile_key){ p, false };
    }
    mend_engine *eng = bind_engine(L);
    char **red = NULL;
    size_t nred = 0;
    if (mend_evidence_export_reg(&eng->host, keys, (size_t)n, file, &red, &nred, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, red, nred, sizeof *red, free_strings, push_string, NULL);
    return 1;
}

/* evidence.ipsec_show("static"|"dynamic") -> netsh's `show all` text (the simulator's rendering). */
static int l_ipsec_show(lua_State *L)
{
    static const char *const which[] = { "static", "dynamic", NULL };
    bool dynamic = luaL_checkoption(L, 1, NULL, which) == 1;
    mend_engine *eng = bind_engine(L);
    mend_err e;
    mend_err_clear(&e);
    if (!eng->host.ops->ipsec.show) {
        mend_err_set(&e, MEND_E_UNSUPPORTED, 0, "this host has no netsh ipsec %s show all",
                     dynamic ? "dynamic" : "static");
        return bind_fail(L, &e);
    }
    char *text = NULL;
    if (eng->host.ops->ipsec.show(eng->host.ctx, dynamic, &text, &e) != 0)
        return bind_fail(L, &e);
    lua_pushstring(L, text ? text : "");
    free(text);
    return 1;
}

int luaopen_mend_evidence(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "prepare", l_prepare },
        { "sha256", l_sha256 },
        { "export_store", l_export_store },
        { "ipsec_show", l_ipsec_show },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
