/* Plans meet Lua (bindings/plan.c): recording hooks for the bindings and mend.step, the plan
 * key's protection, and the `plan` module mend apply carries a plan out with. */
#ifndef MEND_PLAN_LUA_H
#define MEND_PLAN_LUA_H

#include "plan.h"

typedef struct lua_State lua_State;

/* Makes the bindings of L record into p (p outlives L's use). */
void mend_plan_attach(lua_State *L, mend_plan *p, mend_engine *eng);

/* Called by bind_guard just before the host call of a mutating action that will proceed:
 * records the op, target, gate, counter, the Lua arguments (slots 1.. of the calling binding)
 * and the precondition read from the host now. No-op when no plan is attached. */
void mend_plan_on_action(lua_State *L, const mend_action *a);
/* After the call: the result the real run is expected to meet (e NULL on success). */
void mend_plan_on_result(lua_State *L, const mend_action *a, const mend_err *e);
/* sys.sleep: a wait the plan replays (scripts wait between a delete and a create of one name). */
void mend_plan_on_wait(lua_State *L, double seconds);
/* mend.step: the why of the actions recorded since the previous step. */
void mend_plan_on_step(lua_State *L, const char *policy, const char *rung, const char *message);

/* After an apply run: what was done, the step that stopped and the steps not run, on stderr (unless
 * quiet) and as a run-level step of the report; nothing when every step ran. why: the run's error. */
void mend_plan_report_progress(mend_plan *p, mend_report *r, const char *why, bool quiet);

/* Makes the file functions of L (io.open, io.lines, io.input, io.output, loadfile, dofile,
 * os.remove, os.rename) refuse the plan key of state_dir, behind any path naming it. */
void mend_plan_key_protect(lua_State *L, const char *state_dir);

/* Makes the `plan` module (bindings/plan.c: actions(), verify(i), preflight(), ran(i), done(i),
 * stop(why), field(name)) carry out p; without it every plan function answers nil, message, code. */
void mend_plan_open_lua(lua_State *L, mend_plan *p, mend_engine *eng);

#endif
