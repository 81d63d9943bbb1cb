/* What the .reg reader, writer and applier share: the parsed file, root names, a byte buffer. */
#ifndef MEND_REGFILE_PRIVATE_H
#define MEND_REGFILE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Growable byte buffer; on allocation failure it sets failed and ignores further appends. */
typedef struct mend_rf_buf {
    char *p;
    size_t len, cap;
    bool failed;
} mend_rf_buf;

void mend_rf_buf_add(mend_rf_buf *b, const void *s, size_t n);
void mend_rf_buf_str(mend_rf_buf *b, const char *s);
void mend_rf_buf_byte(mend_rf_buf *b, char c);
/* Hands the NUL-terminated contents over (NULL when an append failed) and resets b. */
char *mend_rf_buf_take(mend_rf_buf *b, size_t *len);
void mend_rf_buf_free(mend_rf_buf *b);

/* Recognises the root at the start of path (long or short name, any case) up to the first
 * backslash or end. Returns the index into the root table, or -1. */
int mend_rf_root_find(const char *path, size_t len);

#endif
