/* ASCII case folding and the case-insensitive compares built on it. */
#include "ascii.h"

#include <string.h>

int mend_ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int mend_ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = mend_ascii_lower((unsigned char)*a), cb = mend_ascii_lower((unsigned char)*b);
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

int mend_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = mend_ascii_lower((unsigned char)a[i]), cb = mend_ascii_lower((unsigned char)b[i]);
        if (ca != cb || ca == 0)
            return ca - cb;
    }
    return 0;
}

bool mend_ascii_ieq(const char *a, const char *b)
{
    return mend_ascii_casecmp(a, b) == 0;
}

bool mend_ascii_istarts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (mend_ascii_lower((unsigned char)s[i]) != mend_ascii_lower((unsigned char)prefix[i]))
            return false;
    return true;
}
