/* regedit's .reg format over the host interface: export a subtree, parse and import a file. */
#ifndef MEND_REGFILE_H
#define MEND_REGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"

/* Renders the key at path and its whole subtree as .reg text (UTF-8, CRLF line ends, the
 * "Windows Registry Editor Version 5.00" header, long hex lines folded at 80 columns). */
int mend_regfile_render(const mend_host *h, const char *path, char **utf8, size_t *len, mend_err *e);

/* Writes that text to file as UTF-16LE with a BOM (what regedit and `reg import` read),
 * atomically. */
int mend_regfile_export(const mend_host *h, const char *path, const char *file, mend_err *e);

/* Several keys in one file, in order: each with its subtree, or only its own values. */
typedef struct mend_regfile_key {
    const char *path;
    bool values_only;
} mend_regfile_key;
int mend_regfile_render_keys(const mend_host *h, const mend_regfile_key *keys, size_t n, char **utf8,
                             size_t *len, mend_err *e);
int mend_regfile_export_keys(const mend_host *h, const mend_regfile_key *keys, size_t n, const char *file,
                             mend_err *e);
/* The same written with mend_write_file_deferred: durable at the next durable write. */
int mend_regfile_export_keys_deferred(const mend_host *h, const mend_regfile_key *keys, size_t n,
                                      const char *file, mend_err *e);

typedef struct mend_regfile mend_regfile;

/* Parses a whole .reg file (UTF-16LE with BOM, or UTF-8 with or without BOM; also the old
 * "REGEDIT4" header). Nothing is applied here; a malformed file fails with MEND_E_INVALID and
 * a message naming the line: "line 12: ...". */
int mend_regfile_parse(const unsigned char *buf, size_t len, mend_regfile **out, mend_err *e);
void mend_regfile_free(mend_regfile *rf);

/* The keys the file creates and the values it sets, in file order, for readers (deletions are
 * skipped): fn gets value NULL for a [KEY] line. Paths have short roots. */
typedef void (*mend_regfile_visit_fn)(void *ud, const char *key, const mend_regval *value);
int mend_regfile_visit(const mend_regfile *rf, mend_regfile_visit_fn fn, void *ud);

/* How many key deletions ([-KEY]) and value deletions ("v"=-) the file holds. */
size_t mend_regfile_deletions(const mend_regfile *rf);

/* What applying the file could delete or overwrite, as keys to back up first: a key the file
 * deletes with its subtree, a key whose values it sets or deletes with its own values only.
 * Each key once (a subtree wins), in the order of first mention. Fills *out (malloc'd; the
 * paths are borrowed from rf) and *n. */
int mend_regfile_touched(const mend_regfile *rf, mend_regfile_key **out, size_t *n, mend_err *e);

/* Applies a parsed file in order through the host's reg operations. */
int mend_regfile_apply(const mend_regfile *rf, const mend_host *h, mend_err *e);

/* Reads, parses and applies file (UTF-8 path). */
int mend_regfile_import(const mend_host *h, const char *file, mend_err *e);

#endif
