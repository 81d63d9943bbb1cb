/* Script limits: a counting allocator for --max-memory, a hook for --timeout and Ctrl-C, set only when one is near. */
#include "lua_private.h"
#include "engine_private.h"
#include "platform.h"

#include <lauxlib.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* Room for unwinding, the error message and the traceback after the limit is hit. */
#define MEND_LIMITS_RESERVE ((size_t)256 * 1024)
/* A coroutine cannot be nudged (a signal sees only the main thread): each one is hooked for
 * good, its clock read first after this many instructions, then twice as far apart, up to MAX
 * (a few milliseconds of Lua). */
#define MEND_LIMITS_COUNT 1000
#define MEND_LIMITS_COUNT_MAX (1 << 20)
/* How long past --timeout a script stuck where the hook cannot run is left before the watchdog. */
#define MEND_LIMITS_GRACE_S 5.0
#define WATCHDOG_MSG "script exceeded the time limit of %g s where it could not be stopped " \
                     "(a finalizer or a library call); ended"

static volatile sig_atomic_t g_interrupt;
/* The limits of the script running now (NULL between runs): what a nudge wakes. */
static mend_limits *volatile g_armed;

static void limits_hook(lua_State *L, lua_Debug *ar);

/* No hook while no limit is near: any hook makes Lua call into it before every instruction (a
 * tenth of check's instructions). A nudge sets one, as lua.c does on Ctrl-C: from the deadline's
 * timer, Ctrl-C, or below the script (memory limit, mend_limits_stop); the hook then decides. */
static void nudge(void)
{
    mend_limits *lim = g_armed;
    if (lim && lim->L)
        lua_sethook(lim->L, limits_hook, LUA_MASKCOUNT, 1);
}

void mend_limits_interrupt(void)
{
    g_interrupt = 1;
    nudge();
}

void mend_limits_forget_interrupt(void)
{
    g_interrupt = 0;
}

bool mend_limits_was_interrupted(void)
{
    return g_interrupt != 0;
}

/* The deadline's timer, set again whenever the deadline moves. */
static void schedule(mend_limits *lim)
{
    if (lim->timeout_s > 0 && !lim->time_hit)
        mend_nudge_set(lim->deadline - mend_monotonic_now(), nudge);
}

mend_limits *mend_limits_of(lua_State *L)
{
    void *ud;
    return lua_getallocf(L, &ud) == mend_limits_alloc ? ud : NULL;
}

/* A limit ended the script (it raises again at every instruction). */
static bool limit_hit(const mend_limits *lim)
{
    return lim->time_hit || lim->memory_hit || lim->interrupted || lim->stop[0];
}

/* Refuses a growth to nsize bytes (by_pool: the pool's cap refused it, not the bytes held). */
static void *refuse(mend_limits *lim, size_t nsize, bool by_pool)
{
    /* Lua answers a refusal with an emergency collection and asks again for the same size:
     * only a second refusal means the script really holds too much. lua_close has no
     * emergency collection to retry with: there one refusal is the limit. */
    if (lim->refused == nsize || lim->closing) {
        lim->memory_hit = true;
        lim->pool_hit = lim->pool_hit || by_pool;
        if (lim == g_armed && !lim->closing)
            nudge();   /* a pcall that caught "not enough memory" is ended at its next instruction */
    }
    if (lim->closing)
        lim->hit_at_close = true;
    lim->refused = nsize;
    return NULL;
}

void *mend_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    mend_limits *lim = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        mend_pool_free(&lim->pool, ptr, old);
        lim->used -= old;
        return NULL;
    }
    if (lim->max && !lim->disarmed && nsize > old) {
        size_t cap = lim->max + (lim->memory_hit ? MEND_LIMITS_RESERVE : 0);
        if (nsize - old > cap || lim->used > cap - (nsize - old))
            return refuse(lim, nsize, false);
    }
    void *p = mend_pool_realloc(&lim->pool, ptr, old, nsize);
    if (!p) {
        /* The pool's cap is the memory limit in another form: refused the same way. */
        if (lim->pool.capped && !lim->disarmed) {
            lim->pool.capped = false;
            return refuse(lim, nsize, true);
        }
        return NULL;
    }
    if (nsize > old)
        lim->refused = 0;
    lim->used = lim->used - old + nsize;
    /* The heap halved or doubled: the hook resizes the young generation (not from here, inside
     * an allocation). */
    if ((lim->used > lim->young_high || lim->used < lim->young_low) && !lim->young_due && lim == g_armed) {
        lim->young_due = true;
        nudge();
    }
    return p;
}

static void limits_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    mend_limits *lim = mend_limits_of(L);
    if (!lim || lim->disarmed)
        return;
    if (g_interrupt)
        lim->interrupted = true;
    if (lim->young_due)
        mend_young_retune(L, lim);
    if (!limit_hit(lim)) {
        if (lim->timeout_s <= 0 || mend_monotonic_now() < lim->deadline) {
            if (L != lim->L) {
                int n = lua_gethookcount(L);
                n = n < MEND_LIMITS_COUNT ? MEND_LIMITS_COUNT : n < MEND_LIMITS_COUNT_MAX ? 2 * n : n;
                lua_sethook(L, limits_hook, LUA_MASKCOUNT, n);
                return;
            }
            /* Woken before the deadline (it moved on since the timer was set): back to sleep,
             * unless Ctrl-C came in between. */
            lua_sethook(L, NULL, 0, 0);
            schedule(lim);
            if (g_interrupt)
                nudge();
            return;
        }
        lim->time_hit = true;
    }
    /* From now on every instruction of every caller raises again. */
    lua_sethook(L, limits_hook, LUA_MASKCOUNT, 1);
    char buf[600];
    luaL_error(L, "%s", mend_limits_message(lim, buf, sizeof buf));
}

void mend_limits_arm(lua_State *L, mend_limits *lim)
{
    lim->L = L;
    lim->deadline = mend_monotonic_now() + lim->timeout_s;
    lua_sethook(L, NULL, 0, 0);
    g_armed = lim;
    schedule(lim);
    if (g_interrupt || lim->stop[0])
        nudge();   /* Ctrl-C before the script started */
    /* Lua runs no hook inside a finalizer or a C function (a backtracking string.find). */
    if (lim->timeout_s > 0) {
        char msg[160];
        snprintf(msg, sizeof msg, WATCHDOG_MSG, lim->timeout_s);
        mend_watchdog_set(lim->timeout_s + MEND_LIMITS_GRACE_S, msg);
    }
    /* Last, under the clock: the minor collection it may take can run a script's finalizer. */
    mend_young_retune(L, lim);
}

static void hook_thread(lua_State *L, lua_State *co)
{
    const mend_limits *lim = mend_limits_of(L);
    if (co && lim && !lim->disarmed)
        lua_sethook(co, limits_hook, LUA_MASKCOUNT, MEND_LIMITS_COUNT);
}

/* coroutine.create, hooking the new thread. */
static int hooked_create(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    hook_thread(L, lua_tothread(L, -1));
    return 1;
}

/* coroutine.wrap, hooking the thread its function keeps as first upvalue. */
static int hooked_wrap(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    if (lua_getupvalue(L, -1, 1)) {
        hook_thread(L, lua_tothread(L, -1));
        lua_pop(L, 1);
    }
    return 1;
}

void mend_limits_hook_coroutines(lua_State *L)
{
    static const struct {
        const char *name;
        lua_CFunction fn;
    } fns[] = {{"create", hooked_create}, {"wrap", hooked_wrap}};
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_COLIBNAME);
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        lua_getfield(L, -1, fns[i].name);
        lua_pushcclosure(L, fns[i].fn, 1);
        lua_setfield(L, -2, fns[i].name);
    }
    lua_pop(L, 1);
}

/* The message handler xpcall gives Lua. Lua runs it for an error its hook raised (a limit) with
 * hooks off, where an endless handler would outlast every limit until the watchdog; the run ends
 * anyway, so the limit's message goes on untouched. */
static int guarded_handler(lua_State *L)
{
    const mend_limits *lim = mend_limits_of(L);
    if (lim && !lim->disarmed && limit_hit(lim))
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* lbaselib's finishpcall: xpcall keeps yielding inside a coroutine. */
static int finish_xpcall(lua_State *L, int status, lua_KContext extra)
{
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int guarded_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);   /* first result */
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);     /* below the function's arguments */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_xpcall);
    return finish_xpcall(L, status, 2);
}

void mend_limits_guard_xpcall(lua_State *L)
{
    lua_pushcfunction(L, guarded_xpcall);
    lua_setglobal(L, "xpcall");
}

void mend_limits_rest(lua_State *L, mend_limits *lim)
{
    if (g_armed == lim) {
        g_armed = NULL;
        mend_nudge_set(0, NULL);
    }
    lua_sethook(L, NULL, 0, 0);
}

void mend_limits_settle(void)
{
    mend_watchdog_set(0, NULL);
}

bool mend_limits_close(lua_State *L, mend_limits *lim)
{
    mend_limits_rest(L, lim);
    bool was_hit = lim->memory_hit || lim->time_hit || lim->interrupted;
    /* What was left of the time when the script last ended (a shell may idle since). */
    double left = lim->ended_at > 0 ? lim->deadline - lim->ended_at : 0;
    bool timed = lim->timeout_s > 0 && lim->ended_at > 0 && !was_hit;
    if (timed) {
        /* Lua runs no hook inside a finalizer: the watchdog is the only clock there. */
        char msg[160];
        snprintf(msg, sizeof msg, "script exceeded the time limit of %g s where it could not be stopped "
                                  "(a __gc finalizer run when the script ended); ended", lim->timeout_s);
        mend_watchdog_set((left > 0 ? left : 0) + MEND_LIMITS_GRACE_S, msg);
    }
    double start = mend_monotonic_now();
    lim->closing = true;
    lua_close(L);
    lim->closing = false;
    mend_pool_release(&lim->pool);
    /* A finalizer that ran past the limit but ended before the watchdog still broke it. */
    if (timed && mend_monotonic_now() - start > left)
        lim->time_hit = lim->hit_at_close = true;
    return lim->hit_at_close;
}

static void format_size(size_t n, char *buf, size_t size)
{
    static const struct {
        size_t unit;
        const char *name;
    } units[] = {{(size_t)1 << 30, "GiB"}, {(size_t)1 << 20, "MiB"}, {(size_t)1 << 10, "KiB"}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (n >= units[i].unit && n % units[i].unit == 0) {
            snprintf(buf, size, "%llu %s", (unsigned long long)(n / units[i].unit), units[i].name);
            return;
        }
    if (n >= ((size_t)1 << 20))
        snprintf(buf, size, "%.1f MiB", (double)n / (double)((size_t)1 << 20));
    else
        snprintf(buf, size, "%llu bytes", (unsigned long long)n);
}

void mend_limits_stop(lua_State *L, const char *msg)
{
    mend_limits *lim = mend_limits_of(L);
    if (!lim || lim->disarmed)
        return;   /* a state without mend's limits (unit tests): nothing to stop */
    snprintf(lim->stop, sizeof lim->stop, "%s", msg && *msg ? msg : "mend stopped the script");
    lua_sethook(L, limits_hook, LUA_MASKCOUNT, 1);
}

/* The limits whose clock runs for L (armed, with a timeout, not yet hit), or NULL. */
static mend_limits *clock_of(lua_State *L)
{
    mend_limits *lim = mend_limits_of(L);
    if (!lim || lim->disarmed || lim->timeout_s <= 0 || lim->time_hit || lim->deadline <= 0)
        return NULL;
    return lim;
}

void mend_limits_hold(lua_State *L)
{
    if (clock_of(L))
        mend_watchdog_set(0, NULL);   /* mend_limits_exclude sets it again */
}

void mend_limits_exclude(lua_State *L, double seconds)
{
    mend_limits *lim = clock_of(L);
    if (!lim)
        return;   /* no clock running */
    if (seconds > 0) {
        lim->deadline += seconds;
        if (lim == g_armed)
            schedule(lim);
    }
    double left = lim->deadline - mend_monotonic_now();
    char msg[160];
    snprintf(msg, sizeof msg, WATCHDOG_MSG, lim->timeout_s);
    mend_watchdog_set((left > 0 ? left : 0) + MEND_LIMITS_GRACE_S, msg);
}

const char *mend_limits_message(const mend_limits *lim, char *buf, size_t size)
{
    if (lim->interrupted) {
        snprintf(buf, size, "interrupted: the script stopped between two actions (the journal has what was done)");
        return buf;
    }
    if (lim->stop[0]) {
        snprintf(buf, size, "%s", lim->stop);
        return buf;
    }
    if (lim->time_hit) {
        snprintf(buf, size, "script exceeded the time limit of %g s%s", lim->timeout_s,
                 lim->hit_at_close ? " in a __gc finalizer run when the script ended" : "");
        return buf;
    }
    if (lim->memory_hit) {
        char sz[48];
        format_size(lim->max, sz, sizeof sz);
        snprintf(buf, size, "script exceeded the memory limit of %s%s%s", sz,
                 lim->pool_hit ? " (what it allocated and dropped, in blocks of many sizes, came to "
                                 "twice the limit)" : "",
                 lim->hit_at_close ? " in a __gc finalizer run when the script ended" : "");
        return buf;
    }
    return NULL;
}

void mend_lua_charge(lua_State *L, size_t bytes)
{
    mend_limits *lim = mend_limits_of(L);
    if (!lim || !lim->max || lim->disarmed)
        return;
    /* Counted for good: the host keeps it until the run ends, whatever Lua frees. */
    if (bytes > lim->max || lim->used > lim->max - bytes) {
        lim->memory_hit = true;
        lua_sethook(L, limits_hook, LUA_MASKCOUNT, 1);   /* a pcall around it cannot go on */
        char buf[160];
        luaL_error(L, "%s (what the script stored in the simulated machine counts too)",
                   mend_limits_message(lim, buf, sizeof buf));
    }
    lim->used += bytes;
}
