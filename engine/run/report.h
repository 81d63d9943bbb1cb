/* The run's report: policies, steps, action counters, advice -> DESIGN's JSON document. */
#ifndef MEND_REPORT_H
#define MEND_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mend_err.h"
#include "options.h"

/* The report's "actions" counters. The first eight are DESIGN's; the rest are extra. */
typedef enum mend_counter {
    MEND_COUNT_NONE = -1,
    MEND_COUNT_DELETES = 0,
    MEND_COUNT_GPUPDATES,
    MEND_COUNT_SERVICE_RESTARTS,
    MEND_COUNT_REBOOTS,
    MEND_COUNT_KILLS,
    MEND_COUNT_REGISTRY_DELETES,
    MEND_COUNT_UNASSIGNS,
    MEND_COUNT_OFFLOAD_CHANGES,
    MEND_COUNT_CREATES,
    MEND_COUNT_ASSIGNS,
    MEND_COUNT_SERVICE_STARTS,
    MEND_COUNT_SERVICE_STOPS,
    MEND_COUNT_REGISTRY_WRITES,
    MEND_COUNT_ADAPTER_RESTARTS,
    MEND_COUNT_SPD_SA_DELETES,
    MEND_COUNT_SPD_QM_DELETES,
    MEND_COUNT__N
} mend_counter;

const char *mend_counter_name(mend_counter c);   /* "deletes", "gpupdates", ... */

struct cJSON;
typedef struct mend_report mend_report;

mend_report *mend_report_new(const char *host_name, bool dry_run);
void mend_report_free(mend_report *r);

void mend_report_count(mend_report *r, mend_counter c);
long mend_report_counter(const mend_report *r, mend_counter c);

/* Appends a step object (ownership passes to the report) to the named policy's steps; a NULL
 * policy puts it in the run's own "steps". Creates the policy entry if needed. */
void mend_report_step(mend_report *r, const char *policy, struct cJSON *step);

/* Sets a string field of a policy entry ("before", "after", "outcome", "rung"). */
void mend_report_policy_set(mend_report *r, const char *policy, const char *field, const char *value);
const char *mend_report_policy_get(const mend_report *r, const char *policy, const char *field);
size_t mend_report_policy_count(const mend_report *r);

/* Advice lines, deduplicated, in the order given. */
void mend_report_advise(mend_report *r, const char *text);

/* Run outcome derived from the policies: "fixed", "healthy", "partial", "reboot_required",
 * "failed" (also "failed" after mend_report_fail). */
const char *mend_report_outcome(const mend_report *r);
/* A script's own verdict on the run (one of the outcomes above), for problems that are not one
 * policy's (check: PolicyAgent or a service that depends on it stopped). false if unknown. */
bool mend_report_set_outcome(mend_report *r, const char *outcome);
void mend_report_fail(mend_report *r, const char *message);

/* A service mend stopped that did not start again (down = true), or that is running again
 * (false). While any stays down, a run that would be "fixed" or "healthy" is "partial". */
void mend_report_service_down(mend_report *r, const char *service, bool down);
size_t mend_report_services_down(const mend_report *r);

/* Exit code per DESIGN (0, 1, 3); sccm maps reboot_required to 3010 and an initiated
 * reboot to 1641. */
int mend_report_exit_code(const mend_report *r, int exit_style);

/* Serialises the report (malloc'd; free with free()). */
char *mend_report_json(const mend_report *r, bool pretty);
/* Writes the JSON atomically to path. */
int mend_report_write(const mend_report *r, const char *path, mend_err *e);

/* The human summary table (policy, before, after, outcome, rung) and advice. */
#include <stdio.h>
void mend_report_print_summary(const mend_report *r, FILE *out);
#endif
