/* Text for people's terminals: control characters shown as escapes, never sent raw. */
#ifndef MEND_TERM_H
#define MEND_TERM_H

#include <stdio.h>

enum {
    MEND_TERM_ONE_LINE = 0,      /* every control character escaped, newlines too */
    MEND_TERM_KEEP_LINES = 1     /* newlines and tabs pass (messages with tracebacks) */
};

/* Writes s to out with C0/C1 controls and DEL as \xNN / \u00NN: a policy name holding
 * ESC or CR cannot move the cursor, recolour the terminal or overwrite a line. */
void mend_term_puts(FILE *out, const char *s, int flags);

#endif
