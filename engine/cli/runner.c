/* One run: set up host, journal, report and Lua, run the script, report. */
#include "runner.h"
#include "own_files.h"
#include "run_lock.h"
#include "batch_list.h"
#include "cli.h"
#include "engine.h"
#include "engine_private.h"
#include "fleet.h"
#include "journal.h"
#include "log.h"
#include "lua_host.h"
#include "lua_private.h"
#include "paths.h"
#include "plan_lua.h"
#include "progress.h"
#include "term.h"
#include "platform.h"
#include "report.h"
#include "shell.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Everything one run owns, released in one place. */
typedef struct run_ctx {
    mend_options opts;        /* a copy: batch puts the list's names in args */
    char *state_dir, *data_dir, *backup_dir, *scripts_dir, *script_dir, *script_path;
    char **names;             /* batch: the parsed list */
    size_t nnames;
    mend_engine eng;
    bool host_open;
    mend_lua *lua;
    bool reported;            /* finish() printed/wrote the report */
    bool report_is_folder;    /* --report names a folder: refused before the run, never written */
    char **capture_args;      /* capture: "--output=FILE" and the names (the strings are borrowed) */
    mend_plan *plan;          /* fix --plan: being recorded; apply: being carried out */
    int interrupted;          /* actions earlier interrupted runs left open (warned about) */
    mend_lock *run_lock;      /* held while a run that may change the machine goes on */
    double late_since;        /* when the host began its deferred load */
    double asked_since;       /* when a question began waiting for the user */
} run_ctx;

static int setup_error(const char *fmt, ...) MEND_PRINTF(1, 2);

/* Outcomes in colour in the table on standard output (--color, NO_COLOR, a terminal). */
static bool g_color_stdout;

/* The last setup problem, for the JSON report a fleet tool still expects. */
static char g_setup_msg[1024];

/* Setup problems end the run with one line and exit code 2. */
static int setup_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_setup_msg, sizeof g_setup_msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mend: %s\n", g_setup_msg);
    return 2;
}

static void run_ctx_free(run_ctx *c)
{
    mend_lua_free(c->lua);
    mend_plan_free(c->plan);
    free(c->capture_args);
    if (c->eng.journal)
        mend_journal_close(c->eng.journal);
    if (c->host_open && c->eng.opts && c->eng.opts->exit_after)
        mend_host_close_at_exit(&c->eng.host);
    else if (c->host_open)
        mend_host_close(&c->eng.host);
    mend_lock_release(c->run_lock);
    mend_report_free(c->eng.report);
    for (size_t i = 0; i < c->eng.ndeleted_before; i++)
        free(c->eng.deleted_before[i]);
    free(c->eng.deleted_before);
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    free(c->state_dir);
    free(c->data_dir);
    free(c->backup_dir);
    free(c->scripts_dir);
    free(c->script_dir);
    free(c->script_path);
}

static int load_batch_list(run_ctx *c)
{
    const char *file = c->opts.script;
    char *buf;
    size_t len = 0;
    mend_err e;
    bool from_stdin = strcmp(file, "-") == 0;
    if (mend_batch_read(file, &buf, &len, &e) != 0)
        return setup_error("%s", e.msg);
    int rc = mend_batch_parse(buf, len, &c->names, &c->nnames, &e);
    free(buf);
    const char *shown = from_stdin ? "standard input" : file;
    if (rc != 0)
        return setup_error("%s: %s", shown, e.msg);
    /* An empty list must not fall through to "fix every stuck policy". */
    if (c->nnames == 0)
        return setup_error("%s names no policies", shown);
    if (c->nnames > (size_t)0x7fffffff)
        return setup_error("%s names too many policies", shown);
    c->opts.args = c->names;
    c->opts.nargs = (int)c->nnames;
    return 0;
}

/* Where the script for this command is, and the folder require searches first. */
static int locate_script(run_ctx *c)
{
    const mend_options *o = &c->opts;
    if (o->cmd == MEND_CMD_SHELL) {
        /* No script: require finds modules in the current folder, then the bundled ones. */
        c->script_dir = mend_dupstr(".");
        return c->script_dir ? 0 : setup_error("out of memory");
    }
    if (o->cmd == MEND_CMD_RUN) {
        c->script_path = mend_bundled_script(o->script, c->data_dir);
        if (!c->script_path)
            c->script_path = mend_dupstr(o->script);
    } else {
        if (!c->scripts_dir)
            return setup_error("cannot find mend's bundled scripts (scripts/fix.lua); set MEND_DATA_DIR to "
                               "the folder that holds scripts/ and scenarios/");
        const char *file = o->cmd == MEND_CMD_CHECK ? "check.lua"
                         : o->cmd == MEND_CMD_CAPTURE ? "capture.lua"
                         : o->cmd == MEND_CMD_APPLY ? "apply.lua" : "fix.lua";
        c->script_path = mend_path_join(c->scripts_dir, file);
    }
    c->script_dir = c->script_path ? mend_dirname(c->script_path) : NULL;
    if (!c->script_path || !c->script_dir)
        return setup_error("out of memory");
    return 0;
}

typedef struct unfinished {
    int count;
    char run[128];
    mend_engine *eng;          /* collects the policies those runs already deleted */
    size_t cap;                /* room in eng->deleted_before */
} unfinished;

/* The policies an interrupted run was deleting: they were stuck then, so one that is gone now
 * was fixed by what that run did (a re-run says so, as the uninterrupted run would have,
 * instead of "no policy has this name"). */
static void note_done(void *ud, const char *run, const char *op, const char *target)
{
    (void)run;
    unfinished *u = ud;
    if (strcmp(op, "ipsec.delete") != 0 && strcmp(op, "ipsec.remove_from_store") != 0)
        return;
    mend_engine *eng = u->eng;
    /* Start-up of a run after a 100,000-policy batch was cut short: amortised growth, and no
     * search for duplicates (the names become Lua table keys, where a repeat costs nothing). */
    if (eng->ndeleted_before >= u->cap) {
        size_t ncap = eng->ndeleted_before ? eng->ndeleted_before * 2 : 64;
        char **grown = realloc(eng->deleted_before, ncap * sizeof *grown);
        if (!grown)
            return;
        eng->deleted_before = grown;
        u->cap = ncap;
    }
    char *copy = mend_dupstr(target);
    if (!copy)
        return;
    eng->deleted_before[eng->ndeleted_before++] = copy;
}

static void warn_unfinished(void *ud, const char *run, const char *op, const char *target)
{
    unfinished *u = ud;
    if (u->count++ == 0 || strcmp(u->run, run) != 0)
        mend_log(MEND_LOG_WARN, "an earlier run (%s) was interrupted; these actions may or may not have "
                                "happened (said until a mend fix, batch or apply completes):", run);
    snprintf(u->run, sizeof u->run, "%s", run);
    mend_log(MEND_LOG_WARN, "  %s %s", op, target);
}

static void make_run_id(char *buf, size_t size)
{
    double now = mend_wall_now();
    time_t secs = (time_t)floor(now);
    struct tm tm;
    mend_gmtime(secs, &tm);
    /* Time to the millisecond plus a few bits of address noise: distinct across quick reruns. */
    unsigned noise = (unsigned)(((size_t)&tm >> 4) ^ (size_t)clock()) & 0xffffu;
    snprintf(buf, size, "%04d%02d%02dT%02d%02d%02d.%03dZ-%04x", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((now - floor(now)) * 1000) % 1000, noise);
}

static char *journal_path(const run_ctx *c)
{
    return c->opts.journal_path ? mend_dupstr(c->opts.journal_path) : mend_path_join(c->state_dir, "journal.jsonl");
}

/* Said before every run, dry or not: the admin must know the machine may be half-changed.
 * Returns how many open actions were found. */
static int warn_if_interrupted(const char *path, mend_engine *eng)
{
    mend_err e;
    unfinished u = {0, "", eng, 0};
    if (mend_journal_unresolved(path, warn_unfinished, note_done, &u, &e) < 0) {
        mend_log(MEND_LOG_WARN, "%s", e.msg);
        return 1;   /* unknown: never claim a clean history */
    }
    return u.count;
}

static int open_journal(run_ctx *c)
{
    char *path = journal_path(c);
    if (!path)
        return setup_error("out of memory");
    mend_err e;
    c->interrupted = warn_if_interrupted(path, &c->eng);
    char run_id[128];
    make_run_id(run_id, sizeof run_id);
    c->eng.journal = mend_journal_open(path, run_id, &e);
    free(path);
    if (!c->eng.journal)
        return setup_error("%s", e.msg);
    mend_journal_set_sync(c->eng.journal, !c->eng.host.what_if);
    char detail[256];
    snprintf(detail, sizeof detail, "%s%s%s", mend_cli_command_word(c->opts.cmd), c->opts.script ? " " : "",
             c->opts.script ? c->opts.script : "");
    if (mend_journal_event(c->eng.journal, "run_start", detail, &e) != 0)
        return setup_error("%s", e.msg);
    return 0;
}

static bool prints_summary(mend_command cmd)
{
    return cmd == MEND_CMD_FIX || cmd == MEND_CMD_BATCH || cmd == MEND_CMD_CHECK || cmd == MEND_CMD_APPLY;
}

/* Report output and the exit code, once the script has run (or failed). */
static int finish(run_ctx *c, int script_rc, int script_ret)
{
    const mend_options *o = &c->opts;
    mend_report *r = c->eng.report;
    int code = script_rc != 0 ? 2 : script_ret >= 0 ? script_ret : mend_report_exit_code(r, o->exit_style);
    c->reported = true;
    mend_progress_end();

    mend_report_finish(r, code);
    if (o->json) {
        if (mend_report_print(r, stdout) != 0)
            code = setup_error("cannot print the report");
    } else if (prints_summary(o->cmd) && o->verbosity < 0) {
        mend_report_print_totals(r, stdout);   /* -q: the totals, one line */
    } else if (prints_summary(o->cmd) && mend_report_policy_count(r) > 0) {
        mend_report_text_options t = {
            .verbose = o->verbosity > 0, .color = g_color_stdout, .width = mend_term_width(),
        };
        mend_report_print_text(r, stdout, &t);
    }
    fflush(stdout);
    if (o->report_path) {
        mend_err e;
        if (mend_report_write(r, o->report_path, &e) != 0)
            code = setup_error("cannot write the report: %s", e.msg);
    }
    if (c->eng.journal) {
        mend_err e;
        char detail[64];
        snprintf(detail, sizeof detail, "%s, exit %d", mend_report_outcome(r), code);
        /* A completed ladder re-read the machine and settled what interrupted runs left. */
        bool resolves = script_rc == 0 && (o->cmd == MEND_CMD_FIX || o->cmd == MEND_CMD_BATCH ||
                                           o->cmd == MEND_CMD_APPLY);
        mend_journal_run_end(c->eng.journal, detail, resolves, c->interrupted, &e);
    }
    if (mend_fleet_after_run(r, o->cmd, o->dry_run, o->summary, o->json) != 0)
        mend_log(MEND_LOG_WARN, "could not write the run's event to the Application log");
    return code;
}

/* Appends " WORD" to buf, quoted when it holds a space or quote (for people, not a shell parser). */
static void add_word(char *buf, size_t size, const char *w, bool quote)
{
    size_t n = strlen(buf);
    if (n + 1 < size)
        snprintf(buf + n, size - n, quote ? " \"%s\"" : " %s", w);
}

/* The command line a plan records: enough to make the same plan again. Options come before the
 * command word, as `mend run` gives everything after its script to the script. */
static void plan_command(const run_ctx *c, char *buf, size_t size)
{
    const mend_options *o = &c->opts;
    snprintf(buf, size, "mend");
    if (o->allow) {
        char gl[64];
        mend_gate_list(o->allow, gl, sizeof gl);
        add_word(buf, size, "--allow", false);
        add_word(buf, size, gl, false);
    }
    if (o->host_spec) {
        add_word(buf, size, "--host", false);
        add_word(buf, size, o->host_spec, strchr(o->host_spec, ' ') != NULL);
    }
    add_word(buf, size, "--plan", false);
    add_word(buf, size, o->plan_path, strchr(o->plan_path, ' ') != NULL);
    if (o->all_pending)
        add_word(buf, size, "--all-pending", false);
    add_word(buf, size, o->cmd == MEND_CMD_BATCH ? "batch" : o->cmd == MEND_CMD_RUN ? "run" : "fix", false);
    if (o->cmd != MEND_CMD_FIX && o->script)
        add_word(buf, size, o->script, strchr(o->script, ' ') != NULL);
    for (int i = 0; o->cmd != MEND_CMD_BATCH && i < o->nargs; i++)
        add_word(buf, size, o->args[i], true);
}

/* fix --plan: written after the dry-run, shown to the person who asked. */
static int plan_finish(run_ctx *c)
{
    char cmd[4096];
    plan_command(c, cmd, sizeof cmd);
    mend_err e;
    if (mend_plan_write(c->plan, &c->eng, cmd, c->opts.plan_path, &e) != 0) {
        fprintf(stderr, "mend: %s\n", e.msg);
        mend_report_fail(c->eng.report, e.msg);
        return -1;
    }
    if (c->opts.verbosity >= 0 && !c->opts.json) {
        char *text = mend_plan_text(c->plan);
        if (text)
            fprintf(stderr, "\n%s\nplan written to %s; carry it out with: mend apply %s\n\n", text,
                    c->opts.plan_path, c->opts.plan_path);
        free(text);
    }
    return 0;
}

/* Before the host opens: capture's arguments, fix --plan's dry-run, apply's plan and gates.
 * Returns an exit code to stop with, or -1 to go on. */
static int mend_plan_prepare(run_ctx *c)
{
    mend_options *o = &c->opts;
    if (o->cmd == MEND_CMD_CAPTURE) {
        /* Read-only by construction: even a capture.lua edited to change something changes
         * nothing (dry-run), and the simulator's state file is not rewritten. */
        o->dry_run = true;
        if (o->json && !o->output && !o->evidence_dir)
            return setup_error("mend capture --json needs -o FILE: the scenario and the report would both go to "
                               "standard output");
        c->capture_args = calloc((size_t)o->nargs + 5, sizeof *c->capture_args);
        if (!c->capture_args)
            return setup_error("out of memory");
        int n = 0;
        static char outarg[4200];
        if (o->output) {
            if (strlen(o->output) > 4096)
                return setup_error("the -o file name is too long");
            snprintf(outarg, sizeof outarg, "--output=%s", o->output);
            c->capture_args[n++] = outarg;
        }
        /* --evidence DIR, --from-evidence DIR, --force: the script's own arguments, as -o. */
        static char evarg[4200], fromarg[4200], forcearg[] = "--force";
        const char *dirs[2] = { o->evidence_dir, o->from_evidence };
        char *bufs[2] = { evarg, fromarg };
        static const char *const words[2] = { "--evidence", "--from-evidence" };
        for (int k = 0; k < 2; k++) {
            if (!dirs[k])
                continue;
            if (strlen(dirs[k]) > 4096)
                return setup_error("the %s folder name is too long", words[k]);
            snprintf(bufs[k], 4200, "%s=%s", words[k], dirs[k]);
            c->capture_args[n++] = bufs[k];
        }
        if (o->force)
            c->capture_args[n++] = forcearg;
        for (int i = 0; i < o->nargs; i++)
            c->capture_args[n++] = o->args[i];
        o->args = c->capture_args;
        o->nargs = n;
        return -1;
    }
    if (o->plan_path && (o->cmd == MEND_CMD_FIX || o->cmd == MEND_CMD_BATCH || o->cmd == MEND_CMD_RUN)) {
        /* A plan is made by a dry-run: on the simulator that is exact, every action runs. */
        o->dry_run = true;
        c->plan = mend_plan_new();
        return c->plan ? -1 : setup_error("out of memory");
    }
    if (o->cmd != MEND_CMD_APPLY)
        return -1;
    mend_err e;
    /* The plan for people is shown whoever signed it; carrying it out needs this host's signature. */
    c->plan = mend_plan_load(o->plan_path, o->dry_run ? NULL : c->state_dir, &e);
    if (!c->plan)
        return setup_error("%s", e.msg);
    if (o->dry_run) {
        char *text = mend_plan_text(c->plan);
        if (!text)
            return setup_error("out of memory");
        fputs(text, stdout);
        printf("\nsignature: %s\n", mend_plan_signature_note(c->plan, c->state_dir));
        free(text);
        return 0;
    }
    unsigned missing = mend_plan_gates(c->plan) & ~o->allow;
    if (missing) {
        char gl[64];
        mend_gate_list(missing, gl, sizeof gl);
        return setup_error("this plan needs --allow %s (it was made with it); nothing was done", gl);
    }
    return -1;
}

/* mend plan approve FILE: the plan for people, rendered from what apply executes, then signed
 * with this host's key after a yes (--yes, or y on the terminal). Changes nothing else. */
static int plan_approve_command(run_ctx *c)
{
    const char *path = c->opts.plan_path;
    mend_err e;
    c->plan = mend_plan_load(path, NULL, &e);
    if (!c->plan)
        return setup_error("%s", e.msg);
    char *text = mend_plan_text(c->plan);
    if (!text)
        return setup_error("out of memory");
    fputs(text, stdout);
    free(text);
    printf("\nsignature: %s\n", mend_plan_signature_note(c->plan, c->state_dir));
    fflush(stdout);
    if (!mend_engine_confirm(&c->eng, "Sign this plan with this host's key, so that mend apply carries it out here?"))
        return setup_error("not approved: %s is unchanged (answer y on a terminal, or give --yes)", path);
    if (mend_plan_approve(c->plan, c->state_dir, path, &e) != 0)
        return setup_error("%s", e.msg);
    fprintf(stderr, "approved: %s is signed with this host's key; carry it out with: mend apply %s\n", path, path);
    return 0;
}

/* mend's own time below the script (the host's deferred load, a question waiting for the user)
 * is not the script's: neither --timeout nor the watchdog counts it. */
static void own_time(run_ctx *c, bool done, double *since)
{
    lua_State *L = mend_lua_state(c->lua);
    if (!done) {
        *since = mend_monotonic_now();
        if (L)
            mend_limits_hold(L);   /* a load or an answer longer than --timeout + 5 s is not a stuck script */
        return;
    }
    if (L)
        mend_limits_exclude(L, mend_monotonic_now() - *since);
}

/* The host's deferred load (mend run): a failure ends the run with the host's own sentence, as it
 * would have before the script started. */
static void host_late(void *ud, bool done, const mend_err *e)
{
    run_ctx *c = ud;
    own_time(c, done, &c->late_since);
    lua_State *L = mend_lua_state(c->lua);
    if (done && L && e)
        mend_limits_stop(L, e->msg);
}

static void question_waits(void *ud, bool done)
{
    run_ctx *c = ud;
    own_time(c, done, &c->asked_since);
}

static int run_script_command(run_ctx *c)
{
    const mend_options *o = &c->opts;
    if (o->cmd == MEND_CMD_BATCH && load_batch_list(c) != 0)
        return 2;
    if (locate_script(c) != 0)
        return 2;
    /* Writing the report into a folder would fail only after the run had changed the machine. */
    c->report_is_folder = o->report_path && mend_is_folder(o->report_path);
    if (c->report_is_folder)
        return setup_error("--report %s names a folder; name the report's file (a new one, or one to replace)",
                           o->report_path);
    char own[1200], *jpath = journal_path(c);
    int clash = mend_own_file_clash(o, c->state_dir, jpath, own, sizeof own);
    free(jpath);
    if (clash) {
        c->report_is_folder = o->report_path != NULL; /* the failure's report must not land there either */
        return setup_error("%s", own);
    }
    int prc = mend_plan_prepare(c);
    if (prc >= 0)
        return prc;

    mend_host_config cfg = {
        .spec = o->host_spec, .dry_run = o->dry_run, .state_dir = c->state_dir,
        .data_dir = c->data_dir, .quiet = o->verbosity < 0 || o->json,
        /* An empty script must cost about what lua5.4 does: the machine is read when first needed. */
        .late = o->cmd == MEND_CMD_RUN ? host_late : NULL, .late_ud = c,
    };
    mend_err e;
    /* Two runs at once would mix their actions, restarts and journal records: they take turns. */
    bool may_change = o->cmd != MEND_CMD_CHECK && o->cmd != MEND_CMD_CAPTURE && !o->dry_run;
    if (may_change && !(c->run_lock = mend_run_lock(c->state_dir, &e)))
        return setup_error("%s", e.msg);
    if (mend_host_open(&c->eng.host, &cfg, &e) != 0)
        return setup_error("%s", e.msg);
    c->host_open = true;
    if (!o->dry_run && open_journal(c) != 0)
        return 2;
    if (o->dry_run) {
        char *path = journal_path(c);
        if (path)
            warn_if_interrupted(path, &c->eng);
        free(path);
    }
    c->eng.report = mend_report_new(c->eng.host.ops && c->eng.host.ops->name ? c->eng.host.ops->name : "?",
                                    o->dry_run);
    if (!c->eng.report)
        return setup_error("out of memory");

    char err[8192];
    mend_lua_config lcfg = {
        .unsafe = o->unsafe, .timeout_s = o->timeout_s, .max_memory = o->max_memory,
        .script_dir = c->script_dir, .scripts_dir = c->scripts_dir,
    };
    c->lua = mend_lua_new(&c->eng, &lcfg, err, sizeof err);
    if (!c->lua)
        return setup_error("cannot start Lua: %s", err);
    mend_plan_key_protect(mend_lua_state(c->lua), c->state_dir);
    if (c->plan && o->cmd == MEND_CMD_APPLY)
        mend_plan_open_lua(mend_lua_state(c->lua), c->plan, &c->eng);
    else if (c->plan)
        mend_plan_attach(mend_lua_state(c->lua), c->plan, &c->eng);

    int ret = -1;
    /* Ctrl-C stops the script between two actions, so the report, journal and state are kept. */
    int rc;
    if (o->cmd == MEND_CMD_SHELL) {
        rc = mend_shell_run(c->lua, &c->eng, err, sizeof err, &ret); /* handles Ctrl-C itself */
    } else {
        mend_on_interrupt(mend_limits_interrupt);
        rc = mend_lua_run_file(c->lua, c->script_path, err, sizeof err, &ret);
    }
    /* The script's last finalizers run now, under its limits, and count in its outcome. */
    char cerr[256];
    if (mend_lua_close(c->lua, cerr, sizeof cerr) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s", cerr);
        rc = 2;
    }
    if (rc != 0) {
        fprintf(stderr, "mend: %s\n", err);
        mend_report_fail(c->eng.report, err);
    }
    /* What the script did before an error stopped it did happen: the simulated machine keeps
     * it, as a real one would (the journal says the same). Only a dry run forgets. */
    if (!o->dry_run && c->eng.host.ops->commit && c->eng.host.ops->commit(c->eng.host.ctx, &e) != 0) {
        fprintf(stderr, "mend: cannot save the host's state: %s\n", e.msg);
        mend_report_fail(c->eng.report, e.msg);
        rc = 2;
    }
    if (rc == 0 && c->plan && o->cmd != MEND_CMD_APPLY && plan_finish(c) != 0)
        rc = 2;
    if (c->plan && o->cmd == MEND_CMD_APPLY)
        mend_plan_report_progress(c->plan, c->eng.report, rc != 0 ? err : NULL, o->verbosity < 0);
    return finish(c, rc, ret);
}

/* A run that failed before its script could report still owes --json and --report a
 * document: outcome "failed" with the reason in "error". */
static void report_setup_failure(run_ctx *c)
{
    const mend_options *o = &c->opts;
    if (c->reported || (!o->json && !o->report_path))
        return;
    mend_report *r = c->eng.report;
    if (!r) {
#ifdef _WIN32
        const char *spec = o->host_spec ? o->host_spec : "local";
#else
        const char *spec = o->host_spec ? o->host_spec : "sim";
#endif
        r = c->eng.report = mend_report_new(strncmp(spec, "sim", 3) == 0 ? "sim" : spec, o->dry_run);
        if (!r)
            return;
    }
    mend_report_fail(r, g_setup_msg);
    mend_report_finish(r, 2);
    if (o->json)
        mend_report_print(r, stdout);
    mend_err e;
    if (o->report_path && !c->report_is_folder && mend_report_write(r, o->report_path, &e) != 0)
        fprintf(stderr, "mend: cannot write the report: %s\n", e.msg);
}

int mend_runner_run(const mend_options *o, const char *state_dir)
{
    /* Outcomes in colour: --color=always|never, else a terminal and no NO_COLOR. */
    const char *no_color = getenv("NO_COLOR");
    g_color_stdout = o->color == MEND_COLOR_ALWAYS ||
                     (o->color == MEND_COLOR_AUTO && mend_isatty_stdout() && !(no_color && *no_color));
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = *o;
    c.state_dir = state_dir ? mend_dupstr(state_dir) : NULL;
    if (!c.state_dir) {
        int code = setup_error("cannot find a folder for mend's state; set MEND_STATE_DIR");
        report_setup_failure(&c);
        run_ctx_free(&c);
        return code;
    }
    c.data_dir = mend_data_dir();
    c.backup_dir = mend_path_join(c.state_dir, "backups");
    c.scripts_dir = c.data_dir ? mend_path_join(c.data_dir, "scripts") : NULL;

    c.eng.opts = &c.opts;
    c.eng.state_dir = c.state_dir;
    c.eng.data_dir = c.data_dir;
    c.eng.backup_dir = c.backup_dir;
    c.eng.stdin_tty = mend_isatty_stdin();
    c.eng.stderr_tty = mend_isatty_stderr();
    c.eng.waiting = question_waits;
    c.eng.waiting_ud = &c;
    mend_progress_init(c.eng.stderr_tty && o->verbosity >= 0 && !o->json);

    int code;
    if (o->cmd == MEND_CMD_PLAN) {
        code = plan_approve_command(&c);
    } else {
        code = run_script_command(&c);
        if (code == 2)
            report_setup_failure(&c);
    }
    run_ctx_free(&c);
    return code;
}
