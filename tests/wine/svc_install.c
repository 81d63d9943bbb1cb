/* Installs (and optionally starts) svc_test.exe as a service, for the Wine shell tests. */
#include <windows.h>
#include <shellapi.h>

#include <stdio.h>
#include <wchar.h>

/* Command line: svc_install.exe NAME normal|stubborn LOGFILE [start] */
int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!argv || argc < 4) {
        fprintf(stderr, "usage: svc_install.exe NAME normal|stubborn LOGFILE [start]\n");
        return 2;
    }
    wchar_t exe[MAX_PATH], bin[MAX_PATH * 3];
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    wchar_t *slash = wcsrchr(exe, L'\\');
    if (slash)
        wcscpy(slash + 1, L"svc_test.exe");
    swprintf(bin, MAX_PATH * 3, L"\"%ls\" %ls %ls \"%ls\"", exe, argv[2], argv[1], argv[3]);
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE s = scm ? CreateServiceW(scm, argv[1], argv[1], SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                       SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, bin, NULL, NULL, NULL,
                                       NULL, NULL) : NULL;
    if (!s) {
        fprintf(stderr, "svc_install: cannot create %ls: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    if (argc > 4 && wcscmp(argv[4], L"start") == 0 && !StartServiceW(s, 0, NULL)) {
        fprintf(stderr, "svc_install: cannot start %ls: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return 0;
}
