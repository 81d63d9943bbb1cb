/* mend's entry point: parse the command line, then hand over to the commands. */
#include "cli.h"
#include "commands.h"
#include "engine_private.h"

#include "report.h"

#include <stdio.h>
#include <string.h>

/* --json among the options (before "--" or a script's own arguments is close enough: a
 * usage error means the line was not understood anyway). */
static bool wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    if (mend_platform_init(&argc, &argv) != 0) {
        fputs("mend: cannot read the command line\n", stderr);
        return 2;
    }
    mend_options o;
    char err[512];
    if (mend_cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "mend: %s\n", err);
        if (wants_json(argc, argv))
            mend_report_print_usage_error(err, stdout);
        if (argc <= 1)
            mend_cli_usage(stderr);
        return 2;
    }
    o.exit_after = true;
    return mend_commands_run(&o);
}
