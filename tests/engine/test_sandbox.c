/* The Lua host in-process: the allowlist, text-only loading, require's order, limits, errors. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua_host.h"
#include "lua_private.h"
#include "platform.h"

#define DIR MEND_TEST_TMP "/engine_sandbox"

static char g_err[8192];
static int g_ret;

static mend_lua *new_state(bool unsafe, double timeout_s, size_t max_memory, const char *script_dir,
                           const char *scripts_dir)
{
    mend_lua_config cfg = {unsafe, timeout_s, max_memory, script_dir, scripts_dir};
    mend_lua *ml = mend_lua_new(NULL, &cfg, g_err, sizeof g_err);
    if (!ml)
        fail_msg("mend_lua_new: %s", g_err);
    return ml;
}

/* Runs code in a fresh state; returns the run's status (0 or 2) and leaves the result in g_ret. */
static int run(bool unsafe, const char *code)
{
    mend_lua *ml = new_state(unsafe, 0, 0, NULL, NULL);
    int rc = mend_lua_run_string(ml, code, "=test", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    return rc;
}

/* The chunk must return 1 for the test to pass; its error text is shown otherwise. */
static void assert_lua(bool unsafe, const char *code)
{
    int rc = run(unsafe, code);
    if (rc != 0)
        fail_msg("%s\n-> %s", code, g_err);
    if (g_ret != 1)
        fail_msg("%s\n-> returned %d", code, g_ret);
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, len, f);
    fclose(f);
}

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    return fwrite(p, 1, sz, ud) == sz ? 0 : 1;
}

/* A real precompiled chunk, made with a plain Lua state outside the sandbox. */
static void write_binary_chunk(const char *path)
{
    lua_State *L = luaL_newstate();
    assert_int_equal(luaL_loadstring(L, "return 42"), LUA_OK);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(lua_dump(L, dump_writer, f, 0), 0);
    fclose(f);
    lua_close(L);
}

static void test_sandbox_removes_what_reaches_the_system(void **state)
{
    (void)state;
    const char *absent[] = {
        "os.execute", "os.setlocale", "io.popen", "io.input", "io.output", "io.stdin",
        "package.loadlib", "string.dump", "('').dump", "debug.getinfo", "debug.sethook", "debug.gethook",
        "debug.getlocal", "debug.setlocal", "debug.getupvalue", "debug.setupvalue", "debug.getregistry",
        "debug.setmetatable", "debug.getmetatable", "debug.upvalueid", "debug.upvaluejoin", "debug.debug",
        "package.searchers[3]", "package.searchers[4]", "rawequal(nil, nil) and _G.loadstring"};
    char code[256];
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++) {
        snprintf(code, sizeof code, "return %s == nil and 1 or 0", absent[i]);
        assert_lua(false, code);
    }
    assert_lua(false, "return package.cpath == '' and 1 or 0");
    assert_lua(false, "return #package.searchers == 2 and 1 or 0");
}

/* A script that calls os.exit learns why it is gone and what ends a script instead, at its own
 * line; pcall cannot turn it into an exit either, and nothing after it runs. */
static void test_sandbox_os_exit_says_to_return_or_error_instead(void **state)
{
    (void)state;
    assert_int_equal(run(false, "local x = 1\nos.exit(3)\nreturn 1"), 2);
    assert_non_null(strstr(g_err, "test:2: os.exit is not available in mend scripts: the sandbox removes it"));
    assert_non_null(strstr(g_err, "`return N` (N becomes mend's exit code)"));
    assert_non_null(strstr(g_err, "error(\"why\")"));
    assert_null(strstr(g_err, "attempt to call a nil value"));
    assert_lua(false, "local ok, msg = pcall(os.exit, 0)\n"
                      "return not ok and msg:find('os.exit is not available', 1, true) and 1 or 0");
}

static void test_sandbox_keeps_the_allowlist(void **state)
{
    (void)state;
    const char *present[] = {
        "print", "pcall", "xpcall", "error", "assert", "select", "tostring", "tonumber", "setmetatable",
        "load", "loadfile", "dofile", "require", "collectgarbage", "string.format", "string.rep",
        "('x').rep", "table.concat", "table.sort", "math.floor", "utf8.char", "coroutine.wrap",
        "io.open", "io.lines", "io.read", "io.write", "io.close", "io.type", "io.stdout", "io.stderr",
        "os.time", "os.clock", "os.date", "os.getenv", "os.difftime", "os.remove", "os.rename",
        "os.tmpname", "debug.traceback", "package.path", "package.preload", "package.searchpath"};
    char code[256];
    for (size_t i = 0; i < sizeof present / sizeof *present; i++) {
        snprintf(code, sizeof code, "return %s ~= nil and 1 or 0", present[i]);
        assert_lua(false, code);
    }
    assert_lua(false, "return load('return 1 + 1')() == 2 and 1 or 0");
    assert_lua(false, "local env = {x = 5}; return load('return x', 'c', 't', env)() == 5 and 1 or 0");
}

static void test_sandbox_unsafe_brings_everything_back(void **state)
{
    (void)state;
    const char *present[] = {"os.execute", "os.exit", "io.popen", "package.loadlib", "string.dump",
                             "debug.getinfo", "debug.sethook", "package.searchers[3]"};
    char code[256];
    for (size_t i = 0; i < sizeof present / sizeof *present; i++) {
        snprintf(code, sizeof code, "return %s ~= nil and 1 or 0", present[i]);
        assert_lua(true, code);
    }
    assert_lua(true, "return load(string.dump(function() return 1 end))() == 1 and 1 or 0");
    /* Lua's own module places follow mend's. */
    assert_lua(true, "return package.path:find('/usr/', 1, true) and 1 or 0");
    assert_lua(false, "return package.path:find('/usr/', 1, true) and 0 or 1");
}

static void test_sandbox_refuses_binary_chunks_everywhere(void **state)
{
    (void)state;
    const char *bin = DIR "/binmod.lua";
    write_binary_chunk(bin);
    char code[4096];
    snprintf(code, sizeof code,
             "local f = io.open('%s', 'rb'); local bytes = f:read('a'); f:close()\n"
             "local fn, msg = load(bytes)\n"
             "assert(fn == nil and msg:find('binary chunks are not allowed'), tostring(msg))\n"
             "local i = 0\n"
             "fn, msg = load(function() i = i + 1; return i == 1 and bytes or nil end)\n"
             "assert(fn == nil and msg:find('binary chunks are not allowed'), tostring(msg))\n"
             "fn, msg = loadfile('%s')\n"
             "assert(fn == nil and msg:find('binary chunks are not allowed'), tostring(msg))\n"
             "fn, msg = loadfile('%s', 'b')\n"
             "assert(fn == nil and msg:find('binary chunks are not allowed'), tostring(msg))\n"
             "local ok, err = pcall(dofile, '%s')\n"
             "assert(not ok and err:find('binary chunks are not allowed'), tostring(err))\n"
             "package.path = '%s/?.lua'\n"
             "ok, err = pcall(require, 'binmod')\n"
             "assert(not ok and err:find('binary chunks are not allowed'), tostring(err))\n"
             "return 1",
             bin, bin, bin, bin, DIR);
    assert_lua(false, code);
    /* --unsafe loads it. */
    snprintf(code, sizeof code, "return dofile('%s') == 42 and 1 or 0", bin);
    assert_lua(true, code);
}

static void test_sandbox_text_loadfile_and_dofile_work(void **state)
{
    (void)state;
    const char *src = "#!/usr/bin/env mend\nreturn ...\n";
    write_text(DIR "/text.lua", src, strlen(src));
    assert_lua(false, "return dofile('" DIR "/text.lua') == nil and 1 or 0");
    assert_lua(false, "return loadfile('" DIR "/text.lua')(1)");
    assert_lua(false, "local f, m = loadfile('" DIR "/none.lua'); return (f == nil and m:find('none.lua')) and 1 or 0");
}

static void test_require_search_order(void **state)
{
    (void)state;
    const char *dirs[] = {DIR "/req/script", DIR "/req/path1", DIR "/req/path2", DIR "/req/bundled"};
    mend_err e;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mend_mkdirs(dirs[i], &e), 0);
        char file[512], body[128];
        snprintf(file, sizeof file, "%s/which.lua", dirs[i]);
        snprintf(body, sizeof body, "return '%d'", i);
        write_text(file, body, strlen(body));
    }
    /* ?/init.lua works too. */
    assert_int_equal(mend_mkdirs(DIR "/req/bundled/pkg", &e), 0);
    write_text(DIR "/req/bundled/pkg/init.lua", "return 'pkg'", 12);
    setenv("MEND_PATH", DIR "/req/path1;" DIR "/req/path2", 1);

    const char *want[] = {"0", "1", "2", "3"};
    for (int i = 0; i < 4; i++) {
        mend_lua *ml = new_state(false, 0, 0, dirs[0], dirs[3]);
        char code[128];
        snprintf(code, sizeof code, "return require('which') == '%s' and require('pkg') == 'pkg' and 1 or 0", want[i]);
        int rc = mend_lua_run_string(ml, code, "=req", g_err, sizeof g_err, &g_ret);
        mend_lua_free(ml);
        if (rc != 0 || g_ret != 1)
            fail_msg("step %d: rc %d ret %d %s", i, rc, g_ret, g_err);
        /* Take away the winner: the next one in line must answer. */
        char file[512];
        snprintf(file, sizeof file, "%s/which.lua", dirs[i]);
        remove(file);
    }
    unsetenv("MEND_PATH");
}

static void test_require_names_the_places_it_looked(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0, 0, DIR, NULL);
    int rc = mend_lua_run_string(ml, "require('no_such_module')", "=t", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(g_err, "module 'no_such_module' not found"));
    assert_non_null(strstr(g_err, DIR "/no_such_module.lua"));
}

static void test_limits_endless_loop_stops(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0.2, 0, NULL, NULL);
    int rc = mend_lua_run_string(ml, "while true do end", "=loop", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the time limit of 0.2 s");
}

static int hooked(lua_State *L)
{
    lua_pushboolean(L, lua_gethook(L) != NULL);
    return 1;
}

/* While no limit is near the script runs with no hook at all (any hook makes Lua call into it
 * before every instruction: a tenth of check's instructions); a coroutine is hooked from its
 * creation, since the deadline's timer can reach only the main thread. */
static void test_limits_no_hook_while_no_limit_is_near(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 30, (size_t)64 << 20, NULL, NULL);
    lua_register(mend_lua_state(ml), "hooked", hooked);
    int rc = mend_lua_run_string(ml,
                                 "if hooked() then return 1 end\n"
                                 "local co = coroutine.create(function() return hooked() end)\n"
                                 "local _, h = coroutine.resume(co)\n"
                                 "if not h then return 2 end\n"
                                 "if not coroutine.wrap(function() return hooked() end)() then return 3 end\n"
                                 "for i = 1, 1e6 do end\n"
                                 "if hooked() then return 4 end\n"
                                 "return 0",
                                 "=hooks", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 0);
    assert_int_equal(g_ret, 0);
}

/* 20 MiB kept alive, then 120 MiB of garbage: Lua's default young generation (a fifth of the
 * heap) makes that about twenty minor collections; a twentieth of the heap, over sixty. Each
 * collection finalizes the sentinel, which makes the next one. */
static void test_collector_young_generation_stays_small_under_a_big_heap(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0, 0, NULL, NULL);
    int rc = mend_lua_run_string(ml,
                                 "local keep = {}\n"
                                 "for i = 1, 250000 do keep[i] = { i } end\n"
                                 "local n = 0\n"
                                 "local function sentinel()\n"
                                 "  setmetatable({}, { __gc = function() n = n + 1; sentinel() end })\n"
                                 "end\n"
                                 "sentinel()\n"
                                 "for i = 1, 1200000 do local t = { i, i, i } end\n"
                                 "return math.min(n, 255)",
                                 "=young", g_err, sizeof g_err, &g_ret);
    if (rc != 0)
        fail_msg("%s", g_err);
    assert_in_range(g_ret, 60, 255);
    assert_int_equal(mend_limits_of(mend_lua_state(ml))->young_mul, 5);
    mend_lua_free(ml);
}

/* A script that picks the collector's mode keeps it: resizing the young generation would
 * otherwise switch an incremental collector back to generational as the heap grows. */
static void test_collector_mode_a_script_chooses_is_kept(void **state)
{
    (void)state;
    assert_lua(false, "collectgarbage('incremental')\n"
                      "local keep = {}\n"
                      "for i = 1, 250000 do keep[i] = { i } end\n"
                      "return collectgarbage('incremental') == 'incremental' and 1 or 0");
}

static void test_limits_pcall_cannot_swallow_the_timeout(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0.2, 0, NULL, NULL);
    int rc = mend_lua_run_string(ml,
                                 "while true do pcall(function() while true do end end) end",
                                 "=loop", g_err, sizeof g_err, &g_ret);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the time limit of 0.2 s");
    mend_lua_free(ml);

    /* Nor can a coroutine or a handler that returns normally. */
    ml = new_state(false, 0.2, 0, NULL, NULL);
    rc = mend_lua_run_string(ml,
                             "local co = coroutine.wrap(function() while true do end end)\n"
                             "for i = 1, 3 do pcall(co); xpcall(co, function() return 'ignored' end) end\n"
                             "return 0",
                             "=co", g_err, sizeof g_err, &g_ret);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the time limit of 0.2 s");
    mend_lua_free(ml);
}

/* Lua runs a message handler for an error its hook raised with hooks off: an endless xpcall
 * handler must not outlast the time or memory limit (only the watchdog, 5 s later, would end
 * it, with "where it could not be stopped"). A handler for an ordinary error still runs, and
 * xpcall still yields inside a coroutine. */
static void test_limits_an_endless_xpcall_handler_cannot_outlast_a_limit(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0.2, 0, NULL, NULL);
    int rc = mend_lua_run_string(ml, "xpcall(function() while true do end end, function() while true do end end)",
                                 "=xp", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the time limit of 0.2 s");

    ml = new_state(false, 1, 16u << 20, NULL, NULL);
    rc = mend_lua_run_string(ml,
                             "xpcall(function() pcall(function() local t = {} while true do t[#t + 1] = {} end end)\n"
                             "  while true do end end, function() while true do end end)",
                             "=xpmem", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the memory limit of 16 MiB");

    ml = new_state(false, 30, 16u << 20, NULL, NULL);
    rc = mend_lua_run_string(ml,
                             "local ok, m = xpcall(error, function(m) return 'handled: ' .. m end, 'boom', 0)\n"
                             "if ok or m ~= 'handled: boom' then return 1 end\n"
                             "local co = coroutine.wrap(function(a) return xpcall(coroutine.yield, print, a + 1) end)\n"
                             "local y = co(1)\n"
                             "local ok2, r = co(y * 10)\n"
                             "if not ok2 or r ~= 20 then return 2 end\n"
                             "return select('#', xpcall(function() return 1, 2, 3 end, print))",
                             "=xpok", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 0);
    assert_int_equal(g_ret, 4);
}

/* Stands for mend's own work below the script (the host's deferred load): 0.6 s, then taken off
 * the script's time when the argument says so. */
static int slow_below(lua_State *L)
{
    double start = mend_monotonic_now();
    mend_sleep_ms(600);
    if (lua_toboolean(L, 1))
        mend_limits_exclude(L, mend_monotonic_now() - start);
    return 0;
}

static int run_after_slow_below(bool excluded)
{
    mend_lua *ml = new_state(false, 0.5, 0, NULL, NULL);
    lua_register(mend_lua_state(ml), "slow_below", slow_below);
    int rc = mend_lua_run_string(ml, excluded ? "slow_below(true) for i = 1, 1e5 do end return 1"
                                              : "slow_below(false) for i = 1, 1e5 do end return 1",
                                 "=slow", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    return rc;
}

/* Stands for a deferred load longer than the limit and its watchdog's grace (5 s). */
static int slow_below_held(lua_State *L)
{
    double start = mend_monotonic_now();
    mend_limits_hold(L);
    mend_sleep_ms(5800);
    mend_limits_exclude(L, mend_monotonic_now() - start);
    return 0;
}

/* The watchdog does not count mend's own work either: a load past --timeout and the grace the
 * watchdog gives is not "a script that could not be stopped" (it ended the test process). */
static void test_limits_watchdog_waits_for_mends_own_work(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0.2, 0, NULL, NULL);
    lua_register(mend_lua_state(ml), "slow_below", slow_below_held);
    int rc = mend_lua_run_string(ml, "slow_below() for i = 1, 1e5 do end return 1", "=held", g_err, sizeof g_err,
                                 &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 0);
    assert_int_equal(g_ret, 1);
}

/* Time mend spends below the script, such as loading the simulator's state on the script's first
 * question, is not the script's: it does not count against --timeout (the control shows the same
 * time would). */
static void test_limits_time_below_the_script_is_not_the_scripts(void **state)
{
    (void)state;
    assert_int_equal(run_after_slow_below(true), 0);
    assert_int_equal(g_ret, 1);
    assert_int_equal(run_after_slow_below(false), 2);
    assert_string_equal(g_err, "script exceeded the time limit of 0.5 s");
}

static void test_limits_memory_bomb_stops(void **state)
{
    (void)state;
    mend_lua *ml = new_state(false, 0, 16u << 20, NULL, NULL);
    int rc = mend_lua_run_string(ml, "local t = {} while true do t[#t + 1] = ('x'):rep(1024) .. #t end",
                                 "=bomb", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the memory limit of 16 MiB");

    ml = new_state(false, 0, 16u << 20, NULL, NULL);
    rc = mend_lua_run_string(ml,
                             "local ok = pcall(function() local t = {} while true do t[#t + 1] = {} end end)\n"
                             "return 0",
                             "=bomb", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the memory limit of 16 MiB");

    ml = new_state(false, 0, 16u << 20, NULL, NULL);
    rc = mend_lua_run_string(ml, "local s = string.rep('x', 64 * 1024 * 1024)", "=rep", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    assert_string_equal(g_err, "script exceeded the memory limit of 16 MiB");
}

static void test_limits_do_not_touch_normal_scripts(void **state)
{
    (void)state;
    /* Garbage near the limit is collected, not counted against the script. */
    mend_lua *gc = new_state(false, 0, 16u << 20, NULL, NULL);
    int grc = mend_lua_run_string(gc,
                                  "for i = 1, 100 do local s = ('x'):rep(3 * 1024 * 1024) .. i end\n"
                                  "collectgarbage('stop')\n"
                                  "for i = 1, 100 do local s = ('y'):rep(3 * 1024 * 1024) .. i end\n"
                                  "return 1",
                                  "=gc", g_err, sizeof g_err, &g_ret);
    mend_lua_free(gc);
    if (grc != 0)
        fail_msg("%s", g_err);
    assert_int_equal(g_ret, 1);

    mend_lua *ml = new_state(false, 30, 16u << 20, NULL, NULL);
    int rc = mend_lua_run_string(ml, "local s = 0 for i = 1, 1e6 do s = s + i end return s == 500000500000 and 1 or 0",
                                 "=ok", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 0);
    assert_int_equal(g_ret, 1);
}

static void test_errors_carry_file_line_and_traceback(void **state)
{
    (void)state;
    const char *src = "local function inner()\n  error('boom')\nend\nlocal function outer() inner() end\nouter()\n";
    write_text(DIR "/err.lua", src, strlen(src));
    mend_lua *ml = new_state(false, 0, 0, DIR, NULL);
    int rc = mend_lua_run_file(ml, DIR "/err.lua", g_err, sizeof g_err, &g_ret);
    mend_lua_free(ml);
    assert_int_equal(rc, 2);
    /* Lua shortens long chunk names from the left, so the file's tail is what is certain. */
    assert_non_null(strstr(g_err, "err.lua:2: boom\n"));
    assert_non_null(strstr(g_err, "stack traceback:"));
    assert_non_null(strstr(g_err, "'inner'")); /* the traceback names the functions */
}

static void test_errors_with_non_string_values_become_text(void **state)
{
    (void)state;
    assert_int_equal(run(false, "error({code = 1})"), 2);
    assert_non_null(strstr(g_err, "(error object is a table value)"));
    assert_int_equal(run(false, "error({message = 'disk on fire'})"), 2);
    assert_non_null(strstr(g_err, "disk on fire"));
    assert_int_equal(run(false, "error(setmetatable({}, {__tostring = function() return 'custom' end}))"), 2);
    assert_non_null(strstr(g_err, "custom"));
    assert_int_equal(run(false, "error(nil)"), 2);
    assert_non_null(strstr(g_err, "(error object is a nil value)"));
}

static void test_syntax_errors_and_missing_files(void **state)
{
    (void)state;
    assert_int_equal(run(false, "local x = = 1"), 2);
    assert_non_null(strstr(g_err, "test:1:"));
    mend_lua *ml = new_state(false, 0, 0, NULL, NULL);
    assert_int_equal(mend_lua_run_file(ml, DIR "/missing.lua", g_err, sizeof g_err, &g_ret), 2);
    mend_lua_free(ml);
    assert_non_null(strstr(g_err, "missing.lua"));
}

static void test_script_return_value(void **state)
{
    (void)state;
    assert_int_equal(run(false, "return 7"), 0);
    assert_int_equal(g_ret, 7);
    assert_int_equal(run(false, "local x = 1"), 0);
    assert_int_equal(g_ret, -1);
    assert_int_equal(run(false, "return 'text'"), 0);
    assert_int_equal(g_ret, -1);
    assert_int_equal(run(false, "return 3.0"), 0);
    assert_int_equal(g_ret, 3);
}

static void test_warnings_reach_stderr(void **state)
{
    (void)state;
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(DIR "/warn.txt", "w");
    dup2(fileno(f), 2);
    fclose(f);
    int rc = run(false, "warn('disk ', 'almost full'); warn('@off'); warn('hidden'); warn('@on');\n"
                        "setmetatable({}, {__gc = function() error('finalizer broke') end}) collectgarbage()\n"
                        "return 1");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 0);
    char *buf;
    size_t len;
    mend_err e;
    assert_int_equal(mend_read_file(DIR "/warn.txt", &buf, &len, &e), 0);
    assert_non_null(strstr(buf, "mend: Lua warning: disk almost full\n"));
    assert_null(strstr(buf, "hidden"));
    assert_non_null(strstr(buf, "finalizer broke"));
    free(buf);
}

static void test_script_sees_arg_and_varargs(void **state)
{
    (void)state;
    /* Without an engine there are no args, but arg[0] is the script. */
    assert_lua(false, "return (arg[0] == 'test' and #arg == 0 and select('#', ...) == 0) and 1 or 0");
}

/* Without an engine the sandbox still confines writes to the working and temp folders;
 * --unsafe lifts it. */
static void test_sandbox_writes_only_in_the_working_and_temp_folders(void **state)
{
    (void)state;
    assert_lua(false, "local ok, msg, code = io.open('" DIR "/out.txt', 'w')\n"
                      "assert(ok == nil and code == 'not_permitted' and msg:find('working folder'), msg)\n"
                      "ok, msg, code = os.remove('" DIR "/out.txt')\n"
                      "assert(ok == nil and code == 'not_permitted', msg)\n"
                      "local t = os.tmpname() local f = assert(io.open(t, 'w')) f:write('x') f:close()\n"
                      "assert(os.rename(t, t .. '.2')) assert(os.remove(t .. '.2'))\n"
                      "assert(io.open('" DIR "/../engine_sandbox/out.txt', 'a+') == nil)\n"
                      "return 1");
    assert_lua(true, "local f = assert(io.open('" DIR "/out.txt', 'w')) f:close()\n"
                     "assert(os.remove('" DIR "/out.txt')) return 1");
}

int main(void)
{
    mend_err e;
    mend_mkdirs(DIR, &e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox_removes_what_reaches_the_system),
        cmocka_unit_test(test_sandbox_writes_only_in_the_working_and_temp_folders),
        cmocka_unit_test(test_sandbox_os_exit_says_to_return_or_error_instead),
        cmocka_unit_test(test_sandbox_keeps_the_allowlist),
        cmocka_unit_test(test_sandbox_unsafe_brings_everything_back),
        cmocka_unit_test(test_sandbox_refuses_binary_chunks_everywhere),
        cmocka_unit_test(test_sandbox_text_loadfile_and_dofile_work),
        cmocka_unit_test(test_require_search_order),
        cmocka_unit_test(test_require_names_the_places_it_looked),
        cmocka_unit_test(test_limits_endless_loop_stops),
        cmocka_unit_test(test_limits_no_hook_while_no_limit_is_near),
        cmocka_unit_test(test_collector_young_generation_stays_small_under_a_big_heap),
        cmocka_unit_test(test_collector_mode_a_script_chooses_is_kept),
        cmocka_unit_test(test_limits_pcall_cannot_swallow_the_timeout),
        cmocka_unit_test(test_limits_an_endless_xpcall_handler_cannot_outlast_a_limit),
        cmocka_unit_test(test_limits_time_below_the_script_is_not_the_scripts),
        cmocka_unit_test(test_limits_watchdog_waits_for_mends_own_work),
        cmocka_unit_test(test_limits_memory_bomb_stops),
        cmocka_unit_test(test_limits_do_not_touch_normal_scripts),
        cmocka_unit_test(test_errors_carry_file_line_and_traceback),
        cmocka_unit_test(test_errors_with_non_string_values_become_text),
        cmocka_unit_test(test_syntax_errors_and_missing_files),
        cmocka_unit_test(test_script_return_value),
        cmocka_unit_test(test_script_sees_arg_and_varargs),
        cmocka_unit_test(test_warnings_reach_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
