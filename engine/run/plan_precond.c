/* A plan step's precondition: the state an action assumes, read from the host as a sentence. */
#include "plan.h"
#include "buf.h"
#include "regfile.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mend_plan_hash(const char *s, char out[32])
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 32, "fnv1a64:%016llx", (unsigned long long)h);
}

static const char *arg_str(const cJSON *args, int i, const char *field)
{
    const cJSON *a = cJSON_GetArrayItem(args, i);
    if (a && field)
        a = cJSON_GetObjectItemCaseSensitive(a, field);
    return cJSON_IsString(a) ? a->valuestring : NULL;
}

static int cmp_handle(const void *x, const void *y)
{
    const mend_handle *a = x, *b = y;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* "; non-system holders: vpnagent.exe (pid 4242)" or "; no non-system holder" for a policy key. */
static void holders_of(const mend_host *h, const char *store_key, mend_buf *b)
{
    if (!store_key || strncmp(store_key, "HKLM\\", 5) != 0)
        return;
    char nt[4096];
    snprintf(nt, sizeof nt, "\\REGISTRY\\MACHINE\\%s", store_key + 5);
    mend_handle_filter f = { 0 };
    f.name = nt;
    mend_handle *list = NULL;
    size_t n = 0;
    mend_err e;
    if (h->ops->handles.scan(h->ctx, &f, &list, &n, &e) != 0) {
        mend_buf_printf(b, "; holders unknown (%s)", e.msg);
        return;
    }
    qsort(list, n, sizeof *list, cmp_handle);
    int shown = 0;
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (mend_process_is_critical_name(list[i].pid, list[i].process) || list[i].pid == last)
            continue;
        last = list[i].pid;
        mend_buf_printf(b, "%s%s (pid %u)", shown++ ? ", " : "; non-system holders: ", list[i].process,
                  list[i].pid);
    }
    if (!shown)
        mend_buf_printf(b, "; no non-system holder");
    mend_handle_free_list(list, n);
}

/* For a delete (with_holders) the state is left out: Windows' pending state is read by probing,
 * and it reads active again once the holder that kept the delete from completing is gone, so a
 * kill-then-delete plan would stop at its own delete. The guid pins the very policy, the holders
 * and the assignment are what the delete meets. */
static void policy_state(const mend_host *h, const char *name, bool with_holders, mend_buf *b)
{
    mend_policy p = { 0 };
    mend_err e;
    if (!name) {
        mend_buf_printf(b, "nothing");
        return;
    }
    if (h->ops->ipsec.get(h->ctx, name, &p, &e) != 0) {
        if (e.code == MEND_E_NOT_FOUND)
            mend_buf_printf(b, "no policy %s", name);
        else
            mend_buf_printf(b, "policy %s unreadable (%s)", name, e.msg);
        return;
    }
    mend_buf_printf(b, "policy %s %s %s%s", name, p.guid, mend_policy_state_name(p.state), p.assigned ? " assigned" : "");
    if (with_holders)
        holders_of(h, p.store_key, b);
    mend_policy_clear(&p);
}

static void process_state(const mend_host *h, const cJSON *args, mend_buf *b)
{
    const cJSON *a = cJSON_GetArrayItem(args, 0);
    if (!cJSON_IsNumber(a)) {
        mend_buf_printf(b, "nothing");
        return;
    }
    uint32_t pid = (uint32_t)a->valuedouble;
    mend_process *list = NULL;
    size_t n = 0;
    mend_err e;
    if (h->ops->proc.list(h->ctx, &list, &n, &e) != 0) {
        mend_buf_printf(b, "processes unreadable (%s)", e.msg);
        return;
    }
    size_t i = 0;
    while (i < n && list[i].pid != pid)
        i++;
    if (i < n)
        mend_buf_printf(b, "process %u %s", pid, list[i].name);
    else
        mend_buf_printf(b, "no process %u", pid);
    mend_process_free_list(list, n);
}

static void nic_state(const mend_host *h, const char *name, mend_buf *b)
{
    mend_nic *list = NULL;
    size_t n = 0;
    mend_err e;
    if (!name) {
        mend_buf_printf(b, "nothing");
        return;
    }
    if (h->ops->nic.list(h->ctx, &list, &n, &e) != 0) {
        mend_buf_printf(b, "NICs unreadable (%s)", e.msg);
        return;
    }
    size_t i = 0;
    while (i < n && strcmp(list[i].name, name) != 0)
        i++;
    if (i < n)
        mend_buf_printf(b, "NIC %s with IPsec offload %s", name, list[i].ipsec_offload ? "on" : "off");
    else
        mend_buf_printf(b, "no NIC %s", name);
    mend_nic_free_list(list, n);
}

static void service_state(const mend_host *h, const char *name, mend_buf *b)
{
    mend_service s = { 0 };
    mend_err e;
    if (!name) {
        mend_buf_printf(b, "nothing");
        return;
    }
    if (h->ops->svc.query(h->ctx, name, &s, &e) != 0) {
        mend_buf_printf(b, e.code == MEND_E_NOT_FOUND ? "no service %s" : "service %s unreadable", name);
        return;
    }
    mend_buf_printf(b, "service %s %s", name, mend_svc_state_name(s.state));
    mend_service_clear(&s);
}

/* The key and a hash of its whole .reg export: any change below it shows. */
static void key_state(const mend_host *h, const char *path, mend_buf *b)
{
    mend_err e;
    bool found = false;
    if (!path) {
        mend_buf_printf(b, "nothing");
        return;
    }
    if (h->ops->reg.exists(h->ctx, path, &found, &e) != 0) {
        mend_buf_printf(b, "key %s unreadable (%s)", path, e.msg);
        return;
    }
    if (!found) {
        mend_buf_printf(b, "no key %s", path);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    if (mend_regfile_render(h, path, &text, &len, &e) != 0) {
        mend_buf_printf(b, "key %s (not exportable: %s)", path, e.msg);
        return;
    }
    char hash[32];
    mend_plan_hash(text, hash);
    free(text);
    mend_buf_printf(b, "key %s with content %s", path, hash);
}

char *mend_plan_precondition(const mend_host *h, const char *op, const char *target, const cJSON *args)
{
    mend_buf b = { 0 };
    if (strcmp(op, "ipsec.delete") == 0 || strcmp(op, "ipsec.remove_from_store") == 0)
        policy_state(h, arg_str(args, 0, NULL), true, &b);
    else if (strcmp(op, "ipsec.assign") == 0 || strcmp(op, "ipsec.unassign") == 0)
        policy_state(h, arg_str(args, 0, NULL), false, &b);
    else if (strcmp(op, "ipsec.create") == 0)
        policy_state(h, arg_str(args, 0, "name"), false, &b);
    else if (strcmp(op, "proc.kill") == 0)
        process_state(h, args, &b);
    else if (strncmp(op, "nic.", 4) == 0)
        nic_state(h, arg_str(args, 0, NULL), &b);
    else if (strncmp(op, "svc.", 4) == 0)
        service_state(h, arg_str(args, 0, NULL), &b);
    else if (strcmp(op, "reg.delete") == 0)
        key_state(h, target, &b);   /* the binding's target is the path in host form */
    else if (strcmp(op, "reg.set") == 0)
        key_state(h, arg_str(args, 0, NULL), &b);
    else
        mend_buf_printf(&b, "nothing");   /* gpupdate, reboot, resume: no state to assume */
    return mend_buf_take(&b, NULL);
}
