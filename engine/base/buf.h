/* The growable byte buffer text and data are built in (.reg files, saved states, plans, the
 * shell's output): always NUL-terminated; after a failed allocation it ignores appends. */
#ifndef MEND_BUF_H
#define MEND_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "mend_err.h"

typedef struct mend_buf {
    char *p;
    size_t len, cap;
    bool failed;          /* an allocation failed: take() answers NULL */
} mend_buf;

void mend_buf_add(mend_buf *b, const void *s, size_t n);
void mend_buf_str(mend_buf *b, const char *s);
void mend_buf_byte(mend_buf *b, char c);
void mend_buf_printf(mend_buf *b, const char *fmt, ...) MEND_PRINTF(2, 3);
/* n bytes of s as a quoted JSON string, escaped as cJSON escapes it: ", \\, the named control
 * characters, the others as \u00XX; every other byte (UTF-8 included) as it is. */
void mend_buf_json_str(mend_buf *b, const char *s, size_t n);
/* Hands the NUL-terminated contents over (NULL when an append failed) and resets b. */
char *mend_buf_take(mend_buf *b, size_t *len);
void mend_buf_free(mend_buf *b);

#endif
