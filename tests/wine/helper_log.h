/* Appending one UTF-8 line to a log file, shared by the Wine test helper programs. */
#ifndef MEND_HELPER_LOG_H
#define MEND_HELPER_LOG_H

#include <windows.h>

#include <string.h>

/* Appends text (UTF-16) plus CRLF to the file named by path, as UTF-8; several processes may
 * write, so each line is one append under FILE_APPEND_DATA. */
static inline void helper_log(const wchar_t *path, const wchar_t *text)
{
    if (!path || !path[0])
        return;
    HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_ALWAYS, 0, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return;
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *buf = HeapAlloc(GetProcessHeap(), 0, (size_t)n + 2);
    if (buf) {
        WideCharToMultiByte(CP_UTF8, 0, text, -1, buf, n, NULL, NULL);
        buf[n - 1] = '\r';
        buf[n] = '\n';
        DWORD w;
        WriteFile(f, buf, (DWORD)n + 1, &w, NULL);
        HeapFree(GetProcessHeap(), 0, buf);
    }
    CloseHandle(f);
}

static inline void helper_touch(const wchar_t *path)
{
    HANDLE f = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
}

#endif
