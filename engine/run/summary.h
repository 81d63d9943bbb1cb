/* The one-line run summary that fleet tools (Intune, SCCM, log collectors) capture. */
#ifndef MEND_SUMMARY_H
#define MEND_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "options.h"
#include "report.h"

/* Intune keeps the last line of output and cuts it at 2,048 characters; staying under that in
 * bytes keeps it whole in every encoding. */
#define MEND_SUMMARY_MAX 2048

/* Writes the summary of a fix (or batch, or run) into buf: one line, valid UTF-8, no BOM, no
 * control characters, at most min(n, MEND_SUMMARY_MAX) - 1 bytes plus the NUL; a line that
 * would be longer ends in "…" at a code point boundary. Policy names are quoted with quotes,
 * backslashes and control or invisible characters escaped, and long names shortened. Returns
 * the length written. */
size_t mend_summary_line(const mend_report *r, char *buf, size_t n);

/* The same for the command that made the report: MEND_CMD_CHECK words it as a diagnosis
 * ("found 2 stuck policies"), every other command as a fix. */
size_t mend_summary_line_for(const mend_report *r, mend_command cmd, char *buf, size_t n);

/* The same from the report already read back as JSON (mend_report_json parsed), so callers that
 * need the document anyway read a 10,000-policy report once. */
struct cJSON;
size_t mend_summary_from_doc(const struct cJSON *doc, mend_command cmd, char *buf, size_t n);

/* Prints line and a newline to out after flushing stdout and stderr, so it comes last. */
void mend_summary_emit(const char *line, FILE *out);

#endif
