/* The report: DESIGN's JSON fields, policy order, outcome derivation, exit codes, summary. */
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

#include "platform.h"
#include "engine.h"
#include "report.h"

static mend_report *with_outcomes(const char *const *outcomes)
{
    mend_report *r = mend_report_new("sim", false);
    char name[32];
    for (int i = 0; outcomes[i]; i++) {
        snprintf(name, sizeof name, "P%d", i);
        mend_report_policy_set(r, name, "outcome", outcomes[i]);
    }
    return r;
}

#define OUTCOMES(...) with_outcomes((const char *const[]){__VA_ARGS__, NULL})

static void assert_outcome(mend_report *r, const char *want, int exit_default, int exit_sccm)
{
    assert_string_equal(mend_report_outcome(r), want);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_DEFAULT), exit_default);
    assert_int_equal(mend_report_exit_code(r, MEND_EXIT_SCCM), exit_sccm);
    mend_report_free(r);
}

static void test_report_outcome_no_policies_is_healthy(void **state)
{
    (void)state;
    assert_outcome(mend_report_new("sim", false), "healthy", 0, 0);
}

static void test_report_outcome_fixed_and_healthy(void **state)
{
    (void)state;
    assert_outcome(OUTCOMES("fixed", "healthy"), "fixed", 0, 0);
    assert_outcome(OUTCOMES("healthy", "healthy"), "healthy", 0, 0);
}

/* A named policy that does not exist is a problem (a typo must not read healthy): not_found,
 * exit 1, unless something worse decides the run. */
static void test_report_outcome_missing_name_is_not_found(void **state)
{
    (void)state;
    assert_outcome(OUTCOMES("healthy", "not_found"), "not_found", 1, 1);
    assert_outcome(OUTCOMES("fixed", "healthy", "not_found"), "not_found", 1, 1);
    assert_outcome(OUTCOMES("not_found", "blocked"), "failed", 1, 1);
    assert_outcome(OUTCOMES("not_found", "fixed", "failed"), "partial", 1, 1);
}

static void test_report_outcome_reboot_required(void **state)
{
    (void)state;
    assert_outcome(OUTCOMES("fixed", "reboot_required"), "reboot_required", 3, 3010);
    /* A reboot that mend itself initiated is 1641 for SCCM. */
    mend_report *r = OUTCOMES("reboot_required");
    mend_report_count(r, MEND_COUNT_REBOOTS);
    assert_outcome(r, "reboot_required", 3, 1641);
}

static void test_report_outcome_partial_and_failed(void **state)
{
    (void)state;
    assert_outcome(OUTCOMES("fixed", "blocked"), "partial", 1, 1);
    assert_outcome(OUTCOMES("fixed", "failed", "reboot_required"), "partial", 1, 1);
    assert_outcome(OUTCOMES("blocked"), "failed", 1, 1);
    assert_outcome(OUTCOMES("healthy", "failed"), "failed", 1, 1);
    assert_outcome(OUTCOMES("reboot_required", "blocked"), "failed", 1, 1);
    mend_report *r = OUTCOMES("fixed");
    mend_report_fail(r, "script error");
    assert_outcome(r, "failed", 1, 1);
}

static void test_report_json_has_designs_fields(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", true);
    mend_report_policy_set(r, "Corp-QM", "before", "pending_deletion");
    mend_report_policy_set(r, "Corp-QM", "after", "absent");
    mend_report_policy_set(r, "Corp-QM", "outcome", "fixed");
    mend_report_policy_set(r, "Corp-QM", "rung", "delete");
    cJSON *step = cJSON_CreateObject();
    cJSON_AddStringToObject(step, "action", "ipsec.delete");
    mend_report_step(r, "Corp-QM", step);
    mend_report_count(r, MEND_COUNT_DELETES);
    mend_report_advise(r, "Disable IPsec offload on Ethernet0.");
    mend_report_advise(r, "Disable IPsec offload on Ethernet0.");

    char *json = mend_report_json(r, false);
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "mend")->valuestring, MEND_VERSION);
    assert_string_equal(cJSON_GetObjectItem(doc, "host")->valuestring, "sim");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "dry_run")));
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "fixed");
    cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "policies"), 0);
    assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring, "Corp-QM");
    assert_string_equal(cJSON_GetObjectItem(p, "before")->valuestring, "pending_deletion");
    assert_string_equal(cJSON_GetObjectItem(p, "after")->valuestring, "absent");
    assert_string_equal(cJSON_GetObjectItem(p, "outcome")->valuestring, "fixed");
    assert_string_equal(cJSON_GetObjectItem(p, "rung")->valuestring, "delete");
    cJSON *steps = cJSON_GetObjectItem(p, "steps");
    assert_int_equal(cJSON_GetArraySize(steps), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 0), "action")->valuestring, "ipsec.delete");

    /* DESIGN's eight counters come first, in DESIGN's order. */
    const char *first[] = {"deletes", "gpupdates", "service_restarts", "reboots", "kills", "registry_deletes",
                           "unassigns", "offload_changes"};
    cJSON *a = cJSON_GetObjectItem(doc, "actions")->child;
    for (int i = 0; i < 8; i++, a = a->next) {
        assert_non_null(a);
        assert_string_equal(a->string, first[i]);
    }
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "actions"), "deletes")->valuedouble == 1);
    cJSON *advice = cJSON_GetObjectItem(doc, "advice");
    assert_int_equal(cJSON_GetArraySize(advice), 1);
    assert_string_equal(cJSON_GetArrayItem(advice, 0)->valuestring, "Disable IPsec offload on Ethernet0.");
    cJSON_Delete(doc);
    free(json);
    mend_report_free(r);
}

static void test_report_policy_get_and_fields(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("local", false);
    assert_null(mend_report_policy_get(r, "X", "outcome"));
    mend_report_policy_set(r, "X", "outcome", "blocked");
    mend_report_policy_set(r, "X", "outcome", "fixed");
    assert_string_equal(mend_report_policy_get(r, "X", "outcome"), "fixed");
    assert_null(mend_report_policy_get(r, "X", "rung"));
    /* "name" is the key, never rewritten. */
    mend_report_policy_set(r, "X", "name", "Y");
    assert_string_equal(mend_report_policy_get(r, "X", "name"), "X");
    assert_int_equal(mend_report_policy_count(r), 1);
    mend_report_free(r);
}

static void test_report_steps_without_policy_go_to_the_run(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_step(r, NULL, cJSON_CreateString("note"));
    assert_int_equal(mend_report_policy_count(r), 0);
    char *json = mend_report_json(r, false);
    cJSON *doc = cJSON_Parse(json);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "steps")), 1);
    cJSON_Delete(doc);
    free(json);
    mend_report_free(r);
}

static void test_report_ten_thousand_policies_in_first_recorded_order(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    char name[32];
    for (int i = 9999; i >= 0; i--) {
        snprintf(name, sizeof name, "policy-%05d", i);
        mend_report_policy_set(r, name, "before", "pending_deletion");
    }
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "policy-%05d", i);
        mend_report_policy_set(r, name, "outcome", "fixed");
        mend_report_step(r, name, cJSON_CreateObject());
    }
    assert_int_equal(mend_report_policy_count(r), 10000);
    char *json = mend_report_json(r, false);
    cJSON *doc = cJSON_Parse(json);
    cJSON *pols = cJSON_GetObjectItem(doc, "policies");
    assert_int_equal(cJSON_GetArraySize(pols), 10000);
    assert_string_equal(cJSON_GetObjectItem(pols->child, "name")->valuestring, "policy-09999");
    assert_string_equal(cJSON_GetObjectItem(pols->child->prev, "name")->valuestring, "policy-00000");
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "fixed");
    cJSON_Delete(doc);
    free(json);
    mend_report_free(r);
}

static void test_report_write_is_the_json(void **state)
{
    (void)state;
    const char *path = MEND_TEST_TMP "/engine_report/sub/report.json";
    mend_remove(path);
    mend_report *r = OUTCOMES("fixed");
    mend_err e;
    assert_int_equal(mend_report_write(r, path, &e), 0);
    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "fixed");
    cJSON_Delete(doc);
    free(buf);
    mend_report_free(r);
}

static void test_report_summary_table_is_aligned(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Corp-QM", "before", "pending_deletion");
    mend_report_policy_set(r, "Corp-QM", "after", "absent");
    mend_report_policy_set(r, "Corp-QM", "outcome", "fixed");
    mend_report_policy_set(r, "Corp-QM", "rung", "delete");
    mend_report_policy_set(r, "Zürich-QM", "outcome", "blocked");
    mend_report_advise(r, "rerun with --allow kill");
    char buf[4096] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    mend_report_print_summary(r, f);
    fclose(f);
    const char *l1 = buf, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    assert_memory_equal(l1, "POLICY", 6);
    assert_memory_equal(l2, "Corp-QM", 7);
    /* The OUTCOME column starts at the same character in every row (ü is one character). */
    size_t col = (size_t)(strstr(l1, "OUTCOME") - l1);
    assert_memory_equal(l2 + col, "fixed", 5);
    assert_memory_equal(l3 + col + 1, "blocked", 7); /* +1: ü takes two bytes */
    assert_non_null(strstr(buf, "outcome: partial"));
    assert_non_null(strstr(buf, "rerun with --allow kill"));
    mend_report_free(r);
}

/* A name with a tab (printed \t) or wide characters (two columns each) keeps the columns lined
 * up: what is measured is what the terminal shows. */
static void test_report_table_lines_up_escaped_and_wide_names(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Plain-QM", "outcome", "fixed");
    mend_report_policy_set(r, "Tab\tQM", "outcome", "failed");
    mend_report_policy_set(r, "\xe6\x94\xbf\xe7\xad\x96-QM", "outcome", "blocked");   /* 政策-QM */
    char buf[4096] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    mend_report_print_summary(r, f);
    fclose(f);
    const char *l1 = buf, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1, *l4 = strchr(l3, '\n') + 1;
    size_t col = (size_t)(strstr(l1, "OUTCOME") - l1);
    assert_memory_equal(l2 + col, "fixed", 5);
    assert_memory_equal(l3, "Tab\\tQM", 7);                 /* shown escaped, 7 columns */
    assert_memory_equal(l3 + col, "failed", 6);
    assert_memory_equal(l4 + col + 2, "blocked", 7);         /* +2: 6 bytes, 4 columns */
    mend_report_free(r);
}

/* The document's keys, in the order docs/cli.md lists them, whatever was recorded first. */
static void test_report_keys_come_in_the_documented_order(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_advise(r, "first");
    mend_report_step(r, NULL, cJSON_CreateObject());
    mend_report_policy_set(r, "P", "rung", "delete");
    mend_report_fail(r, "boom");
    char *json = mend_report_json(r, false);
    cJSON *doc = cJSON_Parse(json);
    static const char *const order[] = { "mend", "host", "computer", "started", "finished", "duration_s", "dry_run",
                                         "outcome", "exit_code", "changed", "reboot_required", "policies", "actions",
                                         "advice", "steps", "data", "error" };
    const cJSON *k = doc->child;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++, k = k->next) {
        assert_non_null(k);
        assert_string_equal(k->string, order[i]);
    }
    assert_null(k);
    static const char *const pol[] = { "name", "before", "after", "outcome", "rung", "steps" };
    k = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "policies"), 0)->child;
    for (size_t i = 0; i < 6; i++, k = k->next)
        assert_string_equal(k->string, pol[i]);
    cJSON_Delete(doc);
    free(json);
    mend_report_free(r);
}

/* A step's known keys first in a fixed order, its own after them in the order given. */
static void test_report_step_keys_known_first_then_own(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    cJSON *step = cJSON_CreateObject();
    cJSON_AddStringToObject(step, "zeta", "z");
    cJSON_AddStringToObject(step, "code", "in_use");
    cJSON_AddBoolToObject(step, "ok", false);
    cJSON_AddArrayToObject(step, "holders");
    cJSON_AddStringToObject(step, "action", "ipsec.delete");
    cJSON_AddStringToObject(step, "rung", "delete");
    cJSON_AddNumberToObject(step, "target", 7); /* not a string: kept as the script's own */
    mend_report_step(r, "P", step);
    char *json = mend_report_json(r, false);
    assert_non_null(strstr(json, "\"steps\":[{\"rung\":\"delete\",\"action\":\"ipsec.delete\",\"ok\":false,"
                                 "\"code\":\"in_use\",\"zeta\":\"z\",\"holders\":[],\"target\":7}]"));
    free(json);
    mend_report_free(r);
}

static void test_report_changed_only_when_an_action_was_really_taken(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    assert_false(mend_report_changed(r));
    mend_report_count(r, MEND_COUNT_DELETES);
    assert_true(mend_report_changed(r));
    mend_report_free(r);
    r = mend_report_new("sim", true); /* a dry run counts what it would do, and changes nothing */
    mend_report_count(r, MEND_COUNT_DELETES);
    assert_false(mend_report_changed(r));
    mend_report_free(r);
}

static void test_report_reboot_required_also_when_partial(void **state)
{
    (void)state;
    mend_report *r = OUTCOMES("fixed", "blocked", "reboot_required");
    assert_string_equal(mend_report_outcome(r), "partial");
    assert_true(mend_report_reboot_required(r));
    mend_report_free(r);
    r = OUTCOMES("fixed");
    assert_false(mend_report_reboot_required(r));
    mend_report_free(r);
}

static void test_report_exit_code_is_the_one_given_at_finish(void **state)
{
    (void)state;
    mend_report *r = OUTCOMES("blocked");
    char *json = mend_report_json(r, false);
    assert_non_null(strstr(json, "\"exit_code\":1,"));
    free(json);
    mend_report_finish(r, 2);
    json = mend_report_json(r, false);
    assert_non_null(strstr(json, "\"exit_code\":2,"));
    free(json);
    mend_report_free(r);
}

static void test_report_data_sorted_by_key_and_replaced(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    cJSON *v = cJSON_CreateNumber(1);
    assert_int_equal(mend_report_data(r, "zeta", v), 0);
    cJSON_Delete(v);
    v = cJSON_CreateArray();
    assert_int_equal(mend_report_data(r, "alpha", v), 0);
    cJSON_Delete(v);
    v = cJSON_CreateString("two");
    assert_int_equal(mend_report_data(r, "zeta", v), 0);
    cJSON_Delete(v);
    char *json = mend_report_json(r, false);
    assert_non_null(strstr(json, "\"data\":{\"alpha\":[],\"zeta\":\"two\"}"));
    free(json);
    mend_report_free(r);
}

static void test_report_names_that_are_not_utf8_stay_valid_json(void **state)
{
    (void)state;
    mend_report *r = mend_report_new("sim", false);
    mend_report_policy_set(r, "Z\xC3\xBCrich\xFF\x01", "outcome", "fixed");
    char *json = mend_report_json(r, false);
    assert_non_null(strstr(json, "\"name\":\"Z\xC3\xBCrich?\\u0001\""));
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    cJSON_Delete(doc);
    free(json);
    mend_report_free(r);
}

static void test_report_usage_error_is_a_whole_document(void **state)
{
    (void)state;
    char buf[8192] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_int_equal(mend_report_print_usage_error("unknown option '--bogus'", f), 0);
    fclose(f);
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "failed");
    assert_int_equal(cJSON_GetObjectItem(doc, "exit_code")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(doc, "error")->valuestring, "unknown option '--bogus'");
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(doc, "policies")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "policies")), 0);
    cJSON_Delete(doc);
}

int main(void)
{
    mend_err e;
    mend_mkdirs(MEND_TEST_TMP "/engine_report", &e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_outcome_no_policies_is_healthy),
        cmocka_unit_test(test_report_keys_come_in_the_documented_order),
        cmocka_unit_test(test_report_step_keys_known_first_then_own),
        cmocka_unit_test(test_report_changed_only_when_an_action_was_really_taken),
        cmocka_unit_test(test_report_reboot_required_also_when_partial),
        cmocka_unit_test(test_report_exit_code_is_the_one_given_at_finish),
        cmocka_unit_test(test_report_data_sorted_by_key_and_replaced),
        cmocka_unit_test(test_report_names_that_are_not_utf8_stay_valid_json),
        cmocka_unit_test(test_report_usage_error_is_a_whole_document),
        cmocka_unit_test(test_report_outcome_fixed_and_healthy),
        cmocka_unit_test(test_report_outcome_missing_name_is_not_found),
        cmocka_unit_test(test_report_outcome_reboot_required),
        cmocka_unit_test(test_report_outcome_partial_and_failed),
        cmocka_unit_test(test_report_json_has_designs_fields),
        cmocka_unit_test(test_report_policy_get_and_fields),
        cmocka_unit_test(test_report_steps_without_policy_go_to_the_run),
        cmocka_unit_test(test_report_ten_thousand_policies_in_first_recorded_order),
        cmocka_unit_test(test_report_write_is_the_json),
        cmocka_unit_test(test_report_summary_table_is_aligned),
        cmocka_unit_test(test_report_table_lines_up_escaped_and_wide_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
