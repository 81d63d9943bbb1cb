/* `mend sim init [SCENARIO] | show | reset`, and the default state seeded from the demo. */
#include "sim_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "platform.h"

static int run(const char *verb, const char *scenario, const char *spec, const char *state_dir)
{
    char *args[1] = { (char *)scenario };
    mend_options o = { .cmd = MEND_CMD_SIM, .sim_verb = verb, .args = args, .nargs = scenario ? 1 : 0 };
    mend_host_config cfg = { .spec = spec, .quiet = true, .state_dir = state_dir, .data_dir = MEND_SOURCE_DIR };
    return sim_command(&o, &cfg);
}

/* Runs `mend sim show` with stdout captured into a malloc'd string. */
static char *show(const char *spec, const char *state_dir, int *rc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sim-show-%ld.txt", MEND_TEST_TMP, (long)getpid());
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    close(fd);
    *rc = run("show", NULL, spec, state_dir);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char *text;
    size_t len;
    mend_err e;
    assert_int_equal(mend_read_file(path, &text, &len, &e), 0);
    return text;
}

static void test_sim_init_copies_scenario_to_state_file(void **state)
{
    (void)state;
    char scenario[512], spec[600];
    snprintf(scenario, sizeof scenario, "%s/scenarios/tests/holder.lua", MEND_SOURCE_DIR);
    snprintf(spec, sizeof spec, "sim:%s/sim-init-%ld/state.lua", MEND_TEST_TMP, (long)getpid());
    assert_int_equal(run("init", scenario, spec, NULL), 0);
    mend_host h;
    st_open_file(&h, spec + 4, false);
    assert_int_equal(st_count(&h), 1);
    assert_int_equal(st_pid_of(&h, "vpnagent.exe"), 4242);
    mend_host_close(&h);
    /* reset goes back to the demo */
    assert_int_equal(run("reset", NULL, spec, NULL), 0);
    st_open_file(&h, spec + 4, false);
    assert_int_equal(st_count(&h), 7);
    mend_host_close(&h);
}

static void test_sim_init_refuses_a_bad_scenario_and_keeps_state(void **state)
{
    (void)state;
    char *bad = st_write("return { policies = { { name = 'x', state = 'gone' } } }");
    char *good = st_write("return { policies = { { name = 'kept' } } }");
    char spec[600];
    snprintf(spec, sizeof spec, "sim:%s", good);
    assert_int_equal(run("init", bad, spec, NULL), 2);
    mend_host h;
    st_open_file(&h, good, false);
    assert_int_equal(st_state(&h, "kept"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
    assert_int_equal(run("init", MEND_TEST_TMP "/missing.lua", spec, NULL), 2);
    assert_int_equal(run("bogus", NULL, spec, NULL), 2);
    assert_int_equal(run("init", NULL, "local", NULL), 2);
    free(bad);
    free(good);
}

/* --dry-run changes nothing, `mend sim` included: init and reset only check the scenario. */
static void test_sim_init_and_reset_dry_run_change_nothing(void **state)
{
    (void)state;
    char *kept = st_write("return { policies = { { name = 'kept' } } }");
    char *bad = st_write("return { policies = { { name = 'x', state = 'gone' } } }");
    char spec[600], scenario[512];
    snprintf(spec, sizeof spec, "sim:%s", kept);
    snprintf(scenario, sizeof scenario, "%s/scenarios/tests/holder.lua", MEND_SOURCE_DIR);
    char *before, *after;
    size_t blen, alen;
    mend_err e;
    assert_int_equal(mend_read_file(kept, &before, &blen, &e), 0);
    const char *verbs[] = { "reset", "init" };
    for (int v = 0; v < 2; v++) {
        char *args[1] = { scenario };
        mend_options o = { .cmd = MEND_CMD_SIM, .sim_verb = verbs[v], .args = args, .nargs = v, .force = true };
        mend_host_config cfg = { .spec = spec, .quiet = true, .dry_run = true, .data_dir = MEND_SOURCE_DIR };
        assert_int_equal(sim_command(&o, &cfg), 0);
        args[0] = bad;
        if (v == 1)
            assert_int_equal(sim_command(&o, &cfg), 2); /* a bad scenario is still refused */
        assert_int_equal(mend_read_file(kept, &after, &alen, &e), 0);
        assert_int_equal(alen, blen);
        assert_memory_equal(after, before, blen);
        free(after);
    }
    free(before);
    free(kept);
    free(bad);
}

static void test_sim_show_summarises_the_machine(void **state)
{
    (void)state;
    char spec[600];
    char *path = st_write("return {}");
    remove(path);   /* a file mend did not write is refused by init (without --force) */
    snprintf(spec, sizeof spec, "sim:%s", path);
    char demo[512];
    snprintf(demo, sizeof demo, "%s/scenarios/demo.lua", MEND_SOURCE_DIR);
    assert_int_equal(run("init", demo, spec, NULL), 0);
    int rc;
    char *out = show(spec, NULL, &rc);
    assert_int_equal(rc, 0);
    const char *want[] = { "Policies (7):", "Corp-QM  pending_deletion", "Legacy-L2TP  pending_deletion; blockers: stale_memory",
                           "Server-Isolation  active, assigned", "held by vpnagent.exe (pid 4242)", "blockers: gpo_cache",
                           "PolicyAgent", "running", "vpnagent.exe", "lsass.exe", "Ethernet0", "IPsec offload on",
                           "Faults: none", "Handles:" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("'%s' missing from:\n%s", want[i], out);
    free(out);
    free(path);
}

static void test_sim_default_state_is_seeded_from_demo(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sim-default-%ld", MEND_TEST_TMP, (long)getpid());
    mend_host_config cfg = { .spec = NULL, .quiet = true, .state_dir = dir, .data_dir = MEND_SOURCE_DIR };
    mend_host h;
    mend_err e;
    assert_int_equal(sim_host_open(&h, &cfg, NULL, &e), 0);
    assert_int_equal(st_count(&h), 7);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    st_commit_close(&h);
    char *file = sim_default_state_file(&cfg);
    assert_true(mend_file_exists(file));
    assert_non_null(strstr(file, "sim-state.lua"));
    assert_int_equal(sim_host_open(&h, &cfg, NULL, &e), 0);   /* the next run sees the change */
    assert_int_equal(st_count(&h), 6);
    mend_host_close(&h);
    int rc;
    char *out = show("sim", dir, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "Policies (6):"));
    free(out);
    assert_int_equal(run("reset", NULL, NULL, dir), 0);
    assert_int_equal(sim_host_open(&h, &cfg, NULL, &e), 0);
    assert_int_equal(st_count(&h), 7);
    mend_host_close(&h);
    free(file);
}

static void test_sim_missing_explicit_state_file_is_an_error(void **state)
{
    (void)state;
    mend_host_config cfg = { .spec = "sim:x", .quiet = true };
    mend_host h;
    mend_err e;
    assert_int_equal(sim_host_open(&h, &cfg, MEND_TEST_TMP "/no-such-state.lua", &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_non_null(strstr(e.msg, "mend sim init"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_init_copies_scenario_to_state_file),
        cmocka_unit_test(test_sim_init_refuses_a_bad_scenario_and_keeps_state),
        cmocka_unit_test(test_sim_init_and_reset_dry_run_change_nothing),
        cmocka_unit_test(test_sim_show_summarises_the_machine),
        cmocka_unit_test(test_sim_default_state_is_seeded_from_demo),
        cmocka_unit_test(test_sim_missing_explicit_state_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
