/* The simulated Windows host: public entry points beyond host.h (scenarios, state, `mend sim`). */
#ifndef MEND_SIM_H
#define MEND_SIM_H

#include <stddef.h>

#include "host.h"

typedef struct sim_machine sim_machine;

/* Loads a scenario (a Lua chunk returning a table) in a state with only string, table and math
 * and an instruction limit; validates every field. Errors name the field and the problem:
 * "policies[3].blockers[1]: unknown blocker 'foo' (expected ...)". */
int sim_scenario_load_buffer(const char *buf, size_t len, const char *chunkname,
                             sim_machine **out, mend_err *e);
int sim_scenario_load_file(const char *path, sim_machine **out, mend_err *e);
/* The two ways both of those take: the state reader builds the machine from a state mend saved
 * (the first line says its format) without Lua, and returns 1 (nothing built) for any text it
 * does not read exactly as the Lua loader would; the Lua loader reads everything else and says
 * what is wrong. Both build the same machine from the same text (tests/sim/test_sim_stateload.c). */
int sim_state_read(const char *buf, size_t len, sim_machine **out);
int sim_scenario_load_lua(const char *buf, size_t len, const char *chunkname, sim_machine **out, mend_err *e);
void sim_machine_free(sim_machine *m);

/* The machine's state as a scenario (Lua source that loads back to the same machine),
 * deterministic in order. */
int sim_state_serialize(const sim_machine *m, char **out, size_t *len, mend_err *e);

/* The simulator as a backend (engine/run/host_open.c opens it). */
int sim_host_open(mend_host *h, const mend_host_config *cfg, const char *state_file, mend_err *e);

/* Default state file for cfg (<state_dir>/sim-state.lua), malloc'd. */
char *sim_default_state_file(const mend_host_config *cfg);

#endif
