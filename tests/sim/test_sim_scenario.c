/* Malformed scenarios end in a clear error that names the field, never a crash or a hang. */
#include "sim_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define expect_error st_expect_load_error

static void test_sim_scenario_wrong_state_names_field(void **state)
{
    (void)state;
    expect_error("return { policies = { { name = 'a' }, { name = 'b', state = 'gone' } } }",
                 "policies[2].state: expected 'active' or 'pending_deletion', got 'gone'");
}

static void test_sim_scenario_wrong_types_name_field(void **state)
{
    (void)state;
    expect_error("return { policies = { { name = 42 } } }", "policies[1].name: expected a string, got number");
    expect_error("return { processes = { { pid = 'x', name = 'a' } } }", "processes[1].pid: expected an integer, got string");
    expect_error("return { processes = { { pid = 1.5, name = 'a' } } }", "processes[1].pid: expected an integer");
    expect_error("return { processes = { { pid = -1, name = 'a' } } }", "processes[1].pid: expected an integer from 0");
    expect_error("return { nics = { { name = 'e', ipsec_offload = 'yes' } } }", "nics[1].ipsec_offload: expected true or false");
    expect_error("return { policies = 'x' }", "policies: expected a list, got string");
    expect_error("return { policies = { a = 1 } }", "policies: expected a list, found key 'a'");
    expect_error("return { settings = { clock = 'now' } }", "settings.clock: expected a number, got string");
    expect_error("return { settings = { delete_window = -1 } }", "settings.delete_window: expected seconds >= 0");
    expect_error("return { services = { PolicyAgent = { state = 'asleep' } } }", "services.PolicyAgent.state: expected 'running'");
    expect_error("return { services = { PolicyAgent = { start_type = 'sometimes' } } }", "services.PolicyAgent.start_type");
    expect_error("return 42", "the scenario must return a table, got number");
    expect_error("return { registry = { ['HKLM\\\\X'] = { v = { type = 'REG_DWORD', data = 'x' } } } }",
                 "registry[\"HKLM\\X\"][\"v\"].data: expected an integer");
    expect_error("return { registry = { ['HKLM\\\\X'] = { v = 2^40 } } }", "expected an integer from 0 to 4294967295");
    expect_error("return { registry = { ['NOPE\\\\X'] = {} } }", "a registry path starts with HKLM");
    expect_error("return { registry = { ['HKLM\\\\X'] = { v = { type = 'REG_BINARY', hex = 'abc' } } } }", "odd number of hex digits");
    expect_error("return { registry = { ['HKLM\\\\X'] = { v = { type = 'REG_WHATEVER' } } } }", "unknown registry type 'REG_WHATEVER'");
    /* Found by fuzzing: a NUL inside a registry path used to leak the sorted key list. */
    expect_error("return { registry = { ['HKLM\\\\A'] = {}, ['HKLM\\\\B\\0C'] = {} } }", "a key contains a NUL byte");
    expect_error("return { registry = { [1] = {} } }", "registry: keys must be strings");
}

static void test_sim_scenario_unknown_blocker_is_named(void **state)
{
    (void)state;
    expect_error("return { policies = { { name = 'a', blockers = { 'gpo_cache', 'gremlins' } } } }",
                 "policies[1].blockers[2]: unknown blocker 'gremlins' (expected gpo_cache, stale_memory");
}

static void test_sim_scenario_unknown_keys_are_named(void **state)
{
    (void)state;
    expect_error("return { polices = {} }", "unknown top-level key 'polices' (expected one of policies");
    expect_error("return { policies = { { name = 'a', stat = 'active' } } }", "policies[1]: unknown field 'stat'");
    expect_error("return { faults = { crash = 1 } }", "faults: unknown field 'crash'");
}

static void test_sim_scenario_duplicates_are_refused(void **state)
{
    (void)state;
    expect_error("return { processes = { { pid = 4, name = 'System' }, { pid = 4, name = 'x' } } }",
                 "processes[2].pid: duplicate pid 4");
    expect_error("return { policies = { { name = 'a' }, { name = 'a' } } }",
                 "policies[2].name: duplicate policy name 'a' (also policies[1])");
    expect_error("return { policies = { { name = 'a', assigned = true }, { name = 'b', blockers = { 'assigned' } } } }",
                 "policies[2].assigned: only one policy can be assigned");
    expect_error("return { nics = { { name = 'E' }, { name = 'e' } } }", "nics[2].name: duplicate network adapter");
    expect_error("return { services = { Foo = {}, foo = {} } }", "name the same service");
}

static void test_sim_scenario_dangling_references_are_refused(void **state)
{
    (void)state;
    expect_error("return { handles = { { pid = 99, policy = 'a' } } }", "handles[1].pid: no process has pid 99");
    expect_error("return { processes = { { pid = 9, name = 'x' } }, handles = { { pid = 9, policy = 'nope' } } }",
                 "handles[1].policy: no policy named 'nope'");
    expect_error("return { services = { A = { depends_on = { 'Nope' } } } }", "services.A.depends_on: no service named 'Nope'");
    expect_error("return { services = { A = { depends_on = { 'B' } }, B = { depends_on = { 'A' } } } }", "form a cycle");
    expect_error("return { faults = { ignore_stop = { 'Nope' } } }", "faults.ignore_stop[1]: no service named 'Nope'");
    expect_error("return { faults = { access_denied = { 'ipsec.nuke' } } }", "faults.access_denied[1]: unknown operation 'ipsec.nuke'");
    expect_error("return { policies = { { name = 'a', blockers = { 'stale_memory' } } },"
                 " services = { PolicyAgent = { state = 'stopped' } } }", "stale_memory needs PolicyAgent running");
    expect_error("return { policies = { { name = 'a', guid = '{nope}' } } }", "policies[1].guid: expected a GUID");
    expect_error("return { registry = { ['HKLM\\\\' .. string.rep('k\\\\', 100000)] = {} } }", "at most 512 keys deep");
    expect_error("local s = {} for i = 1, 100 do s['S' .. i] = { depends_on = { 'S' .. (i + 1) } } end"
                 " s.S101 = {} return { services = s }", "deeper than 64");
}

static void test_sim_scenario_syntax_and_truncation_fail_cleanly(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(st_load_error("return { policies = { { name = 'a' }", &e), MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "expected"));
    assert_int_equal(st_load_error("return {{{", &e), MEND_E_INVALID);
    assert_int_equal(st_load_error("", &e), MEND_E_INVALID);   /* returns nothing */
    assert_int_equal(st_load_error("error('boom')", &e), MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "boom"));
    assert_int_equal(st_load_error("\x1bLua", &e), MEND_E_INVALID);  /* binary chunks refused */
    /* A truncated saved state. */
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/demo.lua", MEND_SOURCE_DIR);
    char *text;
    size_t len;
    assert_int_equal(mend_read_file(path, &text, &len, &e), 0);
    for (size_t cut = 1; cut < len; cut += len / 17 + 1) {
        char *part = malloc(cut + 1);
        memcpy(part, text, cut);
        part[cut] = '\0';
        sim_machine *m = NULL;
        if (sim_scenario_load_buffer(part, cut, "=cut", &m, &e) == 0)
            sim_machine_free(m);   /* a cut may still be valid Lua; it must never crash */
        free(part);
    }
    free(text);
}

static void test_sim_scenario_endless_loop_and_memory_end_with_error(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(st_load_error("while true do end", &e), MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "million instructions"));
    /* pcall cannot swallow the limit */
    assert_int_equal(st_load_error("for i = 1, 100 do pcall(function() while true do end end) end return {}", &e),
                     MEND_E_INVALID);
    assert_int_equal(st_load_error("local t = {} while true do t[#t + 1] = string.rep('x', 1 << 20) end", &e),
                     MEND_E_INVALID);
}

static void test_sim_scenario_sandbox_has_only_string_table_math(void **state)
{
    (void)state;
    mend_err e;
    expect_error("return { policies = { { name = io.read() } } }", "io");
    expect_error("os.exit(1)", "os");
    expect_error("return require('x')", "require");
    expect_error("return load('return {}')()", "load");
    expect_error("return dofile('/etc/passwd')", "dofile");
    expect_error("return setmetatable({}, { __gc = function() while true do end end })", "setmetatable");
    expect_error("return { settings = { os = string.dump(function() end) } }", "dump");
    assert_int_equal(st_load_error("local p = {} for i = 1, 3 do p[i] = { name = string.format('P%d', i),"
                                   " sa_count = math.floor(i * 1.5) } end table.sort(p, function(a, b) return a.name > b.name end)"
                                   " return { policies = p }", &e), MEND_OK);
}

static void test_sim_scenario_big_names_are_fine(void **state)
{
    (void)state;
    mend_err e;
    assert_int_equal(st_load_error("return { policies = { { name = string.rep('\\xe2\\x82\\xac', 1366) .. 'Q\"\\\\\\n' } } }", &e), MEND_OK);
    expect_error("return { policies = { { name = 'a\\0b' } } }", "policies[1].name: contains a NUL byte");
    expect_error("return { policies = { { name = '' } } }", "policies[1].name: missing");
    /* Windows names are UTF-16 text, and every binding refuses an argument that is not UTF-8:
     * such a name could be listed but never read, deleted or fixed. */
    expect_error("return { policies = { { name = 'bad\\xff\\xfename' } } }", "policies[1].name: not valid UTF-8");
    expect_error("return { processes = { { pid = 9, name = 'x\\xc3.exe' } } }", "processes[1].name: not valid UTF-8");
}

static void test_sim_scenario_file_errors_name_the_file(void **state)
{
    (void)state;
    mend_err e;
    sim_machine *m;
    char *path = st_write("return { policies = { { name = 'b', state = 'gone' } } }");
    assert_int_equal(sim_scenario_load_file(path, &m, &e), -1);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "policies[1].state"));
    free(path);
    assert_int_equal(sim_scenario_load_file(MEND_TEST_TMP "/no-such-scenario.lua", &m, &e), -1);
}

static void test_sim_scenario_every_shipped_scenario_loads(void **state)
{
    (void)state;
    const char *names[] = { "demo", "missed_purge", "gpo_cache", "stale_memory", "driver_state", "holder",
                            "holder_autostart", "lsass_only", "assigned", "nic_offload", "store_corrupt",
                            "healthy", "combo_holder_assigned", "combo_stale_offload", "combo_many",
                            "reboot_only", "agent_hangs", "access_denied", "unkillable", "crash_midway",
                            "store_deleted", "many_policies" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/scenarios/%s%s.lua", MEND_SOURCE_DIR,
                 strcmp(names[i], "demo") == 0 ? "" : "tests/", names[i]);
        sim_machine *m;
        mend_err e;
        if (sim_scenario_load_file(path, &m, &e) != 0)
            fail_msg("%s", e.msg);
        sim_machine_free(m);
    }
}

/* A registry section that writes in the policy store overrides what the policies list said: a
 * key deleted by hand leaves the policy only in the agent's memory, a key written by hand is a
 * policy, a renamed one answers to its new name; and so after a save and a reload. */
static void test_sim_scenario_registry_in_the_store_wins_over_the_policy_list(void **state)
{
    (void)state;
    const char *text =
        "local L = 'HKLM\\\\SOFTWARE\\\\Policies\\\\Microsoft\\\\Windows\\\\IPSec\\\\Policy\\\\Local\\\\ipsecPolicy'\n"
        "return { policies = { { name = 'Kept', guid = '{aaaaaaaa-1111-2222-3333-444444444444}' },\n"
        "                      { name = 'Gone', guid = '{bbbbbbbb-1111-2222-3333-444444444444}' } },\n"
        "  registry = { [L .. '{bbbbbbbb-1111-2222-3333-444444444444}'] = false,\n"
        "               [L .. '{cccccccc-1111-2222-3333-444444444444}'] = { ipsecName = 'ByHand', description = 'typed in' },\n"
        "               [L .. '{aaaaaaaa-1111-2222-3333-444444444444}'] = { ipsecName = 'Renamed' } } }\n";
    char *path = st_write(text);
    for (int round = 0; round < 2; round++) {
        mend_host h;
        mend_err e;
        st_open_file(&h, path, false);
        mend_policy p;
        assert_int_equal(h.ops->ipsec.get(h.ctx, "ByHand", &p, &e), 0);
        assert_string_equal(p.description, "typed in");
        mend_policy_clear(&p);
        assert_int_not_equal(st_state(&h, "Renamed"), -1);
        assert_int_equal(st_state(&h, "Kept"), -1);
        assert_int_not_equal(st_state(&h, "Gone"), -1);   /* still in the agent's memory */
        bool found = true;
        assert_int_equal(h.ops->reg.exists(h.ctx, "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
                                           "\\ipsecPolicy{bbbbbbbb-1111-2222-3333-444444444444}", &found, &e), 0);
        assert_false(found);
        st_save_close(&h, path);   /* the second round reads what the first saved */
    }
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_scenario_wrong_state_names_field),
        cmocka_unit_test(test_sim_scenario_wrong_types_name_field),
        cmocka_unit_test(test_sim_scenario_unknown_blocker_is_named),
        cmocka_unit_test(test_sim_scenario_unknown_keys_are_named),
        cmocka_unit_test(test_sim_scenario_duplicates_are_refused),
        cmocka_unit_test(test_sim_scenario_dangling_references_are_refused),
        cmocka_unit_test(test_sim_scenario_syntax_and_truncation_fail_cleanly),
        cmocka_unit_test(test_sim_scenario_endless_loop_and_memory_end_with_error),
        cmocka_unit_test(test_sim_scenario_sandbox_has_only_string_table_math),
        cmocka_unit_test(test_sim_scenario_big_names_are_fine),
        cmocka_unit_test(test_sim_scenario_file_errors_name_the_file),
        cmocka_unit_test(test_sim_scenario_every_shipped_scenario_loads),
        cmocka_unit_test(test_sim_scenario_registry_in_the_store_wins_over_the_policy_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
