/* Helpers that read scenario fields with errors naming the field and the problem. */
#ifndef MEND_SIM_SCENARIO_UTIL_H
#define MEND_SIM_SCENARIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "sim_internal.h"

typedef struct sc_ctx {
    lua_State *L;
    sim_machine *m;
    mend_err *e;
    bool failed;
} sc_ctx;

int sc_fail(sc_ctx *c, const char *fmt, ...) MEND_PRINTF(2, 3);
int sc_oom(sc_ctx *c);

/* Pushes t[key] when it is a table (1), pushes nothing when nil (0), fails otherwise (-1). */
int sc_open_table(sc_ctx *c, int t, const char *key);
/* Same for a list (keys 1..n only); *n gets its length. where names the parent (NULL = top). */
int sc_open_list(sc_ctx *c, int t, const char *where, const char *key, size_t *n);
/* Pushes item i of the list on top of the stack; it must be a table. */
int sc_list_item_table(sc_ctx *c, size_t i, const char *where);
/* Every key of table t must be one of allowed (NULL-terminated). */
int sc_check_keys(sc_ctx *c, int t, const char *where, const char *const *allowed);

/* Optional fields: absent leaves *out as it is (strings: def copied, or NULL). */
int sc_opt_string(sc_ctx *c, int t, const char *where, const char *key, char **out, const char *def);
int sc_opt_bool(sc_ctx *c, int t, const char *where, const char *key, bool *out);
int sc_opt_number(sc_ctx *c, int t, const char *where, const char *key, double *out);
int sc_opt_u32(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out);
int sc_opt_u32_has(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out, bool *has);
/* A list of strings (and, with allow_int, integers kept as their decimal text). */
int sc_string_list(sc_ctx *c, int t, const char *where, const char *key, sim_strlist *out, bool allow_int);

/* "section[i]" into buf, for error messages only. */
const char *sc_where(char *buf, size_t size, const char *section, size_t i);

/* ---- building the machine: the checks and steps the Lua loader and the state reader share, so
 * both build the same machine and refuse the same input (sim_scenario*.c) ---- */
typedef struct sc_policy_in {
    const char *guid;          /* NULL: derived from the name */
    const char *state;         /* "active" or "pending_deletion" (else refused) */
    const char *source;        /* "local" or "gpo" */
    bool assigned, stale, accepted;
} sc_policy_in;
/* Adds blocker name's bit (or stale/assigned); -1 when the name is unknown. */
int sc_blocker(const char *name, unsigned *bits, bool *stale, bool *assigned);
/* Checks policies[i] and adds it; takes p (name, description, ... filled) and frees it on failure. */
int sc_policy_add(sc_ctx *c, size_t i, sim_policy *p, const sc_policy_in *in, sim_map *names, size_t *assigned_at);
/* A policy record not added to the machine, with its strings. */
void sc_policy_free(sim_policy *p);
/* hex = "..." as bytes (spaces, commas, colons, tabs and newlines between digits skipped): 0, or
 * -1 out of memory, -2 *bad is not a hex digit, -3 an odd number of digits. */
int sc_hex_decode(const char *s, unsigned char **out, size_t *n, char *bad);
/* Takes name and path; ipsec_client -1 = the image name's default. */
int sc_process_add(sc_ctx *c, size_t i, uint32_t pid, char *name, char *path, uint32_t ppid, bool autostart,
                   bool running, bool critical, bool is_protected, int ipsec_client);
int sc_handle_add(sc_ctx *c, size_t i, uint32_t pid, const char *policy, const char *type, const char *name,
                  double value, bool has_access, uint32_t access);
/* nic (already counted in m->nnic) gets its offload in effect; its name is checked. */
int sc_nic_finish(sc_ctx *c, size_t i, sim_nic *nic, bool has_off, bool off, bool has_kw);
/* Takes display and deps; state/start NULL = unchanged (a new service: running, auto). */
int sc_service_apply(sc_ctx *c, const char *name, bool fresh, char *display, const char *state,
                     const char *start, uint32_t pid, bool has_deps, sim_strlist *deps);
int sc_services_check(sc_ctx *c);          /* every dependency exists, no cycles */
/* Opens (creates) the key at path, or deletes it when remove (*out NULL). */
int sc_reg_key(sc_ctx *c, const char *path, bool remove, sim_regkey **out);
int sc_faults_check(sc_ctx *c);
/* The last steps of every load: pids for running services, the store read once. */
void sc_machine_finish(sim_machine *m, uint32_t next_pid);

#endif
