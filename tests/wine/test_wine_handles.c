/* Wine tests of the win32 process and handle backends: the list, kill, and a handle scan that finds
 * a policy key's holder (with SeDebugPrivilege put back as it was) and completes while a process
 * blocks on a synchronous pipe. */
#include "wt.h"

#include "win32/win_internal.h"

#define POLICY_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{11111111-2222-3333-4444-555555555555}"
#define POLICY_NT "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{11111111-2222-3333-4444-555555555555}"

static HANDLE start_helper(const wchar_t *exe, const wchar_t *args, const wchar_t *ready, DWORD *pid)
{
    wchar_t path[MAX_PATH], cmd[MAX_PATH * 4];
    wt_helper(exe, path, MAX_PATH);
    DeleteFileW(ready);
    swprintf(cmd, MAX_PATH * 4, L"\"%ls\" %ls \"%ls\"", path, args, ready);
    HANDLE h = wt_spawn(cmd, pid);
    WT_CHECK(h && wt_wait_file(ready, 20000) == 0, "%ls did not get ready", exe);
    return h;
}

/* Creates the test policy's key and starts holder.exe holding it open. */
static HANDLE start_policy_holder(const wchar_t *ready_name, DWORD *pid)
{
    HKEY k;
    WT_CHECK(RegCreateKeyExW(HKEY_LOCAL_MACHINE, POLICY_SUB, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY,
                             NULL, &k, NULL) == ERROR_SUCCESS, "create policy key");
    RegCloseKey(k);
    wchar_t ready[MAX_PATH];
    wt_temp(ready_name, ready, MAX_PATH);
    return start_helper(L"holder.exe", POLICY_SUB, ready, pid);
}

/* Every handle on the test policy's key, by its NT name. */
static void scan_policy_key(mend_host *h, mend_handle **list, size_t *n)
{
    mend_err e;
    mend_handle_filter f;
    memset(&f, 0, sizeof f);
    f.name = POLICY_NT;
    WT_OK(h->ops->handles.scan(h->ctx, &f, list, n, &e), e);
}

static bool listed(mend_host *h, uint32_t pid, const char *name)
{
    mend_process *list;
    size_t n;
    mend_err e;
    bool hit = false;
    if (h->ops->proc.list(h->ctx, &list, &n, &e) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (list[i].pid == pid && (!name || _stricmp(list[i].name, name) == 0))
            hit = true;
    mend_process_free_list(list, n);
    return hit;
}

static void test_process_list_has_us(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_process *list;
    size_t n;
    WT_OK(h.ops->proc.list(h.ctx, &list, &n, &e), e);
    bool self = false;
    for (size_t i = 0; i < n; i++) {
        if (list[i].pid != GetCurrentProcessId())
            continue;
        self = true;
        WT_CHECK(_stricmp(list[i].name, "test_wine_handles.exe") == 0, "%s", list[i].name);
        WT_CHECK(strstr(list[i].path, "test_wine_handles.exe") != NULL, "path '%s'", list[i].path);
    }
    WT_CHECK(self && n > 3, "%lu processes, self %d", (unsigned long)n, self);
    mend_process_free_list(list, n);
    mend_host_close(&h);
}

static void test_system_pids_refused_and_missing_pid_not_found(void)
{
    mend_host h = wt_host();
    mend_err e;
    WT_CHECK(h.ops->proc.kill(h.ctx, 0, &e) != 0 && e.code == MEND_E_NOT_PERMITTED, "%s", e.msg);
    WT_CHECK(h.ops->proc.kill(h.ctx, 4, &e) != 0 && e.code == MEND_E_NOT_PERMITTED, "%s", e.msg);
    WT_CHECK(h.ops->proc.kill(h.ctx, GetCurrentProcessId(), &e) != 0 && e.code == MEND_E_INVALID, "%s", e.msg);
    WT_CHECK(h.ops->proc.kill(h.ctx, 0x7ffffff0u, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    mend_host_close(&h);
}

static void test_holder_found_by_scan_and_killed(void)
{
    mend_host h = wt_host();
    mend_err e;
    DWORD pid = 0;
    HANDLE proc = start_policy_holder(L"holder-ready", &pid);

    /* By NT name (what handles.holders passes), in another case than Wine's answer. */
    mend_handle *list;
    size_t n;
    scan_policy_key(&h, &list, &n);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (list[i].pid != pid)
            continue;
        found = true;
        WT_CHECK(strcmp(list[i].type, "Key") == 0, "type %s", list[i].type);
        WT_CHECK(_stricmp(list[i].name, POLICY_NT) == 0, "name %s", list[i].name);
        WT_CHECK(_stricmp(list[i].process, "holder.exe") == 0, "process %s", list[i].process);
        WT_CHECK(list[i].handle != 0 && list[i].access != 0, "handle %llu access %lx",
                 (unsigned long long)list[i].handle, (unsigned long)list[i].access);
    }
    WT_CHECK(found, "the holder (pid %lu) is not among %lu handles", (unsigned long)pid, (unsigned long)n);
    mend_handle_free_list(list, n);

    /* By HKLM path and with every filter at once. */
    mend_handle_filter f;
    memset(&f, 0, sizeof f);
    f.name = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecpolicy{11111111";
    f.has_pid = true;
    f.pid = pid;
    f.process = "HOLDER.EXE";
    f.type = "key";
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    WT_CHECK(n == 1 && list[0].pid == pid, "%lu handles with every filter", (unsigned long)n);
    mend_handle_free_list(list, n);
    f.process = "other.exe";
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    WT_CHECK(n == 0, "process filter: %lu", (unsigned long)n);
    mend_handle_free_list(list, n);

    WT_CHECK(listed(&h, pid, "holder.exe"), "the holder is listed");
    mend_process *procs;
    size_t np;
    WT_OK(h.ops->proc.list(h.ctx, &procs, &np, &e), e);
    for (size_t i = 0; i < np; i++)
        if (procs[i].pid == pid)
            WT_CHECK(procs[i].ppid == GetCurrentProcessId(), "the holder's parent is %lu",
                     (unsigned long)procs[i].ppid);
    mend_process_free_list(procs, np);
    WT_OK(h.ops->proc.kill(h.ctx, pid, &e), e);
    WT_CHECK(proc && WaitForSingleObject(proc, 0) == WAIT_OBJECT_0, "the holder still runs");
    WT_CHECK(!listed(&h, pid, NULL), "the holder is still listed");
    scan_policy_key(&h, &list, &n);
    for (size_t i = 0; i < n; i++)
        WT_CHECK(list[i].pid != pid, "a dead holder's handle remains");
    mend_handle_free_list(list, n);
    if (proc)
        CloseHandle(proc);
    mend_host_close(&h);
}

/* SeDebugPrivilege's enabled bit in our token; -1 when the token lacks it. */
static int debug_enabled(void)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -1;
    LUID luid;
    BYTE buf[8192];
    DWORD len = 0;
    int state = -1;
    if (LookupPrivilegeValueW(NULL, SE_DEBUG_NAME, &luid) &&
        GetTokenInformation(tok, TokenPrivileges, buf, sizeof buf, &len)) {
        const TOKEN_PRIVILEGES *tp = (const TOKEN_PRIVILEGES *)buf;
        for (DWORD i = 0; i < tp->PrivilegeCount; i++)
            if (tp->Privileges[i].Luid.LowPart == luid.LowPart && tp->Privileges[i].Luid.HighPart == luid.HighPart)
                state = (tp->Privileges[i].Attributes & SE_PRIVILEGE_ENABLED) != 0;
    }
    CloseHandle(tok);
    return state;
}

static void set_debug(bool on)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok))
        return;
    TOKEN_PRIVILEGES tp;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = on ? SE_PRIVILEGE_ENABLED : 0;
    if (LookupPrivilegeValueW(NULL, SE_DEBUG_NAME, &tp.Privileges[0].Luid))
        AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
    CloseHandle(tok);
}

/* The scan enables SeDebugPrivilege for itself and leaves the token as it found it, disabled
 * or enabled; the holder is found either way, and the unseen list is readable. */
static void test_scan_under_debug_privilege_restores_the_token(void)
{
    mend_host h = wt_host();
    mend_err e;
    DWORD pid = 0;
    HANDLE proc = start_policy_holder(L"holder-ready-priv", &pid);
    int initial = debug_enabled();
    for (int round = 0; round < 2; round++) {
        bool before = round == 1;
        set_debug(before);
        int was = debug_enabled();
        mend_handle *list;
        size_t n;
        scan_policy_key(&h, &list, &n);
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found = found || list[i].pid == pid;
        WT_CHECK(found, "round %d: the holder (pid %lu) is not found", round, (unsigned long)pid);
        mend_handle_free_list(list, n);
        WT_CHECK(debug_enabled() == was, "round %d: SeDebugPrivilege %d before the scan, %d after",
                 round, was, debug_enabled());
        mend_unseen *u;
        size_t nu;
        WT_OK(h.ops->handles.unseen(h.ctx, &u, &nu, &e), e);
        for (size_t i = 0; i < nu; i++)
            WT_CHECK(u[i].pid != pid && u[i].error[0], "round %d: the holder reported unseen", round);
        mend_unseen_free_list(u, nu);
    }
    set_debug(initial == 1);
    /* A normal process is not marked critical. */
    mend_process *procs;
    size_t np;
    WT_OK(h.ops->proc.list(h.ctx, &procs, &np, &e), e);
    for (size_t i = 0; i < np; i++)
        if (procs[i].pid == pid || procs[i].pid == GetCurrentProcessId())
            WT_CHECK(!procs[i].critical, "%s is marked critical", procs[i].name);
    mend_process_free_list(procs, np);
    HANDLE self = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, GetCurrentProcessId());
    WT_CHECK(self && !win_process_is_marked_critical(self), "this test is marked critical");
    if (self)
        CloseHandle(self);
    WT_OK(h.ops->proc.kill(h.ctx, pid, &e), e);
    if (proc)
        CloseHandle(proc);
    mend_host_close(&h);
}

static void test_scan_completes_while_a_pipe_read_blocks(void)
{
    mend_host h = wt_host();
    mend_err e;
    wchar_t ready[MAX_PATH];
    wt_temp(L"pipe-ready", ready, MAX_PATH);
    DWORD pid = 0;
    HANDLE proc = start_helper(L"pipe_blocker.exe", L"", ready, &pid);
    mend_handle_filter f;
    memset(&f, 0, sizeof f);
    mend_handle *list;
    size_t n;
    /* The whole system, names included: must come back. */
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    size_t mine = 0, files = 0;
    for (size_t i = 0; i < n; i++) {
        if (list[i].pid == pid)
            mine++;
        if (strcmp(list[i].type, "File") == 0)
            files++;
    }
    WT_CHECK(n > 50 && mine > 0 && files > 0, "%lu handles, %lu of the blocker, %lu files",
             (unsigned long)n, (unsigned long)mine, (unsigned long)files);
    mend_handle_free_list(list, n);
    f.has_pid = true;
    f.pid = pid;
    f.type = "File";
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    WT_CHECK(n >= 2, "the blocker's pipe handles: %lu", (unsigned long)n);
    mend_handle_free_list(list, n);
    if (proc) {
        TerminateProcess(proc, 0);
        CloseHandle(proc);
    }
    mend_host_close(&h);
}

/* A name query that never returns for the test's "hang" events: what NtQueryObject does on a
 * synchronous pipe on Windows. It blocks holding no lock, as the real call does. */
static wchar_t *hanging_query(HANDLE obj, bool is_file)
{
    wchar_t *name = win_object_name(obj);
    if (name && wcsstr(name, L"mend-test-hang")) {
        free(name);
        Sleep(INFINITE);
    }
    return name;
}

static void test_hung_name_query_is_abandoned(void)
{
    mend_host h = wt_host();
    mend_err e;
    HANDLE ev[4];
    ev[0] = CreateEventW(NULL, TRUE, FALSE, L"mend-test-hang-1");
    ev[1] = CreateEventW(NULL, TRUE, FALSE, L"mend-test-hang-2");
    ev[2] = CreateEventW(NULL, TRUE, FALSE, L"mend-test-hang-3");
    ev[3] = CreateEventW(NULL, TRUE, FALSE, L"mend-test-named-ok");
    win_handles_name_query_hook = hanging_query;
    mend_handle_filter f;
    memset(&f, 0, sizeof f);
    f.has_pid = true;
    f.pid = GetCurrentProcessId();
    f.type = "Event";
    mend_handle *list;
    size_t n;
    DWORD t0 = GetTickCount();
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    DWORD took = GetTickCount() - t0;
    WT_CHECK(took < 15000, "three hung queries took %lu ms", (unsigned long)took);
    bool ok_named = false;
    size_t unnamed = 0;
    for (size_t i = 0; i < n; i++) {
        WT_CHECK(!strstr(list[i].name, "mend-test-hang"), "a hung query produced a name");
        if (strstr(list[i].name, "mend-test-named-ok"))
            ok_named = true;
        if (!list[i].name[0])
            unnamed++;
    }
    WT_CHECK(ok_named, "the replacement worker still names handles (%lu events)", (unsigned long)n);
    WT_CHECK(unnamed >= 3, "the hung handles are listed without a name (%lu)", (unsigned long)unnamed);
    mend_handle_free_list(list, n);
    /* Asking for a hanging name by filter completes too, and finds nothing. */
    f.type = NULL;
    f.name = "mend-test-hang";
    WT_OK(h.ops->handles.scan(h.ctx, &f, &list, &n, &e), e);
    WT_CHECK(n == 0, "%lu", (unsigned long)n);
    mend_handle_free_list(list, n);
    win_handles_name_query_hook = NULL;
    for (int i = 0; i < 4; i++)
        CloseHandle(ev[i]);
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_process_list_has_us);
    WT_RUN(test_system_pids_refused_and_missing_pid_not_found);
    WT_RUN(test_holder_found_by_scan_and_killed);
    WT_RUN(test_scan_under_debug_privilege_restores_the_token);
    WT_RUN(test_scan_completes_while_a_pipe_read_blocks);
    WT_RUN(test_hung_name_query_is_abandoned);
    return wt_done();
}
