/* The engine's OS services on Windows (UTF-8 over the wide API): files, locks, consoles, clocks. */
#include "platform.h"

#include <windows.h>
#include <shellapi.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* UTF-8 -> UTF-16 (malloc'd), NULL on invalid UTF-8 or out of memory. */
static wchar_t *widen(const char *s)
{
    if (!s)
        return NULL;
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        return NULL;
    }
    return w;
}

/* UTF-16 -> UTF-8 (malloc'd). */
static char *narrow(const wchar_t *w)
{
    if (!w)
        return NULL;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *s = malloc((size_t)n);
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        return NULL;
    }
    return s;
}

static int win_error(mend_err *e, const char *what, const char *path)
{
    DWORD code = GetLastError();
    mend_err_set(e, mend_code_from_win32(code) ? mend_code_from_win32(code) : MEND_E_IO, 0,
                 "cannot %s %s (Windows error %lu)", what, path, (unsigned long)code);
    return -1;
}

static bool is_sep(char c)
{
    return c == '\\' || c == '/';
}

FILE *mend_fopen(const char *path, const char *mode)
{
    wchar_t *wp = widen(path), *wm = widen(mode);
    FILE *f = wp && wm ? _wfopen(wp, wm) : NULL;
    free(wp);
    free(wm);
    return f;
}

/* What a handle that is not a file on a disk is, for "cannot read X: it is a named pipe, not a
 * file"; NULL for a file. Reading a pipe or a console waits for a writer or a key press. */
static const char *handle_kind(HANDLE h)
{
    switch (GetFileType(h)) {
    case FILE_TYPE_DISK:
        return NULL;
    case FILE_TYPE_PIPE:
        return "a named pipe";
    case FILE_TYPE_CHAR:
        return "a device (such as CON, NUL or a serial port)";
    default:
        return "not a regular file";
    }
}

FILE *mend_fopen_regular(const char *path, const char *mode, mend_err *e)
{
    if (mend_is_folder(path)) {
        mend_err_set(e, MEND_E_IO, 0, "cannot read %s: it is a folder, not a file", path);
        return NULL;
    }
    /* Opening never waits: a pipe without a free instance answers ERROR_PIPE_BUSY at once. */
    FILE *f = mend_fopen(path, mode);
    if (!f && GetLastError() == ERROR_PIPE_BUSY) {   /* a pipe whose instances are all taken */
        mend_err_set(e, MEND_E_IO, 0, "cannot read %s: it is a named pipe, not a file", path);
        return NULL;
    }
    if (!f) {
        int err = errno;
        mend_err_set(e, MEND_E_IO, 0, "cannot open %s: %s", path, strerror(err));
        errno = err;
        return NULL;
    }
    const char *kind = handle_kind((HANDLE)_get_osfhandle(_fileno(f)));
    if (kind) {
        fclose(f);
        mend_err_set(e, MEND_E_IO, 0, "cannot read %s: it is %s, not a file", path, kind);
        return NULL;
    }
    return f;
}

int mend_refuse_special(const char *path, mend_err *e)
{
    mend_err ignored;
    FILE *f = mend_fopen_regular(path, "rb", &ignored);
    if (f) {
        fclose(f);
        return 0;
    }
    bool special = mend_err_not_a_file(&ignored);
    if (special)
        *e = ignored;
    return special ? -1 : 0;
}

int mend_refuse_pipe(const char *path, mend_err *e)
{
    mend_err why;
    if (mend_refuse_special(path, &why) == 0 || strstr(why.msg, ": it is a device"))
        return 0;
    *e = why;
    return -1;
}

static bool is_dir_w(const wchar_t *w)
{
    DWORD a = GetFileAttributesW(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int mend_mkdirs(const char *path, mend_err *e)
{
    if (!path || !*path)
        return mend_err_set(e, MEND_E_INVALID, 0, "empty folder name");
    char *p = mend_dupstr(path);
    if (!p)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    /* Skip what cannot be created: "C:\" and "\\server\share\". */
    char *s = p;
    if (s[0] && s[1] == ':')
        s += 2;
    if (is_sep(s[0]) && is_sep(s[1])) {
        s += 2;
        for (int parts = 0; *s && parts < 2; s++)
            if (is_sep(*s))
                parts++;
    }
    while (is_sep(*s))
        s++;
    for (;; s++) {
        if (*s && !is_sep(*s))
            continue;
        char c = *s;
        *s = '\0';
        wchar_t *w = widen(p);
        if (!w) {
            free(p);
            return mend_err_set(e, MEND_E_INVALID, 0, "folder name is not valid UTF-8");
        }
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            win_error(e, "create folder", p);
            free(w);
            free(p);
            return -1;
        }
        bool ok = is_dir_w(w);
        free(w);
        if (!ok) {
            mend_err_set(e, MEND_E_IO, 0, "cannot create folder %s: a file of that name is in the way", p);
            free(p);
            return -1;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return 0;
}

int mend_remove(const char *path)
{
    wchar_t *w = widen(path);
    int rc = w && DeleteFileW(w) ? 0 : -1;
    free(w);
    return rc;
}

bool mend_file_exists(const char *path)
{
    wchar_t *w = widen(path);
    bool ok = w && GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;
    free(w);
    return ok;
}

bool mend_is_folder(const char *path)
{
    wchar_t *w = widen(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int mend_dir_is_empty(const char *path, bool *empty, mend_err *e)
{
    *empty = true;
    size_t n = strlen(path);
    char *pattern = malloc(n + 3);
    if (!pattern)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    snprintf(pattern, n + 3, "%s\\*", path);
    wchar_t *w = widen(pattern);
    free(pattern);
    WIN32_FIND_DATAW fd;
    HANDLE h = w ? FindFirstFileW(w, &fd) : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
            return 0;
        return mend_err_set(e, MEND_E_IO, err, "cannot open folder %s (0x%lx)", path, (unsigned long)err);
    }
    do {
        if (wcscmp(fd.cFileName, L".") != 0 && wcscmp(fd.cFileName, L"..") != 0) {
            *empty = false;
            break;
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return 0;
}

int mend_write_file_atomic(const char *path, const void *data, size_t len, mend_err *e)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 48);
    if (!tmp)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    snprintf(tmp, n + 48, "%s.tmp.%lu.%lu", path, (unsigned long)GetCurrentProcessId(),
             (unsigned long)GetTickCount());
    wchar_t *wtmp = widen(tmp), *wpath = widen(path);
    HANDLE h = wtmp && wpath ? CreateFileW(wtmp, GENERIC_WRITE | DELETE, 0, NULL, CREATE_ALWAYS,
                                           FILE_ATTRIBUTE_NORMAL, NULL)
                             : INVALID_HANDLE_VALUE;
    int rc = -1;
    if (h == INVALID_HANDLE_VALUE) {
        win_error(e, "write", path);
        goto done;
    }
    /* Delete-pending while it is written: if the process dies, Windows removes the temp file
     * when it closes the handle, so a kill leaves no half-written file behind. */
    FILE_DISPOSITION_INFO gone = { TRUE };
    bool pending = SetFileInformationByHandle(h, FileDispositionInfo, &gone, sizeof gone) != 0;
    const char *p = data;
    size_t left = len;
    bool ok = true;
    while (ok && left > 0) {
        DWORD chunk = left > 0x40000000u ? 0x40000000u : (DWORD)left, wrote = 0;
        ok = WriteFile(h, p, chunk, &wrote, NULL) && wrote > 0;
        p += wrote;
        left -= wrote;
    }
    ok = ok && FlushFileBuffers(h);
    if (pending) {
        FILE_DISPOSITION_INFO keep = { FALSE };
        ok = ok && SetFileInformationByHandle(h, FileDispositionInfo, &keep, sizeof keep);
    }
    CloseHandle(h);
    if (!ok || !MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        win_error(e, "write", path);
        DeleteFileW(wtmp);
        goto done;
    }
    rc = 0;
done:
    free(wtmp);
    free(wpath);
    free(tmp);
    return rc;
}

/* Each file flushed as it is written: there is no one call that flushes a volume's files short of
 * opening the volume itself, which needs administrator rights. */
int mend_write_file_deferred(const char *path, const void *data, size_t len, mend_err *e)
{
    return mend_write_file_atomic(path, data, len, e);
}

size_t mend_platform_deferred_pending(void)
{
    return 0;
}

int mend_fsync_file(FILE *f)
{
    if (fflush(f) != 0)
        return -1;
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    return h != INVALID_HANDLE_VALUE && FlushFileBuffers(h) ? 0 : -1;
}

struct mend_lock {
    HANDLE h;
};

/* Every open of a lock file shares delete too, so its holder may mark it for deletion while
 * waiters (and a run reading who holds it) have it open. */
#define LOCK_SHARE (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static OVERLAPPED lock_region(void)
{
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.OffsetHigh = 1; /* a byte past the text, so a waiter can read who holds the lock */
    return ov;
}

/* Locked the file that is still at path? A releasing holder marks its file for deletion, so a
 * waiter that then gets the lock on that file must open the path again: a name whose file is
 * pending deletion does not open, and a file made since has another index. */
static bool lock_is_current(HANDLE h, const wchar_t *w)
{
    BY_HANDLE_FILE_INFORMATION a, b;
    if (!GetFileInformationByHandle(h, &a))
        return false;
    HANDLE f = CreateFileW(w, 0, LOCK_SHARE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return false;
    bool same = GetFileInformationByHandle(f, &b) && a.dwVolumeSerialNumber == b.dwVolumeSerialNumber &&
                a.nFileIndexHigh == b.nFileIndexHigh && a.nFileIndexLow == b.nFileIndexLow;
    CloseHandle(f);
    return same;
}

mend_lock *mend_lock_acquire(const char *path, double timeout_s, mend_err *e)
{
    wchar_t *w = widen(path);
    if (!w) {
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    double deadline = mend_monotonic_now() + timeout_s;
    /* The name of a file pending deletion answers access denied until its last handle closes
     * (a holder's release, a waiter's next poll): that long it is a lock still held, as is a
     * moment's reader that does not share writing. */
    double denied_until = mend_monotonic_now() + (timeout_s > 2.0 ? timeout_s : 2.0);
    HANDLE h;
    for (;;) {
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE | DELETE, LOCK_SHARE, NULL, OPEN_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            DWORD err = GetLastError();
            if ((err == ERROR_ACCESS_DENIED || err == ERROR_SHARING_VIOLATION) && mend_monotonic_now() < denied_until) {
                Sleep(20);
                continue;
            }
            win_error(e, "open lock file", path);
            free(w);
            return NULL;
        }
        bool locked = false;
        for (;;) {
            OVERLAPPED ov = lock_region();
            if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
                locked = true;
                break;
            }
            if (GetLastError() != ERROR_LOCK_VIOLATION && GetLastError() != ERROR_IO_PENDING) {
                win_error(e, "lock", path);
                break;
            }
            if (mend_monotonic_now() >= deadline) {
                mend_err_set(e, MEND_E_IN_USE, 0, "%s is locked by another mend run", path);
                break;
            }
            Sleep(50);
        }
        if (!locked) {
            CloseHandle(h);
            free(w);
            return NULL;
        }
        if (lock_is_current(h, w))
            break;
        CloseHandle(h);   /* the last handle of a file being deleted: let it go, then open anew */
    }
    free(w);
    mend_lock *l = malloc(sizeof *l);
    if (!l) {
        CloseHandle(h);
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    l->h = h;
    char owner[192];
    mend_lock_owner_text((long)GetCurrentProcessId(), owner, sizeof owner);
    DWORD wrote = 0;
    /* Who holds it is a courtesy to the next run; the lock holds whether or not it is written. */
    if (SetFilePointer(h, 0, NULL, FILE_BEGIN) == 0 && SetEndOfFile(h))
        WriteFile(h, owner, (DWORD)strlen(owner), &wrote, NULL);
    return l;
}

void mend_lock_release(mend_lock *l)
{
    if (!l)
        return;
    /* Marked for deletion through the held handle while the lock still holds, so no run can
     * take the lock on this file and think it current (see lock_is_current). Only the holder
     * marks it: FILE_FLAG_DELETE_ON_CLOSE would let a waiter's close delete a held lock. An
     * open without FILE_SHARE_DELETE (a reader elsewhere) refuses it for a moment. */
    FILE_DISPOSITION_INFO del = { TRUE };
    for (int i = 0; i < 10 && !SetFileInformationByHandle(l->h, FileDispositionInfo, &del, sizeof del) &&
                    GetLastError() == ERROR_SHARING_VIOLATION; i++)
        Sleep(10);
    OVERLAPPED ov = lock_region();
    UnlockFileEx(l->h, 0, 1, 0, &ov);   /* at once: a close frees its locks only eventually */
    CloseHandle(l->h);
    free(l);
}

void mend_lock_holder(const char *path, char *buf, size_t size)
{
    if (!size)
        return;
    buf[0] = '\0';
    wchar_t *w = widen(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_READ, LOCK_SHARE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return;
    char text[512];
    DWORD got = 0;
    if (!ReadFile(h, text, sizeof text - 1, &got, NULL))
        got = 0;
    CloseHandle(h);
    text[got] = '\0';
    size_t n = strcspn(text, "\r\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

/* A console, not a pipe or the NUL device (which _isatty also calls a character device). */
static bool is_console(DWORD which)
{
    HANDLE h = GetStdHandle(which);
    DWORD mode;
    return h && h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_CHAR && GetConsoleMode(h, &mode);
}

bool mend_isatty_stdin(void)
{
    return is_console(STD_INPUT_HANDLE);
}

bool mend_isatty_stderr(void)
{
    return is_console(STD_ERROR_HANDLE);
}

bool mend_isatty_stdout(void)
{
    return is_console(STD_OUTPUT_HANDLE);
}

int mend_console_columns(void)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (!GetConsoleScreenBufferInfo(GetStdHandle(STD_OUTPUT_HANDLE), &info))
        return 0;
    return info.srWindow.Right - info.srWindow.Left + 1;
}

double mend_wall_now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns ticks since 1601 -> seconds since 1970. */
    return (double)(t - 116444736000000000ULL) / 1e7;
}

char *mend_computer_name(void)
{
    wchar_t buf[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD n = MAX_COMPUTERNAME_LENGTH + 1;
    return GetComputerNameW(buf, &n) ? narrow(buf) : NULL;
}

double mend_monotonic_now(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

void mend_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

static char g_watchdog_msg[256];
static HANDLE g_watchdog;

static VOID CALLBACK watchdog_fired(PVOID arg, BOOLEAN fired)
{
    (void)arg;
    (void)fired;
    DWORD n;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), g_watchdog_msg, (DWORD)strlen(g_watchdog_msg), &n, NULL);
    TerminateProcess(GetCurrentProcess(), 2); /* the stuck thread holds Lua: no orderly exit */
}

void mend_watchdog_set(double seconds, const char *msg)
{
    if (g_watchdog) {
        DeleteTimerQueueTimer(NULL, g_watchdog, NULL);
        g_watchdog = NULL;
    }
    if (seconds <= 0)
        return;
    snprintf(g_watchdog_msg, sizeof g_watchdog_msg, "mend: %s\r\n", msg ? msg : "stopped by the watchdog");
    DWORD ms = seconds >= 4e6 ? 4000000000u : (DWORD)(seconds * 1000.0) + 1000u;
    if (!CreateTimerQueueTimer(&g_watchdog, NULL, watchdog_fired, NULL, ms, 0, WT_EXECUTEONLYONCE))
        g_watchdog = NULL;
}

/* Runs fn with thread t suspended between two of its instructions, as a signal handler would
 * interrupt it (GetThreadContext returns once the suspension has taken effect). fn takes no lock
 * the suspended thread could hold: it sets flags and calls lua_sethook. */
static void run_suspended(HANDLE t, void (*fn)(void))
{
    if (t && SuspendThread(t) != (DWORD)-1) {
        CONTEXT c;
        memset(&c, 0, sizeof c);
        c.ContextFlags = CONTEXT_CONTROL;
        GetThreadContext(t, &c);
        fn();
        ResumeThread(t);
        return;
    }
    fn();
}

/* The calling thread, as a handle other threads can suspend (NULL if it cannot be had). */
static HANDLE this_thread(void)
{
    HANDLE t = NULL;
    if (!DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &t,
                         THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT, FALSE, 0))
        return NULL;
    return t;
}

static HANDLE g_nudge, g_nudge_thread;
static void (*volatile g_nudge_fn)(void);

static VOID CALLBACK nudge_fired(PVOID arg, BOOLEAN fired)
{
    (void)arg;
    (void)fired;
    void (*fn)(void) = (void (*)(void))InterlockedExchangePointer((PVOID volatile *)&g_nudge_fn, NULL);
    if (fn)
        run_suspended(g_nudge_thread, fn);
}

void mend_nudge_set(double seconds, void (*fn)(void))
{
    if (g_nudge) {
        /* INVALID_HANDLE_VALUE: waits for a callback under way (it suspends this thread only
         * around fn, so the wait ends). */
        DeleteTimerQueueTimer(NULL, g_nudge, INVALID_HANDLE_VALUE);
        g_nudge = NULL;
    }
    g_nudge_fn = NULL;
    if (!fn)
        return;
    if (g_nudge_thread)
        CloseHandle(g_nudge_thread);
    g_nudge_thread = this_thread();
    g_nudge_fn = fn;
    DWORD ms = seconds >= 4e6 ? 4000000000u : seconds > 0 ? (DWORD)(seconds * 1000.0) + 1u : 1u;
    if (!CreateTimerQueueTimer(&g_nudge, NULL, nudge_fired, NULL, ms, 0, WT_EXECUTEONLYONCE))
        g_nudge = NULL;
}

char *mend_exe_dir(void)
{
    DWORD cap = MAX_PATH;
    for (int tries = 0; tries < 6; tries++, cap *= 4) {
        wchar_t *w = malloc(cap * sizeof *w);
        if (!w)
            return NULL;
        DWORD n = GetModuleFileNameW(NULL, w, cap);
        if (n > 0 && n < cap) {
            char *path = narrow(w);
            free(w);
            char *dir = path ? mend_dirname(path) : NULL;
            free(path);
            return dir;
        }
        free(w);
        if (n == 0)
            return NULL;
    }
    return NULL;
}

char *mend_getenv(const char *name)
{
    wchar_t *wn = widen(name);
    const wchar_t *v = wn ? _wgetenv(wn) : NULL;
    free(wn);
    return v && *v ? narrow(v) : NULL;
}

char *mend_state_dir(void)
{
    char *v = mend_getenv("MEND_STATE_DIR");
    if (v)
        return v;
    /* mend runs elevated (often as SYSTEM under SCCM or Intune): one machine-wide folder, so a
     * fix interrupted by a reboot finds its journal whoever runs the resume. */
    static const char *const bases[] = {"ProgramData", "LOCALAPPDATA"};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
        char *base = mend_getenv(bases[i]);
        if (base) {
            char *dir = mend_path_join(base, "mend");
            free(base);
            return dir;
        }
    }
    return NULL;
}

char *mend_path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    bool sep = na > 0 && !is_sep(a[na - 1]);
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    if (sep)
        p[na++] = '\\';
    memcpy(p + na, b, nb + 1);
    return p;
}

char *mend_dirname(const char *path)
{
    const char *last = NULL;
    for (const char *s = path; *s; s++)
        if (is_sep(*s))
            last = s;
    size_t root = path[0] && path[1] == ':' ? 2 : 0;
    if (!last) {
        if (!root)
            return mend_dupstr(".");
        char drive[3] = {path[0], ':', '\0'}; /* "C:file" lives in C:'s current folder */
        return mend_dupstr(drive);
    }
    size_t n = (size_t)(last - path);
    if (n <= root)
        n = root + 1; /* keep "C:\" or "\" */
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, path, n);
    p[n] = '\0';
    return p;
}

void mend_gmtime(long long secs, struct tm *out)
{
    time_t t = (time_t)secs;
    /* The CRT keeps gmtime's result per thread. */
    struct tm *tm = gmtime(&t);
    if (tm)
        *out = *tm;
    else
        memset(out, 0, sizeof *out);
}

static void (*g_on_interrupt)(void);
static volatile LONG g_interrupts;
static HANDLE g_interrupt_thread;

static BOOL WINAPI console_handler(DWORD type)
{
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT)
        return FALSE;
    /* The first one stops the script at a safe point; the second ends mend at once. */
    if (InterlockedIncrement(&g_interrupts) > 1 || !g_on_interrupt)
        return FALSE;
    run_suspended(g_interrupt_thread, g_on_interrupt);
    return TRUE;
}

void mend_on_interrupt(void (*fn)(void))
{
    g_on_interrupt = fn;
    if (!g_interrupt_thread)
        g_interrupt_thread = this_thread();
    SetConsoleCtrlHandler(console_handler, TRUE);
}

void mend_on_terminate(void (*fn)(void))
{
    (void)fn;   /* the console's close event ends the shell's process as before */
}

int mend_platform_init(int *argc, char ***argv)
{
    SetConsoleOutputCP(CP_UTF8);
    SetConsoleCP(CP_UTF8);
    /* Colour needs the console to understand ANSI sequences (Windows 10+); where it cannot,
     * NO_COLOR keeps escape codes off the screen. */
    /* Both streams: the progress line and warnings on stderr, the coloured table on stdout. */
    static const DWORD streams[] = {STD_ERROR_HANDLE, STD_OUTPUT_HANDLE};
    for (size_t i = 0; i < sizeof streams / sizeof *streams; i++) {
        HANDLE h = GetStdHandle(streams[i]);
        DWORD mode;
        if (h && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) &&
            !SetConsoleMode(h, mode | 0x0004 /* ENABLE_VIRTUAL_TERMINAL_PROCESSING */))
            _wputenv(L"NO_COLOR=1");
    }
    /* The CRT's argv is in the ANSI code page; policy names and paths need every character. */
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!wargv)
        return -1;
    char **args = calloc((size_t)n + 1, sizeof *args);
    if (!args) {
        LocalFree(wargv);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        args[i] = narrow(wargv[i]);
        if (!args[i]) {
            LocalFree(wargv);
            return -1;
        }
    }
    LocalFree(wargv);
    /* Lives for the whole process, like the CRT's own argv. */
    *argc = n;
    *argv = args;
    return 0;
}

char *mend_realpath(const char *path)
{
    wchar_t *w = widen(path);
    if (!w)
        return NULL;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    wchar_t buf[32768];
    DWORD n = GetFinalPathNameByHandleW(h, buf, (DWORD)(sizeof buf / sizeof buf[0]), FILE_NAME_NORMALIZED);
    CloseHandle(h);
    if (n == 0 || n >= sizeof buf / sizeof buf[0])
        return NULL;
    const wchar_t *p = buf;
    /* \\?\C:\... -> C:\... ; \\?\UNC\server\share -> \\server\share */
    if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
        p += 6;
        buf[6] = L'\\';
    } else if (wcsncmp(p, L"\\\\?\\", 4) == 0) {
        p += 4;
    }
    return narrow(p);
}
