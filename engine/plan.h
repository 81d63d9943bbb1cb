/* Plans: the mutating actions of a dry-run recorded with the state each assumes, written as
 * JSON, loaded back and checked step by step by `mend apply`. */
#ifndef MEND_PLAN_H
#define MEND_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "guard.h"

typedef struct lua_State lua_State;
struct cJSON;
typedef struct mend_plan mend_plan;

mend_plan *mend_plan_new(void);
void mend_plan_free(mend_plan *p);

/* ---- recording (fix --plan) ---- */

/* Makes the bindings of L record into p (p outlives L's use). */
void mend_plan_attach(lua_State *L, mend_plan *p, mend_engine *eng);

/* Called by bind_guard just before the host call of a mutating action that will proceed:
 * records the op, target, gate, counter, the Lua arguments (slots 1.. of the calling binding)
 * and the precondition read from the host now. No-op when no plan is attached. */
void mend_plan_on_action(lua_State *L, const mend_action *a);
/* After the call: the result the real run is expected to meet (e NULL on success). */
void mend_plan_on_result(lua_State *L, const mend_action *a, const mend_err *e);
/* mend.step: the why of the actions recorded since the previous step. */
void mend_plan_on_step(lua_State *L, const char *policy, const char *rung, const char *message);

/* Writes the plan (with the dry-run's report: outcomes and advice) to path as JSON. */
int mend_plan_write(mend_plan *p, const mend_engine *eng, const char *command, const char *path,
                    mend_err *e);

/* ---- applying ---- */

/* Reads and validates a plan file: MEND_E_INVALID with a clear sentence when it is malformed
 * or written by another mend version. */
mend_plan *mend_plan_load(const char *path, mend_err *e);

/* The gates (MEND_GATE_* bits) the plan's actions need. */
unsigned mend_plan_gates(const mend_plan *p);
size_t mend_plan_count(const mend_plan *p);

/* The plan for people: header, each step with why, gate and assumption (malloc'd). */
char *mend_plan_text(const mend_plan *p);

/* Registers the global module `plan` (actions(), verify(i), outcomes(), advice()) on L. */
void mend_plan_open_lua(lua_State *L, mend_plan *p, mend_engine *eng);

/* ---- preconditions (plan_precond.c) ---- */

/* The readable fingerprint of the state action op assumes, computed with host reads; target is
 * the guard's target, args the JSON array of the action's Lua arguments. Returns a malloc'd sentence ("process 4242
 * vpnagent.exe", "no process 4242", "nothing") or NULL when out of memory. */
char *mend_plan_precondition(const mend_host *h, const char *op, const char *target,
                             const struct cJSON *args);

/* FNV-1a 64 of s as "fnv1a64:0123456789abcdef". */
void mend_plan_hash(const char *s, char out[32]);

#endif
