/* The .reg writer: a subtree rendered exactly as regedit exports it, and the UTF-16LE file. */
#include "regfile_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "utf.h"

/* regedit folds a hex line once it reaches this many characters (then adds ",\"). */
#define HEX_FOLD_AT 77
/* Windows itself refuses keys nested deeper than this. */
#define MAX_DEPTH 512

/* Characters a line holds as regedit counts them: UTF-16 code units. */
static size_t utf16_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            w += c >= 0xF0 ? 2 : 1;
    }
    return w;
}

/* Quotes a name or a string: \ and " escaped as regedit does. A line break in a value name
 * has no regedit spelling; it is written \n / \r as Wine's regedit does, so it survives. */
static void put_quoted(mend_buf *b, const char *s, size_t n)
{
    mend_buf_byte(b, '"');
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\\': mend_buf_str(b, "\\\\"); break;
        case '"': mend_buf_str(b, "\\\""); break;
        case '\n': mend_buf_str(b, "\\n"); break;
        case '\r': mend_buf_str(b, "\\r"); break;
        default: mend_buf_byte(b, s[i]); break;
        }
    }
    mend_buf_byte(b, '"');
}

/* hex bytes after a prefix that already fills `col` columns, folded like regedit. */
static void put_hex(mend_buf *b, size_t col, const unsigned char *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char x[2] = { digits[d[i] >> 4], digits[d[i] & 15] };
        mend_buf_add(b, x, 2);
        if (i + 1 == n)
            break;
        mend_buf_byte(b, ',');
        col += 3;
        if (col >= HEX_FOLD_AT) {
            mend_buf_str(b, "\\\r\n  ");
            col = 2;
        }
    }
}

static void put_hex_typed(mend_buf *b, size_t col, uint32_t type, const unsigned char *d, size_t n)
{
    char prefix[32];
    if (type == MEND_REG_BINARY)
        snprintf(prefix, sizeof prefix, "hex:");
    else
        snprintf(prefix, sizeof prefix, "hex(%x):", (unsigned)type);
    mend_buf_str(b, prefix);
    put_hex(b, col + strlen(prefix), d, n);
}

/* UTF-8 text as the UTF-16LE bytes Windows stores, plus `terminators` NUL code units. */
static int utf16le_bytes(const char *s, size_t n, int terminators, unsigned char **out, size_t *len)
{
    uint16_t *w;
    size_t units;
    if (mend_utf8_to_utf16(s, n, &w, &units) != 0)
        return -1;
    unsigned char *p = malloc((units + (size_t)terminators) * 2 + 1);
    if (!p) {
        free(w);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < units; i++) {
        p[k++] = (unsigned char)(w[i] & 0xFF);
        p[k++] = (unsigned char)(w[i] >> 8);
    }
    for (int i = 0; i < terminators; i++) {
        p[k++] = 0;
        p[k++] = 0;
    }
    free(w);
    *out = p;
    *len = k;
    return 0;
}

static bool quotable(const mend_regval *v)
{
    const char *s = (const char *)v->data;
    return mend_utf8_valid(s, v->size) && !memchr(s, '\0', v->size) && !memchr(s, '\n', v->size) &&
           !memchr(s, '\r', v->size);
}

static int put_value(mend_buf *b, const char *key, const mend_regval *v, mend_err *e)
{
    const char *name = v->name ? v->name : "";
    size_t nlen = strlen(name);
    if (!mend_utf8_valid(name, nlen))
        return mend_err_set(e, MEND_E_INVALID, 0, "a value name under %s is not valid UTF-8", key);
    size_t start = b->len;
    if (nlen == 0)
        mend_buf_byte(b, '@');
    else
        put_quoted(b, name, nlen);
    mend_buf_byte(b, '=');
    size_t col = b->failed ? 0 : utf16_width(b->p + start, b->len - start);
    const char *label = nlen ? name : "(default)";
    const unsigned char *d = v->data ? v->data : (const unsigned char *)"";

    uint32_t type = v->type;
    if (type == MEND_REG_SZ && quotable(v)) {
        put_quoted(b, (const char *)d, v->size);
    } else if (type == MEND_REG_DWORD && v->size == 4) {
        char x[24];
        uint32_t dw = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        snprintf(x, sizeof x, "dword:%08x", (unsigned)dw);
        mend_buf_str(b, x);
    } else if (type == MEND_REG_SZ || type == MEND_REG_EXPAND_SZ || type == MEND_REG_LINK ||
               type == MEND_REG_MULTI_SZ) {
        /* Strings travel as UTF-16LE with the NULs regedit writes: one after SZ/EXPAND_SZ,
         * one after each MULTI_SZ string plus the list's own; REG_LINK has none. */
        const char *s = (const char *)d;
        int nul = type == MEND_REG_LINK ? 0 : 1;
        if (type == MEND_REG_MULTI_SZ && v->size > 0 && s[v->size - 1] != '\0')
            nul = 2;
        unsigned char *w;
        size_t wlen;
        if (utf16le_bytes(s, v->size, nul, &w, &wlen) != 0)
            return mend_err_set(e, MEND_E_INVALID, 0, "value '%s' under %s does not hold valid UTF-8 text",
                                label, key);
        put_hex_typed(b, col, type, w, wlen);
        free(w);
    } else {
        put_hex_typed(b, col, type, d, v->size);
    }
    mend_buf_str(b, "\r\n");
    return 0;
}

static int reg_error(mend_err *e, const char *what)
{
    return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "this host cannot %s registry keys", what);
}

/* One key: "[LONG\PATH]", its values, then its subkeys depth first in the host's order. */
static int put_key(const mend_host *h, mend_buf *b, mend_buf *shortp, mend_buf *longp,
                   int depth, bool values_only, mend_err *e)
{
    if (depth > MAX_DEPTH)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s is nested more than %d keys deep", shortp->p, MAX_DEPTH);
    if (memchr(longp->p, '\n', longp->len) || memchr(longp->p, '\r', longp->len))
        return mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                            "key %s has a line break in its name, which a .reg file cannot hold", shortp->p);
    if (!mend_utf8_valid(longp->p, longp->len))
        return mend_err_set(e, MEND_E_INVALID, 0, "a key name under %s is not valid UTF-8", shortp->p);

    mend_buf_str(b, "\r\n[");
    mend_buf_add(b, longp->p, longp->len);
    mend_buf_str(b, "]\r\n");

    /* Values then subkeys back to back: the win32 backend lists both through one open key. */
    mend_regval *vals = NULL;
    size_t nvals = 0;
    if (h->ops->reg.values(h->ctx, shortp->p, &vals, &nvals, e) != 0)
        return -1;
    char **keys = NULL;
    size_t nkeys = 0;
    if (!values_only && h->ops->reg.keys(h->ctx, shortp->p, &keys, &nkeys, e) != 0) {
        mend_regval_free_list(vals, nvals);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < nvals && rc == 0; i++)
        rc = put_value(b, shortp->p, &vals[i], e);
    mend_regval_free_list(vals, nvals);
    size_t slen = shortp->len, llen = longp->len;
    for (size_t i = 0; i < nkeys && rc == 0; i++) {
        mend_buf_byte(shortp, '\\');
        mend_buf_str(shortp, keys[i]);
        mend_buf_byte(longp, '\\');
        mend_buf_str(longp, keys[i]);
        if (shortp->failed || longp->failed)
            rc = mend_err_set(e, MEND_E_IO, 0, "out of memory");
        else
            rc = put_key(h, b, shortp, longp, depth + 1, false, e);
        shortp->len = slen;
        shortp->p[slen] = '\0';
        longp->len = llen;
        longp->p[llen] = '\0';
    }
    mend_string_free_list(keys, nkeys);
    return rc;
}

/* One key of a multi-key file, appended to b. */
static int render_one(const mend_host *h, mend_buf *b, const mend_regfile_key *k, mend_err *e)
{
    const char *path = k->path;
    size_t plen = strlen(path);
    int root = mend_rf_root_find(path, plen);
    if (root < 0)
        return mend_err_set(e, MEND_E_INVALID, 0,
                            "'%s' does not start with a registry root (HKLM, HKCU, HKCR, HKU, HKCC)", path);
    const char *rest = path + strcspn(path, "\\");
    while (plen > 0 && path[plen - 1] == '\\')
        plen--;
    size_t rlen = plen > (size_t)(rest - path) ? plen - (size_t)(rest - path) : 0;

    mend_buf shortp = { 0 }, longp = { 0 };
    mend_buf_str(&shortp, mend_reg_root_short(root));
    mend_buf_add(&shortp, rest, rlen);
    mend_buf_str(&longp, mend_reg_root_long(root));
    mend_buf_add(&longp, rest, rlen);
    int rc;
    if (shortp.failed || longp.failed)
        rc = mend_err_set(e, MEND_E_IO, 0, "out of memory");
    else
        rc = put_key(h, b, &shortp, &longp, 0, k->values_only, e);
    mend_buf_free(&shortp);
    mend_buf_free(&longp);
    return rc;
}

int mend_regfile_render_keys(const mend_host *h, const mend_regfile_key *keys, size_t n, char **utf8,
                             size_t *len, mend_err *e)
{
    *utf8 = NULL;
    if (len)
        *len = 0;
    if (!h->ops->reg.values || !h->ops->reg.keys)
        return reg_error(e, "list");
    mend_buf b = { 0 };
    mend_buf_str(&b, "Windows Registry Editor Version 5.00\r\n");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = render_one(h, &b, &keys[i], e);
    mend_buf_str(&b, "\r\n");
    if (rc != 0) {
        mend_buf_free(&b);
        return -1;
    }
    char *text = mend_buf_take(&b, len);
    if (!text)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory while exporting %s", n ? keys[0].path : "");
    *utf8 = text;
    return 0;
}

int mend_regfile_render(const mend_host *h, const char *path, char **utf8, size_t *len, mend_err *e)
{
    mend_regfile_key k = { path, false };
    return mend_regfile_render_keys(h, &k, 1, utf8, len, e);
}

int mend_regfile_export(const mend_host *h, const char *path, const char *file, mend_err *e)
{
    mend_regfile_key k = { path, false };
    return mend_regfile_export_keys(h, &k, 1, file, e);
}

static int export_keys(const mend_host *h, const mend_regfile_key *keys, size_t n, const char *file, bool defer,
                       mend_err *e)
{
    char *text;
    size_t len;
    const char *path = n ? keys[0].path : "";
    if (mend_regfile_render_keys(h, keys, n, &text, &len, e) != 0)
        return -1;
    unsigned char *w;
    size_t wlen;
    int rc = utf16le_bytes(text, len, 0, &w, &wlen);
    free(text);
    if (rc != 0)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory while exporting %s", path);
    unsigned char *out = malloc(wlen + 2);
    if (!out) {
        free(w);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory while exporting %s", path);
    }
    out[0] = 0xFF;
    out[1] = 0xFE;
    memcpy(out + 2, w, wlen);
    free(w);
    rc = defer ? mend_write_file_deferred(file, out, wlen + 2, e) : mend_write_file_atomic(file, out, wlen + 2, e);
    free(out);
    return rc;
}

int mend_regfile_export_keys(const mend_host *h, const mend_regfile_key *keys, size_t n, const char *file,
                             mend_err *e)
{
    return export_keys(h, keys, n, file, false, e);
}

int mend_regfile_export_keys_deferred(const mend_host *h, const mend_regfile_key *keys, size_t n,
                                      const char *file, mend_err *e)
{
    return export_keys(h, keys, n, file, true, e);
}
