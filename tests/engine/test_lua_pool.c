/* Lua's block pool: aligned, separate blocks; freed blocks reused; realloc keeps the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua/lua_private.h"

/* On even where the build turns it off (ASan, valgrind): these tests are about the pool. */
static void pool_on(mend_pool *p)
{
    memset(p, 0, sizeof *p);
    p->ready = true;
}

static void test_blocks_of_every_size_are_aligned_and_do_not_overlap(void **state)
{
    mend_pool p;
    pool_on(&p);
    unsigned char *b[MEND_POOL_MAX + 1] = { 0 };
    for (size_t n = 1; n <= MEND_POOL_MAX; n++) {
        b[n] = mend_pool_realloc(&p, NULL, 0, n);
        assert_non_null(b[n]);
        assert_int_equal((uintptr_t)b[n] % MEND_POOL_ALIGN, 0);
        memset(b[n], (int)(n & 0xff), n);
    }
    for (size_t n = 1; n <= MEND_POOL_MAX; n++)
        for (size_t i = 0; i < n; i++)
            assert_int_equal(b[n][i], n & 0xff);
    for (size_t n = 1; n <= MEND_POOL_MAX; n++)
        mend_pool_free(&p, b[n], n);
    mend_pool_release(&p);
    assert_null(p.slabs);
}

static void test_a_freed_block_is_the_next_one_of_its_size_class(void **state)
{
    mend_pool p;
    pool_on(&p);
    void *a = mend_pool_realloc(&p, NULL, 0, 40);
    void *keep = mend_pool_realloc(&p, NULL, 0, 40);
    mend_pool_free(&p, a, 40);
    assert_ptr_equal(mend_pool_realloc(&p, NULL, 0, 33), a);   /* 33..48 share a class */
    size_t before = p.slab_bytes;
    for (int i = 0; i < 100000; i++) {
        void *t = mend_pool_realloc(&p, NULL, 0, 56);
        mend_pool_free(&p, t, 56);
    }
    assert_int_equal(p.slab_bytes, before);
    mend_pool_free(&p, keep, 40);
    mend_pool_release(&p);
}

static void test_realloc_keeps_the_bytes_across_classes_and_to_malloc_and_back(void **state)
{
    mend_pool p;
    pool_on(&p);
    unsigned char *b = mend_pool_realloc(&p, NULL, 0, 20);
    for (int i = 0; i < 20; i++)
        b[i] = (unsigned char)i;
    assert_ptr_equal(mend_pool_realloc(&p, b, 20, 30), b);   /* same class: stays put */
    b = mend_pool_realloc(&p, b, 30, 200);                    /* another class */
    for (int i = 0; i < 20; i++)
        assert_int_equal(b[i], i);
    b = mend_pool_realloc(&p, b, 200, 5000);                  /* past the pool: malloc */
    for (int i = 0; i < 20; i++)
        assert_int_equal(b[i], i);
    b[4999] = 7;
    b = mend_pool_realloc(&p, b, 5000, 9000);                 /* malloc to malloc */
    assert_int_equal(b[4999], 7);
    b = mend_pool_realloc(&p, b, 9000, 10);                   /* back into the pool, cut */
    for (int i = 0; i < 10; i++)
        assert_int_equal(b[i], i);
    mend_pool_free(&p, b, 10);
    mend_pool_release(&p);
}

/* A script that makes and drops tables for ever holds the pool at its live size: the collector's
 * frees go back to the lists and feed the next tables. */
static void test_a_lua_state_reuses_what_its_collector_frees(void **state)
{
    mend_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.pool.ready = true;
    lua_State *L = lua_newstate(mend_limits_alloc, &lim);
    assert_non_null(L);
    luaL_openlibs(L);
    assert_int_equal(luaL_dostring(L, "for i = 1, 200000 do local t = { i, tostring(i), {} } end"), LUA_OK);
    assert_true(lim.pool.slab_bytes < ((size_t)8 << 20));
    assert_int_equal(luaL_dostring(L, "local keep = {} for i = 1, 20000 do keep[i] = { i } end return #keep"), LUA_OK);
    assert_int_equal(lua_tointeger(L, -1), 20000);
    mend_limits_close(L, &lim);
    assert_null(lim.pool.slabs);
    assert_int_equal(lim.used, 0);   /* every byte Lua took was given back */
}


/* The same script, its blocks from the pool or from malloc, gives the same answer: strings and
 * tables grown and cut across the pool's 256-byte edge, coroutines, weak tables, finalizers and
 * garbage churned under the generational collector never see another block's bytes. */
static const char churn[] =
    "collectgarbage('generational')\n"
    "local h, keep, fin = 0, {}, 0\n"
    "local function mix(s) for i = 1, #s do h = (h * 31 + s:byte(i)) % 4294967291 end end\n"
    "local mt = { __gc = function() fin = fin + 1 end }\n"
    "local weak = setmetatable({}, { __mode = 'v' })\n"
    "for r = 1, 300 do\n"
    "  local s = ''\n"
    "  for i = 1, 40 do s = s .. string.char(65 + (r * i) % 26) .. i end\n"
    "  for len = 200, 300, 7 do mix(s:sub(1, len)) end\n"
    "  local t = {}\n"
    "  for i = 1, r % 40 + 1 do t[i] = s:sub(i, i + r % 300) end\n"
    "  for i = #t, #t // 2 + 1, -1 do t[i] = nil end\n"
    "  t.k = table.concat(t, ',')\n"
    "  mix(t.k)\n"
    "  local co = coroutine.wrap(function(a) local b = coroutine.yield(a .. s) return b .. a end)\n"
    "  mix(co('x' .. r)) mix(co(s:rep(2)))\n"
    "  weak[r] = setmetatable({ s }, mt)\n"
    "  if r % 3 == 0 then keep[#keep + 1] = { s, t } end\n"
    "  if r % 50 == 0 then collectgarbage() end\n"
    "end\n"
    "for _, k in ipairs(keep) do mix(k[1]) mix(k[2].k) end\n"
    "collectgarbage() collectgarbage()\n"
    "return h, fin, #keep\n";

static void run_churn(bool pooled, lua_Integer out[3])
{
    mend_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.pool.ready = true;
    lim.pool.off = !pooled;
    lua_State *L = lua_newstate(mend_limits_alloc, &lim);
    assert_non_null(L);
    luaL_openlibs(L);
    assert_int_equal(luaL_dostring(L, churn), LUA_OK);
    for (int i = 0; i < 3; i++)
        out[i] = lua_tointeger(L, i - 3);
    if (pooled)
        assert_non_null(lim.pool.slabs);   /* the pool did serve this state */
    mend_limits_close(L, &lim);
    assert_int_equal(lim.used, 0);
}

static void test_a_script_gives_the_same_answer_with_the_pool_as_with_malloc(void **state)
{
    lua_Integer pooled[3], plain[3];
    run_churn(true, pooled);
    run_churn(false, plain);
    assert_int_equal(pooled[0], plain[0]);
    assert_int_equal(pooled[1], plain[1]);
    assert_int_equal(pooled[2], plain[2]);
    assert_int_equal(pooled[2], 100);   /* every third of 300 rounds kept */
    assert_true(pooled[1] > 0);         /* the finalizers ran */
}

static void test_a_capped_pool_refuses_past_its_cap_and_says_so(void **state)
{
    (void)state;
    mend_pool p;
    pool_on(&p);
    p.cap = (size_t)1 << 20;
    size_t n = 0;
    while (mend_pool_realloc(&p, NULL, 0, 64))
        n++;
    assert_true(p.capped);
    assert_true(p.slab_bytes <= p.cap);
    assert_true(n > 10000);   /* most of the megabyte was handed out */
    mend_pool_release(&p);
}

/* Filling memory with one size, dropping it and filling it with the next: free blocks of one
 * class do not serve another, so without a cap the pool would grow to a multiple of the limit.
 * With --max-memory the pool stays under its cap and the script ends at the memory limit; with
 * room enough the same script runs to its end. */
static const char size_churn[] =
    "for round = 1, 12 do\n"
    "  local t, s = {}, string.rep('x', round * 16)\n"
    "  for i = 1, 25000 do t[i] = s .. i end\n"
    "  t = nil\n"
    "  collectgarbage()\n"
    "end\n"
    "return 'done'";

static int size_churn_under(size_t max, size_t cap, mend_limits *lim)
{
    memset(lim, 0, sizeof *lim);
    lim->max = max;
    lim->pool.ready = true;
    lim->pool.cap = cap;
    lua_State *L = lua_newstate(mend_limits_alloc, lim);
    assert_non_null(L);
    luaL_openlibs(L);
    int rc = luaL_dostring(L, size_churn);
    if (cap)
        assert_true(lim->pool.slab_bytes <= cap);
    size_t held = lim->pool.slab_bytes;
    mend_limits_close(L, lim);
    lim->pool.slab_bytes = held;   /* for the caller: what the pool held at the end */
    return rc;
}

static void test_churning_sizes_stays_under_the_cap_of_the_memory_limit(void **state)
{
    (void)state;
    mend_limits lim;
    size_t max = (size_t)8 << 20;   /* the script never holds more than ~6 MiB at once */
    /* Uncapped, it runs and the pool holds well past twice its limit... */
    assert_int_equal(size_churn_under(max, 0, &lim), LUA_OK);
    assert_true(lim.pool.slab_bytes > MEND_LIMITS_POOL_CAP(max));
    /* ...capped, it ends at the memory limit with the pool under the cap... */
    assert_int_not_equal(size_churn_under(max, MEND_LIMITS_POOL_CAP(max), &lim), LUA_OK);
    assert_true(lim.memory_hit);
    char msg[600];
    assert_non_null(strstr(mend_limits_message(&lim, msg, sizeof msg),
                           "exceeded the memory limit of 8 MiB (what it allocated and dropped"));
    /* ...and with room enough it runs to its end. */
    max = (size_t)64 << 20;
    assert_int_equal(size_churn_under(max, MEND_LIMITS_POOL_CAP(max), &lim), LUA_OK);
    assert_false(lim.memory_hit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_of_every_size_are_aligned_and_do_not_overlap),
        cmocka_unit_test(test_a_freed_block_is_the_next_one_of_its_size_class),
        cmocka_unit_test(test_realloc_keeps_the_bytes_across_classes_and_to_malloc_and_back),
        cmocka_unit_test(test_a_lua_state_reuses_what_its_collector_frees),
        cmocka_unit_test(test_a_capped_pool_refuses_past_its_cap_and_says_so),
        cmocka_unit_test(test_churning_sizes_stays_under_the_cap_of_the_memory_limit),
        cmocka_unit_test(test_a_script_gives_the_same_answer_with_the_pool_as_with_malloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
