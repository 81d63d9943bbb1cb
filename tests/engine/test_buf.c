/* The growable buffer: text of any length, always terminated, and a failure that sticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void test_appends_build_one_terminated_text(void **state)
{
    mend_buf b = { 0 };
    mend_buf_str(&b, "HKLM");
    mend_buf_byte(&b, '\\');
    mend_buf_add(&b, "SOFTWARE\0junk", 8);
    mend_buf_printf(&b, " [%s=%d]", "v", 42);
    size_t len = 0;
    char *s = mend_buf_take(&b, &len);
    assert_string_equal(s, "HKLM\\SOFTWARE [v=42]");
    assert_int_equal(len, strlen(s));
    assert_null(b.p);   /* taken: the buffer is empty again */
    free(s);
}

static void test_long_formatted_text_is_kept_whole(void **state)
{
    char word[2000];
    memset(word, 'x', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    mend_buf b = { 0 };
    for (int i = 0; i < 50; i++)
        mend_buf_printf(&b, "%s|", word);
    size_t len = 0;
    char *s = mend_buf_take(&b, &len);
    assert_int_equal(len, 50 * sizeof word);
    assert_int_equal(s[len], '\0');
    assert_int_equal(s[sizeof word - 1], '|');
    free(s);
}

static void test_nothing_appended_is_an_empty_text(void **state)
{
    mend_buf b = { 0 };
    char *s = mend_buf_take(&b, NULL);
    assert_string_equal(s, "");
    free(s);
}

static void test_a_failed_growth_loses_the_whole_text(void **state)
{
    mend_buf b = { 0 };
    mend_buf_str(&b, "start");
    mend_buf_add(&b, "x", SIZE_MAX / 2);   /* cannot be held: no partial text afterwards */
    assert_true(b.failed);
    mend_buf_str(&b, "more");
    size_t len = 7;
    assert_null(mend_buf_take(&b, &len));
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_build_one_terminated_text),
        cmocka_unit_test(test_long_formatted_text_is_kept_whole),
        cmocka_unit_test(test_nothing_appended_is_an_empty_text),
        cmocka_unit_test(test_a_failed_growth_loses_the_whole_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
