/* Tests of the Application-log event through its seam: when one is written, and what it says. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventlog.h"
#include "fleet.h"
#include "guard.h"
#include "report.h"
#include "summary.h"

static char seam[512];

static int setup(void **state)
{
    (void)state;
    snprintf(seam, sizeof seam, "%s/fleet-eventlog-%ld.jsonl", MEND_TEST_TMP, (long)getpid());
    remove(seam);
    setenv(MEND_EVENTLOG_ENV, seam, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(seam);
    unsetenv(MEND_EVENTLOG_ENV);
    return 0;
}

/* The events in the seam file, one parsed JSON object per line (NULL-terminated array). */
static cJSON **read_events(int *count)
{
    static cJSON *events[16];
    *count = 0;
    FILE *f = fopen(seam, "rb");
    if (!f)
        return events;
    char line[65536];
    while (fgets(line, sizeof line, f) && *count < 15) {
        size_t n = strlen(line);
        assert_true(n > 0 && line[n - 1] == '\n');
        cJSON *ev = cJSON_Parse(line);
        assert_non_null(ev);
        events[(*count)++] = ev;
    }
    events[*count] = NULL;
    fclose(f);
    return events;
}

static void free_events(cJSON **events)
{
    for (int i = 0; events[i]; i++)
        cJSON_Delete(events[i]);
}

static const char *field(const cJSON *ev, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int id_of(const cJSON *ev)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, "id");
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static void test_eventlog_healthy_run_without_changes_writes_nothing(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "healthy");
    assert_false(mend_eventlog_wanted(r));
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    int n;
    read_events(&n);
    assert_int_equal(n, 0);
    mend_report_free(r);
}

static void test_eventlog_fixed_run_writes_one_information_event(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "fixed");
    mend_report_count(r, MEND_COUNT_DELETES);
    assert_true(mend_eventlog_wanted(r));
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    int n;
    cJSON **ev = read_events(&n);
    assert_int_equal(n, 1);
    assert_string_equal(field(ev[0], "source"), "mend");
    assert_string_equal(field(ev[0], "log"), "Application");
    assert_string_equal(field(ev[0], "type"), "information");
    assert_int_equal(id_of(ev[0]), MEND_EVENT_FIXED);
    char summary[MEND_SUMMARY_MAX];
    mend_summary_line(r, summary, sizeof summary);
    assert_string_equal(field(ev[0], "message"), summary);
    free_events(ev);
    mend_report_free(r);
}

static void test_eventlog_blocked_policy_is_a_warning_with_the_advice(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "VPN \"QM\"\nx", "outcome", "blocked");
    mend_report_advise(r, "stopping processes is not allowed; rerun with --allow kill");
    assert_int_equal(mend_eventlog_write(r, "mend: the summary"), 0);
    int n;
    cJSON **ev = read_events(&n);
    assert_int_equal(n, 1);
    assert_string_equal(field(ev[0], "type"), "warning");
    assert_int_equal(id_of(ev[0]), MEND_EVENT_FAILED);
    assert_string_equal(field(ev[0], "message"),
                        "mend: the summary\nadvice:\n- stopping processes is not allowed; rerun with --allow kill");
    free_events(ev);
    mend_report_free(r);
}

static void test_eventlog_ids_follow_the_run_outcome(void **state)
{
    (void)state;
    static const struct { const char *outcomes[2]; int id; const char *type; } cases[] = {
        {{"reboot_required", NULL}, MEND_EVENT_REBOOT_REQUIRED, "warning"},
        {{"fixed", "failed"}, MEND_EVENT_PARTIAL, "warning"},
        {{"failed", NULL}, MEND_EVENT_FAILED, "warning"},
        {{"healthy", NULL}, MEND_EVENT_HEALTHY, "information"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        remove(seam);
        mend_report *r = mend_report_new("sim", false);
        for (int k = 0; k < 2 && cases[i].outcomes[k]; k++) {
            char name[16];
            snprintf(name, sizeof name, "P%d", k);
            mend_report_policy_set(r, name, "outcome", cases[i].outcomes[k]);
        }
        mend_report_count(r, MEND_COUNT_SERVICE_RESTARTS);
        assert_int_equal(mend_eventlog_write(r, NULL), 0);
        int n;
        cJSON **ev = read_events(&n);
        assert_int_equal(n, 1);
        assert_int_equal(id_of(ev[0]), cases[i].id);
        assert_string_equal(field(ev[0], "type"), cases[i].type);
        free_events(ev);
        mend_report_free(r);
    }
}

static void test_eventlog_dry_run_writes_nothing_even_with_a_problem(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", true);
    mend_report_policy_set(r, "Corp-QM", "outcome", "blocked");
    mend_report_count(r, MEND_COUNT_DELETES);
    assert_false(mend_eventlog_wanted(r));
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    int n;
    read_events(&n);
    assert_int_equal(n, 0);
    mend_report_free(r);
}

static void test_eventlog_appends_one_line_per_run(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "failed");
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    int n;
    cJSON **ev = read_events(&n);
    assert_int_equal(n, 2);
    free_events(ev);
    mend_report_free(r);
}

static void test_eventlog_without_the_seam_off_windows_does_nothing(void **state)
{
    (void)state;
    unsetenv(MEND_EVENTLOG_ENV);
    mend_report *r = mend_report_new("local", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "failed");
    assert_int_equal(mend_eventlog_write(r, NULL), 0);
    int n;
    read_events(&n);
    assert_int_equal(n, 0);
    mend_report_free(r);
}

static void test_eventlog_unwritable_seam_reports_failure(void **state)
{
    (void)state;
    setenv(MEND_EVENTLOG_ENV, MEND_TEST_TMP "/no-such-folder/x/events.jsonl", 1);
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "failed");
    assert_int_equal(mend_eventlog_write(r, NULL), -1);
    mend_report_free(r);
}

/* The one call runner.c makes: the event carries the command's wording, and a dry run (by the
 * options) writes none. */
static void test_fleet_after_run_writes_the_event_in_the_commands_words(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", "failed");
    assert_int_equal(mend_fleet_after_run(r, MEND_CMD_CHECK, false, false, false), 0);
    int n;
    cJSON **ev = read_events(&n);
    assert_int_equal(n, 1);
    assert_string_equal(field(ev[0], "message"),
                        "mend: found 1 stuck policy; reboot required: no; problems: \"Corp-QM\" stuck");
    free_events(ev);

    remove(seam);
    assert_int_equal(mend_fleet_after_run(r, MEND_CMD_CHECK, true, false, false), 0);
    read_events(&n);
    assert_int_equal(n, 0);
    mend_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eventlog_healthy_run_without_changes_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_fixed_run_writes_one_information_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_blocked_policy_is_a_warning_with_the_advice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_ids_follow_the_run_outcome, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_dry_run_writes_nothing_even_with_a_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_appends_one_line_per_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_without_the_seam_off_windows_does_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_unwritable_seam_reports_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet_after_run_writes_the_event_in_the_commands_words, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
