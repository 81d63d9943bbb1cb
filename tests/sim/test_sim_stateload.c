/* The state reader: every state the tests use loads to the same machine with it as through Lua. */
#include "sim_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

static char *save(const sim_machine *m, size_t *n)
{
    char *s;
    mend_err e;
    if (sim_state_serialize(m, &s, n, &e) != 0)
        fail_msg("serialise: %s", e.msg);
    return s;
}

/* A load re-reads the store only when a registry section wrote in the IPSec area (or two
 * policies share a name): otherwise its table is what it wrote. A full re-read must change
 * nothing the state records. */
static void assert_store_agrees(sim_machine *m, const char *saved, size_t n, const char *what)
{
    m->store_dirty = true;
    sim_store_sync(m);
    size_t n2;
    char *again = save(m, &n2);
    if (n2 != n || memcmp(again, saved, n) != 0)
        fail_msg("%s: re-reading the store after the load changed the machine:\n--- loaded\n%s\n--- re-read\n%s",
                 what, saved, again);
    free(again);
}

/* The reader either refuses text (then Lua reads it) or builds what Lua builds from it. Returns
 * whether the reader took it. */
static bool assert_same_machine(const char *text, size_t len, const char *what)
{
    sim_machine *fast, *slow;
    mend_err e;
    if (sim_state_read(text, len, &fast) != 0) {
        assert_null(fast);
        return false;
    }
    if (sim_scenario_load_lua(text, len, "=state", &slow, &e) != 0)
        fail_msg("%s: the reader built a machine from a text Lua refuses: %s", what, e.msg);
    size_t na, nb;
    char *a = save(fast, &na), *b = save(slow, &nb);
    if (na != nb || memcmp(a, b, na) != 0)
        fail_msg("%s: the reader's machine saves differently from Lua's:\n--- reader\n%s\n--- lua\n%s", what, a, b);
    assert_store_agrees(fast, a, na, what);
    assert_store_agrees(slow, b, nb, what);
    free(a);
    free(b);
    sim_machine_free(fast);
    sim_machine_free(slow);
    return true;
}

/* Saved text of m must be taken by the reader, and load to the same machine both ways. */
static void assert_state_round_trip(const char *text, size_t len, const char *what)
{
    if (!assert_same_machine(text, len, what))
        fail_msg("%s: the reader refused a state mend saved:\n%.*s", what, (int)(len > 4000 ? 4000 : len), text);
    sim_machine *m;
    assert_int_equal(sim_state_read(text, len, &m), 0);
    size_t n;
    char *again = save(m, &n);
    if (n != len || memcmp(again, text, n) != 0)
        fail_msg("%s: a state read by the reader does not save back to the same bytes", what);
    free(again);
    sim_machine_free(m);
}

static mend_err scratch;

static void must(int rc, const char *what)
{
    if (rc != 0)
        fail_msg("%s: %s", what, scratch.msg);
}

/* Lives on the machine in every way a state records: deletes (windows, events, store changes),
 * group policy, restarts, a kill, registry values of every type and odd names, a reboot. */
static void live(mend_host *h)
{
    /* A crash_after fault would end the test process: off while living, kept in the state. */
    sim_machine *sm = sim_host_machine(h);
    long crash_after = sm->crash_after;
    sm->crash_after = 0;
    mend_policy *pols;
    size_t n;
    must(h->ops->ipsec.list(h->ctx, &pols, &n, &scratch), "list");
    for (size_t i = 0; i < n; i++)
        h->ops->ipsec.delete_(h->ctx, pols[i].name, &scratch);
    mend_policy_free_list(pols, n);
    h->ops->sys.gpupdate(h->ctx, true, 0, &scratch);
    st_restart(h, "PolicyAgent");
    h->ops->ipsec.create(h->ctx, "New \"quoted\" \\ name\n\xc3\xa9", "made\tby\x01 the test", &scratch);
    const char *key = "HKLM\\SOFTWARE\\mend-test\\Odd \"key\"\\x";
    must(h->ops->reg.create_key(h->ctx, key, &scratch), "create_key");
    static const unsigned char bin[] = { 0, 1, 2, 0xfe, 0xff, '"', '\\', '\n' };
    static const unsigned char multi[] = "one\0two\0\0";
    static const unsigned char q[8] = { 1, 2, 3, 4, 5, 6, 7, 0x80 };
    static const unsigned char be[4] = { 0x12, 0x34, 0x56, 0x78 };
    static const unsigned char sz_nul[] = "a\0b";
    must(h->ops->reg.set(h->ctx, key, "binary", MEND_REG_BINARY, bin, sizeof bin, &scratch), "binary");
    must(h->ops->reg.set(h->ctx, key, "multi", MEND_REG_MULTI_SZ, multi, sizeof multi - 1, &scratch), "multi");
    must(h->ops->reg.set(h->ctx, key, "multi-odd", MEND_REG_MULTI_SZ, multi, 5, &scratch), "multi-odd");
    must(h->ops->reg.set(h->ctx, key, "qword", MEND_REG_QWORD, q, 8, &scratch), "qword");
    must(h->ops->reg.set(h->ctx, key, "be", MEND_REG_DWORD_BIG_ENDIAN, be, 4, &scratch), "be");
    must(h->ops->reg.set(h->ctx, key, "expand", MEND_REG_EXPAND_SZ, (const unsigned char *)"%SystemRoot%\\x", 14, &scratch), "expand");
    must(h->ops->reg.set(h->ctx, key, "sz\twith NUL", MEND_REG_SZ, sz_nul, 3, &scratch), "sz");
    must(h->ops->reg.set(h->ctx, key, "", 77, bin, 3, &scratch), "type 77");
    must(h->ops->reg.set(h->ctx, key, "Zz", MEND_REG_DWORD, be, 4, &scratch), "dword");
    must(h->ops->reg.set(h->ctx, key, "aa", MEND_REG_DWORD, be, 4, &scratch), "dword");
    h->ops->reg.delete_key(h->ctx, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent", true, &scratch);
    mend_process *procs;
    if (h->ops->proc.list(h->ctx, &procs, &n, &scratch) == 0) {
        for (size_t i = 0; i < n; i++)
            if (procs[i].pid > 1000)
                h->ops->proc.kill(h->ctx, procs[i].pid, &scratch);
        mend_process_free_list(procs, n);
    }
    h->ops->sys.sleep(h->ctx, 0.5, &scratch);
    sm->crash_after = crash_after;
}

/* Every .lua file in the folders the tests and benchmarks load scenarios from. */
static const char *const folders[] = { "scenarios", "scenarios/tests", "tests/e2e/scenarios", "tests/lua/scenarios",
                                       "tests/fleet/scenarios", "bench/scenarios", "tests/fuzz/corpus/scenario",
                                       "tests/fuzz/regressions/scenario", NULL };

static void every_scenario_and_state_loads_the_same_machine_both_ways(void **state)
{
    (void)state;
    size_t scenarios = 0, states = 0;
    for (const char *const *f = folders; *f; f++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", MEND_SOURCE_DIR, *f);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t nl = strlen(de->d_name);
            if (nl < 5 || strcmp(de->d_name + nl - 4, ".lua") != 0)
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            size_t len;
            char *text = st_read(path, &len);
            /* The scenario as written: hand-written ones are Lua's to read. */
            assert_same_machine(text, len, path);
            sim_machine *m;
            mend_err e;
            if (sim_scenario_load_lua(text, len, "=scenario", &m, &e) != 0) {
                free(text);
                continue;   /* a fuzz seed or regression that is meant not to load */
            }
            scenarios++;
            size_t n1;
            char *s1 = save(m, &n1);
            sim_machine_free(m);
            assert_state_round_trip(s1, n1, path);
            states++;
            /* The same machine lived on, saved again. */
            char *file = st_write(s1);
            mend_host h;
            st_open_file(&h, file, false);
            live(&h);
            st_save_close(&h, file);
            size_t n2;
            char *s2 = st_read(file, &n2);
            assert_state_round_trip(s2, n2, path);
            states++;
            remove(file);
            free(file);
            free(s1);
            free(s2);
            free(text);
        }
        closedir(d);
    }
    print_message("%zu scenarios, %zu saved states read both ways\n", scenarios, states);
    assert_true(scenarios >= 40);
}

static char *demo_state(size_t *n, bool lived)
{
    mend_host h;
    st_open_scenario(&h, "demo");
    if (lived)
        live(&h);
    char *file = st_write("");
    st_save_close(&h, file);
    char *s = st_read(file, n);
    remove(file);
    free(file);
    return s;
}

static void a_state_in_an_older_format_is_read_by_lua(void **state)
{
    (void)state;
    size_t n;
    char *s = demo_state(&n, true);
    const char *old = "-- mend simulator state: a scenario (see docs/scenarios.md), written by mend.\n";
    const char *nl = strchr(s, '\n');
    mend_buf b = { 0 };
    mend_buf_str(&b, old);
    mend_buf_add(&b, nl + 1, n - (size_t)(nl + 1 - s));
    sim_machine *m;
    assert_int_equal(sim_state_read(b.p, b.len, &m), 1);
    assert_null(m);
    mend_err e;
    assert_int_equal(sim_scenario_load_buffer(b.p, b.len, "=old", &m, &e), 0);
    size_t n2;
    char *again = save(m, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, s, n);
    free(again);
    sim_machine_free(m);
    free(b.p);
    free(s);
}

/* Replaces the first occurrence of from in s (n bytes) with to; malloc'd. */
static char *edit(const char *s, size_t n, const char *from, const char *to, size_t *out)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    mend_buf b = { 0 };
    mend_buf_add(&b, s, (size_t)(at - s));
    mend_buf_str(&b, to);
    size_t skip = (size_t)(at - s) + strlen(from);
    mend_buf_add(&b, s + skip, n - skip);
    *out = b.len;
    return b.p;
}

static void a_state_the_reader_refuses_gets_lua_and_its_error(void **state)
{
    (void)state;
    size_t n;
    char *s = demo_state(&n, false);
    struct {
        const char *from, *to, *error;   /* NULL error: Lua loads it */
    } cases[] = {
        { "name = \"Corp-QM\"", "name = \"Branch-Office-QM\"", "duplicate policy name 'Branch-Office-QM'" },
        { "state = \"pending_deletion\"", "state = \"gone\"", "expected 'active' or 'pending_deletion'" },
        { "policies = {", "policies = { -- a comment\n", NULL },
        { "admin = true", "admin = true, admin = false", NULL },
        { "[\"BFE\"] = {", "[\"BFE\"] = { pid = 1, ", NULL },
        { "{ pid = 4,", "{ pid = 4.5,", "expected an integer, got a fraction" },
        { "return {", "return { nope = 1,", "unknown top-level key 'nope'" },
        { "processes = {", "processes = { [1] = { pid = 1, name = 'x' }, ", NULL },
        { "\"System\"", "\"Sys\\x74em\"", NULL },
        { "return {", "return { policies = {}, ", NULL },
        { "}\n", "}\n}", "<eof>" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *text = edit(s, n, cases[i].from, cases[i].to, &len);
        sim_machine *m;
        if (sim_state_read(text, len, &m) != 1)
            fail_msg("case %zu: the reader took it", i);
        assert_null(m);
        mend_err e;
        mend_err_clear(&e);
        int rc = sim_scenario_load_buffer(text, len, "=edited", &m, &e);
        if (cases[i].error) {
            if (rc == 0 || !strstr(e.msg, cases[i].error))
                fail_msg("case %zu: expected an error with \"%s\", got rc %d: %s", i, cases[i].error, rc, e.msg);
        } else {
            if (rc != 0)
                fail_msg("case %zu: Lua should load it: %s", i, e.msg);
            sim_machine_free(m);
        }
        free(text);
    }
    free(s);
}

/* Cut short or with one byte changed anywhere, a saved state is refused or read as Lua reads it. */
static void a_damaged_state_is_never_half_read(void **state)
{
    (void)state;
    size_t n;
    char *s = demo_state(&n, true);
    size_t taken = 0;
    for (size_t cut = 0; cut < n; cut += 3)
        taken += assert_same_machine(s, cut, "cut");
    taken += assert_same_machine(s, n, "whole");
    assert_true(taken >= 1);   /* cut at n: the whole state */
    static const char subst[] = { '}', '"', '0', ',', '\\', '-', 'e' };
    char *copy = malloc(n);
    for (size_t at = 0; at < n; at += 5) {
        memcpy(copy, s, n);
        copy[at] = subst[at % sizeof subst];
        assert_same_machine(copy, n, "changed byte");
    }
    free(copy);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_scenario_and_state_loads_the_same_machine_both_ways),
        cmocka_unit_test(a_state_in_an_older_format_is_read_by_lua),
        cmocka_unit_test(a_state_the_reader_refuses_gets_lua_and_its_error),
        cmocka_unit_test(a_damaged_state_is_never_half_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
