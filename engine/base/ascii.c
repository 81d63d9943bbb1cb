/* ASCII case folding and the case-insensitive compares built on it. */
#include "ascii.h"

#include <string.h>

static inline int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int mend_ascii_lower(int c)
{
    return lower(c);
}

/* Equal bytes are skipped before folding: the simulator's keys share long prefixes (registry
 * paths, handle names), and these compares run for every lookup. */
int mend_ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        if (*a == *b) {
            if (*a == 0)
                return 0;
            continue;
        }
        int ca = lower((unsigned char)*a), cb = lower((unsigned char)*b);
        if (ca != cb)
            return ca - cb;
    }
}

int mend_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i]) {
            if (a[i] == 0)
                return 0;
            continue;
        }
        int ca = lower((unsigned char)a[i]), cb = lower((unsigned char)b[i]);
        if (ca != cb)
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
        if (lower((unsigned char)s[i]) != lower((unsigned char)prefix[i]))
            return false;
    return true;
}
