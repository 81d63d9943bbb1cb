/* The resume after a reboot as a Task Scheduler 2.0 task: \mend\resume, at boot, as SYSTEM. */
#define COBJMACROS
#include "win_internal.h"

#include <ole2.h>
#include <oleauto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* The GUIDs defined here rather than taken from an import library: taskschd.dll is reached only
 * through COM (its registered System32 path), never loaded by name from the search path. */
#include <initguid.h>
#include <taskschd.h>

#define TASK_FOLDER L"\\mend"
#define TASK_NAME L"resume"
/* A boot trigger that has not fired within a week expires, and the task is then deleted
 * (DeleteExpiredTaskAfter), so a reboot that never came leaves nothing behind for long. */
#define TASK_EXPIRES_DAYS 7
/* What CreateProcess takes as a command line: the action's path and arguments end up there. */
#define TASK_CMDLINE_MAX 32767

/* An HRESULT as a mend error: Win32 ones by their Windows text, the rest by number. */
static int hr_err(mend_err *e, HRESULT hr, const char *what)
{
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32)
        return win_err(e, HRESULT_CODE(hr), "Task Scheduler: %s", what);
    return mend_err_set(e, hr == E_NOTIMPL ? MEND_E_UNSUPPORTED : MEND_E_IO, (uint32_t)hr,
                        "Task Scheduler: %s failed", what);
}

/* COM for this thread; *owned says whether this call initialised it (so it uninitialises). */
static HRESULT com_start(bool *owned)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    *owned = SUCCEEDED(hr);
    if (hr == RPC_E_CHANGED_MODE)   /* the thread already has COM, in the other model: use it */
        hr = S_OK;
    return hr;
}

static VARIANT empty_variant(void)
{
    VARIANT v;
    VariantInit(&v);
    return v;
}

/* The service, connected to this machine as the caller. */
static HRESULT connect_service(ITaskService **svc)
{
    HRESULT hr = CoCreateInstance(&CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER, &IID_ITaskService, (void **)svc);
    if (FAILED(hr))
        return hr;
    VARIANT none = empty_variant();
    hr = ITaskService_Connect(*svc, none, none, none, none);
    if (FAILED(hr)) {
        ITaskService_Release(*svc);
        *svc = NULL;
    }
    return hr;
}

static HRESULT get_folder(ITaskService *svc, const wchar_t *path, ITaskFolder **out)
{
    BSTR b = SysAllocString(path);
    if (!b)
        return E_OUTOFMEMORY;
    HRESULT hr = ITaskService_GetFolder(svc, b, out);
    SysFreeString(b);
    return hr;
}

/* \mend, created when missing. */
static HRESULT mend_folder(ITaskService *svc, ITaskFolder **out)
{
    HRESULT hr = get_folder(svc, TASK_FOLDER, out);
    if (SUCCEEDED(hr))
        return hr;
    ITaskFolder *root;
    hr = get_folder(svc, L"\\", &root);
    if (FAILED(hr))
        return hr;
    BSTR name = SysAllocString(TASK_FOLDER + 1);
    VARIANT none = empty_variant();
    hr = name ? ITaskFolder_CreateFolder(root, name, none, out) : E_OUTOFMEMORY;
    SysFreeString(name);
    ITaskFolder_Release(root);
    if (hr == HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS))   /* created meanwhile */
        hr = get_folder(svc, TASK_FOLDER, out);
    return hr;
}

static HRESULT put_string(HRESULT (*put)(void *, BSTR), void *obj, const wchar_t *s)
{
    BSTR b = SysAllocString(s);
    if (!b)
        return E_OUTOFMEMORY;
    HRESULT hr = put(obj, b);
    SysFreeString(b);
    return hr;
}

/* Thin adapters: the COBJMACROS setters take interface pointers of their own types. */
static HRESULT set_path(void *a, BSTR b) { return IExecAction_put_Path((IExecAction *)a, b); }
static HRESULT set_args(void *a, BSTR b) { return IExecAction_put_Arguments((IExecAction *)a, b); }
static HRESULT set_user(void *p, BSTR b) { return IPrincipal_put_UserId((IPrincipal *)p, b); }
static HRESULT set_end(void *t, BSTR b) { return ITrigger_put_EndBoundary((ITrigger *)t, b); }
static HRESULT set_expiry(void *s, BSTR b) { return ITaskSettings_put_DeleteExpiredTaskAfter((ITaskSettings *)s, b); }
static HRESULT set_limit(void *s, BSTR b) { return ITaskSettings_put_ExecutionTimeLimit((ITaskSettings *)s, b); }

/* The action: the executable by its absolute path, the arguments as given (already quoted). */
static HRESULT define_action(ITaskDefinition *def, const wchar_t *exe, const wchar_t *args, const char **step)
{
    IActionCollection *actions = NULL;
    IAction *action = NULL;
    IExecAction *exec = NULL;
    *step = "ITaskDefinition::get_Actions";
    HRESULT hr = ITaskDefinition_get_Actions(def, &actions);
    if (SUCCEEDED(hr)) {
        *step = "IActionCollection::Create(TASK_ACTION_EXEC)";
        hr = IActionCollection_Create(actions, TASK_ACTION_EXEC, &action);
    }
    if (SUCCEEDED(hr))
        hr = IAction_QueryInterface(action, &IID_IExecAction, (void **)&exec);
    if (SUCCEEDED(hr)) {
        *step = "IExecAction::put_Path";
        hr = put_string(set_path, exec, exe);
    }
    if (SUCCEEDED(hr)) {
        *step = "IExecAction::put_Arguments";
        hr = put_string(set_args, exec, args);
    }
    if (exec)
        IExecAction_Release(exec);
    if (action)
        IAction_Release(action);
    if (actions)
        IActionCollection_Release(actions);
    return hr;
}

/* SYSTEM (S-1-5-18): it runs at startup with nobody logged on. The logon type
 * (TASK_LOGON_SERVICE_ACCOUNT) goes with the registration, which sets it on the principal.
 * With full, elevated too: Wine 8 stops at the run level (E_NOTIMPL). */
static HRESULT define_principal(ITaskDefinition *def, bool full, const char **step)
{
    IPrincipal *principal = NULL;
    *step = "ITaskDefinition::get_Principal";
    HRESULT hr = ITaskDefinition_get_Principal(def, &principal);
    if (SUCCEEDED(hr)) {
        *step = "IPrincipal::put_UserId(S-1-5-18)";
        hr = put_string(set_user, principal, L"S-1-5-18");
    }
    if (SUCCEEDED(hr) && full) {
        *step = "IPrincipal::put_RunLevel(TASK_RUNLEVEL_HIGHEST)";
        hr = IPrincipal_put_RunLevel(principal, TASK_RUNLEVEL_HIGHEST);
    }
    if (principal)
        IPrincipal_Release(principal);
    return hr;
}

/* "2026-12-09T10:00:00Z", TASK_EXPIRES_DAYS from now. */
static void expiry_time(wchar_t *buf, size_t size)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    ULARGE_INTEGER t;
    t.LowPart = ft.dwLowDateTime;
    t.HighPart = ft.dwHighDateTime;
    t.QuadPart += (ULONGLONG)TASK_EXPIRES_DAYS * 24 * 3600 * 10000000ull;
    ft.dwLowDateTime = t.LowPart;
    ft.dwHighDateTime = t.HighPart;
    SYSTEMTIME st;
    FileTimeToSystemTime(&ft, &st);
    swprintf(buf, size, L"%04u-%02u-%02uT%02u:%02u:%02uZ", st.wYear, st.wMonth, st.wDay, st.wHour,
             st.wMinute, st.wSecond);
}

/* Settings: run on battery too, no time limit (a large batch), deleted once expired. */
static HRESULT define_settings(ITaskDefinition *def, const char **step)
{
    ITaskSettings *settings = NULL;
    *step = "ITaskDefinition::get_Settings";
    HRESULT hr = ITaskDefinition_get_Settings(def, &settings);
    if (SUCCEEDED(hr)) {
        *step = "ITaskSettings::put_DisallowStartIfOnBatteries";
        hr = ITaskSettings_put_DisallowStartIfOnBatteries(settings, VARIANT_FALSE);
    }
    if (SUCCEEDED(hr))
        hr = ITaskSettings_put_StopIfGoingOnBatteries(settings, VARIANT_FALSE);
    if (SUCCEEDED(hr)) {
        *step = "ITaskSettings::put_ExecutionTimeLimit";
        hr = put_string(set_limit, settings, L"PT0S");   /* PT0S: no limit */
    }
    if (SUCCEEDED(hr)) {
        *step = "ITaskSettings::put_DeleteExpiredTaskAfter";
        hr = put_string(set_expiry, settings, L"PT0S");
    }
    if (settings)
        ITaskSettings_Release(settings);
    return hr;
}

/* The boot trigger, ending after TASK_EXPIRES_DAYS (Wine 8 does not implement it either). */
static HRESULT define_boot_trigger(ITaskDefinition *def, const char **step)
{
    ITriggerCollection *triggers = NULL;
    ITrigger *trigger = NULL;
    *step = "ITaskDefinition::get_Triggers";
    HRESULT hr = ITaskDefinition_get_Triggers(def, &triggers);
    if (SUCCEEDED(hr)) {
        *step = "ITriggerCollection::Create(TASK_TRIGGER_BOOT)";
        hr = ITriggerCollection_Create(triggers, TASK_TRIGGER_BOOT, &trigger);
    }
    if (SUCCEEDED(hr)) {
        wchar_t end[32];
        expiry_time(end, sizeof end / sizeof end[0]);
        *step = "ITrigger::put_EndBoundary";
        hr = put_string(set_end, trigger, end);
    }
    if (trigger)
        ITrigger_Release(trigger);
    if (triggers)
        ITriggerCollection_Release(triggers);
    return hr;
}

/* COM, the service and the \mend folder, held for one call. */
typedef struct task_session {
    bool com_owned;
    ITaskService *svc;
    ITaskFolder *folder;
} task_session;

/* Opens the session; with create the folder is made when missing. *step names what failed. */
static HRESULT session_open(task_session *ts, bool create, const char **step)
{
    memset(ts, 0, sizeof *ts);
    *step = "CoInitializeEx";
    HRESULT hr = com_start(&ts->com_owned);
    if (SUCCEEDED(hr)) {
        *step = "connecting to the Task Scheduler service";
        hr = connect_service(&ts->svc);
    }
    if (SUCCEEDED(hr)) {
        *step = create ? "opening or creating the folder \\mend" : "opening the folder \\mend";
        hr = create ? mend_folder(ts->svc, &ts->folder) : get_folder(ts->svc, TASK_FOLDER, &ts->folder);
    }
    return hr;
}

static void session_close(task_session *ts)
{
    if (ts->folder)
        ITaskFolder_Release(ts->folder);
    if (ts->svc)
        ITaskService_Release(ts->svc);
    if (ts->com_owned)
        CoUninitialize();
}

int win_task_register(const wchar_t *exe, const wchar_t *args, bool full, mend_err *e)
{
    if (wcslen(exe) + wcslen(args) + 3 > TASK_CMDLINE_MAX)
        return mend_err_set(e, MEND_E_INVALID, 0, "the resume command line is longer than the %d characters "
                            "CreateProcess takes", TASK_CMDLINE_MAX);
    task_session ts;
    ITaskDefinition *def = NULL;
    IRegisteredTask *task = NULL;
    const char *step;
    HRESULT hr = session_open(&ts, true, &step);
    if (SUCCEEDED(hr)) {
        step = "ITaskService::NewTask";
        hr = ITaskService_NewTask(ts.svc, 0, &def);
    }
    if (SUCCEEDED(hr))
        hr = define_action(def, exe, args, &step);
    if (SUCCEEDED(hr))
        hr = define_settings(def, &step);
    if (SUCCEEDED(hr))
        hr = define_principal(def, full, &step);
    if (SUCCEEDED(hr) && full)
        hr = define_boot_trigger(def, &step);
    if (SUCCEEDED(hr)) {
        step = "ITaskFolder::RegisterTaskDefinition(\\mend\\resume, TASK_CREATE_OR_UPDATE, SYSTEM)";
        BSTR name = SysAllocString(TASK_NAME);
        VARIANT user, none = empty_variant();
        VariantInit(&user);
        user.vt = VT_BSTR;
        user.bstrVal = SysAllocString(L"SYSTEM");
        hr = name && user.bstrVal ? ITaskFolder_RegisterTaskDefinition(ts.folder, name, def, TASK_CREATE_OR_UPDATE,
                                                                       user, none, TASK_LOGON_SERVICE_ACCOUNT, none,
                                                                       &task)
                                  : E_OUTOFMEMORY;
        VariantClear(&user);
        SysFreeString(name);
    }
    if (task)
        IRegisteredTask_Release(task);
    if (def)
        ITaskDefinition_Release(def);
    session_close(&ts);
    return FAILED(hr) ? hr_err(e, hr, step) : 0;
}

int win_task_xml(wchar_t **xml, mend_err *e)
{
    *xml = NULL;
    task_session ts;
    IRegisteredTask *task = NULL;
    BSTR text = NULL;
    const char *step;
    HRESULT hr = session_open(&ts, false, &step);
    if (SUCCEEDED(hr)) {
        step = "ITaskFolder::GetTask(resume)";
        BSTR name = SysAllocString(TASK_NAME);
        hr = name ? ITaskFolder_GetTask(ts.folder, name, &task) : E_OUTOFMEMORY;
        SysFreeString(name);
    }
    if (SUCCEEDED(hr)) {
        step = "IRegisteredTask::get_Xml";
        hr = IRegisteredTask_get_Xml(task, &text);
    }
    if (SUCCEEDED(hr) && !(*xml = _wcsdup(text ? text : L"")))
        hr = E_OUTOFMEMORY;
    SysFreeString(text);
    if (task)
        IRegisteredTask_Release(task);
    session_close(&ts);
    return FAILED(hr) ? hr_err(e, hr, step) : 0;
}

/* Not there (the task or its folder) is no error: *found says which. */
static bool hr_absent(HRESULT hr)
{
    return hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) || hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
}

int win_task_delete(bool *found, mend_err *e)
{
    *found = false;
    task_session ts;
    const char *step;
    HRESULT hr = session_open(&ts, false, &step);
    if (SUCCEEDED(hr)) {
        step = "ITaskFolder::DeleteTask(resume)";
        BSTR name = SysAllocString(TASK_NAME);
        hr = name ? ITaskFolder_DeleteTask(ts.folder, name, 0) : E_OUTOFMEMORY;
        SysFreeString(name);
        *found = SUCCEEDED(hr);
    }
    if (SUCCEEDED(hr)) {
        /* The empty folder goes too; one that holds anything else stays (DeleteFolder refuses). */
        ITaskFolder *root;
        if (SUCCEEDED(get_folder(ts.svc, L"\\", &root))) {
            BSTR name = SysAllocString(TASK_FOLDER + 1);
            if (name)
                ITaskFolder_DeleteFolder(root, name, 0);
            SysFreeString(name);
            ITaskFolder_Release(root);
        }
    }
    if (hr_absent(hr))
        hr = S_OK;
    session_close(&ts);
    return FAILED(hr) ? hr_err(e, hr, step) : 0;
}
