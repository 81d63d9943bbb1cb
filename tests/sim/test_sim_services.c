/* Services: dependencies on start and stop, disabled, unknown, PolicyAgent's table, ignore_stop. */
#include "sim_test.h"

#include <string.h>

static void test_sim_stop_stops_running_dependents_first(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { VpnAgent = { depends_on = { 'PolicyAgent' } } } }");
    assert_int_equal(st_svc_state(&h, "VpnAgent"), MEND_SVC_RUNNING);
    assert_int_equal(h.ops->svc.stop(h.ctx, "RpcSs", 1000, &e), 0);
    assert_int_equal(st_svc_state(&h, "RpcSs"), MEND_SVC_STOPPED);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_STOPPED);
    assert_int_equal(st_svc_state(&h, "VpnAgent"), MEND_SVC_STOPPED);
    assert_int_equal(st_svc_state(&h, "BFE"), MEND_SVC_STOPPED);
    assert_int_equal(st_svc_state(&h, "Tcpip"), MEND_SVC_RUNNING);
    mend_service s;
    assert_int_equal(h.ops->svc.query(h.ctx, "PolicyAgent", &s, &e), 0);
    assert_int_equal(s.pid, 0);
    assert_string_equal(s.display_name, "IPsec Policy Agent");
    mend_service_clear(&s);
    mend_host_close(&h);
}

static void test_sim_start_starts_stopped_dependencies_first(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { RpcSs = { state = 'stopped' }, PolicyAgent = { state = 'stopped' } } }");
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(st_svc_state(&h, "RpcSs"), MEND_SVC_RUNNING);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_RUNNING);
    mend_service s;
    assert_int_equal(h.ops->svc.query(h.ctx, "policyagent", &s, &e), 0);   /* case-insensitive */
    assert_true(s.pid != 0);
    assert_int_equal(s.start_type, MEND_START_AUTO);
    mend_service_clear(&s);
    mend_host_close(&h);
}

static void test_sim_disabled_service_cannot_start(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { PolicyAgent = { state = 'stopped', start_type = 'disabled' } } }");
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), -1);
    assert_int_equal(e.win32, 1058);
    assert_non_null(strstr(e.msg, "because it is disabled"));
    mend_host_close(&h);
}

static void test_sim_unknown_service_is_not_found(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    mend_service s;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->svc.query(h.ctx, "Nope", &s, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 1060);
    assert_int_equal(h.ops->svc.stop(h.ctx, "Nope", 1000, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(h.ops->svc.start(h.ctx, "Nope", 1000, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_stop_and_start_are_idempotent(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_STOPPED);
    mend_host_close(&h);
}

static void test_sim_ignore_stop_times_out_and_advances_clock(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "agent_hangs");
    double t = h.ops->sys.now(h.ctx);
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 20000, &e), -1);
    assert_int_equal(e.code, MEND_E_TIMEOUT);
    assert_int_equal(e.win32, 1053);
    assert_true(h.ops->sys.now(h.ctx) == t + 20);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_STOP_PENDING);
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), -1);
    /* The agent never stopped: its stale entry is still there. */
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "hung", &e), 0);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_RUNNING);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_stop_stops_running_dependents_first),
        cmocka_unit_test(test_sim_start_starts_stopped_dependencies_first),
        cmocka_unit_test(test_sim_disabled_service_cannot_start),
        cmocka_unit_test(test_sim_unknown_service_is_not_found),
        cmocka_unit_test(test_sim_stop_and_start_are_idempotent),
        cmocka_unit_test(test_sim_ignore_stop_times_out_and_advances_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
