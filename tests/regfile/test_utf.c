/* UTF-8 validation and the UTF-8 <-> UTF-16 conversions .reg files and Windows paths rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf.h"

#define VALID(lit) mend_utf8_valid(lit, sizeof lit - 1)

static void test_utf8_accepts_ascii_bmp_and_astral(void **state)
{
    assert_true(VALID(""));
    assert_true(VALID("plain ascii"));
    assert_true(VALID("caf\xc3\xa9 \xe2\x82\xac"));          /* é € */
    assert_true(VALID("\xf0\x9f\x98\x80"));                    /* U+1F600 */
    assert_true(VALID("\xf4\x8f\xbf\xbf"));                    /* U+10FFFF */
    assert_true(VALID("a\0b"));                                /* NUL is a character */
}

static void test_utf8_rejects_overlongs_surrogates_and_out_of_range(void **state)
{
    assert_false(VALID("\xc0\xaf"));                           /* overlong '/' */
    assert_false(VALID("\xe0\x80\xaf"));                       /* overlong, 3 bytes */
    assert_false(VALID("\xf0\x80\x80\xaf"));                   /* overlong, 4 bytes */
    assert_false(VALID("\xed\xa0\x80"));                       /* U+D800 */
    assert_false(VALID("\xed\xbf\xbf"));                       /* U+DFFF */
    assert_false(VALID("\xf4\x90\x80\x80"));                   /* U+110000 */
    assert_false(VALID("\xf5\x80\x80\x80"));
    assert_false(VALID("\xff"));
    assert_false(VALID("\x80"));                               /* stray continuation */
    assert_false(VALID("\xe2\x82"));                           /* truncated */
    assert_false(VALID("\xc3\x28"));                           /* bad continuation */
}

/* Long ASCII runs are checked eight bytes at a time: a bad byte or a good sequence at any
 * offset, and a sequence cut by the end, are still seen. */
static void test_utf8_finds_a_bad_byte_at_any_offset_in_ascii(void **state)
{
    (void)state;
    char buf[40];
    for (size_t at = 0; at < 32; at++) {
        memset(buf, 'a', sizeof buf);
        buf[at] = (char)0xFF;
        assert_false(mend_utf8_valid(buf, sizeof buf));
        memset(buf, 'a', sizeof buf);
        memcpy(buf + at, "\xC3\xA9", 2);   /* é */
        assert_true(mend_utf8_valid(buf, sizeof buf));
        assert_false(mend_utf8_valid(buf, at + 1));   /* cut after its first byte */
        buf[at + 1] = 'b';                          /* no continuation byte */
        assert_false(mend_utf8_valid(buf, sizeof buf));
    }
    assert_true(mend_utf8_valid("HKLM\\SOFTWARE\0with a NUL", 22));
}

static void test_utf8_to_utf16_makes_surrogate_pairs(void **state)
{
    uint16_t *w;
    size_t n;
    assert_int_equal(mend_utf8_to_utf16("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10, &w, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(w[0], 0x41);
    assert_int_equal(w[1], 0xE9);
    assert_int_equal(w[2], 0x20AC);
    assert_int_equal(w[3], 0xD83D);
    assert_int_equal(w[4], 0xDE00);
    assert_int_equal(w[5], 0);
    free(w);
}

static void test_utf8_to_utf16_refuses_invalid_input(void **state)
{
    uint16_t *w = (uint16_t *)1;
    size_t n = 7;
    assert_int_equal(mend_utf8_to_utf16("ok\xed\xa0\x80", 5, &w, &n), -1);
    assert_null(w);
}

static void test_utf16_to_utf8_round_trips_and_replaces_lone_surrogates(void **state)
{
    const uint16_t w[] = { 0x41, 0xE9, 0x20AC, 0xD83D, 0xDE00, 0 };
    char *s;
    size_t n;
    assert_int_equal(mend_utf16_to_utf8(w, 5, &s, &n), 0);
    assert_int_equal(n, 10);
    assert_memory_equal(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10);
    assert_int_equal(s[n], '\0');
    free(s);

    const uint16_t lone[] = { 0xD800, 0x41, 0xDC00 };
    assert_int_equal(mend_utf16_to_utf8(lone, 3, &s, &n), 0);
    assert_string_equal(s, "\xef\xbf\xbd" "A" "\xef\xbf\xbd");
    free(s);
}

static void test_empty_conversions(void **state)
{
    uint16_t *w;
    char *s;
    size_t n = 9;
    assert_int_equal(mend_utf8_to_utf16("", 0, &w, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(w[0], 0);
    assert_int_equal(mend_utf16_to_utf8(w, 0, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_string_equal(s, "");
    free(w);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_ascii_bmp_and_astral),
        cmocka_unit_test(test_utf8_rejects_overlongs_surrogates_and_out_of_range),
        cmocka_unit_test(test_utf8_finds_a_bad_byte_at_any_offset_in_ascii),
        cmocka_unit_test(test_utf8_to_utf16_makes_surrogate_pairs),
        cmocka_unit_test(test_utf8_to_utf16_refuses_invalid_input),
        cmocka_unit_test(test_utf16_to_utf8_round_trips_and_replaces_lone_surrogates),
        cmocka_unit_test(test_empty_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
