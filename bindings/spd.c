/* The spd module: the IPsec Security Policy Database the Policy Agent plumbs (gate service for changes). */
#include <stdio.h>

#include "bindings.h"

#include "bind.h"

static void free_qm(void *p, size_t n)
{
    mend_spd_qm_policy_free_list(p, n);
}

static void free_filters(void *p, size_t n)
{
    mend_spd_filter_free_list(p, n);
}

static void free_sas(void *p, size_t n)
{
    mend_spd_sa_free_list(p, n);
}

static int push_qm(lua_State *L, const void *item, const void *ud)
{
    const mend_spd_qm_policy *q = item;
    (void)ud;
    lua_createtable(L, 0, 5);
    bind_setstr(L, "name", q->name);
    bind_setstr(L, "guid", q->guid);
    bind_setint(L, "flags", (lua_Integer)q->flags);
    if (q->pending_deletion >= 0)   /* nil where the host does not say */
        bind_setbool(L, "pending_deletion", q->pending_deletion);
    bind_setint(L, "refs", (lua_Integer)q->refs);
    return 1;
}

static int push_filter(lua_State *L, const void *item, const void *ud)
{
    const mend_spd_filter *f = item;
    (void)ud;
    lua_createtable(L, 0, 4);
    bind_setstr(L, "name", f->name);
    bind_setstr(L, "guid", f->guid);
    bind_setstr(L, "type", f->tunnel ? "tunnel" : "transport");
    bind_setstr(L, "qm_policy", f->qm_policy);
    return 1;
}

static int push_sa(lua_State *L, const void *item, const void *ud)
{
    const mend_spd_sa *s = item;
    (void)ud;
    lua_createtable(L, 0, 2);
    bind_setint(L, "id", (lua_Integer)s->id);
    bind_setstr(L, "qm_policy", s->qm_policy);
    return 1;
}

/* The three reads differ only in their op, element type and pushers. */
#define SPD_LIST(fn, op, type, freefn, pushfn)                                                    \
    static int fn(lua_State *L)                                                                   \
    {                                                                                             \
        mend_engine *eng = bind_engine(L);                                                        \
        type *list = NULL;                                                                        \
        size_t n = 0;                                                                             \
        mend_err e;                                                                               \
        mend_err_clear(&e);                                                                       \
        if (eng->host.ops->spd.op(eng->host.ctx, &list, &n, &e) != 0)                             \
            return bind_fail(L, &e);                                                              \
        bind_push_list(L, list, n, sizeof *list, freefn, pushfn, NULL);                           \
        return 1;                                                                                 \
    }

SPD_LIST(l_qm_policies, qm_policies, mend_spd_qm_policy, free_qm, push_qm)
SPD_LIST(l_filters, filters, mend_spd_filter, free_filters, push_filter)
SPD_LIST(l_sas, sas, mend_spd_sa, free_sas, push_sa)

/* The changes act on the Policy Agent's live state, as restarting it would (more narrowly):
 * the same gate as a service restart, so --yes opens it after a question. */
static int call_delete_sas(const mend_engine *eng, const char *name, mend_err *e)
{
    return eng->host.ops->spd.delete_sas(eng->host.ctx, name, e);
}

static int call_delete_qm(const mend_engine *eng, const char *name, mend_err *e)
{
    return eng->host.ops->spd.delete_qm_policy(eng->host.ctx, name, e);
}

static int call_delete_filter(const mend_engine *eng, const char *name, mend_err *e)
{
    return eng->host.ops->spd.delete_filter(eng->host.ctx, name, e);
}

/* The gate's question is ask_before, the name, ask_after. */
static int change(lua_State *L, const char *op, mend_counter counter, const char *ask_before, const char *ask_after,
                  int (*call)(const mend_engine *eng, const char *name, mend_err *e))
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    char question[512];
    snprintf(question, sizeof question, "%s%.200s%s", ask_before, name, ask_after);
    mend_action a = { op, name, MEND_GATE_SERVICE, counter, question };
    mend_engine *eng = bind_engine(L);
    mend_guard_verdict v = bind_guard(L, &a, &e);
    if (v == MEND_GUARD_REFUSED)
        return bind_fail(L, &e);
    int rc = v == MEND_GUARD_GO ? call(eng, name, &e) : 0;
    bind_guard_end(L, &a, v, rc == 0 ? NULL : &e);
    return rc == 0 ? bind_true(L) : bind_fail(L, &e);
}

static int l_delete_sas(lua_State *L)
{
    return change(L, "spd.delete_sas", MEND_COUNT_SPD_SA_DELETES, "Delete the IPsec SAs of quick-mode policy ",
                  "? Traffic they protect stops until IKE negotiates new ones.", call_delete_sas);
}

static int l_delete_qm_policy(lua_State *L)
{
    return change(L, "spd.delete_qm_policy", MEND_COUNT_SPD_QM_DELETES, "Delete quick-mode policy ",
                  " from the SPD? Traffic its filters match is no longer protected until the Policy Agent "
                  "plumbs it again (its next start).",
                  call_delete_qm);
}

static int l_delete_filter(lua_State *L)
{
    return change(L, "spd.delete_filter", MEND_COUNT_SPD_FILTER_DELETES, "Delete SPD filter ",
                  "? Traffic it matched is no longer negotiated under its quick-mode policy until the Policy "
                  "Agent plumbs the assigned policy again (its next start).",
                  call_delete_filter);
}

int luaopen_mend_spd(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "qm_policies", l_qm_policies },
        { "filters", l_filters },
        { "sas", l_sas },
        { "delete_sas", l_delete_sas },
        { "delete_qm_policy", l_delete_qm_policy },
        { "delete_filter", l_delete_filter },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
