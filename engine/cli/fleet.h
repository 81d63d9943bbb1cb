/* What a finished run leaves for fleet tools: the summary line and the Application-log event. */
#ifndef MEND_FLEET_H
#define MEND_FLEET_H

#include <stdbool.h>

#include "cli.h"
#include "report.h"

/* Once the report is final: prints the one-line summary as the last line of stdout (of stderr
 * under --json, so stdout stays one JSON document) when summary is set, and writes the run's
 * event when it deserves one (not a dry run; something changed or a problem remains). Reads the
 * report back at most once, and not at all for a quiet healthy or dry run. Returns 0, or -1
 * when the event could not be written (worth a warning; it never changes the exit code).
 * runner.c: mend_fleet_after_run(r, o->cmd, o->dry_run, o->summary, o->json). */
int mend_fleet_after_run(const mend_report *r, mend_command cmd, bool dry_run, bool summary, bool json);

#endif
