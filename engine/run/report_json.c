/* The report's JSON document, written key by key in DESIGN's order, to a buffer or a stream. */
#include "report.h"
#include "report_private.h"
#include "engine.h"
#include "engine_private.h"
#include "platform.h"
#include "buf.h"
#include "utf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One sink: a growing buffer, or a FILE written 64 KiB at a time as the document goes (a
 * 100,000-policy report is never held whole in memory on its way to --json or --report). */
typedef struct jw {
    FILE *f;
    mend_buf b;
    bool pretty, oom;
    bool no_steps;   /* every "steps" written [] (readers that never look at steps) */
} jw;

/* A stream sink writes what the buffer holds once it passes this: one fwrite per 64 KiB, not
 * one per token (a 100,000-policy report is millions of them). */
#define JW_FLUSH_AT ((size_t)64 * 1024)

static void flush(jw *w)
{
    if (w->b.failed)
        w->oom = true;
    if (w->f && w->b.len && !w->oom && fwrite(w->b.p, 1, w->b.len, w->f) != w->b.len)
        w->oom = true;
    w->b.len = 0;
}

static void put_slow(jw *w, const char *s, size_t n)
{
    if (w->f && w->b.len + n > JW_FLUSH_AT)
        flush(w);
    mend_buf_add(&w->b, s, n);
}

/* Most tokens fit the buffer as it is: a copy, no call (millions of them in a big report). */
static inline void put(jw *w, const char *s, size_t n)
{
    mend_buf *b = &w->b;
    if (b->len + n < b->cap) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
        return;
    }
    put_slow(w, s, n);
}

/* The buffered document (NULL when anything failed: memory, or a part left out). */
static char *take(jw *w, size_t *len)
{
    if (w->oom)
        mend_buf_free(&w->b);
    return w->oom ? NULL : mend_buf_take(&w->b, len);
}

static void puts_(jw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* A JSON string (n bytes of s); bytes that are not UTF-8 become '?' so the document stays valid. */
static void str_n(jw *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!rep_json_special(c))
            continue;
        const char *esc = NULL;
        char u[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
        } else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (i + len <= n && mend_utf8_valid(s + i, len)) {
                i += len - 1;
                continue;
            }
            esc = "?";
        }
        put(w, s + run, i - run);
        puts_(w, esc);
        run = i + 1;
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

static void str(jw *w, const char *s)
{
    if (s)
        str_n(w, s, strlen(s));
    else
        puts_(w, "null");
}

/* An interned string: its length and whether it needs escaping were noted when it was stored. */
static void str_id(jw *w, const mend_report *r, uint32_t id)
{
    if (!id) {
        puts_(w, "null");
        return;
    }
    uint32_t m = r->str.meta[id];
    if (m & 1) {
        str(w, r->str.strs[id]);
        return;
    }
    put(w, "\"", 1);
    put(w, r->str.strs[id], m >> 1);
    put(w, "\"", 1);
}

static void nl(jw *w, int depth)
{
    static const char line[] = "\n                                ";
    if (w->pretty)
        put(w, line, 1 + 2 * (size_t)(depth < 16 ? depth : 16));
}

/* "key": at depth, after a comma unless first. escape: a script's key, not the writer's own. */
static void key_at(jw *w, const char *k, int depth, bool *first, bool escape)
{
    if (!*first)
        put(w, ",", 1);
    *first = false;
    nl(w, depth);
    if (escape) {
        str(w, k);
    } else {
        put(w, "\"", 1);
        puts_(w, k);
        put(w, "\"", 1);
    }
    put(w, ": ", w->pretty ? 2 : 1);
}

static void key(jw *w, const char *k, int depth, bool *first)
{
    key_at(w, k, depth, first, false);
}

static void iso_utc(double t, char *buf, size_t size)
{
    struct tm tm;
    mend_gmtime((long long)floor(t), &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Compact JSON text with ", " and ": " between members, as the rest of a pretty step. */
static void put_spaced(jw *w, const char *t)
{
    if (!w->pretty) {
        puts_(w, t);
        return;
    }
    bool in_str = false;
    size_t run = 0, i = 0;
    for (; t[i]; i++) {
        if (in_str) {
            if (t[i] == '\\' && t[i + 1])
                i++;
            else if (t[i] == '"')
                in_str = false;
        } else if (t[i] == '"') {
            in_str = true;
        } else if (t[i] == ',' || t[i] == ':') {
            put(w, t + run, i - run + 1);
            put(w, " ", 1);
            run = i + 1;
        }
    }
    put(w, t + run, i - run);
}

/* One step, always on one line: the known keys in a fixed order, then the script's own. */
static void step(jw *w, const mend_report *r, const rep_step *s)
{
    /* The known keys as written pretty; compact drops the space after the colon. */
    static const char *const keys[REP_S_N] = { "\"rung\": ", "\"action\": ", "\"target\": ",
                                               "\"message\": ", "\"code\": " };
    if (s->raw) {
        put_spaced(w, rep_str(r, s->extra) ? rep_str(r, s->extra) : "null");
        return;
    }
    size_t sep = w->pretty ? 2 : 1, trim = w->pretty ? 0 : 1;
    bool first = true;
    put(w, "{", 1);
    for (int k = 0; k < REP_S_N; k++) {
        if (k == REP_S_MESSAGE && s->ok >= 0) { /* ok comes right after target */
            put(w, ", ", first ? 0 : sep);
            const char *ok = s->ok ? "\"ok\": true" : "\"ok\": false";
            if (w->pretty) {
                puts_(w, ok);
            } else {
                put(w, "\"ok\":", 5);
                puts_(w, ok + 6);
            }
            first = false;
        }
        if (!s->s[k])
            continue;
        put(w, ", ", first ? 0 : sep);
        put(w, keys[k], strlen(keys[k]) - trim);
        str_id(w, r, s->s[k]);
        first = false;
    }
    if (s->extra) {
        put(w, ", ", first ? 0 : sep);
        put_spaced(w, rep_str(r, s->extra));
    }
    put(w, "}", 1);
}

static void steps(jw *w, const mend_report *r, uint32_t first_step, int depth)
{
    put(w, "[", 1);
    bool first = true;
    for (uint32_t i = w->no_steps ? 0 : first_step; i; i = r->steps[i - 1].next) {
        puts_(w, first ? "" : ",");
        first = false;
        nl(w, depth + 1);
        step(w, r, &r->steps[i - 1]);
    }
    if (!first)
        nl(w, depth);
    put(w, "]", 1);
}

static int cmp_data(const void *a, const void *b)
{
    return strcmp(((const rep_data *)a)->key, ((const rep_data *)b)->key);
}

static void document(jw *w, const mend_report *r)
{
    static const char *const fields[REP_NFIELDS] = { "before", "after", "outcome", "rung" };
    double finished = r->finished > 0 ? r->finished : mend_wall_now();
    char t0[64], t1[64], num[48];
    iso_utc(r->started, t0, sizeof t0);
    iso_utc(finished, t1, sizeof t1);
    bool first = true;
    put(w, "{", 1);
    key(w, "mend", 1, &first);
    str(w, MEND_VERSION);
    key(w, "host", 1, &first);
    str(w, r->host);
    key(w, "computer", 1, &first);
    str(w, r->computer ? r->computer : "");
    key(w, "started", 1, &first);
    str(w, t0);
    key(w, "finished", 1, &first);
    str(w, t1);
    key(w, "duration_s", 1, &first);
    double d = finished - r->started;
    snprintf(num, sizeof num, "%.3f", d > 0 ? d : 0.0);
    puts_(w, num);
    key(w, "dry_run", 1, &first);
    puts_(w, r->dry_run ? "true" : "false");
    key(w, "outcome", 1, &first);
    str(w, mend_report_outcome(r));
    key(w, "exit_code", 1, &first);
    snprintf(num, sizeof num, "%d", r->exit_code >= 0 ? r->exit_code : mend_report_exit_code(r, MEND_EXIT_DEFAULT));
    puts_(w, num);
    key(w, "changed", 1, &first);
    puts_(w, mend_report_changed(r) ? "true" : "false");
    key(w, "reboot_required", 1, &first);
    puts_(w, mend_report_reboot_required(r) ? "true" : "false");

    key(w, "policies", 1, &first);
    put(w, "[", 1);
    for (size_t i = 0; i < r->npol; i++) {
        const rep_policy *p = &r->pol[i];
        puts_(w, i ? "," : "");
        nl(w, 2);
        put(w, "{", 1);
        bool pf = true;
        key(w, "name", 3, &pf);
        str_id(w, r, p->name);
        for (int f = 0; f < REP_NFIELDS; f++) {
            key(w, fields[f], 3, &pf);
            str_id(w, r, p->field[f]);
        }
        key(w, "steps", 3, &pf);
        steps(w, r, p->first_step, 3);
        nl(w, 2);
        put(w, "}", 1);
    }
    if (r->npol)
        nl(w, 1);
    put(w, "]", 1);

    key(w, "actions", 1, &first);
    put(w, "{", 1);
    bool af = true;
    for (int c = 0; c < MEND_COUNT__N; c++) {
        key(w, mend_counter_name((mend_counter)c), 2, &af);
        snprintf(num, sizeof num, "%ld", r->counters[c]);
        puts_(w, num);
    }
    nl(w, 1);
    put(w, "}", 1);

    key(w, "advice", 1, &first);
    put(w, "[", 1);
    for (size_t i = 0; i < r->nadvice; i++) {
        puts_(w, i ? "," : "");
        nl(w, 2);
        str_id(w, r, r->advice[i]);
    }
    if (r->nadvice)
        nl(w, 1);
    put(w, "]", 1);

    key(w, "steps", 1, &first);
    steps(w, r, r->run_first, 1);

    /* The script's own data, by key, so the order never depends on the script's tables. */
    key(w, "data", 1, &first);
    put(w, "{", 1);
    rep_data *sorted = r->ndata ? malloc(r->ndata * sizeof *sorted) : NULL;
    if (sorted) {
        memcpy(sorted, r->data, r->ndata * sizeof *sorted);
        qsort(sorted, r->ndata, sizeof *sorted, cmp_data);
        bool df = true;
        for (size_t i = 0; i < r->ndata; i++) {
            key_at(w, sorted[i].key, 2, &df, true);
            put_spaced(w, sorted[i].json);
        }
        nl(w, 1);
        free(sorted);
    } else if (r->ndata) {
        w->oom = true;
    }
    put(w, "}", 1);

    if (r->error) {
        key(w, "error", 1, &first);
        str(w, r->error);
    }
    nl(w, 0);
    put(w, "}", 1);
}

char *mend_report_json(const mend_report *r, bool pretty)
{
    if (!r)
        return NULL;
    jw w = { .pretty = pretty };
    document(&w, r);
    return take(&w, NULL);
}

char *mend_report_json_brief(const mend_report *r)
{
    if (!r)
        return NULL;
    jw w = { .no_steps = true };
    document(&w, r);
    return take(&w, NULL);
}

int mend_report_print(const mend_report *r, FILE *out)
{
    if (!r || !out)
        return -1;
    jw w = { .f = out, .pretty = true };
    document(&w, r);
    put(&w, "\n", 1);
    flush(&w);
    mend_buf_free(&w.b);
    return w.oom || fflush(out) != 0 ? -1 : 0;
}

int mend_report_write(const mend_report *r, const char *path, mend_err *e)
{
    jw w = { .pretty = true, .oom = !r };
    if (r)
        document(&w, r);
    put(&w, "\n", 1);
    size_t len = 0;
    char *text = take(&w, &len);
    if (!text)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory writing the report");
    char *dir = mend_dirname(path);
    int rc = dir && strcmp(dir, ".") != 0 ? mend_mkdirs(dir, e) : 0;
    free(dir);
    if (rc == 0)
        rc = mend_write_file_atomic(path, text, len, e);
    free(text);
    return rc;
}

/* A usage error under --json: the same document, no host opened, exit 2. */
int mend_report_print_usage_error(const char *message, FILE *out)
{
    mend_report *r = mend_report_new("", false);
    if (!r)
        return -1;
    mend_report_fail(r, message);
    mend_report_finish(r, 2);
    int rc = mend_report_print(r, out);
    mend_report_free(r);
    return rc;
}
