/* Runs System32's console programs (netsh, gpupdate) directly with CreateProcessW and captures their output. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define OUTPUT_MAX (1u << 20)

int win_cmdline_append(wchar_t **cmd, size_t *len, size_t *cap, const wchar_t *arg, mend_err *e)
{
    size_t alen = wcslen(arg);
    size_t need = *len + 2 * alen + 4;
    if (need > *cap) {
        size_t ncap = need * 2;
        wchar_t *grown = realloc(*cmd, ncap * sizeof **cmd);
        if (!grown)
            return win_err_oom(e);
        *cmd = grown;
        *cap = ncap;
    }
    wchar_t *p = *cmd + *len;
    if (*len > 0)
        *p++ = L' ';
    bool quote = alen == 0 || wcspbrk(arg, L" \t\"") != NULL;
    if (quote)
        *p++ = L'"';
    /* CommandLineToArgvW: backslashes are literal unless they precede a quote; then they
     * (and the quote) need escaping. */
    size_t slashes = 0;
    for (size_t i = 0; i < alen; i++) {
        if (arg[i] == L'\\') {
            slashes++;
        } else if (arg[i] == L'"') {
            for (size_t k = 0; k < slashes + 1; k++)
                *p++ = L'\\';
            slashes = 0;
        } else {
            slashes = 0;
        }
        *p++ = arg[i];
    }
    if (quote) {
        for (size_t k = 0; k < slashes; k++)
            *p++ = L'\\';
        *p++ = L'"';
    }
    *p = L'\0';
    *len = (size_t)(p - *cmd);
    return 0;
}

wchar_t *win_system32_path(const wchar_t *exe)
{
    wchar_t dir[MAX_PATH];
    UINT n = GetSystemDirectoryW(dir, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        wcscpy(dir, L"C:\\Windows\\System32");
    size_t len = wcslen(dir) + 1 + wcslen(exe) + 1;
    wchar_t *p = malloc(len * sizeof *p);
    if (p) {
        wcscpy(p, dir);
        wcscat(p, L"\\");
        wcscat(p, exe);
    }
    return p;
}

wchar_t *win_tool_path(const wchar_t *exe)
{
    wchar_t *seam = win_seam_tool(exe);
    return seam ? seam : win_system32_path(exe);
}

HMODULE win_system_dll(const wchar_t *dll)
{
    /* Never the default search order: it looks in mend.exe's own folder first, where a planted
     * DLL would be taken. LOAD_LIBRARY_SEARCH_SYSTEM32 needs Windows 8 or KB2533623. */
    return LoadLibraryExW(dll, NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
}

void win_child_result_clear(win_child_result *r)
{
    free(r->output);
    memset(r, 0, sizeof *r);
}

/* Console programs write the OEM code page when redirected; the test stand-ins UTF-8. */
static char *output_to_utf8(const char *raw, size_t len)
{
    if (len == 0 || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, raw, (int)len, NULL, 0) > 0) {
        char *s = malloc(len + 1);
        if (s) {
            memcpy(s, raw, len);
            s[len] = '\0';
        }
        return s;
    }
    int n = MultiByteToWideChar(CP_OEMCP, 0, raw, (int)len, NULL, 0);
    wchar_t *w = malloc(((size_t)n + 1) * sizeof *w);
    if (!w)
        return NULL;
    MultiByteToWideChar(CP_OEMCP, 0, raw, (int)len, w, n);
    char *s = win_utf8(w, n);
    free(w);
    return s;
}

typedef struct reader {
    HANDLE pipe;
    char *buf;
    size_t len;
} reader;

/* Drains the child's output on its own thread so a full pipe never blocks the child. */
static DWORD WINAPI read_all(LPVOID arg)
{
    reader *r = arg;
    char chunk[4096];
    DWORD got;
    while (ReadFile(r->pipe, chunk, sizeof chunk, &got, NULL) && got > 0) {
        if (r->len + got > OUTPUT_MAX)
            continue;          /* keep draining, stop keeping */
        char *grown = realloc(r->buf, r->len + got + 1);
        if (!grown)
            continue;
        r->buf = grown;
        memcpy(r->buf + r->len, chunk, got);
        r->len += got;
    }
    return 0;
}

int win_child_run(const wchar_t *exe, const wchar_t *args, DWORD timeout_ms,
                  win_child_result *res, mend_err *e)
{
    memset(res, 0, sizeof *res);
    wchar_t *cmd = NULL;
    size_t len = 0, cap = 0;
    if (win_cmdline_append(&cmd, &len, &cap, exe, e) != 0)
        return -1;
    size_t alen = args ? wcslen(args) : 0;
    wchar_t *full = realloc(cmd, (len + alen + 2) * sizeof *full);
    if (!full) {
        free(cmd);
        return win_err_oom(e);
    }
    cmd = full;
    if (alen) {
        cmd[len++] = L' ';
        wcscpy(cmd + len, args);
    }

    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE rd = NULL, wr = NULL, nul = INVALID_HANDLE_VALUE;
    if (!CreatePipe(&rd, &wr, &sa, 0)) {
        free(cmd);
        return win_err(e, GetLastError(), "cannot create a pipe for the child's output");
    }
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING,
                      0, NULL);
    STARTUPINFOW si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = wr;
    si.hStdError = wr;
    PROCESS_INFORMATION pi;
    /* No shell in between: the argument string reaches the program as built, so &, |, %, ^
     * in a policy name are plain characters. */
    BOOL ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi);
    DWORD err = GetLastError();
    CloseHandle(wr);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    char *exe8 = win_utf8(exe, -1);
    free(cmd);
    if (!ok) {
        CloseHandle(rd);
        win_err(e, err, "cannot run %s", exe8 ? exe8 : "the program");
        free(exe8);
        return -1;
    }
    CloseHandle(pi.hThread);

    reader *r = calloc(1, sizeof *r);
    HANDLE t = NULL;
    if (r) {
        r->pipe = rd;
        t = CreateThread(NULL, 0, read_all, r, 0, NULL);
    }
    DWORD w = WaitForSingleObject(pi.hProcess, timeout_ms);
    int ret = 0;
    if (w != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        WaitForSingleObject(pi.hProcess, 5000);
        ret = mend_err_set(e, MEND_E_TIMEOUT, 0, "%s did not finish within %lu s and was stopped",
                           exe8 ? exe8 : "the program", (unsigned long)(timeout_ms / 1000));
    }
    GetExitCodeProcess(pi.hProcess, &res->exit_code);
    CloseHandle(pi.hProcess);
    bool drained = false;
    if (t) {
        /* The pipe ends when every writer is gone; a grandchild holding it must not hang us. */
        if (WaitForSingleObject(t, 5000) != WAIT_OBJECT_0)
            CancelSynchronousIo(t);
        drained = WaitForSingleObject(t, 1000) == WAIT_OBJECT_0;
        CloseHandle(t);
    }
    if (drained) {
        CloseHandle(rd);
        res->output = output_to_utf8(r->buf ? r->buf : "", r->len);
        free(r->buf);
        free(r);
    } else {
        /* A reader still running owns r and the pipe: leave both to it. */
        if (!t) {
            CloseHandle(rd);
            free(r);
        }
        res->output = mend_strdup("");
    }
    free(exe8);
    if (!res->output && ret == 0)
        ret = win_err_oom(e);
    return ret;
}
