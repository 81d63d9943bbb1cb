/* A .reg file's key path: its root among the five, by long or short name (engine/host/reg_root.c). */
#include "regfile_private.h"

#include <string.h>

int mend_rf_root_find(const char *path, size_t len)
{
    const char *bs = memchr(path, '\\', len);
    size_t n = bs ? (size_t)(bs - path) : len, got = 0;
    int root = mend_reg_root_at(path, n, &got);
    return root >= 0 && got == n ? root : -1;
}
