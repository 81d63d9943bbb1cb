/* The sys module: group-policy refresh, reboot behind its gate, sleep, admin check, OS name, the resume task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bindings.h"

#include "engine_private.h"
#include "lua_private.h"
#include "json_whole.h"
#include "log.h"
#include "platform.h"
#include "bind.h"
#include "plan_lua.h"

/* gpupdate's own default for /wait (MicrosoftDocs gpupdate.md); policy processing goes on
 * in the background after it returns. */
#define GPUPDATE_DEFAULT_WAIT_S 600
/* Left of the run's --timeout after gpupdate's /wait: the host waits for the process a little
 * longer than /wait, and the ladder still has to verify. */
#define GPUPDATE_TIMEOUT_RESERVE_S 60

/* Seconds the run has left before its --timeout; negative when there is no limit. */
static double time_left(lua_State *L)
{
    const mend_limits *lim = mend_limits_of(L);
    if (!lim || lim->timeout_s <= 0)
        return -1;
    double left = lim->deadline - mend_monotonic_now();
    return left > 0 ? left : 0;
}

/* /wait:N for this run: what was asked (or gpupdate's default), but never past --timeout. */
static unsigned gpupdate_wait(lua_State *L, lua_Integer want)
{
    double left = time_left(L);
    if (left >= 0) {
        double room = left - GPUPDATE_TIMEOUT_RESERVE_S;
        if (room < (double)want)
            want = room > 0 ? (lua_Integer)room : 0;
    }
    return (unsigned)want;
}

typedef struct gpupdate_args {
    bool force;
    unsigned wait_s;
} gpupdate_args;

static int do_gpupdate(mend_engine *eng, void *ud, mend_err *e)
{
    const gpupdate_args *x = ud;
    return eng->host.ops->sys.gpupdate(eng->host.ctx, x->force, x->wait_s, e);
}

static int do_reboot(mend_engine *eng, void *reason, mend_err *e)
{
    return eng->host.ops->sys.reboot(eng->host.ctx, reason, e);
}

static int l_gpupdate(lua_State *L)
{
    bool force = false;
    lua_Integer want = GPUPDATE_DEFAULT_WAIT_S;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        lua_getfield(L, 1, "force");
        if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
            luaL_error(L, "bad argument #1: field 'force' must be a boolean, not %s", luaL_typename(L, -1));
        force = lua_toboolean(L, -1);
        lua_getfield(L, 1, "wait");
        if (!lua_isnil(L, -1)) {
            int isint = 0;
            want = lua_tointegerx(L, -1, &isint);
            if (!isint || want < 0 || want > 86400)
                luaL_error(L, "bad argument #1: field 'wait' must be a whole number of seconds from 0 to 86400");
        }
        lua_pop(L, 2);
    }
    unsigned wait_s = gpupdate_wait(L, want);
    char args[48];
    mend_gpupdate_args(force, wait_s, args, sizeof args);
    mend_err e;
    mend_err_clear(&e);
    mend_action a = { "sys.gpupdate", args, 0, MEND_COUNT_GPUPDATES, NULL };
    gpupdate_args x = { force, wait_s };
    if (bind_guarded(L, &a, NULL, do_gpupdate, &x, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, 1);
    lua_pushstring(L, args);
    return 2;
}

static int l_reboot(lua_State *L)
{
    const char *reason = "mend: restart to finish a remediation";
    mend_err e;
    mend_err_clear(&e);
    bool bad = false;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        lua_getfield(L, 1, "reason");
        if (!lua_isnil(L, -1)) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "bad argument #1: field 'reason' must be a string, not %s", luaL_typename(L, -1));
            size_t len;
            reason = lua_tolstring(L, -1, &len);
            bad = bind_checkutf8(reason, len, "field 'reason'", &e) != 0;
        }
    }
    if (bad)
        return bind_fail(L, &e);
    mend_action a = { "sys.reboot", reason, MEND_GATE_REBOOT, MEND_COUNT_REBOOTS,
                      "Restart this computer now? Windows shuts down every running program and service and "
                      "starts again; anyone signed in is signed out." };
    return bind_result(L, bind_guarded(L, &a, NULL, do_reboot, (void *)reason, &e), &e);
}

static int l_sleep(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    luaL_argcheck(L, s >= 0 && s <= 86400.0, 1, "seconds must be between 0 and 86400");
    mend_engine *eng = bind_engine(L);
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->sys.sleep(eng->host.ctx, (double)s, &e) != 0)
        return bind_fail(L, &e);
    mend_plan_on_wait(L, (double)s);   /* fix --plan: apply waits the same */
    return bind_true(L);
}

static int l_is_admin(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    mend_err e;
    mend_err_clear(&e);
    bool admin = false;
    if (eng->host.ops->sys.is_admin(eng->host.ctx, &admin, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, admin);
    return 1;
}

static int l_os(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    mend_err e;
    mend_err_clear(&e);
    char buf[256] = "";
    if (eng->host.ops->sys.os_name(eng->host.ctx, buf, sizeof buf, &e) != 0)
        return bind_fail(L, &e);
    buf[sizeof buf - 1] = '\0';
    lua_pushstring(L, buf);
    return 1;
}

/* Quotes one argument so CommandLineToArgvW gives it back unchanged. */
static void add_quoted(luaL_Buffer *b, const char *s)
{
    luaL_addchar(b, '"');
    size_t slashes = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '\\') {
            slashes++;
            continue;
        }
        /* Backslashes before a quote are doubled, and the quote escaped. */
        for (size_t i = 0; i < (*c == '"' ? 2 * slashes + 1 : slashes); i++)
            luaL_addchar(b, '\\');
        slashes = 0;
        luaL_addchar(b, *c);
    }
    for (size_t i = 0; i < 2 * slashes; i++)
        luaL_addchar(b, '\\');
    luaL_addchar(b, '"');
}

static void free_str(void *p, size_t n)
{
    (void)n;
    free(p);
}

/* Whether the run that starts at boot would get an allowance this run does not have: --allow
 * beyond this run's gates, --yes, --unsafe, or a --stop-holder this run was not given. A resume
 * runs as SYSTEM with nobody watching, so it may only finish what this run was allowed to do. */
static int new_allowance(const mend_options *o, const char *item, const char *next, mend_err *e)
{
    const char *list = NULL;
    if (strcmp(item, "--allow") == 0)
        list = next ? next : "";
    else if (strncmp(item, "--allow=", 8) == 0)
        list = item + 8;
    if (list) {
        unsigned mask = 0;
        char why[200];
        if (mend_gate_parse(list, &mask, why, sizeof why) != 0)
            return mend_err_set(e, MEND_E_INVALID, 0, "the resume's %s", why);
        unsigned extra = mask & ~(o ? o->allow : 0u);
        for (unsigned bit = 1; extra && bit <= MEND_GATE_ALL; bit <<= 1)
            if (extra & bit)
                return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                                    "the resume after the reboot would allow '%s', which this run was not "
                                    "given (--allow %s): a resume only finishes what this run may do",
                                    mend_gate_name(bit), mend_gate_name(bit));
        return 0;
    }
    if ((strcmp(item, "--yes") == 0 || strcmp(item, "-y") == 0) && !(o && o->yes))
        return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                            "the resume after the reboot would answer yes (--yes), which this run does not");
    if (strcmp(item, "--unsafe") == 0 && !(o && o->unsafe))
        return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                            "the resume after the reboot would run --unsafe, which this run does not");
    const char *holder = strcmp(item, "--stop-holder") == 0 ? next
                       : strncmp(item, "--stop-holder=", 14) == 0 ? item + 14 : NULL;
    if (holder) {
        bool given = false;
        for (int i = 0; o && i < o->nstop_holders && !given; i++)
            given = mend_ascii_ieq(o->stop_holders[i], holder);
        if (!given)
            return mend_err_set(e, MEND_E_NOT_PERMITTED, 0,
                                "the resume after the reboot would stop '%s' (--stop-holder), which this run "
                                "was not given", holder);
    }
    return 0;
}

static int do_resume_after_reboot(mend_engine *eng, void *ud, mend_err *e)
{
    const char *const *x = ud;   /* exe, args */
    return eng->host.ops->sys.resume_after_reboot(eng->host.ctx, x[0], x[1], e);
}

static int do_clear_resume(mend_engine *eng, void *found, mend_err *e)
{
    return eng->host.ops->sys.resume_clear(eng->host.ctx, found, e);
}

static int l_resume_after_reboot(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    mend_err e;
    mend_err_clear(&e);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
            luaL_error(L, "bad argument #1: item %d must be a string, not %s", (int)i, luaL_typename(L, -1));
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        char what[32];
        snprintf(what, sizeof what, "item %d", (int)i);
        int bad = bind_checkutf8(s, len, what, &e);
        lua_pop(L, 1);
        if (bad)
            return bind_fail(L, &e);
    }
    /* Options end at "--": names after it are only names. */
    const mend_options *opts = bind_engine(L)->opts;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lua_rawgeti(L, 1, i + 1);
        const char *item = lua_tostring(L, -2), *next = lua_tostring(L, -1);
        bool end = strcmp(item, "--") == 0;
        int bad = end ? 0 : new_allowance(opts, item, next, &e);
        lua_pop(L, 2);
        if (end)
            break;
        if (bad)
            return bind_fail(L, &e);
    }
    char *dir = mend_exe_dir();
#ifdef _WIN32
    const char *exe_name = "mend.exe";
#else
    const char *exe_name = "mend";
#endif
    char *exe = dir ? mend_path_join(dir, exe_name) : NULL;
    free(dir);
    if (exe) {
        bind_own(L, exe, 1, free_str);
        lua_pushstring(L, exe);
    } else {
        lua_pushstring(L, exe_name);
    }
    const char *exe_path = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "fix --resume");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        const char *s = lua_tostring(L, -1);
        lua_pop(L, 1); /* still referenced by the table */
        luaL_addchar(&b, ' ');
        add_quoted(&b, s);
    }
    luaL_pushresult(&b);
    const char *args = lua_tostring(L, -1);
    luaL_buffinit(L, &b);
    add_quoted(&b, exe_path);
    luaL_addchar(&b, ' ');
    luaL_addstring(&b, args);
    luaL_pushresult(&b);
    const char *cmdline = lua_tostring(L, -1);
    mend_action a = { "sys.resume_after_reboot", cmdline, 0, MEND_COUNT_NONE, NULL };
    const char *x[2] = { exe_path, args };
    if (bind_guarded(L, &a, NULL, do_resume_after_reboot, x, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, 1);
    lua_pushstring(L, cmdline);
    return 2;
}

/* Removes the boot task that resume_after_reboot registered: the resumed run calls it first,
 * so the task runs once. Returns true and whether there was one. */
/* <state dir>/resume.json: the boot in which a run ended needing a reboot, and the policies it
 * left stuck. Kept by C in mend's state folder, where scripts cannot write. */
static char *resume_record_path(const mend_engine *eng)
{
    return mend_path_join(eng->state_dir ? eng->state_dir : ".", "resume.json");
}

static int l_clear_resume(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    mend_action a = { "sys.clear_resume", MEND_RESUME_TASK, 0, MEND_COUNT_NONE, NULL };
    bool found = false;
    if (bind_guarded(L, &a, NULL, do_clear_resume, &found, &e) != 0)
        return bind_fail(L, &e);
    lua_pushboolean(L, 1);
    lua_pushboolean(L, found);
    return 2;
}

/* ---- what `mend fix --resume` verifies against ---- */

/* sys.expect_reboot(names[, all]) -> true | nil, msg, code: records names (or, with all, every
 * policy pending deletion) as stuck in this boot, for the --resume run after the reboot; an
 * empty list forgets the record. */
static int l_expect_reboot(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    bool all = lua_toboolean(L, 2);
    mend_engine *eng = bind_engine(L);
    if (eng->opts && eng->opts->dry_run)
        return bind_true(L);
    if (lua_rawlen(L, 1) == 0 && !all) {   /* nothing left stuck: forget the record */
        char *path = resume_record_path(eng);
        if (path)
            mend_remove(path);
        free(path);
        return bind_true(L);
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *names = doc ? cJSON_AddArrayToObject(doc, "names") : NULL;
    bool oom = !names || !cJSON_AddNumberToObject(doc, "boot", eng->host.ops->sys.boot_time(eng->host.ctx)) ||
               !cJSON_AddBoolToObject(doc, "all", all);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n && !oom; i++) {
        lua_rawgeti(L, 1, i);
        const char *s = lua_tostring(L, -1);
        if (s)
            oom = !cJSON_AddItemToArray(names, cJSON_CreateString(s));
        lua_pop(L, 1);
    }
    char *text = oom ? NULL : cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    char *path = resume_record_path(eng);
    mend_err e;
    mend_err_clear(&e);
    int rc = text && path ? mend_write_file_atomic(path, text, strlen(text), &e)
                          : mend_err_set(&e, MEND_E_IO, 0, "out of memory");
    free(text);
    free(path);
    return bind_result(L, rc, &e);
}

/* sys.resume_record() -> nil | {names = {...}, all = bool, rebooted = bool} */
static int l_resume_record(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    char *path = resume_record_path(eng);
    char *buf = NULL;
    size_t len = 0;
    mend_err e;
    int rc = path && mend_file_exists(path) ? mend_read_file(path, &buf, &len, &e) : -1;
    char why[128];   /* a record with bytes after it is as unreadable as a torn one: said, not used */
    cJSON *doc = rc == 0 ? mend_json_parse_whole(buf, len, why, sizeof why) : NULL;
    if (rc == 0 && !doc)
        mend_log(MEND_LOG_WARN, "the resume record %s is not usable (%s): no earlier run is resumed", path, why);
    free(path);
    free(buf);
    const cJSON *boot = cJSON_GetObjectItemCaseSensitive(doc, "boot");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(doc, "names");
    if (!cJSON_IsNumber(boot) || !cJSON_IsArray(names)) {
        cJSON_Delete(doc);
        lua_pushnil(L);
        return 1;
    }
    /* The simulator counts boots; Windows' boot time, worked out from the tick count, moves by
     * a little between runs of the same boot. */
    bool sim = eng->host.ops->name && strcmp(eng->host.ops->name, "sim") == 0;
    double now = eng->host.ops->sys.boot_time(eng->host.ctx);
    double drift = now - boot->valuedouble;
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, drift > (sim ? 0.5 : 90.0));
    lua_setfield(L, -2, "rebooted");
    lua_pushboolean(L, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "all")));
    lua_setfield(L, -2, "all");
    lua_createtable(L, cJSON_GetArraySize(names), 0);
    int i = 0;
    const cJSON *nm;
    cJSON_ArrayForEach(nm, names) {
        if (cJSON_IsString(nm)) {
            lua_pushstring(L, nm->valuestring);
            lua_rawseti(L, -2, ++i);
        }
    }
    lua_setfield(L, -2, "names");
    cJSON_Delete(doc);
    return 1;
}

int luaopen_mend_sys(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "gpupdate", l_gpupdate },
        { "reboot", l_reboot },
        { "sleep", l_sleep },
        { "is_admin", l_is_admin },
        { "os", l_os },
        { "resume_after_reboot", l_resume_after_reboot },
        { "clear_resume", l_clear_resume },
        { "expect_reboot", l_expect_reboot },
        { "resume_record", l_resume_record },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
