/* Text for people's terminals: control characters shown as escapes, never sent raw; wrapping to the width. */
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

/* The terminal columns mend_term_puts(MEND_TERM_ONE_LINE) fills with n bytes of s: an escaped
 * control character its escape's length, an East Asian wide character 2, a combining mark 0. */
size_t mend_term_columns(const char *s, size_t n);

/* Width to wrap text on standard output at: $COLUMNS, else the terminal's; 0 = do not wrap. */
int mend_term_width(void);

/* Writes text (escaped as mend_term_puts) wrapped at spaces to width, every line after the first
 * starting with indent spaces. A "quoted" or `quoted` part is never broken (a command to copy)
 * unless it alone is wider than the line. width 0: one line. */
void mend_term_wrap(FILE *out, const char *text, int width, int first_col, int indent);

#endif
