/* Every row of DESIGN's blocker table: the symptom, what clears it, and that wrong remedies do not. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

static char *key_of(mend_host *h, const char *name)
{
    mend_policy p;
    mend_err e;
    assert_int_equal(h->ops->ipsec.get(h->ctx, name, &p, &e), 0);
    char *k = mend_strdup(p.store_key);
    mend_policy_clear(&p);
    return k;
}

static void gpupdate(mend_host *h, bool force)
{
    mend_err e;
    assert_int_equal(h->ops->sys.gpupdate(h->ctx, force, 600, &e), 0);
}

static void reboot(mend_host *h)
{
    mend_err e;
    assert_int_equal(h->ops->sys.reboot(h->ctx, "test", &e), 0);
}

static size_t recent_events(mend_host *h, const char *policy)
{
    mend_event *ev = NULL;
    size_t n = 0, hits = 0;
    mend_err e;
    assert_int_equal(h->ops->events.recent(h->ctx, 0, &ev, &n, &e), 0);
    for (size_t i = 0; i < n; i++)
        hits += strcmp(ev[i].policy, policy) == 0 && ev[i].code == 13023;
    mend_event_free_list(ev, n);
    return hits;
}

static void test_sim_spd_sas_cleared_by_dropping_the_sas(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "spd_sas");
    assert_int_equal(recent_events(&h, "Corp-QM"), 1);   /* seeded */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(e.win32, 13023);
    assert_int_equal(recent_events(&h, "Corp-QM"), 2);   /* the answer is logged */
    gpupdate(&h, true);                                   /* a wrong remedy */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(h.ops->spd.delete_sas(h.ctx, "Corp-QM filter action", &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_spd_sas_cleared_by_restart(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "spd_sas");
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_spd_qm_cleared_by_deleting_the_unreferenced_qm_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "spd_qm");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    mend_spd_qm_policy *q = NULL;
    size_t n = 0;
    assert_int_equal(h.ops->spd.qm_policies(h.ctx, &q, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(q[0].pending_deletion, 1);
    assert_int_equal(q[0].refs, 0);
    mend_spd_qm_policy_free_list(q, n);
    assert_int_equal(h.ops->spd.delete_qm_policy(h.ctx, "Corp-QM filter action", &e), 0);
    assert_int_equal(h.ops->spd.qm_policies(h.ctx, &q, &n, &e), 0);
    assert_int_equal(n, 0);
    mend_spd_qm_policy_free_list(q, n);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_spd_qm_cleared_by_restart_and_reboot_keeps_the_log(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "spd_qm");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    reboot(&h);
    assert_int_equal(recent_events(&h, "Corp-QM"), 1);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);   /* nothing blocks it after the boot: purged */
    mend_host_close(&h);
}

static void test_sim_missed_purge_cleared_by_delete(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "missed_purge");
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    assert_int_equal(st_count(&h), 0);
    mend_host_close(&h);
}

static void test_sim_gpo_cache_cleared_by_forced_gpupdate(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "gpo_cache");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);           /* accepted ... */
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION); /* ... but back */
    gpupdate(&h, false);                                                 /* wrong remedies */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    gpupdate(&h, true);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_gpo_cache_refresh_before_delete_leaves_a_plain_delete(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "gpo_cache");
    gpupdate(&h, true);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_stale_memory_cleared_by_restart(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "stale_memory");
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 2);
    assert_string_equal(e.msg, "The system cannot find the file specified. (0x2)");
    char *key = key_of(&h, "Corp-QM");
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, key, &found, &e), 0);
    assert_false(found);                                  /* gone from the store */
    free(key);
    gpupdate(&h, true);                                   /* wrong remedy */
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_stale_memory_gone_while_agent_stopped(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "stale_memory");
    assert_int_equal(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);       /* the table is empty while stopped */
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_driver_state_cleared_by_reboot(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "driver_state");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(e.win32, 13002);
    /* No holder to be found. */
    mend_handle *hs;
    size_t n;
    mend_handle_filter f = { .name = "ipsecPolicy" };
    assert_int_equal(h.ops->handles.scan(h.ctx, &f, &hs, &n, &e), 0);
    assert_int_equal(n, 0);
    mend_handle_free_list(hs, n);
    gpupdate(&h, true);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    reboot(&h);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);       /* the purge completes at boot */
    mend_host_close(&h);
}

static void test_sim_holder_cleared_by_kill(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "holder");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);   /* wrong remedies */
    gpupdate(&h, true);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    assert_int_equal(st_pid_of(&h, "vpnagent.exe"), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_holder_named_by_handle_scan(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "holder");
    char *key = key_of(&h, "Corp-QM");
    const char *suffix = strrchr(key, '\\') + 1;   /* ipsecPolicy{guid} */
    mend_handle *hs;
    size_t n;
    mend_handle_filter f = { .name = suffix };
    assert_int_equal(h.ops->handles.scan(h.ctx, &f, &hs, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(hs[0].pid, 700);
    assert_string_equal(hs[0].process, "lsass.exe");
    assert_int_equal(hs[1].pid, 4242);
    assert_string_equal(hs[1].process, "vpnagent.exe");
    assert_string_equal(hs[1].type, "Key");
    const char *nt = "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\";
    assert_true(strncmp(hs[1].name, nt, strlen(nt)) == 0);
    assert_string_equal(hs[1].name + strlen(nt), suffix);
    assert_int_equal(hs[1].handle % 4, 0);
    mend_handle_free_list(hs, n);
    free(key);
    mend_host_close(&h);
}

static size_t scan_count(mend_host *h, const mend_handle_filter *f)
{
    mend_handle *hs;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->handles.scan(h->ctx, f, &hs, &n, &e), 0);
    mend_handle_free_list(hs, n);
    return n;
}

static void test_sim_handle_scan_filters_by_pid_process_type_and_name(void **state)
{
    (void)state;
    mend_host h;
    st_open_scenario(&h, "demo");
    mend_handle_filter all = { 0 };
    assert_int_equal(scan_count(&h, &all), 4);
    assert_int_equal(scan_count(&h, NULL), 4);
    mend_handle_filter by_pid = { .has_pid = true, .pid = 700 };
    assert_int_equal(scan_count(&h, &by_pid), 2);
    mend_handle_filter by_proc = { .process = "VPNAGENT.EXE" };
    assert_int_equal(scan_count(&h, &by_proc), 2);
    mend_handle_filter by_type = { .process = "vpnagent.exe", .type = "file" };
    assert_int_equal(scan_count(&h, &by_type), 1);
    mend_handle_filter by_name = { .name = "contoso\\VPN.LOG" };
    assert_int_equal(scan_count(&h, &by_name), 1);
    mend_handle_filter none = { .has_pid = true, .pid = 700, .type = "File" };
    assert_int_equal(scan_count(&h, &none), 0);
    mend_host_close(&h);
}

static void test_sim_killed_autostart_holder_blocks_nothing_until_boot(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "holder_autostart");
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    mend_handle_filter f = { .process = "vpnagent.exe" };
    assert_int_equal(scan_count(&h, &f), 0);                   /* its handles closed with it */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "t", &e), 0);
    assert_true(st_pid_of(&h, "vpnagent.exe") != 0);           /* back, but the policy is gone */
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_lsass_handle_blocks_nothing(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "lsass_only");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

/* PolicyAgent runs inside svchost.exe: the agent's own handle is not a third-party holder. */
static void test_sim_svchost_handle_blocks_nothing(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM', state = 'pending_deletion' } },"
                "  processes = { { pid = 1216, name = 'svchost.exe' }, { pid = 4242, name = 'vpnagent.exe' } },"
                "  handles = { { pid = 1216, policy = 'Corp-QM' } } }");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

/* Windows deletes a key while handles are open (RegDeleteKeyEx): a program that is not an
 * IPsec/VPN client keeps nothing in use by holding the policy's key. */
static void test_sim_unknown_holder_blocks_nothing(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM', state = 'pending_deletion' } },"
                "  processes = { { pid = 5000, name = 'notepad.exe' } },"
                "  handles = { { pid = 5000, policy = 'Corp-QM' } } }");
    mend_handle_filter f = { .process = "notepad.exe" };
    assert_int_equal(scan_count(&h, &f), 1);                   /* seen holding it ... */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);   /* ... and the delete works */
    assert_true(st_pid_of(&h, "notepad.exe") != 0);
    mend_host_close(&h);
}

/* The article's case maps onto a process the scenario says is an IPsec client, whatever its
 * name; a VPN client the scenario says is not one blocks nothing. */
static void test_sim_ipsec_client_flag_decides_what_a_holder_blocks(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'A-QM', state = 'pending_deletion' },"
                "                      { name = 'B-QM', state = 'pending_deletion' } },"
                "  processes = { { pid = 6000, name = 'contoso-ike.exe', ipsec_client = true },"
                "                { pid = 4242, name = 'vpnagent.exe', ipsec_client = false } },"
                "  handles = { { pid = 6000, policy = 'A-QM' }, { pid = 4242, policy = 'B-QM' } } }");
    assert_int_equal(st_delete(&h, "A-QM", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "B-QM", &e), MEND_OK);
    mend_host_close(&h);
}

/* The backend refuses Windows' critical processes too, not only the binding. */
static void test_sim_critical_processes_are_never_killed(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { processes = { { pid = 4, name = 'System' }, { pid = 88, name = 'Registry' },"
                "  { pid = 710, name = 'LsaIso.exe' }, { pid = 1900, name = 'Memory Compression' },"
                "  { pid = 56, name = 'Secure System' }, { pid = 5200, name = 'guard.exe', critical = true },"
                "  { pid = 5000, name = 'notepad.exe' } } }");
    const uint32_t pids[] = { 4, 88, 710, 1900, 56, 5200 };
    mend_process *list;
    size_t n;
    assert_int_equal(h.ops->proc.list(h.ctx, &list, &n, &e), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(list[i].critical, list[i].pid != 5000);
    mend_process_free_list(list, n);
    for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
        assert_int_equal(st_call(h.ops->proc.kill(h.ctx, pids[i], &e), &e), MEND_E_NOT_PERMITTED);
        assert_non_null(strstr(e.msg, "critical"));
    }
    assert_int_equal(h.ops->proc.kill(h.ctx, 5000, &e), 0);
    mend_host_close(&h);
}

/* The list holds image names, but a scenario or a script may write a path or leave out ".exe":
 * those are the same processes and stay unkillable; a name that only contains one is not. */
static void test_sim_critical_names_without_exe_or_with_a_path_are_critical(void **state)
{
    (void)state;
    assert_true(mend_process_is_critical_name(700, "lsass"));
    assert_true(mend_process_is_critical_name(700, "LSASS"));
    assert_true(mend_process_is_critical_name(700, "C:\\Windows\\System32\\lsass.exe"));
    assert_true(mend_process_is_critical_name(700, "C:/Windows/System32/csrss"));
    assert_true(mend_process_is_critical_name(700, "\\SystemRoot\\System32\\smss.exe"));
    assert_false(mend_process_is_critical_name(700, "lsass.exe.bak"));
    assert_false(mend_process_is_critical_name(700, "mylsass.exe"));
    assert_false(mend_process_is_critical_name(700, "lsas"));
    assert_false(mend_process_is_critical_name(700, "C:\\Tools\\"));
    assert_false(mend_process_is_critical_name(700, ""));
    mend_host h;
    mend_err e;
    st_open(&h, "return { processes = { { pid = 700, name = 'lsass' }, { pid = 701, name = 'C:/Windows/wininit.exe' } } }");
    assert_int_equal(st_call(h.ops->proc.kill(h.ctx, 700, &e), &e), MEND_E_NOT_PERMITTED);
    assert_int_equal(st_call(h.ops->proc.kill(h.ctx, 701, &e), &e), MEND_E_NOT_PERMITTED);
    mend_host_close(&h);
}

/* A protected process cannot be opened for PROCESS_DUP_HANDLE: the scan misses its handles,
 * says so, and its hidden handle still keeps the policy in use. */
static void test_sim_protected_holder_is_hidden_and_named_unseen(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM', state = 'pending_deletion' } },"
                "  processes = { { pid = 4242, name = 'vpnagent.exe', protected = true } },"
                "  handles = { { pid = 4242, policy = 'Corp-QM' } } }");
    mend_handle_filter any = { 0 };
    assert_int_equal(scan_count(&h, &any), 0);
    mend_unseen *u;
    size_t n;
    assert_int_equal(h.ops->handles.unseen(h.ctx, &u, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].pid, 4242);
    assert_string_equal(u[0].process, "vpnagent.exe");
    assert_non_null(strstr(u[0].error, "(0x5)"));
    mend_unseen_free_list(u, n);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    mend_host_close(&h);
}

static void test_sim_assigned_cleared_by_unassign(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "assigned");
    assert_true(st_assigned(&h, "Corp-QM"));
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);   /* wrong remedies */
    gpupdate(&h, true);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "Corp-QM", false, &e), 0);
    assert_false(st_assigned(&h, "Corp-QM"));
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_nic_offload_needs_offload_off_then_restart(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "nic_offload");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);   /* again after a restart */
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE); /* not without the restart */
    /* NDIS reads the keywords when the adapter starts: written but not restarted changes nothing */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->nic.restart(h.ctx, "Ethernet0", &e), 0);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_nic_offload_survives_reboot_while_nic_offloads(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "nic_offload");
    reboot(&h);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    mend_host_close(&h);
}

static void test_sim_store_corrupt_cleared_by_registry_removal(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "store_corrupt");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IO);
    assert_int_equal(e.win32, 1392);
    assert_string_equal(e.msg, "The file or directory is corrupted and unreadable. (0x570)");
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);   /* wrong remedies */
    gpupdate(&h, true);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IO);
    char *key = key_of(&h, "Corp-QM");
    assert_int_equal(h.ops->reg.delete_key(h.ctx, key, true, &e), 0);
    free(key);
    /* Deleted under the running agent: its table still lists the policy (stale). */
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    assert_int_equal(st_state(&h, "Server-Isolation"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
}

static void test_sim_store_corrupt_survives_reboot(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "store_corrupt");
    reboot(&h);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IO);
    mend_host_close(&h);
}

static void test_sim_combo_holder_and_assigned_need_both_remedies(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "combo_holder_assigned");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "Corp-QM", false, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);   /* the holder remains */
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);

    st_open_scenario(&h, "combo_holder_assigned");
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);   /* still assigned */
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "Corp-QM", false, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_combo_stale_and_offload_shows_in_use_until_restart(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "combo_stale_offload");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_combo_many_cleared_by_the_whole_ladder(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "combo_many");
    assert_int_equal(st_count(&h), 8);
    /* step 2: delete everything */
    assert_int_equal(st_delete(&h, "QM-Purge", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "QM-Gpo", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "QM-Stale", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_delete(&h, "QM-Held", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "QM-Driver", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "QM-Offload", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "QM-Corrupt", &e), MEND_E_IO);
    assert_int_equal(st_count(&h), 7);
    /* step 3 */
    gpupdate(&h, true);
    assert_int_equal(st_state(&h, "QM-Gpo"), -1);
    /* alternatives: kill the holder, offload off, registry removal */
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    assert_int_equal(st_delete(&h, "QM-Held", &e), MEND_OK);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_int_equal(h.ops->nic.restart(h.ctx, "Ethernet0", &e), 0);
    char *key = key_of(&h, "QM-Corrupt");
    assert_int_equal(h.ops->reg.delete_key(h.ctx, key, true, &e), 0);
    free(key);
    /* step 4 */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "QM-Stale"), -1);
    assert_int_equal(st_state(&h, "QM-Corrupt"), -1);
    assert_int_equal(st_delete(&h, "QM-Offload", &e), MEND_OK);
    /* step 5 */
    assert_int_equal(st_delete(&h, "QM-Driver", &e), MEND_E_IN_USE);
    reboot(&h);
    assert_int_equal(st_count(&h), 1);
    assert_int_equal(st_state(&h, "Server-Isolation"), MEND_POLICY_ACTIVE);
    assert_true(st_assigned(&h, "Server-Isolation"));
    mend_host_close(&h);
}

static void test_sim_demo_has_every_kind_of_stuck_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "demo");
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "Legacy-L2TP", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_delete(&h, "VPN-Tunnel", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "DMZ-Offload", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "Branch-Office-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Branch-Office-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Server-Isolation", &e), MEND_E_IN_USE);
    assert_true(st_assigned(&h, "Server-Isolation"));
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_missed_purge_cleared_by_delete),
        cmocka_unit_test(test_sim_spd_sas_cleared_by_dropping_the_sas),
        cmocka_unit_test(test_sim_spd_sas_cleared_by_restart),
        cmocka_unit_test(test_sim_spd_qm_cleared_by_deleting_the_unreferenced_qm_policy),
        cmocka_unit_test(test_sim_spd_qm_cleared_by_restart_and_reboot_keeps_the_log),
        cmocka_unit_test(test_sim_gpo_cache_cleared_by_forced_gpupdate),
        cmocka_unit_test(test_sim_gpo_cache_refresh_before_delete_leaves_a_plain_delete),
        cmocka_unit_test(test_sim_stale_memory_cleared_by_restart),
        cmocka_unit_test(test_sim_stale_memory_gone_while_agent_stopped),
        cmocka_unit_test(test_sim_driver_state_cleared_by_reboot),
        cmocka_unit_test(test_sim_holder_cleared_by_kill),
        cmocka_unit_test(test_sim_holder_named_by_handle_scan),
        cmocka_unit_test(test_sim_handle_scan_filters_by_pid_process_type_and_name),
        cmocka_unit_test(test_sim_killed_autostart_holder_blocks_nothing_until_boot),
        cmocka_unit_test(test_sim_lsass_handle_blocks_nothing),
        cmocka_unit_test(test_sim_svchost_handle_blocks_nothing),
        cmocka_unit_test(test_sim_unknown_holder_blocks_nothing),
        cmocka_unit_test(test_sim_ipsec_client_flag_decides_what_a_holder_blocks),
        cmocka_unit_test(test_sim_critical_processes_are_never_killed),
        cmocka_unit_test(test_sim_critical_names_without_exe_or_with_a_path_are_critical),
        cmocka_unit_test(test_sim_protected_holder_is_hidden_and_named_unseen),
        cmocka_unit_test(test_sim_assigned_cleared_by_unassign),
        cmocka_unit_test(test_sim_nic_offload_needs_offload_off_then_restart),
        cmocka_unit_test(test_sim_nic_offload_survives_reboot_while_nic_offloads),
        cmocka_unit_test(test_sim_store_corrupt_cleared_by_registry_removal),
        cmocka_unit_test(test_sim_store_corrupt_survives_reboot),
        cmocka_unit_test(test_sim_combo_holder_and_assigned_need_both_remedies),
        cmocka_unit_test(test_sim_combo_stale_and_offload_shows_in_use_until_restart),
        cmocka_unit_test(test_sim_combo_many_cleared_by_the_whole_ladder),
        cmocka_unit_test(test_sim_demo_has_every_kind_of_stuck_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
