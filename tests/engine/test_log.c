/* The log: levels by -q/-v, colour only when asked and NO_COLOR is unset, all on stderr. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "platform.h"
#include "term.h"

#define FILE_ERR MEND_TEST_TMP "/engine_log.stderr"

static int g_saved = -1;

/* Sends stderr to a file for the duration of one test. */
static int capture(void **state)
{
    (void)state;
    fflush(stderr);
    g_saved = dup(2);
    FILE *f = fopen(FILE_ERR, "w");
    dup2(fileno(f), 2);
    fclose(f);
    unsetenv("NO_COLOR");
    return 0;
}

static char *captured(void)
{
    fflush(stderr);
    dup2(g_saved, 2);
    close(g_saved);
    char *buf;
    size_t len;
    mend_err e;
    assert_int_equal(mend_read_file(FILE_ERR, &buf, &len, &e), 0);
    return buf;
}

static void test_log_normal_hides_debug_only(void **state)
{
    (void)state;
    mend_log_init(0, false);
    mend_log(MEND_LOG_DEBUG, "dbg %d", 1);
    mend_log(MEND_LOG_INFO, "info %s", "line");
    mend_log(MEND_LOG_WARN, "careful");
    mend_log(MEND_LOG_ERROR, "broken");
    char *out = captured();
    assert_string_equal(out, "info line\nwarning: careful\nerror: broken\n");
    free(out);
}

static void test_log_quiet_keeps_warnings_and_errors(void **state)
{
    (void)state;
    mend_log_init(-1, false);
    assert_false(mend_log_enabled(MEND_LOG_INFO));
    mend_log(MEND_LOG_INFO, "chatter");
    mend_log(MEND_LOG_WARN, "careful");
    char *out = captured();
    assert_string_equal(out, "warning: careful\n");
    free(out);
}

static void test_log_verbose_shows_debug(void **state)
{
    (void)state;
    mend_log_init(1, false);
    mend_log(MEND_LOG_DEBUG, "details");
    char *out = captured();
    assert_string_equal(out, "debug: details\n");
    free(out);
}

static void test_log_colour_and_no_color(void **state)
{
    (void)state;
    mend_log_init(0, true);
    assert_true(mend_log_color());
    mend_log(MEND_LOG_ERROR, "red");
    setenv("NO_COLOR", "1", 1);
    mend_log_init(0, true);
    assert_false(mend_log_color());
    mend_log(MEND_LOG_ERROR, "plain");
    char *out = captured();
    assert_string_equal(out, "\033[31merror: red\033[0m\nerror: plain\n");
    free(out);
}

static void test_log_long_lines_are_whole(void **state)
{
    (void)state;
    mend_log_init(0, false);
    char name[5001];
    memset(name, 'n', 5000);
    name[5000] = '\0';
    mend_log(MEND_LOG_INFO, "policy %s done", name);
    char *out = captured();
    assert_int_equal(strlen(out), 5000 + strlen("policy  done\n"));
    free(out);
}

/* A policy name is data from the machine: ESC, CR or a C1 control in it must not reach the
 * terminal raw, where it could recolour, move the cursor or overwrite "outcome: failed". */
static void test_log_control_characters_are_escaped(void **state)
{
    (void)state;
    mend_log_init(0, false);
    mend_log(MEND_LOG_INFO, "policy %s done\n\tnext", "a\033[2Jb\rc\x7f\xc2\x9b\x01");
    mend_term_puts(stderr, "x\ny\tz\033", MEND_TERM_ONE_LINE);
    mend_term_puts(stderr, "\n", MEND_TERM_KEEP_LINES);
    mend_term_puts(stderr, "策略 ✓\n", MEND_TERM_KEEP_LINES);
    char *out = captured();
    assert_string_equal(out, "policy a\\x1B[2Jb\\rc\\x7F\\u009B\\x01 done\n\tnext\n"
                             "x\\ny\\tz\\x1B\n"
                             "策略 ✓\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_log_normal_hides_debug_only, capture),
        cmocka_unit_test_setup(test_log_quiet_keeps_warnings_and_errors, capture),
        cmocka_unit_test_setup(test_log_verbose_shows_debug, capture),
        cmocka_unit_test_setup(test_log_colour_and_no_color, capture),
        cmocka_unit_test_setup(test_log_long_lines_are_whole, capture),
        cmocka_unit_test_setup(test_log_control_characters_are_escaped, capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
