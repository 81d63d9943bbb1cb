/* What a finished run leaves for fleet tools: the summary line and the Application-log event. */
#include "fleet.h"
#include "eventlog.h"
#include "guard.h"
#include "summary.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Decided from the report's counters and outcome alone, so the common healthy run and every
 * dry run cost nothing here; a 10,000-policy report is read back only when it is needed. */
static bool may_want_event(const mend_report *r, bool dry_run)
{
    if (dry_run)
        return false;
    const char *outcome = mend_report_outcome(r);
    if (strcmp(outcome, "fixed") != 0 && strcmp(outcome, "healthy") != 0)
        return true;
    for (int c = 0; c < MEND_COUNT__N; c++)
        if (mend_report_counter(r, (mend_counter)c) > 0)
            return true;
    return false;
}

int mend_fleet_after_run(const mend_report *r, mend_command cmd, bool dry_run, bool summary, bool json)
{
    if (!r)
        return 0;
    /* Reading a 10,000-policy report back costs ~15 MiB at the run's peak: only when someone
     * receives the event or asked for the summary. */
    bool event = may_want_event(r, dry_run) && mend_eventlog_has_sink();
    if (!summary && !event)
        return 0;
    char *text = mend_report_json_brief(r);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    char line[MEND_SUMMARY_MAX];
    mend_summary_from_doc(doc, cmd, line, sizeof line);
    if (summary)
        mend_summary_emit(line, json ? stderr : stdout);
    int rc = 0;
    if (event)
        rc = doc ? mend_eventlog_write_doc(doc, line) : -1;
    cJSON_Delete(doc);
    return rc;
}
