/* libFuzzer target for batch lists: any input parses or fails cleanly; names come out trimmed,
 * non-empty, single-line and unique. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch_list.h"
#include "utf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **names;
    size_t n;
    mend_err e;
    if (mend_batch_parse((const char *)data, size, &names, &n, &e) != 0) {
        if (e.code != MEND_E_IO && e.code != MEND_E_INVALID)
            abort();
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len == 0 || names[i][0] == ' ' || names[i][len - 1] == ' ' || strchr(names[i], '\n') ||
            !mend_utf8_valid(names[i], len))
            abort();
        for (size_t j = 0; j < i && n < 256; j++)
            if (strcmp(names[i], names[j]) == 0)
                abort();
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return 0;
}
