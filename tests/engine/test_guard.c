/* The guard before every mutating call: gates, dry-run SKIP, journal begin/end, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "journal.h"
#include "platform.h"
#include "report.h"

#define JOURNAL MEND_TEST_TMP "/engine_guard/journal.jsonl"

static mend_options g_opts;
static mend_engine g_eng;
static int g_asked;

static bool ask_yes(void *ud, const char *q)
{
    (void)ud;
    (void)q;
    g_asked++;
    return true;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_opts, 0, sizeof g_opts);
    memset(&g_eng, 0, sizeof g_eng);
    g_eng.opts = &g_opts;
    g_eng.report = mend_report_new("sim", false);
    mend_remove(JOURNAL);
    mend_err e;
    g_eng.journal = mend_journal_open(JOURNAL, "run-1", &e);
    assert_non_null(g_eng.journal);
    g_asked = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mend_journal_close(g_eng.journal);
    mend_report_free(g_eng.report);
    return 0;
}

/* The journal's lines, each parsed (the test fails on a line that is not JSON). */
static size_t journal_lines(cJSON **out, size_t max)
{
    char *buf;
    size_t len;
    mend_err e;
    if (mend_read_file(JOURNAL, &buf, &len, &e) != 0)
        return 0;
    size_t n = 0;
    for (char *line = strtok(buf, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        if (!o)
            fail_msg("journal line is not JSON: %s", line);
        out[n++] = o;
    }
    free(buf);
    return n;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const mend_action kill_action = {"proc.kill", "vpnagent.exe (pid 4242)", MEND_GATE_KILL, MEND_COUNT_KILLS, NULL};
static const mend_action delete_action = {"ipsec.delete", "Corp-QM", 0, MEND_COUNT_DELETES, NULL};
static const mend_action reboot_action = {"sys.reboot", "this machine", MEND_GATE_REBOOT, MEND_COUNT_REBOOTS, NULL};

static void test_guard_ungated_action_journals_begin_and_end_in_order(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_GO);
    /* The begin record is on disk before the caller acts. */
    cJSON *lines[8];
    size_t n = journal_lines(lines, 8);
    assert_int_equal(n, 1);
    assert_string_equal(str(lines[0], "event"), "begin");
    assert_string_equal(str(lines[0], "op"), "ipsec.delete");
    assert_string_equal(str(lines[0], "target"), "Corp-QM");
    assert_string_equal(str(lines[0], "run"), "run-1");
    assert_true(num(lines[0], "seq") == 1);
    assert_non_null(str(lines[0], "ts"));
    cJSON_Delete(lines[0]);

    mend_guard_end(&g_eng, &delete_action, MEND_GUARD_GO, NULL);
    n = journal_lines(lines, 8);
    assert_int_equal(n, 2);
    assert_string_equal(str(lines[1], "event"), "end");
    assert_true(num(lines[1], "seq") == 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lines[1], "ok")));
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 1);
    assert_int_equal(g_eng.seq, 1);
}

static void test_guard_failed_action_is_journaled_not_counted(void **state)
{
    (void)state;
    mend_err e, result;
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_GO);
    mend_err_set(&result, MEND_E_IN_USE, 13002, "The policy is in use.");
    mend_guard_end(&g_eng, &delete_action, MEND_GUARD_GO, &result);
    cJSON *lines[8];
    size_t n = journal_lines(lines, 8);
    assert_int_equal(n, 2);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(lines[1], "ok")));
    assert_string_equal(str(lines[1], "code"), "in_use");
    assert_non_null(strstr(str(lines[1], "message"), "in use"));
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 0);
}

static void test_guard_seq_increments_per_action(void **state)
{
    (void)state;
    mend_err e;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_GO);
        mend_guard_end(&g_eng, &delete_action, MEND_GUARD_GO, NULL);
    }
    cJSON *lines[8];
    size_t n = journal_lines(lines, 8);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_true(num(lines[i], "seq") == (double)(i / 2 + 1));
        assert_string_equal(str(lines[i], "event"), i % 2 ? "end" : "begin");
        cJSON_Delete(lines[i]);
    }
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 3);
}

static void test_guard_refuses_closed_gate_with_the_option_named(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_REFUSED);
    assert_int_equal(e.code, MEND_E_NOT_PERMITTED);
    assert_string_equal(e.msg, "stopping processes is not allowed; rerun with --allow kill");
    mend_guard_end(&g_eng, &kill_action, MEND_GUARD_REFUSED, &e);
    cJSON *lines[2];
    assert_int_equal(journal_lines(lines, 2), 0);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_KILLS), 0);
}

static void test_guard_allow_opens_the_gate(void **state)
{
    (void)state;
    mend_err e;
    g_opts.allow = MEND_GATE_KILL;
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &kill_action, MEND_GUARD_GO, NULL);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_KILLS), 1);
}

static void test_guard_yes_opens_kill_but_never_reboot(void **state)
{
    (void)state;
    mend_err e;
    g_opts.yes = true;
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &kill_action, MEND_GUARD_GO, NULL);
    assert_int_equal(mend_guard_begin(&g_eng, &reboot_action, &e), MEND_GUARD_REFUSED);
    assert_string_equal(e.msg, "rebooting the machine is not allowed; rerun with --allow reboot");
    g_opts.allow = MEND_GATE_REBOOT;
    assert_int_equal(mend_guard_begin(&g_eng, &reboot_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &reboot_action, MEND_GUARD_GO, NULL);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_REBOOTS), 1);
}

static void test_guard_asks_a_person_at_a_terminal(void **state)
{
    (void)state;
    mend_err e;
    g_eng.ask = ask_yes;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &kill_action, MEND_GUARD_GO, NULL);
    assert_int_equal(g_asked, 1);
    /* With --yes a reboot is still a question for the person, never answered by the flag. */
    g_opts.yes = true;
    assert_int_equal(mend_guard_begin(&g_eng, &reboot_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &reboot_action, MEND_GUARD_GO, NULL);
    assert_int_equal(g_asked, 2);
}

static char g_question[4096];

static bool ask_no_keep(void *ud, const char *q)
{
    (void)ud;
    snprintf(g_question, sizeof g_question, "%s", q);
    g_asked++;
    return false;
}

static void test_guard_question_adds_the_purpose_after_the_side_effects(void **state)
{
    (void)state;
    mend_err e;
    g_eng.ask = ask_no_keep;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    snprintf(g_eng.purpose, sizeof g_eng.purpose, "policy 'A'");
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_REFUSED);
    assert_int_equal(g_asked, 1);
    assert_string_equal(g_question, "Allow proc.kill on vpnagent.exe (pid 4242)? This is for policy 'A'.");
    /* Without a purpose the question is the binding's own. */
    g_eng.purpose[0] = '\0';
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_REFUSED);
    assert_string_equal(g_question, "Allow proc.kill on vpnagent.exe (pid 4242)?");
}

static void test_guard_names_are_bounded_and_clean(void **state)
{
    (void)state;
    char buf[256];
    size_t len = 0;
    char *five[] = { "A", "B", "C", "D", "E" };
    mend_guard_names(buf, sizeof buf, &len, five, 5, true);
    assert_string_equal(buf, "'A', 'B', 'C' and 2 more");
    len = 0;
    mend_guard_names(buf, sizeof buf, &len, five, 2, false);
    assert_string_equal(buf, "A and B");
    /* Control characters (C0, DEL, C1 as UTF-8) never reach the terminal. */
    len = 0;
    mend_guard_append(buf, sizeof buf, &len, "a\x1b[2J\r\x7f\xc2\x9b" "b", 100);
    assert_string_equal(buf, "a?[2J???b");
    /* A cut keeps whole characters: 3 bytes of "\xc3\xa9\xc3\xa9" are one e-acute. */
    len = 0;
    mend_guard_append(buf, sizeof buf, &len, "\xc3\xa9\xc3\xa9", 3);
    assert_string_equal(buf, "\xc3\xa9");
    len = 0;
    mend_guard_append(buf, 4, &len, "\xc3\xa9\xc3\xa9", 100);
    assert_string_equal(buf, "\xc3\xa9");
}

static void test_guard_dry_run_skips_on_host_without_what_if(void **state)
{
    (void)state;
    mend_err e;
    g_opts.dry_run = true;
    g_eng.host.what_if = false;
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_SKIP);
    mend_guard_end(&g_eng, &delete_action, MEND_GUARD_SKIP, NULL);
    /* Counted as what would be done; nothing journaled. */
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 1);
    cJSON *lines[2];
    assert_int_equal(journal_lines(lines, 2), 0);
}

static void test_guard_dry_run_goes_on_what_if_host(void **state)
{
    (void)state;
    mend_err e;
    g_opts.dry_run = true;
    g_eng.host.what_if = true;
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_GO);
    mend_guard_end(&g_eng, &delete_action, MEND_GUARD_GO, NULL);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 1);
}

static void test_guard_dry_run_keeps_gates_and_never_prompts(void **state)
{
    (void)state;
    mend_err e;
    g_opts.dry_run = true;
    g_eng.host.what_if = true;
    g_eng.ask = ask_yes;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    assert_int_equal(mend_guard_begin(&g_eng, &kill_action, &e), MEND_GUARD_REFUSED);
    assert_int_equal(e.code, MEND_E_NOT_PERMITTED);
    assert_int_equal(g_asked, 0);
}

static void test_guard_refuses_when_the_journal_cannot_be_written(void **state)
{
    (void)state;
    mend_err e;
    mend_journal_close(g_eng.journal);
    g_eng.journal = mend_journal_open("/dev/full", "run-full", &e); /* every write fails: ENOSPC */
    assert_non_null(g_eng.journal);
    /* No record, no action: a disk that is full stops mutating calls. */
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_REFUSED);
    assert_int_equal(e.code, MEND_E_IO);
    /* The reason names the journal and what the system said, not "only a reboot can clear". */
    assert_non_null(strstr(e.msg, "cannot write the journal /dev/full: No space left on device; mend stopped "
                                  "before ipsec.delete"));
    assert_true(g_eng.journal_failed);
    assert_int_equal(mend_report_counter(g_eng.report, MEND_COUNT_DELETES), 0);
    /* Every later action is refused too, without trying the journal again. */
    assert_int_equal(mend_guard_begin(&g_eng, &delete_action, &e), MEND_GUARD_REFUSED);
    assert_non_null(strstr(e.msg, "could not be written earlier in this run"));
    g_eng.journal_failed = false;
}

static void test_counter_names(void **state)
{
    (void)state;
    const char *want[] = {"deletes", "gpupdates", "service_restarts", "reboots", "kills", "registry_deletes",
                          "unassigns", "offload_changes"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(mend_counter_name((mend_counter)i), want[i]);
    assert_null(mend_counter_name(MEND_COUNT__N));
    assert_null(mend_counter_name(MEND_COUNT_NONE));
}

int main(void)
{
    mend_err e;
    mend_mkdirs(MEND_TEST_TMP "/engine_guard", &e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guard_ungated_action_journals_begin_and_end_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_failed_action_is_journaled_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_seq_increments_per_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_refuses_closed_gate_with_the_option_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_allow_opens_the_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_yes_opens_kill_but_never_reboot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_asks_a_person_at_a_terminal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_question_adds_the_purpose_after_the_side_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_names_are_bounded_and_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_dry_run_skips_on_host_without_what_if, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_dry_run_goes_on_what_if_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_dry_run_keeps_gates_and_never_prompts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_refuses_when_the_journal_cannot_be_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
