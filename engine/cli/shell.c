/* mend shell: read a statement, run it under the limits, print its values readably, repeat. */
#include "shell.h"

#include "buf.h"
#include "engine_private.h"
#include "lineedit.h"
#include "lua_private.h"
#include "paths.h"
#include "platform.h"

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHELL_HISTORY_MAX 500
#define PRINT_MAX_DEPTH 4
#define PRINT_MAX_ITEMS 100
#define PRINT_INLINE_WIDTH 72

/* ---- printing values ---------------------------------------------------------------- */

static void sb_quoted(mend_buf *b, const char *s, size_t n)
{
    mend_buf_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            mend_buf_add(b, esc, 2);
        } else if (c == '\n') {
            mend_buf_str(b, "\\n");
        } else if (c == '\t') {
            mend_buf_str(b, "\\t");
        } else if (c == '\r') {
            mend_buf_str(b, "\\r");
        } else if (c < 32 || c == 127) {
            snprintf(esc, sizeof esc, "\\%u", c);
            mend_buf_str(b, esc);
        } else {
            mend_buf_add(b, (const char *)&c, 1);
        }
    }
    mend_buf_str(b, "\"");
}

static bool is_identifier(const char *s)
{
    static const char *const keywords[] = {"and", "break", "do", "else", "elseif", "end", "false", "for",
                                           "function", "goto", "if", "in", "local", "nil", "not", "or",
                                           "repeat", "return", "then", "true", "until", "while"};
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (const char *p = s; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strcmp(s, keywords[i]) == 0)
            return false;
    return true;
}

static void render(lua_State *L, int idx, int depth, int indent, mend_buf *b);

/* Sorts the keys at the top of the stack's array table (numbers first, then strings, then the
 * rest by type name). Runs in Lua's own sort so no C comparator needs the state. */
static const char sort_keys_src[] =
    "local t = ... "
    "local rank = {number = 1, string = 2, boolean = 3} "
    "table.sort(t, function(a, b) "
    "  local ta, tb = type(a), type(b) "
    "  if ta ~= tb then return (rank[ta] or 9) < (rank[tb] or 9) or "
    "    ((rank[ta] or 9) == (rank[tb] or 9) and ta < tb) end "
    "  if ta == 'number' or ta == 'string' then return a < b end "
    "  return tostring(a) < tostring(b) end) "
    "return t";

static void render_key(lua_State *L, int kidx, mend_buf *b)
{
    if (lua_type(L, kidx) == LUA_TSTRING && is_identifier(lua_tostring(L, kidx))) {
        mend_buf_str(b, lua_tostring(L, kidx));
    } else {
        mend_buf_str(b, "[");
        render(L, kidx, PRINT_MAX_DEPTH, 0, b);
        mend_buf_str(b, "]");
    }
    mend_buf_str(b, " = ");
}

static void render_table(lua_State *L, int idx, int depth, int indent, mend_buf *b)
{
    /* The cycle guard: tables being printed, in a registry table. */
    lua_getfield(L, LUA_REGISTRYINDEX, "mend.shell.seen");
    lua_pushvalue(L, idx);
    bool seen = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 1);
    if (seen) {
        lua_pop(L, 1);
        mend_buf_str(b, "<cycle>");
        return;
    }
    if (depth >= PRINT_MAX_DEPTH) {
        lua_pop(L, 1);
        mend_buf_str(b, "{...}");
        return;
    }
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    int seen_idx = lua_gettop(L);

    /* The sequence part, then every other key, sorted. */
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    lua_newtable(L);
    lua_Integer nkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
            continue;
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, ++nkeys);
    }
    if (luaL_loadstring(L, sort_keys_src) == LUA_OK) {
        lua_pushvalue(L, -2);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK)
            lua_pop(L, 1);
        else
            lua_pop(L, 1); /* sorted in place */
    } else {
        lua_pop(L, 1);
    }
    int keys = lua_gettop(L);

    mend_buf items[PRINT_MAX_ITEMS];
    size_t nitems = 0;
    lua_Integer total = n + nkeys, shown = 0;
    bool multiline = false;
    size_t width = 0;
    for (lua_Integer i = 1; i <= total && nitems < PRINT_MAX_ITEMS; i++, shown++) {
        mend_buf *it = &items[nitems++];
        memset(it, 0, sizeof *it);
        if (i <= n) {
            lua_rawgeti(L, idx, i);
        } else {
            lua_rawgeti(L, keys, i - n);
            render_key(L, lua_gettop(L), it);
            lua_rawget(L, idx);
        }
        render(L, lua_gettop(L), depth + 1, indent + 2, it);
        lua_pop(L, 1);
        if (it->p && strchr(it->p, '\n'))
            multiline = true;
        width += it->len + 2;
    }
    if (width + (size_t)indent > PRINT_INLINE_WIDTH)
        multiline = true;
    if (total == 0) {
        mend_buf_str(b, "{}");
    } else {
        mend_buf_str(b, multiline ? "{\n" : "{ ");
        for (size_t i = 0; i < nitems; i++) {
            if (multiline)
                for (int k = 0; k < indent + 2; k++)
                    mend_buf_str(b, " ");
            mend_buf_str(b, items[i].p ? items[i].p : "?");
            if (i + 1 < nitems || shown < total)
                mend_buf_str(b, ",");
            mend_buf_str(b, multiline ? "\n" : " ");
            free(items[i].p);
        }
        if (shown < total) {
            char more[64];
            snprintf(more, sizeof more, "... (%lld more)", (long long)(total - shown));
            if (multiline)
                for (int k = 0; k < indent + 2; k++)
                    mend_buf_str(b, " ");
            mend_buf_str(b, more);
            mend_buf_str(b, multiline ? "\n" : " ");
        }
        if (multiline)
            for (int k = 0; k < indent; k++)
                mend_buf_str(b, " ");
        mend_buf_str(b, "}");
    }
    lua_settop(L, seen_idx);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static void render(lua_State *L, int idx, int depth, int indent, mend_buf *b)
{
    luaL_checkstack(L, 8, "value nested too deeply to print");
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        sb_quoted(b, s, n);
        break;
    }
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            mend_buf_str(b, luaL_tolstring(L, idx, NULL));
            lua_pop(L, 1);
        } else {
            render_table(L, idx, depth, indent, b);
        }
        break;
    default:
        mend_buf_str(b, luaL_tolstring(L, idx, NULL));
        lua_pop(L, 1);
        break;
    }
}

/* Protected: a __tostring may raise, and the stack may run out. */
static int render_values(lua_State *L)
{
    mend_buf *b = lua_touserdata(L, 1);
    int n = lua_gettop(L);
    for (int i = 2; i <= n; i++) {
        if (i > 2)
            mend_buf_str(b, ", ");
        render(L, i, 0, 0, b);
    }
    return 0;
}

/* ---- completion --------------------------------------------------------------------- */

static bool word_char(char c)
{
    return c == '_' || c == '.' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

static void add_keys(lua_State *L, int t, const char *prefix, size_t plen, const char *base, size_t blen,
                     char **cands, size_t *n, size_t max)
{
    lua_pushnil(L);
    while (lua_next(L, t) && *n < max) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            continue;
        const char *k = lua_tostring(L, -1);
        if (strncmp(k, prefix, plen) != 0 || !is_identifier(k) || (plen == 0 && k[0] == '_'))
            continue;
        bool dup = false;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = strncmp(cands[i], base, blen) == 0 && strcmp(cands[i] + blen, k) == 0;
        if (dup)
            continue;
        char *c = malloc(blen + strlen(k) + 1);
        if (!c)
            continue;
        memcpy(c, base, blen);
        strcpy(c + blen, k);
        cands[(*n)++] = c;
    }
}

/* Globals and module names for a bare word; a table's fields after "name." or "name:". */
static size_t complete(void *ud, const char *line, size_t cursor, size_t *start, char **cands, size_t max)
{
    lua_State *L = ud;
    size_t s = cursor;
    while (s > 0 && word_char(line[s - 1]))
        s--;
    *start = s;
    const char *word = line + s;
    size_t wlen = cursor - s;
    if (wlen > 200)
        return 0;
    char w[256];
    memcpy(w, word, wlen);
    w[wlen] = '\0';
    int top = lua_gettop(L);
    size_t n = 0;
    char *sep = strrchr(w, '.');
    char *colon = strrchr(w, ':');
    if (colon && (!sep || colon > sep))
        sep = colon;
    if (!sep) {
        lua_pushglobaltable(L);
        add_keys(L, lua_gettop(L), w, wlen, "", 0, cands, &n, max);
        /* Modules that require() would load but nothing has loaded yet. */
        lua_getglobal(L, "package");
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "preload");
            if (lua_istable(L, -1))
                add_keys(L, lua_gettop(L), w, wlen, "", 0, cands, &n, max);
        }
    } else {
        /* Walk a.b.c with raw gets only: completion must never run user code. */
        lua_pushglobaltable(L);
        char *p = w;
        bool ok = true;
        while (ok && p < sep) {
            char *dot = p;
            while (dot < sep && *dot != '.' && *dot != ':')
                dot++;
            lua_pushlstring(L, p, (size_t)(dot - p));
            lua_rawget(L, -2);
            ok = lua_istable(L, -1);
            p = dot + 1;
        }
        if (ok) {
            size_t blen = (size_t)(sep - w) + 1;
            add_keys(L, lua_gettop(L), sep + 1, strlen(sep + 1), w, blen, cands, &n, max);
        }
    }
    lua_settop(L, top);
    return n;
}

/* ---- evaluation --------------------------------------------------------------------- */

/* Ctrl-C while a statement runs stops it as it stops a script: every instruction raises after it
 * (a pcall loop cannot catch it once and go on) and a coroutine's own hook sees it too. signal()
 * as lua.c uses it: on Windows the C runtime calls it for Ctrl-C on another thread, and setting
 * a hook is the one thing Lua allows from there. */
static void on_sigint(int sig)
{
    signal(sig, on_sigint); /* the Windows runtime resets the handler before each call */
    mend_limits_interrupt();
}

/* SIGTERM, or SIGHUP when the ssh session drops: the running statement stops as at Ctrl-C and the
 * shell ends as at Ctrl-D, so the session's state is saved (they ended the process at once). */
static volatile sig_atomic_t g_quit;

static void on_quit(void)
{
    g_quit = 1;
    mend_limits_interrupt();
}

static void catch_quit(void)
{
    mend_on_terminate(on_quit);
    mend_le_stop_on(&g_quit);
}

static bool quitting(void)
{
    return g_quit != 0;
}

/* True when the compile error says the chunk merely stopped early (more lines will come). */
static bool incomplete(lua_State *L, int status)
{
    if (status != LUA_ERRSYNTAX)
        return false;
    size_t n;
    const char *msg = lua_tolstring(L, -1, &n);
    return msg && n >= 5 && strcmp(msg + n - 5, "<eof>") == 0;
}

/* Compiles "return LINE" first so bare expressions print, then LINE as statements. After "="
 * LINE is an expression only: its own error is the one to report, and "= 1 +" is incomplete
 * (no ";" after it), so the next line finishes it. */
static int compile(lua_State *L, const char *code, bool expr_only)
{
    size_t n = strlen(code);
    char *ret = malloc(n + 9);
    if (!ret) {
        lua_pushliteral(L, "not enough memory");
        return LUA_ERRMEM;
    }
    snprintf(ret, n + 9, expr_only ? "return %s" : "return %s;", code);
    int st = luaL_loadbufferx(L, ret, strlen(ret), "=stdin", "t");
    free(ret);
    if (st == LUA_OK || expr_only)
        return st;
    lua_pop(L, 1);
    return luaL_loadbufferx(L, code, n, "=stdin", "t");
}

typedef struct shell {
    lua_State *L;
    mend_limits *lim;
    mend_le *le;
    FILE *out;
    bool tty;
    int failures;
} shell;

static void show_error(shell *sh, const char *msg)
{
    fprintf(stderr, "error: %s\n", msg ? msg : "(error object is not a string)");
    sh->failures++;
}

/* Runs the compiled chunk on top of the stack and prints what it returned. */
static void execute(shell *sh)
{
    lua_State *L = sh->L;
    int base = lua_gettop(L) - 1;
    sh->lim->time_hit = false;
    sh->lim->interrupted = false;
    sh->lim->memory_hit = false;
    sh->lim->pool_hit = false;
    if (!quitting())
        mend_limits_forget_interrupt();   /* the last statement's Ctrl-C */
    mend_limits_arm(L, sh->lim);
    void (*prev)(int) = signal(SIGINT, on_sigint);
    int status = lua_pcall(L, 0, LUA_MULTRET, 0);
    signal(SIGINT, prev == SIG_ERR ? SIG_DFL : prev);
    mend_limits_rest(L, sh->lim);
    fflush(stdout);
    char limit[128];
    if (sh->lim->interrupted) {
        show_error(sh, "interrupted");
    } else if (mend_limits_message(sh->lim, limit, sizeof limit)) {
        show_error(sh, sh->lim->time_hit ? "the statement exceeded the time limit (--timeout applies to each "
                                           "statement)" : limit);
    } else if (status != LUA_OK) {
        show_error(sh, status == LUA_ERRMEM ? "not enough memory" : lua_tostring(L, -1));
    } else if (lua_gettop(L) > base) {
        mend_buf b = {0};
        lua_pushcfunction(L, render_values);
        lua_pushlightuserdata(L, &b);
        lua_rotate(L, base + 1, 2);
        if (lua_pcall(L, lua_gettop(L) - base - 1, 0, 0) != LUA_OK) {
            show_error(sh, lua_tostring(L, -1));
        } else if (b.p) {
            fputs(b.p, sh->out);
            fputc('\n', sh->out);
            fflush(sh->out);
        }
        free(b.p);
    }
    lua_settop(L, base);
    mend_limits_settle(); /* the prompt may wait for the user as long as it likes */
}

/* Reads one complete chunk (continuing with ">> " while it is incomplete) and runs it.
 * Returns false at end of input. */
static bool step(shell *sh)
{
    lua_State *L = sh->L;
    char *line = NULL;
    if (quitting())
        return false;
    int rc = mend_le_read(sh->le, sh->tty ? "> " : "", &line);
    if (rc == MEND_LE_EOF)
        return false;
    if (rc == MEND_LE_CANCEL)
        return true;
    /* "= expr" prints expr, as in Lua 5.1's prompt. */
    bool print_form = line[0] == '=';
    char *code = mend_dupstr(print_form ? line + 1 : line);
    free(line);
    if (!code)
        return false;
    int status;
    for (;;) {
        status = compile(L, code, print_form);
        if (!incomplete(L, status))
            break;
        lua_pop(L, 1);
        char *more = NULL;
        rc = mend_le_read(sh->le, sh->tty ? ">> " : "", &more);
        if (rc != MEND_LE_LINE) {
            if (rc == MEND_LE_EOF) {
                status = compile(L, code, print_form); /* end of input: report the incomplete chunk */
                break;
            }
            free(code);
            return true;
        }
        size_t n = strlen(code) + strlen(more) + 2;
        char *joined = malloc(n);
        if (!joined) {
            free(more);
            free(code);
            return false;
        }
        snprintf(joined, n, "%s\n%s", code, more);
        free(more);
        free(code);
        code = joined;
    }
    if (*code && sh->tty) {
        size_t n = strlen(code) + 2;
        char *entry = malloc(n);
        if (entry) {
            snprintf(entry, n, "%s%s", print_form ? "=" : "", code);
            mend_le_history_add(sh->le, entry);
        }
        free(entry);
    }
    free(code);
    if (status != LUA_OK) {
        show_error(sh, lua_tostring(L, -1));
        lua_pop(L, 1);
    } else {
        execute(sh);
    }
    return true;
}

static const char prelude[] =
    "if type(mend) == 'table' then "
    "  mend.args = mend.args or {} "
    "  mend.flags = mend.flags or {all_pending = false, resume = false, batch = false} "
    "end";

int mend_shell_run(mend_lua *ml, mend_engine *eng, char *err, size_t errlen, int *ret)
{
    lua_State *L = mend_lua_state(ml);
    shell sh = {.L = L, .lim = mend_limits_of(L), .tty = mend_le_interactive(),
                .out = eng->opts && eng->opts->json ? stderr : stdout};
    *ret = 0;
    sh.le = mend_le_new(SHELL_HISTORY_MAX, complete, L);
    if (!sh.le || luaL_dostring(L, prelude) != LUA_OK) {
        snprintf(err, errlen, "cannot start the shell: %s", sh.le ? lua_tostring(L, -1) : "out of memory");
        mend_le_free(sh.le);
        return 2;
    }
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "mend.shell.seen");
    char *hist = eng->state_dir ? mend_path_join(eng->state_dir, "shell_history") : NULL;
    if (sh.tty) {
        if (hist)
            mend_le_history_load(sh.le, hist);
        fprintf(stderr, "mend %s shell on %s%s. Tab completes, = expr prints, Ctrl-D leaves.\n", MEND_VERSION,
                eng->host.ops && eng->host.ops->name ? eng->host.ops->name : "?",
                eng->opts && eng->opts->dry_run ? " (dry-run: nothing is saved)" : "");
    }
    catch_quit();
#ifdef _WIN32
    /* Ctrl-C at the console prompt cancels the line (ReadConsoleW returns) instead of ending
     * the process before the session's state is saved. */
    void (*prev)(int) = signal(SIGINT, on_sigint);
#endif
    while (step(&sh))
        ;
#ifdef _WIN32
    signal(SIGINT, prev == SIG_ERR ? SIG_DFL : prev);
#endif
    if (sh.tty) {
        if (hist) {
            mend_err e;
            if (mend_mkdirs(eng->state_dir, &e) == 0)
                mend_le_history_save(sh.le, hist);
        }
    } else if (sh.failures) {
        *ret = 1; /* piped: a failed statement shows in the exit code */
    }
    if (quitting()) {
        fprintf(stderr, "mend: the shell ended on SIGTERM or SIGHUP; the session's work is kept\n");
        *ret = 2;
    }
    free(hist);
    mend_le_free(sh.le);
    return 0;
}
