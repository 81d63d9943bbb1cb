/* The commands behind the CLI: fix, check, batch, run, sim, help, version. */
#ifndef MEND_COMMANDS_H
#define MEND_COMMANDS_H

#include "cli.h"

/* Runs the parsed command line; returns the process exit code. */
int mend_commands_run(const mend_options *o);

/* `mend sim init [SCENARIO] | show | reset` (engine/cli/sim_command.c); returns the exit code. */
struct mend_host_config;
int sim_command(const mend_options *o, const struct mend_host_config *cfg);

#endif
