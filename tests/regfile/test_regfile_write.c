/* The .reg writer produces regedit's export byte for byte: header, sections, escaping, folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"
#include "fake_registry.h"
#include "regfile/regfile.h"

/* Not inlined: GCC's -O3 dangling-pointer check takes `text` for the caller's local. */
#ifdef __GNUC__
__attribute__((noinline))
#endif
static char *render(fake_reg *r, const char *path)
{
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    char *text = NULL;
    size_t len = 0;
    int rc = mend_regfile_render(&h, path, &text, &len, &e);
    if (rc != 0)
        fail_msg("render failed: %s", e.msg);
    assert_int_equal(strlen(text), len);
    return text;
}

static void build_known_tree(fake_reg *r)
{
    const char *k = "HKLM\\SOFTWARE\\Mend";
    fake_reg_set_sz(r, k, "", "default");
    fake_reg_set_sz(r, k, "Name", "say \"hi\" to C:\\temp");
    fake_reg_set_dword(r, k, "Count", 42);
    fake_reg_set(r, k, "Bin", MEND_REG_BINARY, "\x01\x02\xff", 3);
    fake_reg_set(r, k, "Path", MEND_REG_EXPAND_SZ, "%SR%", 4);
    fake_reg_set(r, k, "List", MEND_REG_MULTI_SZ, "a\0b\0", 4);
    fake_reg_set(r, k, "Big", MEND_REG_QWORD, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    fake_reg_set(r, k, "None", MEND_REG_NONE, "", 0);
    fake_reg_set_sz(r, k, "Lines", "a\r\nb");
    fake_reg_set(r, k, "Odd", 0x99, "\x01", 1);
    unsigned char big[40];
    for (int i = 0; i < 40; i++)
        big[i] = (unsigned char)i;
    fake_reg_set(r, k, "Long", MEND_REG_BINARY, big, sizeof big);
    fake_reg_key(r, "HKLM\\SOFTWARE\\Mend\\Sub\\beta");
    fake_reg_set_dword(r, "HKLM\\SOFTWARE\\Mend\\Sub\\Alpha", "x", 1);
    fake_reg_set_sz(r, "HKLM\\SOFTWARE\\Other", "not", "exported");
}

static const char golden[] =
    "Windows Registry Editor Version 5.00\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Mend]\r\n"
    "@=\"default\"\r\n"
    "\"Name\"=\"say \\\"hi\\\" to C:\\\\temp\"\r\n"
    "\"Count\"=dword:0000002a\r\n"
    "\"Bin\"=hex:01,02,ff\r\n"
    "\"Path\"=hex(2):25,00,53,00,52,00,25,00,00,00\r\n"
    "\"List\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"
    "\"Big\"=hex(b):08,07,06,05,04,03,02,01\r\n"
    "\"None\"=hex(0):\r\n"
    "\"Lines\"=hex(1):61,00,0d,00,0a,00,62,00,00,00\r\n"
    "\"Odd\"=hex(99):01\r\n"
    "\"Long\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,\\\r\n"
    "  16,17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Mend\\Sub]\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Mend\\Sub\\Alpha]\r\n"
    "\"x\"=dword:00000001\r\n"
    "\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Mend\\Sub\\beta]\r\n"
    "\r\n";

static void test_render_known_tree_matches_regedit_byte_for_byte(void **state)
{
    fake_reg *r = fake_reg_new();
    build_known_tree(r);
    char *text = render(r, "HKLM\\SOFTWARE\\Mend");
    assert_string_equal(text, golden);
    free(text);
    fake_reg_free(r);
}

static void test_render_accepts_long_root_names(void **state)
{
    fake_reg *r = fake_reg_new();
    build_known_tree(r);
    char *text = render(r, "hkey_local_machine\\SOFTWARE\\Mend");
    assert_string_equal(text, golden);
    free(text);
    fake_reg_free(r);
}

/* Continuation lines hold 25 bytes; the first line's share depends on the name's length. */
static void test_render_folds_every_line_at_regedit_width(void **state)
{
    fake_reg *r = fake_reg_new();
    unsigned char d[100];
    memset(d, 0xab, sizeof d);
    fake_reg_set(r, "HKCU\\F", "ipsecData", MEND_REG_BINARY, d, sizeof d);
    char *text = render(r, "HKCU\\F");
    const char *v = strstr(text, "\"ipsecData\"");
    assert_non_null(v);
    /* 16 columns of prefix, 21 bytes, then 25 per line: 21 + 25 + 25 + 25 + 4. */
    const char *expect_lens[] = { "\"ipsecData\"=hex:", "  ", "  ", "  ", "  " };
    size_t bytes[] = { 21, 25, 25, 25, 4 };
    const char *p = v;
    for (int i = 0; i < 5; i++) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        size_t want = strlen(expect_lens[i]) + bytes[i] * 3 - (i == 4 ? 1 : 0) + (i == 4 ? 0 : 1);
        assert_int_equal((size_t)(eol - p), want);
        assert_true(eol - p <= 80);
        assert_memory_equal(p, expect_lens[i], strlen(expect_lens[i]));
        if (i < 4)
            assert_memory_equal(eol - 2, ",\\", 2);
        p = eol + 2;
    }
    assert_string_equal(p, "\r\n");
    free(text);
    fake_reg_free(r);
}

static void test_render_default_value_empty_string_and_empty_binary(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, "HKU\\S-1\\K", "", "");
    fake_reg_set_sz(r, "HKU\\S-1\\K", "empty", "");
    fake_reg_set(r, "HKU\\S-1\\K", "bin", MEND_REG_BINARY, "", 0);
    fake_reg_set(r, "HKU\\S-1\\K", "ml", MEND_REG_MULTI_SZ, "", 0);
    char *text = render(r, "HKU\\S-1\\K");
    assert_string_equal(text,
                        "Windows Registry Editor Version 5.00\r\n\r\n"
                        "[HKEY_USERS\\S-1\\K]\r\n"
                        "@=\"\"\r\n"
                        "\"empty\"=\"\"\r\n"
                        "\"bin\"=hex:\r\n"
                        "\"ml\"=hex(7):00,00\r\n"
                        "\r\n");
    free(text);
    fake_reg_free(r);
}

static void test_render_escapes_names_and_keeps_unicode(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, "HKCR\\caf\xc3\xa9", "a\"b\\c=[d]", "\xf0\x9f\x98\x80");
    char *text = render(r, "HKCR\\caf\xc3\xa9");
    assert_string_equal(text,
                        "Windows Registry Editor Version 5.00\r\n\r\n"
                        "[HKEY_CLASSES_ROOT\\caf\xc3\xa9]\r\n"
                        "\"a\\\"b\\\\c=[d]\"=\"\xf0\x9f\x98\x80\"\r\n"
                        "\r\n");
    free(text);
    fake_reg_free(r);
}

static void test_render_dword_of_wrong_size_goes_hex(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set(r, "HKCC\\D", "short", MEND_REG_DWORD, "\x01\x02", 2);
    char *text = render(r, "HKCC\\D");
    assert_non_null(strstr(text, "\"short\"=hex(4):01,02\r\n"));
    free(text);
    fake_reg_free(r);
}

static void test_render_missing_key_is_not_found(void **state)
{
    fake_reg *r = fake_reg_new();
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    char *text = (char *)1;
    assert_int_equal(mend_regfile_render(&h, "HKLM\\Nope", &text, NULL, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_null(text);
    assert_int_equal(mend_regfile_render(&h, "HKXX\\Nope", &text, NULL, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    fake_reg_free(r);
}

static void test_render_refuses_invalid_utf8_text(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set(r, "HKLM\\B", "bad", MEND_REG_EXPAND_SZ, "\xff", 1);
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    char *text;
    assert_int_equal(mend_regfile_render(&h, "HKLM\\B", &text, NULL, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "bad"));
    fake_reg_free(r);
}

static void test_export_writes_utf16le_with_bom(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, "HKLM\\E", "\xe2\x82\xac", "\xf0\x9f\x98\x80");
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    const char *file = MEND_TEST_TMP "/regfile_export.reg";
    assert_int_equal(mend_regfile_export(&h, "HKLM\\E", file, &e), 0);
    char *data;
    size_t len;
    assert_int_equal(mend_read_file(file, &data, &len, &e), 0);
    const char *text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\E]\r\n\"";
    size_t tl = strlen(text);
    assert_true(len > 2 + tl * 2);
    assert_memory_equal(data, "\xff\xfe", 2);
    for (size_t i = 0; i < tl; i++) {
        assert_int_equal((unsigned char)data[2 + 2 * i], (unsigned char)text[i]);
        assert_int_equal(data[3 + 2 * i], 0);
    }
    /* then the euro sign as one unit and the emoji as a surrogate pair */
    assert_memory_equal(data + 2 + tl * 2, "\xac\x20\"\0=\0\"\0\x3d\xd8\x00\xde\"\0\r\0\n\0\r\0\n\0", 22);
    assert_int_equal(len, 2 + tl * 2 + 22);
    free(data);
    fake_reg_free(r);
}

static void test_export_to_unwritable_place_fails(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_key(r, "HKLM\\E");
    mend_host h;
    fake_reg_host(r, &h);
    mend_err e;
    assert_int_equal(mend_regfile_export(&h, "HKLM\\E", MEND_TEST_TMP "/no/such/dir/x.reg", &e), -1);
    assert_int_equal(e.code, MEND_E_IO);
    fake_reg_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_known_tree_matches_regedit_byte_for_byte),
        cmocka_unit_test(test_render_accepts_long_root_names),
        cmocka_unit_test(test_render_folds_every_line_at_regedit_width),
        cmocka_unit_test(test_render_default_value_empty_string_and_empty_binary),
        cmocka_unit_test(test_render_escapes_names_and_keeps_unicode),
        cmocka_unit_test(test_render_dword_of_wrong_size_goes_hex),
        cmocka_unit_test(test_render_missing_key_is_not_found),
        cmocka_unit_test(test_render_refuses_invalid_utf8_text),
        cmocka_unit_test(test_export_writes_utf16le_with_bom),
        cmocka_unit_test(test_export_to_unwritable_place_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
