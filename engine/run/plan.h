/* Plans: the mutating actions of a dry-run recorded with the state each assumes, written as
 * JSON, loaded back and checked step by step by `mend apply`. */
#ifndef MEND_PLAN_H
#define MEND_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "guard.h"

struct cJSON;
typedef struct mend_plan mend_plan;
typedef struct mend_report mend_report;

mend_plan *mend_plan_new(void);
void mend_plan_free(mend_plan *p);

/* ---- recording (fix --plan) ---- */

/* The Lua side of recording and applying: bindings/plan_lua.h. */


/* Writes the plan (with the dry-run's report: outcomes and advice) to path as JSON, signed with
 * this host's plan key (eng->state_dir; created on first use). */
int mend_plan_write(mend_plan *p, const mend_engine *eng, const char *command, const char *path,
                    mend_err *e);

/* ---- applying ---- */

/* Reads and validates a plan file: MEND_E_INVALID with a clear sentence when it is malformed,
 * written by another mend version, or not signed with this host's key (state_dir): any change to
 * any field after signing, and a plan made on another host, are refused. state_dir NULL skips the
 * signature (mend plan approve reads a plan to review it). */
mend_plan *mend_plan_load(const char *path, const char *state_dir, mend_err *e);

/* mend plan approve: signs p with this host's key and writes it back to path. */
int mend_plan_approve(mend_plan *p, const char *state_dir, const char *path, mend_err *e);
/* How p's signature stands on this host, for the approver: a sentence (static storage). */
const char *mend_plan_signature_note(const mend_plan *p, const char *state_dir);

/* The gates (MEND_GATE_* bits) the plan's actions need. */
unsigned mend_plan_gates(const mend_plan *p);
size_t mend_plan_count(const mend_plan *p);

/* The plan for people: header, each step with why, gate and assumption (malloc'd). */
char *mend_plan_text(const mend_plan *p);


/* ---- preconditions (plan_precond.c) ---- */

/* The readable fingerprint of the state action op assumes, computed with host reads; target is
 * the guard's target, args the JSON array of the action's Lua arguments. Returns a malloc'd sentence ("process 4242
 * vpnagent.exe", "no process 4242", "nothing") or NULL when out of memory. */
char *mend_plan_precondition(const mend_host *h, const char *op, const char *target,
                             const struct cJSON *args);

/* ---- the plan key (plan_key.c) ---- */

#define MEND_PLAN_KEY_LEN 32

/* state_dir/plan.key (malloc'd). */
char *mend_plan_key_path(const char *state_dir);
/* Reads this host's key; creates it first when create and there is none (CSPRNG; POSIX mode
 * 0600, Windows an ACL of SYSTEM and Administrators only). A key others can read is refused. */
int mend_plan_key_get(const char *state_dir, bool create, unsigned char key[MEND_PLAN_KEY_LEN], mend_err *e);
/* A short public name of the key (16 hex digits of a keyed hash): which host signed. */
void mend_plan_key_id(const unsigned char key[MEND_PLAN_KEY_LEN], char out[17]);
/* Whether path names the key file (or, with or_folder, a folder holding it). */
bool mend_plan_key_behind(const char *key_path, const char *path, bool or_folder);

/* FNV-1a 64 of s as "fnv1a64:0123456789abcdef". */
void mend_plan_hash(const char *s, char out[32]);

#endif
