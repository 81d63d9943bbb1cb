/* The five registry roots, by their long (.reg file, Windows) and short (host path) names. */
#include "host.h"

#include <string.h>

static const struct { const char *lng, *shrt; } roots[MEND_REG_ROOT_N] = {
    [MEND_REG_HKLM] = { "HKEY_LOCAL_MACHINE", "HKLM" },
    [MEND_REG_HKCU] = { "HKEY_CURRENT_USER", "HKCU" },
    [MEND_REG_HKCR] = { "HKEY_CLASSES_ROOT", "HKCR" },
    [MEND_REG_HKU] = { "HKEY_USERS", "HKU" },
    [MEND_REG_HKCC] = { "HKEY_CURRENT_CONFIG", "HKCC" },
};

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int mend_reg_root_at(const char *s, size_t len, size_t *namelen)
{
    for (int r = 0; r < MEND_REG_ROOT_N; r++) {
        const char *names[2] = { roots[r].lng, roots[r].shrt };
        for (int k = 0; k < 2; k++) {
            size_t n = strlen(names[k]);
            if (mend_ascii_istarts(s, len, names[k]) && (n == len || !name_char(s[n]))) {
                if (namelen)
                    *namelen = n;
                return r;
            }
        }
    }
    return -1;
}

const char *mend_reg_root_long(int root)
{
    return root >= 0 && root < MEND_REG_ROOT_N ? roots[root].lng : NULL;
}

const char *mend_reg_root_short(int root)
{
    return root >= 0 && root < MEND_REG_ROOT_N ? roots[root].shrt : NULL;
}
