/* Injected faults: access denied by op and op:target, unkillable processes, crash after N actions. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"

static void test_sim_access_denied_by_operation(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "access_denied");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_ACCESS_DENIED);
    assert_int_equal(e.win32, 5);
    assert_string_equal(e.msg, "Access is denied. (0x5)");
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);   /* untouched */
    assert_int_equal(st_create(&h, "Other", &e), MEND_OK);                     /* other ops work */
    mend_host_close(&h);
}

static void test_sim_access_denied_by_operation_and_target(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'A' }, { name = 'B' } },\n"
                "  faults = { access_denied = { 'svc.stop:policyagent', 'reg.delete_key:HKLM\\\\SOFTWARE\\\\Policies',"
                " 'ipsec.delete:A' } } }");
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), -1);
    assert_int_equal(e.code, MEND_E_ACCESS_DENIED);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_RUNNING);
    assert_int_equal(h.ops->svc.stop(h.ctx, "gpsvc", 1000, &e), 0);
    assert_int_equal(st_delete(&h, "A", &e), MEND_E_ACCESS_DENIED);
    assert_int_equal(st_delete(&h, "B", &e), MEND_OK);
    /* A registry target covers the keys under it. */
    assert_int_equal(h.ops->reg.delete_key(h.ctx, MEND_IPSEC_STORE_ROOT, true, &e), -1);
    assert_int_equal(e.code, MEND_E_ACCESS_DENIED);
    assert_int_equal(h.ops->reg.create_key(h.ctx, "HKLM\\SOFTWARE\\Other", &e), 0);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM\\SOFTWARE\\Other", false, &e), 0);
    mend_host_close(&h);
}

static void test_sim_unkillable_process_refuses_kill(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "unkillable");
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), -1);
    assert_int_equal(e.code, MEND_E_ACCESS_DENIED);
    assert_int_equal(e.win32, 5);
    assert_int_equal(st_pid_of(&h, "vpnagent.exe"), 4242);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "only way", &e), 0);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
    st_open(&h, "return { processes = { { pid = 10, name = 'a.exe' }, { pid = 12, name = 'b.exe' } },"
                " faults = { unkillable = { 12 } } }");
    assert_int_equal(h.ops->proc.kill(h.ctx, 12, &e), -1);
    assert_int_equal(e.code, MEND_E_ACCESS_DENIED);
    assert_int_equal(h.ops->proc.kill(h.ctx, 10, &e), 0);
    assert_int_equal(h.ops->proc.kill(h.ctx, 10, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

/* Runs actions in a child until the power cut; returns the wait status. */
static int crash_child(const char *path, int actions)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        mend_host h;
        mend_err e;
        st_open_file(&h, path, false);
        const char *names[] = { "QM-A", "QM-B", "QM-C" };
        for (int i = 0; i < actions; i++)
            h.ops->ipsec.delete_(h.ctx, names[i % 3], &e);
        h.ops->commit(h.ctx, &e);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_sim_crash_after_n_actions_saves_exactly_n(void **state)
{
    (void)state;
    char *state_file = st_copy_scenario("crash_midway");
    int status = crash_child(state_file, 3);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 137);
    mend_host h;
    st_open_file(&h, state_file, false);
    assert_int_equal(st_state(&h, "QM-A"), -1);                        /* action 1 */
    assert_int_equal(st_state(&h, "QM-B"), -1);                        /* action 2 */
    assert_int_equal(st_state(&h, "QM-C"), MEND_POLICY_PENDING_DELETION); /* never ran */
    mend_host_close(&h);
    /* The fault is spent: the recovering run does not crash again. */
    status = crash_child(state_file, 3);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    st_open_file(&h, state_file, false);
    assert_int_equal(st_count(&h), 0);
    mend_host_close(&h);
    free(state_file);
}

static void test_sim_crash_counts_failed_calls_too(void **state)
{
    (void)state;
    char *state_file = st_write("return { policies = { { name = 'QM-C', state = 'pending_deletion' } },"
                                " faults = { crash_after = 2 } }");
    /* QM-A and QM-B do not exist: two failed mutating calls, then the crash. */
    int status = crash_child(state_file, 3);
    assert_int_equal(WEXITSTATUS(status), 137);
    mend_host h;
    st_open_file(&h, state_file, false);
    assert_int_equal(st_state(&h, "QM-C"), MEND_POLICY_PENDING_DELETION);
    mend_host_close(&h);
    free(state_file);
}

static void test_sim_crash_never_in_dry_run(void **state)
{
    (void)state;
    char *state_file = st_write("return { policies = { { name = 'QM-A' }, { name = 'QM-B' } },"
                                " faults = { crash_after = 1 } }");
    mend_host h;
    mend_err e;
    st_open_file(&h, state_file, true);
    assert_int_equal(st_delete(&h, "QM-A", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "QM-B", &e), MEND_OK);   /* still alive */
    mend_host_close(&h);
    st_open_file(&h, state_file, false);
    assert_int_equal(st_count(&h), 2);
    mend_host_close(&h);
    free(state_file);
}

/* A write a fault refuses changes nothing: a run of only such writes leaves the state file byte
 * for byte as it was. A refused write that logs a 0x32DF event (as the Policy Agent does on
 * Windows) has changed the machine's event log, so that run is saved. */
static void test_sim_denied_write_rewrites_no_state_unless_it_logged_an_event(void **state)
{
    (void)state;
    char *path = st_write("return { policies = { { name = 'A', state = 'pending_deletion' } },\n"
                          "  processes = { { pid = 4242, name = 'vpnagent.exe' } },\n"
                          "  faults = { access_denied = { 'ipsec.delete', 'svc.stop', 'proc.kill:vpnagent.exe' } } }");
    size_t n1, n2;
    char *before = st_read(path, &n1);
    mend_err e;
    mend_host h;
    st_open_file(&h, path, false);
    assert_int_equal(st_delete(&h, "A", &e), MEND_E_ACCESS_DENIED);
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), -1);
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), -1);
    assert_int_equal(e.code, MEND_E_ACCESS_DENIED);
    st_commit_close(&h);
    st_assert_bytes(path, before, n1);

    /* Creating a policy of a name pending deletion is refused with 13023, which is logged. */
    st_open_file(&h, path, false);
    assert_int_not_equal(st_create(&h, "A", &e), MEND_OK);
    assert_int_equal(e.win32, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION);
    st_commit_close(&h);
    char *after = st_read(path, &n2);
    assert_true(n1 != n2 || memcmp(before, after, n1) != 0);
    st_open_file(&h, path, false);
    mend_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(h.ops->events.recent(h.ctx, 0, &ev, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].policy, "A");
    mend_event_free_list(ev, n);
    mend_host_close(&h);
    free(before);
    free(after);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_access_denied_by_operation),
        cmocka_unit_test(test_sim_access_denied_by_operation_and_target),
        cmocka_unit_test(test_sim_unkillable_process_refuses_kill),
        cmocka_unit_test(test_sim_crash_after_n_actions_saves_exactly_n),
        cmocka_unit_test(test_sim_crash_counts_failed_calls_too),
        cmocka_unit_test(test_sim_crash_never_in_dry_run),
        cmocka_unit_test(test_sim_denied_write_rewrites_no_state_unless_it_logged_an_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
