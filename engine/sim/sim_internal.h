/* The simulated machine's data model, shared by the engine/sim files (not a public header). */
#ifndef MEND_SIM_INTERNAL_H
#define MEND_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "host.h"
#include "sim.h"
#include "sim_map.h"

/* ---- registry ---- */

/* Sixteen bytes: a store key's ten values sit in three cache lines. The value's name is kept
 * in data's block, after the NUL past the data (sim_regval_name); a size fits 32 bits, as
 * RegSetValueEx's cbData does. */
typedef struct sim_regval {
    unsigned char *data;       /* always one NUL past size, then the name */
    uint32_t size;
    uint32_t type;
} sim_regval;

static inline const char *sim_regval_name(const sim_regval *v)
{
    return (const char *)v->data + v->size + 1;
}

typedef struct sim_regkey {
    char *name;                /* in the key's own block */
    struct sim_regkey *parent;
    size_t slot;               /* index in parent->kids */
    sim_map by_name;           /* folded name -> sim_regkey* */
    struct sim_regkey **kids;
    size_t nkids, capkids;
    sim_regval *vals;
    unsigned char *pack;       /* values written at once: their slots and blocks (sim_reg_put_all) */
    uint32_t nvals, capvals;
} sim_regkey;

enum { SIM_ROOT_HKLM = MEND_REG_HKLM, SIM_ROOT_HKCU = MEND_REG_HKCU, SIM_ROOT_HKCR = MEND_REG_HKCR,
       SIM_ROOT_HKU = MEND_REG_HKU, SIM_ROOT_HKCC = MEND_REG_HKCC, SIM_ROOT_N = MEND_REG_ROOT_N };

/* ---- policies ---- */

/* Hidden blockers kept per policy; `assigned` and holders are read from the machine instead,
 * and stale_memory is "in the table, gone from the store". */
enum {
    SIM_B_GPO_CACHE = 1u,
    SIM_B_DRIVER_STATE = 2u,
    SIM_B_NIC_OFFLOAD = 4u,
    SIM_B_STORE_CORRUPT = 8u,
    /* The SPD (docs/windows-model.md): its quick-mode policy stays pending deletion while SAs
     * reference it (spd_sas), or lingers unreferenced after the agent half-deleted it (spd_qm). */
    SIM_B_SPD_SAS = 16u,
    SIM_B_SPD_QM = 32u,
    /* An orphaned SPD filter still references its quick-mode policy, keeping it pending. */
    SIM_B_ORPHAN_FILTER = 64u
};

#define SIM_GUID_LEN 38        /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */

typedef struct sim_policy {
    char guid[SIM_GUID_LEN + 1];   /* lower case, with braces */
    char *name;
    char *description;
    mend_policy_state state;
    unsigned blockers;
    uint32_t sa_count;
    bool in_store;             /* its key exists under ...\Local */
    bool in_table;             /* the Policy Agent's in-memory table holds it */
    bool delete_accepted;      /* gpo_cache: a delete was accepted, purged by gpupdate /force */
    char *filter_list;         /* a filter list shared by name with other policies, or NULL (its own) */
    char *filter_action;       /* likewise for the filter action (negotiation policy) */
    size_t slot;               /* index in machine->pol */
    char *gpo;                 /* delivered by this GPO, cached under ...\Policy\Cache; NULL: local */
    bool gpo_assigned;         /* the GPO still assigns it (GPTIPSECPolicy names it) */
} sim_policy;

/* ---- services, processes, handles, NICs ---- */

typedef struct sim_service {
    char *name;
    char *display_name;
    mend_svc_state state;
    mend_svc_start start_type;
    uint32_t pid;
    char **depends_on;
    size_t ndeps;
} sim_service;

typedef struct sim_process {
    uint32_t pid;
    uint32_t ppid;
    char *name;
    char *path;
    bool autostart;
    bool alive;                /* killed autostart processes are kept to come back at boot */
    bool critical;             /* marked critical by the scenario (beyond Windows' own set) */
    bool ipsec_client;         /* an IPsec/VPN client: its handle keeps a policy in use */
    bool is_protected;         /* a protected process: the handle scan cannot look inside */
    uint64_t next_handle;
} sim_process;

typedef struct sim_handle {
    uint32_t pid;
    uint64_t value;
    char *type;
    char *name;
    uint32_t access;
} sim_handle;

/* The NDIS *IPsecOffload* keywords, in sim_nic.kw order. */
#define SIM_NIC_NKW 3
extern const char *const sim_nic_keywords[SIM_NIC_NKW];

typedef struct sim_nic {
    char *name;
    char *description;
    bool offload;              /* in effect: what NDIS read from kw when the adapter last started */
    int kw[SIM_NIC_NKW];       /* configured keyword values 0..3; -1 = absent */
} sim_nic;

typedef struct sim_strlist {
    char **v;
    size_t n;
} sim_strlist;

/* ---- the machine ---- */

struct sim_machine {
    sim_regkey *roots[SIM_ROOT_N];

    sim_policy **pol;
    size_t npol, cappol;
    sim_map pol_by_guid;       /* folded guid -> sim_policy* */
    sim_map pol_by_name;       /* exact name -> sim_policy* */
    bool store_dirty;          /* the registry changed under the store: re-read it */
    bool store_raw;            /* a loaded registry section wrote in the IPSec area (sc_reg_key) */
    char dirty_guid[16][SIM_GUID_LEN + 1];   /* or only these policies' keys changed */
    size_t ndirty;
    bool active_known;         /* active_guid holds the ActivePolicy value as last read */
    char active_guid[SIM_GUID_LEN + 1];
    bool name_clash;           /* two store keys share an ipsecName */
    bool graph_built;          /* the policies' ISAKMP, rule, filter objects are all in the registry */
    sim_map graph_done;        /* until then, the derived objects already written (folded key name) */
    uint64_t guid_rng;         /* generator for new policies' GUIDs, kept in the state */

    sim_service **svc;
    size_t nsvc;
    sim_map svc_by_name;

    sim_process **proc;
    size_t nproc;
    sim_map proc_by_pid;       /* decimal pid -> sim_process* */

    sim_handle *hnd;
    size_t nhnd, caphnd;
    sim_map key_holders;       /* folded name of an open Key handle -> sim_pids* of its owners */

    sim_nic *nic;
    size_t nnic;

    sim_map window;            /* name -> double* expiry: recently deleted names */

    /* settings */
    double clock;
    double delete_window;
    bool admin;
    char *os;

    /* runtime */
    uint32_t boot_count;
    uint32_t next_pid;
    char gpupdate_args[48];    /* what the last gpupdate was given, for tests (not saved) */

    /* faults */
    sim_strlist ignore_stop;
    sim_strlist access_denied;
    sim_strlist unkillable;
    long crash_after;          /* 0 = none */

    /* the SPD: derived from the store and the running Policy Agent; this holds only the
     * quick-mode policies deleted since the agent started ("guid|name" of the static policy
     * that plumbed each), not saved: a restart re-plumbs them */
    sim_strlist spd_deleted;
    sim_strlist spd_filters_deleted;   /* plumbed filters deleted until the agent's next start */

    /* the event log: what answered 13023, oldest first; saved, and a reboot keeps it */
    mend_event *events;
    size_t nevents, capevents;

    /* the session of the host that opened this machine (not saved) */
    const char *state_file;    /* where crash_after saves before dying; NULL = never crash */
    unsigned long actions;     /* mutating calls made in this session */
};

/* ---- sim_machine.c ---- */
sim_machine *sim_machine_new(void);
int sim_policy_add(sim_machine *m, sim_policy *p);       /* takes ownership; indexes it */
void sim_policy_remove(sim_machine *m, sim_policy *p);   /* unindexes and frees */
sim_policy *sim_policy_by_name(sim_machine *m, const char *name);
sim_policy *sim_policy_by_guid(const sim_machine *m, const char *guid);
sim_service *sim_service_find(const sim_machine *m, const char *name);
sim_service *sim_service_add(sim_machine *m, const char *name);
sim_process *sim_process_find(const sim_machine *m, uint32_t pid);   /* alive or not */
sim_process *sim_process_add(sim_machine *m, uint32_t pid, const char *name);
void sim_process_remove(sim_machine *m, sim_process *p);  /* and its handles */
sim_handle *sim_handle_add(sim_machine *m, sim_process *p, const char *type, const char *name,
                           uint32_t access);
void sim_handle_remove_at(sim_machine *m, size_t i);
/* Gives handle i a new owner pid (a reboot renumbers processes), keeping the index in step. */
int sim_handle_set_pid(sim_machine *m, size_t i, uint32_t pid);
/* The pids owning open Key handles named name (case-insensitive), so "is this key held" costs
 * one lookup, not a walk of every handle. */
typedef struct sim_pids {
    size_t n, cap;
    uint32_t *pid;
} sim_pids;
const sim_pids *sim_key_holders(const sim_machine *m, const char *name);
sim_nic *sim_nic_find(const sim_machine *m, const char *name);
uint32_t sim_alloc_pid(sim_machine *m);
/* Whether p is one of Windows' critical processes (built-in set or scenario-marked). */
bool sim_process_is_critical(const sim_process *p);
/* Whether a key handle held by p keeps a policy in use: only a running IPsec/VPN client's
 * (the article's case); Windows deletes a key while other handles are open. */
bool sim_holder_blocks(const sim_process *p);
/* The default of ipsec_client for an image name: the VPN clients the simulator knows. */
bool sim_is_ipsec_client_name(const char *name);
bool sim_strlist_has(const sim_strlist *l, const char *s);   /* case-insensitive */
int sim_strlist_push(sim_strlist *l, const char *s);
void sim_strlist_free(sim_strlist *l);
int sim_oom(mend_err *e);

/* ---- sim_registry.c ---- */
/* Splits a path into its root and the rest; -1 on an unknown root. */
int sim_reg_root(const char *path, const char **rest);
/* Windows' limits: key names up to 255 characters, at most 512 levels. */
bool sim_reg_path_ok(const char *path);
sim_regkey *sim_reg_find(const sim_machine *m, const char *path);
sim_regkey *sim_reg_create(sim_machine *m, const char *path);       /* mkdir -p; NULL on oom/bad root */
sim_regkey *sim_reg_child(const sim_regkey *k, const char *name);
sim_regkey *sim_reg_add_child(sim_regkey *k, const char *name);
void sim_reg_unlink(sim_regkey *k);                                 /* removes from parent, frees subtree */
void sim_reg_free_tree(sim_regkey *k);
sim_regval *sim_reg_value(const sim_regkey *k, const char *name);
/* Cuts v's data to its first size bytes in place (its name kept). */
void sim_reg_shrink_value(sim_regval *v, size_t size);
/* One value to write with sim_reg_put_all. */
typedef struct sim_regput {
    const char *name;
    uint32_t type;
    const void *data;
    size_t size;
} sim_regput;
/* Writes n values (distinct names); to a key without values, all in one block with their slots. */
int sim_reg_put_all(sim_regkey *k, const sim_regput *v, size_t n);
int sim_reg_put(sim_regkey *k, const char *name, uint32_t type, const void *data, size_t size);
int sim_reg_put_sz(sim_regkey *k, const char *name, const char *s);
int sim_reg_put_dword(sim_regkey *k, const char *name, uint32_t v);
void sim_reg_remove_value(sim_regkey *k, const char *name);
/* Children / values sorted case-insensitively (malloc'd array of borrowed pointers). */
sim_regkey **sim_reg_sorted_kids(const sim_regkey *k);
sim_regval **sim_reg_sorted_vals(const sim_regkey *k);
/* Full path of a key ("HKLM\\SOFTWARE\\..."), malloc'd. */
char *sim_reg_path(const sim_regkey *k);
void sim_reg_default_tree(sim_machine *m);

int sim_reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e);
int sim_reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                const unsigned char *data, size_t size, mend_err *e);
int sim_reg_create_key(void *ctx, const char *path, mend_err *e);
int sim_reg_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e);
int sim_reg_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e);
int sim_reg_exists(void *ctx, const char *path, bool *found, mend_err *e);
int sim_reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e);
int sim_reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e);

/* ---- sim_store.c: the policy store in the registry and the Policy Agent's table ---- */
/* A clock as the store's 32-bit whenChanged: before 1970 or past 2106 (a scenario may set such a
 * clock) it is clamped, not converted out of range (undefined in C). */
static inline uint32_t sim_time32(double t)
{
    return !(t > 0) ? 0 : t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t;
}
#define SIM_STORE_SUBPATH "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
#define SIM_CACHE_SUBPATH "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache"
#define SIM_NT_STORE_ROOT "\\REGISTRY\\MACHINE\\" SIM_STORE_SUBPATH
void sim_guid_from_name(const char *name, unsigned salt, char out[SIM_GUID_LEN + 1]);
bool sim_guid_valid(const char *s);
void sim_guid_lower(char *g);
char *sim_policy_key_path(const sim_policy *p);     /* HKLM\...\ipsecPolicy{guid} */
char *sim_policy_nt_name(const sim_policy *p);      /* \REGISTRY\MACHINE\...\ipsecPolicy{guid} */
sim_regkey *sim_store_local(const sim_machine *m);
sim_regkey *sim_store_cache(const sim_machine *m);
sim_regkey *sim_store_key(const sim_machine *m, const sim_policy *p);
/* Writes the values Windows keeps for a policy into its (new) key. */
int sim_store_write_policy(sim_machine *m, const sim_policy *p, double when);
/* Marks the store changed when a registry path touches it. */
void sim_store_touch(sim_machine *m, const char *path);
/* Re-reads the store into the policy records when the registry changed under it. */
void sim_store_sync(sim_machine *m);
/* The guid ActivePolicy points at (lower case), or "" if none. */
void sim_store_active_guid(const sim_machine *m, char out[SIM_GUID_LEN + 1]);
bool sim_policy_assigned(const sim_machine *m, const sim_policy *p);
int sim_store_set_active(sim_machine *m, const sim_policy *p);    /* NULL clears */
bool sim_agent_alive(const sim_machine *m);
void sim_agent_started(sim_machine *m);
void sim_agent_stopped(sim_machine *m);
/* Removes a policy for good: key, table entry, record. */
void sim_policy_purge(sim_machine *m, sim_policy *p, bool window);
bool sim_in_window(sim_machine *m, const char *name);
int sim_window_add(sim_machine *m, const char *name, double ends);
bool sim_policy_held(const sim_machine *m, const sim_policy *p);
/* True when path is the store's key, one of its ancestors or below it. */
bool sim_store_related(const char *path);
/* True when path is in (or above) the IPSec policy area: the store, its GPO cache and GPT key. */
bool sim_store_area_related(const char *path);

/* ---- sim_store_graph.c: the objects around each policy, derived on first use ---- */
#define SIM_GUID_SEED 0x6d656e64u  /* the generator's start when a scenario gives none */
/* Writes the objects of src's stored policies (ISAKMP, rule, filter action, filter list) into dst:
 * all of them when src's graph is built, else those src has written (what a saved state diffs). */
int sim_store_graph_derive(sim_machine *dst, const sim_machine *src, double when);
/* Derives them into m once; the registry operations call it through sim_store_graph_need. */
int sim_store_graph_build(sim_machine *m);
/* Writes what a registry operation on path would see: the object it names, a policy's objects
 * before its key changes (listing: keys or delete), or everything before ...\Local is listed. */
enum { SIM_GRAPH_READ, SIM_GRAPH_WRITE, SIM_GRAPH_LIST };
void sim_store_graph_need(sim_machine *m, const char *path, int how);
/* A deleted policy: its ISAKMP object and rule go, its filter action and list lose the rule. */
void sim_store_graph_purge(sim_machine *m, const sim_policy *p);
/* A policy key that came in through the registry: its objects are what the registry holds, so
 * none is implied from it. */
void sim_store_graph_adopt(sim_machine *m, const sim_policy *p);
/* A created policy's objects, when the graph is built. */
int sim_store_graph_add(sim_machine *m, const sim_policy *p);
/* "SOFTWARE\...\Local\ipsecISAKMPPolicy{...}", as the policy key refers to it. */
const char *sim_store_graph_isakmp_ref(const sim_policy *p, char *out, size_t size);
const char *sim_store_graph_nfa_ref(const sim_policy *p, char *out, size_t size);
void sim_store_graph_ref(const sim_policy *p, int kind, char *out, size_t size);
/* A new random GUID from the machine's generator (lower case, braces). */
void sim_guid_next(sim_machine *m, char out[SIM_GUID_LEN + 1]);

/* ---- operations (one file per area) ---- */
int sim_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e);
int sim_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e);
int sim_ipsec_delete(void *ctx, const char *name, mend_err *e);
int sim_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e);
int sim_ipsec_create(void *ctx, const char *name, const char *description, mend_err *e);
/* sim_netsh_show.c: netsh's static or dynamic `show all` text, rendered from the model. */
int sim_ipsec_show(sim_machine *m, bool dynamic, char **text, mend_err *e);

int sim_svc_query(void *ctx, const char *name, mend_service *out, mend_err *e);
int sim_svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
int sim_svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
int sim_svc_dependents(void *ctx, const char *name, bool active_only, char ***out, size_t *n, mend_err *e);
int sim_svc_start_rec(sim_machine *m, sim_service *s, mend_err *e);
void sim_services_defaults(sim_machine *m);

int sim_proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e);
int sim_proc_kill(void *ctx, uint32_t pid, mend_err *e);

int sim_handles_scan(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e);
int sim_handles_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e);

int sim_sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e);
int sim_sys_reboot(void *ctx, const char *reason, mend_err *e);
int sim_sys_sleep(void *ctx, double seconds, mend_err *e);
int sim_sys_is_admin(void *ctx, bool *admin, mend_err *e);
int sim_sys_os_name(void *ctx, char *buf, size_t size, mend_err *e);
int sim_sys_resume_after_reboot(void *ctx, const char *exe, const char *args, mend_err *e);
int sim_sys_resume_clear(void *ctx, bool *found, mend_err *e);
double sim_sys_now(void *ctx);
#define SIM_RUNONCE_PATH "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"
/* The resume task, kept where Task Scheduler caches a task's registration (readable values). */
#define SIM_TASK_PATH "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\mend\\resume"

int sim_nic_list(void *ctx, mend_nic **out, size_t *n, mend_err *e);
int sim_nic_set_offload(void *ctx, const char *name, bool on, mend_err *e);
int sim_nic_restart(void *ctx, const char *name, mend_err *e);
bool sim_any_nic_offloads(const sim_machine *m);          /* in effect, not just configured */
bool sim_nic_configured_on(const sim_nic *nic);
void sim_nic_set_all(sim_nic *nic, int value);             /* every keyword present with value */
void sim_nics_boot(sim_machine *m);                        /* every adapter starts: keywords take effect */
/* Where mend keeps the values a "turn off" replaced (as on Windows, under its own key). */
#define SIM_NIC_RECORD_ROOT "HKLM\\SOFTWARE\\mend\\NicOffload"

/* ---- sim_spd.c: the SPD the Policy Agent plumbs from the store ---- */
int sim_spd_qm_policies(sim_machine *m, mend_spd_qm_policy **out, size_t *n, mend_err *e);
int sim_spd_filters(sim_machine *m, mend_spd_filter **out, size_t *n, mend_err *e);
int sim_spd_sas(sim_machine *m, mend_spd_sa **out, size_t *n, mend_err *e);
int sim_spd_delete_sas(sim_machine *m, const char *qm_policy, mend_err *e);
int sim_spd_delete_qm_policy(sim_machine *m, const char *name, mend_err *e);
int sim_spd_delete_filter(sim_machine *m, const char *name_or_guid, mend_err *e);
/* The agent starts or stops: the SPD is rebuilt from the store (deletes forgotten), and the
 * SAs of what it no longer plumbs go with it. */
void sim_spd_agent_started(sim_machine *m);
void sim_spd_agent_stopped(sim_machine *m);

/* ---- sim_events.c: the event log ---- */
/* Records an event when e carries 13023 (any other error is not logged); whether it did. */
bool sim_events_record(sim_machine *m, const char *op, const char *policy, const mend_err *e);
int sim_events_recent(sim_machine *m, double since, mend_event **out, size_t *n, mend_err *e);
void sim_events_free(sim_machine *m);
/* Appends ev (its strings taken, freed on failure), the oldest dropped when the log is full. */
int sim_events_add(sim_machine *m, mend_event *ev);

/* ---- sim_faults.c ---- */
/* access_denied = { "op", "op:target" }: fills *e and returns true when op on target is denied. */
bool sim_fault_denied(const sim_machine *m, const char *op, const char *target, mend_err *e);
bool sim_fault_ignores_stop(const sim_machine *m, const char *service);
bool sim_fault_unkillable(const sim_machine *m, const sim_process *p);
/* Counts one mutating call; on the crash_after-th saves the state and dies with _exit(137). */
void sim_fault_after_action(sim_machine *m);
bool sim_fault_op_known(const char *op);

/* ---- sim_save.c ---- */
/* Appends Lua-quoted s (bytes intact) to a growing buffer. */
void sim_buf_quote(mend_buf *b, const char *s, size_t n);
void sim_events_save(mend_buf *b, const sim_machine *m);
int sim_state_save(const sim_machine *m, const char *path, mend_err *e);

/* ---- sim_host.c ---- */
struct mend_lock;
extern double sim_lock_wait_s;   /* how long a run waits for another one's lock (30 s; tests shorten it) */
char *sim_demo_scenario(const mend_host_config *cfg, mend_err *e);
struct mend_lock *sim_lock_state(const char *state_file, mend_err *e);
int sim_seed_state(const char *scenario, const char *state_file, mend_err *e);
/* The first line of every state file mend writes (saved or seeded): what `mend sim reset` and
 * `init` may overwrite without --force. */
#define SIM_STATE_MARK "-- mend simulator state"
/* The whole first line of a state mend saves: its format's version is what lets the state reader
 * (sim_state_read.c) take the file without Lua; any other first line is read by Lua. Change the
 * number when the saved form changes in a way the reader does not follow. */
#define SIM_STATE_HEADER SIM_STATE_MARK ": a scenario (see docs/scenarios.md), written by mend (state format 2).\n"
/* Does path hold a state mend wrote (or nothing at all)? */
bool sim_is_mend_state(const char *path);
sim_machine *sim_host_machine(const mend_host *h);
const char *sim_host_state_file(const mend_host *h);

/* ---- sim_show.c ---- */
void sim_show(const sim_machine *m, const char *state_file, FILE *out);

#endif
