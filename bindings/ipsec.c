/* The ipsec module: the IPsec policy store (list, get, state, delete, assign, create, store_key, remove_from_store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"

#include "store_graph.h"

static void push_policy(lua_State *L, const mend_policy *p)
{
    lua_createtable(L, 0, 12);
    bind_setstr(L, "name", p->name);
    bind_setstr(L, "guid", p->guid);
    bind_setstr(L, "description", p->description);
    bind_setstr(L, "state", mend_policy_state_name(p->state));
    bind_setbool(L, "assigned", p->assigned);
    bind_setint(L, "sa_count", (lua_Integer)p->sa_count);
    bind_setstr(L, "store_key", p->store_key);
    bind_setstr(L, "source", p->gpo ? "gpo" : "local");
    if (p->gpo) {
        bind_setstr(L, "gpo", p->gpo);
        bind_setbool(L, "gpo_assigned", p->gpo_assigned);
    }
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

static void free_keys(void *p, size_t n)
{
    (void)n;
    free(p);
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

/* ipsec.states: every policy's name and state in two arrays, in the list's order. The ladder
 * picks its stuck policies from these; a table per policy was most of what listing cost. */
static int l_states(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    mend_policy *list = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->ipsec.list(eng->host.ctx, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_own(L, list, n, free_policies);
    int box = lua_gettop(L);
    lua_toclose(L, box);
    int hint = n < 100000 ? (int)n : 100000;
    lua_createtable(L, hint, 0);
    lua_createtable(L, hint, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, list[i].name ? list[i].name : "");
        lua_rawseti(L, -3, (lua_Integer)i + 1);
        lua_pushstring(L, mend_policy_state_name(list[i].state));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_closeslot(L, box);
    return 2;
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

/* What get_and_push leaves on the stack: the whole policy or its key. */
enum get_what { GET_POLICY, GET_KEY };

/* ipsec.get and ipsec.store_key: one lookup, then what was asked of it. */
static int get_and_push(lua_State *L, enum get_what what)
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
    if (what == GET_KEY)
        lua_pushstring(L, p->store_key ? p->store_key : "");
    else
        push_policy(L, p);
    lua_closeslot(L, 2);
    return 1;
}

static int l_get(lua_State *L)
{
    return get_and_push(L, GET_POLICY);
}

static int l_store_key(lua_State *L)
{
    return get_and_push(L, GET_KEY);
}

/* ipsec.state: two interned short strings and no table, which the ladder's check after each
 * action would otherwise build and drop for every policy. The copy lives on the C stack and is
 * freed before anything is pushed (a push that fails leaves nothing to free), so no box. */
static int l_state(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_policy p;
    memset(&p, 0, sizeof p);
    int rc = eng->host.ops->ipsec.get(eng->host.ctx, name, &p, &e);
    const char *state = mend_policy_state_name(p.state);
    bool gpo = p.gpo != NULL;
    mend_policy_clear(&p);
    if (rc != 0)
        return bind_fail(L, &e);
    lua_pushstring(L, state);
    lua_pushstring(L, gpo ? "gpo" : "local");
    return 2;
}

static int do_delete(mend_engine *eng, void *name, mend_err *e)
{
    return eng->host.ops->ipsec.delete_(eng->host.ctx, name, e);
}

static int l_delete(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    mend_action a = { "ipsec.delete", name, 0, MEND_COUNT_DELETES, NULL };
    return bind_result(L, bind_guarded(L, &a, NULL, do_delete, (void *)name, &e), &e);
}

typedef struct assign_args {
    const char *name;
    bool on;
} assign_args;

static int do_assign(mend_engine *eng, void *ud, mend_err *e)
{
    const assign_args *x = ud;
    return eng->host.ops->ipsec.assign(eng->host.ctx, x->name, x->on, e);
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
    mend_action a = { on ? "ipsec.assign" : "ipsec.unassign", name, 0,
                      on ? MEND_COUNT_ASSIGNS : MEND_COUNT_UNASSIGNS, NULL };
    assign_args x = { name, on };
    return bind_result(L, bind_guarded(L, &a, NULL, do_assign, &x, &e), &e);
}

static int do_create(mend_engine *eng, void *ud, mend_err *e)
{
    const char *const *x = ud;   /* name, description */
    return eng->host.ops->ipsec.create(eng->host.ctx, x[0], x[1], e);
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
    mend_action a = { "ipsec.create", name, 0, MEND_COUNT_CREATES, NULL };
    const char *x[2] = { name, desc ? desc : "" };
    return bind_result(L, bind_guarded(L, &a, NULL, do_create, x, &e), &e);
}

static void push_paths(lua_State *L, const char *field, char *const *paths, size_t n, size_t stride)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, *(char *const *)((const char *)paths + i * stride));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, field);
}

static void free_plan(void *p, size_t n)
{
    (void)n;
    mend_store_plan_free(p);
    free(p);
}

/* The registry rung's removal: the policy's whole object graph in the local store, built on the
 * host's registry operations only, behind one backup of every key it touches. */
typedef struct store_removal {
    const char *store_key;
    const mend_regfile_key *keys;
    size_t nkeys;
    const mend_store_plan *plan;
    char file[4096 + 512];   /* the .reg backup */
} store_removal;

static int backup_store(mend_engine *eng, void *ud, mend_err *e)
{
    store_removal *x = ud;
    return bind_reg_backup(eng, x->store_key, x->keys, x->nkeys, x->file, sizeof x->file, e);
}

static int remove_store(mend_engine *eng, void *ud, mend_err *e)
{
    const store_removal *x = ud;
    return mend_store_graph_apply(&eng->host, x->plan, e);
}

static int l_remove_from_store(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    lua_settop(L, 1);
    mend_policy *pol = get_policy(L, name, &e);           /* slot 2 */
    if (!pol)
        return bind_fail(L, &e);
    mend_engine *eng = bind_engine(L);
    mend_store_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return luaL_error(L, "not enough memory");
    bind_own(L, plan, 1, free_plan);                      /* slot 3 */
    lua_toclose(L, 3);
    if (mend_store_graph_plan(&eng->host, pol->store_key ? pol->store_key : "", plan, &e) != 0)
        return bind_fail(L, &e);
    size_t nkeys = 0;
    mend_regfile_key *keys = mend_store_graph_backup_keys(plan, &nkeys);
    if (!keys)
        return luaL_error(L, "not enough memory");
    bind_own(L, keys, 1, free_keys);   /* slot 4 */
    lua_toclose(L, 4);
    store_removal x = { pol->store_key, keys, nkeys, plan, "" };
    bind_reg_backup_name(eng, pol->store_key, x.file, sizeof x.file);
    char question[sizeof x.file + 512];
    snprintf(question, sizeof question, "Remove the IPsec policy '%.200s' and %lu other object(s) from the "
             "policy store in the registry? A backup goes first to %s (reg import restores it).", name,
             (unsigned long)(plan->nremove ? plan->nremove - 1 : 0), x.file);
    mend_action a = { "ipsec.remove_from_store", name, MEND_GATE_REGISTRY, MEND_COUNT_REGISTRY_DELETES, question };
    if (bind_guarded(L, &a, backup_store, remove_store, &x, &e) != 0)
        return bind_fail(L, &e);
    const char *file = x.file;
    lua_pushboolean(L, 1);
    lua_pushstring(L, file);
    lua_createtable(L, 0, 3);
    push_paths(L, "removed", plan->remove, plan->nremove, sizeof *plan->remove);
    push_paths(L, "updated", &plan->update[0].path, plan->nupdate, sizeof *plan->update);
    bind_setbool(L, "active_cleared", plan->clear_active);
    return 3;
}

int luaopen_mend_ipsec(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "policies", l_policies },
        { "get", l_get },
        { "state", l_state },
        { "states", l_states },
        { "delete", l_delete },
        { "assign", l_assign },
        { "create", l_create },
        { "store_key", l_store_key },
        { "remove_from_store", l_remove_from_store },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
