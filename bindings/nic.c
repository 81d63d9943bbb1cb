/* The nic module: network adapters and their IPsec task offload setting (behind the nic gate). */
#include <stdio.h>

#include "bindings.h"

#include "bind.h"
#include "log.h"

static void free_nics(void *p, size_t n)
{
    mend_nic_free_list(p, n);
}

static int push_nic(lua_State *L, const void *item, const void *ud)
{
    const mend_nic *nic = item;
    (void)ud;
    lua_createtable(L, 0, 3);
    bind_setstr(L, "name", nic->name);
    bind_setstr(L, "description", nic->description);
    bind_setbool(L, "ipsec_offload", nic->ipsec_offload);
    return 1;
}

static int l_list(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    mend_nic *list = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->nic.list(eng->host.ctx, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    bind_push_list(L, list, n, sizeof *list, free_nics, push_nic, NULL);
    return 1;
}

/* NDIS reads the keywords when the adapter starts, so the change is followed by a restart
 * (what Disable-NetAdapterIPsecOffload does unless -NoRestart). Its own journal entry and
 * counter, no second gate: the question that opened the gate said the link drops. */
static int restart_adapter(lua_State *L, const char *name, mend_err *e)
{
    mend_engine *eng = bind_engine(L);
    mend_action a = { "nic.restart_adapter", name, 0, MEND_COUNT_ADAPTER_RESTARTS, NULL };
    bool dry = eng->opts && eng->opts->dry_run;
    mend_log(MEND_LOG_INFO, "%s network adapter %s so the change takes effect: its link drops for a few seconds",
             dry ? "dry run: would restart" : "restarting", name);
    mend_guard_verdict v = mend_guard_begin(eng, &a, e);
    if (v == MEND_GUARD_REFUSED)
        return -1;
    int rc = v == MEND_GUARD_GO ? eng->host.ops->nic.restart(eng->host.ctx, name, e) : 0;
    mend_guard_end(eng, &a, v, rc == 0 ? NULL : e);
    return rc;
}

typedef struct offload_args {
    const char *name;
    bool on;
} offload_args;

static int set_offload(mend_engine *eng, void *ud, mend_err *e)
{
    const offload_args *x = ud;
    return eng->host.ops->nic.set_ipsec_offload(eng->host.ctx, x->name, x->on, e);
}

static int l_set_ipsec_offload(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    bool on = lua_toboolean(L, 2);
    if (!name)
        return bind_fail(L, &e);
    char question[512];
    snprintf(question, sizeof question,
             "%s IPsec task offload on %s? This restarts the adapter: its link drops for a few seconds.",
             on ? "Enable" : "Disable", name);
    mend_action a = { on ? "nic.enable_ipsec_offload" : "nic.disable_ipsec_offload", name, MEND_GATE_NIC,
                      MEND_COUNT_OFFLOAD_CHANGES, question };
    offload_args x = { name, on };
    if (bind_guarded(L, &a, NULL, set_offload, &x, &e) != 0)
        return bind_fail(L, &e);
    if (restart_adapter(L, name, &e) != 0) {
        mend_err r;
        mend_err_set(&r, e.code, 0,
                     "IPsec task offload of %.120s was changed, but the adapter was not restarted, so the change "
                     "takes effect only at its next restart (disable and enable it, or reboot): %.250s",
                     name, e.msg);
        r.win32 = e.win32;
        return bind_fail(L, &r);
    }
    return bind_true(L);
}

int luaopen_mend_nic(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "list", l_list },
        { "set_ipsec_offload", l_set_ipsec_offload },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
