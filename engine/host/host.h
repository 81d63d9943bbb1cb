/* The one door to the machine: the interface every backend (sim, win32) implements. */
#ifndef MEND_HOST_H
#define MEND_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ascii.h"
#include "mend_err.h"

/* ---- values that cross the interface (UTF-8 strings, heap-owned by the list) ---- */

typedef enum mend_policy_state {
    MEND_POLICY_ACTIVE = 0,
    MEND_POLICY_PENDING_DELETION = 1,
    /* The backend cannot tell from what it reads (win32's static store holds no such mark);
     * state_reason says why. An SPD read (winipsec) is where a real answer would come from. */
    MEND_POLICY_UNKNOWN = 2
} mend_policy_state;

typedef struct mend_policy {
    char *name;
    char *guid;        /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
    char *description;
    char *store_key;   /* HKLM\SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local\ipsecPolicy{GUID} */
    mend_policy_state state;
    bool assigned;
    uint32_t sa_count;
    char *state_reason; /* why state is MEND_POLICY_UNKNOWN (NULL otherwise) */
    char *gpo;          /* delivered by Group Policy: the GPO's name, else the directory path; NULL when local */
    bool gpo_assigned;  /* GPTIPSECPolicy still names it (false: a stale cache one refresh clears) */
} mend_policy;

/* Same numbers as SERVICE_STOPPED .. SERVICE_PAUSED. */
typedef enum mend_svc_state {
    MEND_SVC_STOPPED = 1,
    MEND_SVC_START_PENDING = 2,
    MEND_SVC_STOP_PENDING = 3,
    MEND_SVC_RUNNING = 4,
    MEND_SVC_CONTINUE_PENDING = 5,
    MEND_SVC_PAUSE_PENDING = 6,
    MEND_SVC_PAUSED = 7
} mend_svc_state;

/* Same numbers as SERVICE_BOOT_START .. SERVICE_DISABLED. */
typedef enum mend_svc_start {
    MEND_START_BOOT = 0,
    MEND_START_SYSTEM = 1,
    MEND_START_AUTO = 2,
    MEND_START_DEMAND = 3,
    MEND_START_DISABLED = 4
} mend_svc_start;

typedef struct mend_service {
    char *name;
    char *display_name;
    mend_svc_state state;
    mend_svc_start start_type;
    uint32_t pid;              /* 0 when not running */
    char **depends_on;         /* the services it depends on (groups left out) */
    size_t ndeps;
} mend_service;

typedef struct mend_process {
    uint32_t pid;
    uint32_t ppid;
    char *name;                /* image name, e.g. "lsass.exe" */
    char *path;                /* full image path, may be empty */
    bool critical;             /* one of Windows' critical processes: never stopped */
} mend_process;

/* A process the last handle scan could not look inside (OpenProcess(PROCESS_DUP_HANDLE)
 * refused, e.g. a protected process): a holder may hide there. */
typedef struct mend_unseen {
    uint32_t pid;
    char *process;             /* image name */
    char *error;               /* Windows' text and number, e.g. "Access is denied. (0x5)" */
} mend_unseen;

typedef struct mend_handle {
    uint32_t pid;
    char *process;             /* image name of the owner */
    uint64_t handle;           /* handle value in the owner */
    char *type;                /* "Key", "File", ... */
    char *name;                /* NT object name, e.g. \REGISTRY\MACHINE\SOFTWARE\... ; may be empty */
    uint32_t access;           /* granted access mask */
} mend_handle;

/* All filters optional: has_pid=false / NULL means "any". Strings match case-insensitively;
 * process and type must be equal, name is a substring match. */
typedef struct mend_handle_filter {
    bool has_pid;
    uint32_t pid;
    const char *process;
    const char *type;
    const char *name;
} mend_handle_filter;

/* Registry value types: same numbers as REG_NONE .. REG_QWORD. */
enum {
    MEND_REG_NONE = 0, MEND_REG_SZ = 1, MEND_REG_EXPAND_SZ = 2, MEND_REG_BINARY = 3,
    MEND_REG_DWORD = 4, MEND_REG_DWORD_BIG_ENDIAN = 5, MEND_REG_LINK = 6, MEND_REG_MULTI_SZ = 7,
    MEND_REG_RESOURCE_LIST = 8, MEND_REG_FULL_RESOURCE_DESCRIPTOR = 9,
    MEND_REG_RESOURCE_REQUIREMENTS_LIST = 10, MEND_REG_QWORD = 11
};

/* Data encoding across the interface:
 *  SZ, EXPAND_SZ, LINK: UTF-8 bytes, no terminator (size = byte length);
 *  MULTI_SZ: each UTF-8 string followed by one NUL, no extra final NUL (empty list: size 0);
 *  everything else: the raw bytes Windows stores (DWORD/QWORD little-endian).
 *  data is always allocated with one extra NUL byte past size so strings can be used as C strings. */
typedef struct mend_regval {
    char *name;                /* "" is the default value */
    uint32_t type;
    unsigned char *data;
    size_t size;
} mend_regval;

typedef struct mend_nic {
    char *name;
    char *description;
    bool ipsec_offload;
} mend_nic;

/* ---- the SPD (Security Policy Database) the Policy Agent plumbs, where 0x32DF lives ---- */

typedef struct mend_spd_qm_policy {
    char *name;
    char *guid;
    uint32_t flags;            /* IPSEC_QM_POLICY.dwFlags */
    int pending_deletion;      /* 1 / 0; -1 where the host does not say */
    uint32_t refs;             /* filters and SAs that reference it */
} mend_spd_qm_policy;

typedef struct mend_spd_filter {
    char *name;
    char *guid;
    bool tunnel;               /* a tunnel filter; else a transport filter */
    char *qm_policy;           /* the quick-mode policy it references, by name */
} mend_spd_filter;

typedef struct mend_spd_sa {
    uint64_t id;
    char *qm_policy;
} mend_spd_sa;

/* An event-log record of an IPsec failure that carries 13023 (0x32DF) and names a policy. */
typedef struct mend_event {
    double time;               /* seconds since the Unix epoch, on the host's clock */
    uint32_t id;               /* the event id (win32: the System/EventID of the record) */
    char *source;              /* the provider that wrote it */
    uint32_t code;             /* the Windows error it carries: 13023 */
    char *policy;              /* the policy (or quick-mode policy) it names */
    char *message;
} mend_event;

/* ---- the operations, grouped per area ----
 * Every operation returns 0 on success, -1 on failure with *e filled (mend_err_set).
 * Lists are returned as malloc'd arrays freed with the matching mend_*_free_list below.
 * Paths are registry paths with a short root: HKLM\..., HKCU\..., HKCR\..., HKU\..., HKCC\...
 * (the binding normalises long root names before calling). */
typedef struct mend_host_ops {
    const char *name;          /* "sim" or "local": the report's "host" field */

    struct {
        int (*list)(void *ctx, mend_policy **out, size_t *n, mend_err *e);
        int (*get)(void *ctx, const char *name, mend_policy *out, mend_err *e);
        int (*delete_)(void *ctx, const char *name, mend_err *e);
        int (*assign)(void *ctx, const char *name, bool on, mend_err *e);
        int (*create)(void *ctx, const char *name, const char *description, mend_err *e);
        /* Read-only: the text of `netsh ipsec static show all` (dynamic=false) or `netsh ipsec
         * dynamic show all`, once per call (*text malloc'd, UTF-8). The simulator renders its
         * model in that shape. */
        int (*show)(void *ctx, bool dynamic, char **text, mend_err *e);
    } ipsec;

    struct {
        int (*query)(void *ctx, const char *name, mend_service *out, mend_err *e);
        /* Waits up to timeout_ms for RUNNING, starting stopped dependencies first. */
        int (*start)(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
        /* Stops running dependents first, then the service; waits up to timeout_ms
         * (MEND_E_TIMEOUT when it does not reach STOPPED in time). */
        int (*stop)(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
        /* The services that depend on name, directly or through others, in the order to stop
         * them (a dependent's own dependents first), as EnumDependentServices gives them; only
         * the active ones (not stopped) when active_only. Read-only. */
        int (*dependents)(void *ctx, const char *name, bool active_only, char ***out, size_t *n,
                          mend_err *e);
    } svc;

    struct {
        int (*list)(void *ctx, mend_process **out, size_t *n, mend_err *e);
        /* The backend does not know about protected processes: the binding refuses those. */
        int (*kill)(void *ctx, uint32_t pid, mend_err *e);
    } proc;

    struct {
        int (*scan)(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e);
        /* Optional (NULL = the scan sees every process): the processes the last scan could
         * not look inside, sorted by pid. */
        int (*unseen)(void *ctx, mend_unseen **out, size_t *n, mend_err *e);
    } handles;

    struct {
        int (*get)(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e);
        /* Creates the key (and missing parents) if needed. */
        int (*set)(void *ctx, const char *path, const char *value, uint32_t type,
                   const unsigned char *data, size_t size, mend_err *e);
        int (*create_key)(void *ctx, const char *path, mend_err *e);
        int (*keys)(void *ctx, const char *path, char ***out, size_t *n, mend_err *e);
        int (*values)(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e);
        /* exists: 0 with *found set; -1 only on a real error (e.g. access denied). */
        int (*exists)(void *ctx, const char *path, bool *found, mend_err *e);
        /* With tree=false a key that has subkeys is refused with MEND_E_INVALID. */
        int (*delete_key)(void *ctx, const char *path, bool tree, mend_err *e);
        int (*delete_value)(void *ctx, const char *path, const char *value, mend_err *e);
    } reg;

    struct {
        /* Computer policy only: gpupdate /target:computer [/force] /wait:wait_s (see
         * mend_gpupdate_args); the process itself is waited for a little longer. */
        int (*gpupdate)(void *ctx, bool force, unsigned wait_s, mend_err *e);
        /* On win32 this initiates a shutdown and returns; on the simulator the reboot
         * happens at once (rules applied, clock advanced). */
        int (*reboot)(void *ctx, const char *reason, mend_err *e);
        int (*sleep)(void *ctx, double seconds, mend_err *e);
        int (*is_admin)(void *ctx, bool *admin, mend_err *e);
        int (*os_name)(void *ctx, char *buf, size_t size, mend_err *e);
        /* Registers exe with args (UTF-8, args already quoted) to run at the next boot
         * without a logon, as SYSTEM (win32: the scheduled task \mend\resume), replacing
         * an earlier registration. */
        int (*resume_after_reboot)(void *ctx, const char *exe, const char *args, mend_err *e);
        /* Seconds since the Unix epoch on this host's clock (the simulator's is virtual). */
        double (*now)(void *ctx);
        /* Removes what resume_after_reboot registered (the resumed run does it at its start);
         * *found says whether there was one. */
        int (*resume_clear)(void *ctx, bool *found, mend_err *e);
        /* When this boot began, in seconds since the Unix epoch (the simulator: its boot
         * count): --resume tells from it whether a reboot happened since a run asked for one. */
        double (*boot_time)(void *ctx);
    } sys;

    struct {
        int (*list)(void *ctx, mend_nic **out, size_t *n, mend_err *e);
        /* Writes the *IPsecOffload* keywords (off keeps what it replaced; on restores it). */
        int (*set_ipsec_offload)(void *ctx, const char *name, bool on, mend_err *e);
        /* Stops and starts the adapter (its link drops) so NDIS reads the keywords again. */
        int (*restart)(void *ctx, const char *name, mend_err *e);
    } nic;

    struct {
        int (*qm_policies)(void *ctx, mend_spd_qm_policy **out, size_t *n, mend_err *e);
        int (*filters)(void *ctx, mend_spd_filter **out, size_t *n, mend_err *e);
        int (*sas)(void *ctx, mend_spd_sa **out, size_t *n, mend_err *e);
        /* Deletes the quick-mode SAs that reference the named QM policy (DeleteQMSAs). */
        int (*delete_sas)(void *ctx, const char *qm_policy, mend_err *e);
        /* DeleteQMPolicy: one still referenced stays, pending deletion (13023). */
        int (*delete_qm_policy)(void *ctx, const char *name, mend_err *e);
        /* Deletes one transport or tunnel filter, named by its GUID or its name
         * (Delete{Transport,Tunnel}Filter through its handle). */
        int (*delete_filter)(void *ctx, const char *name_or_guid, mend_err *e);
    } spd;

    struct {
        /* The events since `since` (host clock, seconds since the epoch) that carry 13023 and
         * name a policy, newest first. Read-only. */
        int (*recent)(void *ctx, double since, mend_event **out, size_t *n, mend_err *e);
    } events;

    /* Persists the machine's state at the end of a run (the simulator saves its state file;
     * win32 has nothing to do). Not called in dry-run. */
    int (*commit)(void *ctx, mend_err *e);
    void (*close)(void *ctx);
    /* close, when the process ends right after: releases what outlives the process (locks)
     * and may leave memory to the system. NULL: close. */
    void (*close_at_exit)(void *ctx);
} mend_host_ops;

typedef struct mend_host {
    const mend_host_ops *ops;
    void *ctx;
    /* true when dry-run can run every action for real against a throwaway copy (the
     * simulator); false when dry-run must skip mutating calls (win32). */
    bool what_if;
} mend_host;

typedef struct mend_host_config {
    const char *spec;          /* "local", "sim", "sim:FILE"; NULL = platform default */
    bool dry_run;
    const char *state_dir;     /* where the default sim state, backups and journal live */
    const char *data_dir;      /* bundled scripts/ and scenarios/ */
    const char *netsh_path;    /* win32: override for tests (NULL = %SystemRoot%\System32\netsh.exe) */
    bool quiet;                /* suppress the "using the simulator" notice */
    /* Set: the backend may put off the costly part of opening (the simulator's load of its
     * state) until an operation first needs the machine, and tells late about it, before
     * (done false) and after (done true; e says why it failed, and every operation then fails
     * with it; NULL when it worked). NULL: everything happens in open, as before. */
    void (*late)(void *ud, bool done, const mend_err *e);
    void *late_ud;
} mend_host_config;

/* Closes a host opened by mend_host_open (engine/run/host_open.h); a closed host twice is fine. */
void mend_host_close(mend_host *h);
/* The same when the process ends right after: a simulated machine of 100,000 policies is left
 * to the system instead of freed key by key (a twentieth of such a run), unless a leak checker
 * watches. */
void mend_host_close_at_exit(mend_host *h);

/* ---- list ownership ---- */
void mend_policy_clear(mend_policy *p);
void mend_policy_free_list(mend_policy *a, size_t n);
void mend_service_clear(mend_service *s);
void mend_process_free_list(mend_process *a, size_t n);
void mend_handle_free_list(mend_handle *a, size_t n);
void mend_unseen_free_list(mend_unseen *a, size_t n);
void mend_regval_clear(mend_regval *v);
void mend_regval_free_list(mend_regval *a, size_t n);
void mend_string_free_list(char **a, size_t n);
void mend_nic_free_list(mend_nic *a, size_t n);
void mend_spd_qm_policy_free_list(mend_spd_qm_policy *a, size_t n);
void mend_spd_filter_free_list(mend_spd_filter *a, size_t n);
void mend_spd_sa_free_list(mend_spd_sa *a, size_t n);
void mend_event_free_list(mend_event *a, size_t n);

/* Helpers backends share. */
char *mend_strdup(const char *s);                 /* NULL-safe: NULL -> "" */
const char *mend_policy_state_name(mend_policy_state s);
const char *mend_svc_state_name(mend_svc_state s);
const char *mend_svc_start_name(mend_svc_start s);
const char *mend_reg_type_name(uint32_t type);    /* "REG_SZ", ...; NULL if unknown */

/* The registry roots (engine/host/reg_root.c, the one table of their names). */
enum { MEND_REG_HKLM, MEND_REG_HKCU, MEND_REG_HKCR, MEND_REG_HKU, MEND_REG_HKCC, MEND_REG_ROOT_N };
/* The root whose long or short name, in any case, starts s (len bytes) as a whole word (the end,
 * or a character that cannot continue a name: '\\', '/', ':'); its length in *namelen. -1 if none. */
int mend_reg_root_at(const char *s, size_t len, size_t *namelen);
const char *mend_reg_root_long(int root);         /* "HKEY_LOCAL_MACHINE", ... */
const char *mend_reg_root_short(int root);        /* "HKLM", ... */
int mend_reg_type_from_name(const char *name);    /* -1 if unknown */
/* Windows' critical processes by pid (0, 4) or image name, any letter case: both backends
 * mark them critical and proc.kill refuses them. */
bool mend_process_is_critical_name(uint32_t pid, const char *name);
/* The refusal both backends give for changing a GPO-delivered policy locally (not_permitted). */
int mend_policy_gpo_refused(mend_err *e, const char *name, const char *gpo);

/* gpupdate's arguments, the same on every host and in the report: "/target:computer /force /wait:570". */
static inline void mend_gpupdate_args(bool force, unsigned wait_s, char *buf, size_t size)
{
    snprintf(buf, size, "/target:computer%s /wait:%u", force ? " /force" : "", wait_s);
}

/* Where the resume after a reboot is registered (win32: a Task Scheduler folder and task). */
#define MEND_RESUME_TASK "\\mend\\resume"

#define MEND_IPSEC_STORE_ROOT "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
/* Group Policy's copy of the directory policy, and the value naming the one a GPO assigns. */
#define MEND_IPSEC_GPO_CACHE "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache"
#define MEND_IPSEC_GPT_KEY "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\GPTIPSECPolicy"

#endif
