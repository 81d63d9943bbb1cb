/* The simulator keeps each policy's store graph as Windows does, and new policies get fresh GUIDs. */
#include <stdlib.h>
#include <string.h>

#include "sim_test.h"
#include "store_graph.h"

#define LOCAL MEND_IPSEC_STORE_ROOT
#define SHARED "return { policies = { " \
    "{ name = 'Corp-QM', filter_list = 'LAN', assigned = true }, " \
    "{ name = 'Branch', filter_list = 'LAN', filter_action = 'Require' }, " \
    "{ name = 'Other', filter_action = 'Require' } } }"

static char **keys_of(mend_host *h, const char *path, size_t *n)
{
    char **k;
    mend_err e;
    assert_int_equal(h->ops->reg.keys(h->ctx, path, &k, n, &e), 0);
    return k;
}

static size_t count_prefix(char **k, size_t n, const char *prefix)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += strncmp(k[i], prefix, strlen(prefix)) == 0;
    return c;
}

/* The strings of a SZ or MULTI_SZ value, or none when it is missing. */
static size_t strings(mend_host *h, const char *path, const char *value, char out[][256], size_t max)
{
    mend_regval v;
    mend_err e;
    if (h->ops->reg.get(h->ctx, path, value, &v, &e) != 0)
        return 0;
    size_t n = 0;
    for (size_t at = 0; at < v.size && n < max; n++) {
        snprintf(out[n], 256, "%s", (const char *)v.data + at);
        at += strlen((const char *)v.data + at) + 1;
    }
    mend_regval_clear(&v);
    return n;
}

static bool has(char list[][256], size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* Every reference names an existing key that lists the referrer among its owners, and every
 * owner exists; ActivePolicy names an existing policy. Returns the number of objects. */
static size_t assert_whole(mend_host *h)
{
    static const char *const fwd[] = { "ipsecISAKMPReference", "ipsecNFAReference",
                                       "ipsecNegotiationPolicyReference", "ipsecFilterReference" };
    size_t n;
    char **k = keys_of(h, LOCAL, &n);
    for (size_t i = 0; i < n; i++) {
        char path[512], self[512], refs[64][256], owners[64][256];
        snprintf(path, sizeof path, LOCAL "\\%s", k[i]);
        snprintf(self, sizeof self, "%s", path + 5);
        for (size_t f = 0; f < 4; f++) {
            size_t nr = strings(h, path, fwd[f], refs, 64);
            for (size_t r = 0; r < nr; r++) {
                char target[512];
                snprintf(target, sizeof target, "HKLM\\%.255s", refs[r]);
                size_t no = strings(h, target, "ipsecOwnersReference", owners, 64);
                if (!has(owners, no, self))
                    fail_msg("%s -> %s: the target is missing or does not list it as an owner", path, target);
            }
        }
        size_t no = strings(h, path, "ipsecOwnersReference", owners, 64);
        for (size_t o = 0; o < no; o++) {
            char owner[512];
            bool found = false;
            mend_err e;
            snprintf(owner, sizeof owner, "HKLM\\%.255s", owners[o]);
            assert_int_equal(h->ops->reg.exists(h->ctx, owner, &found, &e), 0);
            if (!found)
                fail_msg("%s lists a missing owner %s", path, owner);
        }
    }
    char active[1][256];
    if (strings(h, LOCAL, "ActivePolicy", active, 1)) {
        char target[512];
        bool found = false;
        mend_err e;
        snprintf(target, sizeof target, "HKLM\\%s", active[0]);
        assert_int_equal(h->ops->reg.exists(h->ctx, target, &found, &e), 0);
        assert_true(found);
    }
    mend_string_free_list(k, n);
    return n;
}

static void test_sim_store_graph_derived_for_every_policy(void **state)
{
    (void)state;
    mend_host h;
    st_open(&h, SHARED);
    size_t n;
    char **k = keys_of(&h, LOCAL, &n);
    assert_int_equal(count_prefix(k, n, "ipsecPolicy{"), 3);
    assert_int_equal(count_prefix(k, n, "ipsecISAKMPPolicy{"), 3);
    assert_int_equal(count_prefix(k, n, "ipsecNFA{"), 3);
    assert_int_equal(count_prefix(k, n, "ipsecNegotiationPolicy{"), 2);   /* Require, Corp-QM's own */
    assert_int_equal(count_prefix(k, n, "ipsecFilter{"), 2);              /* LAN, Other's own */
    mend_string_free_list(k, n);
    assert_int_equal(assert_whole(&h), 13);
    mend_host_close(&h);
}

static void test_sim_store_graph_objects_carry_windows_values(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, SHARED);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Branch", &p, &e), 0);
    char nfa[1][256], filter[1][256], action[1][256], owners[8][256];
    assert_int_equal(strings(&h, p.store_key, "ipsecNFAReference", nfa, 1), 1);
    char path[512];
    snprintf(path, sizeof path, "HKLM\\%s", nfa[0]);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ipsecFilterReference", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_MULTI_SZ);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ipsecNegotiationPolicyReference", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_SZ);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ipsecDataType", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_DWORD);
    assert_int_equal(v.data[0] | v.data[1] << 8, 0x100);
    mend_regval_clear(&v);
    strings(&h, path, "ipsecFilterReference", filter, 1);
    strings(&h, path, "ipsecNegotiationPolicyReference", action, 1);
    snprintf(path, sizeof path, "HKLM\\%s", filter[0]);
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ipsecName", &v, &e), 0);
    assert_string_equal((const char *)v.data, "LAN");
    mend_regval_clear(&v);
    assert_int_equal(strings(&h, path, "ipsecOwnersReference", owners, 8), 2);   /* Corp-QM's and Branch's rules */
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ClassName", &v, &e), 0);
    assert_string_equal((const char *)v.data, "ipsecFilter");
    mend_regval_clear(&v);
    snprintf(path, sizeof path, "HKLM\\%s", action[0]);
    assert_int_equal(h.ops->reg.get(h.ctx, path, "ipsecNegotiationPolicyType", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_SZ);
    mend_regval_clear(&v);
    assert_true(strncmp(nfa[0], "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecNFA{", 63) == 0);
    mend_policy_clear(&p);
    mend_host_close(&h);
}

static void test_sim_store_graph_built_only_when_the_registry_shows_it(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, SHARED);
    sim_machine *m = sim_host_machine(&h);
    mend_policy *list;
    size_t n;
    assert_int_equal(h.ops->ipsec.list(h.ctx, &list, &n, &e), 0);
    bool found = false;
    assert_int_equal(h.ops->reg.exists(h.ctx, list[0].store_key, &found, &e), 0);
    assert_true(found);
    mend_policy_free_list(list, n);
    assert_false(m->graph_built);
    char **k = keys_of(&h, LOCAL, &n);
    mend_string_free_list(k, n);
    assert_true(m->graph_built);
    mend_host_close(&h);
}

/* A registry rung on one policy of a large store writes only that policy's objects. */
static void test_sim_store_graph_writes_only_what_is_read(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, SHARED);
    sim_machine *m = sim_host_machine(&h);
    mend_policy p;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Other", &p, &e), 0);
    mend_store_plan plan;
    assert_int_equal(mend_store_graph_plan(&h, p.store_key, &plan, &e), 0);
    assert_false(m->graph_built);
    assert_int_equal(m->graph_done.count, 4);      /* Other's ISAKMP, rule, filter list, the shared action */
    assert_int_equal(plan.nremove, 4);             /* the policy, ISAKMP, rule, its own filter list */
    assert_int_equal(plan.nupdate, 1);             /* Require, still Branch's */
    assert_int_equal(mend_store_graph_apply(&h, &plan, &e), 0);
    mend_store_plan_free(&plan);
    assert_whole(&h);                              /* lists Local: now everything is derived */
    assert_true(m->graph_built);
    size_t n;
    char **k = keys_of(&h, LOCAL, &n);
    assert_int_equal(n, 9);
    mend_string_free_list(k, n);
    mend_policy_clear(&p);
    mend_host_close(&h);
}

static void test_sim_delete_takes_the_policy_objects_and_leaves_shared_ones(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, SHARED);
    size_t n;
    char **k = keys_of(&h, LOCAL, &n);
    mend_string_free_list(k, n);
    assert_int_equal(st_delete(&h, "Branch", &e), MEND_OK);
    k = keys_of(&h, LOCAL, &n);
    assert_int_equal(count_prefix(k, n, "ipsecPolicy{"), 2);
    assert_int_equal(count_prefix(k, n, "ipsecISAKMPPolicy{"), 2);
    assert_int_equal(count_prefix(k, n, "ipsecNFA{"), 2);
    assert_int_equal(count_prefix(k, n, "ipsecFilter{"), 2);   /* LAN still used by Corp-QM */
    mend_string_free_list(k, n);
    assert_whole(&h);
    mend_host_close(&h);
}

static void test_sim_recreated_policy_gets_a_new_guid(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM' } } }");
    mend_policy a, b;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &a, &e), 0);
    assert_int_equal(st_delete(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(h.ops->sys.sleep(h.ctx, 60, &e), 0);
    assert_int_equal(st_create(&h, "Corp-QM", &e), MEND_OK);
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &b, &e), 0);
    assert_string_not_equal(a.guid, b.guid);
    assert_true(sim_guid_valid(b.guid));
    assert_int_equal(b.guid[15], '4');   /* a random (version 4) GUID, as CoCreateGuid makes */
    mend_policy_clear(&a);
    mend_policy_clear(&b);
    mend_host_close(&h);
}

static void guid_of(mend_host *h, const char *name, char out[SIM_GUID_LEN + 1])
{
    mend_policy p;
    mend_err e;
    assert_int_equal(h->ops->ipsec.get(h->ctx, name, &p, &e), 0);
    memcpy(out, p.guid, SIM_GUID_LEN + 1);
    mend_policy_clear(&p);
}

static void test_sim_new_guids_come_from_the_state(void **state)
{
    (void)state;
    mend_host h1, h2;
    mend_err e;
    char g1[SIM_GUID_LEN + 1], g2[SIM_GUID_LEN + 1], g3[SIM_GUID_LEN + 1];
    char *path = st_write("return { policies = { } }");
    st_open_file(&h1, path, false);
    assert_int_equal(st_create(&h1, "A", &e), MEND_OK);
    guid_of(&h1, "A", g1);
    st_commit_close(&h1);
    /* The same state twice: the same next GUID, and not the one already given out. */
    char *copy = st_write("");
    FILE *in = fopen(path, "rb"), *out = fopen(copy, "wb");
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, got, out);
    fclose(in);
    fclose(out);
    st_open_file(&h1, path, false);
    st_open_file(&h2, copy, false);
    assert_int_equal(st_create(&h1, "B", &e), MEND_OK);
    assert_int_equal(st_create(&h2, "B", &e), MEND_OK);
    guid_of(&h1, "B", g2);
    guid_of(&h2, "B", g3);
    assert_string_equal(g2, g3);
    assert_string_not_equal(g1, g2);
    mend_host_close(&h1);
    mend_host_close(&h2);
    free(path);
    free(copy);
}

static void test_sim_changed_graph_survives_save(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    char *path = st_write(SHARED);
    st_open_file(&h, path, false);
    size_t n;
    char **k = keys_of(&h, LOCAL, &n);
    char isakmp[512] = "", filter[512] = "";
    for (size_t i = 0; i < n; i++) {
        if (!isakmp[0] && strncmp(k[i], "ipsecISAKMPPolicy{", 18) == 0)
            snprintf(isakmp, sizeof isakmp, LOCAL "\\%s", k[i]);
        if (!filter[0] && strncmp(k[i], "ipsecFilter{", 12) == 0)
            snprintf(filter, sizeof filter, LOCAL "\\%s", k[i]);
    }
    mend_string_free_list(k, n);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, isakmp, false, &e), 0);
    assert_int_equal(h.ops->reg.set(h.ctx, filter, "ipsecOwnersReference", MEND_REG_MULTI_SZ,
                                    (const unsigned char *)"x\0y", 4, &e), 0);
    st_commit_close(&h);
    st_open_file(&h, path, false);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, isakmp, &found, &e), 0);
    assert_false(found);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, filter, "ipsecOwnersReference", &v, &e), 0);
    assert_int_equal(v.size, 4);
    assert_memory_equal(v.data, "x\0y", 4);
    mend_regval_clear(&v);
    mend_host_close(&h);
    free(path);
}

static void test_store_graph_refuses_keys_outside_the_local_store(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    mend_store_plan p;
    st_open(&h, SHARED);
    static const char *const bad[] = {
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache\\ipsecPolicy{01c220a1-ffe6-5276-a889-86e4b4b5e1fe}",
        LOCAL,
        LOCAL "\\ipsecNFA{01c220a1-ffe6-5276-a889-86e4b4b5e1fe}",
        LOCAL "\\ipsecPolicy{01c220a1-ffe6-5276-a889-86e4b4b5e1fe}\\sub",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mend_err_clear(&e);
        assert_int_equal(mend_store_graph_plan(&h, bad[i], &p, &e), -1);
        assert_int_equal(e.code, MEND_E_INVALID);
        assert_non_null(strstr(e.msg, "local store"));
    }
    mend_err_clear(&e);
    assert_int_equal(mend_store_graph_plan(&h, LOCAL "\\ipsecPolicy{00000000-0000-4000-8000-000000000000}", &p, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}

/* Without back-references nobody can tell who else uses an object, and a reference outside
 * Local (a GPO cache object) is never followed: both are kept. */
static void test_store_graph_keeps_what_it_cannot_prove_unused(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = 'Corp-QM' } } }");
    mend_policy pol;
    assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &pol, &e), 0);
    char isakmp[1][256], path[512];
    assert_int_equal(strings(&h, pol.store_key, "ipsecISAKMPReference", isakmp, 1), 1);
    snprintf(path, sizeof path, "HKLM\\%s", isakmp[0]);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, path, "ipsecOwnersReference", &e), 0);
    const char outside[] = "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache\\ipsecNFA{1}\0"
                           "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecNFA{gone}";
    assert_int_equal(h.ops->reg.set(h.ctx, pol.store_key, "ipsecNFAReference", MEND_REG_MULTI_SZ,
                                    (const unsigned char *)outside, sizeof outside, &e), 0);
    mend_store_plan p;
    assert_int_equal(mend_store_graph_plan(&h, pol.store_key, &p, &e), 0);
    assert_int_equal(p.nremove, 1);
    assert_string_equal(p.remove[0], pol.store_key);
    assert_int_equal(p.nupdate, 0);
    assert_false(p.clear_active);
    assert_int_equal(mend_store_graph_apply(&h, &p, &e), 0);
    bool found = false;
    assert_int_equal(h.ops->reg.exists(h.ctx, path, &found, &e), 0);
    assert_true(found);
    mend_store_plan_free(&p);
    mend_policy_clear(&pol);
    mend_host_close(&h);
}

/* A reference may carry its root, short or long in any case (the one table of root names); a
 * reference under another root is not the local store's and is never followed. */
static void test_store_graph_follows_references_rooted_at_hklm_only(void **state)
{
    (void)state;
    static const char *const roots[] = { "", "HKLM\\", "hkey_local_machine\\", "HKCU\\" };
    size_t first = 0;
    for (size_t r = 0; r < sizeof roots / sizeof *roots; r++) {
        mend_host h;
        mend_err e;
        st_open(&h, "return { policies = { { name = 'Corp-QM' } } }");
        mend_policy pol;
        assert_int_equal(h.ops->ipsec.get(h.ctx, "Corp-QM", &pol, &e), 0);
        char isakmp[1][256], ref[300];
        assert_int_equal(strings(&h, pol.store_key, "ipsecISAKMPReference", isakmp, 1), 1);
        int n = snprintf(ref, sizeof ref, "%s%s", roots[r], isakmp[0]);
        assert_int_equal(h.ops->reg.set(h.ctx, pol.store_key, "ipsecISAKMPReference", MEND_REG_SZ,
                                        (const unsigned char *)ref, (size_t)n + 1, &e), 0);
        mend_store_plan p;
        assert_int_equal(mend_store_graph_plan(&h, pol.store_key, &p, &e), 0);
        if (r == 0)
            first = p.nremove;
        else
            assert_int_equal(p.nremove, strcmp(roots[r], "HKCU\\") == 0 ? first - 1 : first);
        mend_store_plan_free(&p);
        mend_policy_clear(&pol);
        mend_host_close(&h);
    }
    assert_true(first > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_store_graph_derived_for_every_policy),
        cmocka_unit_test(test_sim_store_graph_objects_carry_windows_values),
        cmocka_unit_test(test_sim_store_graph_built_only_when_the_registry_shows_it),
        cmocka_unit_test(test_sim_store_graph_writes_only_what_is_read),
        cmocka_unit_test(test_sim_delete_takes_the_policy_objects_and_leaves_shared_ones),
        cmocka_unit_test(test_sim_recreated_policy_gets_a_new_guid),
        cmocka_unit_test(test_sim_new_guids_come_from_the_state),
        cmocka_unit_test(test_sim_changed_graph_survives_save),
        cmocka_unit_test(test_store_graph_refuses_keys_outside_the_local_store),
        cmocka_unit_test(test_store_graph_keeps_what_it_cannot_prove_unused),
        cmocka_unit_test(test_store_graph_follows_references_rooted_at_hklm_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
