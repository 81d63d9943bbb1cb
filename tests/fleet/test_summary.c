/* Tests of the one-line summary Intune and SCCM capture: wording, length, encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "report.h"
#include "summary.h"
#include "utf.h"

static void set_policy(mend_report *r, const char *name, const char *before, const char *after,
                       const char *outcome)
{
    mend_report_policy_set(r, name, "before", before);
    mend_report_policy_set(r, name, "after", after);
    mend_report_policy_set(r, name, "outcome", outcome);
}

static void count(mend_report *r, mend_counter c, int times)
{
    for (int i = 0; i < times; i++)
        mend_report_count(r, c);
}

/* What Intune needs of the last line: short, one line, valid UTF-8, no BOM, nothing hidden. */
static void assert_clean_line(const char *s, size_t len)
{
    assert_int_equal(strlen(s), len);
    assert_true(len < MEND_SUMMARY_MAX);
    assert_true(mend_utf8_valid(s, len));
    assert_false(len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        assert_true(c >= 0x20 && c != 0x7F);
        /* C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8. */
        if (c == 0xC2 && i + 1 < len)
            assert_false((unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F);
    }
    assert_null(strstr(s, "\xEF\xBB\xBF"));       /* U+FEFF anywhere */
    assert_null(strstr(s, "\xE2\x80\xAE"));       /* U+202E right-to-left override */
    assert_null(strstr(s, "\xE2\x80\xA8"));       /* U+2028 line separator */
}

static void test_summary_fixed_some_blocked_names_the_gate(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "pending_deletion", "absent", "fixed");
    set_policy(r, "Lab-QM", "pending_deletion", "absent", "fixed");
    set_policy(r, "Branch-QM", "pending_deletion", "absent", "fixed");
    set_policy(r, "VPN-QM", "pending_deletion", "pending_deletion", "blocked");
    mend_report_advise(r, "VPN-QM: vpnagent.exe (pid 4242) holds it; stopping processes is not allowed; "
                          "rerun with --allow kill");
    count(r, MEND_COUNT_DELETES, 3);
    count(r, MEND_COUNT_GPUPDATES, 1);
    count(r, MEND_COUNT_SERVICE_RESTARTS, 1);
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line(r, buf, sizeof buf);
    assert_string_equal(buf, "mend: fixed 3 of 4 stuck policies; 1 blocked (needs --allow kill); "
                             "reboot required: no; actions: 3 deletes, 1 gpupdate, 1 service restart; "
                             "problems: \"VPN-QM\" blocked");
    assert_clean_line(buf, n);
    mend_report_free(r);
}

/* Every gate the advice asks for, once each and always in --allow's order; a reboot is not a block. */
static void test_summary_blocked_names_every_gate_in_one_order(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "VPN-QM", "pending_deletion", "pending_deletion", "blocked");
    set_policy(r, "Lab-QM", "pending_deletion", "pending_deletion", "blocked");
    mend_report_advise(r, "VPN-QM: rerun with --allow nic,kill");
    mend_report_advise(r, "Lab-QM: rerun with --allow=registry,kill or --allow reboot");
    char buf[MEND_SUMMARY_MAX];
    mend_summary_line(r, buf, sizeof buf);
    assert_non_null(strstr(buf, "; 2 blocked (needs --allow kill,registry,nic); "));
    mend_report_free(r);
}

static void test_summary_healthy_machine_says_nothing_stuck(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "active", "active", "healthy");
    char buf[MEND_SUMMARY_MAX];
    mend_summary_line(r, buf, sizeof buf);
    assert_string_equal(buf, "mend: no stuck policies; 1 healthy; reboot required: no; actions: none");
    mend_report_free(r);

    r = mend_report_new("sim", false);
    mend_summary_line(r, buf, sizeof buf);
    assert_string_equal(buf, "mend: no stuck policies; reboot required: no; actions: none");
    mend_report_free(r);
}

static void test_summary_reboot_required_names_the_gate_or_the_initiated_reboot(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "pending_deletion", "pending_deletion", "reboot_required");
    mend_report_advise(r, "Only a reboot clears Corp-QM; rerun with --allow reboot or reboot the machine");
    count(r, MEND_COUNT_DELETES, 1);
    char buf[MEND_SUMMARY_MAX];
    mend_summary_line(r, buf, sizeof buf);
    assert_string_equal(buf, "mend: fixed 0 of 1 stuck policy; reboot required: yes (1 policy), needs --allow "
                             "reboot; actions: 1 delete; problems: \"Corp-QM\" needs a reboot");
    count(r, MEND_COUNT_REBOOTS, 1);
    mend_summary_line(r, buf, sizeof buf);
    assert_non_null(strstr(buf, "reboot required: yes (1 policy), reboot initiated; actions: 1 delete, 1 reboot;"));
    mend_report_free(r);
}

static void test_summary_dry_run_says_would(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", true);
    set_policy(r, "Corp-QM", "pending_deletion", "absent", "fixed");
    count(r, MEND_COUNT_DELETES, 1);
    char buf[MEND_SUMMARY_MAX];
    mend_summary_line(r, buf, sizeof buf);
    assert_string_equal(buf, "mend (dry run): would fix 1 of 1 stuck policy; reboot required: no; "
                             "actions that would run: 1 delete");
    mend_report_free(r);
}

static void test_summary_script_error_leads_the_line(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_fail(r, "fix.lua:12: attempt to index a nil value\nstack traceback:\n\t[C]: in ?");
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line(r, buf, sizeof buf);
    assert_clean_line(buf, n);
    assert_string_equal(buf, "mend: error: fix.lua:12: attempt to index a nil value\\nstack traceback:\\n\\t[C]: in ?; "
                             "actions: none");

    /* Policies decided before the error still count. */
    set_policy(r, "Corp-QM", "pending_deletion", "absent", "fixed");
    mend_report_count(r, MEND_COUNT_DELETES);
    n = mend_summary_line(r, buf, sizeof buf);
    assert_clean_line(buf, n);
    assert_string_equal(buf, "mend: error: fix.lua:12: attempt to index a nil value\\nstack traceback:\\n\\t[C]: in ?; "
                             "fixed 1 of 1 stuck policy; reboot required: no; actions: 1 delete");
    mend_report_free(r);
}

static void test_summary_escapes_quotes_controls_and_invisible_characters(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "a\"b\\c\nd\te\x01" "f\xE2\x80\xAEg\xEF\xBB\xBFh\xC2\x85i\xFFj", "pending_deletion",
               "pending_deletion", "failed");
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line(r, buf, sizeof buf);
    assert_clean_line(buf, n);
    assert_non_null(strstr(buf, "problems: \"a\\\"b\\\\c\\nd\\te\\x01f\\u202Eg\\uFEFFh\\u0085i?j\" failed"));
    mend_report_free(r);
}

static void test_summary_shortens_a_long_name_at_a_character(void **state)
{
    (void)state;
    char name[1024] = "";
    for (int i = 0; i < 100; i++)
        strcat(name, "\xC3\xA9"); /* é, two bytes */
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, name, "pending_deletion", "pending_deletion", "failed");
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line(r, buf, sizeof buf);
    assert_clean_line(buf, n);
    char expect[512] = "\"";
    for (int i = 0; i < 60; i++)
        strcat(expect, "\xC3\xA9");
    strcat(expect, "\xE2\x80\xA6\" failed");
    assert_non_null(strstr(buf, expect));
    mend_report_free(r);
}

/* 10,000 stuck policies with long odd names: the line stays whole, under 2,048 bytes. */
static void test_summary_ten_thousand_odd_names_cut_with_ellipsis(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    for (int i = 0; i < 10000; i++) {
        char name[400];
        int k = snprintf(name, sizeof name, "Pol\xC3\xAD\xE7\xAD\x96-%05d \"quoted\"\nline\t", i);
        while (k < 300)
            k += snprintf(name + k, sizeof name - (size_t)k, "\xF0\x9F\x94\x92x");
        set_policy(r, name, "pending_deletion", i % 2 ? "absent" : "pending_deletion", i % 2 ? "fixed" : "blocked");
    }
    mend_report_advise(r, "stopping processes is not allowed; rerun with --allow kill");
    count(r, MEND_COUNT_DELETES, 5000);
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line(r, buf, sizeof buf);
    assert_clean_line(buf, n);
    assert_true(n > MEND_SUMMARY_MAX - 400);
    assert_true(strncmp(buf, "mend: fixed 5000 of 10000 stuck policies; 5000 blocked (needs --allow kill); "
                             "reboot required: no; actions: 5000 deletes; problems: \"Pol",
                        130) == 0);
    assert_string_equal(buf + n - 3, "\xE2\x80\xA6");
    /* The cut falls between entries, never inside a name's quotes. */
    assert_true(buf[n - 4] == 'd');
    mend_report_free(r);
}

static void test_summary_respects_a_small_buffer(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "pending_deletion", "absent", "fixed");
    for (size_t size = 1; size < 120; size++) {
        char buf[128];
        memset(buf, 'Z', sizeof buf);
        size_t n = mend_summary_line(r, buf, size);
        assert_true(n < size);
        assert_int_equal(buf[n], '\0');
        assert_true(mend_utf8_valid(buf, n));
        assert_int_equal(buf[size], 'Z');
    }
    char big[8192];
    size_t n = mend_summary_line(r, big, sizeof big);
    assert_true(n < MEND_SUMMARY_MAX);
    mend_report_free(r);
}

static void test_summary_emit_ends_with_one_newline(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "pending_deletion", "absent", "fixed");
    count(r, MEND_COUNT_DELETES, 1);
    char line[MEND_SUMMARY_MAX];
    mend_summary_line(r, line, sizeof line);
    FILE *f = tmpfile();
    assert_non_null(f);
    mend_summary_emit(line, f);
    rewind(f);
    char text[MEND_SUMMARY_MAX + 8];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_string_equal(text, "mend: fixed 1 of 1 stuck policy; reboot required: no; actions: 1 delete\n");
    mend_report_free(r);
}

/* mend check words the same report as a diagnosis: found, stuck, what fix would need. */
static void test_summary_check_reads_as_a_diagnosis(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    set_policy(r, "Corp-QM", "pending_deletion", "pending_deletion", "failed");
    set_policy(r, "VPN-QM", "pending_deletion", "pending_deletion", "blocked");
    set_policy(r, "Branch-QM", "active", "active", "healthy");
    mend_report_advise(r, "VPN-QM is pending deletion: held open by vpnagent.exe. Fix: mend fix \"VPN-QM\" --allow kill");
    char buf[MEND_SUMMARY_MAX];
    size_t n = mend_summary_line_for(r, MEND_CMD_CHECK, buf, sizeof buf);
    assert_clean_line(buf, n);
    assert_string_equal(buf, "mend: found 2 stuck policies; 1 healthy; 1 blocked (fix needs --allow kill); "
                             "reboot required: no; problems: \"Corp-QM\" stuck, \"VPN-QM\" blocked");
    mend_report_free(r);

    r = mend_report_new("sim", false);
    set_policy(r, "Branch-QM", "active", "active", "healthy");
    mend_summary_line_for(r, MEND_CMD_CHECK, buf, sizeof buf);
    assert_string_equal(buf, "mend: no stuck policies; 1 healthy; reboot required: no");
    mend_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_fixed_some_blocked_names_the_gate),
        cmocka_unit_test(test_summary_blocked_names_every_gate_in_one_order),
        cmocka_unit_test(test_summary_healthy_machine_says_nothing_stuck),
        cmocka_unit_test(test_summary_reboot_required_names_the_gate_or_the_initiated_reboot),
        cmocka_unit_test(test_summary_dry_run_says_would),
        cmocka_unit_test(test_summary_script_error_leads_the_line),
        cmocka_unit_test(test_summary_escapes_quotes_controls_and_invisible_characters),
        cmocka_unit_test(test_summary_shortens_a_long_name_at_a_character),
        cmocka_unit_test(test_summary_ten_thousand_odd_names_cut_with_ellipsis),
        cmocka_unit_test(test_summary_respects_a_small_buffer),
        cmocka_unit_test(test_summary_emit_ends_with_one_newline),
        cmocka_unit_test(test_summary_check_reads_as_a_diagnosis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
