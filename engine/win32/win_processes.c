/* Processes: the Toolhelp32 list and TerminateProcess with a wait for the exit. */
#include "win_internal.h"

#include <tlhelp32.h>

#include <stdlib.h>
#include <string.h>

#define KILL_WAIT_MS 10000u

static char *image_path(DWORD pid)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!h)
        return mend_strdup("");
    wchar_t buf[MAX_PATH * 4];
    DWORD len = sizeof buf / sizeof buf[0];
    char *path = QueryFullProcessImageNameW(h, 0, buf, &len) ? win_utf8(buf, (int)len) : mend_strdup("");
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
        p->path = image_path(pe.th32ProcessID);
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
