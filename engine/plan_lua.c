/* Plans meet Lua: recording hooks for the bindings and mend.step, and the `plan` module apply.lua uses. */
#include "plan.h"
#include "plan_private.h"
#include "engine_private.h"

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

/* The replayable call behind an op: some ops name a direction of one function. */
static const char *call_of(const char *op)
{
    if (strcmp(op, "ipsec.unassign") == 0)
        return "ipsec.assign";
    if (strcmp(op, "nic.enable_ipsec_offload") == 0 || strcmp(op, "nic.disable_ipsec_offload") == 0)
        return "nic.set_ipsec_offload";
    return op;
}

void mend_plan_on_action(lua_State *L, const mend_action *a)
{
    mend_plan *p = recording(L);
    if (!p || !p->eng || !p->actions || cJSON_GetObjectItemCaseSensitive(p->doc, "mend_plan"))
        return;
    cJSON *act = cJSON_CreateObject();
    cJSON_AddNumberToObject(act, "step", cJSON_GetArraySize(p->actions) + 1);
    cJSON_AddStringToObject(act, "op", a->op ? a->op : "?");
    cJSON_AddStringToObject(act, "call", call_of(a->op ? a->op : "?"));
    cJSON_AddStringToObject(act, "target", a->target ? a->target : "");
    cJSON *args = cJSON_AddArrayToObject(act, "args");
    /* The binding's own arguments come first on its stack; boxes it pushed after them end them. */
    int top = lua_gettop(L);
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

/* plan.verify(i) -> true | nil, "step i of n, OP TARGET: the plan assumed A; the machine has B." */
static int l_verify(lua_State *L)
{
    mend_plan *p = applying(L);
    lua_Integer i = luaL_checkinteger(L, 1);
    int n = cJSON_GetArraySize(p->actions);
    luaL_argcheck(L, i >= 1 && i <= n, 1, "no such step");
    const cJSON *a = cJSON_GetArrayItem(p->actions, (int)i - 1);
    const char *op = plan_str(a, "op"), *assumed = plan_str(a, "assumes");
    char *found = mend_plan_precondition(&p->eng->host, op, plan_str(a, "target"),
                                         cJSON_GetObjectItemCaseSensitive(a, "args"));
    if (!found)
        return luaL_error(L, "not enough memory");
    char hash[32];
    mend_plan_hash(found, hash);
    if (strcmp(hash, plan_str(a, "assumes_hash")) == 0 && strcmp(found, assumed) == 0) {
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

void mend_plan_open_lua(lua_State *L, mend_plan *p, mend_engine *eng)
{
    p->eng = eng;
    static const luaL_Reg fns[] = {
        { "actions", l_actions },
        { "verify", l_verify },
        { "field", l_field },
        { NULL, NULL },
    };
    luaL_newlibtable(L, fns);
    lua_pushlightuserdata(L, p);
    luaL_setfuncs(L, fns, 1);
    lua_setglobal(L, "plan");
}
