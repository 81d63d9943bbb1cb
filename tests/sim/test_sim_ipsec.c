/* IPsec rules beyond the blocker table: the delete window, pending names, assignment, the store. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

static const char *two = "return { policies = {\n"
                         "  { name = 'Corp-QM', state = 'pending_deletion' },\n"
                         "  { name = 'Server-Isolation', state = 'active', assigned = true } } }";

static void test_sim_create_inside_delete_window_fails_pending(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);            /* not listed meanwhile */
    assert_int_equal(h.ops->sys.sleep(h.ctx, 1, &e), 0);
    assert_int_equal(st_create(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(e.win32, 0x32DF);
    assert_string_equal(e.msg, "The Quick Mode policy is pending deletion. (0x32DF)");
    assert_int_equal(h.ops->sys.sleep(h.ctx, 3, &e), 0);      /* t+4 s: the window (4 s) is over */
    assert_int_equal(st_create(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
}

static void test_sim_delete_window_follows_settings(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { settings = { delete_window = 30 }, policies = { { name = 'A' } } }");
    double t0 = h.ops->sys.now(h.ctx);
    assert_int_equal(st_delete(&h, "A", &e), MEND_OK);
    assert_int_equal(h.ops->sys.sleep(h.ctx, 10, &e), 0);
    assert_true(h.ops->sys.now(h.ctx) == t0 + 10);
    assert_int_equal(st_create(&h, "A", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(h.ops->sys.sleep(h.ctx, 20, &e), 0);
    assert_int_equal(st_create(&h, "A", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_create_or_modify_pending_name_fails_pending(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    assert_int_equal(st_create(&h, "Corp-QM", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "Corp-QM", true, &e), -1);
    assert_int_equal(e.code, MEND_E_PENDING_DELETION);
    assert_int_equal(st_create(&h, "Server-Isolation", &e), MEND_E_EXISTS);
    assert_int_equal(e.win32, 13000);
    mend_host_close(&h);
}

static void test_sim_unassign_allowed_on_pending_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'P', state = 'pending_deletion', assigned = true } } }");
    assert_true(st_assigned(&h, "P"));
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "P", false, &e), 0);
    assert_false(st_assigned(&h, "P"));
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "P", false, &e), 0);   /* already unassigned: fine */
    mend_host_close(&h);
}

static void test_sim_assign_moves_active_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'A', assigned = true }, { name = 'B' } } }");
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "B", true, &e), 0);
    assert_false(st_assigned(&h, "A"));
    assert_true(st_assigned(&h, "B"));
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, MEND_IPSEC_STORE_ROOT, "ActivePolicy", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_SZ);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "B", &p, &e), 0);
    assert_non_null(strstr(p.store_key, (const char *)v.data));   /* HKLM-relative key path */
    mend_policy_clear(&p);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->ipsec.assign(h.ctx, "Nope", true, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_unknown_policy_is_not_found(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    assert_int_equal(st_delete(&h, "Nope", &e), MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 2);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Nope", &p, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_store_holds_windows_values(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM', description = 'd', "
                "guid = '{AAAAAAAA-1111-2222-3333-444444444444}' } } }");
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &p, &e), 0);
    assert_string_equal(p.guid, "{aaaaaaaa-1111-2222-3333-444444444444}");
    assert_string_equal(p.store_key, MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{aaaaaaaa-1111-2222-3333-444444444444}");
    const char *want[] = { "ClassName", "description", "ipsecData", "ipsecDataType", "ipsecID",
                           "ipsecISAKMPReference", "ipsecName", "ipsecNFAReference", "name", "whenChanged" };
    const uint32_t types[] = { MEND_REG_SZ, MEND_REG_SZ, MEND_REG_BINARY, MEND_REG_DWORD, MEND_REG_SZ, MEND_REG_SZ,
                               MEND_REG_SZ, MEND_REG_MULTI_SZ, MEND_REG_SZ, MEND_REG_DWORD };
    mend_regval *v;
    size_t n;
    assert_int_equal(h.ops->reg.values(h.ctx, p.store_key, &v, &n, &e), 0);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].name, want[i]);
        assert_int_equal(v[i].type, types[i]);
    }
    assert_string_equal((const char *)v[6].data, "Corp-QM");
    assert_string_equal((const char *)v[8].data, "ipsecPolicy{aaaaaaaa-1111-2222-3333-444444444444}");
    assert_string_equal((const char *)v[0].data, "ipsecPolicy");
    mend_regval_free_list(v, n);
    mend_policy_clear(&p);
    mend_host_close(&h);
}

static void test_sim_policy_without_guid_gets_a_stable_one(void **state)
{
    (void)state;
    mend_host h1, h2;
    mend_err e;
    mend_policy a, b;
    st_open(&h1, "return { policies = { { name = 'Corp-QM' } } }");
    st_open(&h2, "return { policies = { { name = 'Other' }, { name = 'Corp-QM' } } }");
    assert_int_equal(h1.ops->ipsec.get(h1.ctx, "Corp-QM", &a, &e), 0);
    assert_int_equal(h2.ops->ipsec.get(h2.ctx, "Corp-QM", &b, &e), 0);
    assert_string_equal(a.guid, b.guid);
    assert_true(sim_guid_valid(a.guid));
    mend_policy_clear(&a);
    mend_policy_clear(&b);
    mend_host_close(&h1);
    mend_host_close(&h2);
}

static void test_sim_registry_rename_renames_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &p, &e), 0);
    const char *nn = "Renamed-QM";
    assert_int_equal(h.ops->reg.set(h.ctx, p.store_key, "ipsecName", MEND_REG_SZ,
                                    (const unsigned char *)nn, strlen(nn), &e), 0);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    assert_int_equal(st_state(&h, "Renamed-QM"), MEND_POLICY_PENDING_DELETION);  /* keeps its state */
    mend_policy_clear(&p);
    mend_host_close(&h);
}

static void test_sim_registry_key_delete_under_running_agent_leaves_stale_entry(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &p, &e), 0);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, p.store_key, true, &e), 0);
    mend_policy_clear(&p);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_registry_key_delete_with_agent_stopped_removes_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'P' } }, services = { PolicyAgent = { state = 'stopped' } } }");
    assert_int_equal(st_state(&h, "P"), MEND_POLICY_ACTIVE);   /* the store alone lists it */
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "P", &p, &e), 0);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, p.store_key, false, &e), 0);
    mend_policy_clear(&p);
    assert_int_equal(st_state(&h, "P"), -1);
    mend_host_close(&h);
}

static void test_sim_registry_written_policy_joins_the_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    const char *key = MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{12345678-1234-1234-1234-123456789abc}";
    assert_int_equal(h.ops->reg.set(h.ctx, key, "ipsecName", MEND_REG_SZ, (const unsigned char *)"Manual", 6, &e), 0);
    assert_int_equal(st_state(&h, "Manual"), MEND_POLICY_ACTIVE);
    assert_int_equal(st_delete(&h, "Manual", &e), MEND_OK);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, key, &found, &e), 0);
    assert_false(found);
    mend_host_close(&h);
}

static void test_sim_parent_local_key_deletion_breaks_every_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, two);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec", true, &e), 0);
    /* Healthy ones too: their store entries are gone; the agent's table still lists them. */
    assert_false(st_assigned(&h, "Server-Isolation"));        /* ActivePolicy went with the key */
    assert_int_equal(st_delete(&h, "Server-Isolation", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_NOT_FOUND);
    assert_int_equal(st_create(&h, "New-QM", &e), MEND_E_IO);
    assert_int_equal(e.win32, 3);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_count(&h), 0);                        /* nothing is left */
    assert_int_equal(st_create(&h, "New-QM", &e), MEND_E_IO);
    assert_int_equal(h.ops->reg.create_key(h.ctx, MEND_IPSEC_STORE_ROOT, &e), 0);
    assert_int_equal(st_create(&h, "New-QM", &e), MEND_OK);
    assert_int_equal(st_count(&h), 1);
    mend_host_close(&h);
}

static void test_sim_create_while_agent_stopped_lists_from_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { services = { PolicyAgent = { state = 'stopped' } } }");
    assert_int_equal(st_create(&h, "New-QM", &e), MEND_OK);
    assert_int_equal(st_state(&h, "New-QM"), MEND_POLICY_ACTIVE);
    assert_int_equal(h.ops->svc.start(h.ctx, "PolicyAgent", 1000, &e), 0);
    assert_int_equal(st_state(&h, "New-QM"), MEND_POLICY_ACTIVE);
    mend_host_close(&h);
}

static void test_sim_list_is_sorted_and_complete(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'b', sa_count = 3, description = 'x' }, { name = 'a' } } }");
    mend_policy *a;
    size_t n;
    assert_int_equal(h.ops->ipsec.list(h.ctx, &a, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(a[0].name, "a");
    assert_string_equal(a[1].name, "b");
    assert_int_equal(a[1].sa_count, 3);
    assert_string_equal(a[1].description, "x");
    mend_policy_free_list(a, n);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_create_inside_delete_window_fails_pending),
        cmocka_unit_test(test_sim_delete_window_follows_settings),
        cmocka_unit_test(test_sim_create_or_modify_pending_name_fails_pending),
        cmocka_unit_test(test_sim_unassign_allowed_on_pending_policy),
        cmocka_unit_test(test_sim_assign_moves_active_policy),
        cmocka_unit_test(test_sim_unknown_policy_is_not_found),
        cmocka_unit_test(test_sim_store_holds_windows_values),
        cmocka_unit_test(test_sim_policy_without_guid_gets_a_stable_one),
        cmocka_unit_test(test_sim_registry_rename_renames_policy),
        cmocka_unit_test(test_sim_registry_key_delete_under_running_agent_leaves_stale_entry),
        cmocka_unit_test(test_sim_registry_key_delete_with_agent_stopped_removes_policy),
        cmocka_unit_test(test_sim_registry_written_policy_joins_the_store),
        cmocka_unit_test(test_sim_parent_local_key_deletion_breaks_every_policy),
        cmocka_unit_test(test_sim_create_while_agent_stopped_lists_from_store),
        cmocka_unit_test(test_sim_list_is_sorted_and_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
