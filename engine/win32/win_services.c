/* Service control through the SCM: query, start, stop (running dependents first), waiting on hints. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>

static int open_service(const char *name, DWORD access, SC_HANDLE *scm, SC_HANDLE *svc, mend_err *e)
{
    *svc = NULL;
    *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
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
        if (!out->name || !out->display_name) {
            mend_service_clear(out);
            ret = win_err_oom(e);
        }
    }
    free(cfg);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ret;
}

int win_svc_start(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    SC_HANDLE scm, svc;
    if (open_service(name, SERVICE_START | SERVICE_QUERY_STATUS, &scm, &svc, e) != 0)
        return -1;
    SERVICE_STATUS_PROCESS st;
    int ret = status_of(svc, name, &st, e);
    if (ret == 0 && st.dwCurrentState == SERVICE_STOP_PENDING)
        ret = wait_for(svc, name, SERVICE_STOPPED, deadline, &st, e);
    /* The SCM starts stopped dependencies itself before the service. */
    if (ret == 0 && st.dwCurrentState == SERVICE_STOPPED && !StartServiceW(svc, 0, NULL)) {
        DWORD err = GetLastError();
        if (err != ERROR_SERVICE_ALREADY_RUNNING)
            ret = win_err(e, err, "cannot start service %s", name);
    }
    if (ret == 0)
        ret = wait_for(svc, name, SERVICE_RUNNING, deadline, &st, e);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
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

/* Stops the running services that depend on svc, in the order EnumDependentServicesW gives
 * (the reverse of their start order, dependents of dependents first). */
static int stop_dependents(SC_HANDLE scm, SC_HANDLE svc, const char *name, ULONGLONG deadline,
                           mend_err *e)
{
    DWORD need = 0, count = 0;
    if (EnumDependentServicesW(svc, SERVICE_ACTIVE, NULL, 0, &need, &count))
        return 0;              /* none running */
    DWORD err = GetLastError();
    if (err != ERROR_MORE_DATA)
        return win_err(e, err, "cannot list the services that depend on %s", name);
    ENUM_SERVICE_STATUSW *deps = malloc(need);
    if (!deps)
        return win_err_oom(e);
    int ret = 0;
    if (!EnumDependentServicesW(svc, SERVICE_ACTIVE, deps, need, &need, &count))
        ret = win_err(e, GetLastError(), "cannot list the services that depend on %s", name);
    for (DWORD i = 0; ret == 0 && i < count; i++) {
        char *dname = win_utf8(deps[i].lpServiceName, -1);
        SC_HANDLE d = OpenServiceW(scm, deps[i].lpServiceName, SERVICE_STOP | SERVICE_QUERY_STATUS);
        if (!dname)
            ret = win_err_oom(e);
        else if (!d)
            ret = win_err(e, GetLastError(), "cannot open %s, which depends on %s", dname, name);
        else
            ret = stop_one(d, dname, deadline, e);
        if (d)
            CloseServiceHandle(d);
        free(dname);
    }
    free(deps);
    return ret;
}

int win_svc_stop(void *ctx, const char *name, uint32_t timeout_ms, mend_err *e)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    SC_HANDLE scm, svc;
    if (open_service(name, SERVICE_STOP | SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS,
                     &scm, &svc, e) != 0)
        return -1;
    int ret = stop_dependents(scm, svc, name, deadline, e);
    if (ret == 0)
        ret = stop_one(svc, name, deadline, e);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ret;
}
