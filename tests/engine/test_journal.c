/* The journal: JSON lines with UTC timestamps, and finding what an interrupted run left open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "platform.h"

#define DIR MEND_TEST_TMP "/engine_journal"

static char g_found[8][128];
static int g_nfound;

static void collect(void *ud, const char *run, const char *op, const char *target)
{
    (void)ud;
    if (g_nfound < 8)
        snprintf(g_found[g_nfound++], sizeof g_found[0], "%s %s %s", run, op, target);
}

static int setup(void **state)
{
    (void)state;
    g_nfound = 0;
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_journal_lines_are_json_with_iso_utc_time(void **state)
{
    (void)state;
    const char *path = DIR "/new/folder/j.jsonl"; /* parent folders are created */
    mend_remove(path);
    mend_err e;
    mend_journal *j = mend_journal_open(path, "r1", &e);
    assert_non_null(j);
    assert_int_equal(mend_journal_event(j, "run_start", "fix Corp-QM", &e), 0);
    assert_int_equal(mend_journal_begin(j, 1, "ipsec.delete", "Corp-QM", &e), 0);
    mend_err result;
    mend_err_set(&result, MEND_E_NOT_FOUND, 2, NULL);
    assert_int_equal(mend_journal_end(j, 1, "ipsec.delete", "Corp-QM", &result, &e), 0);
    mend_journal_close(j);

    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    int n = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), n++) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const char *ts = cJSON_GetObjectItem(o, "ts")->valuestring;
        /* 2026-11-23T21:43:11.123Z */
        assert_int_equal(strlen(ts), 24);
        assert_true(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z');
        assert_string_equal(cJSON_GetObjectItem(o, "run")->valuestring, "r1");
        if (n == 2) {
            assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring, "end");
            assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "ok")));
            assert_string_equal(cJSON_GetObjectItem(o, "code")->valuestring, "not_found");
            assert_non_null(strstr(cJSON_GetObjectItem(o, "message")->valuestring, "(0x2)"));
        }
        cJSON_Delete(o);
    }
    assert_int_equal(n, 3);
    free(buf);
}

/* Without per-record fsync (the simulator) a record must still have left the process the moment
 * it is written: a run that dies abruptly (the crash fault) leaves every record it wrote. */
static void test_journal_unsynced_records_are_out_of_the_process_at_once(void **state)
{
    (void)state;
    const char *path = DIR "/unsynced.jsonl";
    mend_remove(path);
    mend_err e;
    for (int each = 0; each < 2; each++) {
        mend_journal *j = mend_journal_open(path, "r1", &e);
        assert_non_null(j);
        mend_journal_set_sync(j, each != 0);
        assert_int_equal(mend_journal_begin(j, 1, "ipsec.delete", "Corp-QM", &e), 0);
        char *buf;
        size_t len;
        assert_int_equal(mend_read_file(path, &buf, &len, &e), 0); /* read while still open */
        assert_non_null(strstr(buf, "\"begin\""));
        free(buf);
        assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 1);
        mend_journal_close(j);
        mend_remove(path);
        g_nfound = 0;
    }
}

static void test_journal_appends_across_opens(void **state)
{
    (void)state;
    const char *path = DIR "/append.jsonl";
    mend_remove(path);
    mend_err e;
    for (int i = 0; i < 2; i++) {
        mend_journal *j = mend_journal_open(path, i ? "r2" : "r1", &e);
        mend_journal_event(j, "run_start", NULL, &e);
        mend_journal_close(j);
    }
    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    assert_non_null(strstr(buf, "\"r1\""));
    assert_non_null(strstr(buf, "\"r2\""));
    free(buf);
}

static void test_unfinished_none_when_every_begin_ended(void **state)
{
    (void)state;
    const char *path = DIR "/clean.jsonl";
    mend_remove(path);
    mend_err e;
    mend_journal *j = mend_journal_open(path, "r1", &e);
    mend_journal_begin(j, 1, "svc.stop", "PolicyAgent", &e);
    mend_journal_end(j, 1, "svc.stop", "PolicyAgent", NULL, &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 0);
    assert_int_equal(g_nfound, 0);
}

static void test_unfinished_stays_reported_until_a_run_resolves_it(void **state)
{
    (void)state;
    const char *path = DIR "/crash.jsonl";
    mend_remove(path);
    mend_err e;
    /* An older run left something open, and a later run too: both stay reported. */
    mend_journal *j = mend_journal_open(path, "old", &e);
    mend_journal_begin(j, 1, "proc.kill", "x.exe (pid 1)", &e);
    mend_journal_close(j);
    j = mend_journal_open(path, "new", &e);
    mend_journal_begin(j, 1, "ipsec.delete", "A", &e);
    mend_journal_end(j, 1, "ipsec.delete", "A", NULL, &e);
    mend_journal_begin(j, 2, "reg.delete", "HKLM\\X", &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 2);
    assert_int_equal(g_nfound, 2);
    assert_string_equal(g_found[0], "old proc.kill x.exe (pid 1)");
    assert_string_equal(g_found[1], "new reg.delete HKLM\\X");

    /* A run that ends without resolving them (a custom script, a failed fix) keeps them. */
    g_nfound = 0;
    j = mend_journal_open(path, "script", &e);
    mend_journal_run_end(j, "fixed, exit 0", false, 2, &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 2);

    /* A completed fix resolves everything before it. */
    g_nfound = 0;
    j = mend_journal_open(path, "fix", &e);
    mend_journal_run_end(j, "fixed, exit 0", true, 2, &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 0);

    /* A later interruption is reported alone, and a clean run that knew of nothing open
     * (open = 0) closes the history as well. */
    j = mend_journal_open(path, "later", &e);
    mend_journal_begin(j, 1, "svc.stop", "PolicyAgent", &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 1);
    assert_string_equal(g_found[0], "later svc.stop PolicyAgent");
    g_nfound = 0;
    j = mend_journal_open(path, "check", &e);
    mend_journal_run_end(j, "healthy, exit 0", false, 0, &e);
    mend_journal_close(j);
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 0);
}

static void test_unfinished_tolerates_a_torn_last_line(void **state)
{
    (void)state;
    const char *path = DIR "/torn.jsonl";
    write_text(path,
               "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"run\":\"r9\",\"event\":\"run_start\"}\n"
               "{\"ts\":\"2026-01-01T00:00:00.001Z\",\"run\":\"r9\",\"seq\":1,\"event\":\"begin\",\"op\":\"ipsec.delete\",\"target\":\"Corp-QM\"}\n"
               "{\"ts\":\"2026-01-01T00:00:00.002Z\",\"run\":\"r9\",\"seq\":1,\"event\":\"en");
    mend_err e;
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 1);
    assert_string_equal(g_found[0], "r9 ipsec.delete Corp-QM");
}

/* A line torn by a crash mid-write must not swallow the next run's first record: the next
 * run starts its records on a line of their own. */
static void test_journal_after_a_torn_line_the_next_run_starts_a_new_line(void **state)
{
    (void)state;
    const char *path = DIR "/torn-append.jsonl";
    write_text(path,
               "{\"ts\":\"2026-01-01T00:00:00.001Z\",\"run\":\"r9\",\"seq\":1,\"event\":\"begin\",\"op\":\"ipsec.delete\",\"target\":\"Corp-QM\"}\n"
               "{\"ts\":\"2026-01-01T00:00:00.002Z\",\"run\":\"r9\",\"seq\":1,\"event\":\"en");
    mend_err e;
    mend_journal *j = mend_journal_open(path, "r10", &e);
    assert_non_null(j);
    assert_int_equal(mend_journal_event(j, "run_start", "fix", &e), 0);
    assert_int_equal(mend_journal_begin(j, 1, "svc.stop", "PolicyAgent", &e), 0);
    mend_journal_close(j);

    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    int whole = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        const cJSON *run = o ? cJSON_GetObjectItem(o, "run") : NULL;
        if (cJSON_IsString(run) && strcmp(run->valuestring, "r10") == 0)
            whole++;
        cJSON_Delete(o);
    }
    free(buf);
    assert_int_equal(whole, 2); /* run_start and begin, both readable */
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 2);
    assert_string_equal(g_found[1], "r10 svc.stop PolicyAgent");
}

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>

/* Two runs at once on one state folder append to one journal (two simulator files, or a check
 * beside a fix): each record reaches the file whole, however long, never cut by the other's. */
static void test_journal_two_writers_at_once_never_interleave_records(void **state)
{
    (void)state;
    const char *path = DIR "/two-writers.jsonl";
    mend_remove(path);
    enum { RECORDS = 400, NAME_LEN = 20000 };
    char *name = malloc(NAME_LEN + 1);
    assert_non_null(name);
    pid_t child = fork();
    assert_true(child >= 0);
    memset(name, child ? 'P' : 'C', NAME_LEN);
    name[NAME_LEN] = '\0';
    mend_err e;
    mend_journal *j = mend_journal_open(path, child ? "parent" : "child", &e);
    int bad = j == NULL;
    if (j)
        mend_journal_set_sync(j, false);
    for (unsigned long i = 1; j && i <= RECORDS; i++)
        bad |= mend_journal_begin(j, i, "ipsec.delete", name, &e) != 0;
    mend_journal_close(j);
    free(name);
    if (child == 0)
        _exit(bad);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(bad, 0);

    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    int whole = 0, torn = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        if (o)
            whole++;
        else
            torn++;
        cJSON_Delete(o);
    }
    free(buf);
    assert_int_equal(torn, 0);
    assert_int_equal(whole, 2 * RECORDS);
}
#endif

static void test_unfinished_in_a_long_journal_reads_its_end(void **state)
{
    (void)state;
    const char *path = DIR "/long.jsonl";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    /* ~12 MB of finished old runs, then a run cut off mid-action. */
    for (int i = 0; i < 80000; i++)
        fprintf(f, "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"run\":\"old%d\",\"seq\":1,\"event\":\"%s\","
                   "\"op\":\"ipsec.delete\",\"target\":\"Policy number %d with a long name\"}\n",
                i / 2, i % 2 ? "end" : "begin", i / 2);
    fputs("{\"ts\":\"2026-01-02T00:00:00.000Z\",\"run\":\"last\",\"seq\":7,\"event\":\"begin\","
          "\"op\":\"svc.stop\",\"target\":\"PolicyAgent\"}\n", f);
    fclose(f);
    mend_err e;
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 1);
    assert_string_equal(g_found[0], "last svc.stop PolicyAgent");
}

/* A long run cut off after hundreds of kilobytes of records: its first, still open action is
 * far from the end and is found all the same, and nothing before the run_end that closed the
 * history is. */
static void test_unfinished_open_action_far_from_the_end_is_found(void **state)
{
    (void)state;
    const char *path = DIR "/far.jsonl";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"ts\":\"2026-01-01T00:00:00.000Z\",\"run\":\"older\",\"seq\":1,\"event\":\"begin\","
          "\"op\":\"proc.kill\",\"target\":\"x.exe (pid 1)\"}\n"
          "{\"ts\":\"2026-01-01T00:00:01.000Z\",\"run\":\"fix\",\"event\":\"run_end\",\"resolved\":true,\"open\":1}\n"
          "{\"ts\":\"2026-01-02T00:00:00.000Z\",\"run\":\"long\",\"seq\":1,\"event\":\"begin\","
          "\"op\":\"svc.stop\",\"target\":\"PolicyAgent\"}\n", f);
    for (int i = 0; i < 6000; i++)   /* ~800 KB */
        fprintf(f, "{\"ts\":\"2026-01-02T00:00:00.000Z\",\"run\":\"long\",\"seq\":%d,\"event\":\"%s\","
                   "\"op\":\"ipsec.delete\",\"target\":\"Policy number %d with a long name\"}\n",
                i / 2 + 2, i % 2 ? "end" : "begin", i / 2);
    fclose(f);
    mend_err e;
    assert_int_equal(mend_journal_unfinished(path, collect, NULL, &e), 1);
    assert_string_equal(g_found[0], "long svc.stop PolicyAgent");
}

static void test_unfinished_missing_file_is_nothing(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_journal_unfinished(DIR "/does-not-exist.jsonl", collect, NULL, &e), 0);
}

static void test_journal_open_fails_clearly(void **state)
{
    (void)state;
    write_text(DIR "/a-file", "x");
    mend_err e;
    assert_null(mend_journal_open(DIR "/a-file/j.jsonl", "r", &e));
    assert_int_equal(e.code, MEND_E_IO);
    assert_non_null(strstr(e.msg, "a-file"));
}

int main(void)
{
    mend_err e;
    mend_mkdirs(DIR, &e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_journal_lines_are_json_with_iso_utc_time, setup),
        cmocka_unit_test_setup(test_journal_appends_across_opens, setup),
        cmocka_unit_test_setup(test_journal_unsynced_records_are_out_of_the_process_at_once, setup),
        cmocka_unit_test_setup(test_unfinished_none_when_every_begin_ended, setup),
        cmocka_unit_test_setup(test_unfinished_stays_reported_until_a_run_resolves_it, setup),
        cmocka_unit_test_setup(test_unfinished_tolerates_a_torn_last_line, setup),
        cmocka_unit_test_setup(test_journal_after_a_torn_line_the_next_run_starts_a_new_line, setup),
#ifndef _WIN32
        cmocka_unit_test_setup(test_journal_two_writers_at_once_never_interleave_records, setup),
#endif
        cmocka_unit_test_setup(test_unfinished_in_a_long_journal_reads_its_end, setup),
        cmocka_unit_test_setup(test_unfinished_open_action_far_from_the_end_is_found, setup),
        cmocka_unit_test_setup(test_unfinished_missing_file_is_nothing, setup),
        cmocka_unit_test_setup(test_journal_open_fails_clearly, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
