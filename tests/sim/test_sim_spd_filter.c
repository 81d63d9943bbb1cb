/* The simulated SPD's filters: an orphaned filter keeps its quick-mode policy pending until it is deleted; the assigned policy's until the agent starts. */
#include "sim_test.h"

#include <stdlib.h>
#include <string.h>

/* Orphan: unassigned, pending, its filter still plumbed; Both: a filter and SAs; Corp: assigned. */
static const char *const orphans =
    "return { policies = {\n"
    "  { name = 'Corp', state = 'active', assigned = true, sa_count = 2 },\n"
    "  { name = 'Orphan', state = 'pending_deletion', blockers = { 'orphan_filter' } },\n"
    "  { name = 'Both', state = 'pending_deletion', sa_count = 2, blockers = { 'orphan_filter', 'spd_sas' } },\n"
    "} }";

/* The QM policy the filter of that name references, "" when the SPD has no such filter; its
 * GUID into guid when wanted. */
static const char *filter_qm(mend_host *h, const char *name, char guid[40])
{
    static char qm[300];
    mend_spd_filter *f;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->spd.filters(h->ctx, &f, &n, &e), 0);
    qm[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) {
            snprintf(qm, sizeof qm, "%s", f[i].qm_policy);
            if (guid)
                snprintf(guid, 40, "%s", f[i].guid);
        }
    mend_spd_filter_free_list(f, n);
    return qm;
}

static mend_code delete_filter(mend_host *h, const char *id, mend_err *e)
{
    return st_call(h->ops->spd.delete_filter(h->ctx, id, e), e);
}

static void test_sim_spd_orphaned_filter_keeps_its_qm_policy_pending_until_deleted(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, orphans);
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Orphan filter action", &refs), 1);
    assert_int_equal(refs, 1);                                    /* the orphaned filter only */
    assert_string_equal(filter_qm(&h, "Orphan filter list", NULL), "Orphan filter action");
    assert_int_equal(st_delete(&h, "Orphan", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(e.win32, 13023);
    assert_int_equal(delete_filter(&h, "ORPHAN filter LIST", &e), MEND_OK);   /* letter case ignored */
    assert_string_equal(filter_qm(&h, "Orphan filter list", NULL), "");
    assert_int_equal(st_qm_state(&h, "Orphan filter action", NULL), -1);        /* went with its last reference */
    assert_int_equal(st_delete(&h, "Orphan", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_spd_orphaned_filter_and_sas_both_have_to_go(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, orphans);
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Both filter action", &refs), 1);
    assert_int_equal(refs, 3);                                    /* its filter and two SAs */
    char guid[40] = "";
    filter_qm(&h, "Both filter list", guid);
    assert_int_equal(delete_filter(&h, guid, &e), MEND_OK);       /* by GUID */
    assert_int_equal(st_qm_state(&h, "Both filter action", &refs), 1);
    assert_int_equal(refs, 2);
    assert_int_equal(st_delete(&h, "Both", &e), MEND_E_PENDING_DELETION);
    assert_int_equal(st_call(h.ops->spd.delete_sas(h.ctx, "Both filter action", &e), &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "Both filter action", NULL), -1);
    assert_int_equal(st_delete(&h, "Both", &e), MEND_OK);
    mend_host_close(&h);
}

/* The assigned policy's filter goes until the agent plumbs the policy again; its QM policy
 * keeps the SAs' references and stays, not pending. */
static void test_sim_spd_deleting_the_assigned_policys_filter_lasts_until_the_agent_starts(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, orphans);
    assert_int_equal(delete_filter(&h, "Corp filter list", &e), MEND_OK);
    assert_string_equal(filter_qm(&h, "Corp filter list", NULL), "");
    uint32_t refs = 0;
    assert_int_equal(st_qm_state(&h, "Corp filter action", &refs), 0);
    assert_int_equal(refs, 2);
    assert_true(st_assigned(&h, "Corp"));                         /* the store is untouched */
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_string_equal(filter_qm(&h, "Corp filter list", NULL), "Corp filter action");
    mend_host_close(&h);
}

/* A QM policy deleted while referenced goes once its SAs and its filter are gone. */
static void test_sim_spd_deleted_qm_policy_goes_with_its_last_filter(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, orphans);
    assert_int_equal(st_call(h.ops->spd.delete_qm_policy(h.ctx, "Corp filter action", &e), &e),
                     MEND_E_PENDING_DELETION);
    assert_int_equal(st_call(h.ops->spd.delete_sas(h.ctx, "Corp filter action", &e), &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "Corp filter action", NULL), 1);
    assert_int_equal(delete_filter(&h, "Corp filter list", &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "Corp filter action", NULL), -1);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);       /* plumbed afresh from the store */
    assert_int_equal(st_qm_state(&h, "Corp filter action", NULL), 0);
    mend_host_close(&h);
}

static void test_sim_spd_agent_restart_drops_orphaned_filters(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, orphans);
    assert_int_equal(st_restart(&h, "PolicyAgent"), MEND_OK);
    assert_string_equal(filter_qm(&h, "Orphan filter list", NULL), "");
    assert_int_equal(st_qm_state(&h, "Orphan filter action", NULL), -1);
    assert_int_equal(st_delete(&h, "Orphan", &e), MEND_OK);
    mend_host_close(&h);
}

static void test_sim_spd_filter_delete_of_an_unknown_or_shared_name_deletes_nothing(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = {\n"
                "  { name = 'A', state = 'pending_deletion', filter_list = 'Shared', blockers = { 'orphan_filter' } },\n"
                "  { name = 'B', state = 'pending_deletion', filter_list = 'Shared', blockers = { 'orphan_filter' } },\n"
                "} }");
    assert_int_equal(delete_filter(&h, "No-Such", &e), MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 13009);
    assert_non_null(strstr(e.msg, "No-Such"));
    assert_int_equal(delete_filter(&h, "Shared", &e), MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "2 SPD filters are named 'Shared'"));
    assert_non_null(strstr(e.msg, "GUID"));
    assert_int_equal(st_qm_state(&h, "A filter action", NULL), 1);
    assert_int_equal(st_qm_state(&h, "B filter action", NULL), 1);
    mend_spd_filter *f;
    size_t n;
    assert_int_equal(h.ops->spd.filters(h.ctx, &f, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_not_equal(f[0].guid, f[1].guid);               /* one shared name, two filters */
    char guid[40];
    snprintf(guid, sizeof guid, "%s", strcmp(f[0].qm_policy, "B filter action") == 0 ? f[0].guid : f[1].guid);
    mend_spd_filter_free_list(f, n);
    assert_int_equal(delete_filter(&h, guid, &e), MEND_OK);
    assert_int_equal(st_qm_state(&h, "A filter action", NULL), 1);
    assert_int_equal(st_qm_state(&h, "B filter action", NULL), -1);
    mend_host_close(&h);
}

static void test_sim_spd_orphaned_filter_delete_survives_the_state_file(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    char *path = st_write(orphans);
    st_open_file(&h, path, false);
    assert_int_equal(delete_filter(&h, "Orphan filter list", &e), MEND_OK);
    st_commit_close(&h);
    st_open_file(&h, path, false);
    assert_int_equal(st_qm_state(&h, "Orphan filter action", NULL), -1);
    assert_string_equal(filter_qm(&h, "Both filter list", NULL), "Both filter action");
    mend_host_close(&h);
    free(path);
}

static void test_sim_spd_filter_delete_can_be_denied(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'O', state = 'pending_deletion', blockers = { 'orphan_filter' } } },\n"
                " faults = { access_denied = { 'spd.delete_filter' } } }");
    assert_int_equal(delete_filter(&h, "O filter list", &e), MEND_E_ACCESS_DENIED);
    assert_string_equal(filter_qm(&h, "O filter list", NULL), "O filter action");
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_spd_orphaned_filter_keeps_its_qm_policy_pending_until_deleted),
        cmocka_unit_test(test_sim_spd_orphaned_filter_and_sas_both_have_to_go),
        cmocka_unit_test(test_sim_spd_deleting_the_assigned_policys_filter_lasts_until_the_agent_starts),
        cmocka_unit_test(test_sim_spd_deleted_qm_policy_goes_with_its_last_filter),
        cmocka_unit_test(test_sim_spd_agent_restart_drops_orphaned_filters),
        cmocka_unit_test(test_sim_spd_filter_delete_of_an_unknown_or_shared_name_deletes_nothing),
        cmocka_unit_test(test_sim_spd_orphaned_filter_delete_survives_the_state_file),
        cmocka_unit_test(test_sim_spd_filter_delete_can_be_denied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
