/* Read-only runs (check, --dry-run, a run that changes nothing) write nothing durable: no fsync,
 * no rename, the state file as it was; a run that acts does both (the seam is live). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "platform.h"

#define DIR MEND_TEST_TMP "/engine_read_only"
#define STATE DIR "/state.lua"
#define HOST "--host", "sim:" STATE

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len;
    mend_err e;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_mkdirs(DIR, &e), 0);
    char *scenario = slurp(MEND_SOURCE_DIR "/scenarios/tests/combo_many.lua");
    write_text(STATE, scenario);
    free(scenario);
    write_text(DIR "/empty.lua", "return 0\n");
    return 0;
}

/* Runs mend in this process with the words given; returns its exit code. */
static int run_mend(const char *const *words)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "mend";
    for (; *words && argc < 31; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    mend_options o;
    char err[512];
    assert_int_equal(mend_cli_parse(argc, argv, &o, err, sizeof err), 0);
    return mend_commands_run(&o);
}
#define MEND(...) run_mend((const char *const[]){__VA_ARGS__, NULL})

/* The run leaves the state file byte for byte and inode for inode as it was, with no fsync or
 * rename anywhere (state, journal, report). */
static void expect_read_only(const char *const *words)
{
    struct stat before, after;
    assert_int_equal(stat(STATE, &before), 0);
    char *text = slurp(STATE);
    unsigned long ops = mend_platform_durable_ops();
    run_mend(words);
    assert_int_equal(mend_platform_durable_ops() - ops, 0);
    assert_int_equal(stat(STATE, &after), 0);
    assert_true(before.st_ino == after.st_ino);
    char *now = slurp(STATE);
    assert_string_equal(now, text);
    free(now);
    free(text);
}

static void test_read_only_check_does_no_fsync_and_leaves_the_state(void **state)
{
    (void)state;
    expect_read_only((const char *const[]){"-q", HOST, "check", NULL});
}

static void test_read_only_dry_run_fix_does_no_fsync_and_leaves_the_state(void **state)
{
    (void)state;
    expect_read_only((const char *const[]){"-q", HOST, "fix", "--all-pending", "--dry-run", "--allow", "all", NULL});
}

static void test_read_only_run_that_changes_nothing_does_no_fsync(void **state)
{
    (void)state;
    expect_read_only((const char *const[]){"-q", HOST, "run", DIR "/empty.lua", NULL});
}

/* The control: a fix that changes the machine fsyncs its journal and renames the new state in. */
static void test_read_only_a_fix_that_acts_does_fsync_and_rename(void **state)
{
    (void)state;
    struct stat before, after;
    assert_int_equal(stat(STATE, &before), 0);
    unsigned long ops = mend_platform_durable_ops();
    MEND("-q", HOST, "fix", "QM-Purge");
    assert_true(mend_platform_durable_ops() - ops >= 2);
    assert_int_equal(stat(STATE, &after), 0);
    assert_true(before.st_ino != after.st_ino);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_read_only_check_does_no_fsync_and_leaves_the_state, setup),
        cmocka_unit_test_setup(test_read_only_dry_run_fix_does_no_fsync_and_leaves_the_state, setup),
        cmocka_unit_test_setup(test_read_only_run_that_changes_nothing_does_no_fsync, setup),
        cmocka_unit_test_setup(test_read_only_a_fix_that_acts_does_fsync_and_rename, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
