/* Wine tests of the win32 IPsec backend over the real policy store, through the stand-in netsh. */
#include "wt.h"

#include "win32/win_internal.h"

static wchar_t netsh_log[MAX_PATH];

/* Opens the host with the stand-in (or another program) as netsh. */
static mend_host host_with_netsh(const wchar_t *exe)
{
    wchar_t path[MAX_PATH];
    wt_helper(exe, path, MAX_PATH);
    SetEnvironmentVariableW(L"MEND_NETSH", path);
    return wt_host();
}

static size_t netsh_runs(void)
{
    char *log = wt_read_text(netsh_log);
    size_t n = 0;
    for (const char *p = log; p && (p = strstr(p, "netsh")) != NULL; p += 5)
        n++;
    free(log);
    return n;
}

static bool find_policy(mend_host *h, const char *name, mend_policy *out)
{
    mend_err e;
    return h->ops->ipsec.get(h->ctx, name, out, &e) == 0;
}

static void test_create_list_get_delete(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    WT_OK(h.ops->ipsec.create(h.ctx, "Corp-QM", "corporate quick mode", &e), e);
    mend_policy *list;
    size_t n;
    WT_OK(h.ops->ipsec.list(h.ctx, &list, &n, &e), e);
    WT_CHECK(n == 1, "%lu policies", (unsigned long)n);
    if (n == 1) {
        WT_CHECK(strcmp(list[0].name, "Corp-QM") == 0, "%s", list[0].name);
        WT_CHECK(strcmp(list[0].description, "corporate quick mode") == 0, "%s", list[0].description);
        WT_CHECK(strlen(list[0].guid) == 38 && list[0].guid[0] == '{', "%s", list[0].guid);
        WT_CHECK(strncmp(list[0].store_key, MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{",
                         strlen(MEND_IPSEC_STORE_ROOT) + 13) == 0, "%s", list[0].store_key);
        /* The store keeps no pending-deletion mark: the host says it cannot tell, and why. */
        WT_CHECK(list[0].state == MEND_POLICY_UNKNOWN, "state %d", list[0].state);
        WT_CHECK(list[0].state_reason && strstr(list[0].state_reason, "does not record"), "%s",
                 list[0].state_reason ? list[0].state_reason : "(no reason)");
        WT_CHECK(!list[0].assigned, "assigned");
        bool found = false;
        WT_OK(h.ops->reg.exists(h.ctx, list[0].store_key, &found, &e), e);
        WT_CHECK(found, "store key %s missing", list[0].store_key);
    }
    mend_policy_free_list(list, n);

    WT_OK(h.ops->ipsec.delete_(h.ctx, "Corp-QM", &e), e);
    mend_policy p;
    WT_CHECK(!find_policy(&h, "Corp-QM", &p), "still there after delete");
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Corp-QM", &e) != 0 && e.code == MEND_E_NOT_FOUND,
             "second delete: %s", e.msg);
    WT_CHECK(strstr(e.msg, "(0x2)") != NULL, "%s", e.msg);
    mend_host_close(&h);
}

static void test_create_existing_is_exists(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    WT_OK(h.ops->ipsec.create(h.ctx, "Dup-QM", "", &e), e);
    WT_CHECK(h.ops->ipsec.create(h.ctx, "Dup-QM", "", &e) != 0 && e.code == MEND_E_EXISTS,
             "%s", e.msg);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Dup-QM", &e), e);
    mend_host_close(&h);
}

static void test_assign_verified_by_active_policy(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    mend_policy p;
    WT_OK(h.ops->ipsec.create(h.ctx, "Assign-QM", "a", &e), e);
    WT_OK(h.ops->ipsec.assign(h.ctx, "Assign-QM", true, &e), e);
    WT_CHECK(find_policy(&h, "Assign-QM", &p) && p.assigned, "not assigned");
    mend_regval v;
    WT_OK(h.ops->reg.get(h.ctx, MEND_IPSEC_STORE_ROOT, "ActivePolicy", &v, &e), e);
    WT_CHECK(v.data && strstr((char *)v.data, strrchr(p.store_key, '\\') + 1) != NULL, "%s",
             v.data ? (char *)v.data : "");
    mend_regval_clear(&v);
    mend_policy_clear(&p);

    /* An assigned policy cannot be deleted: in_use, with netsh's words. */
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Assign-QM", &e) != 0 && e.code == MEND_E_IN_USE,
             "%s", e.msg);
    WT_CHECK(strstr(e.msg, "assigned") != NULL, "%s", e.msg);

    WT_OK(h.ops->ipsec.assign(h.ctx, "Assign-QM", false, &e), e);
    WT_CHECK(find_policy(&h, "Assign-QM", &p) && !p.assigned, "still assigned");
    mend_policy_clear(&p);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Assign-QM", &e), e);
    mend_host_close(&h);
}

static void test_stuck_policy_is_pending_deletion(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    mend_policy p;
    WT_OK(h.ops->ipsec.create(h.ctx, "Stuck-QM", "stuck", &e), e);
    WT_CHECK(find_policy(&h, "Stuck-QM", &p), "created policy missing");
    const unsigned char always[] = "always";
    WT_OK(h.ops->reg.set(h.ctx, p.store_key, "mendTestStuck", MEND_REG_SZ, always, 6, &e), e);
    mend_policy_clear(&p);

    /* Reading cannot tell it is stuck (and runs no netsh); the delete's answer can. */
    size_t runs = netsh_runs();
    WT_CHECK(find_policy(&h, "Stuck-QM", &p) && p.state == MEND_POLICY_UNKNOWN, "state %d", p.state);
    WT_CHECK(netsh_runs() == runs, "a read ran netsh");
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Stuck-QM", &e) != 0 && e.code == MEND_E_PENDING_DELETION,
             "%s", e.msg);
    WT_CHECK(e.win32 == 13023 && strstr(e.msg, "(0x32DF)") != NULL, "%s", e.msg);
    WT_CHECK(strstr(e.msg, "netsh said: ERR IPsec") != NULL, "netsh's text kept: %s", e.msg);
    bool found = false;
    WT_OK(h.ops->reg.exists(h.ctx, p.store_key, &found, &e), e);
    WT_CHECK(found, "the stuck policy's key must stay");
    WT_CHECK(h.ops->ipsec.assign(h.ctx, "Stuck-QM", true, &e) != 0 && e.code == MEND_E_PENDING_DELETION,
             "%s", e.msg);
    /* Still in the store: exists, refused before any netsh runs. */
    runs = netsh_runs();
    WT_CHECK(h.ops->ipsec.create(h.ctx, "Stuck-QM", "again", &e) != 0 && e.code == MEND_E_EXISTS,
             "%s", e.msg);
    WT_CHECK(netsh_runs() == runs, "create of a listed name ran netsh");

    /* Cleared (as a reboot would), the same policy deletes. */
    WT_OK(h.ops->reg.delete_value(h.ctx, p.store_key, "mendTestStuck", &e), e);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Stuck-QM", &e), e);
    mend_policy_clear(&p);
    mend_host_close(&h);
}

/* Stuck because a process holds it (the article's case): netsh's 13002 makes it in_use; the
 * backend no longer scans handles itself (Windows deletes a key while handles are open: the
 * handle check rung finds holders). Free once the holder is gone. */
static void test_held_stuck_policy_is_in_use(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    WT_OK(h.ops->ipsec.create(h.ctx, "Held-QM", "held", &e), e);
    wchar_t exe[MAX_PATH], ready[MAX_PATH], cmd[MAX_PATH * 3];
    wt_helper(L"holder.exe", exe, MAX_PATH);
    wt_temp(L"held-ready", ready, MAX_PATH);
    DeleteFileW(ready);
    swprintf(cmd, MAX_PATH * 3, L"\"%ls\" policy:Held-QM \"%ls\" mark", exe, ready);
    DWORD pid = 0;
    HANDLE proc = wt_spawn(cmd, &pid);
    WT_CHECK(proc && wt_wait_file(ready, 20000) == 0, "holder not ready");
    mend_policy p;
    WT_CHECK(find_policy(&h, "Held-QM", &p) && p.state == MEND_POLICY_UNKNOWN, "state %d", p.state);
    mend_policy_clear(&p);
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Held-QM", &e) != 0 && e.code == MEND_E_IN_USE && e.win32 == 13002,
             "%s", e.msg);
    WT_OK(h.ops->proc.kill(h.ctx, pid, &e), e);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Held-QM", &e), e);
    if (proc)
        CloseHandle(proc);
    mend_host_close(&h);
}

/* netsh's "cannot find the file specified" on a policy still in the store: not_found (0x2), the
 * article's sign for a restart of the Policy Agent. */
static void test_stale_and_unelevated_netsh_answers(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    mend_policy p;
    WT_OK(h.ops->ipsec.create(h.ctx, "Stale-QM", "stale", &e), e);
    WT_CHECK(find_policy(&h, "Stale-QM", &p), "created policy missing");
    WT_OK(h.ops->reg.set(h.ctx, p.store_key, "mendTestStuck", MEND_REG_SZ,
                         (const unsigned char *)"stale", 5, &e), e);
    mend_policy q;
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Stale-QM", &e) != 0 && e.code == MEND_E_NOT_FOUND && e.win32 == 2,
             "%s", e.msg);
    WT_CHECK(strstr(e.msg, "netsh said:") && strstr(e.msg, "(0x2)"), "%s", e.msg);
    WT_CHECK(find_policy(&h, "Stale-QM", &q), "the stale policy stays listed");
    mend_policy_clear(&q);
    /* Without elevation netsh refuses: access_denied, whatever its wording. */
    WT_OK(h.ops->reg.set(h.ctx, p.store_key, "mendTestStuck", MEND_REG_SZ,
                         (const unsigned char *)"denied", 6, &e), e);
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Stale-QM", &e) != 0 && e.code == MEND_E_ACCESS_DENIED &&
             e.win32 == 5, "%s", e.msg);
    WT_CHECK(h.ops->ipsec.assign(h.ctx, "Stale-QM", true, &e) != 0 && e.code == MEND_E_ACCESS_DENIED,
             "%s", e.msg);
    WT_OK(h.ops->reg.delete_value(h.ctx, p.store_key, "mendTestStuck", &e), e);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Stale-QM", &e), e);
    mend_policy_clear(&p);
    mend_host_close(&h);
}

/* netsh exits 0 whatever happens: a netsh that does nothing must not count as success. */
static void test_netsh_exit_code_not_trusted(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    WT_OK(h.ops->ipsec.create(h.ctx, "Liar-QM", "", &e), e);
    mend_host_close(&h);

    SetEnvironmentVariableW(L"MEND_TEST_TOOL_LOG", NULL);
    h = host_with_netsh(L"fake_tool.exe");
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Liar-QM", &e) != 0 && e.code == MEND_E_IO, "%s", e.msg);
    WT_CHECK(strstr(e.msg, "unchanged") != NULL, "%s", e.msg);
    WT_CHECK(h.ops->ipsec.create(h.ctx, "Liar-2", "", &e) != 0 && e.code == MEND_E_IO, "%s", e.msg);
    mend_host_close(&h);

    h = host_with_netsh(L"no-such-netsh.exe");
    WT_CHECK(h.ops->ipsec.delete_(h.ctx, "Liar-QM", &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    WT_CHECK(strstr(e.msg, "no-such-netsh.exe") != NULL, "the message names the program: %s", e.msg);
    mend_host_close(&h);

    h = host_with_netsh(L"netsh.exe");
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Liar-QM", &e), e);
    mend_host_close(&h);
}

static void test_names_with_shell_characters_inject_nothing(void)
{
    static const char *const names[] = {
        "A & echo pwned > C:\\canary.txt",
        "B | echo pwned > C:\\canary.txt",
        "%PATH% and %COMSPEC%",
        "C ^& D ^| E",
        "  spaced  name  ",
        "semi;colon, comma",
        "'single' quotes",
        "trailing backslash\\",
        "x name=y assign=y description=z",
        "tab-less <redirect> and (parens) !bang!",
        "\xc3\x9c" "n\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe7\xad\x96\xe7\x95\xa5 \xe2\x9c\x93",
    };
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *name = names[i];
        size_t runs = netsh_runs();
        WT_OK(h.ops->ipsec.create(h.ctx, name, "desc & | % ^", &e), e);
        WT_CHECK(netsh_runs() == runs + 1, "one netsh run per create (%s)", name);
        mend_policy p;
        WT_CHECK(find_policy(&h, name, &p), "'%s' not in the store under its exact name", name);
        if (p.name) {
            WT_CHECK(strcmp(p.name, name) == 0, "'%s' came back as '%s'", name, p.name);
            WT_CHECK(strcmp(p.description, "desc & | % ^") == 0, "%s", p.description);
            WT_CHECK(!p.assigned, "'%s' got assigned by its own name", name);
        }
        mend_policy_clear(&p);
        WT_OK(h.ops->ipsec.assign(h.ctx, name, true, &e), e);
        WT_OK(h.ops->ipsec.assign(h.ctx, name, false, &e), e);
        WT_OK(h.ops->ipsec.delete_(h.ctx, name, &e), e);
    }
    /* The netsh log shows each name arriving as one argument, untouched. */
    char *log = wt_read_text(netsh_log);
    WT_CHECK(log && strstr(log, "[name=A & echo pwned > C:\\canary.txt]") != NULL, "log: %s", log);
    WT_CHECK(log && strstr(log, "[name=trailing backslash\\]") != NULL, "log: %s", log);
    free(log);
    WT_CHECK(GetFileAttributesW(L"C:\\canary.txt") == INVALID_FILE_ATTRIBUTES,
             "a shell ran: C:\\canary.txt exists");
    mend_host_close(&h);
}

static void test_unpassable_names_refused_before_netsh(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    static const char *const bad[] = { "quote\" name=\"other", "new\nline", "car\rriage", "tab\tname" };
    size_t runs = netsh_runs();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        WT_CHECK(h.ops->ipsec.create(h.ctx, bad[i], "", &e) != 0 && e.code == MEND_E_INVALID,
                 "%s", e.msg);
        WT_CHECK(strstr(e.msg, "cannot be passed to netsh safely") != NULL, "%s", e.msg);
    }
    WT_CHECK(h.ops->ipsec.create(h.ctx, "ok-name", "desc with \" quote", &e) != 0 &&
             e.code == MEND_E_INVALID, "%s", e.msg);
    WT_CHECK(h.ops->ipsec.create(h.ctx, "bad-utf8 \xff", "", &e) != 0 && e.code == MEND_E_INVALID,
             "%s", e.msg);
    WT_CHECK(netsh_runs() == runs, "netsh ran for a refused name");
    mend_host_close(&h);
}

static void test_standin_speaks_show_policy(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    WT_OK(h.ops->ipsec.create(h.ctx, "Shown-QM", "visible", &e), e);
    wchar_t cmd[MAX_PATH * 2], exe[MAX_PATH];
    wt_helper(L"netsh.exe", exe, MAX_PATH);
    swprintf(cmd, MAX_PATH * 2, L"\"%ls\" ipsec static show policy all", exe);
    char *out;
    WT_CHECK(wt_capture(cmd, &out) == 0, "show all failed");
    WT_CHECK(out && strstr(out, "Policy Name            : Shown-QM") != NULL, "%s", out);
    WT_CHECK(out && strstr(out, "Description            : visible") != NULL, "%s", out);
    free(out);
    swprintf(cmd, MAX_PATH * 2, L"\"%ls\" ipsec static show policy name=\"Nope\"", exe);
    WT_CHECK(wt_capture(cmd, &out) == 0, "netsh exits 0 on failure");
    WT_CHECK(out && strstr(out, "does not exist") != NULL, "%s", out);
    free(out);
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Shown-QM", &e), e);
    mend_host_close(&h);
}

static void test_missing_store_lists_nothing(void)
{
    mend_host h = host_with_netsh(L"netsh.exe");
    mend_err e;
    bool found = true;
    WT_OK(h.ops->reg.exists(h.ctx, MEND_IPSEC_STORE_ROOT, &found, &e), e);
    if (found)
        WT_OK(h.ops->reg.delete_key(h.ctx, MEND_IPSEC_STORE_ROOT, true, &e), e);
    mend_policy *list;
    size_t n = 99;
    WT_OK(h.ops->ipsec.list(h.ctx, &list, &n, &e), e);
    WT_CHECK(n == 0, "%lu", (unsigned long)n);
    mend_policy_free_list(list, n);
    mend_policy p;
    WT_CHECK(h.ops->ipsec.get(h.ctx, "x", &p, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    mend_host_close(&h);
}

#define BULK 1000

/* BULK policies written straight into the store, as netsh would leave them. */
static void make_bulk_store(void)
{
    HKEY st;
    if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local",
                        0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, &st, NULL) != ERROR_SUCCESS)
        return;
    for (int i = 0; i < BULK; i++) {
        wchar_t key[80], guid[48], name[32];
        swprintf(guid, 48, L"{00000000-0000-4000-8000-%012d}", i);
        swprintf(key, 80, L"ipsecPolicy%ls", guid);
        swprintf(name, 32, L"Bulk-%04d", i);
        HKEY k;
        if (RegCreateKeyExW(st, key, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, &k, NULL) != ERROR_SUCCESS)
            continue;
        RegSetValueExW(k, L"ipsecName", 0, REG_SZ, (const BYTE *)name, (DWORD)((wcslen(name) + 1) * 2));
        RegSetValueExW(k, L"ipsecID", 0, REG_SZ, (const BYTE *)guid, (DWORD)((wcslen(guid) + 1) * 2));
        RegSetValueExW(k, L"description", 0, REG_SZ, (const BYTE *)L"bulk", 10);
        RegCloseKey(k);
    }
    RegCloseKey(st);
}

/* Issue 10: reads never write. With 1,000 policies, listing and getting start no netsh at all
 * and read the store once; a change through the host makes the next read a fresh one; a
 * delete starts exactly one netsh. */
static void test_reads_start_no_netsh_and_read_the_store_once(void)
{
    make_bulk_store();
    mend_host h = host_with_netsh(L"netsh.exe");
    win_ctx *c = h.ctx;
    mend_err e;
    size_t runs = netsh_runs();
    unsigned long reads = c->store_reads;
    mend_policy *list;
    size_t n = 0;
    WT_OK(h.ops->ipsec.list(h.ctx, &list, &n, &e), e);
    WT_CHECK(n >= BULK, "%lu policies", (unsigned long)n);
    size_t unknown = 0;
    for (size_t i = 0; i < n; i++)
        unknown += list[i].state == MEND_POLICY_UNKNOWN;
    WT_CHECK(unknown == n, "%lu of %lu unknown", (unsigned long)unknown, (unsigned long)n);
    mend_policy_free_list(list, n);
    mend_policy p;
    for (int i = 0; i < BULK; i += 97) {
        char name[32];
        snprintf(name, sizeof name, "Bulk-%04d", i);
        WT_CHECK(find_policy(&h, name, &p), "%s missing", name);
        mend_policy_clear(&p);
    }
    WT_OK(h.ops->ipsec.list(h.ctx, &list, &n, &e), e);
    mend_policy_free_list(list, n);
    WT_CHECK(netsh_runs() == runs, "reads started %lu netsh", (unsigned long)(netsh_runs() - runs));
    WT_CHECK(c->store_reads == reads + 1, "the store was read %lu times", c->store_reads - reads);

    /* A change mend makes (here a registry write) drops the snapshot. */
    WT_OK(h.ops->reg.set(h.ctx, MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{00000000-0000-4000-8000-000000000007}",
                         "description", MEND_REG_SZ, (const unsigned char *)"changed", 7, &e), e);
    WT_CHECK(find_policy(&h, "Bulk-0007", &p) && p.description && strcmp(p.description, "changed") == 0,
             "the change is not seen: %s", p.description ? p.description : "(none)");
    mend_policy_clear(&p);
    WT_CHECK(c->store_reads == reads + 2, "the store was read %lu times", c->store_reads - reads);

    /* One change, one netsh; verified by a fresh read that then serves the next get. */
    runs = netsh_runs();
    WT_OK(h.ops->ipsec.delete_(h.ctx, "Bulk-0500", &e), e);
    WT_CHECK(netsh_runs() == runs + 1, "%lu netsh for one delete", (unsigned long)(netsh_runs() - runs));
    reads = c->store_reads;
    WT_CHECK(!find_policy(&h, "Bulk-0500", &p), "still listed after the delete");
    WT_CHECK(c->store_reads == reads, "the get after a verified delete read the store again");
    mend_host_close(&h);
    HKEY st;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy", 0,
                      KEY_ALL_ACCESS | KEY_WOW64_64KEY, &st) == ERROR_SUCCESS) {
        RegDeleteTreeW(st, L"Local");
        RegCloseKey(st);
    }
}

int main(void)
{
    wt_temp(L"netsh-log.txt", netsh_log, MAX_PATH);
    DeleteFileW(netsh_log);
    SetEnvironmentVariableW(L"MEND_TEST_NETSH_LOG", netsh_log);
    WT_RUN(test_missing_store_lists_nothing);
    WT_RUN(test_create_list_get_delete);
    WT_RUN(test_create_existing_is_exists);
    WT_RUN(test_assign_verified_by_active_policy);
    WT_RUN(test_stuck_policy_is_pending_deletion);
    WT_RUN(test_held_stuck_policy_is_in_use);
    WT_RUN(test_stale_and_unelevated_netsh_answers);
    WT_RUN(test_netsh_exit_code_not_trusted);
    WT_RUN(test_names_with_shell_characters_inject_nothing);
    WT_RUN(test_unpassable_names_refused_before_netsh);
    WT_RUN(test_standin_speaks_show_policy);
    WT_RUN(test_reads_start_no_netsh_and_read_the_store_once);
    return wt_done();
}
