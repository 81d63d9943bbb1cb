/* Unit tests of the bindings over a fake host: encoding, paths, guards, skips, quoting, ownership. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bindings/bind.h"
#include "bindings/bindings.h"
#include "engine.h"
#include "guard.h"
#include "report.h"

/* ---- the fake host: records what the bindings hand it ---- */

typedef struct fake {
    int calls;                 /* every operation */
    int deletes, kills, starts, stops, queries;
    char path[1024], value[256], cmdline[2048], name[256];
    uint32_t type;
    unsigned char data[256];
    size_t size;
    mend_svc_state svc_state;
    mend_handle_filter filter;
    char filter_name[1024];
    bool filter_has_name;
    mend_regval get_result;    /* what reg.get returns (copied) */
} fake;

static int f_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    *n = 2;
    *out = calloc(2, sizeof **out);
    for (int i = 0; i < 2; i++) {
        (*out)[i].name = mend_strdup(i ? "B" : "A");
        (*out)[i].guid = mend_strdup("{00000000-0000-0000-0000-000000000000}");
        (*out)[i].description = mend_strdup("");
        (*out)[i].store_key = mend_strdup(MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{x}");
        (*out)[i].state = i ? MEND_POLICY_PENDING_DELETION : MEND_POLICY_ACTIVE;
    }
    return 0;
}

static int f_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, NULL);
}

static int f_ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    f->deletes++;
    snprintf(f->name, sizeof f->name, "%s", name);
    return 0;
}

static int f_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    ((fake *)ctx)->calls++;
    return 0;
}

static int f_ipsec_create(void *ctx, const char *name, const char *d, mend_err *e)
{
    ((fake *)ctx)->calls++;
    return 0;
}

static int f_svc_query(void *ctx, const char *name, mend_service *out, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    f->queries++;
    out->name = mend_strdup(name);
    out->display_name = mend_strdup("IPsec Policy Agent");
    out->state = f->svc_state;
    out->start_type = MEND_START_DEMAND;
    out->pid = f->svc_state == MEND_SVC_RUNNING ? 1234 : 0;
    return 0;
}

static int f_svc_start(void *ctx, const char *name, uint32_t ms, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    f->starts++;
    f->size = ms;
    f->svc_state = MEND_SVC_RUNNING;
    return 0;
}

static int f_svc_stop(void *ctx, const char *name, uint32_t ms, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    f->stops++;
    f->svc_state = MEND_SVC_STOPPED;
    return 0;
}

static int f_proc_list(void *ctx, mend_process **out, size_t *n, mend_err *e)
{
    /* 5200: a process the backend marks critical (IsProcessCritical on Windows). */
    static const struct { uint32_t pid; const char *name; bool critical; } ps[] = {
        { 0, "[System Process]", false }, { 4, "System", false }, { 400, "CSRSS.EXE", false },
        { 4242, "vpnagent.exe", false }, { 5200, "guard.exe", true },
    };
    ((fake *)ctx)->calls++;
    *n = sizeof ps / sizeof ps[0];
    *out = calloc(*n, sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].pid = ps[i].pid;
        (*out)[i].name = mend_strdup(ps[i].name);
        (*out)[i].path = mend_strdup("");
        (*out)[i].critical = ps[i].critical;
    }
    return 0;
}

static int f_proc_kill(void *ctx, uint32_t pid, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    f->kills++;
    return 0;
}

static int f_handles_scan(void *ctx, const mend_handle_filter *flt, mend_handle **out, size_t *n,
                          mend_err *e)
{
    static const char *const names[] = {
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{a}",
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{a}\\sub",
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{ab}",
        "\\Device\\Afd",
    };
    fake *f = ctx;
    f->calls++;
    f->filter = *flt;
    f->filter_has_name = flt->name != NULL;
    snprintf(f->filter_name, sizeof f->filter_name, "%s", flt->name ? flt->name : "");
    *n = 4;
    *out = calloc(4, sizeof **out);
    for (size_t i = 0; i < 4; i++) {
        (*out)[i].pid = 4242;
        (*out)[i].process = mend_strdup("vpnagent.exe");
        (*out)[i].handle = 0x40 + 4 * i;
        (*out)[i].type = mend_strdup(i == 3 ? "File" : "Key");
        (*out)[i].name = mend_strdup(names[i]);
        (*out)[i].access = 0x20019;
    }
    return 0;
}

static int f_reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    snprintf(f->path, sizeof f->path, "%s", path);
    out->name = mend_strdup(value);
    out->type = f->get_result.type;
    out->size = f->get_result.size;
    out->data = malloc(out->size + 1);
    memcpy(out->data, f->get_result.data, out->size);
    out->data[out->size] = 0;
    return 0;
}

static int f_reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                     const unsigned char *data, size_t size, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->value, sizeof f->value, "%s", value);
    f->type = type;
    f->size = size < sizeof f->data ? size : sizeof f->data;
    memcpy(f->data, data, f->size);
    return 0;
}

static int f_reg_exists(void *ctx, const char *path, bool *found, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    snprintf(f->path, sizeof f->path, "%s", path);
    *found = true;
    return 0;
}

static int f_sys_rar(void *ctx, const char *exe, const char *args, mend_err *e)
{
    fake *f = ctx;
    f->calls++;
    snprintf(f->path, sizeof f->path, "%s", exe);
    snprintf(f->cmdline, sizeof f->cmdline, "%s", args);
    return 0;
}

static int f_sys_reboot(void *ctx, const char *reason, mend_err *e)
{
    ((fake *)ctx)->calls++;
    return 0;
}

static const mend_host_ops fake_ops = {
    .name = "fake",
    .ipsec = { .list = f_ipsec_list, .get = f_ipsec_get, .delete_ = f_ipsec_delete, .assign = f_ipsec_assign,
               .create = f_ipsec_create },   /* no show op: none */
    .svc = { .query = f_svc_query, .start = f_svc_start, .stop = f_svc_stop },   /* no dependents op: none */
    .proc = { f_proc_list, f_proc_kill },
    .handles = { .scan = f_handles_scan },
    .reg = { .get = f_reg_get, .set = f_reg_set, .exists = f_reg_exists },
    .sys = { .reboot = f_sys_reboot, .resume_after_reboot = f_sys_rar },
};

/* ---- a Lua state over the fake host ---- */

typedef struct world {
    fake f;
    mend_options opts;
    mend_engine eng;
    lua_State *L;
} world;

static world *world_new(bool dry_run, bool what_if, unsigned allow)
{
    world *w = calloc(1, sizeof *w);
    w->opts.dry_run = dry_run;
    w->opts.allow = allow;
    w->f.svc_state = MEND_SVC_RUNNING;
    w->eng.opts = &w->opts;
    w->eng.host.ops = &fake_ops;
    w->eng.host.ctx = &w->f;
    w->eng.host.what_if = what_if;
    w->eng.report = mend_report_new("fake", dry_run);
    w->eng.state_dir = MEND_TEST_TMP;
    w->eng.backup_dir = MEND_TEST_TMP "/bindings-backups";
    w->L = luaL_newstate();
    luaL_openlibs(w->L);
    mend_bindings_open(w->L, &w->eng);
    return w;
}

static void world_free(world *w)
{
    lua_close(w->L);
    mend_report_free(w->eng.report);
    free(w);
}

/* Runs Lua code that asserts; fails the test with Lua's message when it raises. */
static void run(world *w, const char *code)
{
    if (luaL_dostring(w->L, code) != LUA_OK) {
        fail_msg("%s\n--- in:\n%s", lua_tostring(w->L, -1), code);
    }
    lua_settop(w->L, 0);
}

/* ---- tests ---- */

static void test_reg_set_needs_the_registry_gate(void **state)
{
    world *w = world_new(false, true, 0);
    int before = w->f.calls;
    run(w, "local ok, msg, code = reg.set('HKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\RunOnce', 'x', 'calc.exe')\n"
           "assert(ok == nil and code == 'not_permitted', msg)\n"
           "assert(msg:find('--allow registry', 1, true), msg)");
    assert_int_equal(w->f.calls, before);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_REGISTRY_WRITES), 0);
    world_free(w);
}

static void test_reg_set_infers_and_encodes_types(void **state)
{
    world *w = world_new(false, true, MEND_GATE_REGISTRY);
    run(w, "assert(reg.set('HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\T', 'v', 'héllo'))");
    assert_string_equal(w->f.path, "HKLM\\SOFTWARE\\T");
    assert_int_equal(w->f.type, MEND_REG_SZ);
    assert_int_equal(w->f.size, 6);
    assert_memory_equal(w->f.data, "h\xc3\xa9llo", 6);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', 0x01020304))");
    assert_int_equal(w->f.type, MEND_REG_DWORD);
    assert_int_equal(w->f.size, 4);
    assert_memory_equal(w->f.data, "\x04\x03\x02\x01", 4);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', 0x100000000))");
    assert_int_equal(w->f.type, MEND_REG_QWORD);
    assert_int_equal(w->f.size, 8);
    assert_memory_equal(w->f.data, "\x00\x00\x00\x00\x01\x00\x00\x00", 8);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', -1))");
    assert_int_equal(w->f.type, MEND_REG_QWORD);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', {'a', 'bc'}))");
    assert_int_equal(w->f.type, MEND_REG_MULTI_SZ);
    assert_int_equal(w->f.size, 5);
    assert_memory_equal(w->f.data, "a\0bc\0", 5);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', -1, 'REG_DWORD'))");
    assert_int_equal(w->f.type, MEND_REG_DWORD);
    assert_memory_equal(w->f.data, "\xff\xff\xff\xff", 4);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', '\\0\\1\\255', 'reg_binary'))");
    assert_int_equal(w->f.type, MEND_REG_BINARY);
    assert_int_equal(w->f.size, 3);
    assert_memory_equal(w->f.data, "\0\1\xff", 3);

    run(w, "assert(reg.set('HKLM\\\\SOFTWARE\\\\T', 'v', 0x11223344, 'DWORD_BIG_ENDIAN'))");
    assert_int_equal(w->f.type, MEND_REG_DWORD_BIG_ENDIAN);
    assert_memory_equal(w->f.data, "\x11\x22\x33\x44", 4);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_REGISTRY_WRITES), 8);
    world_free(w);
}

static void test_reg_set_refuses_what_windows_cannot_hold(void **state)
{
    world *w = world_new(false, true, 0);
    int before = w->f.calls;
    run(w, "local ok, msg, code = reg.set('HKLM\\\\S', 'v', 'a\\0b'); assert(code == 'invalid', msg)\n"
           "ok, msg, code = reg.set('HKLM\\\\S', 'v', '\\xff\\xfe'); assert(code == 'invalid', msg)\n"
           "ok, msg, code = reg.set('HKLM\\\\S', 'v\\xc0', 'x'); assert(code == 'invalid', msg)\n"
           "ok, msg, code = reg.set('HKLM\\\\S', 'v', 0x100000000, 'REG_DWORD'); assert(code == 'invalid', msg)\n"
           "ok, msg, code = reg.set('HKLM\\\\S', 'v', {'a', ''}); assert(code == 'invalid', msg)\n"
           "ok, msg, code = reg.set('HKLM\\\\S\\xff', 'v', 'x'); assert(code == 'invalid', msg)\n");
    assert_int_equal(w->f.calls, before);
    run(w, "assert(not pcall(reg.set, 'HKLM\\\\S', 'v', true))\n"
           "assert(not pcall(reg.set, 'HKLM\\\\S', 'v', 1.5))\n"
           "assert(not pcall(reg.set, 'HKLM\\\\S', 'v', 'x', 'REG_NOPE'))\n"
           "assert(not pcall(reg.set, 'HKLM\\\\S', 'v', {1, 2}))\n"
           "assert(not pcall(reg.set, 'HKXX\\\\S', 'v', 'x'))\n"
           "assert(not pcall(reg.set, 'HKLM\\\\S', 'v', 'x', 'REG_DWORD'))\n");
    assert_int_equal(w->f.calls, before);
    world_free(w);
}

static void test_reg_paths_normalise_roots(void **state)
{
    world *w = world_new(false, true, 0);
    static const char *const cases[][2] = {
        { "hklm\\\\SOFTWARE\\\\A", "HKLM\\SOFTWARE\\A" },
        { "HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\A\\\\", "HKLM\\SOFTWARE\\A" },
        { "HKLM:\\\\SOFTWARE\\\\A", "HKLM\\SOFTWARE\\A" },
        { "HKLM/SOFTWARE/A", "HKLM\\SOFTWARE\\A" },
        { "HKCR\\\\MIME\\\\Database\\\\Content Type\\\\text/html", "HKCR\\MIME\\Database\\Content Type\\text/html" },
        { "HKEY_USERS\\\\S-1-5-18", "HKU\\S-1-5-18" },
        { "HKEY_CURRENT_CONFIG", "HKCC" },
        { "hkey_current_user\\\\Software", "HKCU\\Software" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char code[512];
        snprintf(code, sizeof code, "assert(reg.exists('%s'))", cases[i][0]);
        run(w, code);
        assert_string_equal(w->f.path, cases[i][1]);
    }
    run(w, "assert(not pcall(reg.exists, 'HKLMX\\\\A'))\nassert(not pcall(reg.exists, 'SOFTWARE\\\\A'))");
    world_free(w);
}

static void test_reg_get_decodes_types(void **state)
{
    world *w = world_new(false, true, 0);
    w->f.get_result.type = MEND_REG_MULTI_SZ;
    w->f.get_result.data = (unsigned char *)"one\0two\0";
    w->f.get_result.size = 8;
    run(w, "local d, t = reg.get('HKLM\\\\S', 'v'); assert(t == 'REG_MULTI_SZ')\n"
           "assert(#d == 2 and d[1] == 'one' and d[2] == 'two')");
    w->f.get_result.type = MEND_REG_DWORD;
    w->f.get_result.data = (unsigned char *)"\xff\xff\xff\xff";
    w->f.get_result.size = 4;
    run(w, "local d, t = reg.get('HKLM\\\\S', 'v'); assert(t == 'REG_DWORD' and d == 4294967295, d)");
    w->f.get_result.type = MEND_REG_QWORD;
    w->f.get_result.data = (unsigned char *)"\x01\0\0\0\0\0\0\x80";
    w->f.get_result.size = 8;
    run(w, "local d, t = reg.get('HKLM\\\\S', 'v'); assert(t == 'REG_QWORD' and d == math.mininteger + 1, d)");
    w->f.get_result.type = MEND_REG_BINARY;
    w->f.get_result.data = (unsigned char *)"\0\1";
    w->f.get_result.size = 2;
    run(w, "local d, t = reg.get('HKLM\\\\S'); assert(t == 'REG_BINARY' and d == '\\0\\1')");
    w->f.get_result.type = 0x99;
    run(w, "local d, t = reg.get('HKLM\\\\S', 'v'); assert(t == 'REG_UNKNOWN(153)' and d == '\\0\\1', t)");
    world_free(w);
}

static void test_dry_run_without_what_if_skips_the_host_but_counts(void **state)
{
    world *w = world_new(true, false, MEND_GATE_ALL);
    run(w, "assert(ipsec.delete('Corp-QM') == true)\n"
           "assert(svc.restart('PolicyAgent') == true)\n"
           "assert(proc.kill(4242) == true)\n"
           "assert(sys.reboot{reason='x'} == true)");
    assert_int_equal(w->f.deletes, 0);
    assert_int_equal(w->f.kills, 0);
    assert_int_equal(w->f.stops + w->f.starts, 0);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_DELETES), 1);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_SERVICE_RESTARTS), 1);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_KILLS), 1);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_REBOOTS), 1);
    world_free(w);
}

static void test_invalid_utf8_never_reaches_the_host(void **state)
{
    world *w = world_new(false, true, MEND_GATE_ALL);
    int before = w->f.calls;
    run(w, "for _, fn in ipairs{ipsec.get, ipsec.delete, ipsec.store_key, svc.query, svc.stop, proc.find} do\n"
           "  local ok, msg, code = fn('bad\\xff')\n"
           "  assert(ok == nil and code == 'invalid' and msg:find('UTF%-8'), msg)\n"
           "  ok, msg, code = fn('nul\\0byte')\n"
           "  assert(ok == nil and code == 'invalid' and msg:find('NUL'), msg)\n"
           "end\n"
           "local ok, msg, code = ipsec.create{name='x\\xc3'}\nassert(code == 'invalid', msg)\n"
           "ok, msg, code = handles.scan{name='\\xff'}\nassert(code == 'invalid', msg)\n"
           "ok, msg, code = sys.resume_after_reboot{'ok', '\\xff'}\nassert(code == 'invalid', msg)");
    assert_int_equal(w->f.calls, before);
    world_free(w);
}

static void test_protected_processes_are_refused_before_the_host(void **state)
{
    world *w = world_new(false, true, MEND_GATE_ALL);
    run(w, "for _, pid in ipairs{0, 4, 400, 5200} do\n"
           "  local ok, msg, code = proc.kill(pid)\n"
           "  assert(ok == nil and code == 'not_permitted' and msg:find('system%-critical'), msg)\n"
           "end\n"
           "local ok, msg, code = proc.kill(999)\nassert(code == 'not_found', msg)\n"
           "local list = proc.list()\n"
           "assert(list[5].critical == true and list[3].critical == true and list[4].critical == false)\n"
           "assert(proc.kill(4242))");
    assert_int_equal(w->f.kills, 1);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_KILLS), 1);
    world_free(w);
}

static void test_restart_of_a_stopped_service_only_starts_it(void **state)
{
    world *w = world_new(false, true, 0);
    w->f.svc_state = MEND_SVC_STOPPED;
    run(w, "assert(svc.restart('PolicyAgent', {timeout = 2.5}))");
    assert_int_equal(w->f.stops, 0);
    assert_int_equal(w->f.starts, 1);
    assert_int_equal(w->f.size, 2500);
    run(w, "assert(svc.restart('PolicyAgent'))");
    assert_int_equal(w->f.stops, 1);
    assert_int_equal(w->f.starts, 2);
    assert_int_equal(w->f.size, 30000);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_SERVICE_RESTARTS), 2);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_SERVICE_STARTS), 0);
    run(w, "assert(not pcall(svc.start, 'X', {timeout = 'soon'}))\n"
           "assert(not pcall(svc.start, 'X', {timeout = -1}))\n"
           "assert(not pcall(svc.start, 'X', 5))");
    world_free(w);
}

static void test_holders_match_the_object_and_below_only(void **state)
{
    world *w = world_new(false, true, 0);
    run(w, "local hs = handles.holders('hkey_local_machine\\\\software\\\\policies\\\\microsoft\\\\windows\\\\ipsec\\\\policy\\\\local\\\\IPSECPOLICY{A}')\n"
           "assert(#hs == 2, #hs)\n"
           "assert(hs[1].name:sub(-1) == '}' and hs[2].name:sub(-4) == '\\\\sub')\n"
           "assert(hs[1].pid == 4242 and hs[1].process == 'vpnagent.exe' and hs[1].type == 'Key')\n"
           "assert(hs[1].handle == 0x40 and hs[1].access == 0x20019)");
    assert_true(w->f.filter_has_name);
    assert_string_equal(w->f.filter_name,
        "\\REGISTRY\\MACHINE\\software\\policies\\microsoft\\windows\\ipsec\\policy\\local\\IPSECPOLICY{A}");
    run(w, "assert(#handles.holders('\\\\Device\\\\Afd') == 1)\n"
           "local ok, msg, code = handles.holders('HKCU\\\\Software')\nassert(code == 'unsupported', msg)\n"
           "assert(not pcall(handles.holders, 42 == 42))");
    run(w, "local all = handles.scan()\nassert(#all == 4)\n"
           "handles.scan{pid = 4242, process = 'vpnagent.exe', type = 'Key', name = 'ipsec'}");
    assert_true(w->f.filter.has_pid);
    assert_int_equal(w->f.filter.pid, 4242);
    run(w, "assert(not pcall(handles.scan, {pid = 'x'}))\nassert(not pcall(handles.scan, {type = 3}))");
    world_free(w);
}

static void test_resume_command_line_quotes_every_argument(void **state)
{
    world *w = world_new(false, true, 0);
    run(w, "local ok, cmd = sys.resume_after_reboot{'Corp QM', 'say \"hi\"', 'C:\\\\dir\\\\', ''}\n"
           "assert(ok == true and cmd:find(' fix %-%-resume \"Corp QM\"', 1))");
    /* The host gets the executable and the quoted arguments apart (a task action has both). */
    assert_string_equal(w->f.cmdline, "fix --resume \"Corp QM\" \"say \\\"hi\\\"\" \"C:\\dir\\\\\" \"\"");
    assert_non_null(strstr(w->f.path, "mend"));
    run(w, "assert(not pcall(sys.resume_after_reboot, {1}))\nassert(not pcall(sys.resume_after_reboot, 'x'))");
    world_free(w);
}

static void test_step_goes_into_the_report(void **state)
{
    world *w = world_new(false, true, 0);
    run(w, "mend.step{policy = 'Corp-QM', rung = 'delete', action = 'ipsec.delete', ok = false,\n"
           "          message = 'in use', code = 'in_use', tries = 2, extra = {a = 1}}\n"
           "mend.outcome('Corp-QM', {before = 'pending_deletion', after = 'pending_deletion', outcome = 'blocked'})\n"
           "mend.advise('rerun with --allow kill')\n"
           "assert(not pcall(mend.outcome, 'Corp-QM', {outcome = 'great'}))\n"
           "assert(not pcall(mend.step, {ok = 'yes'}))\n"
           "assert(not pcall(mend.allowed, 'everything'))\n"
           "assert(mend.allowed('kill') == false)");
    char *json = mend_report_json(w->eng.report, false);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"rung\":\"delete\""));
    assert_non_null(strstr(json, "\"tries\":2"));
    assert_non_null(strstr(json, "\"outcome\":\"blocked\""));
    assert_non_null(strstr(json, "rerun with --allow kill"));
    free(json);
    world_free(w);
}

/* The members a script adds to a step, and its report data, come out exactly as cJSON prints
 * the same values (the report's bytes did not change when the tree went away). */
static cJSON *odd_values(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bad", "?x?y");   /* not UTF-8: every byte outside ASCII is '?' */
    cJSON *deep = cJSON_CreateString("(nested too deep)");
    for (int i = 0; i < 7; i++) {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, deep);
        deep = a;
    }
    cJSON_AddItemToObject(o, "deep", deep);
    cJSON_AddStringToObject(o, "f", "function");
    static const double nums[] = { 1, -2, 0.1, 1.0 / 3, 9007199254740992.0, 1e300, 3e9, -0.0, 3.0 };
    cJSON *n = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        cJSON_AddItemToArray(n, cJSON_CreateNumber(nums[i]));
    cJSON_AddItemToArray(n, cJSON_CreateNumber(HUGE_VAL));
    cJSON_AddItemToArray(n, cJSON_CreateBool(1));
    cJSON_AddItemToObject(o, "n", n);
    cJSON_AddStringToObject(o, "s", "q\"\\\x01\x7f\n\xc3\xa9");
    cJSON *t = cJSON_CreateObject();
    cJSON_AddItemToObject(t, "a", cJSON_CreateArray());
    cJSON *m = cJSON_AddObjectToObject(t, "m");
    cJSON_AddNumberToObject(m, "5", 1);   /* a number as a key keeps its value, named by its text */
    cJSON_AddNumberToObject(t, "z", 1);
    cJSON_AddItemToObject(o, "t", t);
    cJSON_AddNumberToObject(o, "target", 7);
    return o;
}

#define ODD_VALUES_LUA \
    "bad = '\\255x\\0y', deep = {{{{{{{{{{1}}}}}}}}}}, f = print, " \
    "n = {1, -2, 0.1, 1/3, 2^53, 1e300, 3000000000, -0.0, 3.0, math.huge, true}, " \
    "s = 'q\"\\\\\\1\\127\\n\\195\\169', t = {z = 1, a = {}, m = {[5] = 1}}, target = 7"

static void test_step_and_data_members_print_as_cjson_does(void **state)
{
    world *w = world_new(false, true, 0);
    run(w, "mend.step{policy = 'P', rung = 'r', action = 'a.b', ok = true, " ODD_VALUES_LUA "}\n"
           "mend.report_data('k', {" ODD_VALUES_LUA "})");
    cJSON *o = odd_values();
    char *members = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    assert_non_null(members);
    size_t n = strlen(members);
    char *want_step = malloc(n + 64), *want_data = malloc(n + 64);
    assert_non_null(want_step);
    assert_non_null(want_data);
    members[n - 1] = '\0';   /* drop the braces: the step's known fields come first */
    snprintf(want_step, n + 64, "{\"rung\":\"r\",\"action\":\"a.b\",\"ok\":true,%s}", members + 1);
    snprintf(want_data, n + 64, "\"data\":{\"k\":{%s}}", members + 1);
    char *json = mend_report_json(w->eng.report, false);
    assert_non_null(json);
    if (!strstr(json, want_step) || !strstr(json, want_data))
        fail_msg("the report\n%s\nlacks\n%s\nor\n%s", json, want_step, want_data);
    free(json);
    free(members);
    free(want_step);
    free(want_data);
    world_free(w);
}

/* A table JSON has no array or object for (list items beside named keys, a list with holes,
 * a float or a boolean as a key) loses nothing: those keys are written as their text, named
 * keys first, then the integers in order. */
static void test_report_data_keeps_keys_json_has_no_place_for(void **state)
{
    (void)state;
    world *w = world_new(false, true, 0);
    run(w, "mend.report_data('mixed', {'a', 'b', x = 'y'})\n"
           "mend.report_data('holes', {10, nil, 30, [-4] = 'neg'})\n"
           "mend.report_data('odd', {[1.5] = 'f'})\n"
           "mend.report_data('yes', {[true] = 'b'})\n"
           "mend.report_data('list', {1, 2})");
    char *json = mend_report_json(w->eng.report, false);
    assert_non_null(json);
    static const char *const want[] = {
        "\"mixed\":{\"x\":\"y\",\"1\":\"a\",\"2\":\"b\"}", "\"holes\":{\"-4\":\"neg\",\"1\":10,\"3\":30}",
        "\"odd\":{\"1.5\":\"f\"}", "\"yes\":{\"true\":\"b\"}", "\"list\":[1,2]",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(json, want[i]))
            fail_msg("the report\n%s\nlacks %s", json, want[i]);
    free(json);
    world_free(w);
}

/* A step table's own keys JSON has no place for (list items, a number or boolean as a key)
 * are kept as report_data keeps them: named keys first, then the others under their text,
 * byte for byte the same, with few extra fields and with many. */
static void test_step_keeps_its_own_keys_json_has_no_place_for(void **state)
{
    (void)state;
    world *w = world_new(false, true, 0);
    run(w, "local many = {policy = 'M', rung = 'r', action = 'a.b', 'i1', [7] = 'i7', [false] = 'no'}\n"
           "local same = {'i1', [7] = 'i7', [false] = 'no'}\n"
           "for i = 1, 20 do many['k' .. i] = i; same['k' .. i] = i end\n"
           "mend.step(many)\n"
           "mend.report_data('many', same)\n"
           "mend.step{policy = 'P', rung = 'r', action = 'a.b', ok = true, 'first', x = 'y', [3] = 'third', [-2] = 'neg'}\n"
           "mend.report_data('mixed', {'first', x = 'y', [3] = 'third', [-2] = 'neg'})\n"
           "mend.step{policy = 'Q', rung = 'r', action = 'a.b', 'only', [2.5] = 'f'}\n"
           "mend.report_data('only', {'only', [2.5] = 'f'})");
    char *json = mend_report_json(w->eng.report, false);
    assert_non_null(json);
    static const char *const data[] = { "\"many\":{", "\"mixed\":{", "\"only\":{" };
    static const char *const step[] = {
        "{\"rung\":\"r\",\"action\":\"a.b\",", "{\"rung\":\"r\",\"action\":\"a.b\",\"ok\":true,",
        "{\"rung\":\"r\",\"action\":\"a.b\","
    };
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
        const char *d = strstr(json, data[i]);
        assert_non_null(d);
        d += strlen(data[i]);
        const char *end = strchr(d, '}');
        assert_non_null(end);
        char want[1024];
        snprintf(want, sizeof want, "%s%.*s}", step[i], (int)(end - d), d);
        if (!strstr(json, want))
            fail_msg("the report\n%s\nlacks the step\n%s", json, want);
    }
    assert_non_null(strstr(json, "\"x\":\"y\",\"-2\":\"neg\",\"1\":\"first\",\"3\":\"third\"}"));
    assert_non_null(strstr(json, "\"action\":\"a.b\",\"2.5\":\"f\",\"1\":\"only\"}"));
    free(json);
    world_free(w);
}

/* Steps and tables with many keys (past what fits on the C stack) keep every key, sorted. */
static void test_many_keyed_steps_keep_every_member_sorted(void **state)
{
    world *w = world_new(false, true, 0);
    run(w, "local s = {policy = 'P', rung = 'r', target = {1}, big = {}}\n"
           "for i = 1, 70 do s.big[string.format('k%02d', i)] = i end\n"
           "for i = 1, 20 do s[string.format('x%02d', i)] = i end\n"
           "mend.step(s)");
    cJSON *o = cJSON_CreateObject();
    cJSON *big = cJSON_AddObjectToObject(o, "big");
    char k[8];
    for (int i = 1; i <= 70; i++) {
        snprintf(k, sizeof k, "k%02d", i);
        cJSON_AddNumberToObject(big, k, i);
    }
    cJSON *t = cJSON_AddArrayToObject(o, "target");
    cJSON_AddItemToArray(t, cJSON_CreateNumber(1));
    for (int i = 1; i <= 20; i++) {
        snprintf(k, sizeof k, "x%02d", i);
        cJSON_AddNumberToObject(o, k, i);
    }
    char *members = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    assert_non_null(members);
    size_t n = strlen(members);
    char *want = malloc(n + 32);
    assert_non_null(want);
    members[n - 1] = '\0';
    snprintf(want, n + 32, "{\"rung\":\"r\",%s}", members + 1);
    char *json = mend_report_json(w->eng.report, false);
    assert_non_null(json);
    if (!strstr(json, want))
        fail_msg("the report\n%s\nlacks\n%s", json, want);
    free(json);
    free(members);
    free(want);
    world_free(w);
}

/* Lists built under a failing allocator: every host list must still be freed (run under ASan). */
static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    long *budget = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (nsize > (ptr ? osize : 0) && --*budget < 0)
        return NULL;
    return realloc(ptr, nsize);
}

static void test_memory_errors_while_building_results_leak_nothing(void **state)
{
    static const char *const calls[] = {
        "return ipsec.policies()", "return proc.list()", "return handles.scan()",
        "return svc.query('PolicyAgent')", "return reg.get('HKLM\\\\S', 'v')",
        "return proc.kill(4242)",
        "mend.step{policy = 'P', rung = 'r', detail = {a = {b = {1, 2, 3}}, s = ('x'):rep(300)}, bad = '\\xff\\xfe'}",
    };
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        for (long n = 0; n < 150; n++) {
            world *w = world_new(false, true, MEND_GATE_ALL);
            w->f.get_result.type = MEND_REG_SZ;
            w->f.get_result.data = (unsigned char *)"x";
            w->f.get_result.size = 1;
            long budget = n;
            lua_setallocf(w->L, failing_alloc, &budget);
            int rc = luaL_loadstring(w->L, calls[c]);
            if (rc == LUA_OK)
                rc = lua_pcall(w->L, 0, LUA_MULTRET, 0);
            lua_setallocf(w->L, failing_alloc, &(long){ 1L << 40 });
            if (rc != LUA_OK && rc != LUA_ERRMEM && rc != LUA_ERRRUN)
                fail_msg("%s with %ld allocations: status %d: %s", calls[c], n, rc, lua_tostring(w->L, -1));
            lua_close(w->L);
            w->L = NULL;
            mend_report_free(w->eng.report);
            free(w);
        }
    }
}

/* ---- the shared helpers every mutating binding goes through ---- */

typedef struct steps {
    int before, act;
    bool before_fails;
} steps;

static int step_before(mend_engine *eng, void *ud, mend_err *e)
{
    steps *s = ud;
    s->before++;
    return s->before_fails ? mend_err_set(e, MEND_E_IO, 0, "the backup could not be written") : 0;
}

static int step_act(mend_engine *eng, void *ud, mend_err *e)
{
    ((steps *)ud)->act++;
    return 0;
}

static void test_a_guarded_call_acts_only_when_the_guard_says_go(void **state)
{
    mend_action a = { "proc.kill", "vpnagent.exe (pid 4242)", MEND_GATE_KILL, MEND_COUNT_KILLS, NULL };
    mend_err e;

    world *w = world_new(false, true, 0);              /* gate closed: nothing runs */
    steps s = { 0 };
    mend_err_clear(&e);
    assert_int_equal(bind_guarded(w->L, &a, step_before, step_act, &s, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_PERMITTED);
    assert_int_equal(s.before + s.act, 0);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_KILLS), 0);
    world_free(w);

    w = world_new(true, false, MEND_GATE_KILL);        /* dry run: the backup, not the act */
    memset(&s, 0, sizeof s);
    mend_err_clear(&e);
    assert_int_equal(bind_guarded(w->L, &a, step_before, step_act, &s, &e), 0);
    assert_int_equal(s.before, 1);
    assert_int_equal(s.act, 0);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_KILLS), 1);
    world_free(w);

    w = world_new(false, true, MEND_GATE_KILL);        /* allowed: both, counted once */
    memset(&s, 0, sizeof s);
    mend_err_clear(&e);
    assert_int_equal(bind_guarded(w->L, &a, NULL, step_act, &s, &e), 0);
    assert_int_equal(s.act, 1);
    assert_int_equal(mend_report_counter(w->eng.report, MEND_COUNT_KILLS), 1);
    world_free(w);
}

static void test_a_failed_backup_stops_the_guarded_call(void **state)
{
    mend_action a = { "reg.delete", "HKLM\\SOFTWARE\\T", MEND_GATE_REGISTRY, MEND_COUNT_REGISTRY_DELETES, NULL };
    world *w = world_new(false, true, MEND_GATE_REGISTRY);
    steps s = { .before_fails = true };
    mend_err e;
    mend_err_clear(&e);
    assert_int_equal(bind_guarded(w->L, &a, step_before, step_act, &s, &e), -1);
    assert_int_equal(s.act, 0);
    assert_int_equal(e.code, MEND_E_IO);
    assert_string_equal(e.msg, "the backup could not be written");
    world_free(w);
}

static void test_a_result_is_true_or_nil_message_code(void **state)
{
    world *w = world_new(false, true, 0);
    mend_err e;
    mend_err_clear(&e);
    assert_int_equal(bind_result(w->L, 0, &e), 1);
    assert_true(lua_toboolean(w->L, -1));
    lua_settop(w->L, 0);
    mend_err_set(&e, MEND_E_NOT_FOUND, 0, "No process with pid 7 is running.");
    assert_int_equal(bind_result(w->L, -1, &e), 3);
    assert_true(lua_isnil(w->L, 1));
    assert_string_equal(lua_tostring(w->L, 2), "No process with pid 7 is running.");
    assert_string_equal(lua_tostring(w->L, 3), "not_found");
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reg_set_needs_the_registry_gate),
        cmocka_unit_test(test_reg_set_infers_and_encodes_types),
        cmocka_unit_test(test_reg_set_refuses_what_windows_cannot_hold),
        cmocka_unit_test(test_reg_paths_normalise_roots),
        cmocka_unit_test(test_reg_get_decodes_types),
        cmocka_unit_test(test_dry_run_without_what_if_skips_the_host_but_counts),
        cmocka_unit_test(test_invalid_utf8_never_reaches_the_host),
        cmocka_unit_test(test_protected_processes_are_refused_before_the_host),
        cmocka_unit_test(test_restart_of_a_stopped_service_only_starts_it),
        cmocka_unit_test(test_holders_match_the_object_and_below_only),
        cmocka_unit_test(test_resume_command_line_quotes_every_argument),
        cmocka_unit_test(test_step_goes_into_the_report),
        cmocka_unit_test(test_step_and_data_members_print_as_cjson_does),
        cmocka_unit_test(test_report_data_keeps_keys_json_has_no_place_for),
        cmocka_unit_test(test_step_keeps_its_own_keys_json_has_no_place_for),
        cmocka_unit_test(test_many_keyed_steps_keep_every_member_sorted),
        cmocka_unit_test(test_memory_errors_while_building_results_leak_nothing),
        cmocka_unit_test(test_a_guarded_call_acts_only_when_the_guard_says_go),
        cmocka_unit_test(test_a_failed_backup_stops_the_guarded_call),
        cmocka_unit_test(test_a_result_is_true_or_nil_message_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
