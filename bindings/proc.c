/* The proc module: process list and find, and kill behind the kill gate with Windows' critical processes refused. */
#include <stdio.h>
#include <string.h>

#include "bindings.h"

#include "bind.h"


/* "vpnagent" finds "vpnagent.exe" too, as Task Manager users expect. */
static bool name_matches(const char *image, const char *want)
{
    if (mend_ascii_ieq(image, want))
        return true;
    size_t n = strlen(want);
    return strlen(image) == n + 4 && mend_ascii_ncasecmp(image, want, n) == 0 && mend_ascii_ieq(image + n, ".exe");
}

static void free_procs(void *p, size_t n)
{
    mend_process_free_list(p, n);
}

/* Lists processes into an owned box (left on the stack, to be closed); -1 with *e on failure. */
static int list_procs(lua_State *L, mend_process **list, size_t *n, mend_err *e)
{
    mend_engine *eng = bind_engine(L);
    *list = NULL;
    *n = 0;
    if (eng->host.ops->proc.list(eng->host.ctx, list, n, e) != 0)
        return -1;
    bind_own(L, *list, *n, free_procs);
    lua_toclose(L, lua_gettop(L));
    return 0;
}

static void push_proc(lua_State *L, const mend_process *p)
{
    lua_createtable(L, 0, 5);
    bind_setint(L, "pid", (lua_Integer)p->pid);
    bind_setint(L, "ppid", (lua_Integer)p->ppid);
    bind_setstr(L, "name", p->name);
    bind_setstr(L, "path", p->path);
    bind_setbool(L, "critical", p->critical || mend_process_is_critical_name(p->pid, p->name));
}

static int push_matching(lua_State *L, const char *want)
{
    mend_err e;
    mend_err_clear(&e);
    size_t n;
    mend_process *list;
    if (list_procs(L, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    lua_newtable(L);
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++) {
        if (want && !name_matches(list[i].name ? list[i].name : "", want))
            continue;
        push_proc(L, &list[i]);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int l_list(lua_State *L)
{
    lua_settop(L, 0);
    return push_matching(L, NULL);
}

static int l_find(lua_State *L)
{
    mend_err e;
    mend_err_clear(&e);
    const char *name = bind_hoststr(L, 1, &e);
    if (!name)
        return bind_fail(L, &e);
    return push_matching(L, name);
}

static int do_kill(mend_engine *eng, void *pid, mend_err *e)
{
    return eng->host.ops->proc.kill(eng->host.ctx, *(const uint32_t *)pid, e);
}

static int l_kill(lua_State *L)
{
    lua_Integer ipid = luaL_checkinteger(L, 1);
    lua_settop(L, 1);
    mend_err e;
    mend_err_clear(&e);
    if (ipid < 0 || ipid > (lua_Integer)UINT32_MAX) {
        mend_err_set(&e, MEND_E_INVALID, 0, "pid %lld is out of range", (long long)ipid);
        return bind_fail(L, &e);
    }
    uint32_t pid = (uint32_t)ipid;
    size_t n;
    mend_process *list;
    if (list_procs(L, &list, &n, &e) != 0)
        return bind_fail(L, &e);
    const char *name = NULL, *path = NULL;
    bool critical = false;
    for (size_t i = 0; i < n; i++)
        if (list[i].pid == pid) {
            name = list[i].name ? list[i].name : "";
            path = list[i].path;
            critical = list[i].critical;
        }
    /* The backend's mark covers processes Windows flags critical (IsProcessCritical); the
     * name set covers a backend that could not ask. No gate or option opens this. */
    if (critical || mend_process_is_critical_name(pid, name)) {
        mend_err_set(&e, MEND_E_NOT_PERMITTED, 0,
                     "%s (pid %u) is one of Windows' system-critical processes; stopping it would crash or "
                     "destabilise Windows, so mend never does, whatever --allow says",
                     name && *name ? name : (pid == 4 ? "System" : "System Idle Process"), pid);
        return bind_fail(L, &e);
    }
    if (!name) {
        mend_err_set(&e, MEND_E_NOT_FOUND, 0, "No process with pid %u is running.", pid);
        return bind_fail(L, &e);
    }
    char target[512], question[1200];
    snprintf(target, sizeof target, "%s (pid %u)", name, pid);
    /* The image path tells two processes of the same name apart; the end is abrupt. */
    snprintf(question, sizeof question, "Stop %s%s%.600s? It ends at once, without the chance to save or "
             "clean up.", target, path && *path ? ", image " : "", path && *path ? path : "");
    mend_action a = { "proc.kill", target, MEND_GATE_KILL, MEND_COUNT_KILLS, question };
    return bind_result(L, bind_guarded(L, &a, NULL, do_kill, &pid, &e), &e);
}

int luaopen_mend_proc(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "list", l_list },
        { "find", l_find },
        { "kill", l_kill },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
