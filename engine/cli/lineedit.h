/* A small line editor for mend shell: editing keys, history, tab completion; no readline. */
#ifndef MEND_LINEEDIT_H
#define MEND_LINEEDIT_H

#include <signal.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct mend_le mend_le;

/* Completion: fills cands (malloc'd strings, at most max) with whole replacements for the
 * word that ends at the cursor; *start gets that word's offset in line. Returns the count. */
typedef size_t (*mend_le_complete_fn)(void *ud, const char *line, size_t cursor, size_t *start,
                                      char **cands, size_t max);

mend_le *mend_le_new(size_t history_max, mend_le_complete_fn complete, void *ud);
void mend_le_free(mend_le *le);

/* True when standard input and output are a terminal the editor can drive. */
bool mend_le_interactive(void);

enum { MEND_LE_LINE = 0, MEND_LE_EOF = -1, MEND_LE_CANCEL = -2 };

/* Reads one line (malloc'd into *out, no newline). MEND_LE_EOF on Ctrl-D at an empty line or
 * end of input, MEND_LE_CANCEL on Ctrl-C (the line is dropped). Without a terminal it reads
 * plain lines. */
int mend_le_read(mend_le *le, const char *prompt, char **out);
/* Once *flag is set (by a signal handler: SIGTERM, SIGHUP), a read waiting for input ends as at
 * the end of input, and a line being typed is dropped, not run. NULL: never. */
void mend_le_stop_on(volatile sig_atomic_t *flag);

void mend_le_history_add(mend_le *le, const char *line);
/* One entry per line; multi-line entries keep their newlines escaped as \n. Errors are ignored:
 * history is a convenience. */
void mend_le_history_load(mend_le *le, const char *path);
void mend_le_history_save(mend_le *le, const char *path);

#endif
