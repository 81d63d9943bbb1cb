/* Export then import gives back the same registry: every type, awkward names, Unicode, long values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_registry.h"
#include "regfile/regfile.h"

#define ROOT "HKLM\\SOFTWARE\\RoundTrip"

static char *render(fake_reg *r, const char *path)
{
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    char *text = NULL;
    size_t len;
    if (mend_regfile_render(&h, path, &text, &len, &e) != 0)
        fail_msg("render failed: %s", e.msg);
    return text;
}

/* render -> parse -> apply into an empty registry -> the same keys, values, types and bytes,
 * and the copy renders to the same text. */
static void assert_round_trip(fake_reg *a, const char *path)
{
    char *text = render(a, path);
    mend_regfile *rf;
    mend_err e;
    if (mend_regfile_parse((const unsigned char *)text, strlen(text), &rf, &e) != 0)
        fail_msg("parse of our own output failed: %s\n%s", e.msg, text);
    fake_reg *b = fake_reg_new();
    mend_host h;
    fake_reg_host(b, &h);
    assert_int_equal(mend_regfile_apply(rf, &h, &e), 0);
    mend_regfile_free(rf);
    char *da = fake_reg_dump(a), *db = fake_reg_dump(b);
    assert_string_equal(da, db);
    char *again = render(b, path);
    assert_string_equal(text, again);
    free(da);
    free(db);
    free(again);
    free(text);
    fake_reg_free(b);
}

static void test_round_trip_every_value_type(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, ROOT, "sz", "plain text");
    fake_reg_set(r, ROOT, "expand", MEND_REG_EXPAND_SZ, "%SystemRoot%\\x", 14);
    fake_reg_set(r, ROOT, "binary", MEND_REG_BINARY, "\x00\x01\xfe\xff", 4);
    fake_reg_set_dword(r, ROOT, "dword", 0xdeadbeef);
    fake_reg_set(r, ROOT, "dword_be", MEND_REG_DWORD_BIG_ENDIAN, "\x00\x00\x00\x2a", 4);
    fake_reg_set(r, ROOT, "link", MEND_REG_LINK, "\\Registry\\Machine\\X", 19);
    fake_reg_set(r, ROOT, "multi", MEND_REG_MULTI_SZ, "one\0two\0three\0", 14);
    fake_reg_set(r, ROOT, "reslist", MEND_REG_RESOURCE_LIST, "\x01\x02", 2);
    fake_reg_set(r, ROOT, "fullres", MEND_REG_FULL_RESOURCE_DESCRIPTOR, "\x03", 1);
    fake_reg_set(r, ROOT, "resreq", MEND_REG_RESOURCE_REQUIREMENTS_LIST, "\x04\x05\x06", 3);
    fake_reg_set(r, ROOT, "qword", MEND_REG_QWORD, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    fake_reg_set(r, ROOT, "none", MEND_REG_NONE, "\x09", 1);
    fake_reg_set(r, ROOT, "custom", 0x12345678u, "\x0a\x0b", 2);
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_odd_strings(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, ROOT, "newline", "line 1\r\nline 2\n");
    fake_reg_set(r, ROOT, "inner_nul", MEND_REG_SZ, "a\0b", 3);
    fake_reg_set(r, ROOT, "trailing_nul", MEND_REG_EXPAND_SZ, "ab\0", 3);
    fake_reg_set(r, ROOT, "multi_empty_list", MEND_REG_MULTI_SZ, "", 0);
    fake_reg_set(r, ROOT, "multi_one_empty", MEND_REG_MULTI_SZ, "\0", 1);
    fake_reg_set(r, ROOT, "multi_gap", MEND_REG_MULTI_SZ, "a\0\0b\0", 5);
    fake_reg_set(r, ROOT, "link_nul", MEND_REG_LINK, "x\0", 2);
    fake_reg_set_sz(r, ROOT, "quotes", "\"quoted\" \\path\\ = [x]");
    fake_reg_set_sz(r, ROOT, "tab", "a\tb");
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_awkward_names(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, ROOT, "", "the default value");
    fake_reg_set_sz(r, ROOT, "with \"quotes\"", "1");
    fake_reg_set_sz(r, ROOT, "back\\slash\\", "2");
    fake_reg_set_sz(r, ROOT, "a=b", "3");
    fake_reg_set_sz(r, ROOT, "[bracket]", "4");
    fake_reg_set_sz(r, ROOT, "]", "5");
    fake_reg_set_sz(r, ROOT, "@", "6");
    fake_reg_set_sz(r, ROOT, ";not a comment", "7");
    fake_reg_set_sz(r, ROOT, "-", "8");
    fake_reg_set_sz(r, ROOT, "two\nlines", "9");
    fake_reg_set_sz(r, ROOT, "  spaced  ", "10");
    fake_reg_key(r, ROOT "\\key [with] = \"odd\" chars;");
    fake_reg_set_sz(r, ROOT "\\ends with bracket]", "x", "y");
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_unicode_bmp_and_astral(void **state)
{
    fake_reg *r = fake_reg_new();
    const char *k = ROOT "\\caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91";
    fake_reg_set_sz(r, k, "\xe2\x82\xac uro", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    fake_reg_set_sz(r, k, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80\xf0\x90\x8d\x88");
    fake_reg_set(r, k, "multi", MEND_REG_MULTI_SZ, "\xc3\xa9\0\xf0\x9f\x98\x80\0", 8);
    fake_reg_set(r, k, "exp", MEND_REG_EXPAND_SZ, "%\xe2\x82\xac%", 5);
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_values_over_80_columns(void **state)
{
    fake_reg *r = fake_reg_new();
    unsigned char big[1000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7);
    fake_reg_set(r, ROOT, "big", MEND_REG_BINARY, big, sizeof big);
    char longtext[400];
    for (size_t i = 0; i < sizeof longtext - 1; i++)
        longtext[i] = (char)('a' + i % 26);
    longtext[sizeof longtext - 1] = '\0';
    fake_reg_set_sz(r, ROOT, "long_sz", longtext);
    fake_reg_set(r, ROOT, "long_expand", MEND_REG_EXPAND_SZ, longtext, strlen(longtext));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    fake_reg_set(r, ROOT, longname, MEND_REG_BINARY, big, 50);
    char *text = render(r, ROOT);
    /* every line fits regedit's 80 columns except the quoted string and the long name's */
    size_t folded = 0;
    for (const char *p = text; *p;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        if (eol - p > 80)
            assert_true(strncmp(p, "\"long_sz\"", 9) == 0 || strncmp(p, "\"nnnn", 5) == 0);
        folded += eol - p >= 2 && eol[-1] == '\\';
        p = eol + 2;
    }
    assert_true(folded > 40);
    free(text);
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_nested_keys_and_empty_ones(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_key(r, ROOT "\\empty");
    fake_reg_set_dword(r, ROOT "\\a\\b\\c\\d", "deep", 4);
    fake_reg_set_dword(r, ROOT "\\a\\B2", "x", 2);
    fake_reg_set_sz(r, ROOT "\\Z", "", "");
    fake_reg_set(r, ROOT "\\Z", "empty_bin", MEND_REG_BINARY, "", 0);
    fake_reg_set_sz(r, ROOT "\\Z", "empty_sz", "");
    assert_round_trip(r, ROOT);
    fake_reg_free(r);
}

static void test_round_trip_through_a_utf16_file(void **state)
{
    fake_reg *a = fake_reg_new();
    fake_reg_set_sz(a, ROOT "\\\xf0\x9f\x94\x91", "\xe2\x82\xac", "\xf0\x9f\x98\x80");
    fake_reg_set(a, ROOT, "m", MEND_REG_MULTI_SZ, "x\0y\0", 4);
    mend_host ha, hb;
    fake_reg_host(a, &ha);
    mend_err e;
    const char *file = MEND_TEST_TMP "/regfile_roundtrip.reg";
    assert_int_equal(mend_regfile_export(&ha, ROOT, file, &e), 0);
    fake_reg *b = fake_reg_new();
    fake_reg_host(b, &hb);
    if (mend_regfile_import(&hb, file, &e) != 0)
        fail_msg("import failed: %s", e.msg);
    char *da = fake_reg_dump(a), *db = fake_reg_dump(b);
    assert_string_equal(da, db);
    free(da);
    free(db);
    fake_reg_free(a);
    fake_reg_free(b);
}

/* Importing over existing data replaces values and leaves the others alone, as regedit does. */
static void test_import_merges_into_existing_keys(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, ROOT, "keep", "old");
    fake_reg_set_sz(r, ROOT, "change", "old");
    static const char text[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                               "[HKEY_LOCAL_MACHINE\\SOFTWARE\\RoundTrip]\r\n"
                               "\"change\"=dword:00000001\r\n";
    mend_regfile *rf;
    mend_err e;
    assert_int_equal(mend_regfile_parse((const unsigned char *)text, sizeof text - 1, &rf, &e), 0);
    assert_int_equal(mend_regfile_deletions(rf), 0);
    mend_host h;
    fake_reg_host(r, &h);
    assert_int_equal(mend_regfile_apply(rf, &h, &e), 0);
    mend_regfile_free(rf);
    char *d = fake_reg_dump(r);
    assert_string_equal(d, "[HKLM]\n[HKLM\\SOFTWARE]\n[HKLM\\SOFTWARE\\RoundTrip]\n"
                           "  \"keep\" type 1 size 3: 6f 6c 64\n"
                           "  \"change\" type 4 size 4: 01 00 00 00\n");
    free(d);
    fake_reg_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_value_type),
        cmocka_unit_test(test_round_trip_odd_strings),
        cmocka_unit_test(test_round_trip_awkward_names),
        cmocka_unit_test(test_round_trip_unicode_bmp_and_astral),
        cmocka_unit_test(test_round_trip_values_over_80_columns),
        cmocka_unit_test(test_round_trip_nested_keys_and_empty_ones),
        cmocka_unit_test(test_round_trip_through_a_utf16_file),
        cmocka_unit_test(test_import_merges_into_existing_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
