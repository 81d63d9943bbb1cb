/* Processes: the Toolhelp32 list with Windows' critical mark, and TerminateProcess with a wait for the exit. */
#include "win_internal.h"

#include <tlhelp32.h>
#include <winternl.h>

#include <stdlib.h>
#include <string.h>

#define KILL_WAIT_MS 10000u

typedef BOOL(WINAPI *is_process_critical_fn)(HANDLE, PBOOL);

/* Whether Windows marks the process critical (its exit bugchecks the machine).
 * IsProcessCritical exists from Windows 8.1 / Server 2012 R2 only, so it is looked up in the
 * already-loaded kernel32; NtQueryInformationProcess(ProcessBreakOnTermination) answers the
 * same question on older systems (both: Microsoft Learn). A process we cannot open counts as
 * not marked: the binding's name set still covers Windows' own critical processes. */
bool win_process_is_marked_critical(HANDLE h)
{
    static is_process_critical_fn is_critical;
    static bool looked_up;
    if (!looked_up) {
        HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
        FARPROC fn = k32 ? GetProcAddress(k32, "IsProcessCritical") : NULL;
        memcpy(&is_critical, &fn, sizeof is_critical);
        looked_up = true;
    }
    BOOL critical = FALSE;
    if (is_critical && is_critical(h, &critical))
        return critical != FALSE;
    ULONG brk = 0;
    if (NtQueryInformationProcess(h, ProcessBreakOnTermination, &brk, sizeof brk, NULL) >= 0)
        return brk != 0;
    return false;
}

/* The image path and the critical mark, from one limited-information handle. */
static char *image_path(DWORD pid, bool *critical)
{
    *critical = false;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!h)
        return mend_strdup("");
    wchar_t buf[MAX_PATH * 4];
    DWORD len = sizeof buf / sizeof buf[0];
    char *path = QueryFullProcessImageNameW(h, 0, buf, &len) ? win_utf8(buf, (int)len) : mend_strdup("");
    *critical = win_process_is_marked_critical(h);
    CloseHandle(h);
    return path;
}

int win_proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return win_err(e, GetLastError(), "cannot list processes");
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof pe;
    mend_process *list = NULL;
    size_t got = 0, cap = 0;
    int ret = 0;
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        if (got == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            mend_process *grown = realloc(list, ncap * sizeof *list);
            if (!grown) {
                ret = win_err_oom(e);
                break;
            }
            list = grown;
            cap = ncap;
        }
        mend_process *p = &list[got];
        p->pid = pe.th32ProcessID;
        p->ppid = pe.th32ParentProcessID;
        p->name = win_utf8(pe.szExeFile, -1);
        p->path = image_path(pe.th32ProcessID, &p->critical);
        if (p->name && mend_process_is_critical_name(p->pid, p->name))
            p->critical = true;
        got++;
        if (!p->name || !p->path) {
            ret = win_err_oom(e);
            break;
        }
    }
    CloseHandle(snap);
    if (ret != 0) {
        mend_process_free_list(list, got);
        return -1;
    }
    *out = list;
    *n = got;
    return 0;
}

int win_proc_kill(void *ctx, uint32_t pid, mend_err *e)
{
    /* The binding refuses protected names; the idle and System pids are refused here too. */
    if (pid == 0 || pid == 4)
        return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                            "process %lu is a system process and is never stopped", (unsigned long)pid);
    if (pid == GetCurrentProcessId())
        return mend_err_set(e, MEND_E_INVALID, 0, "refusing to stop mend itself (pid %lu)",
                            (unsigned long)pid);
    HANDLE h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
                           FALSE, pid);
    if (!h) {
        DWORD err = GetLastError();
        /* OpenProcess answers "parameter is incorrect" for a pid that does not exist. */
        if (err == ERROR_INVALID_PARAMETER)
            return mend_err_set(e, MEND_E_NOT_FOUND, 0, "no process has pid %lu", (unsigned long)pid);
        return win_err(e, err, "cannot open process %lu", (unsigned long)pid);
    }
    /* Asked again on the handle we would terminate: the list the binding checked may be old. */
    if (win_process_is_marked_critical(h)) {
        CloseHandle(h);
        return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                            "process %lu is marked critical by Windows and is never stopped",
                            (unsigned long)pid);
    }
    int ret = 0;
    if (!TerminateProcess(h, 1)) {
        DWORD err = GetLastError();
        DWORD code;
        /* Terminating a process that is already exiting fails with access denied. */
        if (!(GetExitCodeProcess(h, &code) && code != STILL_ACTIVE))
            ret = win_err(e, err, "cannot stop process %lu", (unsigned long)pid);
    }
    if (ret == 0 && WaitForSingleObject(h, KILL_WAIT_MS) != WAIT_OBJECT_0)
        ret = mend_err_set(e, MEND_E_TIMEOUT, 0, "process %lu did not exit within %u s",
                           (unsigned long)pid, KILL_WAIT_MS / 1000);
    CloseHandle(h);
    return ret;
}
