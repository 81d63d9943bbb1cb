/* mend's entry point: parse the command line, then hand over to the commands. */
#include "cli.h"
#include "commands.h"
#include "engine_private.h"

#include <stdio.h>

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
        if (argc <= 1)
            mend_cli_usage(stderr);
        return 2;
    }
    return mend_commands_run(&o);
}
