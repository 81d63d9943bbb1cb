/* System helpers: gpupdate, reboot, admin check, OS name, the resume task's door, sleep and clock. */
#include "win_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* gpupdate returns once /wait has passed (policy processing goes on); the process is given
 * this much more before mend gives up on it. */
#define GPUPDATE_SLACK_MS 30000u
#define REBOOT_DELAY_S 30u

int win_sys_gpupdate(void *ctx, bool force, unsigned wait_s, mend_err *e)
{
    char args[48];
    mend_gpupdate_args(force, wait_s, args, sizeof args);
    wchar_t *wargs = win_wide(args, e);
    wchar_t *exe = wargs ? win_tool_path(L"gpupdate.exe") : NULL;
    if (!exe) {
        free(wargs);
        return wargs ? win_err_oom(e) : -1;
    }
    win_child_result r;
    int ret = win_child_run(exe, wargs, wait_s * 1000u + GPUPDATE_SLACK_MS, &r, e);
    free(exe);
    free(wargs);
    if (ret != 0)
        return -1;
    if (r.exit_code != 0) {
        size_t n = strlen(r.output);
        while (n > 0 && (r.output[n - 1] == '\n' || r.output[n - 1] == '\r' || r.output[n - 1] == ' '))
            r.output[--n] = '\0';
        ret = mend_err_set(e, MEND_E_IO, r.exit_code, "gpupdate failed (exit code %lu): %.300s",
                           (unsigned long)r.exit_code, r.output);
    }
    win_child_result_clear(&r);
    return ret;
}

static int enable_privilege(const wchar_t *name, mend_err *e)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok))
        return win_err(e, GetLastError(), "cannot open this process's token");
    TOKEN_PRIVILEGES tp;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    int ret = 0;
    if (!LookupPrivilegeValueW(NULL, name, &tp.Privileges[0].Luid))
        ret = win_err(e, GetLastError(), "cannot look up the shutdown privilege");
    /* AdjustTokenPrivileges succeeds without granting what the token lacks: check the code. */
    else if (!AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL) || GetLastError() != ERROR_SUCCESS)
        ret = win_err(e, GetLastError(), "cannot enable the shutdown privilege");
    CloseHandle(tok);
    return ret;
}

int win_sys_reboot(void *ctx, const char *reason, mend_err *e)
{
    wchar_t *msg = win_wide(reason && reason[0] ? reason : "mend: restart to finish an IPsec repair", e);
    if (!msg)
        return -1;
    int ret = enable_privilege(SE_SHUTDOWN_NAME, e);
    if (ret == 0 && !InitiateSystemShutdownExW(NULL, msg, REBOOT_DELAY_S, FALSE, TRUE,
                                               SHTDN_REASON_MAJOR_APPLICATION |
                                               SHTDN_REASON_MINOR_MAINTENANCE |
                                               SHTDN_REASON_FLAG_PLANNED))
        ret = win_err(e, GetLastError(), "cannot start the restart");
    free(msg);
    return ret;
}

int win_sys_sleep(void *ctx, double seconds, mend_err *e)
{
    if (seconds > 0)
        Sleep(seconds > 86400.0 ? 86400000u : (DWORD)(seconds * 1000.0 + 0.5));
    return 0;
}

int win_sys_is_admin(void *ctx, bool *admin, mend_err *e)
{
    *admin = false;
    HANDLE tok;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        TOKEN_ELEVATION el;
        DWORD got;
        BOOL ok = GetTokenInformation(tok, TokenElevation, &el, sizeof el, &got);
        CloseHandle(tok);
        if (ok) {
            *admin = el.TokenIsElevated != 0;
            return 0;
        }
    }
    /* Before Vista, or where TokenElevation is not answered: membership of Administrators. */
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    PSID admins;
    if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS,
                                  0, 0, 0, 0, 0, 0, &admins))
        return win_err(e, GetLastError(), "cannot build the Administrators SID");
    BOOL member = FALSE;
    BOOL ok = CheckTokenMembership(NULL, admins, &member);
    DWORD err = GetLastError();
    FreeSid(admins);
    if (!ok)
        return win_err(e, err, "cannot check membership of Administrators");
    *admin = member != 0;
    return 0;
}

int win_sys_os_name(void *ctx, char *buf, size_t size, mend_err *e)
{
    typedef LONG (WINAPI *rtl_get_version)(OSVERSIONINFOEXW *);
    OSVERSIONINFOEXW v;
    memset(&v, 0, sizeof v);
    v.dwOSVersionInfoSize = sizeof v;
    /* RtlGetVersion tells the truth where GetVersionEx answers what the manifest allows. */
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    rtl_get_version get = nt ? (rtl_get_version)(void (*)(void))GetProcAddress(nt, "RtlGetVersion") : NULL;
    if (!get || get(&v) != 0)
        return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "cannot read the Windows version");
    char *product = NULL;
    HKEY k;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", 0,
                      KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) == ERROR_SUCCESS) {
        wchar_t *w = win_reg_read_sz(k, L"ProductName");
        RegCloseKey(k);
        if (w)
            product = win_utf8(w, -1);
        free(w);
    }
    snprintf(buf, size, "%s %lu.%lu.%lu", product && product[0] ? product : "Windows",
             (unsigned long)v.dwMajorVersion, (unsigned long)v.dwMinorVersion,
             (unsigned long)v.dwBuildNumber);
    free(product);
    return 0;
}

int win_sys_resume_after_reboot(void *ctx, const char *exe, const char *args, mend_err *e)
{
    wchar_t *wexe = win_wide(exe, e);
    wchar_t *wargs = wexe ? win_wide(args, e) : NULL;
    int ret = wargs ? win_task_register(wexe, wargs, true, e) : -1;
    free(wexe);
    free(wargs);
    return ret;
}

int win_sys_resume_clear(void *ctx, bool *found, mend_err *e)
{
    return win_task_delete(found, e);
}

/* Now minus the time since boot (GetTickCount64 counts from the start of this boot). */
double win_sys_boot_time(void *ctx)
{
    return win_sys_now(ctx) - (double)GetTickCount64() / 1000.0;
}

double win_sys_now(void *ctx)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    ULONGLONG t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns ticks since 1601 -> seconds since 1970. */
    return (double)(t - 116444736000000000ull) / 1e7;
}
