/* The ipsec module: the IPsec policy store (list, get, delete, assign, create, store_key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"

static void push_policy(lua_State *L, const mend_policy *p)
{
    lua_createtable(L, 0, 8);
    bind_setstr(L, "name", p->name);
    bind_setstr(L, "guid", p->guid);
    bind_setstr(L, "description", p->description);
    bind_setstr(L, "state", mend_policy_state_name(p->state));
    bind_setbool(L, "assigned", p->assigned);
    bind_setint(L, "sa_count", (lua_Integer)p->sa_count);
    bind_setstr(L, "store_key", p->store_key);
    if (p->state == MEND_POLICY_UNKNOWN)
        bind_setstr(L, "state_reason", p->state_reason ? p->state_reason : "");
}

static int push_policy_item(lua_State *L, const void *item, const void *ud)
{
    (void)ud;
    push_policy(L, item);
    return 1;
}

static void free_policies(void *p, size_t n)
{
    mend_policy_free_list(p, n);
}

static int l_policies(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    mend_policy *list = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->ipsec.list(eng->host.ctx, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, list, n, sizeof *list, free_policies, push_policy_item, NULL);
    return 1;
}

/* Fetches one policy into a heap copy owned by a box (left on the stack, marked to be closed).
 * Returns NULL with *e set when the host fails. */
static mend_policy *get_policy(lua_State *L, const char *name, mend_err *e)
{
    mend_engine *eng = bind_engine(L);
    mend_policy *p = calloc(1, sizeof *p);
    if (!p) {
        luaL_error(L, "not enough memory");
        return NULL;
    }
    bind_own(L, p, 1, free_policies);
    lua_toclose(L, lua_gettop(L));
    if (eng->host.ops->ipsec.get(eng->host.ctx, name, p, e) != 0)
        return NULL;
    return p;
}

/* ipsec.get and ipsec.store_key: one lookup, then the whole policy or just its key. */
static int get_and_push(lua_State *L, bool key_only)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    lua_settop(L, 1);
    mend_policy *p = get_policy(L, name, &e);
    if (!p)
        return bind_fail(L, &e);
    if (key_only)
        lua_pushstring(L, p->store_key ? p->store_key : "");
    else
        push_policy(L, p);
    lua_closeslot(L, 2);
    return 1;
}

static int l_get(lua_State *L)
{
    return get_and_push(L, false);
}

static int l_store_key(lua_State *L)
{
    return get_and_push(L, true);
}

static int l_delete(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_action a = { "ipsec.delete", name, 0, MEND_COUNT_DELETES, NULL };
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    int rc = v == MEND_GUARD_GO ? eng->host.ops->ipsec.delete_(eng->host.ctx, name, &e) : 0;
    bind_guard_end(L, &a, v, rc == 0 ? NULL : &e);
    return rc == 0 ? bind_true(L) : bind_fail(L, &e);
}

static int l_assign(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    bool on = lua_toboolean(L, 2);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_action a = { on ? "ipsec.assign" : "ipsec.unassign", name, 0,
                      on ? MEND_COUNT_ASSIGNS : MEND_COUNT_UNASSIGNS, NULL };
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    int rc = v == MEND_GUARD_GO ? eng->host.ops->ipsec.assign(eng->host.ctx, name, on, &e) : 0;
    bind_guard_end(L, &a, v, rc == 0 ? NULL : &e);
    return rc == 0 ? bind_true(L) : bind_fail(L, &e);
}

/* A string field of an argument table: raises when present with another type. */
static const char *field_str(lua_State *L, int t, const char *k, bool required, mend_err *e,
                             bool *bad)
{
    lua_getfield(L, t, k);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        if (required)
            luaL_error(L, "bad argument #%d: field '%s' is required (a string)", t, k);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "bad argument #%d: field '%s' must be a string, not %s", t, k, luaL_typename(L, -1));
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    char what[64];
    snprintf(what, sizeof what, "field '%s'", k);
    if (!*bad && bind_checkutf8(s, len, what, e) != 0)
        *bad = true;
    return s; /* stays referenced on the stack */
}

static int l_create(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mend_err e;
    mend_err_clear(&e);
    bool bad = false;
    const char *name = field_str(L, 1, "name", true, &e, &bad);
    const char *desc = field_str(L, 1, "description", false, &e, &bad);
    if (bad)
        return bind_fail(L, &e);
    if (!*name) {
        mend_err_set(&e, MEND_E_INVALID, 0, "a policy needs a name");
        return bind_fail(L, &e);
    }
    mend_engine *eng = bind_engine(L);
    mend_action a = { "ipsec.create", name, 0, MEND_COUNT_CREATES, NULL };
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    int rc = v == MEND_GUARD_GO
        ? eng->host.ops->ipsec.create(eng->host.ctx, name, desc ? desc : "", &e) : 0;
    bind_guard_end(L, &a, v, rc == 0 ? NULL : &e);
    return rc == 0 ? bind_true(L) : bind_fail(L, &e);
}

int luaopen_mend_ipsec(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "policies", l_policies },
        { "get", l_get },
        { "delete", l_delete },
        { "assign", l_assign },
        { "create", l_create },
        { "store_key", l_store_key },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
