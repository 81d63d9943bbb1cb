/* A process that holds a registry key open (as a VPN client holds a policy), for the Wine tests. */
#include <windows.h>
#include <shellapi.h>

#include <stdbool.h>
#include <stdio.h>
#include <wchar.h>

#include "helper_log.h"

#define STORE L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"

/* The store key of the policy named name: STORE\ipsecPolicy{...}. */
static bool policy_key(const wchar_t *name, wchar_t out[512])
{
    HKEY st;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, STORE, 0, KEY_READ | KEY_WOW64_64KEY, &st) != ERROR_SUCCESS)
        return false;
    bool hit = false;
    wchar_t sub[260], val[512];
    for (DWORD i = 0; !hit; i++) {
        DWORD len = 260, size = sizeof val - sizeof(wchar_t), type;
        if (RegEnumKeyExW(st, i, sub, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        if (RegGetValueW(st, sub, L"ipsecName", RRF_RT_REG_SZ, &type, val, &size) == ERROR_SUCCESS &&
            wcscmp(val, name) == 0) {
            swprintf(out, 512, L"%ls\\%ls", STORE, sub);
            hit = true;
        }
    }
    RegCloseKey(st);
    return hit;
}

/* Command line: holder.exe SUBKEY-UNDER-HKLM|policy:NAME READY-FILE [mark]
 * With "mark" it writes mendTestStuck = "pid:<its pid>" into the key: the stand-in netsh then
 * treats the policy as stuck for as long as this process lives. */
int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!argv || argc < 3) {
        fprintf(stderr, "usage: holder.exe SUBKEY READY-FILE [mark]\n");
        return 2;
    }
    wchar_t sub[512];
    if (wcsncmp(argv[1], L"policy:", 7) == 0 && !policy_key(argv[1] + 7, sub)) {
        fprintf(stderr, "holder: no policy named %ls in the store\n", argv[1] + 7);
        return 1;
    }
    if (wcsncmp(argv[1], L"policy:", 7) != 0)
        swprintf(sub, 512, L"%ls", argv[1]);
    HKEY key;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0,
                               KEY_READ | KEY_SET_VALUE | KEY_WOW64_64KEY, &key);
    if (rc != ERROR_SUCCESS) {
        fprintf(stderr, "holder: cannot open HKLM\\%ls: error %ld\n", argv[1], (long)rc);
        return 1;
    }
    if (argc > 3 && wcscmp(argv[3], L"mark") == 0) {
        wchar_t v[32];
        swprintf(v, 32, L"pid:%lu", (unsigned long)GetCurrentProcessId());
        RegSetValueExW(key, L"mendTestStuck", 0, REG_SZ, (const BYTE *)v,
                       (DWORD)((wcslen(v) + 1) * sizeof(wchar_t)));
    }
    helper_touch(argv[2]);
    Sleep(INFINITE);
    return 0;
}
