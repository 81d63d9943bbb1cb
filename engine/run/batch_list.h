/* Batch files: one policy name per line, # comments, blanks, trimming, duplicates merged. */
#ifndef MEND_BATCH_LIST_H
#define MEND_BATCH_LIST_H

#include <stddef.h>

#include "mend_err.h"

/* Parses buf (UTF-8, optional BOM; LF or CRLF). Names keep inner spaces, quotes and any
 * UTF-8; a '#' starts a comment only at the start of a (trimmed) line. Invalid UTF-8 or a NUL
 * byte is an error naming the line. On success *names is a malloc'd array of malloc'd strings
 * in first-seen order. */
int mend_batch_parse(const char *buf, size_t len, char ***names, size_t *n, mend_err *e);

/* The most a batch list may hold: a million long names fit. */
#define MEND_BATCH_LIST_MAX ((size_t)64 << 20)
/* Reads a batch list file, or standard input for "-", up to MEND_BATCH_LIST_MAX (a larger one
 * is an error naming the file and the cap). */
int mend_batch_read(const char *file, char **buf, size_t *len, mend_err *e);

#endif
