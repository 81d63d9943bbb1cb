/* `mend sim show`: a readable summary of the simulated machine. */
#define _POSIX_C_SOURCE 200809L
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Policy names may hold anything; show them on one line with control bytes escaped. */
static void put_name(FILE *out, const char *s, size_t max)
{
    size_t n = 0;
    for (; *s && n < max; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            fputs("\\n", out);
        else if (c < 32 || c == 127)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    if (*s)
        fputs("...", out);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(sim_policy *const *)a)->name, (*(sim_policy *const *)b)->name);
}

static void show_policies(const sim_machine *m, FILE *out)
{
    fprintf(out, "Policies (%lu):\n", (unsigned long)m->npol);
    sim_policy **a = malloc((m->npol + 1) * sizeof *a);
    if (!a)
        return;
    if (m->npol)
        memcpy(a, m->pol, m->npol * sizeof *a);
    qsort(a, m->npol, sizeof *a, by_name);
    for (size_t i = 0; i < m->npol; i++) {
        const sim_policy *p = a[i];
        fputs("  ", out);
        put_name(out, p->name, 60);
        fprintf(out, "  %s%s", mend_policy_state_name(p->state),
                sim_policy_assigned(m, p) ? ", assigned" : "");
        if (p->sa_count)
            fprintf(out, ", %u SAs", (unsigned)p->sa_count);
        if (p->gpo) {
            fputs(", from GPO ", out);
            put_name(out, p->gpo, 60);
            if (!p->gpo_assigned)
                fputs(" (stale: no longer assigned)", out);
        }
        const char *sep = "; blockers: ";
        static const struct { unsigned bit; const char *name; } names[] = {
            { SIM_B_GPO_CACHE, "gpo_cache" }, { SIM_B_DRIVER_STATE, "driver_state" },
            { SIM_B_NIC_OFFLOAD, "nic_offload" }, { SIM_B_STORE_CORRUPT, "store_corrupt" },
            { SIM_B_SPD_SAS, "spd_sas" }, { SIM_B_SPD_QM, "spd_qm" },
            { SIM_B_ORPHAN_FILTER, "orphan_filter" },
        };
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (p->blockers & names[k].bit) {
                fprintf(out, "%s%s", sep, names[k].name);
                sep = ", ";
            }
        if (!p->in_store && p->in_table) {
            fprintf(out, "%sstale_memory", sep);
            sep = ", ";
        }
        if (sim_policy_held(m, p)) {
            fprintf(out, "%sheld by", sep);
            char *nt = sim_policy_nt_name(p);
            for (size_t h = 0; nt && h < m->nhnd; h++) {
                const sim_process *proc = sim_process_find(m, m->hnd[h].pid);
                if (proc && sim_holder_blocks(proc) &&
                    sim_strcasecmp(m->hnd[h].name, nt) == 0)
                    fprintf(out, " %s (pid %u)", proc->name, (unsigned)proc->pid);
            }
            free(nt);
        }
        if (p->delete_accepted)
            fputs(" (delete accepted, re-applied from the GPO cache)", out);
        fputc('\n', out);
    }
    free(a);
}

static void show_services(const sim_machine *m, FILE *out)
{
    fprintf(out, "Services:\n");
    for (size_t i = 0; i < m->nsvc; i++) {
        const sim_service *s = m->svc[i];
        fprintf(out, "  %-14s %-13s %-8s", s->name, mend_svc_state_name(s->state),
                mend_svc_start_name(s->start_type));
        if (s->state != MEND_SVC_STOPPED)
            fprintf(out, " pid %u", (unsigned)s->pid);
        for (size_t d = 0; d < s->ndeps; d++)
            fprintf(out, "%s%s", d ? ", " : "  depends on ", s->depends_on[d]);
        fputc('\n', out);
    }
}

static int by_pid(const void *a, const void *b)
{
    uint32_t x = (*(sim_process *const *)a)->pid, y = (*(sim_process *const *)b)->pid;
    return (x > y) - (x < y);
}

static void show_processes(const sim_machine *m, FILE *out)
{
    fprintf(out, "Processes:\n");
    sim_process **a = malloc((m->nproc + 1) * sizeof *a);
    if (!a)
        return;
    if (m->nproc)
        memcpy(a, m->proc, m->nproc * sizeof *a);
    qsort(a, m->nproc, sizeof *a, by_pid);
    for (size_t i = 0; i < m->nproc; i++) {
        const sim_process *p = a[i];
        fprintf(out, "  %6u  %s%s%s\n", (unsigned)p->pid, p->name, p->alive ? "" : "  (killed; restarts at boot)",
                p->autostart ? "" : "  (no autostart)");
    }
    free(a);
    fprintf(out, "Handles:\n");
    for (size_t i = 0; i < m->nhnd; i++) {
        const sim_handle *h = &m->hnd[i];
        const sim_process *p = sim_process_find(m, h->pid);
        fprintf(out, "  %6u  %-16s 0x%-5llx %-6s ", (unsigned)h->pid, p ? p->name : "?",
                (unsigned long long)h->value, h->type);
        put_name(out, h->name, 160);
        const char *slash = strrchr(h->name, '\\');
        const sim_policy *pol = NULL;
        if (slash && sim_strncasecmp(slash + 1, "ipsecPolicy", 11) == 0 && sim_guid_valid(slash + 12)) {
            char guid[SIM_GUID_LEN + 1];
            memcpy(guid, slash + 12, sizeof guid);
            sim_guid_lower(guid);
            pol = sim_policy_by_guid(m, guid);
        }
        if (pol) {
            fputs("  (policy ", out);
            put_name(out, pol->name, 60);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

void sim_show(const sim_machine *m, const char *state_file, FILE *out)
{
    sim_store_sync((sim_machine *)m);
    char os[128];
    sim_sys_os_name((void *)m, os, sizeof os, NULL);
    time_t t = (time_t)m->clock;
    struct tm tm;
    char when[40] = "?";
#ifdef _WIN32
    if (gmtime_s(&tm, &t) == 0)
#else
    if (gmtime_r(&t, &tm))
#endif
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(out, "Simulated host: %s, clock %s, boot %u%s\n", os, when, (unsigned)m->boot_count,
            m->admin ? "" : ", not admin");
    if (state_file)
        fprintf(out, "State: %s\n", state_file);
    if (!sim_store_local(m))
        fprintf(out, "The policy store key %s is missing: every policy is broken.\n", MEND_IPSEC_STORE_ROOT);
    show_policies(m, out);
    show_services(m, out);
    show_processes(m, out);
    fprintf(out, "NICs:\n");
    for (size_t i = 0; i < m->nnic; i++)
        fprintf(out, "  %-14s IPsec offload %-3s  %s%s\n", m->nic[i].name,
                sim_nic_configured_on(&m->nic[i]) ? "on" : "off", m->nic[i].description,
                sim_nic_configured_on(&m->nic[i]) != m->nic[i].offload ? "  (takes effect at the adapter's next restart)" : "");
    fprintf(out, "Faults:%s\n", m->ignore_stop.n || m->access_denied.n || m->unkillable.n || m->crash_after
                                    ? "" : " none");
    for (size_t i = 0; i < m->ignore_stop.n; i++)
        fprintf(out, "  service %s ignores stop\n", m->ignore_stop.v[i]);
    for (size_t i = 0; i < m->access_denied.n; i++)
        fprintf(out, "  access denied: %s\n", m->access_denied.v[i]);
    for (size_t i = 0; i < m->unkillable.n; i++)
        fprintf(out, "  cannot be killed: %s\n", m->unkillable.v[i]);
    if (m->crash_after)
        fprintf(out, "  crash after %ld mutating actions\n", m->crash_after);
}
