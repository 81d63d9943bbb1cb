/* The --allow gates: parsing, allowed(), and confirm's order: --yes, then a person, else no. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine.h"

static int g_asked;
static bool g_answer;
static char g_question[256];

static bool fake_ask(void *ud, const char *question)
{
    (void)ud;
    g_asked++;
    snprintf(g_question, sizeof g_question, "%s", question);
    return g_answer;
}

static mend_options g_opts;
static mend_engine g_eng;

static int setup(void **state)
{
    (void)state;
    memset(&g_opts, 0, sizeof g_opts);
    memset(&g_eng, 0, sizeof g_eng);
    g_eng.opts = &g_opts;
    g_eng.ask = fake_ask;
    g_asked = 0;
    g_answer = false;
    g_question[0] = '\0';
    return 0;
}

static void test_gate_parse_names_and_all(void **state)
{
    (void)state;
    unsigned m = 0;
    char err[200];
    assert_int_equal(mend_gate_parse("kill", &m, err, sizeof err), 0);
    assert_int_equal(m, MEND_GATE_KILL);
    assert_int_equal(mend_gate_parse("registry,reboot", &m, err, sizeof err), 0);
    assert_int_equal(m, MEND_GATE_REGISTRY | MEND_GATE_REBOOT);
    assert_int_equal(mend_gate_parse(" nic , KILL ", &m, err, sizeof err), 0);
    assert_int_equal(m, MEND_GATE_NIC | MEND_GATE_KILL);
    assert_int_equal(mend_gate_parse("all", &m, err, sizeof err), 0);
    assert_int_equal(m, MEND_GATE_ALL);
    assert_int_equal(mend_gate_parse("kill,nuke", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown capability 'nuke'"));
    assert_null(strstr(err, "did you mean"));
    assert_int_equal(mend_gate_parse("kil", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown capability 'kil' for --allow; did you mean 'kill'?"));
    assert_int_equal(mend_gate_parse("nic,REGISTRI", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "'REGISTRI' for --allow; did you mean 'registry'?"));
    assert_int_equal(mend_gate_parse(",", &m, err, sizeof err), -1);
}

static void test_gate_names(void **state)
{
    (void)state;
    assert_string_equal(mend_gate_name(MEND_GATE_KILL), "kill");
    assert_string_equal(mend_gate_name(MEND_GATE_REGISTRY), "registry");
    assert_string_equal(mend_gate_name(MEND_GATE_REBOOT), "reboot");
    assert_string_equal(mend_gate_name(MEND_GATE_NIC), "nic");
    assert_null(mend_gate_name(3));
}

static void test_gate_list_reads_as_allow_takes_it(void **state)
{
    char buf[64];
    assert_string_equal(mend_gate_list(MEND_GATE_KILL | MEND_GATE_REGISTRY | MEND_GATE_NIC, buf, sizeof buf),
                        "kill,registry,nic");
    assert_string_equal(mend_gate_list(0, buf, sizeof buf), "");
    unsigned back = 0;
    char err[128];
    assert_int_equal(mend_gate_parse(mend_gate_list(MEND_GATE_ALL, buf, sizeof buf), &back, err, sizeof err), 0);
    assert_int_equal(back, MEND_GATE_ALL);
    char small[8];   /* cut short, still a string */
    assert_string_equal(mend_gate_list(MEND_GATE_KILL | MEND_GATE_REGISTRY, small, sizeof small), "kill,re");
}

static void test_allowed_only_what_allow_opened(void **state)
{
    (void)state;
    g_opts.allow = MEND_GATE_KILL | MEND_GATE_NIC;
    assert_true(mend_engine_allowed(&g_eng, MEND_GATE_KILL));
    assert_true(mend_engine_allowed(&g_eng, MEND_GATE_NIC));
    assert_false(mend_engine_allowed(&g_eng, MEND_GATE_REGISTRY));
    assert_false(mend_engine_allowed(&g_eng, MEND_GATE_REBOOT));
    /* --yes is an answer to questions, not an --allow. */
    g_opts.yes = true;
    assert_false(mend_engine_allowed(&g_eng, MEND_GATE_REGISTRY));
}

static void test_confirm_yes_answers_without_asking(void **state)
{
    (void)state;
    g_opts.yes = true;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    assert_true(mend_engine_confirm(&g_eng, "Stop it?"));
    assert_int_equal(g_asked, 0);
}

static void test_confirm_asks_a_person_on_a_terminal(void **state)
{
    (void)state;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    g_answer = true;
    assert_true(mend_engine_confirm(&g_eng, "Stop vpnagent.exe?"));
    assert_int_equal(g_asked, 1);
    assert_string_equal(g_question, "Stop vpnagent.exe?");
    g_answer = false;
    assert_false(mend_engine_confirm(&g_eng, "Stop vpnagent.exe?"));
    assert_int_equal(g_asked, 2);
}

static void test_confirm_no_terminal_means_no(void **state)
{
    (void)state;
    g_answer = true;
    g_eng.stdin_tty = false;
    g_eng.stderr_tty = true;
    assert_false(mend_engine_confirm(&g_eng, "q"));
    g_eng.stdin_tty = true;
    g_eng.stderr_tty = false;
    assert_false(mend_engine_confirm(&g_eng, "q"));
    assert_int_equal(g_asked, 0);
}

static void test_confirm_never_prompts_in_dry_run_or_json(void **state)
{
    (void)state;
    g_answer = true;
    g_eng.stdin_tty = g_eng.stderr_tty = true;
    g_opts.dry_run = true;
    assert_false(mend_engine_confirm(&g_eng, "q"));
    g_opts.dry_run = false;
    g_opts.json = true;
    assert_false(mend_engine_confirm(&g_eng, "q"));
    assert_int_equal(g_asked, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_gate_parse_names_and_all, setup),
        cmocka_unit_test_setup(test_gate_names, setup),
        cmocka_unit_test_setup(test_gate_list_reads_as_allow_takes_it, setup),
        cmocka_unit_test_setup(test_allowed_only_what_allow_opened, setup),
        cmocka_unit_test_setup(test_confirm_yes_answers_without_asking, setup),
        cmocka_unit_test_setup(test_confirm_asks_a_person_on_a_terminal, setup),
        cmocka_unit_test_setup(test_confirm_no_terminal_means_no, setup),
        cmocka_unit_test_setup(test_confirm_never_prompts_in_dry_run_or_json, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
