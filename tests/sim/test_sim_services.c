/* Services: dependencies on start and stop, dependents in stop order, disabled, unknown,
 * PolicyAgent's table, ignore_stop. */
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

static size_t index_of(char **v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return i;
    return (size_t)-1;
}

static void test_sim_dependents_listed_in_stop_order(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    /* A diamond: Both depends on PolicyAgent directly and through VpnAgent's tray. */
    st_open(&h, "return { services = { VpnAgent = { depends_on = { 'PolicyAgent' } },"
                " Tray = { depends_on = { 'VpnAgent' } }, Both = { depends_on = { 'Tray', 'PolicyAgent' } },"
                " Idle = { state = 'stopped', start_type = 'demand', depends_on = { 'PolicyAgent' } } } }");
    char **v;
    size_t n;
    assert_int_equal(h.ops->svc.dependents(h.ctx, "PolicyAgent", true, &v, &n, &e), 0);
    assert_int_equal(n, 3);                                   /* each once, Idle left out */
    assert_true(index_of(v, n, "Both") < index_of(v, n, "Tray"));
    assert_true(index_of(v, n, "Tray") < index_of(v, n, "VpnAgent"));
    assert_int_equal(index_of(v, n, "Idle"), (size_t)-1);
    mend_string_free_list(v, n);
    assert_int_equal(h.ops->svc.dependents(h.ctx, "policyagent", false, &v, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_true(index_of(v, n, "Idle") != (size_t)-1);
    mend_string_free_list(v, n);
    /* Transitively: RpcSs carries PolicyAgent and everything above it. */
    assert_int_equal(h.ops->svc.dependents(h.ctx, "RpcSs", true, &v, &n, &e), 0);
    assert_true(index_of(v, n, "VpnAgent") < index_of(v, n, "PolicyAgent"));
    assert_true(index_of(v, n, "BFE") != (size_t)-1);
    assert_int_equal(index_of(v, n, "RpcSs"), (size_t)-1);
    mend_string_free_list(v, n);
    assert_int_equal(h.ops->svc.dependents(h.ctx, "Nope", true, &v, &n, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    /* Reading them changes nothing. */
    assert_int_equal(st_svc_state(&h, "Tray"), MEND_SVC_RUNNING);
    mend_host_close(&h);
}

static void test_sim_query_lists_what_a_service_depends_on(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    mend_service s;
    assert_int_equal(h.ops->svc.query(h.ctx, "PolicyAgent", &s, &e), 0);
    assert_int_equal(s.ndeps, 2);
    assert_string_equal(s.depends_on[0], "RpcSs");
    assert_string_equal(s.depends_on[1], "Tcpip");
    mend_service_clear(&s);
    assert_int_equal(h.ops->svc.query(h.ctx, "Tcpip", &s, &e), 0);
    assert_int_equal(s.ndeps, 0);
    mend_service_clear(&s);
    mend_host_close(&h);
}

static void test_sim_reboot_starts_automatic_dependents(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { VpnAgent = { state = 'stopped', depends_on = { 'PolicyAgent' } } } }");
    assert_int_equal(h.ops->sys.reboot(h.ctx, "test", &e), 0);
    assert_int_equal(st_svc_state(&h, "VpnAgent"), MEND_SVC_RUNNING);
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
        cmocka_unit_test(test_sim_dependents_listed_in_stop_order),
        cmocka_unit_test(test_sim_query_lists_what_a_service_depends_on),
        cmocka_unit_test(test_sim_reboot_starts_automatic_dependents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
