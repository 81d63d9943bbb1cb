/* .reg files against the simulator: a subtree exported, deleted and imported back comes back whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"
#include "regfile/regfile.h"
#include "sim/sim.h"

#define KEY "HKLM\\SOFTWARE\\MendExport"

static const char scenario[] =
    "return {\n"
    "  registry = {\n"
    "    [\"HKLM\\\\SOFTWARE\\\\MendExport\"] = {\n"
    "      [\"\"] = \"the default\",\n"
    "      Name = \"say \\\"hi\\\" to C:\\\\temp\",\n"
    "      Count = 42,\n"
    "      List = { \"one\", \"caf\\u{e9}\", \"\\u{1F511}\" },\n"
    "      Path = { type = \"REG_EXPAND_SZ\", data = \"%SystemRoot%\\\\System32\" },\n"
    "      Big = { type = \"REG_QWORD\", data = 1234567890123 },\n"
    "      Blob = { type = \"REG_BINARY\", hex = \"" 
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\" },\n"
    "      [\"a=b [c]\"] = \"brackets\",\n"
    "    },\n"
    "    [\"HKLM\\\\SOFTWARE\\\\MendExport\\\\Sub\\\\Deeper\"] = { x = 1 },\n"
    "    [\"HKLM\\\\SOFTWARE\\\\MendExport\\\\Empty\"] = { },\n"
    "  },\n"
    "}\n";

static void test_sim_subtree_export_delete_import_round_trip(void **state)
{
    const char *file = MEND_TEST_TMP "/regfile_sim_state.lua";
    const char *reg = MEND_TEST_TMP "/regfile_sim_backup.reg";
    mend_err e;
    assert_int_equal(mend_write_file_atomic(file, scenario, sizeof scenario - 1, &e), 0);
    mend_host_config cfg = { .spec = "sim", .quiet = true, .state_dir = MEND_TEST_TMP };
    mend_host h;
    if (sim_host_open(&h, &cfg, file, &e) != 0)
        fail_msg("cannot open the simulator: %s", e.msg);

    char *before;
    size_t len;
    if (mend_regfile_render(&h, KEY, &before, &len, &e) != 0)
        fail_msg("render: %s", e.msg);
    assert_non_null(strstr(before, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\MendExport]\r\n"));
    assert_non_null(strstr(before, "@=\"the default\"\r\n"));
    assert_non_null(strstr(before, "\"Count\"=dword:0000002a\r\n"));
    assert_non_null(strstr(before, "\"Name\"=\"say \\\"hi\\\" to C:\\\\temp\"\r\n"));
    assert_non_null(strstr(before, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\MendExport\\Sub\\Deeper]\r\n\"x\"=dword:00000001\r\n"));

    assert_int_equal(mend_regfile_export(&h, KEY, reg, &e), 0);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, KEY, true, &e), 0);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, KEY, &found, &e), 0);
    assert_false(found);

    if (mend_regfile_import(&h, reg, &e) != 0)
        fail_msg("import: %s", e.msg);
    char *after;
    if (mend_regfile_render(&h, KEY, &after, &len, &e) != 0)
        fail_msg("render after import: %s", e.msg);
    assert_string_equal(before, after);
    free(before);
    free(after);
    mend_host_close(&h);
}

/* As with regedit, deleting what is already gone is not an error, on the simulator too. */
static void test_sim_import_deletions_of_absent_things(void **state)
{
    const char *file = MEND_TEST_TMP "/regfile_sim_state2.lua";
    const char *reg = MEND_TEST_TMP "/regfile_sim_deletions.reg";
    static const char text[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                               "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\NeverThere]\r\n"
                               "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\MendExport\\Sub]\r\n"
                               "[HKEY_LOCAL_MACHINE\\SOFTWARE\\MendExport]\r\n"
                               "\"absent\"=-\r\n"
                               "\"Count\"=-\r\n"
                               "[HKEY_LOCAL_MACHINE\\SOFTWARE\\MendExport\\New]\r\n"
                               "\"v\"=\"x\"\r\n";
    mend_err e;
    assert_int_equal(mend_write_file_atomic(file, scenario, sizeof scenario - 1, &e), 0);
    assert_int_equal(mend_write_file_atomic(reg, text, sizeof text - 1, &e), 0);
    mend_host_config cfg = { .spec = "sim", .quiet = true, .state_dir = MEND_TEST_TMP };
    mend_host h;
    if (sim_host_open(&h, &cfg, file, &e) != 0)
        fail_msg("cannot open the simulator: %s", e.msg);
    if (mend_regfile_import(&h, reg, &e) != 0)
        fail_msg("import: %s", e.msg);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, KEY "\\Sub", &found, &e), 0);
    assert_false(found);
    mend_regval v = { 0 };
    assert_int_equal(h.ops->reg.get(h.ctx, KEY, "Count", &v, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(h.ops->reg.get(h.ctx, KEY "\\New", "v", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_SZ);
    assert_string_equal((const char *)v.data, "x");
    mend_regval_clear(&v);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_subtree_export_delete_import_round_trip),
        cmocka_unit_test(test_sim_import_deletions_of_absent_things),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
