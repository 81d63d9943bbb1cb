/* SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): what signs and checks plans. */
#ifndef MEND_HMAC_SHA256_H
#define MEND_HMAC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MEND_SHA256_LEN 32

typedef struct mend_sha256_ctx {
    uint32_t h[8];
    uint64_t total;          /* bytes hashed so far */
    unsigned char buf[64];
    size_t used;
} mend_sha256_ctx;

void mend_sha256_init(mend_sha256_ctx *c);
void mend_sha256_update(mend_sha256_ctx *c, const void *data, size_t len);
void mend_sha256_final(mend_sha256_ctx *c, unsigned char out[MEND_SHA256_LEN]);
void mend_sha256(const void *data, size_t len, unsigned char out[MEND_SHA256_LEN]);

void mend_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                      unsigned char out[MEND_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void mend_hex(const unsigned char *in, size_t n, char *out);
/* Constant-time equality of two equal-length byte strings. */
int mend_ct_equal(const void *a, const void *b, size_t n);

#endif
