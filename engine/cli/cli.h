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
/* The one table of command words (cli_help.c): word, usage, summary, options, examples. */
typedef struct mend_cli_command_info {
    const char *word;
    mend_command cmd;
    const char *usage, *summary, *options, *examples;
} mend_cli_command_info;
const mend_cli_command_info *mend_cli_commands(size_t *n);
const mend_cli_command_info *mend_cli_command_by_word(const char *word);
const char *mend_cli_command_word(mend_command cmd);   /* "" for none */
/* "fix, check, ... or test" */
void mend_cli_command_list(char *buf, size_t size);
const char *mend_cli_suggest_command(const char *word);

void mend_cli_usage(FILE *out);
/* mend COMMAND --help: that command's usage, options and examples. */
void mend_cli_command_usage(FILE *out, mend_command cmd);
#endif
