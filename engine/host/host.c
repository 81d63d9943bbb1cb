/* Backend selection and the ownership helpers for values crossing host.h. */
#include "host.h"

#include <stdlib.h>
#include <string.h>

#include "leakcheck.h"

char *mend_strdup(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void mend_policy_clear(mend_policy *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->guid);
    free(p->description);
    free(p->store_key);
    free(p->state_reason);
    free(p->gpo);
    memset(p, 0, sizeof *p);
}

void mend_policy_free_list(mend_policy *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        mend_policy_clear(&a[i]);
    free(a);
}

void mend_service_clear(mend_service *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->display_name);
    mend_string_free_list(s->depends_on, s->ndeps);
    memset(s, 0, sizeof *s);
}

void mend_process_free_list(mend_process *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].name);
        free(a[i].path);
    }
    free(a);
}

void mend_handle_free_list(mend_handle *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].process);
        free(a[i].type);
        free(a[i].name);
    }
    free(a);
}

void mend_unseen_free_list(mend_unseen *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].process);
        free(a[i].error);
    }
    free(a);
}

bool mend_process_is_critical_name(uint32_t pid, const char *name)
{
    /* Ending any of these bugchecks or destabilises Windows (windows-model.md, "Handles,
     * holders and critical processes"); pid 0 is the idle process, 4 the kernel. */
    static const char *const names[] = {
        "System", "Registry", "smss.exe", "csrss.exe", "wininit.exe", "services.exe",
        "lsass.exe", "LsaIso.exe", "winlogon.exe", "Memory Compression", "Secure System",
    };
    if (pid == 0 || pid == 4)
        return true;
    if (!name)
        return false;
    /* Windows gives the image's file name; a path or a name without ".exe" (a simulator
     * scenario, a script's own list) must not get past the list either. */
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    size_t blen = strlen(base);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t nlen = strlen(names[i]);
        if (mend_ascii_ieq(base, names[i]))
            return true;
        if (nlen > 4 && blen == nlen - 4 && mend_ascii_ieq(names[i] + blen, ".exe") &&
            mend_ascii_ncasecmp(base, names[i], blen) == 0)
            return true;
    }
    return false;
}

void mend_regval_clear(mend_regval *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->data);
    memset(v, 0, sizeof *v);
}

void mend_regval_free_list(mend_regval *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        mend_regval_clear(&a[i]);
    free(a);
}

void mend_string_free_list(char **a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        free(a[i]);
    free(a);
}

void mend_nic_free_list(mend_nic *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].name);
        free(a[i].description);
    }
    free(a);
}

void mend_spd_qm_policy_free_list(mend_spd_qm_policy *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].name);
        free(a[i].guid);
    }
    free(a);
}

void mend_spd_filter_free_list(mend_spd_filter *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].name);
        free(a[i].guid);
        free(a[i].qm_policy);
    }
    free(a);
}

void mend_spd_sa_free_list(mend_spd_sa *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        free(a[i].qm_policy);
    free(a);
}

void mend_event_free_list(mend_event *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].source);
        free(a[i].policy);
        free(a[i].message);
    }
    free(a);
}

const char *mend_policy_state_name(mend_policy_state s)
{
    return s == MEND_POLICY_PENDING_DELETION ? "pending_deletion"
         : s == MEND_POLICY_UNKNOWN          ? "unknown"
                                             : "active";
}

const char *mend_svc_state_name(mend_svc_state s)
{
    switch (s) {
    case MEND_SVC_STOPPED: return "stopped";
    case MEND_SVC_START_PENDING: return "start_pending";
    case MEND_SVC_STOP_PENDING: return "stop_pending";
    case MEND_SVC_RUNNING: return "running";
    case MEND_SVC_CONTINUE_PENDING: return "continue_pending";
    case MEND_SVC_PAUSE_PENDING: return "pause_pending";
    case MEND_SVC_PAUSED: return "paused";
    }
    return "unknown";
}

const char *mend_svc_start_name(mend_svc_start s)
{
    switch (s) {
    case MEND_START_BOOT: return "boot";
    case MEND_START_SYSTEM: return "system";
    case MEND_START_AUTO: return "auto";
    case MEND_START_DEMAND: return "demand";
    case MEND_START_DISABLED: return "disabled";
    }
    return "unknown";
}

static const char *const reg_type_names[] = {
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
    "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR",
    "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
};

const char *mend_reg_type_name(uint32_t type)
{
    return type < sizeof reg_type_names / sizeof reg_type_names[0] ? reg_type_names[type] : NULL;
}

int mend_reg_type_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof reg_type_names / sizeof reg_type_names[0]; i++)
        if (strcmp(reg_type_names[i], name) == 0)
            return (int)i;
    return -1;
}

void mend_host_close(mend_host *h)
{
    if (h && h->ops && h->ops->close)
        h->ops->close(h->ctx);
    if (h)
        memset(h, 0, sizeof *h);
}

void mend_host_close_at_exit(mend_host *h)
{
    if (h && h->ops && h->ops->close_at_exit && !mend_leak_checked()) {
        h->ops->close_at_exit(h->ctx);
        memset(h, 0, sizeof *h);
        return;
    }
    mend_host_close(h);
}

/* Group Policy's cached copy is beyond the local store: only the GPO (or a refresh, once it
 * lets go) changes it, so both hosts refuse the same way. */
int mend_policy_gpo_refused(mend_err *e, const char *name, const char *gpo)
{
    return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                        "IPsec policy '%s' is delivered by Group Policy (GPO '%s') and cached under %s; "
                        "the local policy store cannot change it: unlink or unassign it in Group Policy "
                        "Management, then run gpupdate /target:computer /force",
                        name, gpo, MEND_IPSEC_GPO_CACHE);
}
