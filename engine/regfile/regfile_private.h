/* What the .reg reader, writer and applier share: the parsed file, root names, a byte buffer. */
#ifndef MEND_REGFILE_PRIVATE_H
#define MEND_REGFILE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "regfile.h"

typedef enum mend_rf_kind {
    MEND_RF_CREATE_KEY,
    MEND_RF_DELETE_KEY,
    MEND_RF_SET_VALUE,
    MEND_RF_DELETE_VALUE
} mend_rf_kind;

/* One line's effect, in file order. key indexes mend_regfile.keys (short-root paths). */
typedef struct mend_rf_op {
    mend_rf_kind kind;
    int line;
    size_t key;
    char *name;
    uint32_t type;
    unsigned char *data;       /* host.h encoding, one NUL past size */
    size_t size;
} mend_rf_op;

struct mend_regfile {
    char **keys;
    size_t nkeys, capkeys;
    mend_rf_op *ops;
    size_t nops, capops;
    size_t deletions;
};


/* Recognises the root at the start of path (long or short name, any case) up to the first
 * backslash or end. Returns the index into the root table, or -1. */
int mend_rf_root_find(const char *path, size_t len);

#endif
