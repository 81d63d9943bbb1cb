/* A stand-in for netsh.exe's `ipsec static` policy commands over the real policy store (tests only,
 * never installed): Wine's netsh has no ipsec context.
 *
 * Modelled on public evidence of how netsh answers, not on its text: failures are lines that
 * start with `ERR IPsec[NNNNN]` (public tools that drive netsh key on that prefix, and on
 * ERR IPsec[05073] for "unable to open the local policy store", HRESULT 0x800713D1), the text
 * is localized, and the exit code is 0 even on failure (docs/windows-model.md, "netsh:
 * changing the store"). Each failure here also carries the Windows error number in hex, which
 * is what mend reads; tag numbers other than 05073 are this stand-in's own. The mendTestStuck
 * value on a policy's key (set by tests) picks the article's blocker it answers for. */
#include <windows.h>
#include <objbase.h>
#include <shellapi.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "helper_log.h"

#define STORE L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"

/* Like netsh: everything goes to stdout, the exit code is 0 even when a command fails. */
static void say(const wchar_t *fmt, ...)
{
    wchar_t buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vswprintf(buf, 2048, fmt, ap);
    va_end(ap);
    char out[8192];
    int n = WideCharToMultiByte(CP_UTF8, 0, buf, -1, out, sizeof out, NULL, NULL);
    if (n > 1)
        fwrite(out, 1, (size_t)n - 1, stdout);
}

static HKEY store(void)
{
    HKEY k = NULL;
    RegCreateKeyExW(HKEY_LOCAL_MACHINE, STORE, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, &k,
                    NULL);
    return k;
}

static wchar_t *read_sz(HKEY k, const wchar_t *v)
{
    static wchar_t buf[4][1024];
    static int slot;
    wchar_t *b = buf[slot++ % 4];
    DWORD size = sizeof buf[0] - sizeof(wchar_t), type;
    if (RegQueryValueExW(k, v, NULL, &type, (BYTE *)b, &size) != ERROR_SUCCESS || type != REG_SZ)
        return NULL;
    b[size / sizeof(wchar_t)] = L'\0';
    return b;
}

static void write_sz(HKEY k, const wchar_t *v, const wchar_t *s)
{
    RegSetValueExW(k, v, 0, REG_SZ, (const BYTE *)s, (DWORD)((wcslen(s) + 1) * sizeof(wchar_t)));
}

/* Finds the policy's subkey by name (netsh compares names without case). */
static bool find(HKEY st, const wchar_t *name, wchar_t sub[260])
{
    for (DWORD i = 0;; i++) {
        DWORD len = 260;
        if (RegEnumKeyExW(st, i, sub, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            return false;
        HKEY k;
        if (RegOpenKeyExW(st, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
            continue;
        const wchar_t *n = read_sz(k, L"ipsecName");
        bool hit = n && _wcsicmp(n, name) == 0;
        RegCloseKey(k);
        if (hit)
            return true;
    }
}

/* Whether the policy's mendTestStuck value starts with prefix (the tests' blocker marks). */
static bool marked(HKEY st, const wchar_t *sub, const wchar_t *prefix)
{
    HKEY k;
    if (RegOpenKeyExW(st, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return false;
    const wchar_t *m = read_sz(k, L"mendTestStuck");
    RegCloseKey(k);
    return m && wcsncmp(m, prefix, wcslen(prefix)) == 0;
}

/* mendTestStuck = "denied": netsh run without elevation refuses every change. */
static bool denied(HKEY st, const wchar_t *sub)
{
    return marked(st, sub, L"denied");
}

/* The pid of the PolicyAgent service's process, 0 when it is not running. */
static DWORD agent_pid(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    SC_HANDLE s = scm ? OpenServiceW(scm, L"PolicyAgent", SERVICE_QUERY_STATUS) : NULL;
    SERVICE_STATUS_PROCESS st;
    DWORD need, pid = 0;
    if (s && QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need) &&
        st.dwCurrentState == SERVICE_RUNNING)
        pid = st.dwProcessId;
    if (s)
        CloseServiceHandle(s);
    if (scm)
        CloseServiceHandle(scm);
    return pid;
}

/* mendTestStuck = "stale": gone from the store as far as delete can tell ("cannot find the
 * file"), yet stuck in the Policy Agent's memory until it restarts. The first look records the
 * agent's pid as "stale:N"; a restart (another pid) clears it. */
static bool stale(HKEY st, const wchar_t *sub)
{
    HKEY k;
    if (RegOpenKeyExW(st, sub, 0, KEY_READ | KEY_SET_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return false;
    const wchar_t *m = read_sz(k, L"mendTestStuck");
    bool is = false;
    if (m && wcscmp(m, L"stale") == 0) {
        wchar_t v[32];
        swprintf(v, 32, L"stale:%lu", (unsigned long)agent_pid());
        write_sz(k, L"mendTestStuck", v);
        is = true;
    } else if (m && wcsncmp(m, L"stale:", 6) == 0) {
        is = wcstoul(m + 6, NULL, 10) == agent_pid();
    }
    RegCloseKey(k);
    return is;
}

/* mendTestStuck = "always", "pid:N" (stuck while process N lives) or "stale..." (above). */
static bool stuck(HKEY st, const wchar_t *sub)
{
    HKEY k;
    if (RegOpenKeyExW(st, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return false;
    const wchar_t *m = read_sz(k, L"mendTestStuck");
    RegCloseKey(k);
    if (!m)
        return false;
    if (wcsncmp(m, L"stale", 5) == 0)
        return stale(st, sub);
    if (wcsncmp(m, L"pid:", 4) != 0)
        return true;
    HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, wcstoul(m + 4, NULL, 10));
    if (!p)
        return false;
    bool alive = WaitForSingleObject(p, 0) == WAIT_TIMEOUT;
    CloseHandle(p);
    return alive;
}

static bool assigned(HKEY st, const wchar_t *sub)
{
    const wchar_t *a = read_sz(st, L"ActivePolicy");
    const wchar_t *last = a ? wcsrchr(a, L'\\') : NULL;
    return last && _wcsicmp(last + 1, sub) == 0;
}

static void say_pending(void)
{
    say(L"ERR IPsec[05039] : The Quick Mode policy is pending deletion. (0x32DF)\r\n");
}

/* Held by a live process ("pid:N"): the article's in-use case, Windows' 13002. */
static bool held(HKEY st, const wchar_t *sub)
{
    return marked(st, sub, L"pid:");
}

static void show(HKEY st, const wchar_t *only)
{
    int shown = 0;
    wchar_t sub[260];
    for (DWORD i = 0;; i++) {
        DWORD len = 260;
        if (RegEnumKeyExW(st, i, sub, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        HKEY k;
        if (_wcsnicmp(sub, L"ipsecPolicy{", 12) != 0 ||
            RegOpenKeyExW(st, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
            continue;
        const wchar_t *n = read_sz(k, L"ipsecName");
        const wchar_t *d = read_sz(k, L"description");
        DWORD when = 0, size = sizeof when;
        RegQueryValueExW(k, L"whenChanged", NULL, NULL, (BYTE *)&when, &size);
        RegCloseKey(k);
        if (!n || (only && _wcsicmp(n, only) != 0))
            continue;
        say(L"\r\nPolicy Name            : %ls\r\n", n);
        say(L"Description            : %ls\r\n", d && d[0] ? d : L"NONE");
        say(L"Last Modified          : %lu\r\n", (unsigned long)when);
        say(L"Assigned               : %ls\r\n", assigned(st, sub) ? L"YES" : L"NO");
        say(L"Master PFS             : NO\r\n");
        say(L"Polling Interval       : 180 minutes\r\n");
        shown++;
    }
    if (only && !shown)
        say(L"ERR IPsec[05072] : Policy with name \"%ls\" does not exist\r\n", only);
    else if (!shown)
        say(L"No Policies in Policy Store\r\n");
}

int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    wchar_t log[MAX_PATH] = L"";
    GetEnvironmentVariableW(L"MEND_TEST_NETSH_LOG", log, MAX_PATH);
    /* One line per run: each argument in brackets, so a test sees exactly what arrived. */
    wchar_t line[4096] = L"netsh";
    for (int i = 1; argv && i < argc; i++) {
        size_t used = wcslen(line);
        swprintf(line + used, 4096 - used, L" [%ls]", argv[i]);
    }
    helper_log(log, line);

    if (!argv || argc < 5 || _wcsicmp(argv[1], L"ipsec") || _wcsicmp(argv[2], L"static") ||
        _wcsicmp(argv[4], L"policy")) {
        say(L"The following command was not found: %ls\r\n", argc > 1 ? argv[1] : L"");
        return 1;
    }
    const wchar_t *verb = argv[3], *name = NULL, *desc = NULL, *assign = NULL;
    bool all = false;
    for (int i = 5; i < argc; i++) {
        wchar_t *eq = wcschr(argv[i], L'=');
        if (!eq) {
            all |= _wcsicmp(argv[i], L"all") == 0;
            continue;
        }
        *eq = L'\0';
        if (!_wcsicmp(argv[i], L"name"))
            name = eq + 1;
        else if (!_wcsicmp(argv[i], L"description"))
            desc = eq + 1;
        else if (!_wcsicmp(argv[i], L"assign"))
            assign = eq + 1;
    }
    HKEY st = store();
    if (!st) {
        say(L"ERR IPsec[05002] : The policy store cannot be opened\r\n");
        return 0;
    }
    wchar_t sub[260];
    if (!_wcsicmp(verb, L"show")) {
        show(st, all ? NULL : name);
    } else if (!name) {
        say(L"One or more essential parameters were not entered.\r\n");
    } else if (!_wcsicmp(verb, L"add")) {
        if (find(st, name, sub)) {
            if (stuck(st, sub))
                say_pending();
            else
                say(L"ERR IPsec[05051] : Policy with name \"%ls\" already exists\r\n", name);
        } else {
            GUID g;
            wchar_t gs[64], key[128];
            CoCreateGuid(&g);
            StringFromGUID2(&g, gs, 64);
            _wcslwr(gs);
            swprintf(key, 128, L"ipsecPolicy%ls", gs);
            HKEY k;
            if (RegCreateKeyExW(st, key, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, &k, NULL) == ERROR_SUCCESS) {
                write_sz(k, L"ClassName", L"ipsecPolicy");
                write_sz(k, L"ipsecName", name);
                write_sz(k, L"description", desc ? desc : L"");
                write_sz(k, L"ipsecID", gs);
                write_sz(k, L"name", key);
                DWORD when = (DWORD)time(NULL), type = 0x100;
                RegSetValueExW(k, L"whenChanged", 0, REG_DWORD, (const BYTE *)&when, sizeof when);
                RegSetValueExW(k, L"ipsecDataType", 0, REG_DWORD, (const BYTE *)&type, sizeof type);
                static const BYTE data[] = { 0x63, 0x21, 0x20, 0x22, 0x4c, 0x4f, 0xd1, 0x11, 0x86, 0x3b,
                                             0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21, 0x04, 0x00, 0x00, 0x00,
                                             0x30, 0x2a, 0x00, 0x00, 0x00 };
                RegSetValueExW(k, L"ipsecData", 0, REG_BINARY, data, sizeof data);
                RegCloseKey(k);
            }
        }
    } else if (!find(st, name, sub)) {
        say(L"ERR IPsec[05072] : Policy with name \"%ls\" does not exist\r\n", name);
    } else if (denied(st, sub)) {
        say(L"ERR IPsec[05073] : Unable to open the local policy store. Access is denied. (0x5)\r\n");
    } else if (!_wcsicmp(verb, L"delete") && stale(st, sub)) {
        say(L"ERR IPsec[05072] : The system cannot find the file specified. (0x2)\r\n");
    } else if (!_wcsicmp(verb, L"delete") && held(st, sub) && stuck(st, sub)) {
        say(L"ERR IPsec[05062] : The specified quick mode policy is being used. (0x32CA)\r\n");
    } else if (stuck(st, sub)) {
        say_pending();
    } else if (!_wcsicmp(verb, L"delete")) {
        if (assigned(st, sub))
            say(L"ERR IPsec[05060] : Policy \"%ls\" is assigned. Unassign it first. (0x32CA)\r\n", name);
        else if (RegDeleteTreeW(st, sub) != ERROR_SUCCESS || RegDeleteKeyExW(st, sub, KEY_WOW64_64KEY, 0) != ERROR_SUCCESS)
            say(L"ERR IPsec[05011] : The policy could not be deleted\r\n");
    } else if (!_wcsicmp(verb, L"set")) {
        HKEY k;
        if (desc && RegOpenKeyExW(st, sub, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, &k) == ERROR_SUCCESS) {
            write_sz(k, L"description", desc);
            RegCloseKey(k);
        }
        if (assign && (assign[0] == L'y' || assign[0] == L'Y')) {
            wchar_t path[400];
            swprintf(path, 400, L"%ls\\%ls", STORE, sub);
            write_sz(st, L"ActivePolicy", path);
        } else if (assign && assigned(st, sub)) {
            RegDeleteValueW(st, L"ActivePolicy");
        }
    } else {
        say(L"The following command was not found: ipsec static %ls policy\r\n", verb);
    }
    RegCloseKey(st);
    fflush(stdout);
    return 0;
}
