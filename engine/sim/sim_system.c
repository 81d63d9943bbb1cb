/* System operations: the virtual clock, group policy refresh, reboot and the boot task that resumes after it. */
#include "sim_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_REBOOT_SECONDS 90.0

/* Only computer policy is modelled: IPsec policy is computer policy, and mend refreshes
 * nothing else (/target:computer). The arguments are kept so tests can see them. */
int sim_sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e)
{
    sim_machine *m = ctx;
    (void)e;
    mend_gpupdate_args(force, wait_s, m->gpupdate_args, sizeof m->gpupdate_args);
    if (!force)
        return 0;   /* a plain refresh only re-applies changed settings: the cache stays */
    sim_store_sync(m);
    for (size_t i = m->npol; i-- > 0;) {
        sim_policy *p = m->pol[i];
        /* The GPO no longer assigns it: the refresh drops Group Policy's stale copy. */
        if (p->gpo && !p->gpo_assigned) {
            sim_policy_purge(m, p, false);
            continue;
        }
        if ((p->blockers & SIM_B_GPO_CACHE) && p->delete_accepted) {
            sim_policy_purge(m, p, true);
            continue;
        }
        p->blockers &= ~(unsigned)SIM_B_GPO_CACHE;
    }
    return 0;
}

static void free_window_entry(const char *key, void *value, void *ud)
{
    (void)key;
    (void)ud;
    free(value);
}

static int by_pid(const void *a, const void *b)
{
    uint32_t x = (*(sim_process *const *)a)->pid, y = (*(sim_process *const *)b)->pid;
    return (x > y) - (x < y);
}

/* Processes that start with the machine come back with new pids and re-open their handles. */
static void restart_processes(sim_machine *m)
{
    for (size_t i = m->nproc; i-- > 0;)
        if (!m->proc[i]->autostart)
            sim_process_remove(m, m->proc[i]);
    size_t n = m->nproc;
    sim_process **order = malloc((n + 1) * sizeof *order);
    uint32_t *old = malloc((n + 1) * sizeof *old);
    if (!order || !old) {
        free(order);
        free(old);
        return;
    }
    if (n)
        memcpy(order, m->proc, n * sizeof *order);
    qsort(order, n, sizeof *order, by_pid);
    for (size_t i = 0; i < n; i++) {
        sim_process *p = order[i];
        old[i] = p->pid;
        p->alive = true;
        p->next_handle = 4;
        if (p->pid == 0 || p->pid == 4)
            continue;
        uint32_t fresh = sim_alloc_pid(m);
        char k[16];
        snprintf(k, sizeof k, "%u", (unsigned)p->pid);
        sim_map_del(&m->proc_by_pid, k, p);
        snprintf(k, sizeof k, "%u", (unsigned)fresh);
        sim_map_put(&m->proc_by_pid, k, p);
        for (size_t h = 0; h < m->nhnd; h++)
            if (m->hnd[h].pid == old[i]) {
                (void)sim_handle_set_pid(m, h, fresh);   /* the entry was there: no new memory */
                m->hnd[h].value = p->next_handle;
                p->next_handle += 4;
            }
        p->pid = fresh;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (order[i]->ppid == old[j] && old[j] != order[j]->pid) {
                order[i]->ppid = order[j]->pid;
                break;
            }
    free(order);
    free(old);
}

static int by_name(const void *a, const void *b)
{
    return sim_name_cmp((*(sim_service *const *)a)->name, (*(sim_service *const *)b)->name);
}

static void start_services(sim_machine *m)
{
    sim_service **order = malloc((m->nsvc + 1) * sizeof *order);
    if (!order)
        return;
    if (m->nsvc)
        memcpy(order, m->svc, m->nsvc * sizeof *order);
    qsort(order, m->nsvc, sizeof *order, by_name);
    for (size_t i = 0; i < m->nsvc; i++) {
        mend_err ignored;
        if (order[i]->start_type <= MEND_START_AUTO)
            sim_svc_start_rec(m, order[i], &ignored);
    }
    free(order);
}

/* A boot-triggered task runs at every boot, nobody logged on, until it is deleted: the
 * resumed mend deletes it at its start. The simulator cannot start a process, so the run
 * is recorded on the task (Runs, LastRunBoot) for tests and `mend sim show` to see. */
static void run_boot_task(sim_machine *m)
{
    sim_regkey *task = sim_reg_find(m, SIM_TASK_PATH);
    if (!task)
        return;
    sim_regval *runs = sim_reg_value(task, "Runs");
    uint32_t n = runs && runs->type == MEND_REG_DWORD && runs->size == 4 ? (uint32_t)runs->data[0] |
                 (uint32_t)runs->data[1] << 8 | (uint32_t)runs->data[2] << 16 | (uint32_t)runs->data[3] << 24 : 0;
    sim_reg_put_dword(task, "Runs", n + 1);
    sim_reg_put_dword(task, "LastRunBoot", m->boot_count);
}

int sim_sys_reboot(void *ctx, const char *reason, mend_err *e)
{
    sim_machine *m = ctx;
    (void)reason;
    (void)e;
    sim_store_sync(m);
    for (size_t i = 0; i < m->nsvc; i++) {
        m->svc[i]->state = MEND_SVC_STOPPED;
        m->svc[i]->pid = 0;
    }
    sim_agent_stopped(m);   /* the table goes with memory: stale entries are gone */
    restart_processes(m);
    for (size_t i = 0; i < m->npol; i++) {
        m->pol[i]->blockers &= ~(unsigned)(SIM_B_GPO_CACHE | SIM_B_DRIVER_STATE);
        m->pol[i]->delete_accepted = false;
    }
    sim_map_each(&m->window, free_window_entry, NULL);
    sim_map_free(&m->window);
    sim_map_init(&m->window, false);
    sim_nics_boot(m);       /* adapters start before the services: NDIS reads the keywords */
    start_services(m);
    /* Missed purges complete at boot unless something that came back still blocks them. */
    for (size_t i = m->npol; i-- > 0;) {
        sim_policy *p = m->pol[i];
        /* Computer policy is applied at startup: a GPO's copy stays while it assigns it. */
        if (p->gpo && !p->gpo_assigned)
            sim_policy_purge(m, p, false);
        else if (!p->gpo && p->state == MEND_POLICY_PENDING_DELETION && !p->blockers &&
                 !sim_policy_assigned(m, p) && !sim_policy_held(m, p))
            sim_policy_purge(m, p, false);
    }
    m->clock += SIM_REBOOT_SECONDS;
    m->boot_count++;
    run_boot_task(m);
    return 0;
}

int sim_sys_sleep(void *ctx, double seconds, mend_err *e)
{
    sim_machine *m = ctx;
    if (!(seconds >= 0) || isinf(seconds))
        return mend_err_set(e, MEND_E_INVALID, 0, "sleep needs a finite, non-negative number of seconds");
    m->clock += seconds;
    return 0;
}

int sim_sys_is_admin(void *ctx, bool *admin, mend_err *e)
{
    (void)e;
    *admin = ((sim_machine *)ctx)->admin;
    return 0;
}

int sim_sys_os_name(void *ctx, char *buf, size_t size, mend_err *e)
{
    sim_machine *m = ctx;
    (void)e;
    if (size)
        snprintf(buf, size, "%s", m->os ? m->os : "Windows Server 2022 (simulated)");
    return 0;
}

/* The task as mend registers it on Windows: boot trigger, SYSTEM, highest run level;
 * registering again replaces it (TASK_CREATE_OR_UPDATE). */
int sim_sys_resume_after_reboot(void *ctx, const char *exe, const char *args, mend_err *e)
{
    sim_machine *m = ctx;
    sim_regkey *old = sim_reg_find(m, SIM_TASK_PATH);
    if (old)
        sim_reg_unlink(old);
    sim_regkey *k = sim_reg_create(m, SIM_TASK_PATH);
    if (!k || sim_reg_put_sz(k, "Path", exe ? exe : "") != 0 || sim_reg_put_sz(k, "Arguments", args ? args : "") != 0 ||
        sim_reg_put_sz(k, "Trigger", "Boot") != 0 || sim_reg_put_sz(k, "UserId", "S-1-5-18") != 0 ||
        sim_reg_put_sz(k, "RunLevel", "HighestAvailable") != 0 || sim_reg_put_dword(k, "Runs", 0) != 0)
        return sim_oom(e);
    return 0;
}

int sim_sys_resume_clear(void *ctx, bool *found, mend_err *e)
{
    sim_machine *m = ctx;
    (void)e;
    sim_regkey *k = sim_reg_find(m, SIM_TASK_PATH);
    *found = k != NULL;
    if (!k)
        return 0;
    sim_regkey *folder = k->parent;
    sim_reg_unlink(k);
    if (folder && folder->nkids == 0 && folder->nvals == 0)
        sim_reg_unlink(folder);   /* the \mend folder goes with its last task */
    return 0;
}

double sim_sys_now(void *ctx)
{
    return ((sim_machine *)ctx)->clock;
}
