/* Unit tests of handles.index over a fake host: index:holders answers as handles.holders, by hashed ancestors. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bindings/bindings.h"
#include "bindings/handle_index.h"
#include "engine.h"
#include "report.h"

/* The fake host's handles: names[i] (NULL: an unnamed handle) is handle 4 * (i + 1) of pid
 * 100 + i. The scan returns all of them whatever the filter: the binding must pick. */
typedef struct fake {
    char **names;
    size_t n;
    int scans;
} fake;

static int f_scan(void *ctx, const mend_handle_filter *flt, mend_handle **out, size_t *n, mend_err *e)
{
    fake *f = ctx;
    f->scans++;
    *n = f->n;
    *out = calloc(f->n ? f->n : 1, sizeof **out);
    for (size_t i = 0; i < f->n; i++) {
        (*out)[i].pid = (uint32_t)(100 + i);
        (*out)[i].process = mend_strdup("holder.exe");
        (*out)[i].handle = 4 * (i + 1);
        (*out)[i].type = mend_strdup("Key");
        (*out)[i].name = f->names[i] ? mend_strdup(f->names[i]) : NULL;
        (*out)[i].access = 0x20019;
    }
    return 0;
}

static int f_unseen(void *ctx, mend_unseen **out, size_t *n, mend_err *e)
{
    *n = 1;
    *out = calloc(1, sizeof **out);
    (*out)[0].pid = 5300;
    (*out)[0].process = mend_strdup("shield.exe");
    (*out)[0].error = mend_strdup("Access is denied. (0x5)");
    return 0;
}

static const mend_host_ops fake_ops = {
    .name = "fake",
    .handles = { .scan = f_scan, .unseen = f_unseen },
};

typedef struct world {
    fake f;
    mend_options opts;
    mend_engine eng;
    lua_State *L;
} world;

static world *world_new(const char *const *names, size_t n)
{
    world *w = calloc(1, sizeof *w);
    w->f.names = calloc(n ? n : 1, sizeof *w->f.names);
    for (size_t i = 0; i < n; i++)
        w->f.names[i] = names[i] ? mend_strdup(names[i]) : NULL;
    w->f.n = n;
    w->eng.opts = &w->opts;
    w->eng.host.ops = &fake_ops;
    w->eng.host.ctx = &w->f;
    w->eng.report = mend_report_new("fake", false);
    w->eng.state_dir = MEND_TEST_TMP;
    w->L = luaL_newstate();
    luaL_openlibs(w->L);
    mend_bindings_open(w->L, &w->eng);
    return w;
}

static void world_free(world *w)
{
    lua_close(w->L);
    mend_report_free(w->eng.report);
    for (size_t i = 0; i < w->f.n; i++)
        free(w->f.names[i]);
    free(w->f.names);
    free(w);
}

/* Helpers every test's Lua code can use: ids(list) is "4,16" (the handle values in order);
 * same(idx, want) checks idx:holders(want) against handles.holders(want), the scan's answer. */
static const char helpers[] =
    "function ids(list) local t = {} for i, h in ipairs(list) do t[i] = h.handle end return table.concat(t, ',') end\n"
    "function same(idx, want)\n"
    "  local a, ua, ca = idx:holders(want)\n"
    "  local b, ub, cb = handles.holders(want)\n"
    "  local shown = ('%q'):format(want):sub(1, 120)\n"
    "  if b == nil then   -- the same failure; the method counts its argument from 2\n"
    "    local arg = function(m) return (tostring(m):gsub('argument #%d', 'argument')) end\n"
    "    assert(a == nil and ca == cb and arg(ua) == arg(ub), shown .. ': the scan failed (' .. tostring(ub) .. '), the index said ' .. tostring(ua))\n"
    "    return\n"
    "  end\n"
    "  assert(a, shown .. ': ' .. tostring(ua))\n"
    "  assert(ids(a) == ids(b), shown .. ': index ' .. ids(a) .. ', scan ' .. ids(b))\n"
    "  for i = 1, #a do\n"
    "    for _, k in ipairs{ 'pid', 'process', 'type', 'name', 'access' } do assert(a[i][k] == b[i][k], k) end\n"
    "  end\n"
    "  assert(#ua == #ub and ua[1].pid == ub[1].pid, shown .. ': unseen')\n"
    "end\n"
    "-- every ancestor of every handle's name, in its own case, upper and lower case, and its\n"
    "-- near misses: a sibling sharing the prefix, the name cut short, a trailing backslash\n"
    "function wants_of(list)\n"
    "  local out = {}\n"
    "  for _, h in ipairs(list) do\n"
    "    local name = h.name\n"
    "    for i = 2, #name + 1 do\n"
    "      if i > #name or name:sub(i, i) == '\\\\' then\n"
    "        local p = name:sub(1, i - 1)\n"
    "        for _, v in ipairs{ p, p:upper(), p:lower(), p .. 'x', p .. ' a', p .. '_', p:sub(1, -2), p .. '\\\\' } do\n"
    "          if v:sub(1, 1) == '\\\\' then out[#out + 1] = v end\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  return out\n"
    "end\n";

static void run(world *w, const char *code)
{
    if (luaL_dostring(w->L, helpers) != LUA_OK || luaL_dostring(w->L, code) != LUA_OK)
        fail_msg("%s\n--- in:\n%s", lua_tostring(w->L, -1), code);
    lua_settop(w->L, 0);
}

#define POLICY "\\REGISTRY\\MACHINE\\SOFTWARE\\P\\ipsecPolicy{1}"

/* Handle values 4, 8, ... in this order. */
static const char *const mixed[] = {
    POLICY,                      /*  4 the key */
    POLICY "x",                  /*  8 a sibling sharing the prefix */
    POLICY " a",                 /* 12 a sibling with a blank */
    "\\REGISTRY\\MACHINE\\SOFTWARE\\P\\IPSECPOLICY{1}\\sub",   /* 16 below, in other case */
    NULL,                        /* 20 unnamed */
    "",                          /* 24 empty */
    POLICY,                      /* 28 the key again (another handle) */
    POLICY "_",                  /* 32 a sibling: '_' sorts between 'Z' and 'a' */
    "\\Device\\Afd",             /* 36 */
    POLICY "\\\xc3\xa9",         /* 40 below, a non-ASCII name */
    POLICY "\\\xff\x01",         /* 44 below, bytes that are not UTF-8 */
};
#define COUNT(a) (sizeof(a) / sizeof *(a))

static void test_index_holders_are_the_handles_at_or_below_in_scan_order(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "assert(ids(idx:holders('HKLM\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}')) == '4,16,28,40,44')\n"
           "assert(ids(idx:holders('\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}\\\\sub')) == '16')\n"
           "assert(ids(idx:holders('\\\\Device\\\\Afd')) == '36')\n");
    assert_int_equal(w->f.scans, 1);
    world_free(w);
}

static void test_index_holders_of_an_ancestor_that_is_no_handle_lists_all_below(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "assert(ids(idx:holders('HKLM\\\\SOFTWARE\\\\P')) == '4,8,12,16,28,32,40,44')\n"
           "assert(ids(idx:holders('\\\\REGISTRY')) == '4,8,12,16,28,32,40,44')\n"
           "assert(ids(idx:holders('\\\\Device')) == '36')\n");
    world_free(w);
}

static void test_index_holders_leave_out_siblings_sharing_a_prefix(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}x')) == '8')\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1} a')) == '12')\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}_')) == '32')\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{')) == '')\n"
           "assert(ids(idx:holders('\\\\Dev')) == '')\n"
           "assert(ids(idx:holders('HKLM\\\\SOFTWARE\\\\Nothing\\\\Here')) == '')\n");
    world_free(w);
}

static void test_index_holders_ignore_ascii_case_only(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "assert(ids(idx:holders('hklm\\\\software\\\\p\\\\IPSECPOLICY{1}')) == '4,16,28,40,44')\n"
           "assert(ids(idx:holders('\\\\registry\\\\machine\\\\software\\\\p\\\\ipsecpolicy{1}\\\\SUB')) == '16')\n"
           "assert(ids(idx:holders('\\\\DEVICE\\\\AFD\\\\')) == '36', 'a trailing backslash is dropped')\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}\\\\\\xc3\\xa9')) == '40')\n"
           "assert(ids(idx:holders('" "\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\P\\\\ipsecPolicy{1}\\\\\\xc3\\x89')) == '',\n"
           "       'E acute and e acute are different names: only ASCII letters fold')\n");
    world_free(w);
}

static void test_index_holders_answer_as_handles_holders_for_every_ancestor(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "local all = assert(handles.scan())\n"
           "local wants = wants_of(all)\n"
           "assert(#wants > 100, #wants)\n"
           "for _, want in ipairs(wants) do same(idx, want) end\n"
           "for _, want in ipairs{ '\\\\', '\\\\\\\\', 'HKLM', 'HKLM\\\\SOFTWARE', 'HKU\\\\S-1-5-18' } do same(idx, want) end\n"
           "local _, msg, code = idx:holders('\\\\REGISTRY\\\\\\xff')\n"
           "assert(code == 'invalid', msg)\n"
           "_, msg, code = idx:holders('HKCU\\\\Software')\n"
           "assert(code == 'unsupported', msg)\n"
           "assert(not pcall(idx.holders, idx, 42 == 42))\n");
    world_free(w);
}

static void test_index_holders_return_the_unseen_processes_second(void **state)
{
    world *w = world_new(mixed, COUNT(mixed));
    run(w, "local idx = assert(handles.index())\n"
           "local list, unseen = idx:holders('\\\\Device\\\\Nothing')\n"
           "assert(#list == 0 and #unseen == 1 and unseen[1].process == 'shield.exe')\n"
           "list, unseen = idx:holders('\\\\Device')\n"
           "assert(#list == 1 and #unseen == 1 and unseen[1].error:find('(0x5)', 1, true))\n");
    world_free(w);
}

static void test_index_of_no_handles_answers_empty_lists(void **state)
{
    world *w = world_new(NULL, 0);
    run(w, "local idx = assert(handles.index())\n"
           "for _, want in ipairs{ '\\\\', '\\\\REGISTRY', 'HKLM\\\\SOFTWARE\\\\P' } do\n"
           "  local list, unseen = assert(idx:holders(want))\n"
           "  assert(#list == 0 and #unseen == 1)\n"
           "  same(idx, want)\n"
           "end\n");
    static const char *const unnamed[] = { NULL, "", NULL };
    world *u = world_new(unnamed, COUNT(unnamed));
    run(u, "local idx = assert(handles.index())\n"
           "assert(#idx:holders('\\\\') == 0 and #idx:holders('\\\\REGISTRY') == 0)\n");
    world_free(u);
    world_free(w);
}

/* '\L\' then a's up to byte 4095, so the name has a backslash at 4095 (the longest ancestor a
 * lookup can ask for), then at 4097, then b's up to 5100 bytes. */
static char *long_name(void)
{
    char *s = malloc(5101);
    memset(s, 'a', 5100);
    memcpy(s, "\\L\\", 3);
    s[4095] = '\\';
    s[4097] = '\\';
    memset(s + 4098, 'b', 5100 - 4098);
    s[5100] = '\0';
    return s;
}

static void test_index_holders_reach_names_longer_than_4_kib(void **state)
{
    char *name = long_name();
    const char *const names[] = { name, "\\L", "\\L\\aa" };
    world *w = world_new(names, COUNT(names));
    run(w, "local idx = assert(handles.index())\n"
           "local name = handles.scan()[1].name\n"
           "assert(#name == 5100)\n"
           "assert(ids(idx:holders('\\\\L')) == '4,8,12')\n"
           "assert(ids(idx:holders(name:sub(1, 4095))) == '4', 'the longest ancestor one can ask for')\n"
           "assert(ids(idx:holders(name:sub(1, 4000))) == '', 'not an ancestor')\n"
           "for _, n in ipairs{ 4096, 4097, 5100 } do\n"
           "  local list, msg, code = idx:holders(name:sub(1, n))\n"
           "  assert(list == nil and code == 'invalid' and msg:find('too long', 1, true), tostring(msg))\n"
           "end\n"
           "for _, want in ipairs(wants_of(handles.scan())) do same(idx, want) end\n");
    world_free(w);
    free(name);
}

/* A fixed pseudo-random host: names built from parts that sort around a backslash ('[', '_',
 * blanks, letters in both cases, empty parts), in random scan order, duplicates included. */
static void test_index_holders_answer_as_handles_holders_on_a_random_host(void **state)
{
    static const char *const parts[] = { "a", "A", "b", "B", "_", "[", "a b", "ab", "Ab", "a_", "", "z" };
    enum { NAMES = 400 };
    char *names[NAMES];
    uint32_t seed = 12345;
    for (size_t i = 0; i < NAMES; i++) {
        char buf[128] = "";
        size_t depth = 1 + (seed = seed * 1103515245u + 12345u) % 5;
        for (size_t d = 0; d < depth; d++) {
            seed = seed * 1103515245u + 12345u;
            strcat(buf, "\\");
            strcat(buf, parts[(seed >> 8) % COUNT(parts)]);
        }
        names[i] = mend_strdup(buf);
    }
    world *w = world_new((const char *const *)names, NAMES);
    run(w, "local idx = assert(handles.index())\n"
           "local wants = wants_of(handles.scan())\n"
           "local seen, distinct = {}, 0\n"
           "for _, want in ipairs(wants) do\n"
           "  if not seen[want] then seen[want] = true ; distinct = distinct + 1 ; same(idx, want) end\n"
           "end\n"
           "assert(distinct > 300, distinct)\n");
    world_free(w);
    for (size_t i = 0; i < NAMES; i++)
        free(names[i]);
}

/* The index's memory: one entry per distinct ancestor, so N policy keys under one store cost N
 * entries plus the store's own ancestors; one name adds at most BIND_HANDLE_INDEX_MAX. */
static void test_index_keeps_one_entry_per_distinct_ancestor(void **state)
{
    enum { N = 1000 };
    mend_handle *list = calloc(2 * N + 2, sizeof *list);
    char buf[64];
    for (size_t i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "\\R\\M\\S\\p{%04zu}", i);
        list[2 * i].name = mend_strdup(buf);
        snprintf(buf, sizeof buf, "\\r\\m\\s\\P{%04zu}\\sub", i);   /* the same keys in other case */
        list[2 * i + 1].name = mend_strdup(buf);
    }
    list[2 * N].name = NULL;
    list[2 * N + 1].name = mend_strdup("");
    bind_handle_index x;
    assert_int_equal(bind_handle_index_build(&x, list, 2 * N + 2), 0);
    assert_int_equal(x.entries, 3 + N + N);   /* \R \R\M \R\M\S, each p{...}, each p{...}\sub */
    assert_true(x.mask + 1 <= 4 * x.entries);
    const size_t *run;
    assert_int_equal(bind_handle_index_find(&x, list, "\\R\\M\\S\\P{0042}", &run), 2);
    assert_int_equal(bind_handle_index_find(&x, list, "\\r\\m", &run), 2 * N);
    assert_int_equal(bind_handle_index_find(&x, list, "\\R\\M\\S\\p{0042", &run), 0);
    bind_handle_index_free(&x);
    mend_handle_free_list(list, 2 * N + 2);

    /* 10,000 backslashes: an ancestor at each, but only the first BIND_HANDLE_INDEX_MAX count */
    mend_handle deep = { 0 };
    deep.name = malloc(10001);
    memset(deep.name, '\\', 10000);
    deep.name[10000] = '\0';
    assert_int_equal(bind_handle_index_build(&x, &deep, 1), 0);
    assert_int_equal(x.entries, BIND_HANDLE_INDEX_MAX);
    assert_int_equal(bind_handle_index_find(&x, &deep, "\\", &run), 1);
    bind_handle_index_free(&x);
    free(deep.name);

    assert_int_equal(bind_handle_index_build(&x, NULL, 0), 0);
    assert_int_equal(x.entries, 0);
    assert_int_equal(bind_handle_index_find(&x, NULL, "\\R", &run), 0);
    bind_handle_index_free(&x);
}

/* Every byte but NUL and the backslash in one name: each byte changed by 0x20 (the case bit of
 * a letter) still finds it when the byte is an ASCII letter, and finds nothing otherwise. */
static void test_index_folds_ascii_letters_only_among_all_bytes(void **state)
{
    char name[256], want[256];
    size_t n = 0;
    name[n++] = '\\';
    for (int c = 1; c < 256; c++)
        if (c != '\\')
            name[n++] = (char)c;
    name[n] = '\0';
    mend_handle h = { .name = name };
    bind_handle_index x;
    assert_int_equal(bind_handle_index_build(&x, &h, 1), 0);
    const size_t *run;
    assert_int_equal(bind_handle_index_find(&x, &h, name, &run), 1);
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)name[i], other = c ^ 0x20;
        if (other == 0 || other == '\\')
            continue;
        memcpy(want, name, n + 1);
        want[i] = (char)other;
        bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        if (bind_handle_index_find(&x, &h, want, &run) != (letter ? 1u : 0u))
            fail_msg("byte 0x%02x as 0x%02x at %zu: %s", c, other, i, letter ? "not found" : "found");
    }
    bind_handle_index_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_holders_are_the_handles_at_or_below_in_scan_order),
        cmocka_unit_test(test_index_holders_of_an_ancestor_that_is_no_handle_lists_all_below),
        cmocka_unit_test(test_index_holders_leave_out_siblings_sharing_a_prefix),
        cmocka_unit_test(test_index_holders_ignore_ascii_case_only),
        cmocka_unit_test(test_index_holders_answer_as_handles_holders_for_every_ancestor),
        cmocka_unit_test(test_index_holders_return_the_unseen_processes_second),
        cmocka_unit_test(test_index_of_no_handles_answers_empty_lists),
        cmocka_unit_test(test_index_holders_reach_names_longer_than_4_kib),
        cmocka_unit_test(test_index_holders_answer_as_handles_holders_on_a_random_host),
        cmocka_unit_test(test_index_keeps_one_entry_per_distinct_ancestor),
        cmocka_unit_test(test_index_folds_ascii_letters_only_among_all_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
