/* The simulated SPD: plumbing of the assigned policy, SAs, pending until references drop, restart and reboot. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

static const char *const plumbed =
    "return { policies = {\n"
    "  { name = 'Corp-QM', state = 'active', assigned = true, sa_count = 2 },\n"
    "  { name = 'Spare', state = 'active', sa_count = 5 },\n"
    "  { name = 'Old-QM', state = 'pending_deletion', sa_count = 3 },\n"
    "} }";

static size_t sas_of(mend_host *h, const char *qm)
{
    mend_spd_sa *s;
    size_t n, k = 0;
    mend_err e;
    assert_int_equal(h->ops->spd.sas(h->ctx, &s, &n, &e), 0);
    for (size_t i = 0; i < n; i++)
        k += strcmp(s[i].qm_policy, qm) == 0;
    mend_spd_sa_free_list(s, n);
    return k;
}

static mend_code delete_qm(mend_host *h, const char *name, mend_err *e)
{
    return st_call(h->ops->spd.delete_qm_policy(h->ctx, name, e), e);
}

static mend_code delete_sas(mend_host *h, const char *name, mend_err *e)
{
    return st_call(h->ops->spd.delete_sas(h->ctx, name, e), e);
}

static void test_sim_spd_agent_plumbs_only_the_assigned_policy(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", &refs), 0);
    assert_int_equal(refs, 3);                         /* one filter, two SAs */
    assert_int_equal(st_qm_state(&h, "Spare filter action", NULL), -1);   /* unassigned: not plumbed */
    mend_spd_filter *f;
    size_t n;
    assert_int_equal(h.ops->spd.filters(h.ctx, &f, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].name, "Corp-QM filter list");
    assert_string_equal(f[0].qm_policy, "Corp-QM filter action");
    assert_false(f[0].tunnel);
    mend_spd_filter_free_list(f, n);
    assert_int_equal(sas_of(&h, "Corp-QM filter action"), 2);
    mend_host_close(&h);
}

static void test_sim_spd_unassigned_pending_policy_with_sas_stays_pending_until_they_drop(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Old-QM filter action", &refs), 1);
    assert_int_equal(refs, 3);                         /* SAs only: its filters went with the assignment */
    assert_int_equal(sas_of(&h, "Old-QM filter action"), 3);
    assert_int_equal(delete_qm(&h, "Old-QM filter action", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(e.win32, 13023);
    assert_non_null(strstr(e.msg, "0x32DF"));
    assert_int_equal(delete_sas(&h, "Old-QM filter action", &e), MEND_OK);
    assert_int_equal(sas_of(&h, "Old-QM filter action"), 0);
    assert_int_equal(st_qm_state(&h, "Old-QM filter action", NULL), -1);   /* references dropped: gone */
    mend_host_close(&h);
}

static void test_sim_spd_deleting_a_referenced_qm_policy_leaves_it_pending(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    assert_int_equal(delete_qm(&h, "Corp-QM filter action", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", NULL), 1);
    /* its SAs dropping is not enough: the filters still reference it */
    assert_int_equal(delete_sas(&h, "Corp-QM filter action", &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", NULL), 1);
    assert_int_equal(delete_qm(&h, "Corp-QM filter action", &e), MEND_E_PENDING_DELETION);
    /* unassigning takes the filters away: nothing references it, it is gone */
    assert_int_equal(st_call(h.ops->ipsec.assign(h.ctx, "Corp-QM", false, &e), &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", NULL), -1);
    mend_host_close(&h);
}

static void test_sim_spd_delete_codes_follow_winerror(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    assert_int_equal(delete_qm(&h, "No-Such", &e), MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 13001);
    assert_non_null(strstr(e.msg, "No-Such"));
    assert_int_equal(delete_sas(&h, "No-Such", &e), MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 13001);
    /* an unplumbed policy's QM policy is not in the SPD */
    assert_int_equal(delete_qm(&h, "Spare filter action", &e), MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_spd_agent_restart_rebuilds_from_the_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    assert_int_equal(delete_qm(&h, "Corp-QM filter action", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", &refs), 0);   /* plumbed afresh */
    assert_int_equal(refs, 3);                                            /* its SAs renegotiated */
    assert_int_equal(st_qm_state(&h, "Old-QM filter action", NULL), -1);    /* its SAs went with the SPD */
    assert_int_equal(sas_of(&h, "Old-QM filter action"), 0);
    mend_host_close(&h);
}

static void test_sim_spd_is_empty_while_the_agent_is_stopped(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    assert_int_equal(st_call(h.ops->svc.stop(h.ctx, "PolicyAgent", 1000, &e), &e), MEND_OK);
    mend_spd_qm_policy *q;
    size_t n;
    assert_int_equal(h.ops->spd.qm_policies(h.ctx, &q, &n, &e), 0);
    assert_int_equal(n, 0);
    mend_spd_qm_policy_free_list(q, n);
    assert_int_equal(delete_sas(&h, "Corp-QM filter action", &e), MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

static void test_sim_spd_reboot_clears_it(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, plumbed);
    assert_int_equal(delete_qm(&h, "Corp-QM filter action", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(h.ops->sys.reboot(h.ctx, "test", &e), 0);
    assert_int_equal(st_qm_state(&h, "Old-QM filter action", NULL), -1);
    assert_int_equal(st_qm_state(&h, "Corp-QM filter action", NULL), 0);     /* the assignment came back */
    mend_host_close(&h);
}

static void test_sim_spd_sa_deletes_survive_the_state_file(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    char *path = st_write(plumbed);
    st_open_file(&h, path, false);
    assert_int_equal(delete_sas(&h, "Old-QM filter action", &e), MEND_OK);
    st_commit_close(&h);
    st_open_file(&h, path, false);
    assert_int_equal(st_qm_state(&h, "Old-QM filter action", NULL), -1);
    assert_int_equal(sas_of(&h, "Corp-QM filter action"), 2);
    mend_host_close(&h);
    free(path);
}

static void test_sim_spd_reads_and_changes_can_be_denied(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'A', assigned = true, sa_count = 1 } },\n"
                " faults = { access_denied = { 'spd.delete_sas' } } }");
    assert_int_equal(delete_sas(&h, "A filter action", &e), MEND_E_ACCESS_DENIED);
    assert_int_equal(sas_of(&h, "A filter action"), 1);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_spd_agent_plumbs_only_the_assigned_policy),
        cmocka_unit_test(test_sim_spd_unassigned_pending_policy_with_sas_stays_pending_until_they_drop),
        cmocka_unit_test(test_sim_spd_deleting_a_referenced_qm_policy_leaves_it_pending),
        cmocka_unit_test(test_sim_spd_delete_codes_follow_winerror),
        cmocka_unit_test(test_sim_spd_agent_restart_rebuilds_from_the_store),
        cmocka_unit_test(test_sim_spd_is_empty_while_the_agent_is_stopped),
        cmocka_unit_test(test_sim_spd_reboot_clears_it),
        cmocka_unit_test(test_sim_spd_sa_deletes_survive_the_state_file),
        cmocka_unit_test(test_sim_spd_reads_and_changes_can_be_denied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
