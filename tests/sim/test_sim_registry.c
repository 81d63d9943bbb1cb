/* The simulated registry: typed values, case rules, sorted enumeration, errors. */
#include "sim_test.h"

#include <stdio.h>
#include <string.h>

static void set(mend_host *h, const char *path, const char *name, uint32_t type, const void *d, size_t n)
{
    mend_err e;
    if (h->ops->reg.set(h->ctx, path, name, type, d, n, &e) != 0)
        fail_msg("reg.set: %s", e.msg);
}

static void test_sim_registry_typed_values_round_trip(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    const char *k = "HKLM\\SOFTWARE\\Contoso\\Test";
    unsigned char dw[4] = { 0x78, 0x56, 0x34, 0x12 }, qw[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    unsigned char bin[5] = { 0, 0xff, 0x10, 0, 7 };
    set(&h, k, "sz", MEND_REG_SZ, "h\xc3\xa9llo", 6);
    set(&h, k, "dw", MEND_REG_DWORD, dw, 4);
    set(&h, k, "qw", MEND_REG_QWORD, qw, 8);
    set(&h, k, "bin", MEND_REG_BINARY, bin, 5);
    set(&h, k, "multi", MEND_REG_MULTI_SZ, "a\0bc\0", 5);
    set(&h, k, "exp", MEND_REG_EXPAND_SZ, "%SystemRoot%", 12);
    set(&h, k, "", MEND_REG_SZ, "default", 7);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, "hklm\\software\\CONTOSO\\test", "DW", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_DWORD);
    assert_int_equal(v.size, 4);
    assert_memory_equal(v.data, dw, 4);
    assert_string_equal(v.name, "dw");                       /* case preserved */
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, k, "bin", &v, &e), 0);
    assert_int_equal(v.size, 5);
    assert_memory_equal(v.data, bin, 5);
    assert_int_equal(v.data[5], 0);                          /* the extra NUL */
    mend_regval_clear(&v);
    mend_regval *vals;
    size_t n;
    assert_int_equal(h.ops->reg.values(h.ctx, k, &vals, &n, &e), 0);
    assert_int_equal(n, 7);
    const char *order[] = { "", "bin", "dw", "exp", "multi", "qw", "sz" };
    for (size_t i = 0; i < n; i++)
        assert_string_equal(vals[i].name, order[i]);
    assert_int_equal(vals[4].size, 5);
    assert_memory_equal(vals[4].data, "a\0bc\0", 5);
    mend_regval_free_list(vals, n);
    /* Wrong sizes for fixed-size types are refused. */
    assert_int_equal(h.ops->reg.set(h.ctx, k, "bad", MEND_REG_DWORD, dw, 3, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    mend_host_close(&h);
}

static void test_sim_registry_keys_sorted_case_insensitively(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    const char *names[] = { "beta", "Alpha", "gamma", "Delta" };
    for (size_t i = 0; i < 4; i++) {
        char p[128];
        snprintf(p, sizeof p, "HKCU\\Software\\T\\%s", names[i]);
        assert_int_equal(h.ops->reg.create_key(h.ctx, p, &e), 0);
    }
    assert_int_equal(h.ops->reg.create_key(h.ctx, "HKCU\\Software\\T\\ALPHA", &e), 0);   /* same key */
    char **keys;
    size_t n;
    assert_int_equal(h.ops->reg.keys(h.ctx, "HKEY_CURRENT_USER\\Software\\T", &keys, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_string_equal(keys[0], "Alpha");
    assert_string_equal(keys[1], "beta");
    assert_string_equal(keys[2], "Delta");
    assert_string_equal(keys[3], "gamma");
    mend_string_free_list(keys, n);
    mend_host_close(&h);
}

static void test_sim_registry_missing_key_is_not_found(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    mend_regval v;
    char **keys;
    size_t n;
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Nope", "x", &v, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(e.win32, 2);
    assert_int_equal(h.ops->reg.keys(h.ctx, "HKLM\\SOFTWARE\\Nope", &keys, &n, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM\\SOFTWARE\\Nope", true, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, "HKLM\\SOFTWARE", "nope", &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKLM\\SOFTWARE\\Nope", &found, &e), 0);
    assert_false(found);
    char deep[4096] = "HKLM";
    for (int i = 0; i < 600; i++)
        strcat(deep, "\\k");
    assert_int_equal(h.ops->reg.create_key(h.ctx, deep, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKXX\\SOFTWARE", &found, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    mend_host_close(&h);
}

static void test_sim_registry_delete_key_needs_tree_for_subkeys(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    assert_int_equal(h.ops->reg.create_key(h.ctx, "HKLM\\SOFTWARE\\A\\B", &e), 0);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM\\SOFTWARE\\A", false, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM\\SOFTWARE\\A", true, &e), 0);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, "HKLM\\SOFTWARE\\A\\B", &found, &e), 0);
    assert_false(found);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, "HKLM", true, &e), -1);
    assert_int_equal(e.code, MEND_E_INVALID);
    mend_host_close(&h);
}

static void test_sim_registry_scenario_values_load_typed(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { registry = { ['HKLM\\\\SOFTWARE\\\\Contoso'] = {\n"
                "  Name = 'x', Count = 7, List = { 'a', 'b' },\n"
                "  Big = { type = 'REG_QWORD', data = 5000000000 },\n"
                "  Blob = { type = 'REG_BINARY', hex = 'de ad,be:ef' },\n"
                "  Path = { type = 'REG_EXPAND_SZ', data = '%TEMP%' },\n"
                "  BE = { type = 'REG_DWORD_BIG_ENDIAN', data = 1 } } } }");
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "Count", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_DWORD);
    assert_memory_equal(v.data, "\x07\0\0\0", 4);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "Blob", &v, &e), 0);
    assert_int_equal(v.size, 4);
    assert_memory_equal(v.data, "\xde\xad\xbe\xef", 4);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "List", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_MULTI_SZ);
    assert_int_equal(v.size, 4);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "BE", &v, &e), 0);
    assert_memory_equal(v.data, "\0\0\0\x01", 4);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.get(h.ctx, "HKLM\\SOFTWARE\\Contoso", "Big", &v, &e), 0);
    assert_int_equal(v.type, MEND_REG_QWORD);
    assert_memory_equal(v.data, "\x00\xf2\x05\x2a\x01\0\0\0", 8);
    mend_regval_clear(&v);
    mend_host_close(&h);
}

/* A value rewritten under another case keeps the name it was created with and takes the new
 * type and data whole; one removed from the middle leaves its neighbours intact. */
static void test_sim_registry_rewritten_value_keeps_name_and_takes_new_data(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    const char *k = "HKLM\\SOFTWARE\\Contoso\\Rewrite";
    set(&h, k, "Mixed", MEND_REG_SZ, "a fairly long string value", 26);
    set(&h, k, "First", MEND_REG_SZ, "one", 3);
    set(&h, k, "Last", MEND_REG_SZ, "three", 5);
    unsigned char bin[2] = { 0xab, 0 };
    set(&h, k, "MIXED", MEND_REG_BINARY, bin, 2);
    mend_regval v;
    assert_int_equal(h.ops->reg.get(h.ctx, k, "mixed", &v, &e), 0);
    assert_string_equal(v.name, "Mixed");
    assert_int_equal(v.type, MEND_REG_BINARY);
    assert_int_equal(v.size, 2);
    assert_memory_equal(v.data, bin, 2);
    assert_int_equal(v.data[2], 0);
    mend_regval_clear(&v);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, k, "First", &e), 0);
    mend_regval *vals;
    size_t n;
    assert_int_equal(h.ops->reg.values(h.ctx, k, &vals, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(vals[0].name, "Last");
    assert_memory_equal(vals[0].data, "three", 6);
    assert_string_equal(vals[1].name, "Mixed");
    assert_int_equal(vals[1].size, 2);
    mend_regval_free_list(vals, n);
    assert_int_equal(h.ops->reg.get(h.ctx, k, "First", &v, &e), -1);
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    mend_host_close(&h);
}


/* Past 2 GiB - 1 bytes the simulator refuses a value as invalid (0x57), as the Windows host
 * refuses it, says why and creates no key; it is not an "out of memory" (at 4 GiB, the 32-bit
 * size's end, it was, after creating the key). */
static void test_sim_registry_value_over_2_gib_is_invalid_and_changes_nothing(void **state)
{
    (void)state;
    if (sizeof(size_t) <= 4)
        return;   /* a 32-bit build cannot even ask */
    mend_host h;
    mend_err e;
    st_open(&h, "return {}");
    const char *k = "HKLM\\SOFTWARE\\Contoso\\Huge";
    unsigned char one = 1;   /* refused on its size: the bytes past the first are never read */
    const size_t sizes[] = { (size_t)0x7fffffff + 1, (size_t)UINT32_MAX + 1 };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(h.ops->reg.set(h.ctx, k, "blob", MEND_REG_BINARY, &one, sizes[i], &e), -1);
        assert_int_equal(e.code, MEND_E_INVALID);
        assert_int_equal(e.win32, MEND_WIN_INVALID_PARAMETER);
        assert_non_null(strstr(e.msg, "2 GiB"));
    }
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, k, &found, &e), 0);
    assert_false(found);
    mend_host_close(&h);
}

/* A policy's store key holds its ten values in one block (sim_reg_put_all). Values replaced,
 * added past its slots and removed afterwards behave as in any key, and the key still deletes
 * whole (ASan and valgrind check that nothing in the block is freed on its own). */
static void test_sim_registry_policy_key_values_change_like_any_key(void **state)
{
    (void)state;
    mend_host h;
    mend_err e;
    st_open(&h, "return { policies = { { name = \"Packed\", guid = \"{11111111-2222-3333-4444-555555555555}\","
                "description = \"short\" } } }");
    const char *k = MEND_IPSEC_STORE_ROOT "\\ipsecPolicy{11111111-2222-3333-4444-555555555555}";
    mend_regval *vals;
    size_t n;
    assert_int_equal(h.ops->reg.values(h.ctx, k, &vals, &n, &e), 0);
    assert_int_equal(n, 10);
    mend_regval_free_list(vals, n);
    char longer[600];
    memset(longer, 'd', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    set(&h, k, "DESCRIPTION", MEND_REG_SZ, longer, strlen(longer));   /* replaced: the name stays */
    char name[16];
    for (int i = 0; i < 6; i++) {   /* past the ten slots */
        snprintf(name, sizeof name, "extra%d", i);
        set(&h, k, name, MEND_REG_DWORD, "\x01\x02\x03\x04", 4);
    }
    assert_int_equal(h.ops->reg.delete_value(h.ctx, k, "ipsecData", &e), 0);
    assert_int_equal(h.ops->reg.delete_value(h.ctx, k, "extra0", &e), 0);
    set(&h, k, "ipsecName", MEND_REG_SZ, "Packed", 6);   /* same bytes, rewritten */
    assert_int_equal(h.ops->reg.values(h.ctx, k, &vals, &n, &e), 0);
    assert_int_equal(n, 14);
    bool saw_desc = false, saw_name = false, saw_extra5 = false;
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(vals[i].name, "ipsecData");
        assert_string_not_equal(vals[i].name, "extra0");
        if (strcmp(vals[i].name, "description") == 0) {
            saw_desc = true;
            assert_int_equal(vals[i].size, strlen(longer));
            assert_memory_equal(vals[i].data, longer, strlen(longer));
        }
        if (strcmp(vals[i].name, "ipsecName") == 0) {
            saw_name = true;
            assert_memory_equal(vals[i].data, "Packed", 7);
        }
        if (strcmp(vals[i].name, "extra5") == 0) {
            saw_extra5 = true;
            assert_int_equal(vals[i].type, MEND_REG_DWORD);
            assert_memory_equal(vals[i].data, "\x01\x02\x03\x04", 4);
        }
    }
    assert_true(saw_desc && saw_name && saw_extra5);
    mend_regval_free_list(vals, n);
    assert_int_equal(h.ops->reg.delete_key(h.ctx, k, true, &e), 0);
    bool found = true;
    assert_int_equal(h.ops->reg.exists(h.ctx, k, &found, &e), 0);
    assert_false(found);
    mend_host_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_registry_typed_values_round_trip),
        cmocka_unit_test(test_sim_registry_policy_key_values_change_like_any_key),
        cmocka_unit_test(test_sim_registry_value_over_2_gib_is_invalid_and_changes_nothing),
        cmocka_unit_test(test_sim_registry_keys_sorted_case_insensitively),
        cmocka_unit_test(test_sim_registry_missing_key_is_not_found),
        cmocka_unit_test(test_sim_registry_delete_key_needs_tree_for_subkeys),
        cmocka_unit_test(test_sim_registry_scenario_values_load_typed),
        cmocka_unit_test(test_sim_registry_rewritten_value_keeps_name_and_takes_new_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
