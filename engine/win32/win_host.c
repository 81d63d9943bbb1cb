/* The win32 backend's entry: the operations table and opening/closing the context. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>

static int win_commit(void *ctx, mend_err *e)
{
    return 0;                  /* every change already happened on the machine */
}

static void win_close(void *ctx)
{
    win_ctx *c = ctx;
    if (!c)
        return;
    win_reg_drop_listed();
    free(c->netsh);
    free(c);
}

static const mend_host_ops win_ops = {
    .name = "local",
    .ipsec = { win_ipsec_list, win_ipsec_get, win_ipsec_delete, win_ipsec_assign, win_ipsec_create },
    .svc = { win_svc_query, win_svc_start, win_svc_stop, win_svc_dependents },
    .proc = { win_proc_list, win_proc_kill },
    .handles = { win_handles_scan, win_handles_unseen },
    .reg = { win_reg_get, win_reg_set, win_reg_create_key, win_reg_keys, win_reg_values,
             win_reg_exists, win_reg_delete_key, win_reg_delete_value },
    .sys = { win_sys_gpupdate, win_sys_reboot, win_sys_sleep, win_sys_is_admin, win_sys_os_name,
             win_sys_resume_after_reboot, win_sys_now, win_sys_resume_clear },
    .nic = { win_nic_list, win_nic_set_ipsec_offload, win_nic_restart },
    .commit = win_commit,
    .close = win_close,
};

/* cfg->netsh_path, else $MEND_NETSH (the tests' stand-in), else the system's netsh.exe. */
static wchar_t *netsh_path(const mend_host_config *cfg, mend_err *e)
{
    if (cfg->netsh_path && cfg->netsh_path[0])
        return win_wide(cfg->netsh_path, e);
    DWORD n = GetEnvironmentVariableW(L"MEND_NETSH", NULL, 0);
    if (n > 1) {
        wchar_t *p = malloc(n * sizeof *p);
        if (p && GetEnvironmentVariableW(L"MEND_NETSH", p, n) == n - 1)
            return p;
        free(p);
    }
    wchar_t *p = win_system32_path(L"netsh.exe");
    if (!p)
        win_err_oom(e);
    return p;
}

/* Opening needs no elevation: reading is useful to anyone, and changes made without it fail
 * with access_denied on their own (sys.is_admin tells scripts in advance). */
int win_host_open(mend_host *h, const mend_host_config *cfg, mend_err *e)
{
    memset(h, 0, sizeof *h);
    win_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return win_err_oom(e);
    c->netsh = netsh_path(cfg, e);
    if (!c->netsh) {
        free(c);
        return -1;
    }
    h->ops = &win_ops;
    h->ctx = c;
    h->what_if = false;
    return 0;
}
