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
    MEND_COUNT_SPD_FILTER_DELETES,
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
 * policy puts it in the run's own "steps". Creates the policy entry if needed. The step is kept
 * compactly (interned strings), not as a tree: rung, action, target, ok, message and code are
 * written in that order, then the other members in the order given. */
void mend_report_step(mend_report *r, const char *policy, struct cJSON *step);
/* The same, borrowing the step (the caller still owns it). */
void mend_report_add_step(mend_report *r, const char *policy, const struct cJSON *step);
/* A step object given as its fields, what mend.step records with no tree: each string NULL when
 * absent, ok -1 when absent; extra the other members as compact JSON text without the braces
 * ("k":v,..., keys sorted) or NULL. The strings are copied (UTF-8; the writer escapes them). */
typedef struct mend_report_step_fields {
    const char *rung, *action, *target, *message, *code;
    int ok;
    const char *extra;
} mend_report_step_fields;
void mend_report_add_step_fields(mend_report *r, const char *policy, const mend_report_step_fields *f);

/* Sets a string field of a policy entry ("before", "after", "outcome", "rung"). */
void mend_report_policy_set(mend_report *r, const char *policy, const char *field, const char *value);
const char *mend_report_policy_get(const mend_report *r, const char *policy, const char *field);
/* Sets before, after, outcome and rung at once (a NULL value leaves that field), finding the
 * policy once; answers the outcome it had before (NULL if none), as mend.outcome needs it. */
const char *mend_report_policy_update(mend_report *r, const char *policy, const char *const values[4]);
size_t mend_report_policy_count(const mend_report *r);
/* Field ("name", "before", ...) of the i-th policy in first-recorded order. */
const char *mend_report_policy_at(const mend_report *r, size_t i, const char *field);

/* Advice lines, deduplicated, in the order given. */
void mend_report_advise(mend_report *r, const char *text);
size_t mend_report_advice_count(const mend_report *r);
const char *mend_report_advice_at(const mend_report *r, size_t i);

/* A script's own value under key in the report's "data" object (serialised now; a later value
 * for the same key replaces it). -1 when out of memory. */
int mend_report_data(mend_report *r, const char *key, const struct cJSON *value);
/* The same with the value already compact JSON text (copied). */
int mend_report_data_text(mend_report *r, const char *key, const char *json);

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
/* The process's exit code and the finish time, as the report will say them. */
void mend_report_finish(mend_report *r, int exit_code);
/* Did the run change the machine (any action counted, not a dry run)? */
bool mend_report_changed(const mend_report *r);
/* Does a reboot remain to complete the run (run or any policy reboot_required)? */
bool mend_report_reboot_required(const mend_report *r);

/* Serialises the report (malloc'd; free with free()); keys in docs/cli.md's order. */
char *mend_report_json(const mend_report *r, bool pretty);
/* The same, compact, with every "steps" empty: for readers of outcomes, counters and advice
 * (summary line, event log, plan), so a 100,000-policy run is not read back whole. */
char *mend_report_json_brief(const mend_report *r);
#include <stdio.h>
/* Streams the pretty JSON and a newline to out. */
int mend_report_print(const mend_report *r, FILE *out);
/* Writes the JSON atomically to path. */
int mend_report_write(const mend_report *r, const char *path, mend_err *e);
/* A usage error under --json: a whole report with "error" and exit_code 2. */
int mend_report_print_usage_error(const char *message, FILE *out);

/* What the human rendering reads (report_text.c). */
bool mend_report_is_dry_run(const mend_report *r);

/* The human output (report_text.c): the table (policy, before, after, outcome, rung), or past
 * MEND_PROGRESS_BIG policies a summary by outcome and rung and the policies that need
 * attention (the table with verbose); then the outcome and the advice, wrapped to width. */
#include <stdio.h>
typedef struct mend_report_text_options {
    bool verbose;   /* -v: the full table whatever the size */
    bool color;     /* outcomes in colour */
    int width;      /* wrap advice at this many columns; 0 = no wrapping */
} mend_report_text_options;
void mend_report_print_text(const mend_report *r, FILE *out, const mend_report_text_options *t);
/* The table and advice, plain: mend_report_print_text with no options. */
void mend_report_print_summary(const mend_report *r, FILE *out);
/* -q: one line, "outcome: fixed (20000 policies: 19990 fixed, 10 blocked)". */
void mend_report_print_totals(const mend_report *r, FILE *out);
#endif
