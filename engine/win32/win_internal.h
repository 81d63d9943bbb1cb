/* What the win32 backend's files share: the context, text conversion, errors, registry paths, child processes. */
#ifndef MEND_WIN_INTERNAL_H
#define MEND_WIN_INTERNAL_H

#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"

typedef struct win_store win_store;
struct win_spd;

typedef struct win_ctx {
    wchar_t *netsh;            /* full path of netsh.exe (a test stand-in only in seam builds) */
    unsigned long gen;         /* bumped before every change mend makes through the host */
    win_store *snap;           /* the policy store as last read; valid while snap_gen == gen */
    unsigned long snap_gen;
    unsigned long store_reads; /* how often the store was read (tests count them) */
    struct win_spd *spd;       /* winipsec.dll and the SPD as last read (win_spd*.c) */
    unsigned long spd_reads;   /* how often the SPD was enumerated (tests count them) */
} win_ctx;

/* A change is about to be made: the store snapshot is no longer trusted. */
void win_ctx_changed(win_ctx *c);

/* ---- win_text.c: UTF-8 <-> UTF-16 ---- */
/* malloc'd UTF-16 copy of a UTF-8 string; NULL on invalid UTF-8 (e set, MEND_E_INVALID) or OOM. */
wchar_t *win_wide(const char *s, mend_err *e);
/* The same for len bytes that may hold NULs (*nunits excludes the added terminator). */
wchar_t *win_wide_n(const char *s, size_t len, size_t *nunits, mend_err *e);
/* malloc'd UTF-8 copy of n UTF-16 units (n < 0: NUL-terminated); NULL only when out of memory. */
char *win_utf8(const wchar_t *w, int n);
/* Case-insensitive comparisons as the registry and object manager do them. */
bool win_ieq(const wchar_t *a, const wchar_t *b);
bool win_icontains(const wchar_t *hay, const wchar_t *needle);

/* ---- win_errors.c ---- */
/* Fills e with Windows' text for code (FormatMessageW), the stable code and " (0xNN)".
 * With fmt the message is "<fmt...>: <text>". Returns -1. */
int win_err(mend_err *e, DWORD code, const char *fmt, ...) MEND_PRINTF(3, 4);
int win_err_oom(mend_err *e);

/* ---- win_registry.c ---- */
/* Splits "HKLM\Sub\Key" into a predefined root and a malloc'd UTF-16 subkey ("" for the root). */
int win_reg_split(const char *path, HKEY *root, wchar_t **sub, mend_err *e);
/* Closes the key kept open between values() and keys() (see win_registry.c). */
void win_reg_drop_listed(void);
/* Reads a REG_SZ / REG_EXPAND_SZ value as malloc'd UTF-16; NULL when absent or another type. */
wchar_t *win_reg_read_sz(HKEY key, const wchar_t *value);

/* ---- win_child.c: run a console program, capture its output ---- */
typedef struct win_child_result {
    DWORD exit_code;
    char *output;              /* stdout and stderr interleaved, UTF-8, malloc'd */
} win_child_result;

/* Runs exe with the already-quoted argument string args (appended after the quoted exe path),
 * waits up to timeout_ms (then kills it: MEND_E_TIMEOUT). */
int win_child_run(const wchar_t *exe, const wchar_t *args, DWORD timeout_ms,
                  win_child_result *r, mend_err *e);
void win_child_result_clear(win_child_result *r);
/* Appends one argument to a command line with CommandLineToArgvW-compatible quoting. */
int win_cmdline_append(wchar_t **cmd, size_t *len, size_t *cap, const wchar_t *arg, mend_err *e);
/* %SystemRoot%\System32\<exe> (malloc'd). */
wchar_t *win_system32_path(const wchar_t *exe);
/* The program mend runs as exe ("netsh.exe", "gpupdate.exe"): System32's, or in a test-seam
 * build a stand-in named by the environment. malloc'd; NULL when out of memory. */
wchar_t *win_tool_path(const wchar_t *exe);
/* A system DLL loaded from System32 only (LOAD_LIBRARY_SEARCH_SYSTEM32), never from the
 * executable's folder or PATH. NULL when it cannot be loaded. */
HMODULE win_system_dll(const wchar_t *dll);

/* ---- win_seams_on.c / win_seams_off.c: test seams, linked into test builds only ---- */
/* The stand-in for exe named by the environment (MEND_NETSH, MEND_GPUPDATE), malloc'd, or NULL.
 * The release build links win_seams_off.c, where this is always NULL. */
wchar_t *win_seam_tool(const wchar_t *exe);
extern const bool win_seams_enabled;

/* ---- win_store_read.c: the policy store, read from the registry ---- */
typedef struct win_store_policy {
    wchar_t *key;              /* ipsecPolicy{GUID} */
    wchar_t *name;
    wchar_t *description;
    wchar_t *guid;
    wchar_t *gpo;              /* cached from a GPO: its name, else its directory path; NULL if local */
    bool gpo_assigned;         /* GPTIPSECPolicy names it */
} win_store_policy;

struct win_store {
    win_store_policy *p;
    size_t n;
    wchar_t *active;           /* ActivePolicy, NULL if none */
};

/* A fresh read of every ipsecPolicy{...} key (a missing store is an empty one). */
int win_store_read(win_ctx *c, win_store *s, mend_err *e);
void win_store_free(win_store *s);
/* The snapshot of this pass: read once, reused until a change bumps c->gen. Owned by c. */
const win_store *win_store_snapshot(win_ctx *c, mend_err *e);
/* Makes a fresh read (taken after a change) the snapshot; s is moved into c. */
int win_store_keep(win_ctx *c, win_store *s, mend_err *e);
/* Exact name first, then without regard to case (as netsh matches names). */
const win_store_policy *win_store_find(const win_store *s, const wchar_t *name);
bool win_store_assigned(const win_store *s, const win_store_policy *p);

/* ---- win_netsh.c: `netsh ipsec static ... policy` to change something; `show all` to read ---- */
typedef struct win_netsh_answer {
    char *output;              /* what netsh printed, UTF-8 */
    unsigned tag;              /* N of the first "ERR IPsec[N]" line, 0 if none */
    DWORD win32;               /* the Windows error number it carries, 0 if none */
} win_netsh_answer;

/* Refuses a value that cannot be passed inside netsh's double quotes (MEND_E_INVALID). */
int win_netsh_check_text(const wchar_t *s, const char *what, const char *utf8, mend_err *e);
/* Runs `netsh ipsec static <verb> policy name="<name>" [k1="v1"] [k2="v2"]` and reads its answer. */
int win_netsh_policy(win_ctx *c, const wchar_t *verb, const wchar_t *name, const wchar_t *k1,
                     const wchar_t *v1, const wchar_t *k2, const wchar_t *v2,
                     win_netsh_answer *a, mend_err *e);
void win_netsh_answer_clear(win_netsh_answer *a);
/* Read-only: `netsh ipsec static show all` or `netsh ipsec dynamic show all`, its text as printed. */
int win_ipsec_show(void *ctx, bool dynamic, char **text, mend_err *e);
/* netsh's answer on one line for a message. */
void win_netsh_quote(const win_netsh_answer *a, char *buf, size_t size);

/* ---- win_handles.c ---- */
/* An object's NT name via NtQueryObject (malloc'd), NULL if it has none. Can block on a
 * synchronous pipe: the scan only calls it on its worker thread. */
wchar_t *win_object_name(HANDLE obj);
/* Test seam (tests/wine only): when set, the scan's worker calls this instead of asking for the
 * name, so a test can make a query hang. NULL in mend. */
typedef wchar_t *(*win_name_query_fn)(HANDLE obj, bool is_file);
extern win_name_query_fn win_handles_name_query_hook;

/* ---- operations, one file per area ---- */
int win_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e);
int win_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e);
int win_ipsec_delete(void *ctx, const char *name, mend_err *e);
int win_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e);
int win_ipsec_create(void *ctx, const char *name, const char *description, mend_err *e);

int win_svc_query(void *ctx, const char *name, mend_service *out, mend_err *e);
int win_svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
int win_svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e);
int win_svc_dependents(void *ctx, const char *name, bool active_only, char ***out, size_t *n, mend_err *e);

int win_proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e);
int win_proc_kill(void *ctx, uint32_t pid, mend_err *e);
bool win_process_is_marked_critical(HANDLE h);   /* IsProcessCritical, or ProcessBreakOnTermination */

int win_handles_scan(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e);
int win_handles_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e);

int win_reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e);
int win_reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                const unsigned char *data, size_t size, mend_err *e);
int win_reg_create_key(void *ctx, const char *path, mend_err *e);
int win_reg_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e);
int win_reg_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e);
int win_reg_exists(void *ctx, const char *path, bool *found, mend_err *e);
int win_reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e);
int win_reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e);

int win_sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e);
int win_sys_reboot(void *ctx, const char *reason, mend_err *e);
int win_sys_sleep(void *ctx, double seconds, mend_err *e);
int win_sys_is_admin(void *ctx, bool *admin, mend_err *e);
int win_sys_os_name(void *ctx, char *buf, size_t size, mend_err *e);
int win_sys_resume_after_reboot(void *ctx, const char *exe, const char *args, mend_err *e);
int win_sys_resume_clear(void *ctx, bool *found, mend_err *e);
double win_sys_now(void *ctx);
double win_sys_boot_time(void *ctx);

/* ---- win_task.c: the resume task \mend\resume (Task Scheduler 2.0) ---- */
/* Registers (or replaces) it: exe with args, as SYSTEM; with full, also at the highest run
 * level and triggered at boot. Always full, except in the Wine test: Wine 8's Task Scheduler
 * implements neither (E_NOTIMPL), so the test registers the rest without them. */
int win_task_register(const wchar_t *exe, const wchar_t *args, bool full, mend_err *e);
/* The registered task as Task Scheduler's XML (malloc'd): what `schtasks /Query /XML` shows. */
int win_task_xml(wchar_t **xml, mend_err *e);
/* Deletes it (and the \mend folder once empty); *found says whether it was there. */
int win_task_delete(bool *found, mend_err *e);

int win_nic_list(void *ctx, mend_nic **out, size_t *n, mend_err *e);
int win_nic_set_ipsec_offload(void *ctx, const char *name, bool on, mend_err *e);
int win_nic_restart(void *ctx, const char *name, mend_err *e);
/* ---- win_spd.c (winipsec.dll, from System32 only) ---- */
int win_spd_qm_policies(void *ctx, mend_spd_qm_policy **out, size_t *n, mend_err *e);
int win_spd_filters(void *ctx, mend_spd_filter **out, size_t *n, mend_err *e);
int win_spd_sas(void *ctx, mend_spd_sa **out, size_t *n, mend_err *e);
int win_spd_delete_sas(void *ctx, const char *qm_policy, mend_err *e);
int win_spd_delete_qm_policy(void *ctx, const char *name, mend_err *e);
int win_spd_delete_filter(void *ctx, const char *name_or_guid, mend_err *e);
/* Frees the SPD snapshot and unloads winipsec.dll (win_spd_load.c). */
void win_spd_close(win_ctx *c);
/* ---- win_events.c ---- */
int win_events_recent(void *ctx, double since, mend_event **out, size_t *n, mend_err *e);
/* ---- win_nic_restart.c ---- */
/* Stops and starts the present device whose driver key is Class\<class_guid>\<sub> (SetupAPI). */
int win_nic_restart_device(const wchar_t *class_guid, const wchar_t *sub, const char *name, mend_err *e);

#endif
