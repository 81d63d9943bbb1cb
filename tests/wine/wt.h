/* The Wine tests' tiny harness: checks that count failures, helpers to run programs and open the host. */
#ifndef MEND_WT_H
#define MEND_WT_H

#include <windows.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host.h"
#include "host_open.h"

static int wt_failures;
static const char *wt_current = "";

#define WT_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            wt_failures++; \
            fprintf(stderr, "FAIL %s (%s:%d): %s: ", wt_current, __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
        } \
    } while (0)

/* A host call that must succeed: prints its message when it does not. */
#define WT_OK(call, e) WT_CHECK((call) == 0, "%s", (e).msg)

#define WT_RUN(fn) \
    do { \
        int before_ = wt_failures; \
        wt_current = #fn; \
        fn(); \
        fprintf(stderr, "%s %s\n", wt_failures == before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

static inline int wt_done(void)
{
    fprintf(stderr, "%d failure(s)\n", wt_failures);
    fflush(stderr);
    return wt_failures ? 1 : 0;
}

static inline mend_host wt_host(void)
{
    mend_host h;
    mend_host_config cfg;
    mend_err e;
    memset(&cfg, 0, sizeof cfg);
    if (win_host_open(&h, &cfg, &e) != 0) {
        fprintf(stderr, "cannot open the win32 host: %s\n", e.msg);
        exit(2);
    }
    return h;
}

/* Folder of this test program: the helper programs are built beside it. */
static inline const wchar_t *wt_dir(void)
{
    static wchar_t dir[MAX_PATH];
    if (!dir[0]) {
        GetModuleFileNameW(NULL, dir, MAX_PATH);
        wchar_t *slash = wcsrchr(dir, L'\\');
        if (slash)
            *slash = L'\0';
    }
    return dir;
}

/* Full path of a helper program beside this one (static buffer per call site is enough). */
static inline void wt_helper(const wchar_t *exe, wchar_t *out, size_t size)
{
    swprintf(out, size, L"%ls\\%ls", wt_dir(), exe);
}

/* Starts a program (command line as given); returns its process handle, pid in *pid. */
static inline HANDLE wt_spawn(const wchar_t *cmdline, DWORD *pid)
{
    wchar_t *cmd = _wcsdup(cmdline);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    BOOL ok = CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
    free(cmd);
    if (!ok) {
        fprintf(stderr, "cannot start %ls: error %lu\n", cmdline, (unsigned long)GetLastError());
        return NULL;
    }
    CloseHandle(pi.hThread);
    if (pid)
        *pid = pi.dwProcessId;
    return pi.hProcess;
}

/* Runs a program to its end; returns its exit code, or -1. */
static inline long wt_run(const wchar_t *cmdline, DWORD timeout_ms)
{
    HANDLE h = wt_spawn(cmdline, NULL);
    if (!h)
        return -1;
    DWORD code = (DWORD)-1;
    if (WaitForSingleObject(h, timeout_ms) == WAIT_OBJECT_0)
        GetExitCodeProcess(h, &code);
    else
        TerminateProcess(h, 1);
    CloseHandle(h);
    return (long)code;
}

/* Waits for a file to appear (helpers create one when they are ready). */
static inline int wt_wait_file(const wchar_t *path, DWORD timeout_ms)
{
    for (DWORD waited = 0; waited < timeout_ms; waited += 50) {
        if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
            return 0;
        Sleep(50);
    }
    return -1;
}

/* A scratch path under %TEMP% (inside the throwaway prefix). */
static inline void wt_temp(const wchar_t *name, wchar_t *out, size_t size)
{
    wchar_t tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    swprintf(out, size, L"%ls%ls", tmp, name);
}

/* The same as UTF-8 for host.h and regfile calls. */
static inline void wt_utf8(const wchar_t *w, char *out, size_t size)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)size, NULL, NULL);
    if (n <= 0)
        out[0] = '\0';
}

static inline char *wt_read_text(const wchar_t *path)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return NULL;
    DWORD size = GetFileSize(f, NULL), got = 0;
    char *buf = malloc(size + 1);
    if (buf && !ReadFile(f, buf, size, &got, NULL))
        got = 0;
    CloseHandle(f);
    if (buf)
        buf[got] = '\0';
    return buf;
}

/* Runs a program with stdout+stderr captured (malloc'd text); returns the exit code or -1. */
static inline long wt_capture(const wchar_t *cmdline, char **out)
{
    *out = NULL;
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE rd, wr;
    if (!CreatePipe(&rd, &wr, &sa, 0))
        return -1;
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    wchar_t *cmd = _wcsdup(cmdline);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = wr;
    si.hStdError = wr;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    BOOL ok = CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    free(cmd);
    CloseHandle(wr);
    if (!ok) {
        CloseHandle(rd);
        return -1;
    }
    size_t len = 0;
    char *buf = malloc(1), chunk[4096];
    DWORD got;
    while (buf && ReadFile(rd, chunk, sizeof chunk, &got, NULL) && got > 0) {
        char *grown = realloc(buf, len + got + 1);
        if (!grown)
            break;
        buf = grown;
        memcpy(buf + len, chunk, got);
        len += got;
    }
    if (buf)
        buf[len] = '\0';
    CloseHandle(rd);
    WaitForSingleObject(pi.hProcess, 60000);
    DWORD code = (DWORD)-1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    *out = buf;
    return (long)code;
}

#endif
