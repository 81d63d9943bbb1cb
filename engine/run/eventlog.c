/* The run's Application-log event: ReportEventW on Windows, a JSON line through the test seam. */
#include "eventlog.h"
#include "platform.h"
#include "summary.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include "utf.h"
#endif

enum { MAX_ADVICE_LINES = 20, MAX_MESSAGE = 16 * 1024 };

static bool is(const char *s, const char *what)
{
    return s && strcmp(s, what) == 0;
}

static cJSON *read_back(const mend_report *r)
{
    char *json = r ? mend_report_json_brief(r) : NULL;
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    free(json);
    return doc;
}

static const char *outcome_of(const cJSON *doc)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "outcome");
    return cJSON_IsString(o) ? o->valuestring : "failed";
}

static bool problem_remains(const cJSON *doc)
{
    const char *o = outcome_of(doc);
    return !is(o, "fixed") && !is(o, "healthy");
}

bool mend_eventlog_wanted_doc(const cJSON *doc)
{
    /* A dry run is a rehearsal: collectors alert on events, and nothing happened. */
    if (!cJSON_IsObject(doc) || !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(doc, "dry_run")))
        return false;
    bool changed = false;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(doc, "actions"))
        changed = changed || (cJSON_IsNumber(a) && a->valuedouble > 0);
    return changed || problem_remains(doc);
}

bool mend_eventlog_wanted(const mend_report *r)
{
    cJSON *doc = read_back(r);
    bool wanted = mend_eventlog_wanted_doc(doc);
    cJSON_Delete(doc);
    return wanted;
}

static int event_id(const char *outcome)
{
    if (is(outcome, "fixed"))
        return MEND_EVENT_FIXED;
    if (is(outcome, "healthy"))
        return MEND_EVENT_HEALTHY;
    if (is(outcome, "reboot_required"))
        return MEND_EVENT_REBOOT_REQUIRED;
    if (is(outcome, "partial"))
        return MEND_EVENT_PARTIAL;
    return MEND_EVENT_FAILED;
}

/* Summary, then the advice lines an admin acts on, joined with newline. */
static char *build_message(const char *summary, const cJSON *advice, const char *newline)
{
    size_t cap = MAX_MESSAGE, len = 0;
    char *m = malloc(cap);
    if (!m)
        return NULL;
    len = (size_t)snprintf(m, cap, "%s", summary);
    if (len >= cap)
        len = cap - 1;
    int k = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, advice) {
        if (!cJSON_IsString(a) || k == MAX_ADVICE_LINES)
            continue;
        size_t need = strlen(newline) * 2 + strlen("advice:") + strlen("- ") + strlen(a->valuestring);
        if (len + need + 1 > cap)
            break;
        len += (size_t)snprintf(m + len, cap - len, "%s%s%s- %s", newline, k == 0 ? "advice:" : "",
                                k == 0 ? newline : "", a->valuestring);
        k++;
    }
    return m;
}

static int write_json_line(const char *path, const char *type, int id, const char *message)
{
    cJSON *ev = cJSON_CreateObject();
    if (!ev)
        return -1;
    cJSON_AddStringToObject(ev, "source", "mend");
    cJSON_AddStringToObject(ev, "log", "Application");
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddNumberToObject(ev, "id", id);
    cJSON_AddStringToObject(ev, "message", message);
    char *text = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    if (!text)
        return -1;
    FILE *f = mend_fopen(path, "ab");
    int rc = -1;
    if (f) {
        size_t n = strlen(text);
        text[n] = '\n'; /* replaces the NUL; fwrite takes the length */
        /* One buffer for the whole line: one append, so concurrent runs never interleave. */
        setvbuf(f, NULL, _IOFBF, n + 2);
        rc = fwrite(text, 1, n + 1, f) == n + 1 ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    free(text);
    return rc;
}

#ifdef _WIN32
static char *seam_path(void)
{
    const wchar_t *w = _wgetenv(L"" MEND_EVENTLOG_ENV);
    char *path = NULL;
    size_t len;
    if (w && *w && mend_utf16_to_utf8((const uint16_t *)w, wcslen(w), &path, &len) != 0)
        return NULL;
    return path;
}

static int report_event(bool warning, int id, const char *message)
{
    uint16_t *w = NULL;
    size_t n;
    if (mend_utf8_to_utf16(message, strlen(message), &w, &n) != 0)
        return -1;
    HANDLE h = RegisterEventSourceW(NULL, L"mend");
    int rc = -1;
    if (h) {
        LPCWSTR strings[1] = {(LPCWSTR)w};
        if (ReportEventW(h, warning ? EVENTLOG_WARNING_TYPE : EVENTLOG_INFORMATION_TYPE, 0, (DWORD)id, NULL, 1,
                         0, strings, NULL))
            rc = 0;
        DeregisterEventSource(h);
    }
    free(w);
    return rc;
}
#else
static char *seam_path(void)
{
    const char *p = getenv(MEND_EVENTLOG_ENV);
    if (!p || !*p)
        return NULL;
    char *copy = malloc(strlen(p) + 1);
    if (copy)
        strcpy(copy, p);
    return copy;
}
#endif

bool mend_eventlog_has_sink(void)
{
#ifdef _WIN32
    return true;
#else
    const char *p = getenv(MEND_EVENTLOG_ENV);
    return p && *p;
#endif
}

int mend_eventlog_write_doc(const cJSON *doc, const char *summary)
{
    if (!mend_eventlog_wanted_doc(doc))
        return 0;
    char own[MEND_SUMMARY_MAX];
    if (!summary) {
        mend_summary_from_doc(doc, MEND_CMD_FIX, own, sizeof own);
        summary = own;
    }
    bool warning = problem_remains(doc);
    int id = event_id(outcome_of(doc));
    const cJSON *advice = cJSON_GetObjectItemCaseSensitive(doc, "advice");
    char *path = seam_path();
    int rc = 0;
    if (path) {
        char *msg = build_message(summary, advice, "\n");
        rc = msg ? write_json_line(path, warning ? "warning" : "information", id, msg) : -1;
        free(msg);
    }
#ifdef _WIN32
    else {
        /* A rehearsal on the simulator must not tell the machine's collectors anything. */
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(doc, "host");
        if (cJSON_IsString(host) && strcmp(host->valuestring, "local") == 0) {
            char *msg = build_message(summary, advice, "\r\n");
            rc = msg ? report_event(warning, id, msg) : -1;
            if (rc != 0) /* advice with invalid UTF-8: the summary is always valid */
                rc = report_event(warning, id, summary);
            free(msg);
        }
    }
#endif
    free(path);
    return rc;
}

int mend_eventlog_write(const mend_report *r, const char *summary)
{
    cJSON *doc = read_back(r);
    if (!doc)
        return r ? -1 : 0;
    int rc = mend_eventlog_write_doc(doc, summary);
    cJSON_Delete(doc);
    return rc;
}
