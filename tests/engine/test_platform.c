/* The platform layer and data paths: folders, atomic writes, locks, path parts, where state lives. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "platform.h"

#define TDIR MEND_TEST_TMP "/engine_platform"

static void test_mkdirs_nested_and_existing(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_mkdirs(TDIR "/a/b/c", &e), 0);
    assert_int_equal(mend_mkdirs(TDIR "/a/b/c", &e), 0);
    assert_true(mend_file_exists(TDIR "/a/b/c"));
    FILE *f = mend_fopen(TDIR "/a/file", "w");
    fclose(f);
    assert_int_equal(mend_mkdirs(TDIR "/a/file/sub", &e), -1);
    assert_int_equal(e.code, MEND_E_IO);
    assert_non_null(strstr(e.msg, "a/file"));
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        if (de->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n;
}

static void test_atomic_write_replaces_and_leaves_no_temp(void **state)
{
    (void)state;
    mend_err e;
    const char *dir = TDIR "/atomic";
    const char *path = TDIR "/atomic/state.lua";
    assert_int_equal(mend_mkdirs(dir, &e), 0);
    assert_int_equal(mend_write_file_atomic(path, "first", 5, &e), 0);
    assert_int_equal(mend_write_file_atomic(path, "second\0x", 8, &e), 0);
    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(path, &buf, &len, &e), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, "second\0x", 8);
    assert_int_equal(buf[len], '\0'); /* always terminated */
    free(buf);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(mend_write_file_atomic(TDIR "/no/such/dir/x", "x", 1, &e), -1);
    assert_non_null(strstr(e.msg, "no/such/dir/x"));
}

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A deferred write is complete under its name at once, costs no fsync, and is synced (one
 * sync for its folder) before the next durable write goes on: the simulator's backups reach
 * the disk before the state that commits their deletes. */
static void test_deferred_writes_are_synced_before_the_next_durable_write(void **state)
{
    (void)state;
    mend_err e;
    const char *dir = TDIR "/deferred";
    assert_int_equal(mend_mkdirs(dir, &e), 0);
    const char *old[] = { "/a.reg", "/b.reg", "/c.reg", "/state.lua", "/journal" };
    for (size_t i = 0; i < sizeof old / sizeof *old; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s", dir, old[i]);
        unlink(path);
    }
    unsigned long ops = mend_platform_durable_ops();
    assert_int_equal(mend_write_file_deferred(TDIR "/deferred/a.reg", "aa", 2, &e), 0);
    assert_int_equal(mend_write_file_deferred(TDIR "/deferred/b.reg", "bbb", 3, &e), 0);
    assert_int_equal(mend_platform_durable_ops() - ops, 0);
    /* Replacing one renames over it (counted), still without an fsync. */
    assert_int_equal(mend_write_file_deferred(TDIR "/deferred/a.reg", "AAAA", 4, &e), 0);
    assert_int_equal(mend_platform_durable_ops() - ops, 1);
    assert_int_equal(mend_platform_deferred_pending(), 1);
    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(TDIR "/deferred/a.reg", &buf, &len, &e), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "AAAA", 4);
    free(buf);
    assert_int_equal(count_entries(dir), 2);   /* no temp file left */

    ops = mend_platform_durable_ops();
    assert_int_equal(mend_write_file_atomic(TDIR "/deferred/state.lua", "s", 1, &e), 0);
    assert_int_equal(mend_platform_deferred_pending(), 0);
    /* the folder's sync, then the file's fsync and its folder's */
    assert_int_equal(mend_platform_durable_ops() - ops, 3);

    /* A stream's fsync (the journal) is a barrier too. */
    assert_int_equal(mend_write_file_deferred(TDIR "/deferred/c.reg", "c", 1, &e), 0);
    FILE *f = fopen(TDIR "/deferred/journal", "ab");
    assert_non_null(f);
    fputs("line\n", f);
    assert_int_equal(mend_fsync_file(f), 0);
    fclose(f);
    assert_int_equal(mend_platform_deferred_pending(), 0);

    /* Never into a device or pipe, as for an atomic write. */
    assert_int_equal(mend_write_file_deferred("/dev/null", "x", 1, &e), -1);
    assert_non_null(strstr(e.msg, "not a file"));
}

/* `--report /dev/null` or `/dev/stdout` (mend often runs as root): a device or pipe, or a link
 * to one, is never replaced by a plain file (it would be for the whole machine); the write is
 * refused and the node stays as it was. */
static void test_atomic_write_never_replaces_a_device_or_pipe(void **state)
{
    (void)state;
    mend_err e;
    const char *dir = TDIR "/devnode";
    assert_int_equal(mend_mkdirs(dir, &e), 0);
    const char *fifo = TDIR "/devnode/pipe", *link = TDIR "/devnode/stdout";
    unlink(fifo);
    unlink(link);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(symlink("pipe", link), 0);
    struct stat st;
    const char *paths[] = { fifo, link };
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mend_write_file_atomic(paths[i], "report", 6, &e), -1);
        assert_non_null(strstr(e.msg, "not a file"));
        assert_non_null(strstr(e.msg, paths[i]));
    }
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_entries(dir), 2); /* no temp file left */
}
#endif

static void test_read_missing_file_names_it(void **state)
{
    (void)state;
    mend_err e;
    char *buf;
    size_t len;
    assert_int_equal(mend_read_file(TDIR "/missing.txt", &buf, &len, &e), -1);
    assert_int_equal(e.code, MEND_E_IO);
    assert_non_null(strstr(e.msg, "missing.txt"));
    assert_null(buf);
}

/* `mend batch C:\lists` (a folder by mistake) says so, not "larger than 64 MiB". */
static void test_read_folder_says_it_is_a_folder(void **state)
{
    (void)state;
    mend_err e;
    char *buf;
    size_t len;
    assert_int_equal(mend_mkdirs(TDIR "/a-folder", &e), 0);
    assert_int_equal(mend_read_file_max(TDIR "/a-folder", 64, "the most a list may hold", &buf, &len, &e), -1);
    assert_int_equal(e.code, MEND_E_IO);
    assert_non_null(strstr(e.msg, "a-folder: it is a folder, not a file"));
    assert_null(buf);
}

static void test_lock_excludes_a_second_holder(void **state)
{
    (void)state;
    mend_err e;
    mend_lock *a = mend_lock_acquire(TDIR "/state.lock", 0, &e);
    assert_non_null(a);
    mend_lock *b = mend_lock_acquire(TDIR "/state.lock", 0.1, &e);
    assert_null(b);
    assert_int_equal(e.code, MEND_E_IN_USE);
    assert_non_null(strstr(e.msg, "locked by another mend run"));
    mend_lock_release(a);
    b = mend_lock_acquire(TDIR "/state.lock", 0, &e);
    assert_non_null(b);
    mend_lock_release(b);
}

static void test_path_parts(void **state)
{
    (void)state;
    char *p = mend_path_join("/a/b", "c.lua");
    assert_string_equal(p, "/a/b/c.lua");
    free(p);
    p = mend_path_join("/a/b/", "c.lua");
    assert_string_equal(p, "/a/b/c.lua");
    free(p);
    p = mend_dirname("/a/b/c.lua");
    assert_string_equal(p, "/a/b");
    free(p);
    p = mend_dirname("c.lua");
    assert_string_equal(p, ".");
    free(p);
    p = mend_dirname("/c.lua");
    assert_string_equal(p, "/");
    free(p);
}

static void test_state_dir_order(void **state)
{
    (void)state;
    setenv("MEND_STATE_DIR", "/tmp/explicit", 1);
    setenv("XDG_STATE_HOME", "/tmp/xdg", 1);
    setenv("HOME", "/tmp/home", 1);
    char *d = mend_state_dir();
    assert_string_equal(d, "/tmp/explicit");
    free(d);
    unsetenv("MEND_STATE_DIR");
    d = mend_state_dir();
    assert_string_equal(d, "/tmp/xdg/mend");
    free(d);
    unsetenv("XDG_STATE_HOME");
    d = mend_state_dir();
    assert_string_equal(d, "/tmp/home/.local/state/mend");
    free(d);
}

static void test_data_dir_from_env_and_beside_the_exe(void **state)
{
    (void)state;
    setenv("MEND_DATA_DIR", "/opt/mend-data", 1);
    char *d = mend_data_dir();
    assert_string_equal(d, "/opt/mend-data");
    free(d);
    /* Without it, the test binary's folder has no share/mend/scripts/fix.lua: nothing found. */
    unsetenv("MEND_DATA_DIR");
    d = mend_data_dir();
    assert_null(d);
    char *exe = mend_exe_dir();
    assert_non_null(exe);
    assert_true(mend_file_exists(exe));
    free(exe);
}

static void test_wall_clock_is_unix_time(void **state)
{
    (void)state;
    assert_true(mend_wall_now() > 1.7e9); /* seconds since 1970, not since boot */
}

static volatile int g_nudged_a, g_nudged_b;

static void nudge_a(void)
{
    g_nudged_a++;
}

static void nudge_b(void)
{
    g_nudged_b++;
}

/* A nudge runs once, not before its time; set again it replaces the last; NULL cancels it; the
 * watchdog set beside it neither fires early nor stops it (they share one timer on POSIX). */
static void test_nudge_fires_once_after_its_time_and_can_be_cancelled(void **state)
{
    (void)state;
    g_nudged_a = g_nudged_b = 0;
    mend_watchdog_set(60, "test watchdog");
    mend_nudge_set(0.15, nudge_a);
    mend_sleep_ms(20);
    assert_int_equal(g_nudged_a, 0);
    mend_sleep_ms(400);
    assert_int_equal(g_nudged_a, 1);
    mend_sleep_ms(200);
    assert_int_equal(g_nudged_a, 1);

    mend_nudge_set(0.05, nudge_a);
    mend_nudge_set(0.1, nudge_b);   /* replaces the first */
    mend_sleep_ms(400);
    assert_int_equal(g_nudged_a, 1);
    assert_int_equal(g_nudged_b, 1);

    mend_nudge_set(0.05, nudge_a);
    mend_nudge_set(0, NULL);
    mend_sleep_ms(300);
    assert_int_equal(g_nudged_a, 1);
    mend_watchdog_set(0, NULL);
}

int main(void)
{
    mend_err e;
    mend_mkdirs(TDIR, &e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mkdirs_nested_and_existing),
        cmocka_unit_test(test_atomic_write_replaces_and_leaves_no_temp),
#ifndef _WIN32
        cmocka_unit_test(test_atomic_write_never_replaces_a_device_or_pipe),
        cmocka_unit_test(test_deferred_writes_are_synced_before_the_next_durable_write),
#endif
        cmocka_unit_test(test_read_missing_file_names_it),
        cmocka_unit_test(test_read_folder_says_it_is_a_folder),
        cmocka_unit_test(test_lock_excludes_a_second_holder),
        cmocka_unit_test(test_path_parts),
        cmocka_unit_test(test_state_dir_order),
        cmocka_unit_test(test_data_dir_from_env_and_beside_the_exe),
        cmocka_unit_test(test_wall_clock_is_unix_time),
        cmocka_unit_test(test_nudge_fires_once_after_its_time_and_can_be_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
