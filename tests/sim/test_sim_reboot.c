/* Reboot: what it clears and what comes back with the machine. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

static void reboot(mend_host *h)
{
    mend_err e;
    assert_int_equal(h->ops->sys.reboot(h->ctx, "test", &e), 0);
}

static void test_sim_reboot_clears_driver_stale_gpo_and_missed_purges(void **state)
{
    (void)state;
    mend_host h;
    st_open(&h, "return { policies = {\n"
                " { name = 'Purge', state = 'pending_deletion' },\n"
                " { name = 'Driver', state = 'pending_deletion', blockers = { 'driver_state' } },\n"
                " { name = 'Stale', state = 'pending_deletion', blockers = { 'stale_memory' } },\n"
                " { name = 'Gpo', state = 'pending_deletion', blockers = { 'gpo_cache' } },\n"
                " { name = 'Healthy', state = 'active' } } }");
    reboot(&h);
    assert_int_equal(st_state(&h, "Purge"), -1);
    assert_int_equal(st_state(&h, "Driver"), -1);
    assert_int_equal(st_state(&h, "Stale"), -1);
    assert_int_equal(st_state(&h, "Gpo"), -1);
    assert_int_equal(st_state(&h, "Healthy"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
}

static void test_sim_reboot_keeps_assignment_and_corrupt_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = {\n"
                " { name = 'Assigned', state = 'pending_deletion', assigned = true, blockers = { 'driver_state' } },\n"
                " { name = 'Corrupt', state = 'pending_deletion', blockers = { 'store_corrupt' } } } }");
    reboot(&h);
    assert_true(st_assigned(&h, "Assigned"));
    assert_int_equal(st_delete(&h, "Assigned", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "Corrupt", &e), MEND_E_IO);
    mend_host_close(&h);
}

static void test_sim_reboot_restarts_autostart_holder_with_new_pid(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "holder_autostart");
    reboot(&h);
    uint32_t pid = st_pid_of(&h, "vpnagent.exe");
    assert_true(pid != 0 && pid != 4242);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);   /* still held */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    mend_handle *hs;
    size_t n;
    mend_handle_filter f = { .has_pid = true, .pid = pid };
    assert_int_equal(h.ops->handles.scan(h.ctx, &f, &hs, &n, &e), 0);
    assert_int_equal(n, 1);                                  /* it re-opened its handle */
    assert_string_equal(hs[0].type, "Key");
    mend_handle_free_list(hs, n);
    /* Killed before the next boot, it comes back at boot again. */
    assert_int_equal(h.ops->proc.kill(h.ctx, pid, &e), 0);
    assert_int_equal(st_pid_of(&h, "vpnagent.exe"), 0);
    reboot(&h);
    assert_true(st_pid_of(&h, "vpnagent.exe") != 0);
    mend_host_close(&h);
}

static void test_sim_reboot_drops_non_autostart_processes(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "holder");
    reboot(&h);
    assert_int_equal(st_pid_of(&h, "vpnagent.exe"), 0);
    assert_int_equal(st_pid_of(&h, "System"), 4);
    assert_true(st_pid_of(&h, "lsass.exe") != 0);
    /* The holder is gone, so the missed purge completed at boot. */
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    (void)e;
    mend_host_close(&h);
}

static void test_sim_reboot_keeps_nic_offload_while_nic_offloads(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "nic_offload");
    reboot(&h);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    reboot(&h);   /* PolicyAgent starts at boot with offload off */
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_reboot_advances_clock_and_restarts_services(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { Manual = { state = 'running', start_type = 'demand' },"
                " Off = { state = 'stopped', start_type = 'disabled' } } }");
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), 0);
    mend_service before, after;
    assert_int_equal(h.ops->svc.query(h.ctx, "BFE", &before, &e), 0);
    double t = h.ops->sys.now(h.ctx);
    reboot(&h);
    assert_true(h.ops->sys.now(h.ctx) == t + 90);
    assert_int_equal(st_svc_state(&h, "PolicyAgent"), MEND_SVC_RUNNING);
    assert_int_equal(st_svc_state(&h, "Manual"), MEND_SVC_STOPPED);
    assert_int_equal(st_svc_state(&h, "Off"), MEND_SVC_STOPPED);
    assert_int_equal(h.ops->svc.query(h.ctx, "BFE", &after, &e), 0);
    assert_int_equal(after.state, MEND_SVC_RUNNING);
    assert_true(after.pid != before.pid && after.pid != 0);
    mend_service_clear(&before);
    mend_service_clear(&after);
    mend_host_close(&h);
}

static uint32_t task_dword(mend_host *h, const char *name)
{
    mend_regval v;
    mend_err e;
    assert_int_equal(h->ops->reg.get(h->ctx, SIM_TASK_PATH, name, &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_DWORD);
    uint32_t n = (uint32_t)v.data[0] | (uint32_t)v.data[1] << 8 | (uint32_t)v.data[2] << 16 | (uint32_t)v.data[3] << 24;
    mend_regval_clear(&v);
    return n;
}

static void assert_task_sz(mend_host *h, const char *name, const char *want)
{
    mend_regval v;
    mend_err e;
    assert_int_equal(h->ops->reg.get(h->ctx, SIM_TASK_PATH, name, &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_SZ);
    assert_string_equal((const char *)v.data, want);
    mend_regval_clear(&v);
}

/* Not RunOnce (it waits for an administrator's logon): a boot task as SYSTEM that runs at
 * every boot until the resumed run deletes it. */
static void test_sim_resume_task_runs_at_boot_until_cleared(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->sys.resume_after_reboot(h.ctx, "C:\\mend\\mend.exe", "fix --resume \"Corp-QM\"", &e), 0);
    assert_task_sz(&h, "Path", "C:\\mend\\mend.exe");
    assert_task_sz(&h, "Arguments", "fix --resume \"Corp-QM\"");
    assert_task_sz(&h, "Trigger", "Boot");
    assert_task_sz(&h, "UserId", "S-1-5-18");
    assert_task_sz(&h, "RunLevel", "HighestAvailable");
    assert_int_equal(task_dword(&h, "Runs"), 0);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, SIM_RUNONCE_PATH, "mend", &v, &e), -1);   /* no RunOnce */

    reboot(&h);
    assert_int_equal(task_dword(&h, "Runs"), 1);                 /* ran at boot, nobody logged on */
    assert_int_equal(task_dword(&h, "LastRunBoot"), 2);
    reboot(&h);                                                  /* not cleared: runs again */
    assert_int_equal(task_dword(&h, "Runs"), 2);

    bool found = false;
    assert_int_equal(h.ops->sys.resume_clear(h.ctx, &found, &e), 0);
    assert_true(found);
    bool exists = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, SIM_TASK_PATH, &exists, &e), 0);
    assert_false(exists);
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\mend",
                                       &exists, &e), 0);
    assert_false(exists);                                        /* its folder went with it */
    assert_int_equal(h.ops->sys.resume_clear(h.ctx, &found, &e), 0);
    assert_false(found);
    mend_host_close(&h);
}

static void test_sim_resume_registered_again_replaces_the_task(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->sys.resume_after_reboot(h.ctx, "C:\\mend.exe", "fix --resume \"A\"", &e), 0);
    reboot(&h);
    assert_int_equal(h.ops->sys.resume_after_reboot(h.ctx, "C:\\mend.exe", "fix --resume --all-pending", &e), 0);
    assert_task_sz(&h, "Arguments", "fix --resume --all-pending");
    assert_int_equal(task_dword(&h, "Runs"), 0);
    mend_host_close(&h);
}

/* The machine behind the simulator's host context (its first member). */
static sim_machine *st_machine(mend_host *h)
{
    return *(sim_machine **)h->ctx;
}

/* Computer policy only, with the arguments mend gave it. */
static void test_sim_gpupdate_records_its_arguments(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->sys.gpupdate(h.ctx, true, 570, &e), 0);
    assert_string_equal(st_machine(&h)->gpupdate_args, "/target:computer /force /wait:570");
    assert_int_equal(h.ops->sys.gpupdate(h.ctx, false, 0, &e), 0);
    assert_string_equal(st_machine(&h)->gpupdate_args, "/target:computer /wait:0");
    mend_host_close(&h);
}

static void test_sim_reboot_clears_delete_window(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { settings = { delete_window = 600 }, policies = { { name = 'A' } } }");
    assert_int_equal(st_delete(&h, "A", &e), MEND_OK);
    assert_int_equal(st_create(&h, "A", &e), MEND_E_PENDING_DELETION);
    reboot(&h);
    assert_int_equal(st_create(&h, "A", &e), MEND_OK);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_reboot_clears_driver_stale_gpo_and_missed_purges),
        cmocka_unit_test(test_sim_reboot_keeps_assignment_and_corrupt_store),
        cmocka_unit_test(test_sim_reboot_restarts_autostart_holder_with_new_pid),
        cmocka_unit_test(test_sim_reboot_drops_non_autostart_processes),
        cmocka_unit_test(test_sim_reboot_keeps_nic_offload_while_nic_offloads),
        cmocka_unit_test(test_sim_reboot_advances_clock_and_restarts_services),
        cmocka_unit_test(test_sim_resume_task_runs_at_boot_until_cleared),
        cmocka_unit_test(test_sim_resume_registered_again_replaces_the_task),
        cmocka_unit_test(test_sim_gpupdate_records_its_arguments),
        cmocka_unit_test(test_sim_reboot_clears_delete_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
