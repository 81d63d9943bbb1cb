/* A process that holds a registry key open (as a VPN client holds a policy), for the Wine tests. */
#include <windows.h>
#include <shellapi.h>

#include <stdio.h>
#include <wchar.h>

#include "helper_log.h"

/* Command line: holder.exe SUBKEY-UNDER-HKLM READY-FILE [mark]
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
    HKEY key;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, argv[1], 0,
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
