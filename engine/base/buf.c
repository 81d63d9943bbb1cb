/* The growable byte buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mend_buf_add(mend_buf *b, const void *s, size_t n)
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

void mend_buf_str(mend_buf *b, const char *s)
{
    mend_buf_add(b, s, strlen(s));
}

void mend_buf_byte(mend_buf *b, char c)
{
    mend_buf_add(b, &c, 1);
}

void mend_buf_printf(mend_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        mend_buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    mend_buf_add(b, big, (size_t)n);
    free(big);
}

void mend_buf_json_str(mend_buf *b, const char *s, size_t n)
{
    mend_buf_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        mend_buf_add(b, s + run, i - run);
        run = i + 1;
        char esc[8] = { '\\', (char)c, 0 };
        switch (c) {
        case '"': case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
        }
        mend_buf_add(b, esc, strlen(esc));
    }
    mend_buf_add(b, s + run, n - run);
    mend_buf_add(b, "\"", 1);
}

char *mend_buf_take(mend_buf *b, size_t *len)
{
    if (!b->failed && !b->p)
        mend_buf_add(b, "", 0);
    char *p = b->failed ? NULL : b->p;
    if (len)
        *len = p ? b->len : 0;
    if (!p)
        free(b->p);
    memset(b, 0, sizeof *b);
    return p;
}

void mend_buf_free(mend_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
