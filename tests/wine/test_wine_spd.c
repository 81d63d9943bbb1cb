/* Wine test of the win32 SPD backend: winipsec.dll only from System32 (missing: unsupported), then the stand-in's SPD read and changed. */
#include "wt.h"

#include "win32/win_internal.h"

#define QA "{11111111-0000-4000-8000-000000000001}"
#define QB "{11111111-0000-4000-8000-000000000002}"
#define QC "{11111111-0000-4000-8000-000000000003}"
#define QD "{11111111-0000-4000-8000-000000000004}"
#define NONE "{00000000-0000-0000-0000-000000000000}"

/* Corp: a transport and a tunnel filter and two SAs; Old: only an SA; Spare: nothing;
 * Branch: two SAs; and a permit filter that references no QM policy. */
static const char *const model_text =
    "qm " QA " 0 Corp-QM filter action\n"
    "qm " QB " 2 Old-QM filter action\n"
    "qm " QC " 0 Spare QM\n"
    "qm " QD " 0 Branch-QM\n"
    "transport {22222222-0000-4000-8000-000000000001} " QA " Corp filter list\n"
    "tunnel {22222222-0000-4000-8000-000000000002} " QA " Corp tunnel\n"
    "transport {22222222-0000-4000-8000-000000000003} " NONE " Permit DHCP\n"
    "sa 101 " QA "\n"
    "sa 102 " QA "\n"
    "sa 201 " QB "\n"
    "sa 401 " QD "\n"
    "sa 402 " QD "\n";

/* Gone: a QM policy pending deletion that only filters still reference (orphaned filters);
 * Held: one whose filter the stand-in refuses to delete; two filters share a name. */
#define QE "{11111111-0000-4000-8000-000000000005}"
#define QF "{11111111-0000-4000-8000-000000000006}"
#define FT "{22222222-0000-4000-8000-000000000004}"
#define FU "{22222222-0000-4000-8000-000000000005}"
#define FR "{22222222-0000-4000-8000-000000000006}"
static const char *const orphan_text =
    "qm " QE " 0 Gone-QM\n"
    "pending " QE "\n"
    "qm " QF " 0 Held-QM\n"
    "transport " FT " " QE " Gone filter list\n"
    "tunnel " FU " " QE " Gone tunnel\n"
    "transport " FR " " QF " Held filter list\n"
    "refuse " FR "\n"
    "transport {22222222-0000-4000-8000-000000000007} " NONE " Twin\n"
    "transport {22222222-0000-4000-8000-000000000008} " NONE " twin\n";

static wchar_t model_path[MAX_PATH];

static void write_text(const char *text)
{
    wt_temp(L"spd-model.txt", model_path, MAX_PATH);
    FILE *f = _wfopen(model_path, L"wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    SetEnvironmentVariableW(L"MEND_SPD_MODEL", model_path);
}

static void write_model(void)
{
    write_text(model_text);
}

/* The stand-in's count of open filter handles (a test-only export), -1 when it is not loaded. */
static long open_filter_handles(void)
{
    HMODULE dll = GetModuleHandleW(L"winipsec.dll");
    FARPROC fn = dll ? GetProcAddress(dll, "MendStandInOpenFilterHandles") : NULL;
    if (!fn)
        return -1;
    DWORD (WINAPI *count)(void) = (DWORD (WINAPI *)(void))(void (*)(void))fn;
    return (long)count();
}

static size_t filters_named(mend_host *h, const char *name)
{
    mend_spd_filter *f = NULL;
    size_t nf = 0, k = 0;
    mend_err e;
    WT_OK(h->ops->spd.filters(h->ctx, &f, &nf, &e), e);
    for (size_t i = 0; i < nf; i++)
        k += strcmp(f[i].name, name) == 0;
    mend_spd_filter_free_list(f, nf);
    return k;
}

static const mend_spd_qm_policy *qm(const mend_spd_qm_policy *q, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(q[i].name, name) == 0)
            return &q[i];
    return NULL;
}

static void check_unsupported(int rc, const mend_err *e, const char *what)
{
    WT_CHECK(rc != 0 && e->code == MEND_E_UNSUPPORTED, "%s: rc %d, %s", what, rc, e->msg);
    WT_CHECK(strstr(e->msg, "winipsec.dll cannot be loaded from System32") != NULL, "%s: %s", what, e->msg);
    WT_CHECK(e->win32 == ERROR_MOD_NOT_FOUND && strstr(e->msg, "(0x7E)") != NULL, "%s: Windows code %u: %s",
             what, (unsigned)e->win32, e->msg);
}

/* The stand-in lies beside this program, which a default DLL search would take first. */
static void test_spd_without_winipsec_in_system32_is_unsupported(void)
{
    wchar_t beside[MAX_PATH];
    wt_helper(L"winipsec.dll", beside, MAX_PATH);
    WT_CHECK(GetFileAttributesW(beside) != INVALID_FILE_ATTRIBUTES, "the stand-in is beside the test: %ls", beside);
    write_model();
    mend_host h = wt_host();
    mend_err e;
    mend_spd_qm_policy *q = (mend_spd_qm_policy *)&e;
    mend_spd_filter *f = (mend_spd_filter *)&e;
    mend_spd_sa *s = (mend_spd_sa *)&e;
    size_t n = 7;
    check_unsupported(h.ops->spd.qm_policies(h.ctx, &q, &n, &e), &e, "qm_policies");
    WT_CHECK(q == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.filters(h.ctx, &f, &n, &e), &e, "filters");
    WT_CHECK(f == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.sas(h.ctx, &s, &n, &e), &e, "sas");
    WT_CHECK(s == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.delete_sas(h.ctx, "Corp-QM filter action", &e), &e, "delete_sas");
    check_unsupported(h.ops->spd.delete_qm_policy(h.ctx, "Corp-QM filter action", &e), &e, "delete_qm_policy");
    check_unsupported(h.ops->spd.delete_filter(h.ctx, "Corp tunnel", &e), &e, "delete_filter");
    mend_host_close(&h);
}

static int install_standin(void)
{
    wchar_t from[MAX_PATH], to[MAX_PATH];
    wt_helper(L"winipsec.dll", from, MAX_PATH);
    UINT len = GetSystemDirectoryW(to, MAX_PATH);
    swprintf(to + len, MAX_PATH - len, L"\\winipsec.dll");
    if (!CopyFileW(from, to, FALSE)) {
        fprintf(stderr, "cannot copy the stand-in to %ls: error %lu\n", to, (unsigned long)GetLastError());
        return -1;
    }
    return 0;
}

static void test_spd_lists_qm_policies_filters_and_sas(void)
{
    write_model();
    mend_host h = wt_host();
    mend_err e;
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    WT_CHECK(nq == 4, "%zu QM policies", nq);
    const mend_spd_qm_policy *corp = qm(q, nq, "Corp-QM filter action"), *old = qm(q, nq, "Old-QM filter action");
    const mend_spd_qm_policy *spare = qm(q, nq, "Spare QM");
    WT_CHECK(corp && strcmp(corp->guid, QA) == 0 && corp->flags == 0, "Corp's guid and flags");
    WT_CHECK(corp && corp->refs == 4, "Corp: two filters and two SAs reference it: %u", corp ? corp->refs : 0);
    WT_CHECK(corp && corp->pending_deletion == -1, "Windows' enumeration does not say pending: nil");
    WT_CHECK(old && old->flags == 2 && old->refs == 1, "Old: flags 2, its one SA");
    WT_CHECK(spare && spare->refs == 0, "Spare: no references");
    mend_spd_qm_policy_free_list(q, nq);

    mend_spd_filter *f = NULL;
    size_t nf = 0;
    WT_OK(h.ops->spd.filters(h.ctx, &f, &nf, &e), e);
    WT_CHECK(nf == 3, "%zu filters", nf);
    int transport = 0, tunnel = 0, permit = 0;
    for (size_t i = 0; i < nf; i++) {
        transport += !f[i].tunnel && strcmp(f[i].name, "Corp filter list") == 0 &&
                     strcmp(f[i].qm_policy, "Corp-QM filter action") == 0 &&
                     strcmp(f[i].guid, "{22222222-0000-4000-8000-000000000001}") == 0;
        tunnel += f[i].tunnel && strcmp(f[i].name, "Corp tunnel") == 0 &&
                  strcmp(f[i].qm_policy, "Corp-QM filter action") == 0;
        permit += !f[i].tunnel && strcmp(f[i].name, "Permit DHCP") == 0 && f[i].qm_policy[0] == '\0';
    }
    WT_CHECK(transport == 1 && tunnel == 1 && permit == 1, "filters: transport %d tunnel %d permit %d",
             transport, tunnel, permit);
    mend_spd_filter_free_list(f, nf);

    mend_spd_sa *s = NULL;
    size_t ns = 0;
    WT_OK(h.ops->spd.sas(h.ctx, &s, &ns, &e), e);
    WT_CHECK(ns == 5, "%zu SAs", ns);
    WT_CHECK(ns == 5 && s[0].id == 101 && strcmp(s[0].qm_policy, "Corp-QM filter action") == 0 &&
             s[2].id == 201 && strcmp(s[2].qm_policy, "Old-QM filter action") == 0,
             "SAs carry their inbound SPI and their QM policy's name");
    mend_spd_sa_free_list(s, ns);
    mend_host_close(&h);
}

static void test_spd_is_enumerated_once_per_pass(void)
{
    write_model();
    mend_host h = wt_host();
    win_ctx *c = h.ctx;
    mend_err e;
    mend_spd_qm_policy *q = NULL;
    mend_spd_filter *f = NULL;
    mend_spd_sa *s = NULL;
    size_t nq = 0, nf = 0, ns = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    WT_OK(h.ops->spd.filters(h.ctx, &f, &nf, &e), e);
    WT_OK(h.ops->spd.sas(h.ctx, &s, &ns, &e), e);
    WT_CHECK(c->spd_reads == 1, "three lists, %lu SPD reads", c->spd_reads);
    mend_spd_qm_policy_free_list(q, nq);
    mend_spd_filter_free_list(f, nf);
    mend_spd_sa_free_list(s, ns);
    WT_OK(h.ops->spd.delete_sas(h.ctx, "Branch-QM", &e), e);
    unsigned long after_change = c->spd_reads;
    WT_OK(h.ops->spd.sas(h.ctx, &s, &ns, &e), e);
    WT_CHECK(c->spd_reads == after_change + 1 && ns == 3, "after a change the SPD is read again: %zu SAs", ns);
    mend_spd_sa_free_list(s, ns);
    mend_host_close(&h);
}

static void test_delete_qm_policy_still_referenced_answers_0x32DF_and_stays_pending(void)
{
    write_model();
    mend_host h = wt_host();
    mend_err e;
    int rc = h.ops->spd.delete_qm_policy(h.ctx, "Corp-QM filter action", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_PENDING_DELETION && e.win32 == 13023, "rc %d: %s", rc, e.msg);
    WT_CHECK(strstr(e.msg, "Corp-QM filter action") && strstr(e.msg, "(0x32DF)"), "%s", e.msg);
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    const mend_spd_qm_policy *corp = qm(q, nq, "Corp-QM filter action");
    WT_CHECK(corp && corp->pending_deletion == 1 && corp->refs == 4, "still listed, pending deletion, 4 refs");
    mend_spd_qm_policy_free_list(q, nq);
    rc = h.ops->spd.delete_qm_policy(h.ctx, "corp-qm FILTER action", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_PENDING_DELETION, "a second delete (any letter case): %s", e.msg);
    mend_host_close(&h);
}

/* Old's only reference is its SA: once the SA goes, the pending policy goes with it. */
static void test_delete_sas_releases_a_pending_qm_policy(void)
{
    write_model();
    mend_host h = wt_host();
    mend_err e;
    int rc = h.ops->spd.delete_qm_policy(h.ctx, "Old-QM filter action", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_PENDING_DELETION, "%s", e.msg);
    WT_OK(h.ops->spd.delete_sas(h.ctx, "Old-QM filter action", &e), e);
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    WT_CHECK(nq == 3 && !qm(q, nq, "Old-QM filter action"), "Old is gone: %zu left", nq);
    mend_spd_qm_policy_free_list(q, nq);
    mend_host_close(&h);
}

static void test_delete_sas_then_delete_qm_policy_succeeds(void)
{
    write_model();
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->spd.delete_sas(h.ctx, "Branch-QM", &e), e);
    WT_OK(h.ops->spd.delete_qm_policy(h.ctx, "Branch-QM", &e), e);
    WT_OK(h.ops->spd.delete_qm_policy(h.ctx, "Spare QM", &e), e);
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    mend_spd_sa *s = NULL;
    size_t ns = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    WT_OK(h.ops->spd.sas(h.ctx, &s, &ns, &e), e);
    WT_CHECK(nq == 2 && !qm(q, nq, "Branch-QM") && !qm(q, nq, "Spare QM"), "both gone: %zu left", nq);
    WT_CHECK(ns == 3, "Branch's two SAs went, the others stay: %zu", ns);
    mend_spd_qm_policy_free_list(q, nq);
    mend_spd_sa_free_list(s, ns);
    char *text = wt_read_text(model_path);
    WT_CHECK(text && !strstr(text, QD) && !strstr(text, "Spare QM"), "the stand-in's SPD changed too");
    free(text);
    mend_host_close(&h);
}

static void test_spd_changes_of_an_unknown_qm_policy_are_not_found(void)
{
    write_model();
    mend_host h = wt_host();
    mend_err e;
    int rc = h.ops->spd.delete_qm_policy(h.ctx, "No such QM", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_NOT_FOUND && e.win32 == 13001 && strstr(e.msg, "No such QM"), "%s", e.msg);
    rc = h.ops->spd.delete_sas(h.ctx, "No such QM", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_NOT_FOUND && e.win32 == 13001, "%s", e.msg);
    mend_host_close(&h);
}

/* Each filter delete opens a handle on the filter as enumerated and deletes through it; the
 * pending QM policy goes with its last filter, and no handle is left open. */
static void test_delete_filter_by_name_and_guid_lets_its_pending_qm_policy_go(void)
{
    write_text(orphan_text);
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->spd.delete_filter(h.ctx, "gone FILTER list", &e), e);
    WT_CHECK(open_filter_handles() == 0, "no handle left open: %ld", open_filter_handles());
    WT_CHECK(filters_named(&h, "Gone filter list") == 0 && filters_named(&h, "Gone tunnel") == 1,
             "the transport filter went, the tunnel filter stays");
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    const mend_spd_qm_policy *gone = qm(q, nq, "Gone-QM");
    WT_CHECK(gone && gone->refs == 1, "Gone-QM stays while its tunnel filter references it");
    mend_spd_qm_policy_free_list(q, nq);
    WT_OK(h.ops->spd.delete_filter(h.ctx, "{22222222-0000-4000-8000-000000000005}", &e), e);
    WT_CHECK(open_filter_handles() == 0, "no handle left open after the tunnel delete");
    WT_OK(h.ops->spd.qm_policies(h.ctx, &q, &nq, &e), e);
    WT_CHECK(!qm(q, nq, "Gone-QM") && qm(q, nq, "Held-QM"), "Gone-QM went with its last filter; Held-QM stays");
    mend_spd_qm_policy_free_list(q, nq);
    char *text = wt_read_text(model_path);
    WT_CHECK(text && !strstr(text, "Gone") && strstr(text, "Held filter list"), "the stand-in's SPD changed too");
    free(text);
    mend_host_close(&h);
}

static void test_delete_filter_refused_closes_its_handle_and_keeps_the_filter(void)
{
    write_text(orphan_text);
    mend_host h = wt_host();
    mend_err e;
    int rc = h.ops->spd.delete_filter(h.ctx, "Held filter list", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_ACCESS_DENIED && e.win32 == ERROR_ACCESS_DENIED, "rc %d: %s", rc, e.msg);
    WT_CHECK(strstr(e.msg, "DeleteTransportFilter Held filter list") && strstr(e.msg, "(0x5)"), "%s", e.msg);
    WT_CHECK(open_filter_handles() == 0, "the handle was closed after the failed delete: %ld", open_filter_handles());
    WT_CHECK(filters_named(&h, "Held filter list") == 1, "the filter is still there");
    mend_host_close(&h);
}

static void test_delete_filter_unknown_or_ambiguous_deletes_nothing(void)
{
    write_text(orphan_text);
    mend_host h = wt_host();
    mend_err e;
    int rc = h.ops->spd.delete_filter(h.ctx, "No such filter", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_NOT_FOUND && e.win32 == 13009 && strstr(e.msg, "No such filter") &&
             strstr(e.msg, "(0x32D1)"), "%s", e.msg);
    rc = h.ops->spd.delete_filter(h.ctx, "TWIN", &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_INVALID && strstr(e.msg, "2 SPD filters are named 'TWIN'") &&
             strstr(e.msg, "GUID"), "%s", e.msg);
    WT_CHECK(filters_named(&h, "Twin") == 1 && filters_named(&h, "twin") == 1, "both twins stay");
    WT_OK(h.ops->spd.delete_filter(h.ctx, "{22222222-0000-4000-8000-000000000008}", &e), e);
    WT_CHECK(filters_named(&h, "Twin") == 1 && filters_named(&h, "twin") == 0, "by GUID: the one named");
    WT_CHECK(open_filter_handles() == 0, "no handle left open");
    mend_host_close(&h);
}

/* The stand-in answers as an SPD without its Policy Agent would: the RPC server is unavailable. */
static void test_spd_without_policy_agent_says_which_call_failed(void)
{
    SetEnvironmentVariableW(L"MEND_SPD_MODEL", L"C:\\no-such-folder\\spd.txt");
    mend_host h = wt_host();
    mend_err e;
    mend_spd_qm_policy *q = NULL;
    size_t nq = 0;
    int rc = h.ops->spd.qm_policies(h.ctx, &q, &nq, &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_IO && e.win32 == RPC_S_SERVER_UNAVAILABLE, "rc %d: %s", rc, e.msg);
    WT_CHECK(strstr(e.msg, "EnumQMPolicies (winipsec.dll) failed") && strstr(e.msg, "(0x6BA)"), "%s", e.msg);
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_spd_without_winipsec_in_system32_is_unsupported);
    if (install_standin() != 0)
        return 1;
    WT_RUN(test_spd_lists_qm_policies_filters_and_sas);
    WT_RUN(test_spd_is_enumerated_once_per_pass);
    WT_RUN(test_delete_qm_policy_still_referenced_answers_0x32DF_and_stays_pending);
    WT_RUN(test_delete_sas_releases_a_pending_qm_policy);
    WT_RUN(test_delete_sas_then_delete_qm_policy_succeeds);
    WT_RUN(test_spd_changes_of_an_unknown_qm_policy_are_not_found);
    WT_RUN(test_delete_filter_by_name_and_guid_lets_its_pending_qm_policy_go);
    WT_RUN(test_delete_filter_refused_closes_its_handle_and_keeps_the_filter);
    WT_RUN(test_delete_filter_unknown_or_ambiguous_deletes_nothing);
    WT_RUN(test_spd_without_policy_agent_says_which_call_failed);
    return wt_done();
}
