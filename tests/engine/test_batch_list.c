/* Batch lists: comments, blanks, CRLF, BOM, trimming, duplicates, Unicode kept, bad bytes named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_list.h"

static char **g_names;
static size_t g_n;
static mend_err g_e;

static int parse(const char *buf, size_t len)
{
    return mend_batch_parse(buf, len, &g_names, &g_n, &g_e);
}

#define PARSE_STR(s) parse((s), sizeof(s) - 1)

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_n; i++)
        free(g_names[i]);
    free(g_names);
    g_names = NULL;
    g_n = 0;
    return 0;
}

static void test_batch_comments_blanks_and_trimming(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("# stuck on srv-12\n\n  Corp-QM  \n\t# indented comment\nBranch QM\n   \n"), 0);
    assert_int_equal(g_n, 2);
    assert_string_equal(g_names[0], "Corp-QM");
    assert_string_equal(g_names[1], "Branch QM");
}

static void test_batch_crlf_and_no_final_newline(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("A\r\nB\r\nC"), 0);
    assert_int_equal(g_n, 3);
    assert_string_equal(g_names[0], "A");
    assert_string_equal(g_names[1], "B");
    assert_string_equal(g_names[2], "C");
}

static void test_batch_bom_is_skipped(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("\xEF\xBB\xBF" "First\nSecond\n"), 0);
    assert_int_equal(g_n, 2);
    assert_string_equal(g_names[0], "First");
    teardown(NULL);
    /* Two lists saved by Notepad and joined (cat a.txt b.txt): the second BOM starts a line. An
     * invisible U+FEFF would make "VPN-Tunnel" not_found beside "Did you mean: VPN-Tunnel?". */
    assert_int_equal(PARSE_STR("\xEF\xBB\xBF" "First\r\n" "\xEF\xBB\xBF" "Second\r\n"), 0);
    assert_int_equal(g_n, 2);
    assert_string_equal(g_names[1], "Second");
}

/* Windows PowerShell 5.1 writes `>` and Out-File as UTF-16LE with a BOM: such a list reads as
 * its names; big-endian is named, not misread. */
static void test_batch_utf16le_with_bom_is_read(void **state)
{
    (void)state;
    /* "Corp-QM\r\nZ\u00fcrich \u6771\r\n" */
    static const char u16[] = "\xFF\xFE" "C\0o\0r\0p\0-\0Q\0M\0\r\0\n\0" "Z\0\xFC\0r\0i\0c\0h\0 \0\x71\x67\r\0\n\0";
    assert_int_equal(parse(u16, sizeof u16 - 1), 0);
    assert_int_equal(g_n, 2);
    assert_string_equal(g_names[0], "Corp-QM");
    assert_string_equal(g_names[1], "Z\xC3\xBCrich \xE6\x9D\xB1");
    teardown(NULL);
    assert_int_equal(PARSE_STR("\xFE\xFF\0C\0o"), -1);
    assert_non_null(strstr(g_e.msg, "big-endian"));
    assert_int_equal(PARSE_STR("\xFF\xFE" "C\0o"), -1); /* an odd byte: cut short */
    assert_non_null(strstr(g_e.msg, "UTF-16"));
}

static void test_batch_duplicates_merged_in_first_seen_order(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("B\nA\nB\n  A\nC\n"), 0);
    assert_int_equal(g_n, 3);
    assert_string_equal(g_names[0], "B");
    assert_string_equal(g_names[1], "A");
    assert_string_equal(g_names[2], "C");
}

static void test_batch_quotes_hash_and_unicode_kept(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("\"Quoted\" QM\nQM #2\nZürich–Ost 東京\n"), 0);
    assert_int_equal(g_n, 3);
    assert_string_equal(g_names[0], "\"Quoted\" QM");
    assert_string_equal(g_names[1], "QM #2");
    assert_string_equal(g_names[2], "Zürich–Ost 東京");
}

static void test_batch_invalid_utf8_names_the_line(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("ok\nalso ok\nbad \xC3\x28 name\n"), -1);
    assert_int_equal(g_e.code, MEND_E_INVALID);
    assert_non_null(strstr(g_e.msg, "line 3"));
    assert_non_null(strstr(g_e.msg, "UTF-8"));
    /* Overlong encodings and surrogates are not UTF-8 either. */
    assert_int_equal(PARSE_STR("\xC0\xAF\n"), -1);
    assert_int_equal(PARSE_STR("\xED\xA0\x80\n"), -1);
}

static void test_batch_nul_byte_names_the_line(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("one\ntw\0o\n"), -1);
    assert_non_null(strstr(g_e.msg, "line 2"));
    assert_non_null(strstr(g_e.msg, "NUL"));
}

static void test_batch_long_names_and_many_lines(void **state)
{
    (void)state;
    size_t namelen = 100000;
    size_t lines = 20000;
    char *buf = malloc(namelen + 1 + lines * 12);
    memset(buf, 'x', namelen);
    size_t len = namelen;
    buf[len++] = '\n';
    for (size_t i = 0; i < lines; i++)
        len += (size_t)sprintf(buf + len, "p%09zu\n", i % 10000);
    assert_int_equal(parse(buf, len), 0);
    free(buf);
    assert_int_equal(g_n, 10001);
    assert_int_equal(strlen(g_names[0]), namelen);
    assert_string_equal(g_names[10000], "p000009999");
}

static void test_batch_empty_input(void **state)
{
    (void)state;
    assert_int_equal(PARSE_STR("# nothing\n\n"), 0);
    assert_int_equal(g_n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_batch_comments_blanks_and_trimming, teardown),
        cmocka_unit_test_teardown(test_batch_crlf_and_no_final_newline, teardown),
        cmocka_unit_test_teardown(test_batch_bom_is_skipped, teardown),
        cmocka_unit_test_teardown(test_batch_utf16le_with_bom_is_read, teardown),
        cmocka_unit_test_teardown(test_batch_duplicates_merged_in_first_seen_order, teardown),
        cmocka_unit_test_teardown(test_batch_quotes_hash_and_unicode_kept, teardown),
        cmocka_unit_test_teardown(test_batch_invalid_utf8_names_the_line, teardown),
        cmocka_unit_test_teardown(test_batch_nul_byte_names_the_line, teardown),
        cmocka_unit_test_teardown(test_batch_long_names_and_many_lines, teardown),
        cmocka_unit_test_teardown(test_batch_empty_input, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
