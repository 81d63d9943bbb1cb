/* Lua's young generation sized to a core's cache, whatever the size of the heap. */
#include "lua_private.h"

#include <lauxlib.h>
#include <string.h>

/* Lua starts a minor collection once the script has allocated genminormul percent of the heap
 * (20 by default). A run over 100,000 policies keeps their names alive (9 MiB of heap): its young
 * generation grew to 1.8 MiB, past a 2 MiB L2 with the simulator's tables beside it, and every
 * block freed by a minor collection came back cold. mend aims at 256 KiB (cachegrind at 100,000
 * policies, 2 MiB last level: check's misses 21.6 M -> 16.8 M; 10,000 unchanged), but never
 * under a twentieth of the heap: every minor collection walks again each old table the script
 * added to (a list being filled), so at most twenty of them per heap's worth of allocation keep
 * that linear (at 1% the pure-Lua bench, which fills a 200,000-string table, had 57% more misses;
 * at 5% about as many as Lua's default). */
#define YOUNG_BYTES ((size_t)256 << 10)
#define MINORMUL_MIN 5
#define MINORMUL_LUA 20

void mend_young_retune(lua_State *L, mend_limits *lim)
{
    lim->young_due = false;
    size_t used = lim->used;
    /* The next retune when the heap has halved or doubled: a few times per run. */
    lim->young_low = used / 2;
    lim->young_high = used > ((size_t)-1) / 2 ? (size_t)-1 : 2 * used;
    if (lim->young_own)
        return;
    size_t mul = used ? YOUNG_BYTES * 100 / used : MINORMUL_LUA;
    mul = mul < MINORMUL_MIN ? MINORMUL_MIN : mul > MINORMUL_LUA ? MINORMUL_LUA : mul;
    if ((int)mul != lim->young_mul) {
        lim->young_mul = (int)mul;
        lua_gc(L, LUA_GCGEN, (int)mul, 0);
        /* Lua sets the next minor collection's distance after the last one: a minor collection
         * now makes the new size count from here, not after one more young generation of the
         * old. Not while the script has stopped the collector. */
        if (lua_gc(L, LUA_GCISRUNNING))
            lua_gc(L, LUA_GCSTEP, 0);
    }
}

/* collectgarbage, noting when the script chooses the collector's mode itself: from then on it
 * is the script's, and mend changes nothing (switching it back would undo the choice). */
static int watched_collectgarbage(lua_State *L)
{
    const char *opt = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    mend_limits *lim = mend_limits_of(L);
    if (lim && opt && (strcmp(opt, "incremental") == 0 || strcmp(opt, "generational") == 0))
        lim->young_own = true;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

void mend_young_watch_collectgarbage(lua_State *L)
{
    if (lua_getglobal(L, "collectgarbage") != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, watched_collectgarbage, 1);
    lua_setglobal(L, "collectgarbage");
}
