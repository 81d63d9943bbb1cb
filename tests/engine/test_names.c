/* Windows names compare without case, ASCII letters only, and registry roots are one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ascii.h"
#include "host.h"

static void test_names_compare_without_ascii_case(void **state)
{
    assert_true(mend_ascii_ieq("PolicyAgent", "policyagent"));
    assert_false(mend_ascii_ieq("PolicyAgent", "PolicyAgen"));
    assert_int_equal(mend_ascii_casecmp("VPNAGENT.EXE", "vpnagent.exe"), 0);
    assert_true(mend_ascii_casecmp("a", "B") < 0);
    assert_true(mend_ascii_casecmp("b", "A") > 0);
    assert_int_equal(mend_ascii_ncasecmp("ipsecPolicy{X}", "IPSECPOLICY", 11), 0);
    assert_true(mend_ascii_ncasecmp("ipsec", "ipsecPolicy", 11) != 0);
    assert_true(mend_ascii_istarts("DWORD:0000", 10, "dword:"));
    assert_false(mend_ascii_istarts("dwo", 3, "dword:"));
}

static void test_names_sharing_a_long_prefix_order_by_their_first_difference(void **state)
{
    /* Registry paths and handle names share long prefixes: equal bytes are skipped, and the
     * first byte that differs after folding decides, as strcmp of the folded strings would. */
    const char *a = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{0a}";
    const char *b = "hklm\\software\\policies\\microsoft\\windows\\ipsec\\policy\\local\\IPSECPOLICY{0B}";
    assert_true(mend_ascii_casecmp(a, b) < 0);
    assert_true(mend_ascii_casecmp(b, a) > 0);
    assert_int_equal(mend_ascii_casecmp(a, a), 0);
    assert_true(mend_ascii_casecmp("Policy", "PolicyAgent") < 0);   /* a prefix comes first */
    assert_true(mend_ascii_casecmp("PolicyAgent", "POLICY") > 0);
    assert_int_equal(mend_ascii_ncasecmp("Local", "LOCAL", 100), 0);   /* stops at the end */
    assert_int_equal(mend_ascii_ncasecmp(a, b, strlen(a) - 3), 0);
    assert_true(mend_ascii_ncasecmp(a, b, strlen(a)) < 0);
}

static void test_only_ascii_letters_fold(void **state)
{
    /* UTF-8 bytes and punctuation stay as they are: no locale decides what a name is. */
    assert_false(mend_ascii_ieq("\xc3\x89t\xc3\xa9", "\xc3\xa9t\xc3\xa9"));   /* Été / été */
    assert_false(mend_ascii_ieq("[", "{"));
    assert_int_equal(mend_ascii_lower('Z'), 'z');
    assert_int_equal(mend_ascii_lower('@'), '@');
    assert_int_equal(mend_ascii_lower(0xc9), 0xc9);
}

static void test_registry_roots_by_long_or_short_name(void **state)
{
    size_t n = 0;
    const char *p = "hkey_local_machine\\SOFTWARE";
    assert_int_equal(mend_reg_root_at(p, strlen(p), &n), MEND_REG_HKLM);
    assert_int_equal(n, strlen("HKEY_LOCAL_MACHINE"));
    p = "HKU\\.DEFAULT";
    assert_int_equal(mend_reg_root_at(p, strlen(p), &n), MEND_REG_HKU);
    assert_int_equal(n, 3);
    p = "HKCC:\\System";
    assert_int_equal(mend_reg_root_at(p, strlen(p), &n), MEND_REG_HKCC);
    assert_int_equal(n, 4);
    assert_string_equal(mend_reg_root_short(MEND_REG_HKCR), "HKCR");
    assert_string_equal(mend_reg_root_long(MEND_REG_HKCU), "HKEY_CURRENT_USER");
}

static void test_a_root_is_a_whole_word(void **state)
{
    size_t n = 0;
    assert_int_equal(mend_reg_root_at("HKLMX\\a", 7, &n), -1);
    assert_int_equal(mend_reg_root_at("HKEY_USERSX", 11, &n), -1);
    assert_int_equal(mend_reg_root_at("SOFTWARE\\HKLM", 13, &n), -1);
    assert_int_equal(mend_reg_root_at("HKLM", 3, &n), -1);   /* only len bytes count */
    assert_null(mend_reg_root_short(MEND_REG_ROOT_N));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_compare_without_ascii_case),
        cmocka_unit_test(test_names_sharing_a_long_prefix_order_by_their_first_difference),
        cmocka_unit_test(test_only_ascii_letters_fold),
        cmocka_unit_test(test_registry_roots_by_long_or_short_name),
        cmocka_unit_test(test_a_root_is_a_whole_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
