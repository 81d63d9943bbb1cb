/* The state file: round trip of every field, odd names, dry-run, concurrent runs, 10,000 policies. */
#include "sim_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

static char *serialize(sim_machine *m)
{
    char *s;
    size_t n;
    mend_err e;
    assert_int_equal(sim_state_serialize(m, &s, &n, &e), 0);
    assert_int_equal(strlen(s), n);
    return s;
}

static sim_machine *load(const char *text)
{
    sim_machine *m;
    mend_err e;
    if (sim_scenario_load_buffer(text, strlen(text), "=state", &m, &e) != 0)
        fail_msg("load: %s\n%s", e.msg, text);
    return m;
}

/* load -> save -> load -> save gives the same text: the saved state is the machine. */
static char *assert_round_trip(sim_machine *m)
{
    char *a = serialize(m);
    sim_machine *m2 = load(a);
    char *b = serialize(m2);
    assert_string_equal(a, b);
    sim_machine_free(m2);
    free(b);
    return a;
}

static const char *every_field =
    "return {\n"
    " settings = { clock = 1800000000.5, delete_window = 7, admin = false, os = 'Windows 10 22H2' },\n"
    " runtime = { boot_count = 3, next_pid = 9000, delete_window = { { name = 'Gone', ends = 1800000003 } } },\n"
    " policies = {\n"
    "  { name = 'Corp-QM', guid = '{11111111-2222-3333-4444-555555555555}', description = 'd',\n"
    "    state = 'pending_deletion', sa_count = 2, blockers = { 'gpo_cache', 'driver_state' }, delete_accepted = true },\n"
    "  { name = 'Stale', state = 'pending_deletion', blockers = { 'stale_memory', 'nic_offload' } },\n"
    "  { name = 'Corrupt', state = 'pending_deletion', blockers = { 'store_corrupt' } },\n"
    "  { name = 'Active', blockers = { 'assigned' } },\n"
    " },\n"
    " services = { PolicyAgent = { state = 'running', pid = 1500 }, Custom = { display_name = 'C', state = 'stopped',\n"
    "   start_type = 'disabled', depends_on = { 'BFE', 'Tcpip' } } },\n"
    " processes = { { pid = 4, name = 'System' }, { pid = 700, ppid = 4, name = 'lsass.exe', path = 'C:\\\\lsass.exe' },\n"
    "   { pid = 800, name = 'dead.exe', running = false }, { pid = 900, name = 'once.exe', autostart = false } },\n"
    " handles = { { pid = 700, policy = 'Active' }, { pid = 800, policy = 'Corp-QM', handle = 0x40, access = 0x20019 },\n"
    "   { pid = 900, type = 'File', name = '\\\\Device\\\\X' } },\n"
    " nics = { { name = 'Ethernet0', description = 'Intel', ipsec_offload = true }, { name = 'Wi-Fi' } },\n"
    " registry = {\n"
    "  ['HKLM\\\\SOFTWARE\\\\Contoso'] = { S = 'x', D = 5, M = { 'a', '' }, B = { type = 'REG_BINARY', hex = '00ff' },\n"
    "     Q = { type = 'REG_QWORD', data = -1 }, E = { type = 'REG_EXPAND_SZ', data = '%X%' }, N = { type = 'REG_NONE', hex = '' },\n"
    "     T = { type = 99, hex = '0102' }, [''] = 'default' },\n"
    "  ['HKCU\\\\Empty\\\\Key'] = {},\n"
    "  ['HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Services'] = false,\n"
    " },\n"
    " faults = { ignore_stop = { 'PolicyAgent' }, access_denied = { 'ipsec.delete:Corp-QM', 'reg.set' },\n"
    "   unkillable = { 'lsass.exe', 900 }, crash_after = 5 },\n"
    "}\n";

static void test_sim_state_round_trips_every_field(void **state)
{
    (void)state;
    sim_machine *m = load(every_field);
    char *text = assert_round_trip(m);
    /* And the reloaded machine behaves the same. */
    char *path = st_write(text);
    mend_host h;
    mend_err e;
    st_open_file(&h, path, true);
    assert_int_equal(st_count(&h), 4);
    assert_true(st_assigned(&h, "Active"));
    assert_int_equal(st_delete(&h, "Stale", &e), MEND_E_IN_USE);
    assert_int_equal(st_delete(&h, "Corrupt", &e), MEND_E_IO);
    assert_int_equal(st_create(&h, "Gone", &e), MEND_E_PENDING_DELETION);
    assert_true(h.ops->sys.now(h.ctx) == 1800000000.5);
    bool admin = true;
    assert_int_equal(h.ops->sys.is_admin(h.ctx, &admin, &e), 0);
    assert_false(admin);
    char os[64];
    assert_int_equal(h.ops->sys.os_name(h.ctx, os, sizeof os, &e), 0);
    assert_string_equal(os, "Windows 10 22H2");
    assert_int_equal(st_pid_of(&h, "dead.exe"), 0);
    mend_service s;
    assert_int_equal(h.ops->svc.query(h.ctx, "PolicyAgent", &s, &e), 0);
    assert_int_equal(s.pid, 1500);
    mend_service_clear(&s);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "T", &v, &e), 0);
    assert_int_equal(v.type, 99);
    mend_regval_clear(&v);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKLM\\SYSTEM\\CurrentControlSet\\Services", &found, &e), 0);
    assert_false(found);
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKCU\\Empty\\Key", &found, &e), 0);
    assert_true(found);
    mend_host_close(&h);
    free(path);
    free(text);
    sim_machine_free(m);
}

static void test_sim_state_round_trips_after_every_kind_of_change(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open_scenario(&h, "demo");
    sim_machine *m = sim_host_machine(&h);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "Branch-Office-QM", &e), MEND_OK);
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, "HKLM\\SOFTWARE\\Contoso\\VPN", "Version", &e), 0);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Server-Isolation", &p, &e), 0);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, p.store_key, "ipsecData", &e), 0);
    assert_int_equal(h.ops->reg.set(h.ctx, p.store_key, "extra", MEND_REG_SZ, (const unsigned char *)"1", 1, &e), 0);
    mend_policy_clear(&p);
    assert_int_equal(st_create(&h, "New", &e), MEND_OK);
    assert_int_equal(h.ops->sys.sleep(h.ctx, 2.25, &e), 0);
    assert_int_equal(h.ops->svc.stop(h.ctx, "IKEEXT", 1000, &e), 0);
    free(assert_round_trip(m));
    assert_int_equal(h.ops->sys.reboot(h.ctx, "x", &e), 0);
    free(assert_round_trip(m));
    mend_host_close(&h);
}

static void test_sim_state_keeps_odd_names_intact(void **state)
{
    (void)state;
    char big[4097];
    memset(big, 'x', 4096);
    big[4096] = '\0';
    big[0] = '"';
    big[100] = '\\';
    const char *odd[] = { "quote\" and 'single'", "back\\slash\\\\", "new\nline\r\ttab", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92",
                          "]] [[ --", "ctl\x01\x7f\x1f", "=", big };
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        assert_int_equal(st_create(&h, odd[i], &e), MEND_OK);
        assert_int_equal(h.ops->reg.set(h.ctx, "HKLM\\SOFTWARE\\Odd", odd[i], MEND_REG_SZ,
                                        (const unsigned char *)odd[i], strlen(odd[i]), &e), 0);
    }
    const char *path = sim_host_state_file(&h);
    char *saved = mend_strdup(path);
    st_commit_close(&h);
    st_open_file(&h, saved, false);
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        assert_int_equal(st_state(&h, odd[i]), MEND_POLICY_ACTIVE);
        mend_regval v;
        assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Odd", odd[i], &v, &e), 0);
        assert_string_equal((const char *)v.data, odd[i]);
        mend_regval_clear(&v);
    }
    assert_int_equal(st_count(&h), sizeof odd / sizeof odd[0]);
    free(assert_round_trip(sim_host_machine(&h)));
    mend_host_close(&h);
    free(saved);
}

static void test_sim_dry_run_never_saves(void **state)
{
    (void)state;
    char *path = st_write("return { policies = { { name = 'A', state = 'pending_deletion' } } }");
    size_t n;
    char *before = st_read(path, &n);
    mend_err e;
    mend_host h;
    st_open_file(&h, path, true);
    assert_int_equal(st_delete(&h, "A", &e), MEND_OK);     /* really runs on the copy */
    assert_int_equal(st_state(&h, "A"), -1);
    assert_int_equal(h.ops->commit(h.ctx, &e), 0);         /* even a stray commit saves nothing */
    mend_host_close(&h);
    st_assert_bytes(path, before, n);
    free(before);
    free(path);
}

/* A damaged default state (a hand edit gone wrong) says how to start over; the state is mend's
 * own there, unlike a --host sim:FILE, which is never offered for overwriting. */
static void test_sim_damaged_default_state_says_how_to_start_over(void **state)
{
    (void)state;
    const char *dir = MEND_TEST_TMP "/sim-damaged-default";
    mend_err e;
    assert_int_equal(mend_mkdirs(dir, &e), 0);
    const char *broken = "return {";
    assert_int_equal(mend_write_file_atomic(MEND_TEST_TMP "/sim-damaged-default/sim-state.lua", broken,
                                            strlen(broken), &e), 0);
    mend_host_config cfg = { .spec = "sim", .quiet = true, .state_dir = dir, .data_dir = MEND_SOURCE_DIR };
    mend_host h;
    assert_int_equal(sim_host_open(&h, &cfg, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "sim-state.lua:"));
    assert_non_null(strstr(e.msg, "(`mend sim reset` starts the simulator over from the demo)"));
    char *path = st_write(broken);
    assert_int_equal(sim_host_open(&h, &cfg, path, &e), -1);
    assert_null(strstr(e.msg, "sim reset"));
    free(path);
}

static void test_sim_commit_saves_for_the_next_run(void **state)
{
    (void)state;
    char *path = st_write("return { policies = { { name = 'A', state = 'pending_deletion' } } }");
    mend_host h;
    mend_err e;
    st_open_file(&h, path, false);
    assert_int_equal(st_delete(&h, "A", &e), MEND_OK);
    st_commit_close(&h);
    st_open_file(&h, path, false);
    assert_int_equal(st_state(&h, "A"), -1);
    mend_host_close(&h);
    free(path);
}

/* Closed as the process ends (the machine left to the system): the lock is free at once and
 * what was committed is what the next run finds. */
static void test_sim_close_at_exit_frees_the_lock_and_keeps_the_commit(void **state)
{
    (void)state;
    char *path = st_write("return { policies = { { name = 'A', state = 'pending_deletion' }, { name = 'B' } } }");
    mend_host h;
    mend_err e;
    st_open_file(&h, path, false);
    assert_int_equal(st_delete(&h, "A", &e), MEND_OK);
    assert_int_equal(h.ops->commit(h.ctx, &e), 0);
    mend_host_close_at_exit(&h);
    assert_null(h.ops);   /* closed: a second close does nothing */
    mend_host_close(&h);
    sim_lock_wait_s = 0.0;   /* a lock still held would refuse at once */
    st_open_file(&h, path, false);
    sim_lock_wait_s = 30.0;
    assert_int_equal(st_state(&h, "A"), -1);
    assert_int_equal(st_state(&h, "B"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
    free(path);
}

static void test_sim_second_run_waits_for_the_lock_then_says_why(void **state)
{
    (void)state;
    char *path = st_write("return {}");
    int go[2], done[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        mend_host h;
        mend_err e;
        mend_host_config cfg = { .spec = "sim", .quiet = true };
        if (sim_host_open(&h, &cfg, path, &e) != 0)
            _exit(10);
        char c = 'x';
        if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
            _exit(11);
        mend_host_close(&h);
        _exit(0);
    }
    char c;
    assert_int_equal(read(go[0], &c, 1), 1);      /* the child holds the state now */
    sim_lock_wait_s = 0.2;
    mend_host h;
    mend_err e;
    mend_host_config cfg = { .spec = "sim", .quiet = true };
    assert_int_equal(sim_host_open(&h, &cfg, path, &e), -1);
    assert_int_equal(e.code, MEND_E_IN_USE);
    /* The refusal names the state, who holds it (the lock file says: pid, command, since when)
     * and how long this run waited. */
    char want[700];
    snprintf(want, sizeof want, "another mend run is using %s (pid %ld, mend, since ", path, (long)kid);
    assert_non_null(strstr(e.msg, want));
    assert_non_null(strstr(e.msg, "Z; waited 0.2 s)"));
    sim_lock_wait_s = 30.0;
    assert_int_equal(write(done[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(sim_host_open(&h, &cfg, path, &e), 0);   /* free again */
    mend_host_close(&h);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
    free(path);
}

enum { RUNS = 25 };

static void test_sim_concurrent_runs_lose_no_update(void **state)
{
    (void)state;
    char *path = st_write("return {}");
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            for (int i = 0; i < RUNS; i++) {
                mend_host h;
                mend_err e;
                mend_host_config cfg = { .spec = "sim", .quiet = true };
                if (sim_host_open(&h, &cfg, path, &e) != 0) {
                    fprintf(stderr, "child %d: %s\n", k, e.msg);
                    _exit(10);
                }
                char name[32];
                snprintf(name, sizeof name, "p-%d-%d", k, i);
                if (h.ops->ipsec.create(h.ctx, name, "", &e) != 0 || h.ops->commit(h.ctx, &e) != 0) {
                    fprintf(stderr, "child %d: %s\n", k, e.msg);
                    _exit(11);
                }
                mend_host_close(&h);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    mend_host h;
    st_open_file(&h, path, false);
    assert_int_equal(st_count(&h), 2 * RUNS);
    mend_host_close(&h);
    free(path);
}

static void test_sim_ten_thousand_policies_load_list_save_fast(void **state)
{
    (void)state;
    char *state_file = st_copy_scenario("many_policies");
    mend_err e;
    clock_t t0 = clock();
    mend_host h;
    st_open_file(&h, state_file, false);
    mend_policy *a;
    size_t n;
    assert_int_equal(h.ops->ipsec.list(h.ctx, &a, &n, &e), 0);
    assert_int_equal(n, 10001);
    mend_policy_free_list(a, n);
    st_commit_close(&h);
    st_open_file(&h, state_file, false);                    /* the saved state loads too */
    assert_int_equal(st_count(&h), 10001);
    assert_int_equal(st_delete(&h, "Bulk-QM-00001", &e), MEND_OK);
    assert_int_equal(st_delete(&h, "Bulk-QM-00010", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Bulk-QM-00010"), MEND_POLICY_PENDING_DELETION);
    mend_host_close(&h);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    /* A generous bound (two loads, a list and a save), so a loaded CI machine passes. */
    assert_true(secs < 3.0);
    free(state_file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_state_round_trips_every_field),
        cmocka_unit_test(test_sim_state_round_trips_after_every_kind_of_change),
        cmocka_unit_test(test_sim_state_keeps_odd_names_intact),
        cmocka_unit_test(test_sim_dry_run_never_saves),
        cmocka_unit_test(test_sim_damaged_default_state_says_how_to_start_over),
        cmocka_unit_test(test_sim_commit_saves_for_the_next_run),
        cmocka_unit_test(test_sim_close_at_exit_frees_the_lock_and_keeps_the_commit),
        cmocka_unit_test(test_sim_second_run_waits_for_the_lock_then_says_why),
        cmocka_unit_test(test_sim_concurrent_runs_lose_no_update),
        cmocka_unit_test(test_sim_ten_thousand_policies_load_list_save_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
