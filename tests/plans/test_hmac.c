/* SHA-256 against FIPS 180-4's examples and HMAC-SHA-256 against RFC 4231's test cases 1-7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmac_sha256.h"

static void expect_sha(const void *msg, size_t len, const char *want)
{
    unsigned char d[MEND_SHA256_LEN];
    char hex[2 * MEND_SHA256_LEN + 1];
    mend_sha256(msg, len, d);
    mend_hex(d, sizeof d, hex);
    assert_string_equal(hex, want);
}

static void test_sha256_fips_examples(void **state)
{
    (void)state;
    expect_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_sha(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_million_a_in_pieces(void **state)
{
    (void)state;
    /* Fed in uneven pieces: the buffering across block edges is what this checks. */
    unsigned char a[997];
    memset(a, 'a', sizeof a);
    mend_sha256_ctx c;
    mend_sha256_init(&c);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof a ? left : sizeof a;
        mend_sha256_update(&c, a, n);
        left -= n;
    }
    unsigned char d[MEND_SHA256_LEN];
    char hex[2 * MEND_SHA256_LEN + 1];
    mend_sha256_final(&c, d);
    mend_hex(d, sizeof d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void expect_hmac(const unsigned char *key, size_t klen, const void *msg, size_t mlen, const char *want)
{
    unsigned char d[MEND_SHA256_LEN];
    char hex[2 * MEND_SHA256_LEN + 1];
    mend_hmac_sha256(key, klen, msg, mlen, d);
    mend_hex(d, sizeof d, hex);
    assert_memory_equal(hex, want, strlen(want));   /* case 5 is truncated to 128 bits */
}

static void test_hmac_sha256_rfc4231(void **state)
{
    (void)state;
    unsigned char k[131], m[50];
    memset(k, 0x0b, 20);
    expect_hmac(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    const char *m2 = "what do ya want for nothing?";
    expect_hmac((const unsigned char *)"Jefe", 4, m2, strlen(m2),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(k, 0xaa, 20);
    memset(m, 0xdd, 50);
    expect_hmac(k, 20, m, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (int i = 0; i < 25; i++)
        k[i] = (unsigned char)(i + 1);
    memset(m, 0xcd, 50);
    expect_hmac(k, 25, m, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    memset(k, 0x0c, 20);
    expect_hmac(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
    memset(k, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    expect_hmac(k, 131, m6, strlen(m6), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger than block-size data. "
                     "The key needs to be hashed before being used by the HMAC algorithm.";
    expect_hmac(k, 131, m7, strlen(m7), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(mend_ct_equal("abcd", "abcd", 4));
    assert_false(mend_ct_equal("abcd", "abce", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_fips_examples),
        cmocka_unit_test(test_sha256_million_a_in_pieces),
        cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_ct_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
