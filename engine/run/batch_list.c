/* Batch files: one policy name per line, # comments, blanks, trimming, duplicates merged. */
#include "batch_list.h"
#include "engine_private.h"
#include "platform.h"
#include "utf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

typedef struct seen_set {
    char **keys;
    size_t cap, n;
} seen_set;

static uint64_t hash_bytes(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Returns 1 if added, 0 if already there, -1 out of memory. */
static int seen_add(seen_set *set, char *key)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 64;
        char **nk = calloc(ncap, sizeof *nk);
        if (!nk)
            return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->keys[i])
                continue;
            size_t j = hash_bytes(set->keys[i]) & (ncap - 1);
            while (nk[j])
                j = (j + 1) & (ncap - 1);
            nk[j] = set->keys[i];
        }
        free(set->keys);
        set->keys = nk;
        set->cap = ncap;
    }
    size_t i = hash_bytes(key) & (set->cap - 1);
    for (; set->keys[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->keys[i], key) == 0)
            return 0;
    set->keys[i] = key;
    set->n++;
    return 1;
}

static int parse_utf8(const char *buf, size_t len, char ***names, size_t *n, mend_err *e);

/* Windows PowerShell 5.1's `>` and Out-File write UTF-16LE with a BOM: read it as its text. */
int mend_batch_parse(const char *buf, size_t len, char ***names, size_t *n, mend_err *e)
{
    *names = NULL;
    *n = 0;
    if (len >= 2 && memcmp(buf, "\xFE\xFF", 2) == 0)
        return mend_err_set(e, MEND_E_INVALID, 0, "the list is UTF-16 big-endian; save it as UTF-8 or UTF-16LE");
    if (len < 2 || memcmp(buf, "\xFF\xFE", 2) != 0)
        return parse_utf8(buf, len, names, n, e);
    if (len % 2)
        return mend_err_set(e, MEND_E_INVALID, 0, "the list is UTF-16 but ends in half a character (cut short?)");
    size_t units = (len - 2) / 2;
    uint16_t *w = malloc((units ? units : 1) * sizeof *w);
    char *text = NULL;
    size_t tlen = 0;
    for (size_t i = 0; w && i < units; i++)
        w[i] = (uint16_t)((unsigned char)buf[2 + 2 * i] | (unsigned)(unsigned char)buf[3 + 2 * i] << 8);
    if (!w || mend_utf16_to_utf8(w, units, &text, &tlen) != 0) {
        free(w);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory reading the list");
    }
    free(w);
    int rc = parse_utf8(text, tlen, names, n, e);
    free(text);
    return rc;
}

static int parse_utf8(const char *buf, size_t len, char ***names, size_t *n, mend_err *e)
{
    char **out = NULL;
    size_t count = 0, cap = 0;
    seen_set seen = {0};
    size_t lineno = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (memchr(p, '\0', (size_t)(eol - p))) {
            mend_err_set(e, MEND_E_INVALID, 0, "line %lu: contains a NUL byte (is the file UTF-16? save it as UTF-8)", (unsigned long)lineno);
            goto fail;
        }
        if (!mend_utf8_valid(p, (size_t)(eol - p))) {
            mend_err_set(e, MEND_E_INVALID, 0, "line %lu: not valid UTF-8 (save the list as UTF-8)", (unsigned long)lineno);
            goto fail;
        }
        /* A BOM starts the file, or a line where two lists were joined (cat a.txt b.txt). */
        if (eol - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        while (p < eol && is_blank(*p))
            p++;
        while (eol > p && is_blank(eol[-1]))
            eol--;
        if (p == eol || *p == '#') {
            p = next;
            continue;
        }
        size_t nlen = (size_t)(eol - p);
        char *name = malloc(nlen + 1);
        if (!name)
            goto oom;
        memcpy(name, p, nlen);
        name[nlen] = '\0';
        int added = seen_add(&seen, name);
        if (added < 0) {
            free(name);
            goto oom;
        }
        if (added == 0) {
            free(name);
        } else {
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                char **no = realloc(out, ncap * sizeof *no);
                if (!no)
                    goto oom; /* name is owned by seen until the cleanup below */
                out = no;
                cap = ncap;
            }
            out[count++] = name;
        }
        p = next;
    }
    free(seen.keys);
    *names = out;
    *n = count;
    return 0;
oom:
    mend_err_set(e, MEND_E_IO, 0, "out of memory reading the list");
fail:
    /* Every name lives in seen; the array only borrows them. */
    for (size_t i = 0; i < seen.cap; i++)
        free(seen.keys[i]);
    free(seen.keys);
    free(out);
    return -1;
}

int mend_batch_read(const char *file, char **buf, size_t *len, mend_err *e)
{
    const char *why = "the most a batch list may hold";
    if (strcmp(file, "-") == 0)
        return mend_read_stream_max(stdin, "the list on standard input", MEND_BATCH_LIST_MAX, why, buf, len, e);
    return mend_read_file_max(file, MEND_BATCH_LIST_MAX, why, buf, len, e);
}
