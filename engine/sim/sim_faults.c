/* Injected failures: access denied, a service that ignores stop, unkillable processes, a crash. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_ops[] = {
    "ipsec.list", "ipsec.get", "ipsec.delete", "ipsec.assign", "ipsec.create", "ipsec.show",
    "svc.query", "svc.start", "svc.stop", "svc.dependents",
    "proc.list", "proc.kill",
    "handles.scan",
    "reg.get", "reg.set", "reg.create_key", "reg.keys", "reg.values", "reg.exists",
    "reg.delete_key", "reg.delete_value",
    "sys.gpupdate", "sys.reboot", "sys.sleep", "sys.is_admin", "sys.os", "sys.resume_after_reboot",
    "sys.clear_resume",
    "nic.list", "nic.set_ipsec_offload", "nic.restart_adapter",
    "spd.qm_policies", "spd.filters", "spd.sas", "spd.delete_sas", "spd.delete_qm_policy", "spd.delete_filter",
    "events.recent",
};

bool sim_fault_op_known(const char *op)
{
    for (size_t i = 0; i < sizeof known_ops / sizeof known_ops[0]; i++)
        if (strcmp(known_ops[i], op) == 0)
            return true;
    return false;
}

/* Registry targets also cover what lies under the key, as an inherited ACL would. */
static bool target_matches(const char *op, const char *want, const char *target)
{
    if (!target)
        return false;
    if (sim_strcasecmp(want, target) == 0)
        return true;
    size_t n = strlen(want);
    return strncmp(op, "reg.", 4) == 0 && sim_strncasecmp(want, target, n) == 0 && target[n] == '\\';
}

bool sim_fault_denied(const sim_machine *m, const char *op, const char *target, mend_err *e)
{
    size_t oplen = strlen(op);
    for (size_t i = 0; i < m->access_denied.n; i++) {
        const char *f = m->access_denied.v[i];
        if (strncmp(f, op, oplen) != 0)
            continue;
        if (f[oplen] == '\0' || (f[oplen] == ':' && target_matches(op, f + oplen + 1, target))) {
            mend_err_set(e, MEND_E_ACCESS_DENIED, MEND_WIN_ACCESS_DENIED, NULL);
            return true;
        }
    }
    return false;
}

bool sim_fault_ignores_stop(const sim_machine *m, const char *service)
{
    return sim_strlist_has(&m->ignore_stop, service);
}

bool sim_fault_unkillable(const sim_machine *m, const sim_process *p)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%u", (unsigned)p->pid);
    return sim_strlist_has(&m->unkillable, pid) || sim_strlist_has(&m->unkillable, p->name);
}

void sim_fault_after_action(sim_machine *m)
{
    m->actions++;
    if (!m->state_file || m->crash_after <= 0 || m->actions != (unsigned long)m->crash_after)
        return;
    /* A power cut: the machine keeps what was done, the mend process loses everything else.
     * The fault is spent, so the run that recovers does not crash again. */
    m->crash_after = 0;
    mend_err e;
    if (sim_state_save(m, m->state_file, &e) != 0)
        fprintf(stderr, "mend: simulated crash could not save the machine: %s\n", e.msg);
    _Exit(137);
}
