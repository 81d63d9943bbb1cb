/* End-to-end fleet conventions through the mend CLI on the simulator: Intune's exit codes and
 * summary line, SCCM's reboot codes, the event-log seam. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "summary.h"
#include "utf.h"

#define SCENARIOS MEND_SOURCE_DIR "/tests/fleet/scenarios"

static char work[512];

typedef struct run_result {
    int code;        /* exit status, or -1 when killed */
    char *out;       /* stdout */
    size_t outlen;
    char *err;       /* stderr */
} run_result;

static void result_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Runs mend with the given arguments (NULL-terminated), each single-quoted for the shell. */
static run_result run_mend(const char *arg, ...)
{
    char cmd[8192], errfile[600];
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", work);
    int n = snprintf(cmd, sizeof cmd, "'%s'", MEND_EXE);
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *))
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", a);
    va_end(ap);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " 2>'%s' </dev/null", errfile);
    run_result r = {0};
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16;
    r.out = malloc(cap);
    size_t k;
    while ((k = fread(r.out + r.outlen, 1, cap - r.outlen - 1, p)) > 0) {
        r.outlen += k;
        if (cap - r.outlen < 2) {
            cap *= 2;
            r.out = realloc(r.out, cap);
            assert_non_null(r.out);
        }
    }
    r.out[r.outlen] = '\0';
    int st = pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.err = slurp(errfile, NULL);
    return r;
}

/* A fresh copy of a scenario as the simulator's state file; returns "sim:PATH". */
static const char *fresh_host(const char *scenario)
{
    static char spec[1300];
    char src[600], dst[1200];
    snprintf(src, sizeof src, "%s/%s.lua", SCENARIOS, scenario);
    snprintf(dst, sizeof dst, "%s/%s-state.lua", work, scenario);
    size_t len;
    char *text = slurp(src, &len);
    assert_non_null(text);
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    free(text);
    snprintf(spec, sizeof spec, "sim:%s", dst);
    return spec;
}

/* The last line of stdout (without its newline), checked the way Intune needs it. */
static const char *last_line(run_result *r)
{
    assert_true(r->outlen > 0);
    assert_int_equal(r->out[r->outlen - 1], '\n');
    r->out[r->outlen - 1] = '\0';
    char *start = strrchr(r->out, '\n');
    start = start ? start + 1 : r->out;
    size_t len = strlen(start);
    assert_true(len > 0 && len < MEND_SUMMARY_MAX);
    assert_true(mend_utf8_valid(start, len));
    assert_false(len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0);
    for (size_t i = 0; i < len; i++)
        assert_true((unsigned char)start[i] >= 0x20 && start[i] != 0x7F);
    assert_true(strncmp(start, "mend", 4) == 0);
    return start;
}

static int setup(void **state)
{
    (void)state;
    snprintf(work, sizeof work, "%s/fleet-cli-%ld", MEND_TEST_TMP, (long)getpid());
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", work, work);
    assert_int_equal(system(cmd), 0);
    unsetenv("MEND_EVENTLOG_FILE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

/* Intune: detection exits 1 on a stuck policy, remediation fixes it, detection then exits 0. */
static void test_cli_intune_detect_remediate_detect(void **state)
{
    (void)state;
    const char *host = fresh_host("stuck");
    run_result r = run_mend("check", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 1);
    const char *line = last_line(&r);
    assert_string_equal(line, "mend: found 1 stuck policy; reboot required: no; problems: \"Corp-QM\" stuck");
    result_free(&r);

    r = run_mend("fix", "--all-pending", "--summary", "--allow", "kill,nic", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    line = last_line(&r);
    assert_string_equal(line, "mend: fixed 1 of 1 stuck policy; reboot required: no; actions: 1 delete");
    result_free(&r);

    r = run_mend("check", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    line = last_line(&r);
    assert_string_equal(line, "mend: no stuck policies; reboot required: no");
    result_free(&r);
}

/* A policy held by a VPN client while kill is not allowed: exit 1, the summary names the gate. */
static void test_cli_blocked_policy_summary_names_the_gate(void **state)
{
    (void)state;
    const char *host = fresh_host("blocked");
    run_result r = run_mend("fix", "--all-pending", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 1);
    const char *line = last_line(&r);
    assert_non_null(strstr(line, "1 blocked (needs --allow kill)"));
    assert_non_null(strstr(line, "\"Corp-QM\" blocked"));
    result_free(&r);
}

/* Only a reboot clears driver_state: exit 3, or SCCM's 3010 (seen as 3010 & 0xFF off Windows). */
static void test_cli_reboot_required_exit_codes(void **state)
{
    (void)state;
    const char *host = fresh_host("driver_state");
    run_result r = run_mend("fix", "--all-pending", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 3);
    const char *line = last_line(&r);
    assert_non_null(strstr(line, "reboot required: yes (1 policy), needs --allow reboot"));
    result_free(&r);

    host = fresh_host("driver_state");
    r = run_mend("fix", "--all-pending", "--summary", "--exit-codes", "sccm", "--host", host, NULL);
    assert_int_equal(r.code, 3010 & 0xFF);
    last_line(&r);
    result_free(&r);

    /* A dry run reports the same reboot code without touching the state. */
    host = fresh_host("driver_state");
    r = run_mend("fix", "--all-pending", "--dry-run", "--exit-codes", "sccm", "--host", host, NULL);
    assert_int_equal(r.code, 3010 & 0xFF);
    result_free(&r);
}

/* With --allow reboot the simulator reboots at once and the ladder verifies after it: nothing
 * is left pending, so SCCM gets 0, not 1641 (no restart is still to come). */
static void test_cli_sccm_allowed_reboot_that_fixed_everything_is_success(void **state)
{
    (void)state;
    const char *host = fresh_host("driver_state");
    run_result r = run_mend("fix", "--all-pending", "--summary", "--exit-codes", "sccm", "--allow", "reboot",
                            "--host", host, NULL);
    const char *line = last_line(&r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(line, "fixed 1 of 1 stuck policy; reboot required: no"));
    assert_non_null(strstr(line, "1 reboot"));
    result_free(&r);
}

/* --json keeps stdout one JSON document; the summary then goes last on stderr. */
static void test_cli_json_and_summary_keep_stdout_parseable(void **state)
{
    (void)state;
    const char *host = fresh_host("stuck");
    run_result r = run_mend("fix", "--all-pending", "--json", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "outcome")->valuestring, "fixed");
    cJSON_Delete(doc);
    assert_non_null(r.err);
    size_t n = strlen(r.err);
    assert_true(n > 1 && r.err[n - 1] == '\n');
    r.err[n - 1] = '\0';
    const char *last = strrchr(r.err, '\n');
    last = last ? last + 1 : r.err;
    assert_string_equal(last, "mend: fixed 1 of 1 stuck policy; reboot required: no; actions: 1 delete");
    result_free(&r);
}

/* 10,000 stuck policies with long names full of quotes, tabs, newlines and emoji: the last line
 * stays one clean line under 2,048 bytes, cut with "…". */
static void test_cli_ten_thousand_odd_names_keep_the_line_short(void **state)
{
    (void)state;
    char path[700];
    snprintf(path, sizeof path, "%s/many.lua", work);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("local p = {}\n"
          "for i = 1, 10000 do\n"
          "  p[i] = { name = string.format('Pol\\u{ED}\\u{7B56}-%05d \"quoted\" \\t tab \\n\\u{202E}', i)\n"
          "                  .. string.rep('\\u{1F512}x', 80),\n"
          "           state = 'pending_deletion', assigned = false, sa_count = 0 }\n"
          "end\n"
          "return { policies = p, services = { PolicyAgent = { state = 'running' } },\n"
          "         processes = { { pid = 4, name = 'System' }, { pid = 700, name = 'lsass.exe' } },\n"
          "         handles = { }, nics = { } }\n",
          f);
    fclose(f);
    char host[720];
    snprintf(host, sizeof host, "sim:%s", path);

    run_result r = run_mend("check", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 1);
    const char *line = last_line(&r);
    size_t len = strlen(line);
    assert_true(len > MEND_SUMMARY_MAX - 500);
    assert_string_equal(line + len - 3, "\xE2\x80\xA6");
    assert_non_null(strstr(line, "\\\"quoted\\\" \\t tab \\n\\u202E"));
    result_free(&r);

    /* A dry run: the same ladder and report without 10,000 fsynced journal records. */
    r = run_mend("fix", "--all-pending", "--dry-run", "--summary", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    line = last_line(&r);
    assert_string_equal(line, "mend (dry run): would fix 10000 of 10000 stuck policies; reboot required: no; "
                              "actions that would run: 10000 deletes");
    result_free(&r);
}

/* The event-log seam: a run that changed something or found a problem writes one event. */
static void test_cli_event_log_one_event_per_run_that_matters(void **state)
{
    (void)state;
    char events[700];
    snprintf(events, sizeof events, "%s/events.jsonl", work);
    setenv("MEND_EVENTLOG_FILE", events, 1);
    const char *host = fresh_host("stuck");

    run_result r = run_mend("fix", "--all-pending", "--dry-run", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    result_free(&r);
    assert_null(slurp(events, NULL)); /* a dry run is a rehearsal */

    r = run_mend("check", "--host", host, NULL);
    assert_int_equal(r.code, 1);
    result_free(&r);
    r = run_mend("fix", "--all-pending", "--host", host, NULL);
    assert_int_equal(r.code, 0);
    result_free(&r);
    r = run_mend("check", "--host", host, NULL); /* healthy, nothing changed: no event */
    assert_int_equal(r.code, 0);
    result_free(&r);
    unsetenv("MEND_EVENTLOG_FILE");

    char *text = slurp(events, NULL);
    assert_non_null(text);
    char *second = strchr(text, '\n');
    assert_non_null(second);
    *second++ = '\0';
    assert_non_null(strchr(second, '\n'));
    assert_string_equal(strchr(second, '\n') + 1, "");
    cJSON *found = cJSON_Parse(text), *fixed = cJSON_Parse(second);
    assert_non_null(found);
    assert_non_null(fixed);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(found, "source")->valuestring, "mend");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(found, "log")->valuestring, "Application");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(found, "type")->valuestring, "warning");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(fixed, "type")->valuestring, "information");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(fixed, "id")->valueint, 1000);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(fixed, "message")->valuestring,
                        "mend: fixed 1 of 1 stuck policy; reboot required: no; actions: 1 delete");
    cJSON_Delete(found);
    cJSON_Delete(fixed);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli_intune_detect_remediate_detect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_blocked_policy_summary_names_the_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_reboot_required_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_sccm_allowed_reboot_that_fixed_everything_is_success, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_json_and_summary_keep_stdout_parseable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_ten_thousand_odd_names_keep_the_line_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_event_log_one_event_per_run_that_matters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
