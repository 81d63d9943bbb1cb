/* The commands behind the CLI: fix, check, batch, run, sim, help, version. */
#ifndef MEND_COMMANDS_H
#define MEND_COMMANDS_H

#include "cli.h"

/* Runs the parsed command line; returns the process exit code. */
int mend_commands_run(const mend_options *o);

#endif
