/* One Windows Application-log event per run that changed something or found a problem. */
#ifndef MEND_EVENTLOG_H
#define MEND_EVENTLOG_H

#include <stdbool.h>

#include "report.h"

/* Stable event ids, one per run outcome, so collectors can alert on an id. */
enum {
    MEND_EVENT_FIXED = 1000,           /* information: every stuck policy fixed */
    MEND_EVENT_HEALTHY = 1001,         /* information: changes made, nothing left stuck */
    MEND_EVENT_REBOOT_REQUIRED = 1002, /* warning: only a reboot remains */
    MEND_EVENT_PARTIAL = 1003,         /* warning: some fixed, a problem remains */
    MEND_EVENT_FAILED = 1004           /* warning: a problem remains (or mend itself failed) */
};

/* Where the events go: env MEND_EVENTLOG_FILE=path appends each as a JSON line
 * {"source","log","type","id","message"} (the test seam, on every platform); otherwise the
 * Application log through ReportEventW on Windows when the host is the real machine, and
 * nowhere elsewhere. */
#define MEND_EVENTLOG_ENV "MEND_EVENTLOG_FILE"

/* True when the run deserves an event: not a dry run, and it changed something (an action
 * counter above zero) or a problem remains (outcome other than fixed or healthy). */
bool mend_eventlog_wanted(const mend_report *r);

/* Whether an event written now would go anywhere: the MEND_EVENTLOG_FILE seam is set, or this
 * is Windows (the Application log). Lets callers skip building an event nobody receives. */
bool mend_eventlog_has_sink(void);

/* Writes the run's event when it deserves one; the message is summary (NULL: a fix summary
 * built here) followed by the advice lines. Returns 0 when written or not wanted, -1 when the
 * log could not be written; that never changes mend's result, so callers at most warn. */
int mend_eventlog_write(const mend_report *r, const char *summary);

/* The same from the report already read back as JSON (mend_report_json parsed). */
struct cJSON;
bool mend_eventlog_wanted_doc(const struct cJSON *doc);
int mend_eventlog_write_doc(const struct cJSON *doc, const char *summary);

#endif
