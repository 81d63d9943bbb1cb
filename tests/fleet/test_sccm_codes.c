/* Configuration Manager's reading of mend's exit codes (--exit-codes sccm) on the report itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli.h"
#include "guard.h"
#include "report.h"

static mend_report *report_with(const char *outcome, int reboots)
{
    mend_report *r = mend_report_new("local", false);
    mend_report_policy_set(r, "Corp-QM", "outcome", outcome);
    for (int i = 0; i < reboots; i++)
        mend_report_count(r, MEND_COUNT_REBOOTS);
    return r;
}

/* Only a reboot remains and mend did not start one: 3010, a soft restart ConfigMgr schedules. */
static void test_sccm_reboot_required_is_3010(void **state)
{
    (void)state;
    mend_report *r = report_with("reboot_required", 0);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_SCCM), 3010);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_DEFAULT), 3);
    mend_report_free(r);
}

/* mend started the restart itself (--allow reboot on Windows): 1641, so ConfigMgr does not
 * start another and re-runs detection once the machine is back. */
static void test_sccm_reboot_initiated_is_1641(void **state)
{
    (void)state;
    mend_report *r = report_with("reboot_required", 1);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_SCCM), 1641);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_DEFAULT), 3);
    mend_report_free(r);
}

/* A reboot that already happened and fixed everything (the simulator reboots in-process and
 * the ladder verifies after it) leaves nothing pending: success, 0. */
static void test_sccm_reboot_that_fixed_everything_is_success(void **state)
{
    (void)state;
    mend_report *r = report_with("fixed", 1);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_SCCM), 0);
    mend_report_free(r);
}

/* Everything else keeps mend's meaning: 0 fixed or healthy, 1 a problem remains (a missing name too). */
static void test_sccm_other_outcomes_keep_their_codes(void **state)
{
    (void)state;
    static const struct { const char *outcome; int code; } cases[] = {
        {"fixed", 0}, {"healthy", 0}, {"not_found", 1}, {"blocked", 1}, {"failed", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mend_report *r = report_with(cases[i].outcome, 0);
        assert_int_equal(mend_report_exit_code(r, MEND_EXIT_SCCM), cases[i].code);
        assert_int_equal(mend_report_exit_code(r, MEND_EXIT_DEFAULT), cases[i].code);
        mend_report_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sccm_reboot_required_is_3010),
        cmocka_unit_test(test_sccm_reboot_initiated_is_1641),
        cmocka_unit_test(test_sccm_reboot_that_fixed_everything_is_success),
        cmocka_unit_test(test_sccm_other_outcomes_keep_their_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
