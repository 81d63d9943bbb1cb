/* Windows error numbers to stable codes: winerror.h's IPsec SPD block (13000-13023) by what each name says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "mend_err.h"

/* The block as winerror.h names it: *_EXISTS, *_NOT_FOUND, *_IN_USE, *_PENDING_DELETION. */
static const struct { uint32_t win32; mend_code code; const char *name; } spd_block[] = {
    { 13000, MEND_E_EXISTS, "QM_POLICY_EXISTS" },
    { 13001, MEND_E_NOT_FOUND, "QM_POLICY_NOT_FOUND" },
    { 13002, MEND_E_IN_USE, "QM_POLICY_IN_USE" },
    { 13003, MEND_E_EXISTS, "MM_POLICY_EXISTS" },
    { 13004, MEND_E_NOT_FOUND, "MM_POLICY_NOT_FOUND" },
    { 13005, MEND_E_IN_USE, "MM_POLICY_IN_USE" },
    { 13006, MEND_E_EXISTS, "MM_FILTER_EXISTS" },
    { 13007, MEND_E_NOT_FOUND, "MM_FILTER_NOT_FOUND" },
    { 13008, MEND_E_EXISTS, "TRANSPORT_FILTER_EXISTS" },
    { 13009, MEND_E_NOT_FOUND, "TRANSPORT_FILTER_NOT_FOUND" },
    { 13010, MEND_E_EXISTS, "MM_AUTH_EXISTS" },
    { 13011, MEND_E_NOT_FOUND, "MM_AUTH_NOT_FOUND" },
    { 13012, MEND_E_IN_USE, "MM_AUTH_IN_USE" },
    { 13013, MEND_E_NOT_FOUND, "DEFAULT_MM_POLICY_NOT_FOUND" },
    { 13014, MEND_E_NOT_FOUND, "DEFAULT_MM_AUTH_NOT_FOUND" },
    { 13015, MEND_E_NOT_FOUND, "DEFAULT_QM_POLICY_NOT_FOUND" },
    { 13016, MEND_E_EXISTS, "TUNNEL_FILTER_EXISTS" },
    { 13017, MEND_E_NOT_FOUND, "TUNNEL_FILTER_NOT_FOUND" },
    { 13018, MEND_E_PENDING_DELETION, "MM_FILTER_PENDING_DELETION" },
    { 13019, MEND_E_PENDING_DELETION, "TRANSPORT_FILTER_PENDING_DELETION" },
    { 13020, MEND_E_PENDING_DELETION, "TUNNEL_FILTER_PENDING_DELETION" },
    { 13021, MEND_E_PENDING_DELETION, "MM_POLICY_PENDING_DELETION" },
    { 13022, MEND_E_PENDING_DELETION, "MM_AUTH_PENDING_DELETION" },
    { 13023, MEND_E_PENDING_DELETION, "QM_POLICY_PENDING_DELETION" },
};

static void test_every_ipsec_spd_error_maps_to_the_code_its_name_says(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof spd_block / sizeof spd_block[0]; i++) {
        mend_code got = mend_code_from_win32(spd_block[i].win32);
        if (got != spd_block[i].code)
            fail_msg("%u ERROR_IPSEC_%s maps to %s, not %s", (unsigned)spd_block[i].win32, spd_block[i].name,
                     mend_code_name(got), mend_code_name(spd_block[i].code));
    }
}

static void test_0x32DF_keeps_its_text_and_code_in_the_message(void **state)
{
    (void)state;
    mend_err e;
    mend_err_set(&e, mend_code_from_win32(13023), 13023, NULL);
    assert_int_equal(e.code, MEND_E_PENDING_DELETION);
    assert_string_equal(mend_code_name(e.code), "pending_deletion");
    assert_string_equal(e.msg, "The Quick Mode policy is pending deletion. (0x32DF)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ipsec_spd_error_maps_to_the_code_its_name_says),
        cmocka_unit_test(test_0x32DF_keeps_its_text_and_code_in_the_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
