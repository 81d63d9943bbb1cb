/* The mend module: run facts (args, flags, dry_run, host, version), gates, confirm, and report steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#include "log.h"
#include "plan_lua.h"
#include "progress.h"
#include "report.h"
#include "term.h"
#include "utf.h"
#include "bind.h"
#include "buf.h"
#include "lua_json.h"

static const char *const outcomes[] = {
    "fixed", "healthy", "not_found", "reboot_required", "blocked", "failed", NULL,
};

static int l_allowed(lua_State *L)
{
    const char *cap = luaL_checkstring(L, 1);
    unsigned mask = 0;
    char why[200];
    if (strchr(cap, ',') || strcmp(cap, "all") == 0 || mend_gate_parse(cap, &mask, why, sizeof why) != 0)
        return luaL_argerror(L, 1, lua_pushfstring(L, "unknown capability '%s' (expected kill, "
                                                      "registry, reboot or nic)", cap));
    lua_pushboolean(L, mend_engine_allowed(bind_engine(L), mask));
    return 1;
}

static int l_confirm(lua_State *L)
{
    const char *prompt = luaL_checkstring(L, 1);
    lua_pushboolean(L, mend_engine_confirm(bind_engine(L), prompt));
    return 1;
}

/* ---- mend.step ---- */

/* The text buffer steps and data are written into, reused call after call (a big run records
 * hundreds of thousands of steps): the functions' upvalue, freed with the Lua state. */
static int scratch_gc(lua_State *L)
{
    mend_buf_free(lua_touserdata(L, 1));
    return 0;
}

static mend_buf *scratch(lua_State *L)
{
    mend_buf *b = lua_touserdata(L, lua_upvalueindex(1));
    b->len = 0;
    b->failed = false;
    if (b->p)
        b->p[0] = '\0';
    return b;
}

static void push_scratch(lua_State *L)
{
    mend_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
}

static const char *field_s(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
}

/* A step that only read the machine (ipsec.get, handles.scan, ...): the same in a dry run. */
static bool is_read(const char *action)
{
    static const char *const reads[] = {".get", ".list", ".query", ".scan", ".holders", ".exists", ".keys",
                                        ".values", ".dependents", ".policies", ".filters", ".sas"};
    size_t n = action ? strlen(action) : 0;
    for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
        size_t k = strlen(reads[i]);
        if (n > k && strcmp(action + n - k, reads[i]) == 0)
            return true;
    }
    return !action || strchr(action, '.') == NULL;
}

static void print_step(lua_State *L, bool dry_run, const char *policy, const char *rung, const char *action,
                       const char *target, int ok, const char *message, const char *code)
{
    /* A long run's steps are in the report; on screen the progress line and summary say it. */
    if (!mend_log_enabled(MEND_LOG_INFO) || (mend_progress_big() && !mend_log_enabled(MEND_LOG_DEBUG)))
        return;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "  [%s] ", rung ? rung : "step");
    luaL_addvalue(&b);
    if (policy) {
        luaL_addstring(&b, policy);
        luaL_addstring(&b, ": ");
    }
    /* A dry run's actions did not happen: "would ipsec.delete", not "ipsec.delete ok". */
    bool would = dry_run && ok == 1 && !is_read(action);
    if (would) {
        luaL_addstring(&b, "would ");
        ok = -1;
    }
    luaL_addstring(&b, action ? action : "");
    if (target && (!policy || strcmp(target, policy) != 0)) {
        luaL_addstring(&b, action ? " " : "");
        luaL_addstring(&b, target);
        action = target;
    }
    if (ok == 1)
        luaL_addstring(&b, action ? " ok" : "ok");
    else if (ok == 0)
        luaL_addstring(&b, action ? " failed" : "failed");
    if (message) {
        luaL_addstring(&b, ok == 0 ? ": " : " - ");
        luaL_addstring(&b, message);
    }
    if (ok == 0 && code) {
        lua_pushfstring(L, " [%s]", code);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    mend_progress_hide();
    mend_term_puts(stderr, lua_tostring(L, -1), MEND_TERM_ONE_LINE);
    fputc('\n', stderr);
    mend_progress_show();
    fflush(stderr);
    lua_pop(L, 1);
}

/* A string field of the step, as the report records it (see bind_json_text); NULL if absent. */
static const char *field_text(lua_State *L, int idx)
{
    size_t len;
    return lua_type(L, idx) == LUA_TSTRING ? bind_json_text(L, idx, &len) : NULL;
}

/* The step fields mend reads itself, in their stack slots 2..8 (also upvalues 2..8: Lua keeps
 * one copy of a short string, so a table's own key is found by its address). */
static const char *const step_keys[] = { "policy", "rung", "action", "ok", "message", "code", "target" };
enum { STEP_NKEYS = 7, STEP_TARGET = 6, STEP_EXTRA_MAX = 16 };
static const int step_types[STEP_NKEYS] = { LUA_TSTRING, LUA_TSTRING, LUA_TSTRING, LUA_TBOOLEAN,
                                            LUA_TSTRING, LUA_TSTRING, LUA_TNONE };

static int step_slot(const char *k, const char *const *known)
{
    for (int i = 0; i < STEP_NKEYS; i++)
        if (k == known[i] || (k[0] == known[i][0] && strcmp(k, known[i]) == 0))
            return i;
    return -1;
}

static int l_step(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1 + STEP_NKEYS);
    const char *known[STEP_NKEYS];
    for (int i = 0; i < STEP_NKEYS; i++)
        known[i] = lua_tostring(L, lua_upvalueindex(2 + i));
    /* One walk over the table, raw: the known fields to their slots, the other string keys
     * noted for the report (past STEP_EXTRA_MAX of them a second walk finds them all). */
    const char *extra[STEP_EXTRA_MAX + 1];
    size_t nextra = 0;
    bool others = false;   /* a key that is not text: list items, a number or boolean */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        others = others || lua_type(L, -2) != LUA_TSTRING;
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -2);
            int slot = step_slot(k, known);
            if (slot >= 0) {
                lua_replace(L, 2 + slot);
                continue;
            }
            if (nextra < STEP_EXTRA_MAX + 1)
                extra[nextra++] = k;
        }
        lua_pop(L, 1);
    }
    for (int i = 0; i < STEP_NKEYS; i++) {
        int got = lua_type(L, 2 + i);
        if (got != LUA_TNIL && step_types[i] != LUA_TNONE && got != step_types[i])
            return luaL_error(L, "bad argument #1 to 'step': field '%s' must be a %s, not %s", step_keys[i],
                              lua_typename(L, step_types[i]), luaL_typename(L, 2 + i));
    }
    mend_engine *eng = bind_engine(L);
    const char *target = lua_type(L, 8) == LUA_TSTRING ? lua_tostring(L, 8) : NULL;

    if (eng->report) {
        /* Written straight into the report's compact form: the known fields by value, the
         * rest as JSON text (the policy names the report entry, so it is not repeated); a
         * target that is not text stays among the rest. */
        mend_buf *b = scratch(L);
        if (!lua_isnil(L, 8) && !target && nextra <= STEP_EXTRA_MAX)
            extra[nextra++] = known[STEP_TARGET];
        if (nextra <= STEP_EXTRA_MAX) {
            bind_json_keys(L, 1, b, 1, extra, nextra);
        } else {
            const char *skip[STEP_NKEYS + 1] = { NULL };
            memcpy(skip, known, sizeof known);
            if (!target)
                skip[STEP_TARGET] = NULL;
            bind_json_members(L, 1, b, 1, skip);
        }
        if (others)   /* after the named keys, as report_data writes any table */
            bind_json_other_keys(L, 1, b, 1, b->len > 0);
        if (b->failed)
            return luaL_error(L, "not enough memory");
        mend_report_step_fields f = {
            .rung = field_text(L, 3),
            .action = field_text(L, 4),
            .target = field_text(L, 8),
            .message = field_text(L, 6),
            .code = field_text(L, 7),
            .ok = lua_isboolean(L, 5) ? lua_toboolean(L, 5) : -1,
            .extra = b->len ? b->p : NULL,
        };
        mend_report_add_step_fields(eng->report, field_s(L, 2), &f);
    }
    mend_plan_on_step(L, field_s(L, 2), field_s(L, 3), field_s(L, 6));
    print_step(L, eng->opts && eng->opts->dry_run, field_s(L, 2), field_s(L, 3), field_s(L, 4), target,
               lua_isboolean(L, 5) ? lua_toboolean(L, 5) : -1, field_s(L, 6), field_s(L, 7));
    return 0;
}

/* mend.run_outcome(outcome): the script's verdict on the whole run. */
static int l_run_outcome(lua_State *L)
{
    const char *o = luaL_checkstring(L, 1);
    if (!mend_report_set_outcome(bind_engine(L)->report, o))
        return luaL_argerror(L, 1, "expected fixed, healthy, partial, not_found, reboot_required or failed");
    return 0;
}

/* mend.report_data(key, value): the script's own data in the report's "data" object. */
static int l_report_data(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1);
    luaL_argcheck(L, mend_utf8_valid(key, lua_rawlen(L, 1)), 1, "must be UTF-8 text");
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    mend_engine *eng = bind_engine(L);
    mend_buf *b = scratch(L);
    bind_json_value(L, 2, b, 0);
    if (b->failed || (eng->report && mend_report_data_text(eng->report, key, b->p) != 0))
        return luaL_error(L, "not enough memory");
    return 0;
}

static int l_outcome(lua_State *L)
{
    const char *policy = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    static const char *const fields[] = { "before", "after", "outcome", "rung" };
    for (int i = 0; i < 4; i++) {
        lua_getfield(L, 2, fields[i]);
        if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "bad argument #2 to 'outcome': field '%s' must be a string, not %s",
                       fields[i], luaL_typename(L, -1));
    }
    const char *oc = lua_tostring(L, 5);
    if (oc) {
        int i = 0;
        while (outcomes[i] && strcmp(outcomes[i], oc) != 0)
            i++;
        if (!outcomes[i])
            luaL_error(L, "bad argument #2 to 'outcome': unknown outcome '%s' (expected fixed, healthy, "
                       "not_found, reboot_required, blocked or failed)", oc);
    }
    mend_engine *eng = bind_engine(L);
    if (!eng->report)
        return 0;
    const char *const values[4] = { lua_tostring(L, 3), lua_tostring(L, 4), oc, lua_tostring(L, 6) };
    const char *was = mend_report_policy_update(eng->report, policy, values);
    if (oc)
        mend_progress_outcome(was, oc);
    return 0;
}

static int l_advise(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    mend_engine *eng = bind_engine(L);
    if (eng->report)
        mend_report_advise(eng->report, text);
    return 0;
}

static int l_progress(lua_State *L)
{
    lua_Integer done = luaL_checkinteger(L, 1);
    lua_Integer total = luaL_checkinteger(L, 2);
    luaL_argcheck(L, done >= 0, 1, "must be zero or more");
    luaL_argcheck(L, total >= 0, 2, "must be zero or more");
    mend_progress_update((long)done, (long)total);
    return 0;
}

/* mend.purpose(nil | "text" | {policies = {names}, restart = "Service"}): what the next gated
 * actions are for, which each prompt adds to the question C builds (never in place of its side
 * effects); restart names a service the script restarts after them, whose running dependents
 * the prompt lists. nil clears it. */
static int l_purpose(lua_State *L)
{
    mend_engine *eng = bind_engine(L);
    char purpose[sizeof eng->purpose] = "";
    char restart[sizeof eng->purpose_restart] = "";
    size_t len = 0;
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING) {
        mend_guard_append(purpose, sizeof purpose, &len, lua_tostring(L, 1), 300);
    } else if (t == LUA_TTABLE) {
        if (lua_getfield(L, 1, "restart") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "bad argument #1: field 'restart' must be a service name, not %s",
                                  luaL_typename(L, -1));
            size_t rl = 0;
            mend_guard_append(restart, sizeof restart, &rl, lua_tostring(L, -1), sizeof restart - 1);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 1, "policies") != LUA_TNIL) {
            luaL_argcheck(L, lua_type(L, -1) == LUA_TTABLE, 1, "field 'policies' must be a list of policy names");
            lua_Integer n = luaL_len(L, -1);
            char *names[3];
            for (lua_Integer i = 1; i <= n && i <= 3; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, "bad argument #1: policies[%d] must be a name, not %s", (int)i,
                                      luaL_typename(L, -1));
                names[i - 1] = (char *)lua_tostring(L, -1);
                lua_pop(L, 1);   /* the list still holds the string */
            }
            if (n == 1) {
                mend_guard_append(purpose, sizeof purpose, &len, "policy ", 7);
            } else if (n > 1) {
                char count[48];
                snprintf(count, sizeof count, "%lld policies: ", (long long)n);
                mend_guard_append(purpose, sizeof purpose, &len, count, sizeof count);
            }
            mend_guard_names(purpose, sizeof purpose, &len, names, n > 0 ? (size_t)n : 0, true);
        }
        lua_pop(L, 1);
    } else if (t != LUA_TNIL && t != LUA_TNONE) {
        return luaL_argerror(L, 1, "expected nil, a string or {policies = ..., restart = ...}");
    }
    memcpy(eng->purpose, purpose, sizeof purpose);
    memcpy(eng->purpose_restart, restart, sizeof restart);
    return 0;
}

int luaopen_mend_mend(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "allowed", l_allowed },
        { "confirm", l_confirm },
        { "step", l_step },
        { "outcome", l_outcome },
        { "run_outcome", l_run_outcome },
        { "report_data", l_report_data },
        { "advise", l_advise },
        { "progress", l_progress },
        { "purpose", l_purpose },
        { NULL, NULL },
    };
    mend_engine *eng = bind_engine(L);
    const mend_options *o = eng->opts;
    luaL_newlibtable(L, fns);
    push_scratch(L);
    for (int i = 0; i < STEP_NKEYS; i++)
        lua_pushstring(L, step_keys[i]);
    luaL_setfuncs(L, fns, 1 + STEP_NKEYS);
    lua_createtable(L, o ? o->nargs : 0, 0);
    for (int i = 0; o && i < o->nargs; i++) {
        lua_pushstring(L, o->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "args");
    lua_createtable(L, 0, 3);
    bind_setbool(L, "all_pending", o && o->all_pending);
    bind_setbool(L, "resume", o && o->resume);
    bind_setbool(L, "batch", o && o->cmd == MEND_CMD_BATCH);
    lua_setfield(L, -2, "flags");
    /* --stop-holder: holders the ladder may stop beyond the known IPsec/VPN clients. */
    lua_createtable(L, o ? o->nstop_holders : 0, 0);
    for (int i = 0; o && i < o->nstop_holders; i++) {
        lua_pushstring(L, o->stop_holders[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "stop_holders");
    /* Policies an interrupted earlier run already deleted, by the journal: name -> true. */
    lua_createtable(L, 0, (int)eng->ndeleted_before);
    for (size_t i = 0; i < eng->ndeleted_before; i++) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, eng->deleted_before[i]);
    }
    lua_setfield(L, -2, "deleted_before");
    bind_setbool(L, "dry_run", o && o->dry_run);
    bind_setstr(L, "host", eng->host.ops && eng->host.ops->name ? eng->host.ops->name : "");
    bind_setstr(L, "version", MEND_VERSION);
    return 1;
}
