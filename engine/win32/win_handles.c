/* Handle scan: SystemExtendedHandleInformation under SeDebugPrivilege, each handle's type and name via NtQueryObject, and the processes it could not open. */
#include "win_internal.h"

#include <winternl.h>
#include <tlhelp32.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SYSTEM_EXTENDED_HANDLE_INFORMATION 64
#define STATUS_INFO_LENGTH_MISMATCH_ ((NTSTATUS)0xC0000004L)
#define HANDLE_BUFFER_MAX (1u << 30)
#define NAME_TIMEOUT_MS 200u
#define MAX_ABANDONED 8          /* hung name queries tolerated before File names are skipped */

typedef struct handle_entry {
    PVOID object;
    ULONG_PTR pid;
    ULONG_PTR value;
    ULONG access;
    USHORT backtrace;
    USHORT type_index;
    ULONG attributes;
    ULONG reserved;
} handle_entry;

typedef struct handle_table {
    ULONG_PTR count;
    ULONG_PTR reserved;
    handle_entry entries[1];
} handle_table;

/* ---- the name worker: NtQueryObject(ObjectNameInformation) can block forever on a
 * synchronous pipe another thread is reading, so it runs on a thread we can abandon ---- */

typedef struct name_worker {
    HANDLE thread, go, done;
    HANDLE obj;
    bool is_file;
    bool quit;
    wchar_t *result;           /* malloc'd by the worker, NULL when there is no name */
} name_worker;

win_name_query_fn win_handles_name_query_hook;

wchar_t *win_object_name(HANDLE obj)
{
    ULONG size = 1024, need = 0;
    BYTE *buf = malloc(size);
    if (!buf)
        return NULL;
    NTSTATUS st = NtQueryObject(obj, (OBJECT_INFORMATION_CLASS)1, buf, size, &need);
    if ((st == STATUS_INFO_LENGTH_MISMATCH_ || st == (NTSTATUS)0x80000005L ||
         st == (NTSTATUS)0xC0000023L) && need > size && need < 65536) {
        BYTE *grown = realloc(buf, need);
        if (grown) {
            buf = grown;
            size = need;
            st = NtQueryObject(obj, (OBJECT_INFORMATION_CLASS)1, buf, size, &need);
        }
    }
    wchar_t *name = NULL;
    const UNICODE_STRING *us = (const UNICODE_STRING *)buf;
    if (st >= 0 && us->Buffer && us->Length > 0) {
        size_t n = us->Length / sizeof(wchar_t);
        name = malloc((n + 1) * sizeof(wchar_t));
        if (name) {
            memcpy(name, us->Buffer, n * sizeof(wchar_t));
            name[n] = L'\0';
        }
    }
    free(buf);
    return name;
}

static DWORD WINAPI name_worker_main(LPVOID arg)
{
    name_worker *w = arg;
    for (;;) {
        WaitForSingleObject(w->go, INFINITE);
        if (w->quit)
            break;
        if (win_handles_name_query_hook)
            w->result = win_handles_name_query_hook(w->obj, w->is_file);
        /* Pipes have no useful name, and asking can hang even GetFileType: skip them. */
        else if (w->is_file && GetFileType(w->obj) == FILE_TYPE_PIPE)
            w->result = NULL;
        else
            w->result = win_object_name(w->obj);
        SetEvent(w->done);
    }
    return 0;
}

static name_worker *name_worker_new(void)
{
    name_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->go = CreateEventW(NULL, FALSE, FALSE, NULL);
    w->done = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (w->go && w->done)
        w->thread = CreateThread(NULL, 64 * 1024, name_worker_main, w, 0, NULL);
    if (!w->thread) {
        if (w->go)
            CloseHandle(w->go);
        if (w->done)
            CloseHandle(w->done);
        free(w);
        return NULL;
    }
    return w;
}

static void name_worker_free(name_worker *w)
{
    if (!w)
        return;
    w->quit = true;
    SetEvent(w->go);
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
    CloseHandle(w->go);
    CloseHandle(w->done);
    free(w);
}

/* The object's name, or NULL; *hung is set when the query timed out (the worker is then
 * abandoned and *wp replaced). */
static wchar_t *query_name(name_worker **wp, HANDLE obj, bool is_file, bool *hung)
{
    name_worker *w = *wp;
    *hung = false;
    if (!w)
        return NULL;
    w->obj = obj;
    w->is_file = is_file;
    SetEvent(w->go);
    if (WaitForSingleObject(w->done, NAME_TIMEOUT_MS) == WAIT_OBJECT_0)
        return w->result;
    *hung = true;
    TerminateThread(w->thread, 1);
    /* A thread that cannot be stopped keeps its structure and handles: leak them rather than
     * pull memory out from under it. */
    if (WaitForSingleObject(w->thread, 1000) == WAIT_OBJECT_0) {
        CloseHandle(w->thread);
        CloseHandle(w->go);
        CloseHandle(w->done);
        free(w);
    }
    *wp = name_worker_new();
    return NULL;
}

/* ---- helpers ---- */

static wchar_t *type_name(HANDLE obj)
{
    union { PUBLIC_OBJECT_TYPE_INFORMATION info; BYTE raw[1024]; } u;
    ULONG need = 0;
    if (NtQueryObject(obj, ObjectTypeInformation, &u, sizeof u, &need) < 0 || !u.info.TypeName.Buffer)
        return NULL;
    size_t n = u.info.TypeName.Length / sizeof(wchar_t);
    wchar_t *s = malloc((n + 1) * sizeof *s);
    if (s) {
        memcpy(s, u.info.TypeName.Buffer, n * sizeof *s);
        s[n] = L'\0';
    }
    return s;
}

typedef struct proc_names {
    DWORD *pid;
    wchar_t (*name)[MAX_PATH];
    size_t n;
} proc_names;

static void proc_names_load(proc_names *p)
{
    memset(p, 0, sizeof *p);
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return;
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof pe;
    size_t cap = 0;
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        if (p->n == cap) {
            size_t ncap = cap ? cap * 2 : 128;
            DWORD *np = realloc(p->pid, ncap * sizeof *np);
            if (np)
                p->pid = np;
            wchar_t (*nn)[MAX_PATH] = realloc(p->name, ncap * sizeof *nn);
            if (nn)
                p->name = nn;
            if (!np || !nn)
                break;
            cap = ncap;
        }
        p->pid[p->n] = pe.th32ProcessID;
        wcsncpy(p->name[p->n], pe.szExeFile, MAX_PATH - 1);
        p->name[p->n][MAX_PATH - 1] = L'\0';
        p->n++;
    }
    CloseHandle(snap);
}

static const wchar_t *proc_name_of(const proc_names *p, DWORD pid)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->pid[i] == pid)
            return p->name[i];
    return L"";
}

/* The whole handle table; Wine answers a short buffer with a needed length of 0, so the
 * buffer grows by doubling whatever the answer says. */
static handle_table *query_handles(mend_err *e)
{
    ULONG size = 1u << 20;
    for (;;) {
        handle_table *t = malloc(size);
        if (!t) {
            win_err_oom(e);
            return NULL;
        }
        ULONG need = 0;
        NTSTATUS st = NtQuerySystemInformation((SYSTEM_INFORMATION_CLASS)SYSTEM_EXTENDED_HANDLE_INFORMATION,
                                               t, size, &need);
        if (st >= 0)
            return t;
        free(t);
        if (st != STATUS_INFO_LENGTH_MISMATCH_) {
            mend_err_set(e, MEND_E_IO, RtlNtStatusToDosError(st),
                         "cannot list the system's handles (NTSTATUS 0x%08lX)", (unsigned long)st);
            return NULL;
        }
        ULONG next = size * 2;
        if (need > size && need + (1u << 16) > next)
            next = need + (1u << 16);
        if (next > HANDLE_BUFFER_MAX || next <= size) {
            mend_err_set(e, MEND_E_IO, 0, "the system's handle table is too large to read");
            return NULL;
        }
        size = next;
    }
}

/* HKLM\X in a name filter means the object name \REGISTRY\MACHINE\X. */
static wchar_t *name_filter(const char *name, mend_err *e)
{
    static const struct { const char *root; const wchar_t *nt; } map[] = {
        { "HKLM\\", L"\\REGISTRY\\MACHINE\\" }, { "HKEY_LOCAL_MACHINE\\", L"\\REGISTRY\\MACHINE\\" },
        { "HKU\\", L"\\REGISTRY\\USER\\" }, { "HKEY_USERS\\", L"\\REGISTRY\\USER\\" },
        { "HKCR\\", L"\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\" },
        { "HKEY_CLASSES_ROOT\\", L"\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t rl = strlen(map[i].root);
        if (_strnicmp(name, map[i].root, rl) != 0)
            continue;
        wchar_t *rest = win_wide(name + rl, e);
        if (!rest)
            return NULL;
        wchar_t *w = malloc((wcslen(map[i].nt) + wcslen(rest) + 1) * sizeof *w);
        if (w) {
            wcscpy(w, map[i].nt);
            wcscat(w, rest);
        } else {
            win_err_oom(e);
        }
        free(rest);
        return w;
    }
    return win_wide(name, e);
}

/* ---- SeDebugPrivilege: OpenProcess(PROCESS_DUP_HANDLE) on service and system processes
 * needs it; enabled for the scan only and put back as it was (AdjustTokenPrivileges'
 * PreviousState holds just what it changed, so restoring it undoes exactly that) ---- */

typedef struct debug_priv {
    HANDLE tok;
    TOKEN_PRIVILEGES prev;
    bool changed;
} debug_priv;

static void debug_priv_enable(debug_priv *d)
{
    memset(d, 0, sizeof *d);
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &d->tok)) {
        d->tok = NULL;
        return;
    }
    TOKEN_PRIVILEGES tp;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (!LookupPrivilegeValueW(NULL, SE_DEBUG_NAME, &tp.Privileges[0].Luid))
        return;
    DWORD len = 0;
    /* Without the privilege in the token (not elevated) this "succeeds" with
     * ERROR_NOT_ALL_ASSIGNED and changes nothing: the scan goes on and reports what it missed. */
    if (AdjustTokenPrivileges(d->tok, FALSE, &tp, sizeof d->prev, &d->prev, &len))
        d->changed = d->prev.PrivilegeCount > 0;
}

static void debug_priv_restore(debug_priv *d)
{
    if (d->changed)
        AdjustTokenPrivileges(d->tok, FALSE, &d->prev, 0, NULL, NULL);
    if (d->tok)
        CloseHandle(d->tok);
}

/* ---- the processes the last scan could not open (kept until the next scan) ---- */

static mend_unseen *last_unseen;
static size_t last_nunseen, last_capunseen;

static void unseen_reset(void)
{
    mend_unseen_free_list(last_unseen, last_nunseen);
    last_unseen = NULL;
    last_nunseen = last_capunseen = 0;
}

static int unseen_add(DWORD pid, const wchar_t *proc, DWORD err)
{
    if (last_nunseen == last_capunseen) {
        size_t ncap = last_capunseen ? last_capunseen * 2 : 16;
        mend_unseen *grown = realloc(last_unseen, ncap * sizeof *grown);
        if (!grown)
            return -1;
        last_unseen = grown;
        last_capunseen = ncap;
    }
    mend_err why;
    win_err(&why, err, NULL);
    mend_unseen *u = &last_unseen[last_nunseen++];
    u->pid = pid;
    u->process = win_utf8(proc, -1);
    u->error = mend_strdup(why.msg);
    return u->process && u->error ? 0 : -1;
}

static bool unseen_has(DWORD pid)
{
    for (size_t i = 0; i < last_nunseen; i++)
        if (last_unseen[i].pid == pid)
            return true;
    return false;
}

static int by_unseen_pid(const void *a, const void *b)
{
    uint32_t x = ((const mend_unseen *)a)->pid, y = ((const mend_unseen *)b)->pid;
    return (x > y) - (x < y);
}

static void sort_unseen(void)
{
    if (last_nunseen > 1)
        qsort(last_unseen, last_nunseen, sizeof *last_unseen, by_unseen_pid);
}

int win_handles_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = calloc(last_nunseen + 1, sizeof **out);
    *n = 0;
    if (!*out)
        return win_err_oom(e);
    for (size_t i = 0; i < last_nunseen; i++) {
        mend_unseen *u = &(*out)[i];
        u->pid = last_unseen[i].pid;
        u->process = mend_strdup(last_unseen[i].process);
        u->error = mend_strdup(last_unseen[i].error);
        *n = i + 1;
        if (!u->process || !u->error) {
            mend_unseen_free_list(*out, *n);
            *out = NULL;
            *n = 0;
            return win_err_oom(e);
        }
    }
    return 0;
}

typedef struct scan_out {
    mend_handle *list;
    size_t n, cap;
} scan_out;

static int push(scan_out *o, DWORD pid, const wchar_t *proc, ULONG_PTR value, const wchar_t *type,
                const wchar_t *name, ULONG access)
{
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 256;
        mend_handle *grown = realloc(o->list, ncap * sizeof *grown);
        if (!grown)
            return -1;
        o->list = grown;
        o->cap = ncap;
    }
    mend_handle *h = &o->list[o->n];
    h->pid = pid;
    h->handle = value;
    h->access = access;
    h->process = win_utf8(proc, -1);
    h->type = win_utf8(type ? type : L"", -1);
    h->name = win_utf8(name ? name : L"", -1);
    o->n++;
    return h->process && h->type && h->name ? 0 : -1;
}

int win_handles_scan(void *ctx, const mend_handle_filter *f, mend_handle **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    win_reg_drop_listed();   /* mend's own kept registry key must not be reported as a holder */
    static const mend_handle_filter any;
    if (!f)
        f = &any;
    wchar_t *want_proc = NULL, *want_type = NULL, *want_name = NULL;
    if ((f->process && !(want_proc = win_wide(f->process, e))) ||
        (f->type && !(want_type = win_wide(f->type, e))) ||
        (f->name && !(want_name = name_filter(f->name, e)))) {
        free(want_proc);
        free(want_type);
        return -1;
    }
    handle_table *t = query_handles(e);
    if (!t) {
        free(want_proc);
        free(want_type);
        free(want_name);
        return -1;
    }
    proc_names procs;
    proc_names_load(&procs);
    unseen_reset();
    debug_priv priv;
    debug_priv_enable(&priv);
    name_worker *worker = name_worker_new();
    scan_out o = { NULL, 0, 0 };
    DWORD self = GetCurrentProcessId(), open_pid = (DWORD)-1;
    HANDLE open_proc = NULL;
    int abandoned = 0, ret = 0;

    for (ULONG_PTR i = 0; i < t->count && ret == 0; i++) {
        const handle_entry *he = &t->entries[i];
        DWORD pid = (DWORD)he->pid;
        if (f->has_pid && pid != f->pid)
            continue;
        const wchar_t *pname = proc_name_of(&procs, pid);
        if (want_proc && !win_ieq(pname, want_proc))
            continue;
        if (pid != open_pid) {
            if (open_proc && open_proc != GetCurrentProcess())
                CloseHandle(open_proc);
            open_pid = pid;
            open_proc = pid == self ? GetCurrentProcess() : OpenProcess(PROCESS_DUP_HANDLE, FALSE, pid);
            /* The handle table is sorted by nothing we rely on: a pid may come back later. */
            if (!open_proc && !unseen_has(pid) && unseen_add(pid, pname, GetLastError()) != 0)
                ret = win_err_oom(e);
        }
        HANDLE dup = NULL;
        if (open_proc && !DuplicateHandle(open_proc, (HANDLE)he->value, GetCurrentProcess(), &dup, 0,
                                          FALSE, DUPLICATE_SAME_ACCESS))
            dup = NULL;
        wchar_t *type = dup ? type_name(dup) : NULL;
        wchar_t *name = NULL;
        bool keep = !want_type || (type && win_ieq(type, want_type));
        if (keep && dup) {
            bool is_file = type && wcscmp(type, L"File") == 0;
            if (!(is_file && abandoned >= MAX_ABANDONED)) {
                bool hung;
                name = query_name(&worker, dup, is_file, &hung);
                if (hung) {
                    abandoned++;
                    dup = NULL;    /* possibly still in use by the abandoned thread */
                }
            }
        }
        if (keep && want_name)
            keep = name && win_icontains(name, want_name);
        if (keep && push(&o, pid, pname, he->value, type, name, he->access) != 0)
            ret = win_err_oom(e);
        free(type);
        free(name);
        if (dup)
            CloseHandle(dup);
    }
    if (open_proc && open_proc != GetCurrentProcess())
        CloseHandle(open_proc);
    name_worker_free(worker);
    debug_priv_restore(&priv);
    sort_unseen();
    free(procs.pid);
    free(procs.name);
    free(t);
    free(want_proc);
    free(want_type);
    free(want_name);
    if (ret != 0) {
        mend_handle_free_list(o.list, o.n);
        return -1;
    }
    *out = o.list;
    *n = o.n;
    return 0;
}
