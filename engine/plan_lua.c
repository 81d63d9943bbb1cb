/* Plans meet Lua: recording hooks for the bindings and mend.step, and the `plan` module apply.lua uses. */
#include "plan.h"
#include "plan_private.h"
#include "engine_private.h"
#include "report.h"

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_KEY "mend.plan"

void mend_plan_attach(lua_State *L, mend_plan *p, mend_engine *eng)
{
    p->eng = eng;
    lua_pushlightuserdata(L, p);
    lua_setfield(L, LUA_REGISTRYINDEX, PLAN_KEY);
}

static mend_plan *recording(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PLAN_KEY);
    mend_plan *p = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return p;
}

/* A Lua argument as JSON; NULL for what a plan cannot replay (functions, userdata). */
static cJSON *to_json(lua_State *L, int idx, int depth)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return cJSON_CreateNull();
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: return cJSON_CreateNumber(lua_tonumber(L, idx));
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
    case LUA_TTABLE: break;
    default: return NULL;
    }
    if (depth > 4 || !lua_checkstack(L, 3))
        return NULL;
    idx = lua_absindex(L, idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    cJSON *out = n > 0 ? cJSON_CreateArray() : cJSON_CreateObject();
    if (n > 0) {
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            cJSON *v = to_json(L, -1, depth + 1);
            lua_pop(L, 1);
            cJSON_AddItemToArray(out, v ? v : cJSON_CreateNull());
        }
        return out;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            cJSON *v = to_json(L, -1, depth + 1);
            if (v)
                cJSON_AddItemToObject(out, lua_tostring(L, -2), v);
        }
        lua_pop(L, 1);
    }
    return out;
}

/* How many arguments each mutating function takes (the Lua API reference); unknown: all. */
static int max_args(const char *op)
{
    static const struct { const char *op; int n; } arity[] = {
        { "ipsec.delete", 1 }, { "ipsec.create", 1 }, { "ipsec.assign", 2 }, { "ipsec.unassign", 2 },
        { "proc.kill", 1 }, { "reg.set", 4 }, { "reg.delete", 2 }, { "reg.import", 1 },
        { "sys.gpupdate", 1 }, { "sys.reboot", 1 }, { "sys.resume_after_reboot", 1 },
        { "nic.enable_ipsec_offload", 2 }, { "nic.disable_ipsec_offload", 2 },
        { "svc.start", 2 }, { "svc.stop", 2 }, { "svc.restart", 2 },
        { "spd.delete_sas", 1 }, { "spd.delete_qm_policy", 1 }, { "spd.delete_filter", 1 },
    };
    for (size_t i = 0; i < sizeof arity / sizeof *arity; i++)
        if (strcmp(op, arity[i].op) == 0)
            return arity[i].n;
    return 64;
}

void mend_plan_on_action(lua_State *L, const mend_action *a)
{
    mend_plan *p = recording(L);
    if (!p || !p->eng || !p->actions || cJSON_GetObjectItemCaseSensitive(p->doc, "mend_plan"))
        return;
    cJSON *act = cJSON_CreateObject();
    cJSON_AddNumberToObject(act, "step", cJSON_GetArraySize(p->actions) + 1);
    cJSON_AddStringToObject(act, "op", a->op ? a->op : "?");
    cJSON_AddStringToObject(act, "call", plan_call_of(a->op ? a->op : "?"));
    cJSON_AddStringToObject(act, "target", a->target ? a->target : "");
    cJSON *args = cJSON_AddArrayToObject(act, "args");
    /* The binding's own arguments come first on its stack; what it pushed after them is not theirs. */
    int top = lua_gettop(L), most = max_args(a->op ? a->op : "");
    if (most < top)
        top = most;
    while (top > 0 && lua_isnil(L, top))
        top--;
    for (int i = 1; i <= top; i++) {
        cJSON *v = to_json(L, i, 0);
        if (!v)
            break;
        cJSON_AddItemToArray(args, v);
    }
    if (a->gate && mend_gate_name(a->gate))
        cJSON_AddStringToObject(act, "gate", mend_gate_name(a->gate));
    if (a->counter != MEND_COUNT_NONE)
        cJSON_AddStringToObject(act, "counter", mend_counter_name(a->counter));
    char *pre = mend_plan_precondition(&p->eng->host, a->op ? a->op : "", a->target, args);
    char hash[32];
    mend_plan_hash(pre ? pre : "", hash);
    cJSON_AddStringToObject(act, "assumes", pre ? pre : "");
    cJSON_AddStringToObject(act, "assumes_hash", hash);
    free(pre);
    cJSON_AddItemToArray(p->actions, act);
}

void mend_plan_on_wait(lua_State *L, double seconds)
{
    mend_plan *p = recording(L);
    if (!p || !p->actions || cJSON_GetObjectItemCaseSensitive(p->doc, "mend_plan"))
        return;
    char target[64], hash[32];
    snprintf(target, sizeof target, "%g s", seconds);
    mend_plan_hash("nothing", hash);
    cJSON *act = cJSON_CreateObject();
    cJSON_AddNumberToObject(act, "step", cJSON_GetArraySize(p->actions) + 1);
    cJSON_AddStringToObject(act, "op", "sys.sleep");
    cJSON_AddStringToObject(act, "call", "sys.sleep");
    cJSON_AddStringToObject(act, "target", target);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(act, "args"), cJSON_CreateNumber(seconds));
    cJSON_AddStringToObject(act, "assumes", "nothing");
    cJSON_AddStringToObject(act, "assumes_hash", hash);
    cJSON_AddStringToObject(act, "expect", "ok");
    cJSON_AddItemToArray(p->actions, act);
}

void mend_plan_on_result(lua_State *L, const mend_action *a, const mend_err *e)
{
    (void)a;
    mend_plan *p = recording(L);
    if (!p || !p->actions || cJSON_GetObjectItemCaseSensitive(p->doc, "mend_plan"))
        return;
    int n = cJSON_GetArraySize(p->actions);
    cJSON *act = n ? cJSON_GetArrayItem(p->actions, n - 1) : NULL;
    if (!act || cJSON_GetObjectItemCaseSensitive(act, "expect"))
        return;
    bool ok = !e || e->code == MEND_OK;
    cJSON_AddStringToObject(act, "expect", ok ? "ok" : mend_code_name(e->code));
    if (!ok)
        cJSON_AddStringToObject(act, "expect_message", e->msg);
}

void mend_plan_on_step(lua_State *L, const char *policy, const char *rung, const char *message)
{
    mend_plan *p = recording(L);
    if (!p || !p->actions || !rung || cJSON_GetObjectItemCaseSensitive(p->doc, "mend_plan"))
        return;
    int n = cJSON_GetArraySize(p->actions);
    for (int i = p->explained; i < n; i++) {
        cJSON *act = cJSON_GetArrayItem(p->actions, i);
        cJSON_AddStringToObject(act, "rung", rung);
        if (policy)
            cJSON_AddStringToObject(act, "policy", policy);
        if (message)
            cJSON_AddStringToObject(act, "why", message);
    }
    p->explained = n;
    char *r = mend_dupstr(rung);
    if (r) {
        free(p->last_rung);
        p->last_rung = r;
    }
}

/* ---- the `plan` module (mend apply) ---- */

static mend_plan *applying(lua_State *L)
{
    mend_plan *p = lua_touserdata(L, lua_upvalueindex(1));
    if (!p)
        luaL_error(L, "no plan loaded");
    return p;
}

static void push_json(lua_State *L, const cJSON *v, int depth)
{
    luaL_checkstack(L, 4, "plan too deep");
    if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsBool(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else if ((cJSON_IsArray(v) || cJSON_IsObject(v)) && depth < 8) {
        lua_newtable(L);
        int i = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
        {
            push_json(L, c, depth + 1);
            if (cJSON_IsArray(v))
                lua_rawseti(L, -2, ++i);
            else
                lua_setfield(L, -2, c->string);
        }
    } else {
        lua_pushnil(L);
    }
}

/* plan.actions() -> list of {op, call, target, args, nargs, gate, policy, rung, why, assumes, expect} */
static int l_actions(lua_State *L)
{
    mend_plan *p = applying(L);
    lua_newtable(L);
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, p->actions)
    {
        push_json(L, a, 0);
        lua_pushinteger(L, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(a, "args")));
        lua_setfield(L, -2, "nargs");
        lua_rawseti(L, -2, ++i);
    }
    return 1;
}

static int l_field(lua_State *L)
{
    mend_plan *p = applying(L);
    push_json(L, cJSON_GetObjectItemCaseSensitive(p->doc, luaL_checkstring(L, 1)), 0);
    return 1;
}

/* On Windows a policy whose delete a holder or an assignment kept pending reads active again once
 * the plan's own earlier step removed that (docs/plans.md): a delete that assumed "pending_deletion"
 * also meets "active" of the very same policy (guid, holders, assignment equal) after such a step. */
static bool cleared_by_earlier_step(const mend_plan *p, int i, const char *op, const char *assumed, const char *found)
{
    static const char pend[] = " pending_deletion", act[] = " active";
    const char *at = strcmp(op, "ipsec.delete") == 0 ? strstr(assumed, "} pending_deletion") : NULL;
    if (!at)
        return false;
    bool cleared = false;
    for (int k = 0; k < i - 1 && k < p->done; k++) {
        const char *o = plan_str(cJSON_GetArrayItem(p->actions, k), "op");
        cleared = cleared || (o && strcmp(o, "sys.sleep") != 0 && strcmp(o, "ipsec.create") != 0);
    }
    size_t head = (size_t)(at - assumed) + 1, flen = strlen(found);
    const char *rest = at + 1 + strlen(pend);
    return cleared && flen == strlen(assumed) - strlen(pend) + strlen(act) && strncmp(found, assumed, head) == 0 &&
           strncmp(found + head, act, strlen(act)) == 0 && strcmp(found + head + strlen(act), rest) == 0;
}

/* A host that cannot tell a policy's state (Windows' store keeps no pending mark: "unknown") meets
 * a plan that assumed "pending_deletion" for the very same policy: the GUID still pins identity,
 * and the admin named the policy because Windows reported 0x32DF for it. Returns found, rewritten
 * in place of the word when that is the case (found is malloc'd; may be reallocated). */
static char *unknown_reads_as_assumed(const char *assumed, char *found)
{
    static const char unk[] = "} unknown", pend[] = "} pending_deletion";
    char *u = found ? strstr(found, unk) : NULL;
    const char *a = assumed ? strstr(assumed, pend) : NULL;
    if (!u || !a || u - found != a - assumed || strncmp(found, assumed, (size_t)(u - found)) != 0)
        return found;
    size_t head = (size_t)(u - found), tail = strlen(u + strlen(unk));
    char *out = malloc(head + strlen(pend) + tail + 1);
    if (!out)
        return found;
    memcpy(out, found, head);
    memcpy(out + head, pend, strlen(pend));
    memcpy(out + head + strlen(pend), u + strlen(unk), tail + 1);
    free(found);
    return out;
}

/* plan.verify(i) -> true | nil, "step i of n, OP TARGET: the plan assumed A; the machine has B." */
static int l_verify(lua_State *L)
{
    mend_plan *p = applying(L);
    lua_Integer i = luaL_checkinteger(L, 1);
    int n = cJSON_GetArraySize(p->actions);
    luaL_argcheck(L, i >= 1 && i <= n, 1, "no such step");
    const cJSON *a = cJSON_GetArrayItem(p->actions, (int)i - 1);
    const char *op = plan_str(a, "op"), *assumed = plan_str(a, "assumes");
    p->started = (int)i;
    char *found = mend_plan_precondition(&p->eng->host, op, plan_str(a, "target"),
                                         cJSON_GetObjectItemCaseSensitive(a, "args"));
    if (!found)
        return luaL_error(L, "not enough memory");
    found = unknown_reads_as_assumed(assumed, found);
    char hash[32];
    mend_plan_hash(found, hash);
    if ((strcmp(hash, plan_str(a, "assumes_hash")) == 0 && strcmp(found, assumed) == 0) ||
        cleared_by_earlier_step(p, (int)i, op, assumed, found)) {
        free(found);
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushfstring(L, "step %d of %d, %s %s: the plan assumed %s; the machine has %s.", (int)i, n, op,
                    plan_str(a, "target"), assumed, found);
    free(found);
    return 2;
}

/* The identity a policy step's assumption pins: "policy NAME {GUID}" or "no policy NAME", and with
 * state also its state and assignment (up to the holders); 0 if none. */
static size_t identity_len(const char *assumes, bool state)
{
    if (!assumes)
        return 0;
    if (strncmp(assumes, "no policy ", 10) == 0)
        return strlen(assumes);
    const char *end = strncmp(assumes, "policy ", 7) == 0 ? strchr(assumes, '}') : NULL;
    if (end && state)
        return strcspn(assumes, ";");
    return end ? (size_t)(end - assumes) + 1 : 0;
}

/* Steps after which a policy's state may differ from before step 1: the plan's own doing. */
static bool changes_states(const char *op)
{
    return strcmp(op, "sys.gpupdate") == 0 || strcmp(op, "sys.reboot") == 0 || strncmp(op, "svc.", 4) == 0 ||
           strncmp(op, "nic.", 4) == 0 || strcmp(op, "proc.kill") == 0 || strncmp(op, "reg.", 4) == 0 ||
           strcmp(op, "ipsec.assign") == 0;   /* assigning one policy unassigns the other */
}

/* plan.preflight() -> true | nil, message, step: before step 1, every policy the plan names is still the
 * very one it was made for (same guid, or still absent) and, where no earlier step can have changed
 * it, in the state the plan assumed: a stale plan never meets a policy re-created since under the
 * same name, nor one that became healthy. */
static int l_preflight(lua_State *L)
{
    mend_plan *p = applying(L);
    int n = cJSON_GetArraySize(p->actions), i = 0;
    const cJSON *a;
    cJSON *seen = cJSON_CreateObject();
    bool moved = false;   /* an earlier step may have changed states: compare identities only */
    cJSON_ArrayForEach(a, p->actions)
    {
        i++;
        const char *op = plan_str(a, "op"), *assumed = plan_str(a, "assumes");
        size_t idl = identity_len(assumed, !moved);
        bool later_moved = moved || (op && changes_states(op));
        if (!op || strncmp(op, "ipsec.", 6) != 0 || idl == 0) {
            moved = later_moved;
            continue;
        }
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(a, "args"), *first = cJSON_GetArrayItem(args, 0);
        const char *name = cJSON_IsString(first) ? first->valuestring : plan_str(first, "name");
        if (!name || cJSON_GetObjectItemCaseSensitive(seen, name)) {
            moved = later_moved;
            continue;   /* later steps meet what the plan's own earlier steps made */
        }
        cJSON_AddBoolToObject(seen, name, 1);
        char *found = mend_plan_precondition(&p->eng->host, op, plan_str(a, "target"), args);
        if (!found) {
            cJSON_Delete(seen);
            return luaL_error(L, "not enough memory");
        }
        found = unknown_reads_as_assumed(assumed, found);
        if (identity_len(found, !moved) != idl || strncmp(found, assumed, idl) != 0) {
            lua_pushnil(L);
            lua_pushfstring(L, "step %d of %d, %s %s: the plan was made for %s; the machine has %s. The plan is "
                            "stale: refused before step 1, nothing was done.", i, n, op, plan_str(a, "target"),
                            assumed, found);
            free(found);
            cJSON_Delete(seen);
            lua_pushinteger(L, i);
            return 3;
        }
        free(found);
        moved = later_moved;
    }
    cJSON_Delete(seen);
    lua_pushboolean(L, 1);
    return 1;
}

/* plan.ran(i): step i's call returned; plan.done(i): and it ended as planned. */
static int l_ran(lua_State *L)
{
    mend_plan *p = applying(L);
    p->ran = (int)luaL_checkinteger(L, 1);
    return 0;
}

static int l_done(lua_State *L)
{
    mend_plan *p = applying(L);
    p->done = (int)luaL_checkinteger(L, 1);
    return 0;
}

/* plan.stop(text): why apply.lua stopped, for the progress report. */
static int l_stop(lua_State *L)
{
    mend_plan *p = applying(L);
    char *why = mend_dupstr(luaL_checkstring(L, 1));
    free(p->stop_why);
    p->stop_why = why;
    return 0;
}

/* ---- what a stopped apply did ---- */

static cJSON *step_ref(const cJSON *a, int i)
{
    cJSON *o = cJSON_CreateObject();
    char *call = plan_call_text(a);
    cJSON_AddNumberToObject(o, "step", i);
    cJSON_AddStringToObject(o, "call", call ? call : "?");
    free(call);
    return o;
}

void mend_plan_report_progress(mend_plan *p, mend_report *r, const char *why, bool quiet)
{
    int n = cJSON_GetArraySize(p->actions);
    if (p->done >= n)
        return;
    int stopped = p->done + 1;
    bool ran = p->ran >= stopped;
    if (!why)
        why = p->stop_why;
    if (!why)
        why = "the script ended early";
    cJSON *step = cJSON_CreateObject();
    cJSON_AddStringToObject(step, "rung", "apply");
    cJSON_AddStringToObject(step, "action", "apply");
    cJSON_AddBoolToObject(step, "ok", 0);
    cJSON_AddStringToObject(step, "message", why);
    cJSON *done = cJSON_AddArrayToObject(step, "done"), *not_run = cJSON_AddArrayToObject(step, "not_run");
    cJSON *st = NULL;
    int i = 0;
    const cJSON *a;
    char *safe_why = plan_defang(why);
    if (!quiet)
        fprintf(stderr, "mend apply stopped at step %d of %d: %s\n", stopped, n, safe_why ? safe_why : "?");
    free(safe_why);
    cJSON_ArrayForEach(a, p->actions)
    {
        cJSON *ref = step_ref(a, ++i);
        const cJSON *call = cJSON_GetObjectItemCaseSensitive(ref, "call");
        const char *label = i < stopped ? "done:   " : i == stopped ? "stopped:" : "not run:";
        char *safe = cJSON_IsString(call) ? plan_defang(call->valuestring) : NULL;
        if (!quiet)
            fprintf(stderr, "  %s %d. %s%s\n", label, i, safe ? safe : "?",
                    i != stopped ? "" : ran ? " (it ran; it did not end as planned)" : " (not run)");
        free(safe);
        if (i < stopped) {
            cJSON_AddItemToArray(done, ref);
        } else if (i == stopped) {
            cJSON_AddBoolToObject(ref, "ran", ran);
            cJSON_AddStringToObject(ref, "why", why);
            st = ref;
        } else {
            cJSON_AddItemToArray(not_run, ref);
        }
    }
    cJSON_AddItemToObject(step, "stopped", st ? st : cJSON_CreateNull());
    mend_report_step(r, NULL, step);
}

/* ---- the plan key is not a script's to read or replace ---- */

/* upvalues: the original function, the key path, which string arguments name files (bits),
 * whether a folder holding the key counts (removal, renaming), whether refusing raises. */
static int key_guard(lua_State *L)
{
    const char *key = lua_tostring(L, lua_upvalueindex(2));
    lua_Integer which = lua_tointeger(L, lua_upvalueindex(3));
    bool folder = lua_toboolean(L, lua_upvalueindex(4)), raise = lua_toboolean(L, lua_upvalueindex(5));
    for (int i = 1; i <= 2; i++) {
        if (!(which & i) || lua_type(L, i) != LUA_TSTRING)
            continue;
        const char *path = lua_tostring(L, i);
        if (mend_plan_key_behind(key, path, folder)) {
            if (raise)
                return luaL_error(L, "%s: scripts may not read or change mend's plan key", path);
            lua_pushnil(L);
            lua_pushfstring(L, "%s: scripts may not read or change mend's plan key", path);
            lua_pushliteral(L, "not_permitted");
            return 3;
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static void guard_fn(lua_State *L, int table, const char *name, const char *key, int which, bool folder, bool raise)
{
    if (table)
        lua_getfield(L, table, name);
    else
        lua_getglobal(L, name);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_pushstring(L, key);
    lua_pushinteger(L, which);
    lua_pushboolean(L, folder);
    lua_pushboolean(L, raise);
    lua_pushcclosure(L, key_guard, 5);
    if (table)
        lua_setfield(L, table, name);
    else
        lua_setglobal(L, name);
}

void mend_plan_key_protect(lua_State *L, const char *state_dir)
{
    char *key = mend_plan_key_path(state_dir);
    if (!key)
        return;
    guard_fn(L, 0, "loadfile", key, 1, false, false);
    guard_fn(L, 0, "dofile", key, 1, false, true);
    static const char *const libs[] = { "io", "os" };
    for (int k = 0; k < 2; k++) {
        /* The global table and package.loaded's are the same table: one change covers both. */
        lua_getglobal(L, libs[k]);
        if (lua_istable(L, -1)) {
            int t = lua_gettop(L);
            if (k == 0) {
                guard_fn(L, t, "open", key, 1, false, false);
                guard_fn(L, t, "lines", key, 1, false, true);
                guard_fn(L, t, "input", key, 1, false, true);
                guard_fn(L, t, "output", key, 1, false, true);
            } else {
                guard_fn(L, t, "remove", key, 1, true, false);
                guard_fn(L, t, "rename", key, 3, true, false);
            }
        }
        lua_pop(L, 1);
    }
    free(key);
}

void mend_plan_open_lua(lua_State *L, mend_plan *p, mend_engine *eng)
{
    p->eng = eng;
    static const luaL_Reg fns[] = {
        { "actions", l_actions },
        { "verify", l_verify },
        { "preflight", l_preflight },
        { "ran", l_ran },
        { "done", l_done },
        { "stop", l_stop },
        { "field", l_field },
        { NULL, NULL },
    };
    luaL_newlibtable(L, fns);
    lua_pushlightuserdata(L, p);
    luaL_setfuncs(L, fns, 1);
    lua_setglobal(L, "plan");
}
