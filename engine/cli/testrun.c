/* mend test: each scenario on a throwaway copy, the run's report against the expectations. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "testrun.h"

#include "runner.h"
#include "engine.h"
#include "engine_private.h"
#include "host.h"
#include "json_whole.h"
#include "lua_private.h"
#include "paths.h"
#include "platform.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#include <windows.h>
#define dup _dup
#define dup2 _dup2
#define close _close
#define open _open
#define fileno _fileno
#else
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* ---- throwaway folders -------------------------------------------------------------- */

static char *make_temp_dir(void)
{
#ifdef _WIN32
    char base[MAX_PATH];
    DWORD n = GetTempPathA(sizeof base, base);
    if (n == 0 || n >= sizeof base)
        return NULL;
    for (unsigned i = 0; i < 1000; i++) {
        char path[MAX_PATH + 64];
        snprintf(path, sizeof path, "%smend-test-%lu-%u", base, (unsigned long)GetCurrentProcessId(), i);
        if (CreateDirectoryA(path, NULL))
            return mend_dupstr(path);
    }
    return NULL;
#else
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mend-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(path) ? mend_dupstr(path) : NULL;
#endif
}

static void remove_tree(const char *path)
{
#ifdef _WIN32
    char pattern[MAX_PATH + 8];
    snprintf(pattern, sizeof pattern, "%s\\*", path);
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
                continue;
            char *child = mend_path_join(path, fd.cFileName);
            if (child && (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
                remove_tree(child);
            else if (child)
                DeleteFileA(child);
            free(child);
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(path);
#else
    DIR *d = opendir(path);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d))) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char *child = mend_path_join(path, ent->d_name);
            struct stat st;
            if (child && lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(child);
            else if (child)
                unlink(child);
            free(child);
        }
        closedir(d);
    }
    rmdir(path);
#endif
}

/* ---- differences -------------------------------------------------------------------- */

typedef struct diffs {
    char lines[32][512];
    int n, more;
} diffs;

static void diff(diffs *d, const char *fmt, ...) MEND_PRINTF(2, 3);

static void diff(diffs *d, const char *fmt, ...)
{
    if (d->n == 32) {
        d->more++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->lines[d->n++], sizeof d->lines[0], fmt, ap);
    va_end(ap);
}

/* ---- one scenario ------------------------------------------------------------------- */

/* What one scenario run needs from the expectations (strings borrowed from the Lua state). */
typedef struct run_setup {
    const char **args;
    int nargs;
    unsigned allow;
    bool yes, dry_run;
} run_setup;

static int copy_file(const char *from, const char *to, mend_err *e)
{
    char *data;
    size_t len;
    if (mend_read_file(from, &data, &len, e) != 0)
        return -1;
    int rc = mend_write_file_atomic(to, data, len, e);
    free(data);
    return rc;
}

/* Runs the script as `mend run` would, with output kept in TMP/output.txt. Returns the exit code. */
static int run_isolated(const mend_options *base, const char *script, const run_setup *rs, const char *tmp,
                        const char *host_spec, const char *report, const char *journal)
{
    mend_options o;
    memset(&o, 0, sizeof o);
    o.cmd = MEND_CMD_RUN;
    o.script = script;
    o.args = (char **)rs->args;
    o.nargs = rs->nargs;
    o.host_spec = host_spec;
    o.allow = base->allow | rs->allow;
    o.yes = base->yes || rs->yes;
    o.dry_run = base->dry_run || rs->dry_run;
    o.report_path = report;
    o.journal_path = journal;
    o.verbosity = base->verbosity;
    o.timeout_s = base->timeout_s;
    o.max_memory = base->max_memory;
    o.unsafe = base->unsafe;

    char *outpath = mend_path_join(tmp, "output.txt");
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fd = outpath ? open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    /* Backups and anything else the run keeps go to the throwaway folder, never the user's. */
    int code = mend_runner_run(&o, tmp);
    fflush(stdout);
    fflush(stderr);
    if (saved_out >= 0) {
        dup2(saved_out, 1);
        close(saved_out);
    }
    if (saved_err >= 0) {
        dup2(saved_err, 2);
        close(saved_err);
    }
    free(outpath);
    return code;
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *find_policy(const cJSON *policies, const char *name)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, policies) {
        const char *n = json_str(p, "name");
        if (n && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

/* The expectation table is at the top of L. */
static void compare_report(lua_State *L, const cJSON *doc, diffs *d)
{
    if (lua_getfield(L, -1, "outcome") == LUA_TSTRING) {
        const char *got = json_str(doc, "outcome");
        if (!got || strcmp(got, lua_tostring(L, -1)) != 0)
            diff(d, "outcome: expected %s, got %s", lua_tostring(L, -1), got ? got : "(none)");
    }
    lua_pop(L, 1);

    const cJSON *policies = cJSON_GetObjectItemCaseSensitive(doc, "policies");
    if (lua_getfield(L, -1, "policies") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *name = lua_tostring(L, -2);
            const cJSON *p = name ? find_policy(policies, name) : NULL;
            if (!name || !lua_istable(L, -1)) {
                diff(d, "policies: each entry must be a table keyed by policy name");
            } else if (!p) {
                diff(d, "policy %s: expected in the report, not there", name);
            } else {
                static const char *const fields[] = {"outcome", "before", "after", "rung"};
                for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
                    if (lua_getfield(L, -1, fields[i]) == LUA_TSTRING) {
                        const char *got = json_str(p, fields[i]);
                        if (!got || strcmp(got, lua_tostring(L, -1)) != 0)
                            diff(d, "policy %s %s: expected %s, got %s", name, fields[i], lua_tostring(L, -1),
                                 got ? got : "(none)");
                    }
                    lua_pop(L, 1);
                }
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(doc, "actions");
    if (lua_getfield(L, -1, "actions") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            const cJSON *v = name ? cJSON_GetObjectItemCaseSensitive(actions, name) : NULL;
            if (!name || !cJSON_IsNumber(v))
                diff(d, "actions: '%s' is not one of the report's action counters", name ? name : "?");
            else if (!lua_isinteger(L, -1) || (double)lua_tointeger(L, -1) != v->valuedouble)
                diff(d, "actions %s: expected %s, got %g", name, lua_tostring(L, -1), v->valuedouble);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    const cJSON *advice = cJSON_GetObjectItemCaseSensitive(doc, "advice");
    if (lua_getfield(L, -1, "advice") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
            const char *want = lua_tostring(L, -1);
            bool found = false;
            const cJSON *a;
            cJSON_ArrayForEach(a, advice) {
                const char *text = cJSON_IsString(a) ? a->valuestring : json_str(a, "text");
                if (text && strstr(text, want))
                    found = true;
            }
            if (!found)
                diff(d, "advice: no line contains \"%s\"", want);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (lua_toboolean(L, -1) == 0 && lua_type(L, -1) == LUA_TBOOLEAN && cJSON_GetArraySize(advice) > 0) {
        diff(d, "advice: expected none, got %d line(s)", cJSON_GetArraySize(advice));
    }
    lua_pop(L, 1);
}

/* states = { [policy] = "active" | "pending_deletion" | "absent" }: read from the copy after the run. */
static void compare_states(lua_State *L, const char *state_file, diffs *d)
{
    if (lua_getfield(L, -1, "states") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    size_t specn = strlen(state_file) + 5;
    char *spec = malloc(specn);
    mend_host h;
    memset(&h, 0, sizeof h);
    mend_host_config cfg = {.spec = spec, .dry_run = true, .quiet = true};
    mend_err e;
    mend_policy *list = NULL;
    size_t n = 0;
    if (!spec) {
        diff(d, "states: out of memory");
    } else {
        snprintf(spec, specn, "sim:%s", state_file);
        if (mend_host_open(&h, &cfg, &e) != 0) {
            diff(d, "states: cannot read the state after the run: %s", e.msg);
        } else {
            if (h.ops->ipsec.list(h.ctx, &list, &n, &e) != 0)
                diff(d, "states: cannot list the policies after the run: %s", e.msg);
            mend_host_close(&h);
        }
    }
    lua_pushnil(L);
    while (list && lua_next(L, -2)) {
        const char *name = lua_tostring(L, -2), *want = lua_tostring(L, -1);
        const char *got = "absent";
        for (size_t i = 0; name && i < n; i++)
            if (strcmp(list[i].name, name) == 0)
                got = mend_policy_state_name(list[i].state);
        if (name && want && strcmp(want, got) != 0)
            diff(d, "state of %s: expected %s, got %s", name, want, got);
        lua_pop(L, 1);
    }
    mend_policy_free_list(list, n);
    free(spec);
    lua_pop(L, 1);
}

static void show_output_tail(const char *tmp)
{
    char *path = mend_path_join(tmp, "output.txt");
    char *data = NULL;
    size_t len = 0;
    mend_err e;
    if (path && mend_read_file(path, &data, &len, &e) == 0 && len > 0) {
        /* The last ten lines say why, usually. */
        size_t start = len, lines = 0;
        while (start > 0 && lines <= 10)
            if (data[--start] == '\n' && start + 1 < len)
                lines++;
        if (data[start] == '\n')
            start++;
        printf("    output%s:\n", start > 0 ? " (last lines)" : "");
        for (char *p = data + start; *p;) {
            char *nl = strchr(p, '\n');
            printf("      | %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
            p = nl ? nl + 1 : p + strlen(p);
        }
    }
    free(data);
    free(path);
}

/* Reads a run's settings from the table at the top of L (file-wide, then the scenario's own). */
static void read_setup(lua_State *L, run_setup *rs, diffs *d)
{
    if (lua_getfield(L, -1, "args") == LUA_TTABLE) {
        rs->nargs = 0;
        for (lua_Integer i = 1; i <= 64 && lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
            rs->args[rs->nargs++] = lua_tostring(L, -1);
            lua_pop(L, 1); /* the string stays alive in the table */
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "allow") == LUA_TSTRING) {
        char why[200];
        unsigned mask = 0;
        if (mend_gate_parse(lua_tostring(L, -1), &mask, why, sizeof why) != 0)
            diff(d, "allow: %s", why);
        rs->allow = mask;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "yes") != LUA_TNIL)
        rs->yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "dry_run") != LUA_TNIL)
        rs->dry_run = lua_toboolean(L, -1);
    lua_pop(L, 1);
}

/* Runs one scenario; the scenario's expectation table is at the top of L. Returns true on a pass. */
/* A typo or a wrong type in an entry would check nothing and pass: each is a difference. The
 * entry is at the top of L. */
static bool want_type(lua_State *L, int idx, int type, const char *what, diffs *d)
{
    int got = lua_type(L, idx);
    if (got == LUA_TNIL || got == type)
        return got == type;
    diff(d, "%s: expected a %s, got %s", what, lua_typename(L, type), lua_typename(L, got));
    return false;
}

static void check_entry(lua_State *L, diffs *d)
{
    static const char *const known[] = {"exit", "outcome", "policies", "actions", "advice", "states",
                                        "args", "allow", "yes", "dry_run"};
    static const int types[] = {LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, LUA_TTABLE, LUA_TTABLE, LUA_TTABLE,
                                LUA_TTABLE, LUA_TSTRING, LUA_TBOOLEAN, LUA_TBOOLEAN};
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        size_t k = 0;
        while (k < sizeof known / sizeof *known && strcmp(known[k], key) != 0)
            k++;
        if (k == sizeof known / sizeof *known)
            diff(d, "unknown field '%s' (expected exit, outcome, policies, actions, advice, states, args, allow, "
                    "yes or dry_run)", key);
        else if (!(k == 4 && lua_isboolean(L, -1))) /* advice = false: no advice at all */
            want_type(L, -1, types[k], key, d);
        lua_pop(L, 1);
    }
    if (lua_getfield(L, t, "policies") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            char what[600];
            if (lua_istable(L, -1)) {
                lua_pushnil(L);
                while (lua_next(L, -2)) {
                    const char *f = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
                    snprintf(what, sizeof what, "policy %.400s %.60s", name, f);
                    if (strcmp(f, "outcome") && strcmp(f, "before") && strcmp(f, "after") && strcmp(f, "rung"))
                        diff(d, "policy %s: unknown field '%s' (expected outcome, before, after or rung)", name, f);
                    else
                        want_type(L, -1, LUA_TSTRING, what, d);
                    lua_pop(L, 1);
                }
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "advice") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            char what[40];
            snprintf(what, sizeof what, "advice[%lld]", (long long)i);
            want_type(L, -1, LUA_TSTRING, what, d);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "states") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            char what[600];
            snprintf(what, sizeof what, "state of %.500s",
                     lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
            want_type(L, -1, LUA_TSTRING, what, d);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static bool test_one(lua_State *L, const mend_options *o, const char *script, const char *label,
                     const char *scenario_file, run_setup rs)
{
    diffs d;
    memset(&d, 0, sizeof d);
    const char *args[64];
    memcpy(args, rs.args, sizeof args);
    rs.args = args;
    check_entry(L, &d);
    read_setup(L, &rs, &d);

    char *tmp = make_temp_dir();
    char *state = tmp ? mend_path_join(tmp, "state.lua") : NULL;
    char *report = tmp ? mend_path_join(tmp, "report.json") : NULL;
    char *journal = tmp ? mend_path_join(tmp, "journal.jsonl") : NULL;
    char *spec = state ? malloc(strlen(state) + 5) : NULL;
    mend_err e;
    bool ran = false;
    if (!spec) {
        diff(&d, "cannot make a throwaway folder for the run");
    } else if (copy_file(scenario_file, state, &e) != 0) {
        diff(&d, "cannot copy the scenario: %s", e.msg);
    } else if (d.n == 0) {
        sprintf(spec, "sim:%s", state);
        int code = run_isolated(o, script, &rs, tmp, spec, report, journal);
        ran = true;
        if (lua_getfield(L, -1, "exit") == LUA_TNUMBER) {
            if (lua_tointeger(L, -1) != code)
                diff(&d, "exit code: expected %lld, got %d", (long long)lua_tointeger(L, -1), code);
        } else if (code == 2) {
            diff(&d, "exit code: 2 (the script failed; say exit = 2 if that is expected)");
        }
        lua_pop(L, 1);
        char *data = NULL;
        size_t len = 0;
        cJSON *doc = NULL;
        char why[128];
        if (mend_read_file(report, &data, &len, &e) != 0 || !(doc = mend_json_parse_whole(data, len, why, sizeof why)))
            diff(&d, "the run wrote no readable report");
        else
            compare_report(L, doc, &d);
        cJSON_Delete(doc);
        free(data);
        compare_states(L, state, &d);
    }
    bool pass = d.n == 0;
    printf("%s %s\n", pass ? "PASS" : "FAIL", label);
    for (int i = 0; i < d.n; i++)
        printf("    %s\n", d.lines[i]);
    if (d.more)
        printf("    ... and %d more differences\n", d.more);
    if (!pass && ran && o->verbosity >= 0)
        show_output_tail(tmp);
    if (tmp)
        remove_tree(tmp);
    free(spec);
    free(journal);
    free(report);
    free(state);
    free(tmp);
    return pass;
}

/* ---- the suite ---------------------------------------------------------------------- */

static char *default_expect_path(const char *script)
{
    size_t n = strlen(script);
    if (n > 4 && strcmp(script + n - 4, ".lua") == 0)
        n -= 4;
    char *p = malloc(n + 12);
    if (p)
        snprintf(p, n + 12, "%.*s.expect.lua", (int)n, script);
    return p;
}

/* A scenario named in the expectations: a file next to them, else one of the bundled ones. */
static char *resolve_scenario(const char *name, const char *expect_dir, const char *data_dir)
{
    const char *bases[] = {expect_dir, data_dir ? "" : NULL};
    char *bundled = data_dir ? mend_path_join(data_dir, "scenarios") : NULL;
    bases[1] = bundled;
    for (int b = 0; b < 2; b++) {
        if (!bases[b])
            continue;
        for (int ext = 0; ext < 2; ext++) {
            char file[4096];
            snprintf(file, sizeof file, "%s%s", name, ext ? ".lua" : "");
            char *p = mend_path_join(bases[b], file);
            if (p && mend_file_exists(p)) {
                free(bundled);
                return p;
            }
            free(p);
        }
    }
    free(bundled);
    return NULL;
}

/* The label a scenario file is known by in the expectations: its name without folder or .lua. */
static void scenario_key(const char *file, char *buf, size_t size)
{
    const char *base = file;
    for (const char *p = file; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
        n -= 4;
    snprintf(buf, size, "%.*s", (int)n, base);
}

/* Pushes the expectations for a scenario file given on the command line: the entry named like
 * the file ("tests/holder" or "holder" both match .../tests/holder.lua). */
static bool push_expectation(lua_State *L, int scen, const char *file, const char *key)
{
    if (lua_getfield(L, scen, file) == LUA_TTABLE)
        return true;
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, scen)) {
        char k[512];
        if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1)) {
            scenario_key(lua_tostring(L, -2), k, sizeof k);
            if (strcmp(k, key) == 0) {
                lua_remove(L, -2);
                return true;
            }
        }
        lua_pop(L, 1);
    }
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_suite(lua_State *L, const mend_options *o, const char *expect_path)
{
    char *expect_dir = mend_dirname(expect_path);
    char *data_dir = mend_data_dir();
    const char *argv_store[64];
    run_setup rs = {.args = argv_store};
    diffs d;
    memset(&d, 0, sizeof d);
    read_setup(L, &rs, &d);
    const char *file_args[64];
    memcpy(file_args, argv_store, sizeof file_args);
    int passed = 0, failed = 0, code = 0;
    if (d.n) {
        fprintf(stderr, "mend: %s: %s\n", expect_path, d.lines[0]);
        code = 2;
    } else if (lua_getfield(L, -1, "scenarios") != LUA_TTABLE) {
        fprintf(stderr, "mend: %s has no scenarios table (scenarios = { name = { exit = 0, ... } })\n",
                expect_path);
        code = 2;
    } else {
        int scen = lua_gettop(L);
        if (o->nargs > 0) {
            /* The scenarios named on the command line, each with the expectation of its name. */
            for (int i = 0; i < o->nargs && !mend_limits_was_interrupted(); i++) {
                char key[512];
                scenario_key(o->args[i], key, sizeof key);
                rs.args = file_args;
                if (!mend_file_exists(o->args[i])) {
                    printf("FAIL %s\n    cannot find the scenario file %s\n", key, o->args[i]);
                    failed++;
                } else if (!push_expectation(L, scen, o->args[i], key)) {
                    printf("FAIL %s\n    %s has no expectations for scenario '%s'\n", key, expect_path, key);
                    failed++;
                } else {
                    test_one(L, o, o->script, key, o->args[i], rs) ? passed++ : failed++;
                    lua_pop(L, 1);
                }
            }
        } else {
            char *names[512];
            size_t n = 0;
            lua_pushnil(L);
            while (lua_next(L, scen)) {
                lua_pop(L, 1);
                if (lua_type(L, -1) == LUA_TSTRING && n < 512)
                    names[n++] = (char *)lua_tostring(L, -1); /* alive: keys of the table */
            }
            qsort(names, n, sizeof *names, cmp_names);
            if (n == 0) {
                fprintf(stderr, "mend: %s names no scenarios\n", expect_path);
                code = 2;
            }
            for (size_t i = 0; i < n && !mend_limits_was_interrupted(); i++) {
                char *file = resolve_scenario(names[i], expect_dir ? expect_dir : ".", data_dir);
                lua_getfield(L, scen, names[i]);
                if (!file) {
                    printf("FAIL %s\n    cannot find the scenario (next to %s or in the bundled scenarios)\n",
                           names[i], expect_path);
                    failed++;
                } else if (!lua_istable(L, -1)) {
                    printf("FAIL %s\n    its expectations must be a table\n", names[i]);
                    failed++;
                } else {
                    rs.args = file_args;
                    test_one(L, o, o->script, names[i], file, rs) ? passed++ : failed++;
                }
                lua_pop(L, 1);
                free(file);
            }
        }
    }
    if (code == 0 && mend_limits_was_interrupted()) {
        /* Ctrl-C: the scenarios not run are no verdict on the script. */
        printf("\n%s: %d passed, %d failed before Ctrl-C\n", o->script, passed, failed);
        fprintf(stderr, "mend: interrupted: the scenarios after the one running were not run\n");
        code = 2;
    } else if (code == 0) {
        printf("\n%s: %d passed, %d failed\n", o->script, passed, failed);
        code = failed ? 1 : 0;
    }
    free(expect_dir);
    free(data_dir);
    return code;
}

/* An expectation file is data: one that has not returned after this many instructions never will. */
#define EXPECT_MAX_INSTRUCTIONS 10000000

static void expect_budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "the expectations ran more than %d million instructions (an endless loop?)",
               EXPECT_MAX_INSTRUCTIONS / 1000000);
}

static int test_command(const mend_options *o)
{
    if (!mend_file_exists(o->script)) {
        fprintf(stderr, "mend: cannot find the script %s\n", o->script);
        return 2;
    }
    char *expect_path = o->expect_path ? mend_dupstr(o->expect_path) : default_expect_path(o->script);
    if (!expect_path)
        return 2;
    if (!mend_file_exists(expect_path)) {
        fprintf(stderr, "mend: cannot find the expectations %s (give one with --expect FILE)\n", expect_path);
        free(expect_path);
        return 2;
    }
    /* The expectations are data: a bare state with no libraries, so the file can compute
     * nothing beyond tables and strings. */
    lua_State *L = luaL_newstate();
    if (!L) {
        free(expect_path);
        return 2;
    }
    int code;
    lua_sethook(L, expect_budget_hook, LUA_MASKCOUNT, EXPECT_MAX_INSTRUCTIONS);
    int loaded = mend_load_text_file(L, expect_path) == LUA_OK && lua_pcall(L, 0, 1, 0) == LUA_OK;
    lua_sethook(L, NULL, 0, 0);
    if (!loaded) {
        fprintf(stderr, "mend: %s\n", lua_tostring(L, -1));
        code = 2;
    } else if (!lua_istable(L, -1)) {
        fprintf(stderr, "mend: %s must return a table\n", expect_path);
        code = 2;
    } else {
        code = run_suite(L, o, expect_path);
    }
    lua_close(L);
    free(expect_path);
    return code;
}

int mend_test_command(const mend_options *given)
{
    /* `mend test scripts/fix.lua` from any folder: mend's own script, as `mend run` takes it. */
    mend_options opts = *given;
    const mend_options *o = &opts;
    char *data_dir = mend_data_dir();
    char *bundled = mend_bundled_script(given->script, data_dir);
    free(data_dir);
    if (bundled)
        opts.script = bundled;
    int code = test_command(o);
    free(bundled);
    return code;
}
