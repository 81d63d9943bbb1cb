/* Option parsing: every option in both positions, good and bad values, run's passthrough. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cli.h"
#include "engine.h"
#include "suggest.h"

/* Parses a NULL-terminated list of words (argv[0] = "mend" is added). */
static char *g_argv[64];
static char g_err[512];

static int parse_words(mend_options *o, const char *const *words)
{
    int argc = 0;
    g_argv[argc++] = "mend";
    for (; *words; words++)
        g_argv[argc++] = (char *)*words;
    g_argv[argc] = NULL;
    return mend_cli_parse(argc, g_argv, o, g_err, sizeof g_err);
}

#define PARSE(o, ...) parse_words((o), (const char *const[]){__VA_ARGS__, NULL})

static void assert_usage_error(int rc, const char *fragment)
{
    assert_int_equal(rc, 2);
    if (!strstr(g_err, fragment))
        fail_msg("error '%s' lacks '%s'", g_err, fragment);
    assert_null(strchr(g_err, '\n')); /* one line */
}

static void test_cli_defaults(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "fix"), 0);
    assert_int_equal(o.cmd, MEND_CMD_FIX);
    assert_null(o.host_spec);
    assert_false(o.dry_run);
    assert_int_equal(o.allow, 0);
    assert_false(o.yes);
    assert_false(o.json);
    assert_int_equal(o.verbosity, 0);
    assert_true(o.timeout_s == MEND_DEFAULT_TIMEOUT_S);
    assert_int_equal(o.max_memory, MEND_DEFAULT_MAX_MEMORY);
    assert_int_equal(o.exit_style, MEND_EXIT_DEFAULT);
    assert_int_equal(o.nargs, 0);
}

static void test_cli_every_option_before_command(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "--host", "sim:/tmp/s.lua", "--dry-run", "--allow", "kill,registry",
                           "--yes", "--json", "--report", "r.json", "--journal", "j.jsonl", "-v",
                           "--timeout", "2.5", "--max-memory", "64M", "--unsafe", "--exit-codes", "sccm",
                           "--all-pending", "--resume", "fix"),
                     0);
    assert_int_equal(o.cmd, MEND_CMD_FIX);
    assert_string_equal(o.host_spec, "sim:/tmp/s.lua");
    assert_true(o.dry_run);
    assert_int_equal(o.allow, MEND_GATE_KILL | MEND_GATE_REGISTRY);
    assert_true(o.yes);
    assert_true(o.json);
    assert_string_equal(o.report_path, "r.json");
    assert_string_equal(o.journal_path, "j.jsonl");
    assert_int_equal(o.verbosity, 1);
    assert_true(o.timeout_s == 2.5);
    assert_int_equal(o.max_memory, 64u * 1024 * 1024);
    assert_true(o.unsafe);
    assert_int_equal(o.exit_style, MEND_EXIT_SCCM);
    assert_true(o.all_pending);
    assert_true(o.resume);
}

static void test_cli_options_after_command_and_names_between(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "fix", "Corp-QM", "--json", "Other QM", "--host=sim", "-q", "Third"), 0);
    assert_int_equal(o.cmd, MEND_CMD_FIX);
    assert_true(o.json);
    assert_string_equal(o.host_spec, "sim");
    assert_int_equal(o.verbosity, -1);
    assert_int_equal(o.nargs, 3);
    assert_string_equal(o.args[0], "Corp-QM");
    assert_string_equal(o.args[1], "Other QM");
    assert_string_equal(o.args[2], "Third");
}

static void test_cli_equals_forms(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "check", "--allow=all", "--timeout=10", "--max-memory=1G", "--report=x.json",
                           "--journal=j", "--exit-codes=default", "--host=local"),
                     0);
    assert_int_equal(o.cmd, MEND_CMD_CHECK);
    assert_int_equal(o.allow, MEND_GATE_ALL);
    assert_true(o.timeout_s == 10.0);
    assert_int_equal(o.max_memory, 1024u * 1024 * 1024);
    assert_string_equal(o.report_path, "x.json");
    assert_string_equal(o.journal_path, "j");
    assert_string_equal(o.host_spec, "local");
}

static void test_cli_allow_repeatable(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "--allow", "kill", "fix", "--allow", "nic, reboot"), 0);
    assert_int_equal(o.allow, MEND_GATE_KILL | MEND_GATE_NIC | MEND_GATE_REBOOT);
    assert_usage_error(PARSE(&o, "fix", "--allow", "kill,frob"), "unknown capability 'frob'");
    assert_usage_error(PARSE(&o, "fix", "--allow", ""), "--allow");
}

static void test_cli_run_passes_everything_after_script(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "--json", "run", "--dry-run", "s.lua", "-x", "--frob", "--", "--json", "a b"), 0);
    assert_int_equal(o.cmd, MEND_CMD_RUN);
    assert_true(o.json);
    assert_true(o.dry_run);
    assert_string_equal(o.script, "s.lua");
    assert_int_equal(o.nargs, 4);
    assert_string_equal(o.args[0], "-x");
    assert_string_equal(o.args[1], "--frob");
    assert_string_equal(o.args[2], "--json");
    assert_string_equal(o.args[3], "a b");
}

/* A mend option after the script would otherwise go to the script: `mend run x.lua --dry-run`
 * ran for real. Now it is a usage error naming the option, unless it follows --. */
static void test_cli_run_refuses_mend_options_after_script(void **state)
{
    (void)state;
    mend_options o;
    assert_usage_error(PARSE(&o, "run", "x.lua", "--dry-run"), "'--dry-run' after the script is a mend option");
    assert_usage_error(PARSE(&o, "run", "x.lua", "a", "--allow=kill"), "'--allow' after the script");
    assert_usage_error(PARSE(&o, "run", "x.lua", "-y"), "'-y' after the script");
    assert_usage_error(PARSE(&o, "run", "x.lua", "--help"), "'--help' after the script");
    assert_int_equal(PARSE(&o, "run", "x.lua", "--", "--dry-run", "--"), 0);
    assert_false(o.dry_run);
    assert_int_equal(o.nargs, 2);
    assert_string_equal(o.args[0], "--dry-run");
    assert_string_equal(o.args[1], "--");
}

static void test_cli_double_dash_ends_options(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "fix", "--", "--weird-name", "-q"), 0);
    assert_int_equal(o.nargs, 2);
    assert_string_equal(o.args[0], "--weird-name");
    assert_string_equal(o.args[1], "-q");
    assert_int_equal(o.verbosity, 0);
    assert_int_equal(PARSE(&o, "run", "--", "-script.lua", "x"), 0);
    assert_string_equal(o.script, "-script.lua");
    assert_int_equal(o.nargs, 1);
}

/* An empty policy name (a script's unset variable) is a usage error, never "every policy". */
static void test_cli_empty_policy_name_is_refused(void **state)
{
    (void)state;
    mend_options o;
    assert_usage_error(PARSE(&o, "fix", ""), "a policy name cannot be empty");
    assert_usage_error(PARSE(&o, "check", "Corp-QM", ""), "a policy name cannot be empty");
    assert_int_equal(PARSE(&o, "run", "x.lua", ""), 0);   /* a script's own arguments may be empty */
    assert_int_equal(o.nargs, 1);
}

static void test_cli_batch_and_sim(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "batch", "-"), 0);
    assert_int_equal(o.cmd, MEND_CMD_BATCH);
    assert_string_equal(o.script, "-");
    assert_int_equal(PARSE(&o, "batch", "list.txt", "--resume"), 0);
    assert_string_equal(o.script, "list.txt");
    assert_true(o.resume);
    assert_usage_error(PARSE(&o, "batch", "a.txt", "b.txt"), "one list file");
    assert_usage_error(PARSE(&o, "batch"), "needs a list file");

    assert_int_equal(PARSE(&o, "sim", "init", "scen.lua"), 0);
    assert_int_equal(o.cmd, MEND_CMD_SIM);
    assert_string_equal(o.sim_verb, "init");
    assert_int_equal(o.nargs, 1);
    assert_string_equal(o.args[0], "scen.lua");
    assert_int_equal(PARSE(&o, "sim", "show"), 0);
    assert_int_equal(PARSE(&o, "sim", "reset"), 0);
    assert_usage_error(PARSE(&o, "sim", "explode"), "unknown sim command 'explode'");
    assert_usage_error(PARSE(&o, "sim"), "init, show or reset");
    assert_usage_error(PARSE(&o, "sim", "init", "a.lua", "b.lua"), "at most one scenario");
}

static void test_cli_help_and_version(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "--help"), 0);
    assert_int_equal(o.cmd, MEND_CMD_HELP);
    assert_int_equal(PARSE(&o, "fix", "-h"), 0);
    assert_int_equal(o.cmd, MEND_CMD_HELP);
    assert_int_equal(PARSE(&o, "--version"), 0);
    assert_int_equal(o.cmd, MEND_CMD_VERSION);
    /* After run's script, --help goes to the script only after --. */
    assert_int_equal(PARSE(&o, "run", "s.lua", "--", "--help"), 0);
    assert_int_equal(o.cmd, MEND_CMD_RUN);
    assert_string_equal(o.args[0], "--help");
}

static void test_cli_usage_errors(void **state)
{
    (void)state;
    mend_options o;
    assert_usage_error(PARSE(&o, "--frob", "fix"), "unknown option '--frob' (see mend --help)");
    assert_usage_error(PARSE(&o, "fix", "--frob=1"), "unknown option '--frob'");
    assert_usage_error(PARSE(&o, "explode"), "unknown command 'explode'");
    assert_usage_error(parse_words(&o, (const char *const[]){NULL}), "no command");
    assert_usage_error(PARSE(&o, "--json"), "no command");
    assert_usage_error(PARSE(&o, "run"), "needs a script");
    assert_usage_error(PARSE(&o, "fix", "--host"), "'--host' needs a value");
    assert_usage_error(PARSE(&o, "fix", "--host", "remote"), "bad value for --host: 'remote'");
    assert_usage_error(PARSE(&o, "fix", "--host", "sim:"), "bad value for --host");
    assert_usage_error(PARSE(&o, "fix", "--json=yes"), "takes no value");
    assert_usage_error(PARSE(&o, "fix", "-q", "-v"), "-q and -v");
    assert_usage_error(PARSE(&o, "-v", "fix", "--quiet"), "-q and -v");
    assert_usage_error(PARSE(&o, "fix", "--report", ""), "needs a file name");
    assert_usage_error(PARSE(&o, "fix", "--exit-codes", "intune"), "bad value for --exit-codes");
    assert_usage_error(PARSE(&o, "run", "--all-pending", "s.lua"), "--all-pending only applies");
    assert_usage_error(PARSE(&o, "check", "--resume"), "--resume only applies");
}

static void test_cli_timeout_values(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "fix", "--timeout", "0.5"), 0);
    assert_true(o.timeout_s == 0.5);
    const char *bad[] = {"0", "-1", "abc", "5s", "", "inf", "nan", " 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_usage_error(PARSE(&o, "fix", "--timeout", bad[i]), "bad value for --timeout");
}

static void test_cli_max_memory_values(void **state)
{
    (void)state;
    size_t n;
    assert_int_equal(mend_cli_parse_size("64M", &n), 0);
    assert_int_equal(n, 64u << 20);
    assert_int_equal(mend_cli_parse_size("1G", &n), 0);
    assert_int_equal(n, 1u << 30);
    assert_int_equal(mend_cli_parse_size("512k", &n), 0);
    assert_int_equal(n, 512u << 10);
    assert_int_equal(mend_cli_parse_size("2097152", &n), 0);
    assert_int_equal(n, 2097152u);
    assert_int_equal(mend_cli_parse_size("16MiB", &n), 0);
    assert_int_equal(n, 16u << 20);
    assert_int_equal(mend_cli_parse_size("12X", &n), -1);
    assert_int_equal(mend_cli_parse_size("-5M", &n), -1);
    assert_int_equal(mend_cli_parse_size("", &n), -1);
    assert_int_equal(mend_cli_parse_size("99999999999999999999G", &n), -1);

    mend_options o;
    assert_int_equal(PARSE(&o, "fix", "--max-memory", "1M"), 0);
    assert_int_equal(o.max_memory, 1u << 20);
    assert_usage_error(PARSE(&o, "fix", "--max-memory", "512k"), "at least 1M");
    assert_usage_error(PARSE(&o, "fix", "--max-memory", "lots"), "bad value for --max-memory");
}

static void test_cli_verbosity(void **state)
{
    (void)state;
    mend_options o;
    assert_int_equal(PARSE(&o, "fix", "-v", "-v"), 0);
    assert_int_equal(o.verbosity, 2);
    assert_int_equal(PARSE(&o, "fix", "-vv"), 0);
    assert_int_equal(o.verbosity, 2);
    assert_int_equal(PARSE(&o, "fix", "--quiet"), 0);
    assert_int_equal(o.verbosity, -1);
}

static void test_cli_usage_text_covers_everything(void **state)
{
    (void)state;
    char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    mend_cli_usage(f);
    fclose(f);
    const char *must[] = {"fix", "check", "batch", "run", "sim", "--host", "--dry-run", "--allow", "--yes",
                          "--json", "--report", "--journal", "-q", "-v", "--timeout", "--max-memory",
                          "--unsafe", "--help", "--version", "--all-pending", "--resume", "--exit-codes"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        if (!strstr(buf, must[i]))
            fail_msg("usage lacks %s", must[i]);
}

static void test_cli_suggests_the_nearest_word_for_a_typo(void **state)
{
    (void)state;
    assert_string_equal(mend_cli_suggest_command("fxi"), "fix");      /* a swap is one edit */
    assert_string_equal(mend_cli_suggest_command("chek"), "check");
    assert_string_equal(mend_cli_suggest_command("captur"), "capture");
    assert_null(mend_cli_suggest_command("frobnicate"));               /* nothing close: no guess */
    static const char *const opts[] = {"--dry-run", "--allow", "--all-pending"};
    assert_string_equal(mend_suggest("--dryrun", opts, 3), "--dry-run");
    assert_null(mend_suggest("--zzz", opts, 3));
    mend_options o;
    char err[256];
    char *argv[] = {"mend", "fix", "--help", NULL};
    assert_int_equal(mend_cli_parse(3, argv, &o, err, sizeof err), 0);
    assert_int_equal(o.cmd, MEND_CMD_HELP);
    assert_int_equal(o.help_for, MEND_CMD_FIX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_defaults),
        cmocka_unit_test(test_cli_every_option_before_command),
        cmocka_unit_test(test_cli_options_after_command_and_names_between),
        cmocka_unit_test(test_cli_equals_forms),
        cmocka_unit_test(test_cli_allow_repeatable),
        cmocka_unit_test(test_cli_run_passes_everything_after_script),
        cmocka_unit_test(test_cli_run_refuses_mend_options_after_script),
        cmocka_unit_test(test_cli_double_dash_ends_options),
        cmocka_unit_test(test_cli_empty_policy_name_is_refused),
        cmocka_unit_test(test_cli_batch_and_sim),
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_cli_usage_errors),
        cmocka_unit_test(test_cli_timeout_values),
        cmocka_unit_test(test_cli_max_memory_values),
        cmocka_unit_test(test_cli_verbosity),
        cmocka_unit_test(test_cli_usage_text_covers_everything),
        cmocka_unit_test(test_cli_suggests_the_nearest_word_for_a_typo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
