/* GPO-delivered policies on the simulator: the cache, GPTIPSECPolicy, refusals, refresh and boot. */
#include "sim_test.h"

#include "platform.h"

#include <stdlib.h>
#include <string.h>

#define GPT MEND_IPSEC_GPT_KEY

static const char *gpo3 =
    "return { policies = {\n"
    "  { name = 'Corp-QM', state = 'pending_deletion', source = 'gpo', gpo = 'Corp IPsec GPO' },\n"
    "  { name = 'Old-QM', state = 'pending_deletion', source = 'gpo', gpo = 'Retired GPO', gpo_assigned = false },\n"
    "  { name = 'Local-QM', state = 'pending_deletion' } } }";

static void get(mend_host *h, const char *name, mend_policy *p)
{
    mend_err e;
    if (h->ops->ipsec.get(h->ctx, name, p, &e) != 0)
        fail_msg("get %s: %s", name, e.msg);
}

static bool reg_exists(mend_host *h, const char *path)
{
    bool found = false;
    mend_err e;
    assert_int_equal(h->ops->reg.exists(h->ctx, path, &found, &e), 0);
    return found;
}

static void test_sim_gpo_policy_listed_from_the_cache_with_its_gpo(void **state)
{
    (void)state;
    mend_host h;
    st_open(&h, gpo3);
    mend_policy p;
    get(&h, "Corp-QM", &p);
    assert_string_equal(p.gpo, "Corp IPsec GPO");
    assert_true(p.gpo_assigned);
    assert_false(p.assigned);                       /* not the local store's ActivePolicy */
    assert_non_null(strstr(p.store_key, "\\IPSec\\Policy\\Cache\\ipsecPolicy{"));
    assert_true(reg_exists(&h, p.store_key));
    /* GPTIPSECPolicy names the assigned directory policy by its path and the GPO by name. */
    mend_regval v;
    mend_err e;
    assert_int_equal(h.ops->reg.get(h.ctx, GPT, "GPOName", &v, &e), 0);
    assert_string_equal((const char *)v.data, "Corp IPsec GPO");
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, GPT, "DSIPSECPolicyPath", &v, &e), 0);
    assert_non_null(strstr((const char *)v.data, p.guid));
    mend_regval_clear(&v);
    mend_policy_clear(&p);

    get(&h, "Old-QM", &p);
    assert_string_equal(p.gpo, "Retired GPO");
    assert_false(p.gpo_assigned);
    mend_policy_clear(&p);
    get(&h, "Local-QM", &p);
    assert_null(p.gpo);
    assert_non_null(strstr(p.store_key, "\\IPSec\\Policy\\Local\\ipsecPolicy{"));
    mend_policy_clear(&p);
    mend_host_close(&h);
}

static void test_sim_gpo_policy_never_deleted_or_assigned_locally(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, gpo3);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_E_NOT_PERMITTED);
    assert_non_null(strstr(e.msg, "GPO 'Corp IPsec GPO'"));
    assert_non_null(strstr(e.msg, "gpupdate /target:computer /force"));
    assert_int_equal(st_delete(&h, "Old-QM", &e), MEND_E_NOT_PERMITTED);
    assert_int_equal(st_call(h.ops->ipsec.assign(h.ctx, "Corp-QM", false, &e), &e), MEND_E_NOT_PERMITTED);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_delete(&h, "Local-QM", &e), MEND_OK);   /* the local one still goes */
    mend_host_close(&h);
}

static void test_sim_gpo_stale_cache_cleared_by_forced_gpupdate(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, gpo3);
    mend_policy p;
    get(&h, "Old-QM", &p);
    char *key = mend_strdup(p.store_key);
    mend_policy_clear(&p);
    assert_int_equal(h.ops->sys.gpupdate(h.ctx, false, 600, &e), 0);   /* a plain refresh keeps it */
    assert_int_equal(st_state(&h, "Old-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(h.ops->sys.gpupdate(h.ctx, true, 600, &e), 0);
    assert_int_equal(st_state(&h, "Old-QM"), -1);
    assert_false(reg_exists(&h, key));
    /* The GPO that still assigns its policy keeps it through the refresh. */
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    free(key);
    mend_host_close(&h);
}

static void test_sim_gpo_assigned_policy_survives_reboot_stale_one_does_not(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, gpo3);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "test", &e), 0);
    assert_int_equal(st_state(&h, "Corp-QM"), MEND_POLICY_PENDING_DELETION);
    assert_int_equal(st_state(&h, "Old-QM"), -1);      /* computer policy is applied at startup */
    mend_host_close(&h);
}

static void test_sim_gpo_fields_saved_and_reloaded(void **state)
{
    (void)state;
    mend_host h;
    char *path = st_write(gpo3);
    st_open_file(&h, path, false);
    st_save_close(&h, path);
    st_open_file(&h, path, false);
    mend_policy p;
    get(&h, "Old-QM", &p);
    assert_string_equal(p.gpo, "Retired GPO");
    assert_false(p.gpo_assigned);
    mend_policy_clear(&p);
    get(&h, "Corp-QM", &p);
    assert_true(p.gpo_assigned);
    mend_policy_clear(&p);
    mend_host_close(&h);
    char *text;
    size_t len;
    mend_err e;
    assert_int_equal(mend_read_file(path, &text, &len, &e), 0);
    assert_non_null(strstr(text, "source = \"gpo\", gpo = \"Retired GPO\", gpo_assigned = false"));
    assert_non_null(strstr(text, "registry = {\n  },"));   /* the cache is rebuilt, not diffed */
    free(text);
    free(path);
}

static void test_sim_gpo_cache_key_removed_by_hand_leaves_the_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, gpo3);
    mend_policy p;
    get(&h, "Corp-QM", &p);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, p.store_key, true, &e), 0);
    mend_policy_clear(&p);
    /* Out of the cache, only the running Policy Agent's table still holds it; a restart drops it. */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_int_equal(st_state(&h, "Corp-QM"), -1);
    mend_host_close(&h);
}

static void test_sim_gpo_scenario_mistakes_rejected(void **state)
{
    (void)state;
    st_expect_load_error("return { policies = { { name = 'A', source = 'gpo' } } }", "names its GPO");
    st_expect_load_error("return { policies = { { name = 'A', gpo = 'G' } } }", "names its GPO");
    st_expect_load_error("return { policies = { { name = 'A', source = 'ad' } } }", "expected 'local' or 'gpo'");
    st_expect_load_error("return { policies = { { name = 'A', source = 'gpo', gpo = 'G', assigned = true } } }",
                      "cannot be locally assigned");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_gpo_policy_listed_from_the_cache_with_its_gpo),
        cmocka_unit_test(test_sim_gpo_policy_never_deleted_or_assigned_locally),
        cmocka_unit_test(test_sim_gpo_stale_cache_cleared_by_forced_gpupdate),
        cmocka_unit_test(test_sim_gpo_assigned_policy_survives_reboot_stale_one_does_not),
        cmocka_unit_test(test_sim_gpo_fields_saved_and_reloaded),
        cmocka_unit_test(test_sim_gpo_scenario_mistakes_rejected),
        cmocka_unit_test(test_sim_gpo_cache_key_removed_by_hand_leaves_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
