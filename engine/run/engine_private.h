/* Declarations shared by the engine's own files only (not part of any contract). */
#ifndef MEND_ENGINE_PRIVATE_H
#define MEND_ENGINE_PRIVATE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "platform.h"

/* Asks on an interactive terminal only (not in dry-run, not with --json); --yes does not
 * count. Gates that --yes must never open (reboot) use this instead of mend_engine_confirm. */
bool mend_engine_ask(mend_engine *eng, const char *question);
/* Whether a person can be asked at all (not a dry run, not --json, both ends a terminal). */
bool mend_engine_can_ask(const mend_engine *eng);

/* Reads a y/N answer from the terminal (stderr prompt, stdin answer). */
bool mend_tty_ask(const char *question);

#endif
