/* The growable byte buffer and the registry root names the .reg code shares. */
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

static const struct { const char *lng, *shrt; } roots[] = {
    { "HKEY_LOCAL_MACHINE", "HKLM" },
    { "HKEY_CURRENT_USER", "HKCU" },
    { "HKEY_CLASSES_ROOT", "HKCR" },
    { "HKEY_USERS", "HKU" },
    { "HKEY_CURRENT_CONFIG", "HKCC" },
};

static bool ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 'a' + 'A');
        if (x != y)
            return false;
    }
    return true;
}

int mend_rf_root_find(const char *path, size_t len)
{
    const char *bs = memchr(path, '\\', len);
    size_t n = bs ? (size_t)(bs - path) : len;
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (ascii_ieq(path, n, roots[i].lng) || ascii_ieq(path, n, roots[i].shrt))
            return (int)i;
    return -1;
}

const char *mend_rf_root_long(int root)
{
    return roots[root].lng;
}

const char *mend_rf_root_short(int root)
{
    return roots[root].shrt;
}
