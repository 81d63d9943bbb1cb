/* The built mend, run as users run it: exit codes, one-line errors, limits, reports, journal. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* wait4: the child's own peak memory */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"

#define DIR MEND_TEST_TMP "/engine_exe"
#define STATE DIR "/state.lua"

extern char **environ;

typedef struct result {
    int code;
    char *out;
    char *err;
    long peak_kib;   /* mend's peak resident memory */
} result;

static result g_r;

static void free_result(void)
{
    free(g_r.out);
    free(g_r.err);
    memset(&g_r, 0, sizeof g_r);
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len;
    mend_err e;
    if (mend_read_file(path, &buf, &len, &e) != 0)
        return calloc(1, 1);
    return buf;
}

/* Starts mend with the words given (NULL-terminated), stdin from in_file (or /dev/null). */
static pid_t spawn_mend(const char *in_file, const char *const *words)
{
    free_result();
    char *argv[64];
    int argc = 0;
    argv[argc++] = MEND_EXE;
    for (; *words && argc < 63; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_file ? in_file : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, DIR "/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, DIR "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, MEND_EXE, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    return pid;
}

static int wait_mend(pid_t pid)
{
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    if (!WIFEXITED(status))
        fail_msg("mend died with signal %d", WTERMSIG(status));
    g_r.code = WEXITSTATUS(status);
    g_r.out = slurp(DIR "/stdout");
    g_r.err = slurp(DIR "/stderr");
    g_r.peak_kib = ru.ru_maxrss;
    return g_r.code;
}

static int mend_v(const char *in_file, const char *const *words)
{
    return wait_mend(spawn_mend(in_file, words));
}

#define MEND(...) mend_v(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define MEND_IN(in, ...) mend_v((in), (const char *const[]){__VA_ARGS__, NULL})

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' not found in:\n%s", needle, hay);
}

/* A small machine of our own, so these tests do not depend on the bundled scenarios. */
static int setup(void **state)
{
    (void)state;
    write_text(STATE, "return {\n"
                      "  policies = { { name = \"Corp-QM\", state = \"active\", assigned = false, sa_count = 0 } },\n"
                      "  services = { PolicyAgent = { state = \"running\" } },\n"
                      "}\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_result();
    return 0;
}

static void test_exe_no_command_prints_usage_and_exits_2(void **state)
{
    (void)state;
    assert_int_equal(mend_v(NULL, (const char *const[]){NULL}), 2);
    assert_contains(g_r.err, "usage: mend");
    assert_string_equal(g_r.out, "");
}

static void test_exe_unknown_option_is_one_line(void **state)
{
    (void)state;
    assert_int_equal(MEND("--frob", "run", "x.lua"), 2);
    assert_string_equal(g_r.err, "mend: unknown option '--frob' (see mend --help)\n");
    assert_int_equal(MEND("fix", "--timeout", "soon"), 2);
    assert_string_equal(g_r.err, "mend: bad value for --timeout: 'soon' (expected a positive number of seconds)\n");
    assert_int_equal(MEND("launch"), 2);
    assert_contains(g_r.err, "unknown command 'launch'");
    assert_int_equal(MEND("sim", "destroy"), 2);
    assert_contains(g_r.err, "unknown sim command 'destroy'");
    assert_int_equal(MEND("run"), 2);
    assert_contains(g_r.err, "needs a script");
}

static void test_exe_help_and_version(void **state)
{
    (void)state;
    assert_int_equal(MEND("--help"), 0);
    assert_contains(g_r.out, "usage: mend");
    assert_contains(g_r.out, "--max-memory");
    assert_int_equal(MEND("--version"), 0);
    assert_string_equal(g_r.out, "mend 1.0.0\n");
}

static void test_exe_run_passes_args_and_returns_the_scripts_code(void **state)
{
    (void)state;
    write_text(DIR "/args.lua",
               "assert(arg[0]:find('args.lua'), 'arg[0]')\n"
               "assert(#arg == 3 and arg[1] == '--json' and arg[2] == 'two words' and arg[3] == '-q')\n"
               "assert(mend.args[1] == '--json' and mend.args[3] == '-q')\n"
               "local a, b = ...\n"
               "assert(a == '--json' and b == 'two words')\n"
               "return 5\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/args.lua", "--", "--json", "two words", "-q"), 5);
    assert_string_equal(g_r.out, ""); /* --json went to the script, not to mend */
    /* Without --, a mend option after the script is refused before anything runs. */
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/args.lua", "--dry-run"), 2);
    assert_non_null(strstr(g_r.err, "'--dry-run' after the script is a mend option"));
}

/* POSIX keeps 8 bits of an exit code: a script returning 256 must not read as success. */
static void test_exe_run_return_outside_exit_codes_is_an_error(void **state)
{
    (void)state;
    write_text(DIR "/ret256.lua", "return 256\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/ret256.lua"), 2);
    assert_non_null(strstr(g_r.err, "returned 256, which is not an exit code (0-255)"));
    write_text(DIR "/retneg.lua", "return -1\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/retneg.lua"), 2);
    write_text(DIR "/ret255.lua", "return 255\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/ret255.lua"), 255);
}

static void test_exe_run_without_return_exits_0(void **state)
{
    (void)state;
    write_text(DIR "/plain.lua", "local t = {} for i = 1, 10 do t[i] = i end\n");
    assert_int_equal(MEND("--host=sim:" STATE, "run", DIR "/plain.lua"), 0);
}

static void test_exe_script_error_shows_file_line_and_traceback(void **state)
{
    (void)state;
    write_text(DIR "/boom.lua", "local function f()\n  error('boom')\nend\nf()\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/boom.lua"), 2);
    assert_memory_equal(g_r.err, "mend: ", 6);
    assert_contains(g_r.err, "boom.lua:2: boom\n");
    assert_contains(g_r.err, "stack traceback:");
    write_text(DIR "/tbl.lua", "error({code = 42})\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/tbl.lua"), 2);
    assert_contains(g_r.err, "(error object is a table value)");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/no-such-script.lua"), 2);
    assert_contains(g_r.err, "no-such-script.lua");
}

/* Lua runs no hook inside a finalizer or a C function: the watchdog still ends the run. */
static void test_exe_loop_out_of_the_hooks_reach_is_stopped(void **state)
{
    (void)state;
    write_text(DIR "/gc.lua", "setmetatable({}, {__gc = function() while true do end end})\n");
    assert_int_equal(MEND("run", "--timeout", "0.5", "--host", "sim:" STATE, DIR "/gc.lua"), 2);
    assert_contains(g_r.err, "mend: script exceeded the time limit of 0.5 s where it could not be stopped");
    write_text(DIR "/match.lua", "return (string.rep('a', 3000)):find('.-.-.-.-b')\n");
    assert_int_equal(MEND("run", "--timeout", "0.5", "--host", "sim:" STATE, DIR "/match.lua"), 2);
    assert_contains(g_r.err, "mend: script exceeded the time limit of 0.5 s where it could not be stopped");
}

static void test_exe_endless_loop_is_stopped(void **state)
{
    (void)state;
    write_text(DIR "/loop.lua", "while true do end\n");
    assert_int_equal(MEND("run", "--timeout", "1", "--host", "sim:" STATE, DIR "/loop.lua"), 2);
    assert_contains(g_r.err, "mend: script exceeded the time limit of 1 s");
    write_text(DIR "/loop_pcall.lua", "while true do pcall(function() while true do end end) end\n");
    assert_int_equal(MEND("run", "--timeout", "1", "--host", "sim:" STATE, DIR "/loop_pcall.lua"), 2);
    assert_contains(g_r.err, "mend: script exceeded the time limit of 1 s");
}

static void test_exe_memory_bomb_is_stopped(void **state)
{
    (void)state;
    write_text(DIR "/bomb.lua", "local t = {} while true do t[#t + 1] = ('x'):rep(4096) .. #t end\n");
    assert_int_equal(MEND("run", "--max-memory", "16M", "--host", "sim:" STATE, DIR "/bomb.lua"), 2);
    assert_contains(g_r.err, "mend: script exceeded the memory limit of 16 MiB");
}

static void test_exe_sandbox_and_unsafe(void **state)
{
    (void)state;
    write_text(DIR "/probe.lua", "return (os.execute == nil and io.popen == nil and string.dump == nil) and 0 or 1\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/probe.lua"), 0);
    assert_int_equal(MEND("run", "--unsafe", "--host", "sim:" STATE, DIR "/probe.lua"), 1);
}

static void test_exe_json_report_on_stdout_and_print_on_stderr(void **state)
{
    (void)state;
    write_text(DIR "/json.lua", "print('human text')\nio.write('more text\\n')\n");
    assert_int_equal(MEND("run", "--json", "--host", "sim:" STATE, DIR "/json.lua"), 0);
    cJSON *doc = cJSON_Parse(g_r.out);
    if (!doc)
        fail_msg("stdout is not JSON:\n%s", g_r.out);
    assert_string_equal(cJSON_GetObjectItem(doc, "mend")->valuestring, "1.0.0");
    assert_string_equal(cJSON_GetObjectItem(doc, "host")->valuestring, "sim");
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "healthy");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "dry_run")));
    assert_non_null(cJSON_GetObjectItem(doc, "actions"));
    cJSON_Delete(doc);
    assert_contains(g_r.err, "human text");
    assert_contains(g_r.err, "more text");
}

static void test_exe_report_file_and_outcome_exit_codes(void **state)
{
    (void)state;
    write_text(DIR "/outcome.lua",
               "mend.outcome('Corp-QM', {before = 'pending_deletion', after = 'pending_deletion',\n"
               "                         outcome = 'reboot_required', rung = 'reboot'})\n");
    const char *report = DIR "/out/report.json";
    mend_remove(report);
    assert_int_equal(MEND("run", "--report", report, "--host", "sim:" STATE, DIR "/outcome.lua"), 3);
    char *text = slurp(report);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "reboot_required");
    cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "policies"), 0);
    assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring, "Corp-QM");
    assert_string_equal(cJSON_GetObjectItem(p, "rung")->valuestring, "reboot");
    cJSON_Delete(doc);
    assert_int_equal(MEND("run", "--exit-codes", "sccm", "--host", "sim:" STATE, DIR "/outcome.lua"), 3010 & 0xff);

    write_text(DIR "/blocked.lua", "mend.outcome('Corp-QM', {outcome = 'blocked'})\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/blocked.lua"), 1);
    write_text(DIR "/fixed.lua", "mend.outcome('Corp-QM', {outcome = 'fixed'})\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/fixed.lua"), 0);
    /* The script's own integer wins over the report. */
    write_text(DIR "/override.lua", "mend.outcome('Corp-QM', {outcome = 'fixed'})\nreturn 4\n");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/override.lua"), 4);
}

static void test_exe_journal_written_except_in_dry_run(void **state)
{
    (void)state;
    const char *journal = DIR "/journal.jsonl";
    mend_remove(journal);
    write_text(DIR "/nop.lua", "return 0\n");
    assert_int_equal(MEND("run", "--dry-run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    assert_false(mend_file_exists(journal));
    assert_int_equal(MEND("run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    char *text = slurp(journal);
    assert_contains(text, "\"run_start\"");
    assert_contains(text, "\"run_end\"");
    free(text);
}

static void test_exe_warns_about_an_interrupted_run(void **state)
{
    (void)state;
    const char *journal = DIR "/crashed.jsonl";
    write_text(journal, "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"run\":\"r0\",\"seq\":1,\"event\":\"begin\","
                        "\"op\":\"ipsec.delete\",\"target\":\"Corp-QM\"}\n{\"ts\":\"2026-01-01T00:0");
    write_text(DIR "/nop.lua", "return 0\n");
    /* A dry run says so too, and leaves the journal as it is. */
    assert_int_equal(MEND("run", "--dry-run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    assert_contains(g_r.err, "interrupted");
    assert_contains(g_r.err, "ipsec.delete Corp-QM");
    assert_int_equal(MEND("run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    assert_contains(g_r.err, "interrupted");
    assert_contains(g_r.err, "ipsec.delete Corp-QM");
    /* A custom script that ended cleanly did not look at what was left open: said again. */
    assert_int_equal(MEND("run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    assert_contains(g_r.err, "ipsec.delete Corp-QM");
    /* A completed fix re-read the machine and resolved it: no longer said. */
    MEND("fix", "--journal", journal, "--host", "sim:" STATE, "Corp-QM");
    assert_contains(g_r.err, "ipsec.delete Corp-QM");
    assert_int_equal(MEND("run", "--journal", journal, "--host", "sim:" STATE, DIR "/nop.lua"), 0);
    assert_null(strstr(g_r.err, "interrupted"));
}

static void test_exe_batch_list_errors_exit_2(void **state)
{
    (void)state;
    write_text(DIR "/bad.txt", "Corp-QM\nbad \xff name\n");
    assert_int_equal(MEND("batch", "--host", "sim:" STATE, DIR "/bad.txt"), 2);
    assert_contains(g_r.err, "line 2");
    write_text(DIR "/empty.txt", "# nothing here\n\n");
    assert_int_equal(MEND("batch", "--host", "sim:" STATE, DIR "/empty.txt"), 2);
    assert_contains(g_r.err, "names no policies");
    assert_int_equal(MEND_IN(DIR "/empty.txt", "batch", "--host", "sim:" STATE, "-"), 2);
    assert_contains(g_r.err, "standard input names no policies");
    assert_int_equal(MEND("batch", "--host", "sim:" STATE, DIR "/missing.txt"), 2);
    assert_contains(g_r.err, "missing.txt");
    const char *report = DIR "/batch-report.json";
    mend_remove(report);
    assert_int_equal(MEND("batch", "--report", report, "--host", "sim:" STATE, DIR "/bad.txt"), 2);
    char *text = slurp(report);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "failed");
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "error")->valuestring, "line 2"));
    cJSON_Delete(doc);
}

static void test_exe_dry_run_changes_nothing_and_errors_keep_what_was_done(void **state)
{
    (void)state;
    write_text(DIR "/delete.lua", "assert(ipsec.delete('Corp-QM'))\nif ... == 'fail' then error('after the delete') end\n");
    write_text(DIR "/gone.lua", "return ipsec.get('Corp-QM') == nil and 0 or 1\n");
    assert_int_equal(MEND("run", "--dry-run", "--host", "sim:" STATE, DIR "/delete.lua"), 0);
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/gone.lua"), 1);
    /* A script that fails after acting leaves the machine as it left it, like a real one. */
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/delete.lua", "fail"), 2);
    assert_contains(g_r.err, "after the delete");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, DIR "/gone.lua"), 0);
}

/* Spawns mend on a script whose first act is to create DIR/started, and waits (bounded) until it
 * has: a signal sent then reaches the script, not mend's start. */
static pid_t spawn_started(const char *const *words)
{
    mend_remove(DIR "/started");
    pid_t pid = spawn_mend(NULL, words);
    for (int i = 0; i < 600 && !mend_file_exists(DIR "/started"); i++)
        mend_sleep_ms(50);
    assert_true(mend_file_exists(DIR "/started"));
    return pid;
}

static void test_exe_ctrl_c_stops_the_script_and_keeps_the_record(void **state)
{
    (void)state;
    const char *journal = DIR "/interrupt.jsonl";
    mend_remove(journal);
    write_text(DIR "/forever.lua", "io.open('" DIR "/started', 'w'):close()\n"
                                   "while true do pcall(function() while true do end end) end\n");
    pid_t pid = spawn_started((const char *const[]){"run", "--journal", journal, "--host", "sim:" STATE,
                                                    DIR "/forever.lua", NULL});
    kill(pid, SIGINT);
    assert_int_equal(wait_mend(pid), 2);
    assert_contains(g_r.err, "mend: interrupted");
    char *text = slurp(journal);
    assert_contains(text, "\"run_end\"");
    free(text);
}

/* `nohup mend fix ... &`: a hang-up (or Ctrl-C) the caller told mend to ignore is ignored, as by
 * any program, instead of stopping the run when the admin logs out; the time limit still ends it. */
static void test_exe_a_signal_ignored_at_start_stays_ignored(void **state)
{
    (void)state;
    write_text(DIR "/forever.lua", "io.open('" DIR "/started', 'w'):close()\nwhile true do end\n");
    void (*hup)(int) = signal(SIGHUP, SIG_IGN);
    void (*intr)(int) = signal(SIGINT, SIG_IGN);
    pid_t pid = spawn_started((const char *const[]){"run", "--timeout", "2", "--host", "sim:" STATE,
                                                    DIR "/forever.lua", NULL});
    signal(SIGHUP, hup);
    signal(SIGINT, intr);
    kill(pid, SIGHUP);
    kill(pid, SIGINT);
    assert_int_equal(wait_mend(pid), 2);
    assert_contains(g_r.err, "script exceeded the time limit of 2 s");
    assert_null(strstr(g_r.err, "interrupted"));
}

/* Ctrl-C during `mend test` stops the suite with exit 2 and says so, instead of running the
 * scenarios after it only to stop each at once and report it as the script's failure (exit 1). */
static void test_exe_ctrl_c_stops_mend_test(void **state)
{
    (void)state;
    write_text(DIR "/suite.lua", "io.open('" DIR "/started', 'w'):close()\nwhile true do end\n");
    write_text(DIR "/suite.expect.lua", "return { scenarios = { one = { exit = 0 }, two = { exit = 0 }, "
                                        "three = { exit = 0 } } }\n");
    write_text(DIR "/one.lua", "return {}\n");
    write_text(DIR "/two.lua", "return {}\n");
    write_text(DIR "/three.lua", "return {}\n");
    pid_t pid = spawn_started((const char *const[]){"test", DIR "/suite.lua", "--expect", DIR "/suite.expect.lua",
                                                    NULL});
    kill(pid, SIGINT);
    assert_int_equal(wait_mend(pid), 2);
    assert_contains(g_r.err, "mend: interrupted");
    assert_contains(g_r.out, "FAIL one");
    assert_null(strstr(g_r.out, "FAIL two"));
    assert_null(strstr(g_r.out, "FAIL three"));
}

/* fix, batch and check run the bundled scripts with the right names and flags: shown with a
 * data folder whose scripts only write down what they were given. */
static void test_exe_fix_batch_check_wire_names_and_flags(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(mend_mkdirs(DIR "/data/scripts/lib", &e), 0);
    const char *recorder =
        "local seen = require('lib.seen')\n"
        "local f = assert(io.open('" DIR "/seen.txt', 'w'))\n"
        "f:write(seen(), ' ', table.concat(mend.args, ','), ' all_pending=', tostring(mend.flags.all_pending),\n"
        "        ' resume=', tostring(mend.flags.resume), ' batch=', tostring(mend.flags.batch), '\\n')\n"
        "f:close()\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", recorder);
    write_text(DIR "/data/scripts/lib/seen.lua", "return function() return arg[0]:match('([^/]+)%.lua$') end\n");
    write_text(DIR "/data/scripts/fix.lua", buf);
    write_text(DIR "/data/scripts/check.lua", buf);
    char *saved = getenv("MEND_DATA_DIR") ? strdup(getenv("MEND_DATA_DIR")) : NULL;
    setenv("MEND_DATA_DIR", DIR "/data", 1);

    assert_int_equal(MEND("fix", "Corp-QM", "--all-pending", "--host", "sim:" STATE, "Zürich QM"), 0);
    char *seen = slurp(DIR "/seen.txt");
    assert_string_equal(seen, "fix Corp-QM,Zürich QM all_pending=true resume=false batch=false\n");
    free(seen);

    write_text(DIR "/list.txt", "# two policies\r\nB-QM\r\n\r\nA-QM\r\nB-QM\r\n");
    assert_int_equal(MEND("batch", DIR "/list.txt", "--resume", "--host", "sim:" STATE), 0);
    seen = slurp(DIR "/seen.txt");
    assert_string_equal(seen, "fix B-QM,A-QM all_pending=false resume=true batch=true\n");
    free(seen);

    assert_int_equal(MEND_IN(DIR "/list.txt", "batch", "-", "--host", "sim:" STATE), 0);
    seen = slurp(DIR "/seen.txt");
    assert_string_equal(seen, "fix B-QM,A-QM all_pending=false resume=false batch=true\n");
    free(seen);

    assert_int_equal(MEND("check", "--host", "sim:" STATE, "P1"), 0);
    seen = slurp(DIR "/seen.txt");
    assert_string_equal(seen, "check P1 all_pending=false resume=false batch=false\n");
    free(seen);

    /* Without the bundled scripts, fix says which file it could not open. */
    setenv("MEND_DATA_DIR", DIR "/nowhere", 1);
    assert_int_equal(MEND("fix", "--host", "sim:" STATE), 2);
    assert_contains(g_r.err, "nowhere/scripts/fix.lua");

    if (saved) {
        setenv("MEND_DATA_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("MEND_DATA_DIR");
    }
}

static void test_exe_host_errors_exit_2(void **state)
{
    (void)state;
    write_text(DIR "/nop.lua", "return 0\n");
    assert_int_equal(MEND("run", "--host", "local", DIR "/nop.lua"), 2);
    assert_contains(g_r.err, "mend: ");
    assert_contains(g_r.err, "--host local");
    /* --json still gets its one document, with the reason. */
    assert_int_equal(MEND("run", "--json", "--host", "local", DIR "/nop.lua"), 2);
    cJSON *doc = cJSON_Parse(g_r.out);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "outcome")->valuestring, "failed");
    assert_string_equal(cJSON_GetObjectItem(doc, "host")->valuestring, "local");
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "error")->valuestring, "--host local"));
    cJSON_Delete(doc);
}

/* Every way the sandbox writes (create, truncate, append, update, remove, rename either way),
 * aimed at each of mend's own files, directly, through "..", and through a symlink: refused
 * with not_permitted, and every file keeps its bytes. A file in the working folder is fine. */
static void test_exe_script_cannot_change_mends_own_files(void **state)
{
    (void)state;
    mend_err e;
    mend_mkdirs(DIR "/data/scripts", &e);
    mend_mkdirs(DIR "/data/scenarios", &e);
    mend_mkdirs(DIR "/st/backups", &e);
    const char *files[] = {DIR "/data/scripts/fix.lua", DIR "/st/journal.jsonl", DIR "/st/backups/HKLM-x.reg",
                           DIR "/st/plan.key", DIR "/j.jsonl", DIR "/report.json", DIR "/own.lua",
                           DIR "/data/scenarios/demo.lua"};
    const size_t nfiles = sizeof files / sizeof *files;
    for (size_t i = 0; i < nfiles; i++)
        write_text(files[i], "original\n");
    write_text(DIR "/own.lua", "return {}\n");   /* the simulator's state file */
    unlink(DIR "/lnk");
    assert_int_equal(symlink(DIR "/j.jsonl", DIR "/lnk"), 0);
    write_text(DIR "/reach.lua",
               "local targets = {...}\n"
               "local function refused(ok, msg, code)\n"
               "  assert(ok == nil and code == 'not_permitted', tostring(msg))\n"
               "  assert(msg:find('scripts may'), msg)\n"
               "end\n"
               "for _, t in ipairs(targets) do\n"
               "  for _, mode in ipairs{'w', 'a', 'r+', 'wb', 'a+'} do refused(io.open(t, mode)) end\n"
               "  refused(os.remove(t))\n"
               "  refused(os.rename(t, 'moved'))\n"
               "  refused(os.rename('spare', t))\n"
               "  refused(reg.export('HKLM\\\\SOFTWARE', t))\n"
               "end\n"
               "refused(io.open('lnk', 'w'))\n"
               "refused(io.open('../engine_exe/st/new', 'w'))\n"
               "refused(io.open('st/backups/new.reg', 'w'))\n"
               "refused(io.open('own.lua.lock', 'w'))\n"
               "refused(io.open('/etc/mend-escape', 'w'))\n"
               "local ok, msg, code = io.open('st/plan.key', 'r')\n"
               "assert(ok == nil and code == 'not_permitted' and msg:find('plan key'), msg)\n"
               "assert(pcall(io.lines, 'st/plan.key') == false)\n"
               "local f = assert(io.open('spare', 'w')) f:write('mine') f:close()\n"
               "assert(os.rename('spare', 'spare2'))\n"
               "assert(io.open('spare2'):read('a') == 'mine')\n"
               "assert(os.remove('spare2'))\n"
               "local tmp = os.tmpname()\n"
               "f = assert(io.open(tmp, 'w')) f:close() assert(os.remove(tmp))\n"
               "io.open('" DIR "/done', 'w'):close()\n"
               "return 0\n");
    setenv("MEND_DATA_DIR", DIR "/data", 1);
    char *old_state = getenv("MEND_STATE_DIR") ? strdup(getenv("MEND_STATE_DIR")) : NULL;
    setenv("MEND_STATE_DIR", DIR "/st", 1);
    unlink(DIR "/done");
    int rc = MEND("run", "--host", "sim:" DIR "/own.lua", "--journal", DIR "/j.jsonl", "--report", DIR "/report.json",
                  DIR "/reach.lua", DIR "/data/scripts/fix.lua", DIR "/st/journal.jsonl", DIR "/st/backups/HKLM-x.reg",
                  DIR "/st/plan.key", DIR "/j.jsonl", DIR "/report.json", DIR "/own.lua", DIR "/data/scenarios/demo.lua",
                  DIR "/st", DIR "/st/backups");
    unsetenv("MEND_DATA_DIR");
    if (old_state) {
        setenv("MEND_STATE_DIR", old_state, 1);
        free(old_state);
    }
    if (rc != 0)
        fail_msg("exit %d: %s", rc, g_r.err);
    assert_true(mend_file_exists(DIR "/done"));
    /* The journal, report and state are mend's to write; the rest must be as they were. */
    const char *untouched[] = {DIR "/data/scripts/fix.lua", DIR "/st/backups/HKLM-x.reg", DIR "/st/plan.key",
                               DIR "/data/scenarios/demo.lua"};
    for (size_t i = 0; i < sizeof untouched / sizeof *untouched; i++) {
        char *now = slurp(untouched[i]);
        if (strcmp(now, "original\n") != 0)
            fail_msg("%s changed: '%s'", untouched[i], now);
        free(now);
    }
    char *j = slurp(DIR "/j.jsonl");
    assert_non_null(strstr(j, "original\n"));   /* the run's lines came after, nothing was cut */
    free(j);
    assert_false(mend_file_exists(DIR "/moved"));
}

/* Under --max-memory 64M, mend's peak stays under the cap plus what mend itself needs (its
 * code, the simulator, stdio buffers): 40 MiB of slack, far below what each bomb would take. */
#define PEAK_LIMIT_KIB ((64L + 40L) * 1024L)
/* AddressSanitizer keeps freed memory in quarantine and adds shadow memory: its peak says
 * nothing about the cap, so a sanitizer build checks the errors only. */
#if defined(__SANITIZE_ADDRESS__)
#define PEAK_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PEAK_CHECKED 0
#endif
#endif
#ifndef PEAK_CHECKED
#define PEAK_CHECKED 1
#endif

static void assert_bomb_stopped(const char *name, const char *code, const char *message)
{
    char path[512];
    snprintf(path, sizeof path, DIR "/%s.lua", name);
    write_text(path, code);
    MEND("run", "--max-memory", "64M", "--host", "sim:" STATE, path);
    long peak = g_r.peak_kib;
    if (g_r.code != 2)
        fail_msg("%s: exit %d, stderr: %s", name, g_r.code, g_r.err);
    assert_contains(g_r.err, message);
    if (PEAK_CHECKED && peak > PEAK_LIMIT_KIB)
        fail_msg("%s: peak %ld KiB over %ld KiB", name, peak, PEAK_LIMIT_KIB);
}

/* 4 GiB of zeros in a sparse regular file: what /dev/zero was to these tests before mend
 * refused devices by kind (tests/engine/special_files.sh). */
#define ZEROS DIR "/zeros.bin"
static void make_zeros(void)
{
    FILE *f = fopen(ZEROS, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(ZEROS, (off_t)4 << 30), 0);
}

static void test_exe_finalizer_and_read_bombs_stay_under_the_memory_cap(void **state)
{
    (void)state;
    make_zeros();
    const char *gc_limit = "script exceeded the memory limit of 64 MiB in a __gc finalizer run when the script ended";
    assert_bomb_stopped("gc_loose", "setmetatable({}, {__gc = function() local t = {} for i = 1, 1e9 do t[i] = i end end})\n",
                        gc_limit);
    assert_bomb_stopped("gc_global", "KEEP = setmetatable({}, {__gc = function() local t = {} for i = 1, 1e9 do t[i] = i end end})\n"
                                     "return 0\n", gc_limit);
    assert_bomb_stopped("read_all", "local f = assert(io.open('" ZEROS "', 'rb')) local s = f:read('a')\n",
                        "script exceeded the memory limit of 64 MiB");
    assert_bomb_stopped("read_n", "local f = assert(io.open('" ZEROS "', 'rb')) local s = f:read(1 << 40)\n",
                        "script exceeded the memory limit of 64 MiB");
    assert_bomb_stopped("lines", "for l in io.lines('" ZEROS "') do end\n", "script exceeded the memory limit of 64 MiB");
    const char *cap = "cannot read " ZEROS ": it is larger than 63.";
    assert_bomb_stopped("dofile", "dofile('" ZEROS "')\n", cap);
    assert_bomb_stopped("loadfile", "local f, err = loadfile('" ZEROS "') error(err, 0)\n", cap);
    unlink(DIR "/zeros.lua");
    assert_int_equal(symlink(ZEROS, DIR "/zeros.lua"), 0);
    assert_bomb_stopped("require", "require 'zeros'\n", "zeros.lua: it is larger than 63.");
    unlink(DIR "/zeros.lua");
    unlink(ZEROS);
    assert_bomb_stopped("reg_set", "local big = ('x'):rep(1 << 20)\n"
                                   "for i = 1, 1e6 do pcall(reg.set, 'HKLM\\\\SOFTWARE\\\\Bomb', 'v' .. i, big) end\n",
                        "script exceeded the memory limit of 64 MiB");
}

/* A state mend can write itself: however large, a clear error and exit 2, never an abort. */
static void test_exe_state_file_over_512_mib_is_a_clear_error(void **state)
{
    (void)state;
    const char *big = DIR "/huge-state.lua";
    FILE *f = fopen(big, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(big, (off_t)600 << 20), 0);   /* sparse: no 600 MiB written */
    int rc = MEND("check", "--host", "sim:" DIR "/huge-state.lua");
    unlink(big);
    assert_int_equal(rc, 2);
    assert_contains(g_r.err, "cannot read " DIR "/huge-state.lua: it is larger than 256 MiB");
}

static void test_exe_batch_list_and_script_size_caps(void **state)
{
    (void)state;
    assert_int_equal(MEND_IN("/dev/zero", "batch", "--host", "sim:" STATE, "-"), 2);
    assert_contains(g_r.err, "cannot read the list on standard input: it is larger than 64 MiB");
    make_zeros();
    assert_int_equal(MEND("batch", "--host", "sim:" STATE, ZEROS), 2);
    assert_contains(g_r.err, "cannot read " ZEROS ": it is larger than 64 MiB");
    assert_int_equal(MEND("run", "--host", "sim:" STATE, ZEROS), 2);
    assert_contains(g_r.err, "cannot read " ZEROS ": it is larger than 64 MiB, the most mend loads as a script");
    unlink(ZEROS);
}

/* The scenario loader's instruction limit, caught by pcall in a loop or by an xpcall whose
 * handler never ends, still stops the scenario (before, the 2-minute watchdog did). */
static void test_exe_scenario_cannot_swallow_its_instruction_limit(void **state)
{
    (void)state;
    write_text(DIR "/pcall-loop.lua", "while true do pcall(function() while true do end end) end\nreturn {}\n");
    assert_int_equal(MEND("check", "--host", "sim:" DIR "/pcall-loop.lua"), 2);
    assert_contains(g_r.err, "the scenario ran more than 50 million instructions");
    write_text(DIR "/xpcall-loop.lua", "while true do xpcall(function() while true do end end,\n"
                                       "  function() while true do end end) end\nreturn {}\n");
    assert_int_equal(MEND("check", "--host", "sim:" DIR "/xpcall-loop.lua"), 2);
    assert_contains(g_r.err, "the scenario ran more than 50 million instructions");
    write_text(DIR "/xpcall-ok.lua", "local ok, e = xpcall(function(a) error('x' .. a) end, function(m) return 'h:' .. m end, 5)\n"
                                     "assert(not ok and e:find('h:.*x5'), e)\n"
                                     "local ok2, v = xpcall(function(a) return a + 1 end, error, 1)\n"
                                     "assert(ok2 and v == 2)\n"
                                     "return { policies = { { name = 'P', state = 'active' } } }\n");
    assert_int_equal(MEND("check", "--host", "sim:" DIR "/xpcall-ok.lua"), 0);
}

int main(void)
{
    mend_err e;
    mend_mkdirs(DIR, &e);
    /* Scripts may write only in the working and temp folders: the scripts here write in DIR. */
    if (chdir(DIR) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exe_no_command_prints_usage_and_exits_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_unknown_option_is_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_help_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_run_passes_args_and_returns_the_scripts_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_run_return_outside_exit_codes_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_run_without_return_exits_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_script_error_shows_file_line_and_traceback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_endless_loop_is_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_loop_out_of_the_hooks_reach_is_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_memory_bomb_is_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_sandbox_and_unsafe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_script_cannot_change_mends_own_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_finalizer_and_read_bombs_stay_under_the_memory_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_state_file_over_512_mib_is_a_clear_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_batch_list_and_script_size_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_scenario_cannot_swallow_its_instruction_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_json_report_on_stdout_and_print_on_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_report_file_and_outcome_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_journal_written_except_in_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_warns_about_an_interrupted_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_batch_list_errors_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_dry_run_changes_nothing_and_errors_keep_what_was_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_ctrl_c_stops_the_script_and_keeps_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_a_signal_ignored_at_start_stays_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_ctrl_c_stops_mend_test, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_fix_batch_check_wire_names_and_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exe_host_errors_exit_2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
