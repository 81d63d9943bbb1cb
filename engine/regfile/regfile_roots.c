/* The five registry roots by their long (.reg file) and short (host path) names. */
#include "regfile_private.h"

#include <string.h>

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
