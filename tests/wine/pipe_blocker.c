/* A process with a thread blocked in ReadFile on a synchronous pipe: the handle that hangs
 * NtQueryObject(ObjectNameInformation) on Windows. For the Wine tests. */
#include <windows.h>
#include <shellapi.h>

#include <stdio.h>

#include "helper_log.h"

static HANDLE server;

static DWORD WINAPI block(LPVOID arg)
{
    char buf[16];
    DWORD got;
    ReadFile(server, buf, sizeof buf, &got, NULL);   /* nobody ever writes */
    return 0;
}

/* Command line: pipe_blocker.exe READY-FILE */
int main(void)
{
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!argv || argc < 2)
        return 2;
    wchar_t name[64];
    swprintf(name, 64, L"\\\\.\\pipe\\mend-test-block-%lu", (unsigned long)GetCurrentProcessId());
    /* No FILE_FLAG_OVERLAPPED: synchronous, so the I/O holds the file object's lock. */
    server = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 512, 512, 0, NULL);
    HANDLE client = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE anon_r, anon_w;
    CreatePipe(&anon_r, &anon_w, NULL, 0);
    if (server == INVALID_HANDLE_VALUE || client == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "pipe_blocker: cannot create the pipe\n");
        return 1;
    }
    CreateThread(NULL, 0, block, NULL, 0, NULL);
    Sleep(200);                /* let the read start */
    helper_touch(argv[1]);
    /* The main thread blocks too, on the anonymous pipe. */
    char buf[16];
    DWORD got;
    ReadFile(anon_r, buf, sizeof buf, &got, NULL);
    return 0;
}
