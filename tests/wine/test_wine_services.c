/* Wine tests of the win32 service backend with a real service process installed as PolicyAgent. */
#include "wt.h"

static wchar_t svc_log[MAX_PATH];

/* Installs svc_test.exe as a demand-start own-process service. deps: MULTI_SZ or NULL. */
static void install(const wchar_t *name, const wchar_t *mode, const wchar_t *deps)
{
    wchar_t exe[MAX_PATH], bin[MAX_PATH * 3];
    wt_helper(L"svc_test.exe", exe, MAX_PATH);
    swprintf(bin, MAX_PATH * 3, L"\"%ls\" %ls %ls \"%ls\"", exe, mode, name, svc_log);
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE s = scm ? CreateServiceW(scm, name, name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                       SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, bin, NULL, NULL,
                                       deps, NULL, NULL) : NULL;
    WT_CHECK(s != NULL, "CreateService %ls: error %lu", name, (unsigned long)GetLastError());
    if (s)
        CloseServiceHandle(s);
    if (scm)
        CloseServiceHandle(scm);
}

static mend_service query(mend_host *h, const char *name)
{
    mend_service s;
    mend_err e;
    if (h->ops->svc.query(h->ctx, name, &s, &e) != 0) {
        WT_CHECK(0, "query %s: %s", name, e.msg);
        memset(&s, 0, sizeof s);
    }
    return s;
}

static void test_query_stop_start_restart_policy_agent(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_service s = query(&h, "PolicyAgent");
    WT_CHECK(s.state == MEND_SVC_STOPPED && s.pid == 0, "fresh service state %d pid %lu", s.state,
             (unsigned long)s.pid);
    WT_CHECK(s.start_type == MEND_START_DEMAND, "start type %d", s.start_type);
    WT_CHECK(s.display_name && strcmp(s.display_name, "PolicyAgent") == 0, "display name");
    mend_service_clear(&s);

    WT_OK(h.ops->svc.start(h.ctx, "PolicyAgent", 20000, &e), e);
    s = query(&h, "PolicyAgent");
    WT_CHECK(s.state == MEND_SVC_RUNNING && s.pid != 0, "after start: state %d pid %lu", s.state,
             (unsigned long)s.pid);
    uint32_t first_pid = s.pid;
    mend_service_clear(&s);
    /* Starting a running service is not an error. */
    WT_OK(h.ops->svc.start(h.ctx, "PolicyAgent", 20000, &e), e);

    WT_OK(h.ops->svc.stop(h.ctx, "PolicyAgent", 20000, &e), e);
    s = query(&h, "PolicyAgent");
    WT_CHECK(s.state == MEND_SVC_STOPPED && s.pid == 0, "after stop: state %d", s.state);
    mend_service_clear(&s);
    /* Stopping a stopped service is not an error either. */
    WT_OK(h.ops->svc.stop(h.ctx, "PolicyAgent", 20000, &e), e);

    /* A restart (stop then start, as the binding does it) brings up a new process. */
    WT_OK(h.ops->svc.start(h.ctx, "PolicyAgent", 20000, &e), e);
    s = query(&h, "PolicyAgent");
    WT_CHECK(s.state == MEND_SVC_RUNNING && s.pid != 0 && s.pid != first_pid,
             "restarted: state %d pid %lu (first %lu)", s.state, (unsigned long)s.pid,
             (unsigned long)first_pid);
    mend_service_clear(&s);
    mend_host_close(&h);
}

static void test_stop_stops_running_dependents_first(void)
{
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->svc.start(h.ctx, "PolicyAgent", 20000, &e), e);
    WT_OK(h.ops->svc.start(h.ctx, "MendDependent", 20000, &e), e);
    DeleteFileW(svc_log);
    WT_OK(h.ops->svc.stop(h.ctx, "PolicyAgent", 30000, &e), e);
    mend_service a = query(&h, "PolicyAgent"), d = query(&h, "MendDependent");
    WT_CHECK(a.state == MEND_SVC_STOPPED && d.state == MEND_SVC_STOPPED, "states %d %d", a.state, d.state);
    mend_service_clear(&a);
    mend_service_clear(&d);
    char *log = wt_read_text(svc_log);
    const char *dep = log ? strstr(log, "MendDependent stopped") : NULL;
    const char *agent = log ? strstr(log, "PolicyAgent stopped") : NULL;
    WT_CHECK(dep && agent && dep < agent, "the dependent stops first; log:\n%s", log ? log : "");
    free(log);

    /* Starting the dependent starts what it depends on. */
    WT_OK(h.ops->svc.start(h.ctx, "MendDependent", 30000, &e), e);
    a = query(&h, "PolicyAgent");
    WT_CHECK(a.state == MEND_SVC_RUNNING, "dependency started: %d", a.state);
    mend_service_clear(&a);
    WT_OK(h.ops->svc.stop(h.ctx, "PolicyAgent", 30000, &e), e);
    mend_host_close(&h);
}

static char *joined(char **v, size_t n)
{
    static char buf[256];
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "", v[i]);
    return buf;
}

/* Wine's EnumDependentServicesW answers none: the backend reads the services' configurations. */
static void test_dependents_in_stop_order(void)
{
    mend_host h = wt_host();
    mend_err e;
    char **v;
    size_t n;
    WT_OK(h.ops->svc.start(h.ctx, "MendTray", 30000, &e), e);   /* starts its dependencies too */
    WT_OK(h.ops->svc.dependents(h.ctx, "PolicyAgent", true, &v, &n, &e), e);
    WT_CHECK(strcmp(joined(v, n), "MendTray,MendDependent") == 0, "running: %s", joined(v, n));
    mend_string_free_list(v, n);
    mend_service s = query(&h, "MendTray");
    WT_CHECK(s.ndeps == 1 && strcmp(s.depends_on[0], "MendDependent") == 0, "depends_on %lu", (unsigned long)s.ndeps);
    mend_service_clear(&s);

    WT_OK(h.ops->svc.stop(h.ctx, "MendTray", 30000, &e), e);
    WT_OK(h.ops->svc.dependents(h.ctx, "PolicyAgent", true, &v, &n, &e), e);
    WT_CHECK(strcmp(joined(v, n), "MendDependent") == 0, "running: %s", joined(v, n));
    mend_string_free_list(v, n);
    WT_OK(h.ops->svc.dependents(h.ctx, "PolicyAgent", false, &v, &n, &e), e);
    WT_CHECK(strcmp(joined(v, n), "MendTray,MendDependent") == 0, "all: %s", joined(v, n));
    mend_string_free_list(v, n);
    WT_CHECK(h.ops->svc.dependents(h.ctx, "NoSuchService", true, &v, &n, &e) != 0 &&
             e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    WT_OK(h.ops->svc.stop(h.ctx, "PolicyAgent", 30000, &e), e);
    mend_host_close(&h);
}

static void test_service_ignoring_stop_times_out(void)
{
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->svc.start(h.ctx, "MendStubborn", 20000, &e), e);
    DWORD t0 = GetTickCount();
    WT_CHECK(h.ops->svc.stop(h.ctx, "MendStubborn", 1500, &e) != 0 && e.code == MEND_E_TIMEOUT,
             "%s", e.msg);
    WT_CHECK(strstr(e.msg, "MendStubborn") && strstr(e.msg, "running"), "%s", e.msg);
    WT_CHECK(GetTickCount() - t0 < 15000, "the timeout is honoured");
    mend_service s = query(&h, "MendStubborn");
    WT_CHECK(s.state == MEND_SVC_RUNNING, "still running: %d", s.state);
    mend_service_clear(&s);
    mend_host_close(&h);
}

static void test_missing_service_is_not_found(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_service s;
    WT_CHECK(h.ops->svc.query(h.ctx, "NoSuchService", &s, &e) != 0 && e.code == MEND_E_NOT_FOUND &&
             e.win32 == 1060, "%s", e.msg);
    WT_CHECK(strstr(e.msg, "NoSuchService") && strstr(e.msg, "(0x424)"), "%s", e.msg);
    WT_CHECK(h.ops->svc.stop(h.ctx, "NoSuchService", 1000, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    WT_CHECK(h.ops->svc.start(h.ctx, "NoSuchService", 1000, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    mend_host_close(&h);
}

int main(void)
{
    wt_temp(L"svc-log.txt", svc_log, MAX_PATH);
    install(L"PolicyAgent", L"normal", NULL);
    install(L"MendDependent", L"normal", L"PolicyAgent\0");
    install(L"MendTray", L"normal", L"MendDependent\0");
    install(L"MendStubborn", L"stubborn", NULL);
    WT_RUN(test_missing_service_is_not_found);
    WT_RUN(test_query_stop_start_restart_policy_agent);
    WT_RUN(test_stop_stops_running_dependents_first);
    WT_RUN(test_dependents_in_stop_order);
    WT_RUN(test_service_ignoring_stop_times_out);
    return wt_done();
}
