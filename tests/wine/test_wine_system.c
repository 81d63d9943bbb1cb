/* Wine tests of the win32 system and NIC backends: gpupdate through its seam, the resume task, admin
 * check, OS name, clock, and IPsec offload through the NDIS keywords of the adapter class key. */
#include "wt.h"

#include "win32/win_internal.h"

#include <time.h>

#define CLASS "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e972-e325-11ce-bfc1-08002be10318}"
#define NETWORK "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Network\\{4d36e972-e325-11ce-bfc1-08002be10318}"

static wchar_t tool_log[MAX_PATH];

static void use_gpupdate(const wchar_t *exe)
{
    wchar_t path[MAX_PATH];
    wt_helper(exe, path, MAX_PATH);
    SetEnvironmentVariableW(L"MEND_GPUPDATE", path);
}

static void test_gpupdate_computer_policy_with_wait(void)
{
    mend_host h = wt_host();
    mend_err e;
    use_gpupdate(L"fake_tool.exe");
    DeleteFileW(tool_log);
    SetEnvironmentVariableW(L"MEND_TEST_TOOL_EXIT", NULL);
    WT_OK(h.ops->sys.gpupdate(h.ctx, true, 570, &e), e);
    char *log = wt_read_text(tool_log);
    WT_CHECK(log && strstr(log, "fake_tool.exe /target:computer /force /wait:570") != NULL, "command line: %s", log);
    free(log);

    SetEnvironmentVariableW(L"MEND_TEST_TOOL_EXIT", L"1");
    WT_CHECK(h.ops->sys.gpupdate(h.ctx, true, 5, &e) != 0 && e.code == MEND_E_IO, "%s", e.msg);
    WT_CHECK(strstr(e.msg, "could not be updated") != NULL, "gpupdate's words kept: %s", e.msg);
    SetEnvironmentVariableW(L"MEND_TEST_TOOL_EXIT", NULL);

    use_gpupdate(L"missing-gpupdate.exe");
    WT_CHECK(h.ops->sys.gpupdate(h.ctx, true, 5, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    SetEnvironmentVariableW(L"MEND_GPUPDATE", NULL);
    mend_host_close(&h);
}

/* What Wine 8 keeps of the registered task, in its XML: the settings and an Exec action. */
static const wchar_t *const task_kept[] = { L"<Exec", L"<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
                                            L"<StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
                                            L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>", NULL };

static void check_xml(const wchar_t *xml, const wchar_t *const *want)
{
    for (; *want; want++)
        WT_CHECK(wcsstr(xml, *want) != NULL, "task XML lacks %ls:\n%ls", *want, xml);
}

/* The registered task's XML: what Wine keeps always; the action's command line and the rest
 * where the Task Scheduler writes them (Windows; Wine 8 writes an empty <Exec/>). */
static void check_task(const wchar_t *const *action)
{
    wchar_t *xml = NULL;
    mend_err e;
    WT_OK(win_task_xml(&xml, &e), e);
    if (!xml)
        return;
    check_xml(xml, task_kept);
    if (wcsstr(xml, L"<Command>"))
        check_xml(xml, action);
    else
        fprintf(stderr, "  Wine's task XML keeps no <Command>/<Arguments>: the action is checked up to its setters\n");
    free(xml);
}

/* The resume as the Task Scheduler task \mend\resume. Wine 8's Task Scheduler implements neither
 * IPrincipal::put_RunLevel nor ITriggerCollection::Create(TASK_TRIGGER_BOOT) (E_NOTIMPL): the host
 * call must stop there, saying so; everything else (folder, action, SYSTEM, settings,
 * registration, read back as XML, replace, delete) runs for real without those two. */
static void test_resume_is_a_scheduled_task(void)
{
    mend_host h = wt_host();
    mend_err e;
    const char *exe = "C:\\Tools\\mend.exe";
    const char *args = "fix --resume \"Corp \xe7\xad\x96\" \"--allow\" \"kill\"";
    const wchar_t *wexe = L"C:\\Tools\\mend.exe";
    const wchar_t *wargs = L"fix --resume \"Corp \x7b56\" \"--allow\" \"kill\"";
    const wchar_t *first[] = { L"<Command>C:\\Tools\\mend.exe</Command>", L"fix --resume ", L"Corp \x7b56",
                               L"kill", L"<DeleteExpiredTaskAfter>PT0S</DeleteExpiredTaskAfter>", NULL };
    int rc = h.ops->sys.resume_after_reboot(h.ctx, exe, args, &e);
    if (rc == 0) {
        fprintf(stderr, "  this Wine registers the whole task, boot trigger and run level included\n");
    } else {
        WT_CHECK(e.code == MEND_E_UNSUPPORTED && (strstr(e.msg, "TASK_RUNLEVEL_HIGHEST") != NULL ||
                                                  strstr(e.msg, "TASK_TRIGGER_BOOT") != NULL),
                 "Wine stops at the run level or the boot trigger, and the message says where: %s", e.msg);
        fprintf(stderr, "  Wine stops here: %s\n", e.msg);
        WT_OK(win_task_register(wexe, wargs, false, &e), e);
    }
    check_task(first);
    /* Registering again replaces it (TASK_CREATE_OR_UPDATE). */
    WT_OK(win_task_register(wexe, L"fix --resume --all-pending", false, &e), e);
    const wchar_t *second[] = { L"<Arguments>fix --resume --all-pending</Arguments>", NULL };
    check_task(second);
    mend_regval v;
    WT_CHECK(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce", "mend", &v, &e) != 0,
             "nothing in RunOnce");

    bool found = false;
    WT_OK(h.ops->sys.resume_clear(h.ctx, &found, &e), e);
    WT_CHECK(found, "the task was there to delete");
    wchar_t *gone = NULL;
    WT_CHECK(win_task_xml(&gone, &e) != 0 && e.code == MEND_E_NOT_FOUND, "deleted: %s", e.msg);
    free(gone);
    WT_OK(h.ops->sys.resume_clear(h.ctx, &found, &e), e);
    WT_CHECK(!found, "nothing left to delete");

    /* The length CreateProcess takes is the limit, not RunOnce's 260 characters. */
    size_t n = 40000;
    wchar_t *big = malloc((n + 1) * sizeof *big);
    for (size_t i = 0; i < n; i++)
        big[i] = L'x';
    big[n] = L'\0';
    WT_CHECK(win_task_register(wexe, big, false, &e) != 0 && e.code == MEND_E_INVALID, "%s", e.msg);
    for (size_t i = 0; i < 599; i++)
        big[i] = L'y';
    big[599] = L'\0';
    WT_OK(win_task_register(wexe, big, false, &e), e);
    const wchar_t *third[] = { big, NULL };
    check_task(third);
    free(big);
    WT_OK(h.ops->sys.resume_clear(h.ctx, &found, &e), e);
    WT_CHECK(found, "deleted again");
    mend_host_close(&h);
}

static void test_admin_os_clock_sleep(void)
{
    mend_host h = wt_host();
    mend_err e;
    bool admin = false;
    WT_OK(h.ops->sys.is_admin(h.ctx, &admin, &e), e);
    fprintf(stderr, "  is_admin under Wine: %s\n", admin ? "yes" : "no");
    char os[128];
    WT_OK(h.ops->sys.os_name(h.ctx, os, sizeof os, &e), e);
    WT_CHECK(strstr(os, "Windows") != NULL && strchr(os, '.') != NULL, "os '%s'", os);
    double now = h.ops->sys.now(h.ctx);
    WT_CHECK(now > (double)time(NULL) - 5 && now < (double)time(NULL) + 5, "now %.0f", now);
    DWORD t0 = GetTickCount();
    WT_OK(h.ops->sys.sleep(h.ctx, 0.3, &e), e);
    WT_CHECK(GetTickCount() - t0 >= 250, "slept %lu ms", (unsigned long)(GetTickCount() - t0));
    mend_host_close(&h);
}

static void set_sz(mend_host *h, const char *path, const char *name, const char *v)
{
    mend_err e;
    WT_OK(h->ops->reg.set(h->ctx, path, name, MEND_REG_SZ, (const unsigned char *)v, strlen(v), &e), e);
}

static char *get_sz(mend_host *h, const char *path, const char *name)
{
    mend_regval v;
    mend_err e;
    if (h->ops->reg.get(h->ctx, path, name, &v, &e) != 0)
        return NULL;
    char *s = (char *)v.data;
    free(v.name);
    return s;
}

static void test_nic_offload_keywords(void)
{
    mend_host h = wt_host();
    mend_err e;
    /* Two adapters as Windows records them, one with offload on, one without the setting;
     * plus a subkey that is no adapter. */
    set_sz(&h, CLASS "\\0007", "DriverDesc", "Contoso 10GbE Adapter");
    set_sz(&h, CLASS "\\0007", "NetCfgInstanceId", "{AAAAAAAA-0000-0000-0000-000000000001}");
    set_sz(&h, CLASS "\\0007", "*IPsecOffloadV2", "3");
    set_sz(&h, CLASS "\\0007", "*IPsecOffloadV1IPv4", "0");
    set_sz(&h, NETWORK "\\{AAAAAAAA-0000-0000-0000-000000000001}\\Connection", "Name", "Ethernet0");
    set_sz(&h, CLASS "\\0008", "DriverDesc", "Plain Adapter");
    set_sz(&h, CLASS "\\0008", "NetCfgInstanceId", "{AAAAAAAA-0000-0000-0000-000000000002}");
    set_sz(&h, CLASS "\\Properties", "x", "y");

    mend_nic *list;
    size_t n;
    WT_OK(h.ops->nic.list(h.ctx, &list, &n, &e), e);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, "Ethernet0") == 0) {
            seen++;
            WT_CHECK(strcmp(list[i].description, "Contoso 10GbE Adapter") == 0, "%s", list[i].description);
            WT_CHECK(list[i].ipsec_offload, "offload on");
        } else if (strcmp(list[i].name, "Plain Adapter") == 0) {
            seen++;          /* no Connection\Name: named after its description */
            WT_CHECK(!list[i].ipsec_offload, "no offload setting means off");
        }
    }
    WT_CHECK(seen == 2, "adapters seen: %d of %lu", seen, (unsigned long)n);
    mend_nic_free_list(list, n);

    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "ethernet0", false, &e), e);
    char *v2 = get_sz(&h, CLASS "\\0007", "*IPsecOffloadV2"), *v1 = get_sz(&h, CLASS "\\0007", "*IPsecOffloadV1IPv4");
    WT_CHECK(v2 && strcmp(v2, "0") == 0 && v1 && strcmp(v1, "0") == 0, "off writes \"0\": %s %s", v2, v1);
    free(v1);
    free(v2);
    mend_regval absent;
    WT_CHECK(h.ops->reg.get(h.ctx, CLASS "\\0007", "*IPsecOffloadV2IPv4", &absent, &e) != 0,
             "a keyword the driver lacks is not added");
    WT_OK(h.ops->nic.list(h.ctx, &list, &n, &e), e);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, "Ethernet0") == 0)
            WT_CHECK(!list[i].ipsec_offload, "listed as off after the change");
    mend_nic_free_list(list, n);

    WT_OK(h.ops->nic.set_ipsec_offload(h.ctx, "Ethernet0", true, &e), e);
    v2 = get_sz(&h, CLASS "\\0007", "*IPsecOffloadV2");
    WT_CHECK(v2 && strcmp(v2, "3") == 0, "on restores \"3\": %s", v2);
    free(v2);

    WT_CHECK(h.ops->nic.set_ipsec_offload(h.ctx, "Plain Adapter", false, &e) != 0 &&
             e.code == MEND_E_UNSUPPORTED, "%s", e.msg);
    WT_CHECK(h.ops->nic.set_ipsec_offload(h.ctx, "Nope", false, &e) != 0 && e.code == MEND_E_NOT_FOUND,
             "%s", e.msg);
    mend_host_close(&h);
}

/* Wine's InitiateSystemShutdownExW is a stub answering TRUE: the privilege and the call run,
 * nothing restarts. */
static void test_reboot_call_succeeds_under_wine(void)
{
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->sys.reboot(h.ctx, "mend test: never restarts under Wine", &e), e);
    WT_OK(h.ops->sys.reboot(h.ctx, NULL, &e), e);
    mend_host_close(&h);
}

int main(void)
{
    wt_temp(L"tool-log.txt", tool_log, MAX_PATH);
    SetEnvironmentVariableW(L"MEND_TEST_TOOL_LOG", tool_log);
    WT_RUN(test_gpupdate_computer_policy_with_wait);
    WT_RUN(test_resume_is_a_scheduled_task);
    WT_RUN(test_admin_os_clock_sleep);
    WT_RUN(test_nic_offload_keywords);
    WT_RUN(test_reboot_call_succeeds_under_wine);
    return wt_done();
}
