/* The growable byte buffer the .reg reader and writer build their text and data in. */
#include "regfile_private.h"

#include <stdlib.h>
#include <string.h>

void mend_rf_buf_add(mend_rf_buf *b, const void *s, size_t n)
{
    if (b->failed)
        return;
    if (n >= SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void mend_rf_buf_str(mend_rf_buf *b, const char *s)
{
    mend_rf_buf_add(b, s, strlen(s));
}

void mend_rf_buf_byte(mend_rf_buf *b, char c)
{
    mend_rf_buf_add(b, &c, 1);
}

char *mend_rf_buf_take(mend_rf_buf *b, size_t *len)
{
    if (!b->failed && !b->p)
        mend_rf_buf_add(b, "", 0);
    char *p = b->failed ? NULL : b->p;
    if (len)
        *len = p ? b->len : 0;
    if (!p)
        free(b->p);
    memset(b, 0, sizeof *b);
    return p;
}

void mend_rf_buf_free(mend_rf_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
