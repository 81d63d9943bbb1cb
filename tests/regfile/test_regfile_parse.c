/* The .reg reader: every encoding and syntax regedit accepts, and a line-numbered error for the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_registry.h"
#include "platform.h"
#include "regfile/regfile.h"

#define H5 "Windows Registry Editor Version 5.00\r\n\r\n"

static int load(fake_reg *r, const void *buf, size_t len, mend_err *e)
{
    mend_host h;
    fake_reg_host(r, &h);
    mend_regfile *rf;
    if (mend_regfile_parse(buf, len, &rf, e) != 0)
        return -1;
    int rc = mend_regfile_apply(rf, &h, e);
    mend_regfile_free(rf);
    return rc;
}

static void load_ok(fake_reg *r, const void *buf, size_t len)
{
    mend_err e;
    if (load(r, buf, len, &e) != 0)
        fail_msg("load failed: %s", e.msg);
}

#define LOAD_OK(r, lit) load_ok(r, lit, sizeof lit - 1)

/* The value as stored: type and bytes. */
static void assert_stored(fake_reg *r, const char *path, const char *name, uint32_t type, const void *data,
                         size_t size)
{
    mend_host h;
    fake_reg_host(r, &h);
    mend_regval v = { 0 };
    mend_err e;
    if (h.ops->reg.get(h.ctx, path, name, &v, &e) != 0)
        fail_msg("%s / %s: %s", path, name, e.msg);
    assert_int_equal(v.type, type);
    assert_int_equal(v.size, size);
    if (size)
        assert_memory_equal(v.data, data, size);
    mend_regval_clear(&v);
}

static bool key_exists(fake_reg *r, const char *path)
{
    mend_host h;
    fake_reg_host(r, &h);
    bool found = false;
    mend_err e;
    assert_int_equal(h.ops->reg.exists(h.ctx, path, &found, &e), 0);
    return found;
}

/* UTF-8 text -> UTF-16LE bytes with a BOM, as regedit saves. */
static unsigned char *to_utf16_file(const char *s, size_t *len)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(2 + n * 4);
    size_t k = 0;
    out[k++] = 0xFF;
    out[k++] = 0xFE;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        if (c < 0x80) {
            cp = c, i += 1;
        } else if (c < 0xE0) {
            cp = (c & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu), i += 2;
        } else if (c < 0xF0) {
            cp = (c & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu), i += 3;
        } else {
            cp = (c & 0x07u) << 18 | (s[i + 1] & 0x3Fu) << 12 | (s[i + 2] & 0x3Fu) << 6 | (s[i + 3] & 0x3Fu);
            i += 4;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            uint32_t hi = 0xD800 + (cp >> 10), lo = 0xDC00 + (cp & 0x3FF);
            out[k++] = (unsigned char)hi, out[k++] = (unsigned char)(hi >> 8);
            out[k++] = (unsigned char)lo, out[k++] = (unsigned char)(lo >> 8);
        } else {
            out[k++] = (unsigned char)cp, out[k++] = (unsigned char)(cp >> 8);
        }
    }
    *len = k;
    return out;
}

/* ---- what regedit accepts ---- */

static void test_parse_every_value_form(void **state)
{
    fake_reg *r = fake_reg_new();
    LOAD_OK(r, H5
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\T]\r\n"
            "@=\"def\"\r\n"
            "\"sz\"=\"a \\\"q\\\" \\\\ b\"\r\n"
            "\"dw\"=dword:0000002a\r\n"
            "\"dwshort\"=dword:FF\r\n"
            "\"bin\"=hex:de,ad,BE,EF\r\n"
            "\"exp\"=hex(2):25,00,41,00,25,00,00,00\r\n"
            "\"multi\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
            "\"q\"=hex(b):01,00,00,00,00,00,00,80\r\n"
            "\"none\"=hex(0):\r\n"
            "\"sz1\"=hex(1):68,00,69,00,0a,00,00,00\r\n"
            "\"odd\"=hex(1234abcd):05\r\n"
            "\"empty\"=\"\"\r\n"
            "\"ebin\"=hex:\r\n");
    const char *k = "HKLM\\SOFTWARE\\T";
    assert_stored(r, k, "", MEND_REG_SZ, "def", 3);
    assert_stored(r, k, "sz", MEND_REG_SZ, "a \"q\" \\ b", 9);
    assert_stored(r, k, "dw", MEND_REG_DWORD, "\x2a\0\0\0", 4);
    assert_stored(r, k, "dwshort", MEND_REG_DWORD, "\xff\0\0\0", 4);
    assert_stored(r, k, "bin", MEND_REG_BINARY, "\xde\xad\xbe\xef", 4);
    assert_stored(r, k, "exp", MEND_REG_EXPAND_SZ, "%A%", 3);
    assert_stored(r, k, "multi", MEND_REG_MULTI_SZ, "a\0bc\0", 5);
    assert_stored(r, k, "q", MEND_REG_QWORD, "\x01\0\0\0\0\0\0\x80", 8);
    assert_stored(r, k, "none", MEND_REG_NONE, "", 0);
    assert_stored(r, k, "sz1", MEND_REG_SZ, "hi\n", 3);
    assert_stored(r, k, "odd", 0x1234abcdu, "\x05", 1);
    assert_stored(r, k, "empty", MEND_REG_SZ, "", 0);
    assert_stored(r, k, "ebin", MEND_REG_BINARY, "", 0);
    fake_reg_free(r);
}

static void test_parse_lf_comments_blanks_short_roots_and_spacing(void **state)
{
    fake_reg *r = fake_reg_new();
    LOAD_OK(r, "\n  Windows Registry Editor Version 5.00  \n"
               "; a comment\n"
               "\n"
               "   [HKCU\\Software\\X]   \n"
               "  \"a\" = \"1\"  ; trailing comment\n"
               "\t@ =dword:1\n"
               "[hkey_users\\.DEFAULT\\Y]\n"
               "\"b\"=hex:01,  02 ,03,\n");
    assert_stored(r, "HKCU\\Software\\X", "a", MEND_REG_SZ, "1", 1);
    assert_stored(r, "HKCU\\Software\\X", "", MEND_REG_DWORD, "\x01\0\0\0", 4);
    assert_stored(r, "HKU\\.DEFAULT\\Y", "b", MEND_REG_BINARY, "\x01\x02\x03", 3);
    fake_reg_free(r);
}

static void test_parse_continuation_lines(void **state)
{
    fake_reg *r = fake_reg_new();
    LOAD_OK(r, H5 "[HKLM\\C]\r\n"
               "\"v\"=hex:01,02,\\\r\n"
               "  03,04,\\\r\n"
               "\t05\r\n"
               "\"w\"=hex:\\\r\n"
               "  aa\r\n");
    assert_stored(r, "HKLM\\C", "v", MEND_REG_BINARY, "\x01\x02\x03\x04\x05", 5);
    assert_stored(r, "HKLM\\C", "w", MEND_REG_BINARY, "\xaa", 1);
    fake_reg_free(r);
}

static void test_parse_utf16le_with_bom(void **state)
{
    fake_reg *r = fake_reg_new();
    size_t len;
    unsigned char *f = to_utf16_file(H5 "[HKEY_LOCAL_MACHINE\\caf\xc3\xa9]\r\n"
                                        "\"\xe2\x82\xac\"=\"\xf0\x9f\x98\x80\"\r\n\r\n", &len);
    load_ok(r, f, len);
    assert_stored(r, "HKLM\\caf\xc3\xa9", "\xe2\x82\xac", MEND_REG_SZ, "\xf0\x9f\x98\x80", 4);
    free(f);
    fake_reg_free(r);
}

static void test_parse_utf8_with_and_without_bom(void **state)
{
    fake_reg *r = fake_reg_new();
    LOAD_OK(r, "\xef\xbb\xbf" H5 "[HKLM\\U]\r\n\"\xc3\xa9\"=\"\xe2\x82\xac\"\r\n");
    LOAD_OK(r, H5 "[HKLM\\U]\r\n\"n\"=\"\xf0\x9f\x98\x80\"\r\n");
    assert_stored(r, "HKLM\\U", "\xc3\xa9", MEND_REG_SZ, "\xe2\x82\xac", 3);
    assert_stored(r, "HKLM\\U", "n", MEND_REG_SZ, "\xf0\x9f\x98\x80", 4);
    fake_reg_free(r);
}

static void test_parse_regedit4_single_byte_strings(void **state)
{
    fake_reg *r = fake_reg_new();
    /* An ANSI file: "café" in Windows-1252, and hex(2)/hex(7) with one byte per character. */
    LOAD_OK(r, "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\Old]\r\n"
               "\"s\"=\"caf\xe9 \x80\"\r\n"
               "\"e\"=hex(2):25,41,25,00\r\n"
               "\"m\"=hex(7):61,00,62,00,00\r\n"
               "\"d\"=dword:00000010\r\n");
    assert_stored(r, "HKLM\\Old", "s", MEND_REG_SZ, "caf\xc3\xa9 \xe2\x82\xac", 9);
    assert_stored(r, "HKLM\\Old", "e", MEND_REG_EXPAND_SZ, "%A%", 3);
    assert_stored(r, "HKLM\\Old", "m", MEND_REG_MULTI_SZ, "a\0b\0", 4);
    assert_stored(r, "HKLM\\Old", "d", MEND_REG_DWORD, "\x10\0\0\0", 4);
    fake_reg_free(r);
}

static void test_parse_deletions_of_keys_and_values(void **state)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, "HKLM\\D\\Gone\\Deep", "x", "1");
    fake_reg_set_sz(r, "HKLM\\D\\Keep", "v", "1");
    fake_reg_set_sz(r, "HKLM\\D\\Keep", "w", "2");
    fake_reg_set_sz(r, "HKLM\\D\\Keep", "", "3");
    static const char text[] = H5
        "[-HKEY_LOCAL_MACHINE\\D\\Gone]\r\n"
        "[-HKEY_LOCAL_MACHINE\\D\\NeverWas]\r\n"
        "[HKEY_LOCAL_MACHINE\\D\\Keep]\r\n"
        "\"v\"=-\r\n"
        "@=-\r\n"
        "\"absent\"=-\r\n";
    mend_regfile *rf;
    mend_err e;
    assert_int_equal(mend_regfile_parse((const unsigned char *)text, sizeof text - 1, &rf, &e), 0);
    assert_int_equal(mend_regfile_deletions(rf), 5);
    mend_host h;
    fake_reg_host(r, &h);
    assert_int_equal(mend_regfile_apply(rf, &h, &e), 0);
    mend_regfile_free(rf);
    assert_false(key_exists(r, "HKLM\\D\\Gone"));
    assert_true(key_exists(r, "HKLM\\D\\Keep"));
    char *dump = fake_reg_dump(r);
    assert_string_equal(dump, "[HKLM]\n[HKLM\\D]\n[HKLM\\D\\Keep]\n  \"w\" type 1 size 1: 32\n");
    free(dump);
    fake_reg_free(r);
}

static void test_parse_4k_names(void **state)
{
    size_t n = 5000;
    char *name = malloc(n + 1);
    memset(name, 'k', n);
    name[n] = '\0';
    size_t cap = 3 * n + 200, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, H5 "[HKLM\\%s]\r\n\"%s\"=\"%s\"\r\n", name, name, name);
    fake_reg *r = fake_reg_new();
    load_ok(r, text, len);
    char path[5010];
    snprintf(path, sizeof path, "HKLM\\%s", name);
    assert_stored(r, path, name, MEND_REG_SZ, name, n);
    free(text);
    free(name);
    fake_reg_free(r);
}

static void test_parse_key_names_with_brackets(void **state)
{
    fake_reg *r = fake_reg_new();
    LOAD_OK(r, H5 "[HKLM\\a[b]c]]\r\n\"[x]\"=\"]\"\r\n");
    assert_stored(r, "HKLM\\a[b]c]", "[x]", MEND_REG_SZ, "]", 1);
    fake_reg_free(r);
}

/* ---- and everything else: an error naming the line, nothing applied ---- */

static void expect_invalid_n(const void *buf, size_t len, int line, const char *words)
{
    fake_reg *r = fake_reg_new();
    fake_reg_set_sz(r, "HKLM\\A", "v", "before");
    char *before = fake_reg_dump(r);
    mend_err e;
    assert_int_equal(load(r, buf, len, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %d: ", line);
    if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, words))
        fail_msg("expected '%s...%s', got '%s'", prefix, words, e.msg);
    char *after = fake_reg_dump(r);
    assert_string_equal(before, after);
    assert_int_equal(fake_reg_writes(r), 0);
    free(before);
    free(after);
    fake_reg_free(r);
}

#define EXPECT_INVALID(lit, line, words) expect_invalid_n(lit, sizeof lit - 1, line, words)

/* Each bad file starts with lines that would change the registry, to show nothing is applied. */
#define GOOD H5 "[HKLM\\A]\r\n\"v\"=\"after\"\r\n[-HKLM\\A]\r\n"

static void test_invalid_missing_header(void **state)
{
    EXPECT_INVALID("[HKEY_LOCAL_MACHINE\\A]\r\n\"v\"=\"x\"\r\n", 1, "header");
    EXPECT_INVALID("Windows Registry Editor Version 4.00\r\n[HKLM\\A]\r\n", 1, "header");
    EXPECT_INVALID("", 1, "header");
    EXPECT_INVALID("\r\n\r\n", 2, "header");
}

static void test_invalid_missing_bracket(void **state)
{
    EXPECT_INVALID(GOOD "[HKEY_LOCAL_MACHINE\\B\r\n", 6, "missing ']'");
    EXPECT_INVALID(GOOD "[HKLM\\B] x\r\n", 6, "after ']'");
    EXPECT_INVALID(GOOD "[]\r\n", 6, "empty key");
    EXPECT_INVALID(GOOD "[HKLM\\a\\\\b]\r\n", 6, "empty key name");
    EXPECT_INVALID(GOOD "[HKLM\\a\\]\r\n", 6, "empty key name");
}

static void test_invalid_bad_dword(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"d\"=dword:123456789\r\n", 7, "dword");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"d\"=dword:\r\n", 7, "dword");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"d\"=dword:12g4\r\n", 7, "dword");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"d\"=dword:-1\r\n", 7, "dword");
}

static void test_invalid_odd_hex(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,2,03\r\n", 7, "two hex digits");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:012\r\n", 7, "two hex digits");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,\\\r\n  0\r\n", 8, "two hex digits");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01 02\r\n", 7, "','");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:0x\r\n", 7, "hex");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex(2):41,00,42\r\n", 7, "odd number of bytes");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex(zz):00\r\n", 7, "hex(N)");
}

static void test_invalid_unterminated_string(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=\"abc\r\n", 7, "unterminated string");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=\"abc\\\"\r\n", 7, "unterminated string");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s=\"abc\"", 7, "expected '='");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"name", 7, "unterminated string in the value name");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=\"a\" b\r\n", 7, "after the closing");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=\"a\\tb\"\r\n", 7, "escape");
}

static void test_invalid_expected_equals(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\" \"x\"\r\n", 7, "expected '=' after the value name");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n@\r\n", 7, "expected '='");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=\r\n", 7, "missing value data");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"s\"=str:\"x\"\r\n", 7, "unknown value data");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\nHKLM\\x=1\r\n", 7, "unexpected text");
}

static void test_invalid_dangling_continuation(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,\\", 7, "file ends");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,\\\r\n", 7, "file ends");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,\\\r\n\r\n\"x\"=\"y\"\r\n", 7, "next line is empty");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"h\"=hex:01,\\ x\r\n  02\r\n", 7, "after the continuation");
}

static void test_invalid_value_before_key(void **state)
{
    EXPECT_INVALID(H5 "\"v\"=\"x\"\r\n[HKLM\\A]\r\n", 3, "before any [KEY]");
    EXPECT_INVALID(H5 "@=\"x\"\r\n", 3, "before any [KEY]");
    EXPECT_INVALID(GOOD "[-HKLM\\B]\r\n\"v\"=\"x\"\r\n", 7, "deletes");
}

static void test_invalid_unknown_root(void **state)
{
    EXPECT_INVALID(GOOD "[HKEY_NOWHERE\\A]\r\n", 6, "unknown root key 'HKEY_NOWHERE'");
    EXPECT_INVALID(GOOD "[-HKEY_LOCAL_MACHINEX]\r\n", 6, "unknown root");
    EXPECT_INVALID(GOOD "[-HKEY_LOCAL_MACHINE]\r\n", 6, "root key cannot be deleted");
}

static void test_invalid_lone_carriage_return(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\a\rb]\r\n", 6, "carriage return");
}

static void test_invalid_nul_in_utf8(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"v\"=\"a\0b\"\r\n", 7, "NUL");
}

static void test_invalid_utf8(void **state)
{
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"v\"=\"\xff\"\r\n", 7, "invalid UTF-8");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"v\"=\"\xed\xa0\x80\"\r\n", 7, "invalid UTF-8");
    EXPECT_INVALID(GOOD "[HKLM\\B]\r\n\"v\"=\"\xc0\xaf\"\r\n", 7, "invalid UTF-8");
}

static void test_invalid_truncated_utf16(void **state)
{
    size_t len;
    unsigned char *f = to_utf16_file(GOOD "[HKLM\\B]\r\n\"v\"=\"x\"", &len);
    expect_invalid_n(f, len - 1, 7, "odd byte count");
    free(f);
    f = to_utf16_file(GOOD "[HKLM\\B]\r\n\"v\"=\"x", &len);
    expect_invalid_n(f, len, 7, "unterminated string");
    free(f);
    static const unsigned char be[] = { 0xFE, 0xFF, 0, 'W' };
    expect_invalid_n(be, sizeof be, 1, "big-endian");
}

static void test_import_names_the_file(void **state)
{
    const char *file = MEND_TEST_TMP "/regfile_bad_import.reg";
    static const char text[] = H5 "[HKLM\\A]\r\n\"v\"=dword:xyz\r\n";
    mend_err e;
    assert_int_equal(mend_write_file_atomic(file, text, sizeof text - 1, &e), 0);
    fake_reg *r = fake_reg_new();
    mend_host h;
    fake_reg_host(r, &h);
    assert_int_equal(mend_regfile_import(&h, file, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    assert_non_null(strstr(e.msg, "regfile_bad_import.reg: line 4: bad dword"));
    assert_int_equal(fake_reg_writes(r), 0);
    assert_int_equal(mend_regfile_import(&h, MEND_TEST_TMP "/no-such-file.reg", &e), -1);
    assert_true(e.code == MEND_E_IO || e.code == MEND_E_NOT_FOUND);
    fake_reg_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_value_form),
        cmocka_unit_test(test_parse_lf_comments_blanks_short_roots_and_spacing),
        cmocka_unit_test(test_parse_continuation_lines),
        cmocka_unit_test(test_parse_utf16le_with_bom),
        cmocka_unit_test(test_parse_utf8_with_and_without_bom),
        cmocka_unit_test(test_parse_regedit4_single_byte_strings),
        cmocka_unit_test(test_parse_deletions_of_keys_and_values),
        cmocka_unit_test(test_parse_4k_names),
        cmocka_unit_test(test_parse_key_names_with_brackets),
        cmocka_unit_test(test_invalid_missing_header),
        cmocka_unit_test(test_invalid_missing_bracket),
        cmocka_unit_test(test_invalid_bad_dword),
        cmocka_unit_test(test_invalid_odd_hex),
        cmocka_unit_test(test_invalid_unterminated_string),
        cmocka_unit_test(test_invalid_expected_equals),
        cmocka_unit_test(test_invalid_dangling_continuation),
        cmocka_unit_test(test_invalid_value_before_key),
        cmocka_unit_test(test_invalid_unknown_root),
        cmocka_unit_test(test_invalid_lone_carriage_return),
        cmocka_unit_test(test_invalid_nul_in_utf8),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_invalid_truncated_utf16),
        cmocka_unit_test(test_import_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
