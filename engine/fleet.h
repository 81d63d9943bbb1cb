/* What a finished run leaves for fleet tools: the summary line and the Application-log event. */
#ifndef MEND_FLEET_H
#define MEND_FLEET_H

#include "cli.h"
#include "report.h"

/* Once the report is final: prints the one-line summary as the last line of stdout (of stderr
 * under --json, so stdout stays one JSON document) when o->summary, and writes the run's event
 * when it deserves one (mend_eventlog_wanted). Reads the report back at most once, and not at
 * all for a healthy run that changed nothing without --summary. Returns 0, or -1 when the event
 * could not be written (worth a warning; it never changes the exit code). */
int mend_fleet_after_run(const mend_report *r, const mend_options *o);

#endif
