/* The win32 backend's entry: the operations table and opening/closing the context. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>

void win_ctx_changed(win_ctx *c)
{
    if (c)
        c->gen++;
}

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
    win_spd_close(c);
    win_store_free(c->snap);
    free(c->snap);
    free(c->netsh);
    free(c);
}

/* Every operation that changes the machine (or waits while it may change) drops the store
 * snapshot first, so the next read sees what the change left. Listed here, in one place,
 * so a new mutating operation cannot forget it. */
static int ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_ipsec_delete(ctx, name, e);
}

static int ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_ipsec_assign(ctx, name, on, e);
}

static int ipsec_create(void *ctx, const char *name, const char *description, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_ipsec_create(ctx, name, description, e);
}

static int svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_svc_start(ctx, name, timeout_ms, e);
}

static int svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_svc_stop(ctx, name, timeout_ms, e);
}

static int proc_kill(void *ctx, uint32_t pid, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_proc_kill(ctx, pid, e);
}

static int reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                   const unsigned char *data, size_t size, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_reg_set(ctx, path, value, type, data, size, e);
}

static int reg_create_key(void *ctx, const char *path, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_reg_create_key(ctx, path, e);
}

static int reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_reg_delete_key(ctx, path, tree, e);
}

static int reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_reg_delete_value(ctx, path, value, e);
}

static int sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_sys_gpupdate(ctx, force, wait_s, e);
}

static int sys_reboot(void *ctx, const char *reason, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_sys_reboot(ctx, reason, e);
}

static int sys_sleep(void *ctx, double seconds, mend_err *e)
{
    win_ctx_changed(ctx);      /* scripts wait for Windows to finish something */
    return win_sys_sleep(ctx, seconds, e);
}

static int nic_set_ipsec_offload(void *ctx, const char *name, bool on, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_nic_set_ipsec_offload(ctx, name, on, e);
}

static int nic_restart(void *ctx, const char *name, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_nic_restart(ctx, name, e);
}

static int spd_delete_sas(void *ctx, const char *qm_policy, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_spd_delete_sas(ctx, qm_policy, e);
}

static int spd_delete_qm_policy(void *ctx, const char *name, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_spd_delete_qm_policy(ctx, name, e);
}

static int spd_delete_filter(void *ctx, const char *name_or_guid, mend_err *e)
{
    win_ctx_changed(ctx);
    return win_spd_delete_filter(ctx, name_or_guid, e);
}

static const mend_host_ops win_ops = {
    .name = "local",
    .ipsec = { win_ipsec_list, win_ipsec_get, ipsec_delete, ipsec_assign, ipsec_create, win_ipsec_show },
    .svc = { win_svc_query, svc_start, svc_stop, win_svc_dependents },
    .proc = { win_proc_list, proc_kill },
    .handles = { win_handles_scan, win_handles_unseen },
    .reg = { win_reg_get, reg_set, reg_create_key, win_reg_keys, win_reg_values,
             win_reg_exists, reg_delete_key, reg_delete_value },
    .sys = { sys_gpupdate, sys_reboot, sys_sleep, win_sys_is_admin, win_sys_os_name,
             win_sys_resume_after_reboot, win_sys_now, win_sys_resume_clear,
             win_sys_boot_time },
    .nic = { win_nic_list, nic_set_ipsec_offload, nic_restart },
    .spd = { win_spd_qm_policies, win_spd_filters, win_spd_sas, spd_delete_sas,
             spd_delete_qm_policy, spd_delete_filter },
    .events = { win_events_recent },
    .commit = win_commit,
    .close = win_close,
};

/* System32's netsh.exe; a test-seam build also takes cfg->netsh_path or $MEND_NETSH. */
static wchar_t *netsh_path(const mend_host_config *cfg, mend_err *e)
{
    if (win_seams_enabled && cfg->netsh_path && cfg->netsh_path[0])
        return win_wide(cfg->netsh_path, e);
    wchar_t *p = win_tool_path(L"netsh.exe");
    if (!p)
        win_err_oom(e);
    return p;
}

/* Every later LoadLibrary in this process (ours or a system component's) searches System32
 * only, never mend.exe's folder, the current directory or PATH. Windows 7 without KB2533623
 * lacks the call: then only the explicit LOAD_LIBRARY_SEARCH_SYSTEM32 loads protect. */
static void system32_dlls_only(void)
{
    typedef BOOL (WINAPI *set_dirs_fn)(DWORD);
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    set_dirs_fn set_dirs = k32 ? (set_dirs_fn)(void (*)(void))GetProcAddress(k32, "SetDefaultDllDirectories")
                               : NULL;
    if (set_dirs)
        set_dirs(LOAD_LIBRARY_SEARCH_SYSTEM32);
}

/* Opening needs no elevation: reading is useful to anyone, and changes made without it fail
 * with access_denied on their own (sys.is_admin tells scripts in advance). */
int win_host_open(mend_host *h, const mend_host_config *cfg, mend_err *e)
{
    memset(h, 0, sizeof *h);
    system32_dlls_only();
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
