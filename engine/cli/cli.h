/* Command-line parsing: argv -> mend_options, with one clear line for every mistake. */
#ifndef MEND_CLI_H
#define MEND_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* Returns 0 and fills *o, or returns 2 (the usage exit code) with a one-line reason in err.
 * o->args points into argv (no copies). */
int mend_cli_parse(int argc, char **argv, mend_options *o, char *err, size_t errlen);

/* "--max-memory" sizes: 64M, 1G, 512k, plain bytes. Returns -1 on a bad value. */
int mend_cli_parse_size(const char *s, size_t *out);

#include <stdio.h>
void mend_cli_usage(FILE *out);
#endif
