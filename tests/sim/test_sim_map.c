/* The simulator's hash map: case folding, lookups by length, replace, delete and reuse, growth
 * through deleted slots, borrowed keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_map.h"

#define V(i) ((void *)(uintptr_t)(i))

static void test_folded_map_finds_a_name_in_any_case_and_by_length(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init(&m, true);
    assert_int_equal(sim_map_put(&m, "PolicyAgent", V(1)), 0);
    assert_ptr_equal(sim_map_get(&m, "policyagent"), V(1));
    assert_ptr_equal(sim_map_get(&m, "POLICYAGENT"), V(1));
    assert_null(sim_map_get(&m, "PolicyAgen"));
    assert_null(sim_map_get(&m, "PolicyAgentX"));
    /* A component of a longer path, not copied out. */
    assert_ptr_equal(sim_map_get_n(&m, "policyAGENT\\Parameters", 11), V(1));
    assert_null(sim_map_get_n(&m, "policyAGENT\\Parameters", 10));
    sim_map_free(&m);
}

static void test_exact_map_tells_case_apart_and_replaces_a_value(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init(&m, false);
    assert_int_equal(sim_map_put(&m, "Corp-QM", V(1)), 0);
    assert_int_equal(sim_map_put(&m, "corp-qm", V(2)), 0);
    assert_int_equal(m.count, 2);
    assert_int_equal(sim_map_put(&m, "Corp-QM", V(3)), 0);   /* replaced, not added */
    assert_int_equal(m.count, 2);
    assert_ptr_equal(sim_map_get(&m, "Corp-QM"), V(3));
    assert_ptr_equal(sim_map_get(&m, "corp-qm"), V(2));
    assert_null(sim_map_get(&m, "CORP-QM"));
    sim_map_free(&m);
}

static void test_delete_only_the_given_value_and_reuse_the_slot(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init(&m, false);
    sim_map_put(&m, "a", V(1));
    sim_map_del(&m, "a", V(2));             /* another value: kept */
    assert_ptr_equal(sim_map_get(&m, "a"), V(1));
    sim_map_del(&m, "a", V(1));
    assert_null(sim_map_get(&m, "a"));
    assert_int_equal(m.count, 0);
    sim_map_del(&m, "a", NULL);             /* gone already: nothing happens */
    sim_map_put(&m, "a", V(4));
    assert_ptr_equal(sim_map_get(&m, "a"), V(4));
    sim_map_free(&m);
}

/* Many entries, half deleted and put back again and again: every lookup still ends and finds
 * what is there (deleted slots never fill the table). */
static void test_many_deletes_and_puts_keep_every_lookup_right(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init(&m, true);
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "ipsecPolicy{%d}", i);
        assert_int_equal(sim_map_put(&m, k, V(i + 1)), 0);
    }
    for (int round = 0; round < 20; round++) {
        for (int i = round % 2; i < 5000; i += 2) {
            snprintf(k, sizeof k, "IPSECPOLICY{%d}", i);
            sim_map_del(&m, k, NULL);
        }
        assert_int_equal(m.count, 2500);
        for (int i = round % 2; i < 5000; i += 2) {
            snprintf(k, sizeof k, "ipsecpolicy{%d}", i);
            assert_int_equal(sim_map_put(&m, k, V(i + 1)), 0);
        }
    }
    assert_int_equal(m.count, 5000);
    assert_true(m.used * 4 <= m.cap * 3);
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "ipsecPolicy{%d}", i);
        assert_ptr_equal(sim_map_get(&m, k), V(i + 1));
    }
    sim_map_free(&m);
}

static void count_entry(const char *key, void *value, void *ud)
{
    (void)key;
    (void)value;
    (*(size_t *)ud)++;
}

static void test_each_visits_every_entry_once(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init(&m, false);
    char k[16];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "%d", i);
        sim_map_put(&m, k, V(i + 1));
    }
    for (int i = 0; i < 100; i += 3) {
        snprintf(k, sizeof k, "%d", i);
        sim_map_del(&m, k, NULL);
    }
    size_t n = 0;
    sim_map_each(&m, count_entry, &n);
    assert_int_equal(n, 66);
    sim_map_free(&m);
    n = 0;
    sim_map_each(&m, count_entry, &n);   /* freed: empty, and usable again */
    assert_int_equal(n, 0);
}

/* A borrowing map keeps the caller's pointer: the key is not copied. */
static void test_borrowing_map_keeps_the_callers_key(void **state)
{
    (void)state;
    sim_map m;
    sim_map_init_borrowing(&m, true);
    static const char name[] = "ipsecNFA{x}";
    sim_map_put(&m, name, V(1));
    const char *stored = NULL;
    for (size_t i = 0; i < m.cap; i++)
        if (m.slots[i].value == V(1))
            stored = m.slots[i].key;
    assert_ptr_equal(stored, name);
    assert_ptr_equal(sim_map_get(&m, "IPSECNFA{X}"), V(1));
    sim_map_del(&m, name, V(1));
    assert_null(sim_map_get(&m, name));
    sim_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded_map_finds_a_name_in_any_case_and_by_length),
        cmocka_unit_test(test_exact_map_tells_case_apart_and_replaces_a_value),
        cmocka_unit_test(test_delete_only_the_given_value_and_reuse_the_slot),
        cmocka_unit_test(test_many_deletes_and_puts_keep_every_lookup_right),
        cmocka_unit_test(test_each_visits_every_entry_once),
        cmocka_unit_test(test_borrowing_map_keeps_the_callers_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
