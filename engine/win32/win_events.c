/* The event log on Windows: PAStore's IPsec policy failures that carry 13023, through wevtapi.dll. */
#include "win_internal.h"

#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The Security log's PAStore (Policy Agent) failures that carry an error code (docs/windows-model.md:
 * 5461 failed to apply local registry storage policy, 5462 failed to apply some rules of the
 * active policy, 5474 failed to load some quick mode filters, 5477 failed to add a quick mode
 * filter). Reading the Security log needs an administrator, as every mend fix does. */
#define EVENTS_QUERY L"*[System[(EventID=5461 or EventID=5462 or EventID=5474 or EventID=5477) and " \
                     L"TimeCreated[timediff(@SystemTime) <= %llu]]]"
#define EVENTS_MAX 1000

typedef EVT_HANDLE(WINAPI *evt_query_fn)(EVT_HANDLE, LPCWSTR, LPCWSTR, DWORD);
typedef BOOL(WINAPI *evt_next_fn)(EVT_HANDLE, DWORD, EVT_HANDLE *, DWORD, DWORD, PDWORD);
typedef BOOL(WINAPI *evt_render_fn)(EVT_HANDLE, EVT_HANDLE, DWORD, DWORD, PVOID, PDWORD, PDWORD);
typedef BOOL(WINAPI *evt_close_fn)(EVT_HANDLE);

typedef struct evt_api {
    evt_query_fn query;
    evt_next_fn next;
    evt_render_fn render;
    evt_close_fn close;
} evt_api;

static int unsupported(mend_err *e, DWORD code, const char *why)
{
    return mend_err_set(e, MEND_E_UNSUPPORTED, code, "the event log cannot be read here (%s)", why);
}

/* Loaded from System32 only, never beside mend.exe. */
static int load_api(evt_api *api, mend_err *e)
{
    HMODULE dll = win_system_dll(L"wevtapi.dll");
    if (!dll)
        return unsupported(e, GetLastError(), "wevtapi.dll is not in System32");
    api->query = (evt_query_fn)(void (*)(void))GetProcAddress(dll, "EvtQuery");
    api->next = (evt_next_fn)(void (*)(void))GetProcAddress(dll, "EvtNext");
    api->render = (evt_render_fn)(void (*)(void))GetProcAddress(dll, "EvtRender");
    api->close = (evt_close_fn)(void (*)(void))GetProcAddress(dll, "EvtClose");
    if (!api->query || !api->next || !api->render || !api->close)
        return unsupported(e, GetLastError(), "wevtapi.dll lacks EvtQuery, EvtNext, EvtRender or EvtClose");
    return 0;
}

/* The text after `key` up to the quote that opened it (' or "), as a malloc'd UTF-16 copy. */
static wchar_t *attr_after(const wchar_t *from, const wchar_t *key)
{
    const wchar_t *p = wcsstr(from, key);
    if (!p)
        return NULL;
    p += wcslen(key);
    wchar_t q = *p;
    if (q != L'\'' && q != L'"')
        return NULL;
    const wchar_t *end = wcschr(++p, q);
    if (!end)
        return NULL;
    size_t n = (size_t)(end - p);
    wchar_t *out = malloc((n + 1) * sizeof *out);
    if (out) {
        wmemcpy(out, p, n);
        out[n] = 0;
    }
    return out;
}

/* "2026-12-02T19:33:27.1234567Z" -> seconds since the Unix epoch; 0 when unreadable. */
static double parse_time(const wchar_t *s)
{
    SYSTEMTIME st = { 0 };
    unsigned y, mo, d, h, mi, sec;
    if (!s || swscanf(s, L"%4u-%2u-%2uT%2u:%2u:%2u", &y, &mo, &d, &h, &mi, &sec) != 6)
        return 0;
    st.wYear = (WORD)y, st.wMonth = (WORD)mo, st.wDay = (WORD)d;
    st.wHour = (WORD)h, st.wMinute = (WORD)mi, st.wSecond = (WORD)sec;
    FILETIME ft;
    if (!SystemTimeToFileTime(&st, &ft))
        return 0;
    ULONGLONG t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (double)(t - 116444736000000000ULL) / 1e7;
}

static double now_epoch(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    ULONGLONG t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (double)(t - 116444736000000000ULL) / 1e7;
}

/* Appends "Name=value" for every <Data Name='...'>value</Data>; *policy gets the first value
 * whose name mentions a policy (which field names it is inferred, not documented). */
static void read_data(const wchar_t *xml, wchar_t *msg, size_t cap, wchar_t **policy)
{
    const wchar_t *p = xml;
    size_t len = wcslen(msg);
    while ((p = wcsstr(p, L"<Data Name=")) != NULL) {
        wchar_t *name = attr_after(p, L"<Data Name=");
        const wchar_t *open = wcschr(p, L'>');
        const wchar_t *close = open ? wcsstr(open, L"</Data>") : NULL;
        if (!name || !open || !close || open[-1] == L'/') {
            free(name);
            p += 11;
            continue;
        }
        int vn = (int)(close - open - 1);
        int k = _snwprintf(msg + len, cap - len, L"%ls%ls=%.*ls", len ? L"; " : L"", name, vn, open + 1);
        if (k > 0 && (size_t)k < cap - len)
            len += (size_t)k;
        msg[cap - 1] = 0;
        if (!*policy && win_icontains(name, L"Policy") && vn > 0) {
            *policy = malloc(((size_t)vn + 1) * sizeof **policy);
            if (*policy) {
                wmemcpy(*policy, open + 1, (size_t)vn);
                (*policy)[vn] = 0;
            }
        }
        free(name);
        p = close;
    }
}

/* One rendered record: kept when it carries 13023 and names a policy. 1 kept, 0 skipped, -1 oom. */
static int keep(const wchar_t *xml, mend_event *ev)
{
    if (!wcsstr(xml, L"13023") && !win_icontains(xml, L"0x32DF"))
        return 0;
    wchar_t msg[1024] = L"";
    wchar_t *policy = NULL;
    read_data(xml, msg, sizeof msg / sizeof *msg, &policy);
    if (!policy)
        return 0;
    wchar_t *source = attr_after(xml, L"<Provider Name=");
    wchar_t *time = attr_after(xml, L"SystemTime=");
    const wchar_t *id = wcsstr(xml, L"<EventID");
    id = id ? wcschr(id, L'>') : NULL;
    memset(ev, 0, sizeof *ev);
    ev->time = parse_time(time);
    ev->id = id ? (uint32_t)wcstoul(id + 1, NULL, 10) : 0;
    ev->code = MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION;
    ev->source = source ? win_utf8(source, -1) : mend_strdup("");
    ev->policy = win_utf8(policy, -1);
    ev->message = win_utf8(msg, -1);
    free(source);
    free(time);
    free(policy);
    if (!ev->source || !ev->policy || !ev->message) {
        free(ev->source);
        free(ev->policy);
        free(ev->message);
        return -1;
    }
    return 1;
}

static int render(const evt_api *api, EVT_HANDLE h, wchar_t **xml, DWORD *cap, mend_err *e)
{
    DWORD used = 0, props = 0;
    if (api->render(NULL, h, EvtRenderEventXml, *cap, *xml, &used, &props))
        return 0;
    DWORD err = GetLastError();
    if (err != ERROR_INSUFFICIENT_BUFFER)
        return win_err(e, err, "cannot render an event of the Security log");
    wchar_t *bigger = realloc(*xml, used + sizeof(wchar_t));
    if (!bigger)
        return win_err_oom(e);
    *xml = bigger;
    *cap = used;
    if (!api->render(NULL, h, EvtRenderEventXml, *cap, *xml, &used, &props))
        return win_err(e, GetLastError(), "cannot render an event of the Security log");
    return 0;
}

int win_events_recent(void *ctx, double since, mend_event **out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    evt_api api = { 0 };
    if (load_api(&api, e) != 0)
        return -1;
    double span = now_epoch() - since;
    unsigned long long ms = span <= 0 ? 0 : span > 3.0e9 ? 3000000000000ULL : (unsigned long long)(span * 1000);
    wchar_t query[256];
    _snwprintf(query, sizeof query / sizeof *query, EVENTS_QUERY, ms);
    query[sizeof query / sizeof *query - 1] = 0;
    SetLastError(0);   /* a stub (Wine's) fails without saying why; Windows always says */
    EVT_HANDLE rs = api.query(NULL, L"Security", query, EvtQueryChannelPath | EvtQueryReverseDirection);
    if (!rs) {
        DWORD err = GetLastError();
        if (err == 0 || err == ERROR_CALL_NOT_IMPLEMENTED || err == ERROR_NOT_SUPPORTED || err == ERROR_INVALID_FUNCTION ||
            err == ERROR_EVT_CHANNEL_NOT_FOUND)
            return unsupported(e, err, "EvtQuery of the Security log is not implemented or the log is absent");
        return win_err(e, err, "cannot query the Security log for IPsec policy events");
    }
    mend_event *list = calloc(EVENTS_MAX, sizeof *list);
    DWORD cap = 8192;
    wchar_t *xml = malloc(cap);
    int ret = 0;
    size_t k = 0;
    if (!list || !xml)
        ret = win_err_oom(e);
    while (ret == 0 && k < EVENTS_MAX) {
        EVT_HANDLE batch[16];
        DWORD got = 0;
        if (!api.next(rs, 16, batch, INFINITE, 0, &got)) {
            DWORD err = GetLastError();
            if (err != ERROR_NO_MORE_ITEMS)
                ret = win_err(e, err, "cannot read the Security log");
            break;
        }
        for (DWORD i = 0; i < got; i++) {
            if (ret == 0 && k < EVENTS_MAX && render(&api, batch[i], &xml, &cap, e) == 0) {
                int kept = keep(xml, &list[k]);
                if (kept < 0)
                    ret = win_err_oom(e);
                k += kept > 0;
            } else if (ret == 0 && k < EVENTS_MAX) {
                ret = -1;
            }
            api.close(batch[i]);
        }
    }
    api.close(rs);
    free(xml);
    if (ret != 0) {
        mend_event_free_list(list, k);
        return -1;
    }
    *out = list;
    *n = k;
    return 0;
}
