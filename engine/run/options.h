/* What one run was asked to do: the parsed command line every layer above the hosts reads. */
#ifndef MEND_OPTIONS_H
#define MEND_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum mend_command {
    MEND_CMD_NONE = 0,
    MEND_CMD_RUN,        /* mend run SCRIPT.lua [ARGS...] */
    MEND_CMD_FIX,        /* mend fix [POLICY...] [--all-pending] [--resume] */
    MEND_CMD_CHECK,      /* mend check [POLICY...] */
    MEND_CMD_BATCH,      /* mend batch FILE|- */
    MEND_CMD_SIM,        /* mend sim init|show|reset [SCENARIO] */
    MEND_CMD_HELP,
    MEND_CMD_VERSION,
    MEND_CMD_CAPTURE,    /* mend capture [POLICY...] [-o FILE] */
    MEND_CMD_APPLY,      /* mend apply PLAN.json */
    MEND_CMD_SHELL,      /* mend shell: an interactive Lua prompt */
    MEND_CMD_TEST,       /* mend test SCRIPT [SCENARIO...] [--scenario FILE] [--expect FILE] */
    MEND_CMD_PLAN        /* mend plan approve PLAN.json */
} mend_command;

#define MEND_MAX_STOP_HOLDERS 16

typedef enum mend_color { MEND_COLOR_AUTO = 0, MEND_COLOR_ALWAYS, MEND_COLOR_NEVER } mend_color;

typedef enum mend_exit_style { MEND_EXIT_DEFAULT = 0, MEND_EXIT_SCCM } mend_exit_style;

typedef struct mend_options {
    mend_command cmd;
    const char *host_spec;     /* --host; NULL = platform default */
    bool dry_run;              /* --dry-run */
    unsigned allow;            /* --allow: MEND_GATE_* bits */
    bool yes;                  /* --yes */
    bool json;                 /* --json */
    const char *report_path;   /* --report FILE */
    const char *journal_path;  /* --journal FILE */
    int verbosity;             /* -q: -1, default 0, -v: 1 (-vv: 2) */
    double timeout_s;          /* --timeout SECONDS (0 = no limit) */
    size_t max_memory;         /* --max-memory SIZE in bytes (0 = no limit) */
    bool unsafe;               /* --unsafe */
    bool all_pending;          /* fix: --all-pending */
    bool resume;               /* fix: --resume */
    mend_exit_style exit_style;/* --exit-codes default|sccm */
    bool summary;              /* --summary: end with the one-line summary (Intune) */
    const char *script;        /* run: script path; batch: list file or "-" */
    const char *sim_verb;      /* sim: "init" | "show" | "reset" */
    char **args;               /* run: the script's args; fix/check: policy names; sim: scenario */
    int nargs;
    const char *output;        /* capture: -o FILE (NULL = standard output) */
    const char *evidence_dir;  /* capture: --evidence DIR (the raw-facts bundle) */
    const char *from_evidence; /* capture: --from-evidence DIR (a twin from a bundle) */
    const char *plan_path;     /* fix/batch: --plan FILE (a dry-run that writes the plan); apply, plan: the plan */
    const char *plan_verb;     /* plan: "approve" */
    const char *expect_path;   /* test: --expect FILE (default: SCRIPT's name with .expect.lua) */
    const char *stop_holders[MEND_MAX_STOP_HOLDERS]; /* --stop-holder NAME[,NAME]: holders a fix may stop */
    int nstop_holders;
    mend_command help_for;     /* help: the command whose help (mend fix --help); NONE = all */
    mend_color color;          /* --color auto|always|never */
    bool force;                /* sim init/reset: over a file that is not a mend state; capture --evidence: into a non-empty DIR */
    bool exit_after;           /* set by main: the process ends when the command returns */
} mend_options;

#define MEND_DEFAULT_TIMEOUT_S 1800.0
#define MEND_DEFAULT_MAX_MEMORY ((size_t)1024 * 1024 * 1024)

#endif
