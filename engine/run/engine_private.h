/* Declarations shared by the engine's own files only (not part of any contract). */
#ifndef MEND_ENGINE_PRIVATE_H
#define MEND_ENGINE_PRIVATE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* strdup without pulling host.c (and through it every backend) into small test links. */
static inline char *mend_dupstr(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s ? s : "", n);
    return p;
}

/* Monotonic seconds, for deadlines that must not jump with the wall clock. */
double mend_monotonic_now(void);

/* An environment variable as UTF-8 (malloc'd), NULL when unset or empty. */
char *mend_getenv(const char *name);

/* Thread-safe gmtime (gmtime_r / gmtime_s). */
struct tm;
void mend_gmtime(long long secs, struct tm *out);

/* Calls fn (from a signal handler or console thread: it may only set a flag) on the first
 * Ctrl-C or termination request; a second one ends the process the usual way. */
void mend_on_interrupt(void (*fn)(void));

/* Process start-up: on Windows replaces argv with UTF-8 and sets the console to UTF-8. */
int mend_platform_init(int *argc, char ***argv);

/* Asks on an interactive terminal only (not in dry-run, not with --json); --yes does not
 * count. Gates that --yes must never open (reboot) use this instead of mend_engine_confirm. */
bool mend_engine_ask(mend_engine *eng, const char *question);

/* Reads a y/N answer from the terminal (stderr prompt, stdin answer). */
bool mend_tty_ask(const char *question);

#endif
