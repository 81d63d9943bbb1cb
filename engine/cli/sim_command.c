/* `mend sim init [SCENARIO] | show | reset`: manage the simulator's state file. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "platform.h"

static int fail(const mend_err *e)
{
    fprintf(stderr, "mend: %s\n", e->msg);
    return 2;
}

static int usage(const char *msg)
{
    fprintf(stderr, "mend: %s\nusage: mend sim init [SCENARIO] | show | reset  [--host sim[:STATE_FILE]] [--force]\n", msg);
    return 2;
}

/* The state file --host names: sim:FILE, or the default one. */
static char *state_path(const mend_host_config *cfg, mend_err *e)
{
    const char *spec = cfg->spec;
    if (spec && strncmp(spec, "sim:", 4) == 0 && spec[4])
        return mend_strdup(spec + 4);
    if (spec && strcmp(spec, "sim") != 0) {
        mend_err_set(e, MEND_E_INVALID, 0, "`mend sim` manages the simulator; use --host sim or --host sim:FILE");
        return NULL;
    }
    char *p = sim_default_state_file(cfg);
    if (!p)
        mend_err_set(e, MEND_E_NOT_FOUND, 0, "cannot find a folder for the simulator's state (set MEND_STATE_DIR)");
    return p;
}

static int init(const char *scenario, const char *path, const mend_host_config *cfg, bool force)
{
    mend_err e;
    mend_err_clear(&e);
    /* A hand-written scenario given as sim:FILE is the admin's file, not mend's state; the
     * state folder's file is mend's whatever an older mend seeded it with. */
    bool explicit_file = cfg->spec && strncmp(cfg->spec, "sim:", 4) == 0;
    if (!force && explicit_file && mend_refuse_special(path, &e) != 0) {   /* a pipe would block the peek */
        fprintf(stderr, "mend: %s; nothing was changed\n", e.msg);
        return 2;
    }
    if (!force && explicit_file && !sim_is_mend_state(path)) {
        fprintf(stderr, "mend: %s is not a simulator state mend wrote (its first line is not \"%s\"); "
                        "nothing was changed. Give --force to overwrite it anyway.\n", path, SIM_STATE_MARK);
        return 2;
    }
    if (cfg->dry_run) { /* --dry-run changes nothing here either: the scenario is only checked */
        sim_machine *m;
        if (sim_scenario_load_file(scenario, &m, &e) != 0)
            return fail(&e);
        sim_machine_free(m);
        if (!cfg->quiet)
            fprintf(stderr, "mend: would make simulator state %s hold %s (dry run: nothing was changed)\n", path,
                    scenario);
        return 0;
    }
    char *dir = mend_dirname(path);
    if (!dir || mend_mkdirs(dir, &e) != 0) {
        free(dir);
        return fail(&e);
    }
    free(dir);
    struct mend_lock *l = sim_lock_state(path, &e);
    if (!l)
        return fail(&e);
    int rc = sim_seed_state(scenario, path, &e);
    mend_lock_release(l);
    if (rc != 0)
        return fail(&e);
    if (!cfg->quiet)
        fprintf(stderr, "mend: simulator state %s now holds %s\n", path, scenario);
    return 0;
}

static int show(const char *path, const mend_host_config *cfg)
{
    mend_host_config c = *cfg;
    c.dry_run = true;
    c.quiet = true;
    mend_host h;
    mend_err e;
    mend_err_clear(&e);
    bool explicit_file = cfg->spec && strncmp(cfg->spec, "sim:", 4) == 0;
    if (sim_host_open(&h, &c, explicit_file ? path : NULL, &e) != 0)
        return fail(&e);
    sim_show(sim_host_machine(&h), sim_host_state_file(&h), stdout);
    mend_host_close(&h);
    return 0;
}

int sim_command(const mend_options *o, const mend_host_config *cfg)
{
    const char *verb = o->sim_verb ? o->sim_verb : "";
    mend_err e;
    mend_err_clear(&e);
    mend_host_config c = *cfg;
    if (o->verbosity < 0)
        c.quiet = true;
    bool is_init = strcmp(verb, "init") == 0;
    if (!is_init && strcmp(verb, "show") != 0 && strcmp(verb, "reset") != 0)
        return usage(*verb ? "unknown `mend sim` command" : "`mend sim` needs init, show or reset");
    if (o->nargs > (is_init ? 1 : 0))
        return usage(is_init ? "`mend sim init` takes at most one scenario file" : "too many arguments");
    char *path = state_path(&c, &e);
    if (!path)
        return fail(&e);
    int rc;
    if (strcmp(verb, "show") == 0) {
        rc = show(path, &c);
    } else {
        char *scenario = is_init && o->nargs ? mend_strdup(o->args[0]) : sim_demo_scenario(&c, &e);
        rc = scenario ? init(scenario, path, &c, o->force) : fail(&e);
        free(scenario);
    }
    free(path);
    return rc;
}
