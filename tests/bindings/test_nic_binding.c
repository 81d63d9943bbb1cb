/* Unit tests of nic.set_ipsec_offload over a fake host: the change, then the adapter restart, each counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bindings/bindings.h"
#include "engine.h"
#include "guard.h"
#include "report.h"

typedef struct fake {
    char calls[128];           /* "set0 restart ..." in call order */
    bool fail_set, fail_restart;
    char question[512];        /* the last confirmation question asked */
} fake;

static void note(fake *f, const char *what)
{
    size_t n = strlen(f->calls);
    snprintf(f->calls + n, sizeof f->calls - n, "%s%s", n ? " " : "", what);
}

static int f_set(void *ctx, const char *name, bool on, mend_err *e)
{
    fake *f = ctx;
    note(f, on ? "set1" : "set0");
    return f->fail_set ? mend_err_set(e, MEND_E_ACCESS_DENIED, 5, NULL) : 0;
}

static int f_restart(void *ctx, const char *name, mend_err *e)
{
    fake *f = ctx;
    note(f, "restart");
    return f->fail_restart ? mend_err_set(e, MEND_E_NOT_FOUND, 0, "no present network device for %s", name) : 0;
}

static const mend_host_ops fake_ops = {
    .name = "fake",
    .nic = { .set_ipsec_offload = f_set, .restart = f_restart },
};

static bool answer_no(void *ud, const char *question)
{
    fake *f = ud;
    snprintf(f->question, sizeof f->question, "%s", question);
    return false;
}

typedef struct world {
    fake f;
    mend_options opts;
    mend_engine eng;
    lua_State *L;
} world;

static world *world_new(bool dry_run, unsigned allow)
{
    world *w = calloc(1, sizeof *w);
    w->opts.dry_run = dry_run;
    w->opts.allow = allow;
    w->eng.opts = &w->opts;
    w->eng.host.ops = &fake_ops;
    w->eng.host.ctx = &w->f;
    w->eng.report = mend_report_new("fake", dry_run);
    w->eng.state_dir = MEND_TEST_TMP;
    w->eng.stdin_tty = w->eng.stderr_tty = true;
    w->eng.ask = answer_no;
    w->eng.ask_ud = &w->f;
    w->L = luaL_newstate();
    luaL_openlibs(w->L);
    mend_bindings_open(w->L, &w->eng);
    return w;
}

static void world_free(world *w)
{
    lua_close(w->L);
    mend_report_free(w->eng.report);
    free(w);
}

static void run(world *w, const char *code)
{
    if (luaL_dostring(w->L, code) != LUA_OK)
        fail_msg("%s\n--- in:\n%s", lua_tostring(w->L, -1), code);
    lua_settop(w->L, 0);
}

static int count(world *w, mend_counter c)
{
    return (int)mend_report_counter(w->eng.report, c);
}

static void test_nic_change_is_followed_by_an_adapter_restart_each_counted(void **state)
{
    world *w = world_new(false, MEND_GATE_NIC);
    run(w, "assert(nic.set_ipsec_offload('Ethernet0', false) == true)\n"
           "assert(nic.set_ipsec_offload('Ethernet0', true) == true)");
    assert_string_equal(w->f.calls, "set0 restart set1 restart");
    assert_int_equal(count(w, MEND_COUNT_OFFLOAD_CHANGES), 2);
    assert_int_equal(count(w, MEND_COUNT_ADAPTER_RESTARTS), 2);
    world_free(w);
}

static void test_nic_gate_question_says_the_link_drops(void **state)
{
    world *w = world_new(false, 0);
    run(w, "local ok, msg, code = nic.set_ipsec_offload('Ethernet0', false)\n"
           "assert(ok == nil and code == 'not_permitted', tostring(msg))");
    assert_non_null(strstr(w->f.question, "Disable IPsec task offload on Ethernet0?"));
    assert_non_null(strstr(w->f.question, "restarts the adapter: its link drops for a few seconds"));
    assert_string_equal(w->f.calls, "");
    assert_int_equal(count(w, MEND_COUNT_OFFLOAD_CHANGES), 0);
    world_free(w);
}

static void test_nic_failed_restart_keeps_the_change_and_says_it_waits(void **state)
{
    world *w = world_new(false, MEND_GATE_NIC);
    w->f.fail_restart = true;
    run(w, "local ok, msg, code = nic.set_ipsec_offload('Ethernet0', false)\n"
           "assert(ok == nil and code == 'not_found', tostring(code))\n"
           "assert(msg:find('was changed, but the adapter was not restarted', 1, true), msg)\n"
           "assert(msg:find('next restart', 1, true), msg)\n"
           "assert(msg:find('no present network device for Ethernet0', 1, true), msg)");
    assert_string_equal(w->f.calls, "set0 restart");
    assert_int_equal(count(w, MEND_COUNT_OFFLOAD_CHANGES), 1);
    assert_int_equal(count(w, MEND_COUNT_ADAPTER_RESTARTS), 0);
    world_free(w);
}

static void test_nic_failed_change_restarts_nothing(void **state)
{
    world *w = world_new(false, MEND_GATE_NIC);
    w->f.fail_set = true;
    run(w, "local ok, msg, code = nic.set_ipsec_offload('Ethernet0', false)\n"
           "assert(ok == nil and code == 'access_denied', tostring(code))");
    assert_string_equal(w->f.calls, "set0");
    assert_int_equal(count(w, MEND_COUNT_OFFLOAD_CHANGES), 0);
    assert_int_equal(count(w, MEND_COUNT_ADAPTER_RESTARTS), 0);
    world_free(w);
}

static void test_nic_dry_run_calls_nothing_but_counts_both(void **state)
{
    world *w = world_new(true, MEND_GATE_NIC);
    run(w, "assert(nic.set_ipsec_offload('Ethernet0', false) == true)");
    assert_string_equal(w->f.calls, "");
    assert_int_equal(count(w, MEND_COUNT_OFFLOAD_CHANGES), 1);
    assert_int_equal(count(w, MEND_COUNT_ADAPTER_RESTARTS), 1);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nic_change_is_followed_by_an_adapter_restart_each_counted),
        cmocka_unit_test(test_nic_gate_question_says_the_link_drops),
        cmocka_unit_test(test_nic_failed_restart_keeps_the_change_and_says_it_waits),
        cmocka_unit_test(test_nic_failed_change_restarts_nothing),
        cmocka_unit_test(test_nic_dry_run_calls_nothing_but_counts_both),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
