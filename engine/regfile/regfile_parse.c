/* The .reg reader: decodes the file and turns each line into an operation, or names the bad line. */
#include "regfile_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

static const char HEADER5[] = "Windows Registry Editor Version 5.00";
static const char HEADER4[] = "REGEDIT4";

typedef struct parser {
    const char *p, *end;       /* the remaining text (UTF-8) */
    int line;                  /* number of the line last read */
    bool ansi;                 /* REGEDIT4: hex(1)/(2)/(6)/(7) hold single-byte text */
    mend_regfile *rf;
    bool have_key;
    bool key_deleted;
    size_t key;
    mend_err *e;
} parser;

static int fail(parser *ps, int line, const char *fmt, ...) MEND_PRINTF(3, 4);

static int fail(parser *ps, int line, const char *fmt, ...)
{
    char msg[MEND_MSG_MAX - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mend_err_set(ps->e, MEND_E_INVALID, 0, "line %d: %s", line, msg);
}

static int oom(parser *ps)
{
    return mend_err_set(ps->e, MEND_E_IO, 0, "out of memory while reading a .reg file");
}

/* ---- decoding: UTF-16LE with BOM, UTF-8 with or without BOM, ANSI for REGEDIT4 ---- */

static int lines_before(const char *s, size_t n)
{
    int line = 1;
    for (size_t i = 0; i < n; i++)
        line += s[i] == '\n';
    return line;
}

/* Windows-1252's 0x80..0x9F; the rest of the code page is Latin-1. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static int ansi_to_utf8(const unsigned char *s, size_t n, char **out, size_t *len)
{
    uint16_t *w = malloc((n + 1) * sizeof *w);
    if (!w)
        return -1;
    for (size_t i = 0; i < n; i++)
        w[i] = s[i] >= 0x80 && s[i] < 0xA0 ? cp1252_high[s[i] - 0x80] : s[i];
    int rc = mend_utf16_to_utf8(w, n, out, len);
    free(w);
    return rc;
}

static int utf16le_to_utf8(const unsigned char *s, size_t n, char **out, size_t *len)
{
    size_t units = n / 2;
    uint16_t *w = malloc((units + 1) * sizeof *w);
    if (!w)
        return -1;
    for (size_t i = 0; i < units; i++)
        w[i] = (uint16_t)(s[2 * i] | s[2 * i + 1] << 8);
    int rc = mend_utf16_to_utf8(w, units, out, len);
    free(w);
    return rc;
}

/* The first non-blank line, trimmed, or an empty span. */
static void first_line(const char *s, size_t n, const char **line, size_t *len)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i < n && s[i] == '\n') {
            i++;
            continue;
        }
        break;
    }
    size_t j = i;
    while (j < n && s[j] != '\n')
        j++;
    while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\r'))
        j--;
    *line = s + i;
    *len = j - i;
}

static bool span_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* Produces the file's text as UTF-8 (malloc'd): UTF-16LE converted, a UTF-8 BOM dropped, and a
 * REGEDIT4 file that is not valid UTF-8 read as Windows-1252. */
static int decode(parser *ps, const unsigned char *buf, size_t len, char **text, size_t *tlen)
{
    *text = NULL;
    if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
        if (len % 2 != 0) {
            char *t;
            size_t n;
            if (utf16le_to_utf8(buf + 2, len - 3, &t, &n) != 0)
                return oom(ps);
            int line = lines_before(t, n);
            free(t);
            return fail(ps, line, "the file ends in the middle of a UTF-16 character (odd byte count)");
        }
        if (utf16le_to_utf8(buf + 2, len - 2, text, tlen) != 0)
            return oom(ps);
        return 0;
    }
    if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF)
        return fail(ps, 1, "UTF-16 big-endian files are not supported; save the file as UTF-16LE or UTF-8");
    if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
        buf += 3;
        len -= 3;
    }
    const char *hl;
    size_t hn;
    first_line((const char *)buf, len, &hl, &hn);
    if (span_is(hl, hn, HEADER4) && !mend_utf8_valid((const char *)buf, len)) {
        /* Old regedit wrote REGEDIT4 files in the ANSI code page. */
        if (ansi_to_utf8(buf, len, text, tlen) != 0)
            return oom(ps);
        return 0;
    }
    char *t = malloc(len + 1);
    if (!t)
        return oom(ps);
    if (len)
        memcpy(t, buf, len);
    t[len] = '\0';
    *text = t;
    *tlen = len;
    return 0;
}

/* ---- lines ---- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Next line without its line end, outer blanks trimmed; *eof at the end of the text. */
static int next_line(parser *ps, const char **s, const char **end, bool *eof)
{
    *eof = ps->p >= ps->end;
    if (*eof)
        return 0;
    const char *line = ps->p;
    size_t left = (size_t)(ps->end - line);
    const char *nl = memchr(line, '\n', left);
    size_t n = nl ? (size_t)(nl - line) : left;
    ps->p = nl ? nl + 1 : ps->end;
    ps->line++;
    if (memchr(line, '\0', n))
        return fail(ps, ps->line, "NUL character in the text (a UTF-16 file needs its byte order mark)");
    if (!mend_utf8_valid(line, n))
        return fail(ps, ps->line, "invalid UTF-8");
    while (n > 0 && (is_ws(line[n - 1]) || line[n - 1] == '\r'))
        n--;
    if (memchr(line, '\r', n))
        return fail(ps, ps->line, "carriage return in the middle of a line");
    size_t i = 0;
    while (i < n && is_ws(line[i]))
        i++;
    *s = line + i;
    *end = line + n;
    return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* Nothing but an optional ; comment left on the line. */
static bool at_line_end(const char *p, const char *end)
{
    p = skip_ws(p, end);
    return p == end || *p == ';';
}

/* ---- building the result ---- */

static int add_key(parser *ps, char *path)
{
    mend_regfile *rf = ps->rf;
    if (rf->nkeys == rf->capkeys) {
        size_t cap = rf->capkeys ? rf->capkeys * 2 : 16;
        char **k = realloc(rf->keys, cap * sizeof *k);
        if (!k) {
            free(path);
            return oom(ps);
        }
        rf->keys = k;
        rf->capkeys = cap;
    }
    rf->keys[rf->nkeys] = path;
    ps->key = rf->nkeys++;
    return 0;
}

static int add_op(parser *ps, mend_rf_op *op)
{
    mend_regfile *rf = ps->rf;
    if (rf->nops == rf->capops) {
        size_t cap = rf->capops ? rf->capops * 2 : 32;
        mend_rf_op *o = realloc(rf->ops, cap * sizeof *o);
        if (!o) {
            free(op->name);
            free(op->data);
            return oom(ps);
        }
        rf->ops = o;
        rf->capops = cap;
    }
    op->line = ps->line;
    op->key = ps->key;
    rf->ops[rf->nops++] = *op;
    if (op->kind == MEND_RF_DELETE_KEY || op->kind == MEND_RF_DELETE_VALUE)
        rf->deletions++;
    return 0;
}

/* ---- [KEY] and [-KEY] ---- */

static int key_line(parser *ps, const char *s, const char *end)
{
    const char *p = s + 1;
    bool del = p < end && *p == '-';
    if (del)
        p++;
    const char *close = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == ']')
            close = q;
    if (!close || close + 1 != end)
        return fail(ps, ps->line, close ? "unexpected text after ']'" : "missing ']' at the end of the key name");
    size_t n = (size_t)(close - p);
    if (n == 0)
        return fail(ps, ps->line, "empty key name");
    int root = mend_rf_root_find(p, n);
    const char *bs = memchr(p, '\\', n);
    size_t rootlen = bs ? (size_t)(bs - p) : n;
    if (root < 0) {
        /* Quote at most 64 bytes, cut on a character boundary so the message stays UTF-8. */
        size_t shown = rootlen;
        if (shown > 64)
            for (shown = 64; shown > 0 && ((unsigned char)p[shown] & 0xC0) == 0x80; shown--)
                ;
        return fail(ps, ps->line,
                    "unknown root key '%.*s' (expected HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, "
                    "HKEY_CLASSES_ROOT, HKEY_USERS or HKEY_CURRENT_CONFIG)",
                    (int)shown, p);
    }
    const char *rest = p + rootlen;
    for (const char *q = rest; q < close; q++)
        if (*q == '\\' && (q + 1 == close || q[1] == '\\'))
            return fail(ps, ps->line, "empty key name in the path (two backslashes or one at the end)");
    if (del && rest == close)
        return fail(ps, ps->line, "a root key cannot be deleted");

    mend_buf b = { 0 };
    mend_buf_str(&b, mend_reg_root_short(root));
    mend_buf_add(&b, rest, (size_t)(close - rest));
    char *path = mend_buf_take(&b, NULL);
    if (!path)
        return oom(ps);
    if (add_key(ps, path) != 0)
        return -1;
    ps->have_key = true;
    ps->key_deleted = del;
    mend_rf_op op = { .kind = del ? MEND_RF_DELETE_KEY : MEND_RF_CREATE_KEY };
    return add_op(ps, &op);
}

/* ---- values ---- */

/* A "..." string starting at *pp (on the opening quote); regedit escapes \\ and \", and Wine
 * also writes \n and \r. */
static int quoted(parser *ps, const char **pp, const char *end, mend_buf *out, const char *what)
{
    const char *p = *pp + 1;
    for (;;) {
        if (p >= end)
            return fail(ps, ps->line, "unterminated string in the %s (missing closing '\"')", what);
        char c = *p++;
        if (c == '"')
            break;
        if (c == '\\') {
            if (p >= end)
                return fail(ps, ps->line, "unterminated string in the %s (missing closing '\"')", what);
            char x = *p++;
            switch (x) {
            case '\\': case '"': c = x; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            default:
                if ((unsigned char)x < 0x21 || (unsigned char)x >= 0x7F)
                    return fail(ps, ps->line, "unknown escape sequence in the %s (only \\\\ and \\\" are allowed)", what);
                return fail(ps, ps->line, "unknown escape sequence '\\%c' in the %s (only \\\\ and \\\" are allowed)",
                            x, what);
            }
        }
        mend_buf_byte(out, c);
    }
    *pp = p;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool starts_ci(const char *p, const char *end, const char *lit)
{
    return mend_ascii_istarts(p, (size_t)(end - p), lit);
}

/* Comma-separated two-digit hex bytes, continued on following lines after a trailing '\'. */
static int hex_bytes(parser *ps, const char *p, const char *end, mend_buf *out)
{
    for (;;) {
        p = skip_ws(p, end);
        if (p == end || *p == ';')
            return 0;
        if (*p == '\\') {
            if (!at_line_end(p + 1, end))
                return fail(ps, ps->line, "unexpected text after the continuation '\\'");
            int at = ps->line;
            bool eof;
            const char *s, *e2;
            if (next_line(ps, &s, &e2, &eof) != 0)
                return -1;
            if (eof || s == e2)
                return fail(ps, at, "the value continues with '\\' but %s",
                            eof ? "the file ends" : "the next line is empty");
            p = s;
            end = e2;
            continue;
        }
        const char *q = p;
        while (q < end && hexval(*q) >= 0)
            q++;
        if (q == p) {
            if ((unsigned char)*p < 0x21 || (unsigned char)*p >= 0x7F)
                return fail(ps, ps->line, "unexpected character in hex data");
            return fail(ps, ps->line, "unexpected character '%c' in hex data", *p);
        }
        if (q - p != 2)
            return fail(ps, ps->line, "each byte must be two hex digits, found '%.*s'",
                        (int)(q - p > 16 ? 16 : q - p), p);
        mend_buf_byte(out, (char)(hexval(p[0]) << 4 | hexval(p[1])));
        p = skip_ws(q, end);
        if (p < end && *p == ',') {
            p++;
        } else if (p < end && *p != ';') {
            return fail(ps, ps->line, "expected ',' between hex bytes");
        }
    }
}

/* hex(1)/(2)/(6)/(7) bytes as host.h wants strings: UTF-8, the terminating NULs dropped. */
static int text_value(parser *ps, int line, uint32_t type, const unsigned char *d, size_t n, unsigned char **data,
                      size_t *size)
{
    size_t unit = ps->ansi ? 1 : 2;
    if (n % unit != 0)
        return fail(ps, line, "hex(%x) text has an odd number of bytes (UTF-16 needs two per character)",
                    (unsigned)type);
    size_t units = n / unit;
#define UNIT_AT(i) (unit == 1 ? d[i] : (unsigned)(d[2 * (i)] | d[2 * (i) + 1] << 8))
    if (type == MEND_REG_MULTI_SZ) {
        /* "a\0b\0\0" -> "a\0b\0"; the list's own final NUL goes, each string keeps its own. */
        if (units == 1 && UNIT_AT(0) == 0)
            units = 0;
        else if (units >= 2 && UNIT_AT(units - 1) == 0 && UNIT_AT(units - 2) == 0)
            units--;
    } else if (type != MEND_REG_LINK && units > 0 && UNIT_AT(units - 1) == 0) {
        units--;
    }
    bool add_nul = type == MEND_REG_MULTI_SZ && units > 0 && UNIT_AT(units - 1) != 0;
#undef UNIT_AT
    char *s;
    size_t len;
    int rc = ps->ansi ? ansi_to_utf8(d, units, &s, &len) : utf16le_to_utf8(d, units * 2, &s, &len);
    if (rc != 0)
        return oom(ps);
    if (add_nul) {
        /* An unterminated last string: host.h wants every string followed by a NUL. */
        char *t = realloc(s, len + 2);
        if (!t) {
            free(s);
            return oom(ps);
        }
        s = t;
        s[len++] = '\0';
        s[len] = '\0';
    }
    *data = (unsigned char *)s;
    *size = len;
    return 0;
}

static int value_data(parser *ps, const char *p, const char *end, mend_rf_op *op)
{
    int line = ps->line;
    mend_buf b = { 0 };
    if (*p == '-') {
        if (!at_line_end(p + 1, end))
            return fail(ps, line, "unexpected text after '-'");
        op->kind = MEND_RF_DELETE_VALUE;
        return 0;
    }
    op->kind = MEND_RF_SET_VALUE;
    if (*p == '"') {
        if (quoted(ps, &p, end, &b, "value data") != 0) {
            mend_buf_free(&b);
            return -1;
        }
        if (!at_line_end(p, end)) {
            mend_buf_free(&b);
            return fail(ps, line, "unexpected text after the closing '\"'");
        }
        op->type = MEND_REG_SZ;
        char *s = mend_buf_take(&b, &op->size);
        if (!s)
            return oom(ps);
        op->data = (unsigned char *)s;
        return 0;
    }
    if (starts_ci(p, end, "dword:")) {
        const char *q = p + 6, *r = q;
        uint32_t v = 0;
        while (r < end && hexval(*r) >= 0 && r - q < 9)
            v = v << 4 | (uint32_t)hexval(*r++);
        if (r == q || r - q > 8 || !at_line_end(r, end))
            return fail(ps, line, "bad dword value (expected dword: followed by 1 to 8 hex digits)");
        unsigned char *d = malloc(5);
        if (!d)
            return oom(ps);
        d[0] = (unsigned char)v, d[1] = (unsigned char)(v >> 8), d[2] = (unsigned char)(v >> 16);
        d[3] = (unsigned char)(v >> 24), d[4] = 0;
        op->type = MEND_REG_DWORD;
        op->data = d;
        op->size = 4;
        return 0;
    }
    if (starts_ci(p, end, "hex:")) {
        op->type = MEND_REG_BINARY;
        p += 4;
    } else if (starts_ci(p, end, "hex(")) {
        const char *q = p + 4, *r = q;
        uint32_t t = 0;
        while (r < end && hexval(*r) >= 0 && r - q < 9)
            t = t << 4 | (uint32_t)hexval(*r++);
        if (r == q || r - q > 8 || end - r < 2 || r[0] != ')' || r[1] != ':')
            return fail(ps, line, "bad value type (expected hex(N): with N in hex, e.g. hex(2):)");
        op->type = t;
        p = r + 2;
    } else {
        return fail(ps, line, "unknown value data (expected \"text\", dword:, hex:, hex(N): or -)");
    }
    if (hex_bytes(ps, p, end, &b) != 0) {
        mend_buf_free(&b);
        return -1;
    }
    size_t n;
    unsigned char *d = (unsigned char *)mend_buf_take(&b, &n);
    if (!d)
        return oom(ps);
    uint32_t t = op->type;
    if (t == MEND_REG_SZ || t == MEND_REG_EXPAND_SZ || t == MEND_REG_LINK || t == MEND_REG_MULTI_SZ) {
        int rc = text_value(ps, line, t, d, n, &op->data, &op->size);
        free(d);
        return rc;
    }
    op->data = d;
    op->size = n;
    return 0;
}

static int value_line(parser *ps, const char *s, const char *end)
{
    if (!ps->have_key)
        return fail(ps, ps->line, "value before any [KEY] section");
    if (ps->key_deleted)
        return fail(ps, ps->line, "value under a key that this file deletes ([-...])");
    mend_rf_op op = { 0 };
    const char *p = s;
    mend_buf name = { 0 };
    if (*p == '@') {
        p++;
    } else if (quoted(ps, &p, end, &name, "value name") != 0) {
        mend_buf_free(&name);
        return -1;
    }
    p = skip_ws(p, end);
    if (p == end || *p != '=') {
        mend_buf_free(&name);
        return fail(ps, ps->line, "expected '=' after the value name");
    }
    p = skip_ws(p + 1, end);
    if (p == end) {
        mend_buf_free(&name);
        return fail(ps, ps->line, "missing value data after '='");
    }
    op.name = mend_buf_take(&name, NULL);
    if (!op.name)
        return oom(ps);
    if (value_data(ps, p, end, &op) != 0) {
        free(op.name);
        free(op.data);
        return -1;
    }
    return add_op(ps, &op);
}

/* ---- the file ---- */

static int parse_text(parser *ps)
{
    const char *s, *end;
    bool eof;
    do {
        if (next_line(ps, &s, &end, &eof) != 0)
            return -1;
        if (eof)
            return fail(ps, ps->line > 0 ? ps->line : 1,
                        "not a .reg file: expected the header 'Windows Registry Editor Version 5.00' or 'REGEDIT4'");
    } while (s == end);
    if (span_is(s, (size_t)(end - s), HEADER4))
        ps->ansi = true;
    else if (!span_is(s, (size_t)(end - s), HEADER5))
        return fail(ps, ps->line,
                    "not a .reg file: expected the header 'Windows Registry Editor Version 5.00' or 'REGEDIT4'");
    for (;;) {
        if (next_line(ps, &s, &end, &eof) != 0)
            return -1;
        if (eof)
            return 0;
        if (s == end || *s == ';')
            continue;
        int rc;
        if (*s == '[')
            rc = key_line(ps, s, end);
        else if (*s == '"' || *s == '@')
            rc = value_line(ps, s, end);
        else
            rc = fail(ps, ps->line, "unexpected text (expected [KEY], \"name\"=..., @=..., a ; comment or a blank line)");
        if (rc != 0)
            return -1;
    }
}

int mend_regfile_parse(const unsigned char *buf, size_t len, mend_regfile **out, mend_err *e)
{
    *out = NULL;
    parser ps = { .e = e };
    ps.rf = calloc(1, sizeof *ps.rf);
    if (!ps.rf)
        return oom(&ps);
    char *text;
    size_t tlen;
    if (decode(&ps, buf ? buf : (const unsigned char *)"", buf ? len : 0, &text, &tlen) != 0) {
        mend_regfile_free(ps.rf);
        return -1;
    }
    ps.p = text;
    ps.end = text + tlen;
    int rc = parse_text(&ps);
    free(text);
    if (rc != 0) {
        mend_regfile_free(ps.rf);
        return -1;
    }
    *out = ps.rf;
    return 0;
}

int mend_regfile_visit(const mend_regfile *rf, mend_regfile_visit_fn fn, void *ud)
{
    for (size_t i = 0; i < rf->nops; i++) {
        const mend_rf_op *op = &rf->ops[i];
        if (op->kind == MEND_RF_CREATE_KEY) {
            fn(ud, rf->keys[op->key], NULL);
        } else if (op->kind == MEND_RF_SET_VALUE) {
            mend_regval v = { op->name, op->type, op->data, op->size };
            fn(ud, rf->keys[op->key], &v);
        }
    }
    return 0;
}

void mend_regfile_free(mend_regfile *rf)
{
    if (!rf)
        return;
    for (size_t i = 0; i < rf->nkeys; i++)
        free(rf->keys[i]);
    for (size_t i = 0; i < rf->nops; i++) {
        free(rf->ops[i].name);
        free(rf->ops[i].data);
    }
    free(rf->keys);
    free(rf->ops);
    free(rf);
}
