/* Command-line parsing: argv -> mend_options, with one clear line for every mistake. */
#include "cli.h"
#include "engine.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(char *err, size_t errlen, const char *fmt, ...) MEND_PRINTF(3, 4);

static int usage_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return 2;
}

int mend_cli_parse_size(const char *s, size_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned long long mult = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0': break;
    case 'k': mult = 1024ULL; end++; break;
    case 'm': mult = 1024ULL * 1024; end++; break;
    case 'g': mult = 1024ULL * 1024 * 1024; end++; break;
    default: return -1;
    }
    /* Also accept "64MB", "64MiB", "1gb". */
    if (mult > 1 && (*end == 'i' || *end == 'I'))
        end++;
    if (mult > 1 && (*end == 'b' || *end == 'B'))
        end++;
    if (*end != '\0')
        return -1;
    if (v > SIZE_MAX / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static bool valid_host(const char *v)
{
    return strcmp(v, "local") == 0 || strcmp(v, "sim") == 0 ||
           (strncmp(v, "sim:", 4) == 0 && v[4] != '\0');
}

enum { OPT_FLAG, OPT_VALUE };

typedef struct cli_state {
    mend_options *o;
    bool quiet, verbose;
    char **argv;
    int *npos;
} cli_state;

/* Applies one option; value is NULL for flags. Returns 0 or 2 with err filled. */
static int apply_option(cli_state *st, const char *name, const char *value, char *err, size_t errlen)
{
    mend_options *o = st->o;
    if (strcmp(name, "--host") == 0) {
        if (!valid_host(value))
            return usage_error(err, errlen, "bad value for --host: '%s' (expected local, sim or sim:FILE)", value);
        o->host_spec = value;
    } else if (strcmp(name, "--allow") == 0) {
        unsigned mask = 0;
        char why[200];
        if (mend_gate_parse(value, &mask, why, sizeof why) != 0)
            return usage_error(err, errlen, "%s", why);
        o->allow |= mask;
    } else if (strcmp(name, "--report") == 0 || strcmp(name, "--journal") == 0) {
        if (!*value)
            return usage_error(err, errlen, "%s needs a file name", name);
        if (name[2] == 'r')
            o->report_path = value;
        else
            o->journal_path = value;
    } else if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0 || strcmp(name, "--plan") == 0) {
        if (!*value)
            return usage_error(err, errlen, "%s needs a file name", name);
        if (strcmp(name, "--plan") == 0)
            o->plan_path = value;
        else
            o->output = value;
    } else if (strcmp(name, "--evidence") == 0 || strcmp(name, "--from-evidence") == 0) {
        if (!*value)
            return usage_error(err, errlen, "%s needs a folder name", name);
        if (name[2] == 'e')
            o->evidence_dir = value;
        else
            o->from_evidence = value;
    } else if (strcmp(name, "--force") == 0) {
        o->force = true;
    } else if (strcmp(name, "--expect") == 0 || strcmp(name, "--scenario") == 0) {
        if (o->cmd != MEND_CMD_TEST)
            return usage_error(err, errlen, "%s only applies to mend test", name);
        if (!*value)
            return usage_error(err, errlen, "%s needs a file name", name);
        if (name[2] == 'e')
            o->expect_path = value;
        else /* scenarios are packed with the positionals, like mend test's own */
            st->argv[1 + (*st->npos)++] = (char *)value;
    } else if (strcmp(name, "--timeout") == 0) {
        if (parse_seconds(value, &o->timeout_s) != 0)
            return usage_error(err, errlen, "bad value for --timeout: '%s' (expected a positive number of seconds)", value);
    } else if (strcmp(name, "--max-memory") == 0) {
        size_t sz;
        if (mend_cli_parse_size(value, &sz) != 0)
            return usage_error(err, errlen, "bad value for --max-memory: '%s' (expected a size like 64M, 1G, 512k or bytes)", value);
        if (sz < 1024 * 1024)
            return usage_error(err, errlen, "bad value for --max-memory: '%s' (at least 1M)", value);
        o->max_memory = sz;
    } else if (strcmp(name, "--exit-codes") == 0) {
        if (strcmp(value, "default") == 0)
            o->exit_style = MEND_EXIT_DEFAULT;
        else if (strcmp(value, "sccm") == 0)
            o->exit_style = MEND_EXIT_SCCM;
        else
            return usage_error(err, errlen, "bad value for --exit-codes: '%s' (expected default or sccm)", value);
    } else if (strcmp(name, "--stop-holder") == 0) {
        /* Names a program that holds a policy open and is not a known IPsec/VPN client: the
         * ladder may stop it (still behind --allow kill). */
        if (!*value || value[0] == ',')
            return usage_error(err, errlen, "--stop-holder needs a program name, e.g. --stop-holder holder.exe");
        if (o->nstop_holders >= MEND_MAX_STOP_HOLDERS)
            return usage_error(err, errlen, "--stop-holder given more than %d times; list names with commas",
                               MEND_MAX_STOP_HOLDERS);
        o->stop_holders[o->nstop_holders++] = value;
    } else if (strcmp(name, "--color") == 0) {
        if (strcmp(value, "auto") == 0)
            o->color = MEND_COLOR_AUTO;
        else if (strcmp(value, "always") == 0)
            o->color = MEND_COLOR_ALWAYS;
        else if (strcmp(value, "never") == 0)
            o->color = MEND_COLOR_NEVER;
        else
            return usage_error(err, errlen, "bad value for --color: '%s' (expected auto, always or never)", value);
    } else if (strcmp(name, "--summary") == 0) {
        o->summary = true;
    } else if (strcmp(name, "--dry-run") == 0) {
        o->dry_run = true;
    } else if (strcmp(name, "--yes") == 0 || strcmp(name, "-y") == 0) {
        o->yes = true;
    } else if (strcmp(name, "--json") == 0) {
        o->json = true;
    } else if (strcmp(name, "--unsafe") == 0) {
        o->unsafe = true;
    } else if (strcmp(name, "--all-pending") == 0) {
        o->all_pending = true;
    } else if (strcmp(name, "--resume") == 0) {
        o->resume = true;
    } else if (strcmp(name, "-q") == 0 || strcmp(name, "--quiet") == 0) {
        st->quiet = true;
        o->verbosity = -1;
    } else if (strcmp(name, "-v") == 0 || strcmp(name, "--verbose") == 0) {
        st->verbose = true;
        o->verbosity = o->verbosity > 0 ? o->verbosity + 1 : 1;
    } else if (strcmp(name, "-vv") == 0) {
        st->verbose = true;
        o->verbosity = 2;
    }
    if (st->quiet && st->verbose)
        return usage_error(err, errlen, "-q and -v cannot be used together");
    return 0;
}

static const char *const with_value[] = {"--host", "--allow", "--report", "--journal", "--timeout",
                                          "--max-memory", "--exit-codes", "-o", "--output", "--plan",
                                          "--expect", "--scenario", "--stop-holder", "--color",
                                          "--evidence", "--from-evidence"};
static const char *const flags[] = {"--dry-run", "--yes", "-y", "--json", "--unsafe", "--all-pending",
                                    "--resume", "--summary", "-q", "--quiet", "-v", "-vv", "--verbose",
                                    "--help", "-h", "--version", "--force"};
enum { NWITH_VALUE = sizeof with_value / sizeof *with_value, NFLAGS = sizeof flags / sizeof *flags };

static int option_kind(const char *name)
{
    for (size_t i = 0; i < NWITH_VALUE; i++)
        if (strcmp(name, with_value[i]) == 0)
            return OPT_VALUE;
    for (size_t i = 0; i < NFLAGS; i++)
        if (strcmp(name, flags[i]) == 0)
            return OPT_FLAG;
    return -1;
}

static int unknown_option(const char *name, char *err, size_t errlen)
{
    const char *all[NWITH_VALUE + NFLAGS];
    for (size_t i = 0; i < NWITH_VALUE; i++)
        all[i] = with_value[i];
    for (size_t i = 0; i < NFLAGS; i++)
        all[NWITH_VALUE + i] = flags[i];
    const char *near = strlen(name) > 2 ? mend_suggest(name, all, NWITH_VALUE + NFLAGS) : NULL;
    if (near)
        return usage_error(err, errlen, "unknown option '%s'; did you mean '%s'? (see mend --help)", name, near);
    return usage_error(err, errlen, "unknown option '%s' (see mend --help)", name);
}

static int refuse_option_after_script(const char *arg, char *err, size_t errlen)
{
    if (arg[0] != '-')
        return 0;
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    char name[64];
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n >= sizeof name)
        return 0;
    memcpy(name, arg, n);
    name[n] = '\0';
    int kind = option_kind(name);
    if (kind < 0)
        return 0;
    return usage_error(err, errlen,
                       "'%s' after the script is a mend option: put it before the script "
                       "(mend run %s%s SCRIPT.lua ...), or after -- to pass it to the script",
                       name, name, kind == OPT_VALUE ? " VALUE" : "");
}

/* Handles argv[*i] (an option); may consume the next argv entry as its value. */
static int parse_option(cli_state *st, int argc, char **argv, int *i, char *err, size_t errlen)
{
    const char *arg = argv[*i];
    char name[64];
    const char *value = NULL;
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (nlen >= sizeof name)
        return usage_error(err, errlen, "unknown option '%.40s...' (see mend --help)", arg);
    memcpy(name, arg, nlen);
    name[nlen] = '\0';
    if (eq)
        value = eq + 1;

    int kind = option_kind(name);
    if (kind < 0)
        return unknown_option(name, err, errlen);
    if (kind == OPT_FLAG && value)
        return usage_error(err, errlen, "option '%s' takes no value", name);
    if (kind == OPT_VALUE && !value) {
        if (*i + 1 >= argc)
            return usage_error(err, errlen, "option '%s' needs a value (see mend --help)", name);
        value = argv[++*i];
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        /* mend fix --help: the help of the command already given */
        st->o->help_for = st->o->cmd == MEND_CMD_HELP ? st->o->help_for : st->o->cmd;
        st->o->cmd = MEND_CMD_HELP;
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        st->o->cmd = MEND_CMD_VERSION;
        return 0;
    }
    return apply_option(st, name, value, err, errlen);
}

/* A positional word: the command, then what that command takes. */
static int parse_positional(mend_options *o, char **argv, int *npos, const char *arg, char *err,
                            size_t errlen)
{
    if (o->cmd == MEND_CMD_NONE) {
        const mend_cli_command_info *c = mend_cli_command_by_word(arg);
        if (c) {
            o->cmd = c->cmd;
            return 0;
        }
        const char *near = mend_cli_suggest_command(arg);
        char list[160];
        mend_cli_command_list(list, sizeof list);
        if (near)
            return usage_error(err, errlen, "unknown command '%s'; did you mean '%s'? (expected %s; see mend --help)",
                               arg, near, list);
        return usage_error(err, errlen, "unknown command '%s' (expected %s; see mend --help)", arg, list);
    }
    switch (o->cmd) {
    case MEND_CMD_RUN:
        if (!o->script) {
            o->script = arg;
            return 0;
        }
        break;
    case MEND_CMD_BATCH:
        if (o->script)
            return usage_error(err, errlen, "mend batch takes one list file, got '%s' as well", arg);
        o->script = arg;
        return 0;
    case MEND_CMD_SIM:
        if (!o->sim_verb) {
            static const char *const verbs[] = {"init", "show", "reset"};
            if (strcmp(arg, "init") != 0 && strcmp(arg, "show") != 0 && strcmp(arg, "reset") != 0) {
                const char *near = mend_suggest(arg, verbs, 3);
                return usage_error(err, errlen, "unknown sim command '%s'%s%s%s (expected init, show or reset)", arg,
                                   near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            }
            o->sim_verb = arg;
            return 0;
        }
        if (*npos >= 1)
            return usage_error(err, errlen, "mend sim %s takes at most one scenario, got '%s' as well", o->sim_verb, arg);
        break;
    case MEND_CMD_APPLY:
        if (o->plan_path)
            return usage_error(err, errlen, "mend apply takes one plan file, got '%s' as well", arg);
        o->plan_path = arg;
        return 0;
    case MEND_CMD_PLAN:
        if (!o->plan_verb) {
            if (strcmp(arg, "approve") != 0)
                return usage_error(err, errlen, "unknown plan command '%s' (expected: mend plan approve PLAN.json)", arg);
            o->plan_verb = arg;
            return 0;
        }
        if (o->plan_path)
            return usage_error(err, errlen, "mend plan approve takes one plan file, got '%s' as well", arg);
        o->plan_path = arg;
        return 0;
    case MEND_CMD_SHELL:
        return usage_error(err, errlen, "mend shell takes no arguments, got '%s'", arg);
    case MEND_CMD_TEST:
        if (!o->script) {
            o->script = arg;
            return 0;
        }
        break; /* a scenario */
    case MEND_CMD_HELP: {
        /* mend help fix */
        const mend_cli_command_info *c = mend_cli_command_by_word(arg);
        if (!c) {
            const char *near = mend_cli_suggest_command(arg);
            return usage_error(err, errlen, "no help for '%s'%s%s%s (see mend --help)", arg,
                               near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
        if (!o->help_for)
            o->help_for = c->cmd;
        return 0;
    }
    case MEND_CMD_VERSION:
        return 0;
    case MEND_CMD_FIX:
    case MEND_CMD_CHECK:
        /* No policy has an empty name: an empty word is a script's unset variable, and must not
         * read as "every policy" or as a name that is merely missing. */
        if (!*arg)
            return usage_error(err, errlen, "a policy name cannot be empty (an unset variable?); name the policy, "
                               "or give no name for every policy pending deletion");
        break;
    default:
        break;
    }
    /* Positionals are packed at the front of argv so o->args needs no copy. */
    argv[1 + (*npos)++] = (char *)arg;
    return 0;
}

static int check_complete(const mend_options *o, char *err, size_t errlen)
{
    switch (o->cmd) {
    case MEND_CMD_NONE: {
        char list[160];
        mend_cli_command_list(list, sizeof list);
        return usage_error(err, errlen, "no command given (expected %s; see mend --help)", list);
    }
    case MEND_CMD_RUN:
        if (!o->script)
            return usage_error(err, errlen, "mend run needs a script: mend run SCRIPT.lua [ARGS...]");
        break;
    case MEND_CMD_BATCH:
        if (!o->script)
            return usage_error(err, errlen, "mend batch needs a list file (or - for standard input): mend batch FILE");
        break;
    case MEND_CMD_SIM:
        if (!o->sim_verb)
            return usage_error(err, errlen, "mend sim needs init, show or reset");
        break;
    case MEND_CMD_APPLY:
        if (!o->plan_path)
            return usage_error(err, errlen, "mend apply needs a plan file: mend apply PLAN.json");
        break;
    case MEND_CMD_PLAN:
        if (!o->plan_path)
            return usage_error(err, errlen, "mend plan needs a command and a plan file: mend plan approve PLAN.json");
        break;
    case MEND_CMD_TEST:
        if (!o->script)
            return usage_error(err, errlen, "mend test needs a script: mend test SCRIPT.lua [--scenario FILE...] [--expect FILE]");
        break;
    default:
        break;
    }
    if (o->output && o->cmd != MEND_CMD_CAPTURE)
        return usage_error(err, errlen, "-o only applies to mend capture");
    if ((o->evidence_dir || o->from_evidence) && o->cmd != MEND_CMD_CAPTURE)
        return usage_error(err, errlen, "%s only applies to mend capture",
                           o->evidence_dir ? "--evidence" : "--from-evidence");
    if (o->force && o->cmd != MEND_CMD_CAPTURE && o->cmd != MEND_CMD_SIM)
        return usage_error(err, errlen, "--force only applies to mend capture --evidence DIR and mend sim init|reset");
    if (o->evidence_dir && (o->from_evidence || o->output))
        return usage_error(err, errlen, "--evidence writes a folder: it takes neither -o nor --from-evidence");
    if (o->force && o->cmd == MEND_CMD_CAPTURE && !o->evidence_dir)
        return usage_error(err, errlen, "--force only applies to mend capture --evidence DIR");
    if (o->plan_path && o->cmd != MEND_CMD_FIX && o->cmd != MEND_CMD_BATCH && o->cmd != MEND_CMD_RUN &&
        o->cmd != MEND_CMD_APPLY && o->cmd != MEND_CMD_PLAN)
        return usage_error(err, errlen, "--plan only applies to mend fix, mend batch and mend run");
    if (o->nstop_holders && o->cmd != MEND_CMD_FIX && o->cmd != MEND_CMD_BATCH && o->cmd != MEND_CMD_RUN)
        return usage_error(err, errlen, "--stop-holder only applies to mend fix, mend batch and mend run");
    if (o->all_pending && o->cmd != MEND_CMD_FIX)
        return usage_error(err, errlen, "--all-pending only applies to mend fix");
    if (o->resume && o->cmd != MEND_CMD_FIX && o->cmd != MEND_CMD_BATCH)
        return usage_error(err, errlen, "--resume only applies to mend fix and mend batch");
    return 0;
}

int mend_cli_parse(int argc, char **argv, mend_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = MEND_DEFAULT_TIMEOUT_S;
    o->max_memory = MEND_DEFAULT_MAX_MEMORY;
    if (err && errlen)
        err[0] = '\0';
    int npos = 0;
    cli_state st = {.o = o, .argv = argv, .npos = &npos};
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        /* After run's script path the arguments are the script's, but one that is a mend option
         * is refused: a mistyped `mend run x.lua --dry-run` must never run for real. */
        if (o->cmd == MEND_CMD_RUN && o->script) {
            if (!options_done && (rc = refuse_option_after_script(arg, err, errlen)) != 0)
                return rc;
            argv[1 + npos++] = (char *)arg;
            continue;
        }
        bool is_option = !options_done && arg[0] == '-' && arg[1] != '\0';
        if (is_option)
            rc = parse_option(&st, argc, argv, &i, err, errlen);
        else
            rc = parse_positional(o, argv, &npos, arg, err, errlen);
        /* After --help, a stray option is no reason to withhold the help asked for. */
        if (rc && is_option && o->cmd == MEND_CMD_HELP) {
            if (err && errlen)
                err[0] = '\0';
            return 0;
        }
        if (rc)
            return rc;
        if (o->cmd == MEND_CMD_VERSION || (o->cmd == MEND_CMD_HELP && o->help_for))
            return 0;
    }
    if (o->cmd == MEND_CMD_HELP)
        return 0;
    o->args = argv + 1;
    o->nargs = npos;
    return check_complete(o, err, errlen);
}
