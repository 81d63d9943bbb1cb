/* Read-only runs (check, --dry-run, a run that changes nothing) write nothing durable: no fsync,
 * no rename, the state file as it was; a run that acts does both (the seam is live). A run whose
 * script never asks about the machine does not even load it, yet holds its lock. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "platform.h"
#include "sim/sim_internal.h"

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

#define CORRUPT DIR "/corrupt.lua"

static int real_entry(const struct dirent *ent)
{
    return ent->d_name[0] != '.';
}

/* The .reg backups in the run's backup folder (MEND_STATE_DIR/backups); each starts as one does. */
static int count_backups(void)
{
    const char *state_dir = getenv("MEND_STATE_DIR");
    assert_non_null(state_dir);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/backups", state_dir);
    struct dirent **list = NULL;
    int n = scandir(dir, &list, real_entry, NULL);
    for (int i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        char *reg = slurp(path);
        assert_true((unsigned char)reg[0] == 0xFF && (unsigned char)reg[1] == 0xFE);
        free(reg);
        free(list[i]);
    }
    free(list);
    return n < 0 ? 0 : n;
}

/* The durable operations of a fix that force-removes n corrupt store entries, each backed up
 * first (n new backups). */
static unsigned long fix_corrupt(int n)
{
    char text[512];
    snprintf(text, sizeof text,
             "local p = {}\n"
             "for i = 1, %d do p[i] = { name = ('Bad-%%03d'):format(i), state = 'pending_deletion',\n"
             "  blockers = { 'store_corrupt' } } end\n"
             "return { policies = p }\n", n);
    write_text(CORRUPT, text);
    int before = count_backups();
    unsigned long ops = mend_platform_durable_ops();
    assert_int_equal(MEND("-q", "--host", "sim:" CORRUPT, "fix", "--all-pending", "--allow", "all"), 0);
    ops = mend_platform_durable_ops() - ops;
    assert_int_equal(count_backups() - before, n);
    return ops;
}

/* On the simulator a delete reaches the disk with the state, so the backups before it are synced
 * together when the state is written: 40 backups cost the fsyncs of 2, not one each (a
 * 100,000-policy fix made 16,667). */
static void test_read_only_backups_before_deletes_are_synced_once_on_the_simulator(void **state)
{
    (void)state;
    unsigned long two = fix_corrupt(2);
    unsigned long forty = fix_corrupt(40);
    assert_true(two >= 2);
    assert_int_equal(forty, two);
    assert_int_equal(mend_platform_deferred_pending(), 0);
}

#define DAMAGED DIR "/damaged.lua"

static char *slurp_or_empty(const char *path)
{
    char *buf = NULL;
    size_t len;
    mend_err e;
    return mend_read_file(path, &buf, &len, &e) == 0 ? buf : mend_dupstr("");
}

/* A state that cannot be loaded does not stop a script that never asks about the machine:
 * mend run reads the simulator's state when the script first needs it, not before. */
static void test_read_only_run_that_never_asks_does_not_load_the_state(void **state)
{
    (void)state;
    write_text(DAMAGED, "return {");
    assert_int_equal(MEND("-q", "--host", "sim:" DAMAGED, "run", DIR "/empty.lua"), 0);
}

/* ... and the first question ends the run with the host's own sentence, exit 2, as a damaged
 * state did before the script started: pcall cannot keep the script going past it. */
static void test_read_only_damaged_state_ends_the_run_at_the_first_question(void **state)
{
    (void)state;
    write_text(DAMAGED, "return {");
    write_text(DIR "/asks.lua", "local ok = pcall(ipsec.policies)\n"
                                "local f = io.open('" DIR "/after.txt', 'w'); f:write('ran on'); f:close()\n"
                                "return 0\n");
    remove(DIR "/after.txt");
    remove(DIR "/report.json");
    assert_int_equal(MEND("-q", "--host", "sim:" DAMAGED, "--report", DIR "/report.json", "run", DIR "/asks.lua"), 2);
    struct stat st;
    assert_int_equal(stat(DIR "/after.txt", &st), -1);
    char *report = slurp_or_empty(DIR "/report.json");
    assert_non_null(strstr(report, "\"outcome\": \"failed\""));
    /* Lua shortens a long chunk name with "...", and the loader then puts the path first: either
     * way the sentence starts with the state file's path. */
    assert_non_null(strstr(report, "\"error\": \"" DAMAGED));
    assert_non_null(strstr(report, "damaged.lua:1: unexpected symbol near <eof>\""));
    free(report);
}

/* Not loading the machine is not skipping its lock: an empty run still waits for another run
 * that holds the state, and says so (flock belongs to the open file, so a holder in this same
 * process stands for another run). */
static void test_read_only_run_that_never_asks_still_holds_the_lock(void **state)
{
    (void)state;
    mend_err e;
    mend_lock *held = sim_lock_state(STATE, &e);
    assert_non_null(held);
    sim_lock_wait_s = 0.1;
    remove(DIR "/report.json");
    int code = MEND("-q", HOST, "--report", DIR "/report.json", "run", DIR "/empty.lua");
    sim_lock_wait_s = 30.0;
    mend_lock_release(held);
    assert_int_equal(code, 2);
    char *report = slurp_or_empty(DIR "/report.json");
    assert_non_null(strstr(report, "another mend run is using "));
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_read_only_check_does_no_fsync_and_leaves_the_state, setup),
        cmocka_unit_test_setup(test_read_only_dry_run_fix_does_no_fsync_and_leaves_the_state, setup),
        cmocka_unit_test_setup(test_read_only_run_that_changes_nothing_does_no_fsync, setup),
        cmocka_unit_test_setup(test_read_only_a_fix_that_acts_does_fsync_and_rename, setup),
        cmocka_unit_test_setup(test_read_only_backups_before_deletes_are_synced_once_on_the_simulator, setup),
        cmocka_unit_test_setup(test_read_only_run_that_never_asks_does_not_load_the_state, setup),
        cmocka_unit_test_setup(test_read_only_damaged_state_ends_the_run_at_the_first_question, setup),
        cmocka_unit_test_setup(test_read_only_run_that_never_asks_still_holds_the_lock, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
