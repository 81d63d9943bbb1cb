/* The commands behind the CLI: help, version, test and sim here; every other one is a run. */
#include "commands.h"
#include "engine.h"
#include "log.h"
#include "paths.h"
#include "platform.h"
#include "runner.h"
#include "testrun.h"

#include <stdio.h>
#include <stdlib.h>

static int sim(const mend_options *o)
{
    char *state_dir = mend_state_dir();
    if (!state_dir) {
        fprintf(stderr, "mend: cannot find a folder for mend's state; set MEND_STATE_DIR\n");
        return 2;
    }
    char *data_dir = mend_data_dir();
    mend_host_config cfg = {
        .spec = o->host_spec, .dry_run = o->dry_run, .state_dir = state_dir,
        .data_dir = data_dir, .quiet = o->verbosity < 0 || o->json,
    };
    int code = sim_command(o, &cfg);
    free(data_dir);
    free(state_dir);
    return code;
}

int mend_commands_run(const mend_options *o)
{
    /* auto: a terminal and no NO_COLOR; --color=always|never overrides both. */
    mend_log_init(o->verbosity, mend_isatty_stderr());
    if (o->color != MEND_COLOR_AUTO)
        mend_log_set_color(o->color == MEND_COLOR_ALWAYS);
    if (o->cmd == MEND_CMD_HELP) {
        if (o->help_for)
            mend_cli_command_usage(stdout, o->help_for);
        else
            mend_cli_usage(stdout);
        return 0;
    }
    char owner[64];
    snprintf(owner, sizeof owner, "mend %s", mend_cli_command_word(o->cmd));
    mend_lock_set_owner(owner);
    if (o->cmd == MEND_CMD_VERSION) {
        printf("mend %s\n", MEND_VERSION);
        return 0;
    }
    if (o->cmd == MEND_CMD_TEST)
        return mend_test_command(o);
    if (o->cmd == MEND_CMD_SIM)
        return sim(o);
    char *state_dir = mend_state_dir();
    int code = mend_runner_run(o, state_dir);
    free(state_dir);
    return code;
}
