/* A test service for the Wine tests: "normal" stops in steps with wait hints, "stubborn" ignores stop. */
#include <windows.h>
#include <shellapi.h>

#include <stdio.h>
#include <wchar.h>

#include "helper_log.h"

/* Command line: svc_test.exe normal|stubborn NAME LOGFILE */
static wchar_t *mode = L"normal", *name = L"", *logfile = L"";
static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void report(DWORD state, DWORD checkpoint, DWORD hint)
{
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = state;
    status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
    status.dwWin32ExitCode = NO_ERROR;
    status.dwCheckPoint = checkpoint;
    status.dwWaitHint = hint;
    SetServiceStatus(status_handle, &status);
}

static void log_event(const wchar_t *what)
{
    wchar_t line[256];
    swprintf(line, 256, L"%ls %ls", name, what);
    helper_log(logfile, line);
}

static DWORD WINAPI handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
    if (control == SERVICE_CONTROL_STOP) {
        if (wcscmp(mode, L"stubborn") == 0) {
            log_event(L"ignored-stop");
            return NO_ERROR;   /* says yes, does nothing: stays running */
        }
        SetEvent(stop_event);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    status_handle = RegisterServiceCtrlHandlerExW(name, handler, NULL);
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    /* A start in steps, as real services report it. */
    for (DWORD cp = 1; cp <= 3; cp++) {
        report(SERVICE_START_PENDING, cp, 2000);
        Sleep(100);
    }
    report(SERVICE_RUNNING, 0, 0);
    log_event(L"running");
    WaitForSingleObject(stop_event, INFINITE);
    for (DWORD cp = 1; cp <= 4; cp++) {
        report(SERVICE_STOP_PENDING, cp, 2000);
        Sleep(150);
    }
    log_event(L"stopped");
    report(SERVICE_STOPPED, 0, 0);
}

int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (argv && argc >= 4) {
        mode = argv[1];
        name = argv[2];
        logfile = argv[3];
    }
    SERVICE_TABLE_ENTRYW table[] = { { name, service_main }, { NULL, NULL } };
    if (!StartServiceCtrlDispatcherW(table)) {
        fprintf(stderr, "svc_test: not started by the service control manager (error %lu)\n",
                (unsigned long)GetLastError());
        return 1;
    }
    return 0;
}
