/* Serialises the machine as a scenario (Lua source), deterministic in order, bytes intact. */
#include "sim_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* ---- output (engine/base/buf.c) ---- */

/* Like %q but newlines become \n and control bytes \ddd; bytes >= 0x80 stay raw (UTF-8 intact). */
void sim_buf_quote(mend_buf *b, const char *s, size_t n)
{
    mend_buf_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char num[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 32 || c == 127) {
            snprintf(num, sizeof num, "\\%03u", (unsigned)c);
            esc = num;
        }
        if (!esc)
            continue;
        mend_buf_add(b, s + run, i - run);
        mend_buf_str(b, esc);
        run = i + 1;
    }
    mend_buf_add(b, s + run, n - run);
    mend_buf_add(b, "\"", 1);
}

static void quote(mend_buf *b, const char *s)
{
    sim_buf_quote(b, s, strlen(s));
}

static void number(mend_buf *b, double v)
{
    if (v == floor(v) && fabs(v) < 9e15)
        mend_buf_printf(b, "%.0f", v);
    else
        mend_buf_printf(b, "%.17g", v);
}

/* ---- sections ---- */

static int by_policy_name(const void *a, const void *b)
{
    return strcmp((*(sim_policy *const *)a)->name, (*(sim_policy *const *)b)->name);
}

static void save_policies(mend_buf *b, const sim_machine *m)
{
    sim_policy **a = malloc((m->npol + 1) * sizeof *a);
    if (!a) {
        b->failed = true;
        return;
    }
    if (m->npol)
        memcpy(a, m->pol, m->npol * sizeof *a);
    qsort(a, m->npol, sizeof *a, by_policy_name);
    char active[SIM_GUID_LEN + 1];
    sim_store_active_guid(m, active);
    mend_buf_str(b, "  policies = {\n");
    for (size_t i = 0; i < m->npol; i++) {
        const sim_policy *p = a[i];
        mend_buf_str(b, "    { name = ");
        quote(b, p->name);
        /* Plain appends, not printf: a state can hold 100,000 of these. */
        mend_buf_str(b, ", guid = \"");
        mend_buf_str(b, p->guid);
        mend_buf_str(b, "\", description = ");
        quote(b, p->description);
        mend_buf_str(b, ", state = \"");
        mend_buf_str(b, mend_policy_state_name(p->state));
        mend_buf_str(b, "\"");
        if (active[0] && strcmp(active, p->guid) == 0)
            mend_buf_str(b, ", assigned = true");
        if (p->sa_count)
            mend_buf_printf(b, ", sa_count = %u", (unsigned)p->sa_count);
        static const struct { unsigned bit; const char *name; } names[] = {
            { SIM_B_GPO_CACHE, "gpo_cache" }, { SIM_B_DRIVER_STATE, "driver_state" },
            { SIM_B_NIC_OFFLOAD, "nic_offload" }, { SIM_B_STORE_CORRUPT, "store_corrupt" },
            { SIM_B_SPD_SAS, "spd_sas" }, { SIM_B_SPD_QM, "spd_qm" },
            { SIM_B_ORPHAN_FILTER, "orphan_filter" },
        };
        bool stale = !p->in_store && p->in_table;
        if (p->blockers || stale) {
            mend_buf_str(b, ", blockers = {");
            const char *sep = " ";
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
                if (p->blockers & names[k].bit) {
                    mend_buf_str(b, sep);
                    mend_buf_str(b, "\"");
                    mend_buf_str(b, names[k].name);
                    mend_buf_str(b, "\"");
                    sep = ", ";
                }
            if (stale) {
                mend_buf_str(b, sep);
                mend_buf_str(b, "\"stale_memory\"");
            }
            mend_buf_str(b, " }");
        }
        if (p->delete_accepted)
            mend_buf_str(b, ", delete_accepted = true");
        if (p->filter_list) {
            mend_buf_str(b, ", filter_list = ");
            quote(b, p->filter_list);
        }
        if (p->filter_action) {
            mend_buf_str(b, ", filter_action = ");
            quote(b, p->filter_action);
        }
        if (p->gpo) {
            mend_buf_str(b, ", source = \"gpo\", gpo = ");
            quote(b, p->gpo);
            if (!p->gpo_assigned)
                mend_buf_str(b, ", gpo_assigned = false");
        }
        mend_buf_str(b, " },\n");
    }
    mend_buf_str(b, "  },\n");
    free(a);
}

static int by_service_name(const void *a, const void *b)
{
    return sim_name_cmp((*(sim_service *const *)a)->name, (*(sim_service *const *)b)->name);
}

static void save_services(mend_buf *b, const sim_machine *m)
{
    sim_service **a = malloc((m->nsvc + 1) * sizeof *a);
    if (!a) {
        b->failed = true;
        return;
    }
    if (m->nsvc)
        memcpy(a, m->svc, m->nsvc * sizeof *a);
    qsort(a, m->nsvc, sizeof *a, by_service_name);
    mend_buf_str(b, "  services = {\n");
    for (size_t i = 0; i < m->nsvc; i++) {
        const sim_service *s = a[i];
        mend_buf_str(b, "    [");
        quote(b, s->name);
        mend_buf_str(b, "] = { display_name = ");
        quote(b, s->display_name);
        mend_buf_printf(b, ", state = \"%s\", start_type = \"%s\"", mend_svc_state_name(s->state),
                       mend_svc_start_name(s->start_type));
        if (s->state != MEND_SVC_STOPPED && s->pid)
            mend_buf_printf(b, ", pid = %u", (unsigned)s->pid);
        mend_buf_str(b, ", depends_on = {");
        for (size_t d = 0; d < s->ndeps; d++) {
            mend_buf_str(b, d ? ", " : " ");
            quote(b, s->depends_on[d]);
        }
        mend_buf_str(b, s->ndeps ? " } },\n" : "} },\n");
    }
    mend_buf_str(b, "  },\n");
    free(a);
}

static int by_pid(const void *a, const void *b)
{
    uint32_t x = (*(sim_process *const *)a)->pid, y = (*(sim_process *const *)b)->pid;
    return (x > y) - (x < y);
}

static void save_processes(mend_buf *b, const sim_machine *m)
{
    sim_process **a = malloc((m->nproc + 1) * sizeof *a);
    if (!a) {
        b->failed = true;
        return;
    }
    if (m->nproc)
        memcpy(a, m->proc, m->nproc * sizeof *a);
    qsort(a, m->nproc, sizeof *a, by_pid);
    mend_buf_str(b, "  processes = {\n");
    for (size_t i = 0; i < m->nproc; i++) {
        const sim_process *p = a[i];
        mend_buf_printf(b, "    { pid = %u, ppid = %u, name = ", (unsigned)p->pid, (unsigned)p->ppid);
        quote(b, p->name);
        if (p->path[0]) {
            mend_buf_str(b, ", path = ");
            quote(b, p->path);
        }
        if (!p->autostart)
            mend_buf_str(b, ", autostart = false");
        if (!p->alive)
            mend_buf_str(b, ", running = false");
        if (p->critical)
            mend_buf_str(b, ", critical = true");
        if (p->ipsec_client != sim_is_ipsec_client_name(p->name))
            mend_buf_printf(b, ", ipsec_client = %s", p->ipsec_client ? "true" : "false");
        if (p->is_protected)
            mend_buf_str(b, ", protected = true");
        mend_buf_str(b, " },\n");
    }
    mend_buf_str(b, "  },\n");
    free(a);
}

/* The policy whose store key a handle names exactly, if its name identifies it. */
static const sim_policy *handle_policy(const sim_machine *m, const sim_handle *h)
{
    size_t root = strlen(SIM_NT_STORE_ROOT "\\ipsecPolicy");
    if (strcmp(h->type, "Key") != 0 || strlen(h->name) != root + SIM_GUID_LEN ||
        strncmp(h->name, SIM_NT_STORE_ROOT "\\ipsecPolicy", root) != 0)
        return NULL;
    char guid[SIM_GUID_LEN + 1];
    memcpy(guid, h->name + root, sizeof guid);
    if (!sim_guid_valid(guid))
        return NULL;
    const sim_policy *p = sim_policy_by_guid(m, guid);
    if (!p || strcmp(p->guid, guid) != 0 || m->name_clash)
        return NULL;
    return p;
}

static void save_handles(mend_buf *b, const sim_machine *m)
{
    mend_buf_str(b, "  handles = {\n");
    for (size_t i = 0; i < m->nhnd; i++) {
        const sim_handle *h = &m->hnd[i];
        const sim_policy *p = handle_policy(m, h);
        mend_buf_printf(b, "    { pid = %u, ", (unsigned)h->pid);
        if (p) {
            mend_buf_str(b, "policy = ");
            quote(b, p->name);
        } else {
            mend_buf_str(b, "type = ");
            quote(b, h->type);
            mend_buf_str(b, ", name = ");
            quote(b, h->name);
        }
        mend_buf_printf(b, ", handle = 0x%llx, access = 0x%x },\n", (unsigned long long)h->value,
                       (unsigned)h->access);
    }
    mend_buf_str(b, "  },\n");
}

static void save_nics(mend_buf *b, const sim_machine *m)
{
    mend_buf_str(b, "  nics = {\n");
    for (size_t i = 0; i < m->nnic; i++) {
        mend_buf_str(b, "    { name = ");
        quote(b, m->nic[i].name);
        mend_buf_str(b, ", description = ");
        quote(b, m->nic[i].description);
        mend_buf_printf(b, ", ipsec_offload = %s, keywords = {", m->nic[i].offload ? "true" : "false");
        for (int k = 0; k < SIM_NIC_NKW; k++)
            if (m->nic[i].kw[k] >= 0)
                mend_buf_printf(b, " [\"%s\"] = %d,", sim_nic_keywords[k], m->nic[i].kw[k]);
        mend_buf_str(b, " } },\n");
    }
    mend_buf_str(b, "  },\n");
}

static void strlist(mend_buf *b, const char *field, const sim_strlist *l)
{
    if (!l->n)
        return;
    mend_buf_printf(b, "    %s = {", field);
    for (size_t i = 0; i < l->n; i++) {
        mend_buf_str(b, i ? ", " : " ");
        quote(b, l->v[i]);
    }
    mend_buf_str(b, " },\n");
}

static void save_faults(mend_buf *b, const sim_machine *m)
{
    mend_buf_str(b, "  faults = {\n");
    strlist(b, "ignore_stop", &m->ignore_stop);
    strlist(b, "access_denied", &m->access_denied);
    strlist(b, "unkillable", &m->unkillable);
    if (m->crash_after > 0)
        mend_buf_printf(b, "    crash_after = %ld,\n", m->crash_after);
    mend_buf_str(b, "  },\n");
}

typedef struct window_entry {
    const char *name;
    double ends;
} window_entry;

typedef struct window_list {
    window_entry *v;
    size_t n;
    double now;
} window_list;

static void collect_window(const char *key, void *value, void *ud)
{
    window_list *w = ud;
    double ends = *(double *)value;
    if (ends > w->now) {
        w->v[w->n].name = key;
        w->v[w->n].ends = ends;
        w->n++;
    }
}

static int by_window_name(const void *a, const void *b)
{
    return strcmp(((const window_entry *)a)->name, ((const window_entry *)b)->name);
}

static void save_settings(mend_buf *b, const sim_machine *m)
{
    mend_buf_str(b, "  settings = { clock = ");
    number(b, m->clock);
    mend_buf_str(b, ", delete_window = ");
    number(b, m->delete_window);
    mend_buf_printf(b, ", admin = %s", m->admin ? "true" : "false");
    if (m->os) {
        mend_buf_str(b, ", os = ");
        quote(b, m->os);
    }
    mend_buf_str(b, " },\n");
    mend_buf_printf(b, "  runtime = { boot_count = %u, next_pid = %u", (unsigned)m->boot_count,
                   (unsigned)m->next_pid);
    if (m->guid_rng != SIM_GUID_SEED)
        mend_buf_printf(b, ", guid_seed = \"%llx\"", (unsigned long long)m->guid_rng);
    window_list w = { malloc((m->window.count + 1) * sizeof *w.v), 0, m->clock };
    if (!w.v) {
        b->failed = true;
        return;
    }
    sim_map_each(&m->window, collect_window, &w);
    qsort(w.v, w.n, sizeof *w.v, by_window_name);
    if (w.n) {
        mend_buf_str(b, ", delete_window = {\n");
        /* The names deleted in one run mostly share an end: each distinct one is formatted once
         * (%.17g costs more than all the rest of an entry). */
        mend_buf ends = { 0 };
        double last = 0;
        for (size_t i = 0; i < w.n; i++) {
            mend_buf_str(b, "    { name = ");
            quote(b, w.v[i].name);
            mend_buf_str(b, ", ends = ");
            if (!ends.len || memcmp(&last, &w.v[i].ends, sizeof last) != 0) {
                ends.len = 0;
                number(&ends, w.v[i].ends);
                last = w.v[i].ends;
            }
            mend_buf_add(b, ends.p, ends.len);
            mend_buf_str(b, " },\n");
        }
        if (ends.failed)
            b->failed = true;
        free(ends.p);
        mend_buf_str(b, "  }");
    }
    free(w.v);
    mend_buf_str(b, " },\n");
}

int sim_save_registry(mend_buf *b, const sim_machine *m);

int sim_state_serialize(const sim_machine *m, char **out, size_t *len, mend_err *e)
{
    sim_store_sync((sim_machine *)m);   /* a cache refresh: the machine itself is unchanged */
    mend_buf b = { 0 };
    mend_buf_str(&b, SIM_STATE_HEADER "return {\n");
    save_settings(&b, m);
    save_policies(&b, m);
    save_services(&b, m);
    save_processes(&b, m);
    save_handles(&b, m);
    save_nics(&b, m);
    if (sim_save_registry(&b, m) != 0)
        b.failed = true;
    save_faults(&b, m);
    sim_events_save(&b, m);
    mend_buf_str(&b, "}\n");
    if (b.failed) {
        free(b.p);
        return sim_oom(e);
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

int sim_state_save(const sim_machine *m, const char *path, mend_err *e)
{
    char *text;
    size_t len;
    if (sim_state_serialize(m, &text, &len, e) != 0)
        return -1;
    int rc = mend_write_file_atomic(path, text, len, e);
    free(text);
    return rc;
}
