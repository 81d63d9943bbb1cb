/* The journal: JSON lines fsynced around each mutating action, read back after a crash. */
#include "journal.h"
#include "engine_private.h"
#include "json_whole.h"
#include "platform.h"
#include "buf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mend_journal {
    FILE *f;
    char *path;
    char *run;
    char *head;              /* ","run":"<run>","event": -- the same in every record */
    size_t head_len;
    mend_buf line;           /* the record being written, reused */
    bool sync_each;
    unsigned long actions;   /* begin records written: a run without any needs no fsync */
};

/* ISO-8601 UTC with milliseconds: 2026-11-23T21:43:11.123Z. The date and time up to the second
 * are formatted once per second: a big run writes thousands of records within one. */
static void iso_now(char *buf, size_t size)
{
    static time_t last = (time_t)-1;
    static char head[64];
    double now = mend_wall_now();
    time_t secs = (time_t)floor(now);
    int ms = (int)((now - floor(now)) * 1000.0);
    if (ms > 999)
        ms = 999;
    if (secs != last) {
        struct tm tm;
        mend_gmtime(secs, &tm);
        snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        last = secs;
    }
    size_t n = strlen(head);
    if (size < n + 5) {
        if (size)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, head, n);
    buf[n] = (char)('0' + ms / 100);
    buf[n + 1] = (char)('0' + ms / 10 % 10);
    buf[n + 2] = (char)('0' + ms % 10);
    buf[n + 3] = 'Z';
    buf[n + 4] = '\0';
}

mend_journal *mend_journal_open(const char *path, const char *run_id, mend_err *e)
{
    /* Opening a named pipe to append waits for a reader, and the journal is read back too;
     * /dev/null keeps no journal, as before. */
    mend_err why;
    if (mend_refuse_pipe(path, &why) != 0) {
        mend_err_set(e, MEND_E_IO, 0, "cannot use %s as the journal: %s", path,
                     strstr(why.msg, ": it is ") ? strstr(why.msg, ": it is ") + 2 : why.msg);
        return NULL;
    }
    char *dir = mend_dirname(path);
    if (!dir || mend_mkdirs(dir, e) != 0) {
        if (!dir)
            mend_err_set(e, MEND_E_IO, 0, "out of memory");
        free(dir);
        return NULL;
    }
    free(dir);
    mend_journal *j = calloc(1, sizeof *j);
    if (!j) {
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    j->sync_each = true;
    j->f = mend_fopen(path, "ab");
    j->path = mend_dupstr(path);
    j->run = mend_dupstr(run_id);
    mend_buf head = { 0 };
    mend_buf_add(&head, "\",\"run\":", 8);
    mend_buf_json_str(&head, run_id ? run_id : "", run_id ? strlen(run_id) : 0);
    mend_buf_add(&head, ",\"event\":", 9);
    j->head = mend_buf_take(&head, &j->head_len);
    if (!j->f || !j->path || !j->run || !j->head) {
        mend_err_set(e, MEND_E_IO, 0, "cannot open the journal %s for appending", path);
        mend_journal_close(j);
        return NULL;
    }
    /* Unbuffered: each record leaves in one write on the append descriptor, so two runs
     * sharing the journal never cut into each other's lines (stdio splits a long one). */
    setvbuf(j->f, NULL, _IONBF, 0);
    /* A crash mid-write leaves a torn last line: end it, or this run's first record joins it. */
    FILE *r = mend_fopen(path, "rb");
    if (r && fseek(r, -1, SEEK_END) == 0 && getc(r) != '\n')
        fputc('\n', j->f);
    if (r)
        fclose(r);
    return j;
}

void mend_journal_close(mend_journal *j)
{
    if (!j)
        return;
    if (j->f) {
        /* A run that recorded no action changed nothing: its lines need not reach the disk now. */
        if (!j->sync_each && j->actions > 0)
            mend_fsync_file(j->f);
        fclose(j->f);
    }
    free(j->path);
    free(j->run);
    free(j->head);
    mend_buf_free(&j->line);
    free(j);
}

void mend_journal_set_sync(mend_journal *j, bool each)
{
    if (j)
        j->sync_each = each;
}

/* One record, built as text in the journal's own buffer, reused line after line: a journal
 * line is small and flat, and a big run writes tens of thousands of them. Once the buffer has
 * grown, a piece is a copy, not a call. */
static inline void put(mend_buf *l, const char *s, size_t n)
{
    if (l->len + n < l->cap) {
        memcpy(l->p + l->len, s, n);
        l->len += n;
        l->p[l->len] = '\0';
    } else {
        mend_buf_add(l, s, n);
    }
}

static void put_s(mend_buf *l, const char *s)
{
    put(l, s, strlen(s));
}

/* A JSON string: text with nothing to escape (nearly every op, target and message) is copied
 * whole; anything else is escaped as cJSON escapes it. */
static void put_str(mend_buf *l, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
        i++;
    if (i < n) {
        mend_buf_json_str(l, s, n);
        return;
    }
    put(l, "\"", 1);
    put(l, s, n);
    put(l, "\"", 1);
}

static void put_key_str(mend_buf *l, const char *k, const char *v)
{
    put_s(l, k);
    put_str(l, v);
}

/* {"ts":..,"run":..,"event":.. */
static mend_buf *record(mend_journal *j, const char *event)
{
    mend_buf *l = &j->line;
    l->len = 0;
    l->failed = false;
    char ts[96];
    iso_now(ts, sizeof ts);
    put(l, "{\"ts\":\"", 7);
    put_s(l, ts);
    put(l, j->head, j->head_len);   /* ","run":"..","event": */
    put_str(l, event);
    return l;
}

/* Closes the object and writes it as one line, then flushes; durable adds an fsync (the record
 * is on disk, for a real machine, before the caller goes on). */
static int write_record(mend_journal *j, mend_buf *l, bool durable, mend_err *e)
{
    put(l, "}\n", 2);
    if (l->failed)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory writing the journal");
    errno = 0;
    int bad = fwrite(l->p, 1, l->len, j->f) != l->len || (durable ? mend_fsync_file(j->f) != 0 : fflush(j->f) != 0);
    int why = errno;
    if (bad) {
        clearerr(j->f);
        return mend_err_set(e, MEND_E_IO, 0, "cannot write the journal %s: %s", j->path,
                            why ? strerror(why) : "write error");
    }
    return 0;
}

/* ,"name":digits without printf (two records per action). */
static void put_key_num(mend_buf *l, const char *k, unsigned long n)
{
    char d[24];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    put_s(l, k);
    put(l, d + i, sizeof d - i);
}

static void add_action(mend_buf *l, unsigned long seq, const char *op, const char *target)
{
    put_key_num(l, ",\"seq\":", seq);
    put_key_str(l, ",\"op\":", op ? op : "");
    put_key_str(l, ",\"target\":", target ? target : "");
}

int mend_journal_begin(mend_journal *j, unsigned long seq, const char *op, const char *target, mend_err *e)
{
    mend_buf *l = record(j, "begin");
    add_action(l, seq, op, target);
    j->actions++;
    return write_record(j, l, j->sync_each, e);
}

int mend_journal_end(mend_journal *j, unsigned long seq, const char *op, const char *target,
                     const mend_err *result, mend_err *e)
{
    mend_buf *l = record(j, "end");
    add_action(l, seq, op, target);
    bool ok = !result || result->code == MEND_OK;
    put_s(l, ok ? ",\"ok\":true" : ",\"ok\":false");
    if (!ok) {
        put_key_str(l, ",\"code\":", mend_code_name(result->code));
        put_key_str(l, ",\"message\":", result->msg);
    }
    return write_record(j, l, j->sync_each, e);
}

int mend_journal_run_end(mend_journal *j, const char *detail, bool resolved, int open, mend_err *e)
{
    mend_buf *l = record(j, "run_end");
    if (detail)
        put_key_str(l, ",\"detail\":", detail);
    mend_buf_str(l, resolved ? ",\"resolved\":true" : ",\"resolved\":false");
    mend_buf_printf(l, ",\"open\":%d", resolved ? 0 : open);
    /* Only a run that acted needs its end on disk; a read-only run does no fsync at all. */
    return write_record(j, l, j->sync_each && j->actions > 0, e);
}

int mend_journal_event(mend_journal *j, const char *event, const char *detail, mend_err *e)
{
    mend_buf *l = record(j, event);
    if (detail)
        put_key_str(l, ",\"detail\":", detail);
    /* run_start and the like: an action's begin record, fsynced, follows before anything changes. */
    return write_record(j, l, false, e);
}

/* ---- reading back ---- */

/* Only the journal's end matters: actions run one at a time, so an interrupted run's open
 * action is among its last lines. Reading a bounded tail keeps start-up fast however long the
 * journal has grown. */
#define JOURNAL_TAIL ((long)8 * 1024 * 1024)
/* Read first: a run that ended normally closes the history in its last line, so this nearly
 * always holds all that matters; the whole tail only when it does not (an empty run's start-up
 * grew with the journal: 0.5 MB read, split and page-faulted per run). */
#define JOURNAL_TAIL_FIRST ((long)16 * 1024)

static int read_tail(const char *path, long tail, char **data, size_t *len, bool *cut_out, mend_err *e)
{
    if (mend_refuse_pipe(path, e) != 0)   /* a named pipe would wait for a writer */
        return -1;
    FILE *f = mend_fopen(path, "rb");
    if (!f)
        return mend_err_set(e, MEND_E_IO, 0, "cannot open the journal %s", path);
    bool cut = fseek(f, 0, SEEK_END) == 0 && ftell(f) > tail && fseek(f, -tail, SEEK_END) == 0;
    if (!cut)
        rewind(f);
    *cut_out = cut;
    char *buf = malloc((size_t)tail + 1);
    size_t n = buf ? fread(buf, 1, (size_t)tail, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return mend_err_set(e, MEND_E_IO, 0, "cannot read the journal %s", path);
    }
    buf[n] = '\0';
    size_t start = 0;
    if (cut) { /* the first line is a fragment */
        char *nl = memchr(buf, '\n', n);
        start = nl ? (size_t)(nl - buf) + 1 : n;
    }
    memmove(buf, buf + start, n - start + 1);
    *data = buf;
    *len = n - start;
    return 0;
}

typedef struct pending {
    double seq;
    const cJSON *rec;
    const char *run;
} pending;

/* True for a run_end after which nothing older is open: a run that resolved what it found
 * (a completed fix, batch or apply) or that started with nothing open. */
static bool closes_history(const cJSON *o)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "event");
    if (!cJSON_IsString(ev) || strcmp(ev->valuestring, "run_end") != 0)
        return false;
    const cJSON *resolved = cJSON_GetObjectItemCaseSensitive(o, "resolved");
    const cJSON *open = cJSON_GetObjectItemCaseSensitive(o, "open");
    /* A run_end written before these fields existed: that version warned once, then forgot. */
    if (!resolved && !open)
        return true;
    return cJSON_IsTrue(resolved) || (cJSON_IsNumber(open) && open->valuedouble == 0);
}

static int scan_unresolved(const char *path,
                           void (*cb)(void *ud, const char *run, const char *op, const char *target),
                           void (*began)(void *ud, const char *run, const char *op, const char *target),
                           void *ud, mend_err *e)
{
    if (!mend_file_exists(path))
        return 0;
    char *buf = NULL;
    size_t len = 0;
    long tail = JOURNAL_TAIL_FIRST;
    bool cut = false;
again:
    if (read_tail(path, tail, &buf, &len, &cut, e) != 0)
        return -1;

    /* Walk the lines backwards down to the last run_end that closed the history: every
     * interrupted run since is still unresolved and is reported until a run resolves it. A
     * torn line (a crash mid-write) and foreign text are skipped. */
    size_t nlines = 0, lcap = 0;
    char **lines = NULL;
    for (char *line = buf; line < buf + len;) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        char *end = nl ? nl : buf + len;
        *end = '\0';
        if (nlines == lcap) {
            size_t ncap = lcap ? lcap * 2 : 256;
            char **nls = realloc(lines, ncap * sizeof *nls);
            if (!nls)
                break;
            lines = nls;
            lcap = ncap;
        }
        lines[nlines++] = line;
        line = end + 1;
    }
    cJSON **recs = NULL;   /* the unresolved stretch, newest first */
    size_t nrec = 0, cap = 0;
    bool closed = false;
    for (size_t i = nlines; i-- > 0;) {
        char why[128];   /* a line with bytes after its record is skipped like a torn one */
        cJSON *o = mend_json_parse_whole(lines[i], strlen(lines[i]), why, sizeof why);
        const cJSON *run = o ? cJSON_GetObjectItemCaseSensitive(o, "run") : NULL;
        if (!cJSON_IsString(run)) {
            cJSON_Delete(o);
            continue;
        }
        if (closes_history(o)) {
            cJSON_Delete(o);
            closed = true;
            break;
        }
        if (nrec == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            cJSON **nr = realloc(recs, ncap * sizeof *nr);
            if (!nr) {
                cJSON_Delete(o);
                break;
            }
            recs = nr;
            cap = ncap;
        }
        recs[nrec++] = o;
    }
    free(lines);
    if (!closed && cut && tail < JOURNAL_TAIL) {
        for (size_t i = 0; i < nrec; i++)
            cJSON_Delete(recs[i]);
        free(recs);
        free(buf);
        tail = JOURNAL_TAIL;
        goto again;
    }
    for (size_t i = 0; i < nrec / 2; i++) {   /* oldest first, as written */
        cJSON *t = recs[i];
        recs[i] = recs[nrec - 1 - i];
        recs[nrec - 1 - i] = t;
    }

    int found = 0;
    if (nrec > 0) {
        /* Begins, in order, crossed out by the ends of the same run. */
        pending *open = calloc(nrec, sizeof *open);
        size_t nopen = 0;
        for (size_t i = 0; open && i < nrec; i++) {
            const cJSON *r = recs[i];
            const cJSON *run = cJSON_GetObjectItemCaseSensitive(r, "run");
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "event");
            const cJSON *seq = cJSON_GetObjectItemCaseSensitive(r, "seq");
            if (!cJSON_IsString(ev) || !cJSON_IsNumber(seq))
                continue;
            if (strcmp(ev->valuestring, "begin") == 0) {
                open[nopen++] = (pending){seq->valuedouble, r, run->valuestring};
                const cJSON *op = cJSON_GetObjectItemCaseSensitive(r, "op");
                const cJSON *target = cJSON_GetObjectItemCaseSensitive(r, "target");
                if (began && cJSON_IsString(op) && cJSON_IsString(target))
                    began(ud, run->valuestring, op->valuestring, target->valuestring);
            } else if (strcmp(ev->valuestring, "end") == 0) {
                for (size_t k = nopen; k-- > 0;)
                    if (open[k].rec && open[k].seq == seq->valuedouble && strcmp(open[k].run, run->valuestring) == 0) {
                        open[k].rec = NULL;
                        break;
                    }
            }
        }
        for (size_t k = 0; open && k < nopen; k++) {
            if (!open[k].rec)
                continue;
            const cJSON *op = cJSON_GetObjectItemCaseSensitive(open[k].rec, "op");
            const cJSON *target = cJSON_GetObjectItemCaseSensitive(open[k].rec, "target");
            found++;
            if (cb)
                cb(ud, open[k].run, cJSON_IsString(op) ? op->valuestring : "",
                   cJSON_IsString(target) ? target->valuestring : "");
        }
        if (!open && nrec > 0) {
            found = mend_err_set(e, MEND_E_IO, 0, "out of memory reading the journal %s", path);
        }
        free(open);
    }
    for (size_t i = 0; i < nrec; i++)
        cJSON_Delete(recs[i]);
    free(recs);
    free(buf);
    return found;
}

int mend_journal_unfinished(const char *path,
                            void (*cb)(void *ud, const char *run, const char *op, const char *target),
                            void *ud, mend_err *e)
{
    return scan_unresolved(path, cb, NULL, ud, e);
}

int mend_journal_unresolved(const char *path,
                            void (*open)(void *ud, const char *run, const char *op, const char *target),
                            void (*began)(void *ud, const char *run, const char *op, const char *target),
                            void *ud, mend_err *e)
{
    return scan_unresolved(path, open, began, ud, e);
}
