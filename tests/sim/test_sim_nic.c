/* The simulated NICs: offload keywords take effect at an adapter restart, and "on" restores what "off" replaced. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

static const char *const mixed =
    "return {\n"
    "  policies = { { name = 'Corp-QM', state = 'pending_deletion', blockers = { 'nic_offload' } } },\n"
    "  nics = {\n"
    "    { name = 'Ethernet0', description = 'Intel', keywords = { ['*IPsecOffloadV1IPv4'] = 3, ['*IPsecOffloadV2'] = 1 } },\n"
    "    { name = 'Ethernet1', description = 'Broadcom', ipsec_offload = false },\n"
    "  },\n"
    "}\n";

static sim_nic *nic_of(mend_host *h, const char *name)
{
    sim_nic *nic = sim_nic_find(sim_host_machine(h), name);
    assert_non_null(nic);
    return nic;
}

static bool listed_on(mend_host *h, const char *name)
{
    mend_nic *list;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->nic.list(h->ctx, &list, &n, &e), 0);
    bool on = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            on = list[i].ipsec_offload;
    mend_nic_free_list(list, n);
    return on;
}

/* The record's values, as reg.values shows them under HKLM\SOFTWARE\mend\NicOffload. */
static size_t record_values(mend_host *h, mend_regval **vals)
{
    char **keys;
    size_t nk, nv = 0;
    mend_err e;
    *vals = NULL;
    if (h->ops->reg.keys(h->ctx, SIM_NIC_RECORD_ROOT, &keys, &nk, &e) != 0)
        return 0;
    if (nk == 1) {
        char path[256];
        snprintf(path, sizeof path, "%s\\%s", SIM_NIC_RECORD_ROOT, keys[0]);
        assert_int_equal(h->ops->reg.values(h->ctx, path, vals, &nv, &e), 0);
    }
    mend_string_free_list(keys, nk);
    return nv;
}

static void test_sim_nic_on_restores_exactly_what_off_replaced(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, mixed);
    assert_true(listed_on(&h, "Ethernet0"));
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    sim_nic *nic = nic_of(&h, "Ethernet0");
    assert_int_equal(nic->kw[0], 0);
    assert_int_equal(nic->kw[1], 0);
    assert_int_equal(nic->kw[2], -1);             /* an absent keyword is not created */
    assert_false(listed_on(&h, "Ethernet0"));
    mend_regval *v;
    size_t nv = record_values(&h, &v);
    assert_int_equal(nv, 4);                      /* Adapter + the three keywords */
    for (size_t i = 0; i < nv; i++) {
        if (strcmp(v[i].name, "*IPsecOffloadV2IPv4") == 0)
            assert_int_equal(v[i].type, MEND_REG_NONE);   /* "was absent" */
        if (strcmp(v[i].name, "*IPsecOffloadV2") == 0)
            assert_string_equal((const char *)v[i].data, "1");
    }
    mend_regval_free_list(v, nv);
    /* a second "off" keeps the first record instead of recording zeros */
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", true, &e), 0);
    assert_int_equal(nic->kw[0], 3);
    assert_int_equal(nic->kw[1], 1);
    assert_int_equal(nic->kw[2], -1);
    assert_int_equal(record_values(&h, &v), 0);   /* the record is gone once restored */
    mend_host_close(&h);
}

static void test_sim_nic_on_without_record_uses_driver_default(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, mixed);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet1", true, &e), 0);
    sim_nic *nic = nic_of(&h, "Ethernet1");
    for (int i = 0; i < SIM_NIC_NKW; i++)
        assert_int_equal(nic->kw[i], 3);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Wi-Fi", true, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_nic_change_takes_effect_only_at_adapter_restart(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, mixed);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_true(nic_of(&h, "Ethernet0")->offload);   /* still in effect */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_IN_USE);
    assert_int_equal(h.ops->nic.restart(h.ctx, "Ethernet0", &e), 0);
    assert_false(nic_of(&h, "Ethernet0")->offload);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(h.ops->nic.restart(h.ctx, "Wi-Fi", &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_nic_reboot_starts_adapters_with_their_keywords(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, mixed);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "test", &e), 0);
    assert_false(nic_of(&h, "Ethernet0")->offload);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);   /* the purge completes at boot, nothing holds it */
    mend_host_close(&h);
}

static void test_sim_nic_keywords_pending_change_and_record_survive_the_state_file(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    char *path = st_write(mixed);
    st_open_file(&h, path, false);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", false, &e), 0);
    st_commit_close(&h);
    st_open_file(&h, path, false);
    sim_nic *nic = nic_of(&h, "Ethernet0");
    assert_true(nic->offload);                    /* written, not yet restarted */
    assert_int_equal(nic->kw[0], 0);
    assert_int_equal(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", true, &e), 0);
    assert_int_equal(nic->kw[0], 3);
    assert_int_equal(nic->kw[1], 1);
    assert_int_equal(nic->kw[2], -1);
    mend_host_close(&h);
    free(path);
}

static void test_sim_nic_scenario_keyword_values_checked(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(st_load_error("return { nics = { { name = 'E', keywords = { ['*IPsecOffloadV2'] = 4 } } } }", &e),
                     MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "*IPsecOffloadV2"));
    assert_int_equal(st_load_error("return { nics = { { name = 'E', keywords = { ['*IPsecOffload'] = 1 } } } }", &e),
                     MEND_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_nic_on_restores_exactly_what_off_replaced),
        cmocka_unit_test(test_sim_nic_on_without_record_uses_driver_default),
        cmocka_unit_test(test_sim_nic_change_takes_effect_only_at_adapter_restart),
        cmocka_unit_test(test_sim_nic_reboot_starts_adapters_with_their_keywords),
        cmocka_unit_test(test_sim_nic_keywords_pending_change_and_record_survive_the_state_file),
        cmocka_unit_test(test_sim_nic_scenario_keyword_values_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
