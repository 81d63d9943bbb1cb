/* The simulator behind host.h: the ops table, open (lock, seed, load: at once or on first use), commit and close. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "platform.h"

double sim_lock_wait_s = 30.0;

typedef struct sim_host {
    sim_machine *m;           /* NULL until loaded (a deferred load: the first operation's) */
    char *state_file;
    mend_lock *lock;
    bool dry_run;
    bool changed;   /* a mutation (or the clock) ran: only then is the state written back */
    bool own_state; /* the default state (mend's own), not a --host sim:FILE */
    bool load_failed;
    mend_err load_err;        /* why, for every operation after */
    void (*late)(void *ud, bool done, const mend_err *e);
    void *late_ud;
} sim_host;

static int load_state(sim_host *sh, mend_err *e)
{
    if (sim_scenario_load_file(sh->state_file, &sh->m, e) != 0) {
        /* The default state is mend's own: say how to start over (a sim:FILE is the user's). */
        size_t len = strlen(e->msg);
        if (sh->own_state && len < sizeof e->msg)
            snprintf(e->msg + len, sizeof e->msg - len, " (`mend sim reset` starts the simulator over from the demo)");
        return -1;
    }
    sh->m->state_file = sh->dry_run ? NULL : sh->state_file;
    return 0;
}

/* The machine, loaded now if the open deferred it; NULL with *e set when it cannot be. */
static sim_machine *machine(void *ctx, mend_err *e)
{
    sim_host *sh = ctx;
    if (sh->m)
        return sh->m;
    if (!sh->load_failed) {
        sh->late(sh->late_ud, false, NULL);
        sh->load_failed = load_state(sh, &sh->load_err) != 0;
        sh->late(sh->late_ud, true, sh->load_failed ? &sh->load_err : NULL);
    }
    if (sh->load_failed && e)
        *e = sh->load_err;
    return sh->m;
}

/* Reads: an injected access_denied may refuse them. */
#define READ_OP(op, target, call)                                                                 \
    sim_machine *m = machine(ctx, e);                                                             \
    if (!m || sim_fault_denied(m, op, target, e))                                                 \
        return -1;                                                                                \
    return call;

/* Mutations: also counted, so crash_after can cut the power after the Nth one; a 13023 answer
 * is written to the event log, as the Policy Agent's failures are on Windows. A write a fault
 * refuses changes nothing, so it alone never rewrites the state file; one that ran may have
 * changed the machine even when it failed (a stop that timed out), and a logged event is saved. */
#define WRITE_OP_GATED(op, target, denied, call)                                                  \
    sim_machine *m = machine(ctx, e);                                                             \
    if (!m)                                                                                       \
        return -1;                                                                                \
    bool refused = (denied);                                                                      \
    int rc = refused ? -1 : (call);                                                               \
    bool logged = rc != 0 && sim_events_record(m, op, target, e);                                 \
    if (!refused || logged)                                                                       \
        ((sim_host *)(ctx))->changed = true;                                                      \
    sim_fault_after_action(m);                                                                    \
    return rc;
#define WRITE_OP(op, target, call) WRITE_OP_GATED(op, target, sim_fault_denied(m, op, target, e), call)

static int ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("ipsec.list", NULL, sim_ipsec_list(m, out, n, e))
}

static int ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    READ_OP("ipsec.get", name, sim_ipsec_get(m, name, out, e))
}

static int ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    WRITE_OP("ipsec.delete", name, sim_ipsec_delete(m, name, e))
}

static int ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    WRITE_OP("ipsec.assign", name, sim_ipsec_assign(m, name, on, e))
}

static int ipsec_create(void *ctx, const char *name, const char *description, mend_err *e)
{
    WRITE_OP("ipsec.create", name, sim_ipsec_create(m, name, description, e))
}

static int ipsec_show(void *ctx, bool dynamic, char **text, mend_err *e)
{
    *text = NULL;
    READ_OP("ipsec.show", NULL, sim_ipsec_show(m, dynamic, text, e))
}

static int svc_query(void *ctx, const char *name, mend_service *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    READ_OP("svc.query", name, sim_svc_query(m, name, out, e))
}

static int svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    WRITE_OP("svc.start", name, sim_svc_start(m, name, timeout_ms, e))
}

static int svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    WRITE_OP("svc.stop", name, sim_svc_stop(m, name, timeout_ms, e))
}

static int svc_dependents(void *ctx, const char *name, bool active_only, char ***out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("svc.dependents", name, sim_svc_dependents(m, name, active_only, out, n, e))
}

static int proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("proc.list", NULL, sim_proc_list(m, out, n, e))
}

static bool kill_denied(sim_machine *m, uint32_t pid, mend_err *e)
{
    char target[16];
    snprintf(target, sizeof target, "%u", (unsigned)pid);
    if (sim_fault_denied(m, "proc.kill", target, e))
        return true;
    sim_process *p = sim_process_find(m, pid);
    return p && sim_fault_denied(m, "proc.kill", p->name, e);
}

static int proc_kill(void *ctx, uint32_t pid, mend_err *e)
{
    WRITE_OP_GATED("proc.kill", NULL, sim_fault_denied(m, "proc.kill", NULL, e) || kill_denied(m, pid, e),
                   sim_proc_kill(m, pid, e))
}

static int handles_scan(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("handles.scan", NULL, sim_handles_scan(m, f, out, n, e))
}

static int handles_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("handles.scan", NULL, sim_handles_unseen(m, out, n, e))
}

static int reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    READ_OP("reg.get", path, sim_reg_get(m, path, value, out, e))
}

static int reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                   const unsigned char *data, size_t size, mend_err *e)
{
    WRITE_OP("reg.set", path, sim_reg_set(m, path, value, type, data, size, e))
}

static int reg_create_key(void *ctx, const char *path, mend_err *e)
{
    WRITE_OP("reg.create_key", path, sim_reg_create_key(m, path, e))
}

static int reg_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("reg.keys", path, sim_reg_keys(m, path, out, n, e))
}

static int reg_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("reg.values", path, sim_reg_values(m, path, out, n, e))
}

static int reg_exists(void *ctx, const char *path, bool *found, mend_err *e)
{
    *found = false;
    READ_OP("reg.exists", path, sim_reg_exists(m, path, found, e))
}

static int reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e)
{
    WRITE_OP("reg.delete_key", path, sim_reg_delete_key(m, path, tree, e))
}

static int reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e)
{
    WRITE_OP("reg.delete_value", path, sim_reg_delete_value(m, path, value, e))
}

static int sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e)
{
    WRITE_OP("sys.gpupdate", NULL, sim_sys_gpupdate(m, force, wait_s, e))
}

static int sys_reboot(void *ctx, const char *reason, mend_err *e)
{
    WRITE_OP("sys.reboot", NULL, sim_sys_reboot(m, reason, e))
}

static int sys_sleep(void *ctx, double seconds, mend_err *e)
{
    if (seconds > 0)
        ((sim_host *)ctx)->changed = true;   /* the simulated clock is part of the saved state */
    READ_OP("sys.sleep", NULL, sim_sys_sleep(m, seconds, e))
}

static int sys_is_admin(void *ctx, bool *admin, mend_err *e)
{
    *admin = false;
    READ_OP("sys.is_admin", NULL, sim_sys_is_admin(m, admin, e))
}

static int sys_os_name(void *ctx, char *buf, size_t size, mend_err *e)
{
    if (size)
        buf[0] = '\0';
    READ_OP("sys.os", NULL, sim_sys_os_name(m, buf, size, e))
}

static int sys_resume(void *ctx, const char *exe, const char *args, mend_err *e)
{
    WRITE_OP("sys.resume_after_reboot", NULL, sim_sys_resume_after_reboot(m, exe, args, e))
}

static int sys_resume_clear(void *ctx, bool *found, mend_err *e)
{
    *found = false;
    WRITE_OP("sys.clear_resume", NULL, sim_sys_resume_clear(m, found, e))
}

/* A machine that cannot be loaded has no clock: 0 (late has already ended the run). */
static double sys_now(void *ctx)
{
    sim_machine *m = machine(ctx, NULL);
    return m ? sim_sys_now(m) : 0;
}

/* The simulator counts its boots; the count stands for the boot's time. */
static double sys_boot_time(void *ctx)
{
    sim_machine *m = machine(ctx, NULL);
    return m ? (double)m->boot_count : 0;
}

static int nic_list(void *ctx, mend_nic **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("nic.list", NULL, sim_nic_list(m, out, n, e))
}

static int nic_set(void *ctx, const char *name, bool on, mend_err *e)
{
    WRITE_OP("nic.set_ipsec_offload", name, sim_nic_set_offload(m, name, on, e))
}

static int nic_restart(void *ctx, const char *name, mend_err *e)
{
    WRITE_OP("nic.restart_adapter", name, sim_nic_restart(m, name, e))
}

static int spd_qm_policies(void *ctx, mend_spd_qm_policy **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("spd.qm_policies", NULL, sim_spd_qm_policies(m, out, n, e))
}

static int spd_filters(void *ctx, mend_spd_filter **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("spd.filters", NULL, sim_spd_filters(m, out, n, e))
}

static int spd_sas(void *ctx, mend_spd_sa **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("spd.sas", NULL, sim_spd_sas(m, out, n, e))
}

static int spd_delete_sas(void *ctx, const char *qm_policy, mend_err *e)
{
    WRITE_OP("spd.delete_sas", qm_policy, sim_spd_delete_sas(m, qm_policy, e))
}

static int spd_delete_qm_policy(void *ctx, const char *name, mend_err *e)
{
    WRITE_OP("spd.delete_qm_policy", name, sim_spd_delete_qm_policy(m, name, e))
}

static int spd_delete_filter(void *ctx, const char *name_or_guid, mend_err *e)
{
    WRITE_OP("spd.delete_filter", name_or_guid, sim_spd_delete_filter(m, name_or_guid, e))
}

static int events_recent(void *ctx, double since, mend_event **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    READ_OP("events.recent", NULL, sim_events_recent(m, since, out, n, e))
}

static int commit(void *ctx, mend_err *e)
{
    sim_host *sh = ctx;
    /* A read-only run writes nothing: no rewrite, no fsync, no rename of the state file. */
    if (sh->dry_run || !sh->changed || !sh->m)
        return 0;
    return sim_state_save(sh->m, sh->state_file, e);
}

static void host_close(void *ctx)
{
    sim_host *sh = ctx;
    if (!sh)
        return;
    sim_machine_free(sh->m);
    mend_lock_release(sh->lock);
    free(sh->state_file);
    free(sh);
}

/* The machine stays reachable from here until the process ends: the system takes it back in
 * one go, where freeing it key by key walks every block of a few hundred MiB. */
static sim_machine *g_left_at_exit;

static void host_close_at_exit(void *ctx)
{
    sim_host *sh = ctx;
    if (!sh)
        return;
    mend_lock_release(sh->lock);
    g_left_at_exit = sh->m;
    free(sh->state_file);
    free(sh);
}

static const mend_host_ops sim_ops = {
    .name = "sim",
    .ipsec = { ipsec_list, ipsec_get, ipsec_delete, ipsec_assign, ipsec_create, ipsec_show },
    .svc = { svc_query, svc_start, svc_stop, svc_dependents },
    .proc = { proc_list, proc_kill },
    .handles = { handles_scan, handles_unseen },
    .reg = { reg_get, reg_set, reg_create_key, reg_keys, reg_values, reg_exists, reg_delete_key,
             reg_delete_value },
    .sys = { sys_gpupdate, sys_reboot, sys_sleep, sys_is_admin, sys_os_name, sys_resume, sys_now,
             sys_resume_clear, sys_boot_time },
    .nic = { nic_list, nic_set, nic_restart },
    .spd = { spd_qm_policies, spd_filters, spd_sas, spd_delete_sas, spd_delete_qm_policy, spd_delete_filter },
    .events = { events_recent },
    .commit = commit,
    .close = host_close,
    .close_at_exit = host_close_at_exit,
};

/* ---- paths, seeding and locking (shared with `mend sim`) ---- */

char *sim_default_state_file(const mend_host_config *cfg)
{
    char *dir = cfg && cfg->state_dir ? mend_strdup(cfg->state_dir) : mend_state_dir();
    if (!dir)
        return NULL;
    char *path = mend_path_join(dir, "sim-state.lua");
    free(dir);
    return path;
}

char *sim_demo_scenario(const mend_host_config *cfg, mend_err *e)
{
    char *dir = cfg && cfg->data_dir ? mend_strdup(cfg->data_dir) : mend_data_dir();
    if (!dir) {
        mend_err_set(e, MEND_E_NOT_FOUND, 0,
                     "cannot find mend's bundled scenarios folder (set MEND_DATA_DIR to the folder "
                     "holding scripts/ and scenarios/)");
        return NULL;
    }
    char *sub = mend_path_join(dir, "scenarios");
    char *path = sub ? mend_path_join(sub, "demo.lua") : NULL;
    free(sub);
    free(dir);
    if (!path)
        sim_oom(e);
    return path;
}

mend_lock *sim_lock_state(const char *state_file, mend_err *e)
{
    size_t n = strlen(state_file) + 6;
    char *lockpath = malloc(n);
    if (!lockpath) {
        sim_oom(e);
        return NULL;
    }
    snprintf(lockpath, n, "%s.lock", state_file);
    mend_lock *l = mend_lock_acquire(lockpath, 0, e);
    char holder[256] = "";
    if (!l && e && e->code == MEND_E_IN_USE) {
        /* Say who is in the way before waiting, not after 30 silent seconds. */
        mend_lock_holder(lockpath, holder, sizeof holder);
        fprintf(stderr, "mend: waiting up to %g s for another mend run to finish with %s (%s)\n",
                sim_lock_wait_s, state_file, *holder ? holder : "holder unknown");
        fflush(stderr);
        l = mend_lock_acquire(lockpath, sim_lock_wait_s, e);
    }
    free(lockpath);
    if (!l && e && e->code == MEND_E_IN_USE)
        mend_err_set(e, MEND_E_IN_USE, 0, "another mend run is using %s (%s; waited %g s)", state_file,
                     *holder ? holder : "holder unknown", sim_lock_wait_s);
    return l;
}

/* Writes a scenario's machine to the state file in the saved form: the form the state reader
 * takes without Lua, so even the first run on a fresh state starts without building a Lua table. */
int sim_seed_state(const char *scenario, const char *state_file, mend_err *e)
{
    sim_machine *m;
    if (sim_scenario_load_file(scenario, &m, e) != 0)
        return -1;
    char *text;
    size_t len;
    int rc = sim_state_serialize(m, &text, &len, e);
    sim_machine_free(m);
    if (rc != 0)
        return -1;
    char *dir = mend_dirname(state_file);
    rc = dir ? mend_mkdirs(dir, e) : sim_oom(e);
    free(dir);
    if (rc == 0)
        rc = mend_write_file_atomic(state_file, text, len, e);
    free(text);
    return rc;
}

bool sim_is_mend_state(const char *path)
{
    if (!mend_file_exists(path))
        return true;
    FILE *f = mend_fopen(path, "rb");
    if (!f)
        return false;
    char head[sizeof SIM_STATE_MARK] = "";
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return strcmp(head, SIM_STATE_MARK) == 0;
}

int sim_host_open(mend_host *h, const mend_host_config *cfg, const char *state_file, mend_err *e)
{
    memset(h, 0, sizeof *h);
    sim_host *sh = calloc(1, sizeof *sh);
    if (!sh)
        return sim_oom(e);
    sh->dry_run = cfg && cfg->dry_run;
    /* A state file reached through a link is the file it points at: one lock and one state
     * whichever name a run was given, and saving replaces the target, not the link. */
    char *real = state_file ? mend_realpath(state_file) : NULL;
    sh->state_file = real ? real : state_file ? mend_strdup(state_file) : sim_default_state_file(cfg);
    if (!sh->state_file) {
        free(sh);
        return mend_err_set(e, MEND_E_NOT_FOUND, 0, "cannot find a folder for the simulator's state "
                                                    "(set MEND_STATE_DIR)");
    }
    if (!state_file) {
        char *dir = mend_dirname(sh->state_file);
        int rc = dir ? mend_mkdirs(dir, e) : sim_oom(e);
        free(dir);
        if (rc != 0) {
            host_close(sh);
            return -1;
        }
    }
    if (!(sh->lock = sim_lock_state(sh->state_file, e))) {
        host_close(sh);
        return -1;
    }
    bool seeded = false;
    if (!mend_file_exists(sh->state_file)) {
        if (state_file) {
            mend_err_set(e, MEND_E_NOT_FOUND, 0,
                         "the simulator state %s does not exist (create it with `mend sim init "
                         "[SCENARIO] --host sim:%s`)", state_file, state_file);
            host_close(sh);
            return -1;
        }
        char *demo = sim_demo_scenario(cfg, e);
        int rc = demo ? sim_seed_state(demo, sh->state_file, e) : -1;
        free(demo);
        if (rc != 0) {
            host_close(sh);
            return -1;
        }
        seeded = true;
    }
    if (!state_file && (seeded || !cfg || !cfg->spec) && !(cfg && cfg->quiet))
        fprintf(stderr, "mend: no Windows here; using the simulator (state: %s; `mend sim reset` "
                        "restores the demo)\n", sh->state_file);
    sh->own_state = !state_file;
    sh->late = cfg ? cfg->late : NULL;
    sh->late_ud = cfg ? cfg->late_ud : NULL;
    /* Loading is most of an empty run's cost: put off until an operation needs the machine. */
    if (!sh->late && load_state(sh, e) != 0) {
        host_close(sh);
        return -1;
    }
    h->ops = &sim_ops;
    h->ctx = sh;
    h->what_if = true;
    return 0;
}

/* For `mend sim show` and tests: the machine behind an open simulator host. */
sim_machine *sim_host_machine(const mend_host *h)
{
    mend_err e;
    return h && h->ops == &sim_ops ? machine(h->ctx, &e) : NULL;
}

const char *sim_host_state_file(const mend_host *h)
{
    return h && h->ops == &sim_ops ? ((sim_host *)h->ctx)->state_file : NULL;
}
