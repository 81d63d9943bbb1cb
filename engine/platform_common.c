/* The engine's OS services that are the same on every platform, built on the per-OS ones. */
#include "platform.h"
#include "engine_private.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mend_read_file(const char *path, char **data, size_t *len, mend_err *e)
{
    *data = NULL;
    if (len)
        *len = 0;
    FILE *f = mend_fopen(path, "rb");
    if (!f)
        return mend_err_set(e, MEND_E_IO, 0, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = !buf || ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return mend_err_set(e, MEND_E_IO, 0, "cannot read %s", path);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}
