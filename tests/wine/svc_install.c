/* Installs (and optionally starts) svc_test.exe as a service, for the Wine shell tests. */
#include <windows.h>
#include <shellapi.h>

#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Command line: svc_install.exe NAME normal|stubborn LOGFILE [start] [auto] [dep:SERVICE]...
 * auto: automatic start type (else demand); dep: a service it depends on. */
int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!argv || argc < 4) {
        fprintf(stderr, "usage: svc_install.exe NAME normal|stubborn LOGFILE [start] [auto] [dep:SERVICE]...\n");
        return 2;
    }
    wchar_t exe[MAX_PATH], bin[MAX_PATH * 3], deps[1024] = L"";
    size_t used = 0;
    BOOL start = FALSE;
    DWORD start_type = SERVICE_DEMAND_START;
    for (int i = 4; i < argc; i++) {
        if (wcscmp(argv[i], L"start") == 0) {
            start = TRUE;
        } else if (wcscmp(argv[i], L"auto") == 0) {
            start_type = SERVICE_AUTO_START;
        } else if (wcsncmp(argv[i], L"dep:", 4) == 0 && used + wcslen(argv[i]) + 2 < 1024) {
            wcscpy(deps + used, argv[i] + 4);
            used += wcslen(argv[i] + 4) + 1;
            deps[used] = L'\0';
        }
    }
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    wchar_t *slash = wcsrchr(exe, L'\\');
    if (slash)
        wcscpy(slash + 1, L"svc_test.exe");
    swprintf(bin, MAX_PATH * 3, L"\"%ls\" %ls %ls \"%ls\"", exe, argv[2], argv[1], argv[3]);
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE s = scm ? CreateServiceW(scm, argv[1], argv[1], SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                       start_type, SERVICE_ERROR_NORMAL, bin, NULL, NULL,
                                       used ? deps : NULL, NULL, NULL) : NULL;
    if (!s) {
        fprintf(stderr, "svc_install: cannot create %ls: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    if (start && !StartServiceW(s, 0, NULL)) {
        fprintf(stderr, "svc_install: cannot start %ls: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    /* A started service is running before the shell goes on. */
    SERVICE_STATUS st;
    for (int i = 0; start && i < 100 && QueryServiceStatus(s, &st) && st.dwCurrentState != SERVICE_RUNNING; i++)
        Sleep(100);
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return 0;
}
