/* Service control through the SCM: query, start, stop (running dependents first), waiting on hints. */
#include "win_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static int open_service(const char *name, DWORD access, SC_HANDLE *scm, SC_HANDLE *svc, mend_err *e)
{
    *svc = NULL;
    /* Enumerating services (to find dependents) needs the right on the SCM handle itself. */
    *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE);
    if (!*scm)
        return win_err(e, GetLastError(), "cannot connect to the service control manager");
    wchar_t *w = win_wide(name, e);
    if (!w) {
        CloseServiceHandle(*scm);
        return -1;
    }
    *svc = OpenServiceW(*scm, w, access);
    DWORD err = GetLastError();
    free(w);
    if (!*svc) {
        CloseServiceHandle(*scm);
        return win_err(e, err, "cannot open service %s", name);
    }
    return 0;
}

static int status_of(SC_HANDLE svc, const char *name, SERVICE_STATUS_PROCESS *st, mend_err *e)
{
    DWORD need;
    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)st, sizeof *st, &need))
        return win_err(e, GetLastError(), "cannot query service %s", name);
    return 0;
}

/* Waits until the service leaves its pending state or reaches want, honouring wait hints and
 * checkpoints within the overall deadline (GetTickCount64 ms). */
static int wait_for(SC_HANDLE svc, const char *name, DWORD want, ULONGLONG deadline,
                    SERVICE_STATUS_PROCESS *st, mend_err *e)
{
    DWORD checkpoint = (DWORD)-1;
    ULONGLONG progress_at = GetTickCount64();
    for (;;) {
        if (status_of(svc, name, st, e) != 0)
            return -1;
        if (st->dwCurrentState == want)
            return 0;
        ULONGLONG now = GetTickCount64();
        if (st->dwCheckPoint != checkpoint) {
            checkpoint = st->dwCheckPoint;
            progress_at = now;
        }
        bool pending = st->dwCurrentState == SERVICE_START_PENDING ||
                       st->dwCurrentState == SERVICE_STOP_PENDING;
        if (!pending && want == SERVICE_RUNNING)
            return mend_err_set(e, MEND_E_IO, st->dwWin32ExitCode,
                                "service %s stopped while starting (exit code %lu)", name,
                                (unsigned long)st->dwWin32ExitCode);
        /* A pending service that stops advancing its checkpoint for longer than it promised
         * (dwWaitHint) is hung; the overall deadline bounds everything else. */
        bool stalled = pending && st->dwWaitHint > 0 && now - progress_at > st->dwWaitHint + 1000ull;
        if (now >= deadline || stalled)
            return mend_err_set(e, MEND_E_TIMEOUT, 0,
                                "service %s did not become %s in time (it is %s)", name,
                                mend_svc_state_name((mend_svc_state)want),
                                mend_svc_state_name((mend_svc_state)st->dwCurrentState));
        /* Microsoft's advice: poll at a tenth of the hint, between 0.1 and 1 s. */
        DWORD step = st->dwWaitHint / 10;
        step = step < 100 ? 100 : step > 1000 ? 1000 : step;
        if (now + step > deadline)
            step = (DWORD)(deadline - now);
        Sleep(step ? step : 1);
    }
}

static int depends_list(SC_HANDLE svc, const char *name, mend_service *out);

int win_svc_query(void *ctx, const char *name, mend_service *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    SC_HANDLE scm, svc;
    if (open_service(name, SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG, &scm, &svc, e) != 0)
        return -1;
    SERVICE_STATUS_PROCESS st;
    int ret = status_of(svc, name, &st, e);
    QUERY_SERVICE_CONFIGW *cfg = NULL;
    DWORD need = 0;
    if (ret == 0 && !QueryServiceConfigW(svc, NULL, 0, &need) &&
        GetLastError() == ERROR_INSUFFICIENT_BUFFER && (cfg = malloc(need)) != NULL &&
        !QueryServiceConfigW(svc, cfg, need, &need)) {
        free(cfg);
        cfg = NULL;
    }
    if (ret == 0) {
        out->name = mend_strdup(name);
        out->display_name = cfg && cfg->lpDisplayName ? win_utf8(cfg->lpDisplayName, -1) : mend_strdup(name);
        out->state = (mend_svc_state)st.dwCurrentState;
        out->start_type = cfg ? (mend_svc_start)cfg->dwStartType : MEND_START_DEMAND;
        out->pid = st.dwCurrentState == SERVICE_STOPPED ? 0 : st.dwProcessId;
        if (!out->name || !out->display_name || depends_list(svc, name, out) != 0) {
            mend_service_clear(out);
            ret = win_err_oom(e);
        }
    }
    free(cfg);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ret;
}

/* The service's configuration (malloc'd), NULL on failure. */
static QUERY_SERVICE_CONFIGW *config_of(SC_HANDLE svc)
{
    DWORD need = 0;
    QUERY_SERVICE_CONFIGW *cfg = NULL;
    if (!QueryServiceConfigW(svc, NULL, 0, &need) && GetLastError() == ERROR_INSUFFICIENT_BUFFER &&
        (cfg = malloc(need)) != NULL && !QueryServiceConfigW(svc, cfg, need, &need)) {
        free(cfg);
        cfg = NULL;
    }
    return cfg;
}

/* The services a service depends on, as a MULTI_SZ (malloc'd, NULL if none). Wine's
 * QueryServiceConfigW leaves lpDependencies empty, so the SCM's registry entry is read too. */
static wchar_t *dependencies_of(SC_HANDLE svc, const wchar_t *name)
{
    QUERY_SERVICE_CONFIGW *cfg = config_of(svc);
    wchar_t *deps = NULL;
    if (cfg && cfg->lpDependencies && cfg->lpDependencies[0]) {
        size_t n = 0;
        while (cfg->lpDependencies[n])
            n += wcslen(cfg->lpDependencies + n) + 1;
        deps = malloc((n + 1) * sizeof *deps);
        if (deps)
            memcpy(deps, cfg->lpDependencies, (n + 1) * sizeof *deps);
    }
    free(cfg);
    if (deps)
        return deps;
    wchar_t path[300];
    swprintf(path, 300, L"SYSTEM\\CurrentControlSet\\Services\\%ls", name);
    HKEY k;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return NULL;
    DWORD type, size = 0;
    if (RegQueryValueExW(k, L"DependOnService", NULL, &type, NULL, &size) == ERROR_SUCCESS &&
        type == REG_MULTI_SZ && (deps = calloc(size / sizeof *deps + 2, sizeof *deps)) != NULL &&
        RegQueryValueExW(k, L"DependOnService", NULL, &type, (BYTE *)deps, &size) != ERROR_SUCCESS) {
        free(deps);
        deps = NULL;
    }
    RegCloseKey(k);
    return deps;
}

/* out->depends_on from the service's configuration (groups left out); -1 when out of memory. */
static int depends_list(SC_HANDLE svc, const char *name, mend_service *out)
{
    mend_err e;
    wchar_t *w = win_wide(name, &e);
    if (!w)
        return -1;
    wchar_t *deps = dependencies_of(svc, w);
    free(w);
    int ret = 0;
    for (const wchar_t *d = deps; ret == 0 && d && *d; d += wcslen(d) + 1) {
        if (*d == SC_GROUP_IDENTIFIERW)
            continue;
        char **a = realloc(out->depends_on, (out->ndeps + 1) * sizeof *a);
        if (!a || !(a[out->ndeps] = win_utf8(d, -1)))
            ret = -1;
        if (a)
            out->depends_on = a;
        if (ret == 0)
            out->ndeps++;
    }
    free(deps);
    return ret;
}

#define MAX_DEPTH 8              /* dependency chains deeper than this are a cycle */

static int start_named(SC_HANDLE scm, const wchar_t *wname, const char *name, ULONGLONG deadline,
                       int depth, mend_err *e);

/* Windows' SCM starts stopped dependencies itself; Wine's does not, so do it first. Groups
 * ("+Name") are left to the SCM. */
static int start_dependencies(SC_HANDLE scm, SC_HANDLE svc, const wchar_t *wname, ULONGLONG deadline,
                              int depth, mend_err *e)
{
    wchar_t *deps = dependencies_of(svc, wname);
    int ret = 0;
    for (const wchar_t *d = deps; ret == 0 && d && *d; d += wcslen(d) + 1) {
        if (*d == SC_GROUP_IDENTIFIERW)
            continue;
        char *dname = win_utf8(d, -1);
        ret = dname ? start_named(scm, d, dname, deadline, depth + 1, e) : win_err_oom(e);
        free(dname);
    }
    free(deps);
    return ret;
}

static int start_named(SC_HANDLE scm, const wchar_t *wname, const char *name, ULONGLONG deadline,
                       int depth, mend_err *e)
{
    if (depth > MAX_DEPTH)
        return mend_err_set(e, MEND_E_INVALID, 0, "the dependencies of service %s form a cycle", name);
    SC_HANDLE svc = OpenServiceW(scm, wname, SERVICE_START | SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG);
    if (!svc)
        return win_err(e, GetLastError(), "cannot open service %s", name);
    SERVICE_STATUS_PROCESS st;
    int ret = status_of(svc, name, &st, e);
    if (ret == 0 && st.dwCurrentState == SERVICE_STOP_PENDING)
        ret = wait_for(svc, name, SERVICE_STOPPED, deadline, &st, e);
    if (ret == 0 && st.dwCurrentState == SERVICE_STOPPED)
        ret = start_dependencies(scm, svc, wname, deadline, depth, e);
    if (ret == 0 && st.dwCurrentState == SERVICE_STOPPED && !StartServiceW(svc, 0, NULL)) {
        DWORD err = GetLastError();
        if (err != ERROR_SERVICE_ALREADY_RUNNING)
            ret = win_err(e, err, "cannot start service %s", name);
    }
    if (ret == 0)
        ret = wait_for(svc, name, SERVICE_RUNNING, deadline, &st, e);
    CloseServiceHandle(svc);
    return ret;
}

int win_svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    wchar_t *w = win_wide(name, e);
    if (!w)
        return -1;
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    int ret = scm ? start_named(scm, w, name, deadline, 0, e)
                  : win_err(e, GetLastError(), "cannot connect to the service control manager");
    if (scm)
        CloseServiceHandle(scm);
    free(w);
    return ret;
}

/* Sends stop to one open service and waits for STOPPED. */
static int stop_one(SC_HANDLE svc, const char *name, ULONGLONG deadline, mend_err *e)
{
    SERVICE_STATUS_PROCESS st;
    if (status_of(svc, name, &st, e) != 0)
        return -1;
    if (st.dwCurrentState == SERVICE_STOPPED)
        return 0;
    if (st.dwCurrentState != SERVICE_STOP_PENDING) {
        SERVICE_STATUS ss;
        if (!ControlService(svc, SERVICE_CONTROL_STOP, &ss)) {
            DWORD err = GetLastError();
            if (err != ERROR_SERVICE_NOT_ACTIVE)
                return win_err(e, err, "cannot stop service %s", name);
        }
    }
    return wait_for(svc, name, SERVICE_STOPPED, deadline, &st, e);
}

static bool depends_on(SC_HANDLE svc, const wchar_t *name, const wchar_t *target)
{
    wchar_t *deps = dependencies_of(svc, name);
    bool hit = false;
    for (const wchar_t *d = deps; !hit && d && *d; d += wcslen(d) + 1)
        hit = win_ieq(d, target);
    free(deps);
    return hit;
}

/* A growing list of UTF-8 service names. */
typedef struct name_list {
    char **v;
    size_t n;
} name_list;

static bool listed(const name_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (mend_ascii_ieq(l->v[i], name))
            return true;
    return false;
}

static int add_name(name_list *l, const wchar_t *w, mend_err *e)
{
    char *name = win_utf8(w, -1);
    if (!name)
        return win_err_oom(e);
    if (listed(l, name)) {
        free(name);
        return 0;
    }
    char **a = realloc(l->v, (l->n + 1) * sizeof *a);
    if (!a) {
        free(name);
        return win_err_oom(e);
    }
    l->v = a;
    a[l->n++] = name;
    return 0;
}

/* Windows' own answer: every dependent, transitively, in stop order (reverse start order,
 * groups taken into account). Wine's EnumDependentServicesW is a stub that answers none. */
static int enum_dependents(SC_HANDLE scm, const wchar_t *target, const char *name, DWORD state,
                           name_list *l, mend_err *e)
{
    SC_HANDLE svc = OpenServiceW(scm, target, SERVICE_ENUMERATE_DEPENDENTS);
    if (!svc)
        return win_err(e, GetLastError(), "cannot open service %s", name);
    DWORD need = 0, count = 0;
    ENUM_SERVICE_STATUSW *deps = NULL;
    int ret = 0;
    if (!EnumDependentServicesW(svc, state, NULL, 0, &need, &count)) {
        DWORD err = GetLastError();
        if (err != ERROR_MORE_DATA)
            ret = win_err(e, err, "cannot list the services that depend on %s", name);
        else if (!(deps = malloc(need)))
            ret = win_err_oom(e);
        else if (!EnumDependentServicesW(svc, state, deps, need, &need, &count))
            ret = win_err(e, GetLastError(), "cannot list the services that depend on %s", name);
    } else {
        count = 0;
    }
    CloseServiceHandle(svc);
    for (DWORD i = 0; ret == 0 && deps && i < count; i++)
        ret = add_name(l, deps[i].lpServiceName, e);
    free(deps);
    return ret;
}

/* Where EnumDependentServicesW answers none (Wine), the services' own configurations are
 * searched: a dependent's dependents go first, as Windows orders them. */
static int search_dependents(SC_HANDLE scm, const ENUM_SERVICE_STATUS_PROCESSW *all, DWORD count,
                             const wchar_t *target, bool active_only, int depth, name_list *l, mend_err *e)
{
    if (depth > MAX_DEPTH)
        return mend_err_set(e, MEND_E_INVALID, 0, "the dependents of a service form a cycle");
    int ret = 0;
    for (DWORD i = 0; ret == 0 && i < count; i++) {
        SC_HANDLE d = OpenServiceW(scm, all[i].lpServiceName, SERVICE_QUERY_CONFIG);
        if (!d)
            continue;
        bool hit = depends_on(d, all[i].lpServiceName, target);
        CloseServiceHandle(d);
        if (!hit)
            continue;
        ret = search_dependents(scm, all, count, all[i].lpServiceName, active_only, depth + 1, l, e);
        if (ret == 0 && (!active_only || all[i].ServiceStatusProcess.dwCurrentState != SERVICE_STOPPED))
            ret = add_name(l, all[i].lpServiceName, e);
    }
    return ret;
}

static int list_dependents(SC_HANDLE scm, const wchar_t *target, const char *name, bool active_only,
                           name_list *l, mend_err *e)
{
    if (enum_dependents(scm, target, name, active_only ? SERVICE_ACTIVE : SERVICE_STATE_ALL, l, e) != 0)
        return -1;
    if (l->n > 0)
        return 0;
    DWORD need = 0, count = 0, resume = 0;
    ENUM_SERVICE_STATUS_PROCESSW *all = NULL;
    if (!EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL, NULL, 0,
                               &need, &count, &resume, NULL)) {
        DWORD err = GetLastError();
        if (err != ERROR_MORE_DATA)
            return win_err(e, err, "cannot list the services");
        if (!(all = malloc(need)))
            return win_err_oom(e);
        resume = 0;
        if (!EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL,
                                   (BYTE *)all, need, &need, &count, &resume, NULL)) {
            free(all);
            return win_err(e, GetLastError(), "cannot list the services");
        }
    }
    int ret = all ? search_dependents(scm, all, count, target, active_only, 0, l, e) : 0;
    free(all);
    return ret;
}

int win_svc_dependents(void *ctx, const char *name, bool active_only, char ***out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    SC_HANDLE scm, svc;
    if (open_service(name, SERVICE_QUERY_STATUS, &scm, &svc, e) != 0)
        return -1;
    CloseServiceHandle(svc);
    wchar_t *w = win_wide(name, e);
    name_list l = { NULL, 0 };
    int ret = w ? list_dependents(scm, w, name, active_only, &l, e) : -1;
    free(w);
    CloseServiceHandle(scm);
    if (ret != 0) {
        mend_string_free_list(l.v, l.n);
        return -1;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* Stops the running services that depend on target, in the order Windows gives them. */
static int stop_dependents(SC_HANDLE scm, const wchar_t *target, const char *name, ULONGLONG deadline,
                           mend_err *e)
{
    name_list l = { NULL, 0 };
    int ret = list_dependents(scm, target, name, true, &l, e);
    for (size_t i = 0; ret == 0 && i < l.n; i++) {
        wchar_t *w = win_wide(l.v[i], e);
        SC_HANDLE d = w ? OpenServiceW(scm, w, SERVICE_STOP | SERVICE_QUERY_STATUS) : NULL;
        if (!w)
            ret = -1;
        else if (!d)
            ret = win_err(e, GetLastError(), "cannot open %s, which depends on %s", l.v[i], name);
        else
            ret = stop_one(d, l.v[i], deadline, e);
        if (d)
            CloseServiceHandle(d);
        free(w);
    }
    mend_string_free_list(l.v, l.n);
    return ret;
}

int win_svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    SC_HANDLE scm, svc;
    if (open_service(name, SERVICE_STOP | SERVICE_QUERY_STATUS, &scm, &svc, e) != 0)
        return -1;
    wchar_t *w = win_wide(name, e);
    int ret = w ? stop_dependents(scm, w, name, deadline, e) : -1;
    if (ret == 0)
        ret = stop_one(svc, name, deadline, e);
    free(w);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ret;
}
