/* Reads the tokens of a saved state exactly as Lua's lexer would, refusing whatever else Lua accepts. */
#include "sim_state_lex.h"
#include "utf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_xdigit(int ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static void skip_ws(sl_cur *c)
{
    while (c->p < c->end && is_space((unsigned char)*c->p))
        c->p++;
}

bool sl_punct(sl_cur *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

bool sl_peek(sl_cur *c, char ch)
{
    skip_ws(c);
    return c->p < c->end && *c->p == ch;
}

bool sl_at(sl_cur *c, const char *p)
{
    skip_ws(c);
    return c->p == p;
}

/* The bytes sl_skip_table stops at; every other byte is passed over with one test. */
static bool special(unsigned char ch)
{
    static const unsigned char stop[256] = { ['{'] = 1, ['}'] = 1, ['"'] = 1, ['\''] = 1, ['-'] = 1, ['['] = 1 };
    return stop[ch] != 0;
}

bool sl_skip_table(sl_cur *c)
{
    skip_ws(c);
    const char *p = c->p;
    size_t depth = 0;
    while (p < c->end) {
        char ch = *p++;
        if (!special((unsigned char)ch))
            continue;
        if (ch == '{') {
            depth++;
        } else if (ch == '}') {
            if (--depth == 0) {
                c->p = p;
                return true;
            }
        } else if (ch == '"' || ch == '\'') {
            while (p < c->end && *p != ch) {
                if (*p == '\n' || *p == '\r')
                    return false;
                if (*p == '\\' && ++p == c->end)
                    return false;
                p++;
            }
            if (p == c->end)
                return false;
            p++;
        } else if (ch == '-' && p < c->end && *p == '-') {
            return false;   /* a comment: left to Lua */
        } else if (ch == '[' && p < c->end && (*p == '[' || *p == '=')) {
            return false;   /* a long string: left to Lua */
        }
    }
    return false;
}

bool sl_at_end(sl_cur *c)
{
    skip_ws(c);
    return c->p == c->end;
}

bool sl_name(sl_cur *c, const char **k, size_t *len)
{
    skip_ws(c);
    const char *s = c->p;
    if (s == c->end || !is_alpha((unsigned char)*s))
        return false;
    while (c->p < c->end && (is_alpha((unsigned char)*c->p) || is_digit((unsigned char)*c->p)))
        c->p++;
    *k = s;
    *len = (size_t)(c->p - s);
    return true;
}

bool sl_bool(sl_cur *c, bool *out)
{
    const char *k;
    size_t n;
    sl_cur save = *c;
    if (sl_name(c, &k, &n)) {
        if (SL_IS(k, n, "true")) {
            *out = true;
            return true;
        }
        if (SL_IS(k, n, "false")) {
            *out = false;
            return true;
        }
    }
    *c = save;
    return false;
}

/* Decodes the literal at c into out (room for its raw length + 1), or only measures it when out
 * is NULL. */
static bool decode(sl_cur *c, char *out, size_t *len)
{
    skip_ws(c);
    if (c->p == c->end || (*c->p != '"' && *c->p != '\''))
        return false;
    char q = *c->p;
    const char *s = c->p + 1;
    size_t n = 0;
    while (s < c->end && *s != q) {
        unsigned char ch = (unsigned char)*s++;
        if (ch == '\n' || ch == '\r')
            return false;   /* Lua: unfinished string */
        if (ch == '\\') {
            if (s == c->end)
                return false;
            unsigned char e = (unsigned char)*s++;
            switch (e) {
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'a': ch = '\a'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'v': ch = '\v'; break;
            case '\\': case '"': case '\'': ch = e; break;
            default:
                if (!is_digit(e))
                    return false;   /* \x, \z, \u, a line break: Lua reads them, this reader does not */
                unsigned v = (unsigned)(e - '0');
                for (int i = 0; i < 2 && s < c->end && is_digit((unsigned char)*s); i++)
                    v = v * 10 + (unsigned)(*s++ - '0');
                if (v > 255)
                    return false;
                ch = (unsigned char)v;
            }
        }
        if (out)
            out[n] = (char)ch;
        n++;
    }
    if (s == c->end)
        return false;
    if (out)
        out[n] = '\0';
    c->p = s + 1;
    *len = n;
    return true;
}

/* A literal without escapes (nearly all of them): its bytes in place. 1 found, 0 it has escapes
 * (decode it), -1 not a string Lua reads. */
static int plain(sl_cur *c, const char **s, size_t *n)
{
    skip_ws(c);
    if (c->p == c->end || (*c->p != '"' && *c->p != '\''))
        return -1;
    char q = *c->p;
    for (const char *p = c->p + 1; p < c->end; p++) {
        char ch = *p;
        if (ch == q) {
            *s = c->p + 1;
            *n = (size_t)(p - *s);
            c->p = p + 1;
            return 1;
        }
        if (ch == '\\')
            return 0;
        if (ch == '\n' || ch == '\r')
            return -1;
    }
    return -1;
}

bool sl_string(sl_cur *c, char **out, size_t *len)
{
    const char *s;
    size_t n;
    int kind = plain(c, &s, &n);
    if (kind < 0)
        return false;
    if (kind == 0) {
        sl_cur probe = *c;
        if (!decode(&probe, NULL, &n))
            return false;
    }
    char *d = malloc(n + 1);
    if (!d)
        return false;
    if (kind == 1) {
        memcpy(d, s, n);
        d[n] = '\0';
    } else {
        decode(c, d, &n);
    }
    *out = d;
    *len = n;
    return true;
}

bool sl_cstring(sl_cur *c, char **out)
{
    size_t n;
    char *s;
    if (!sl_string(c, &s, &n))
        return false;
    /* Not UTF-8: the Lua loader decides (it refuses such names, keeps such registry text). */
    if (memchr(s, '\0', n) || !mend_utf8_valid(s, n)) {
        free(s);
        return false;
    }
    *out = s;
    return true;
}

bool sl_string_buf(sl_cur *c, char *buf, size_t size)
{
    const char *s;
    size_t n;
    int kind = plain(c, &s, &n);
    if (kind < 0)
        return false;
    if (kind == 1) {
        if (n >= size || memchr(s, '\0', n))
            return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return true;
    }
    sl_cur probe = *c;
    if (!decode(&probe, NULL, &n) || n >= size)
        return false;
    decode(c, buf, &n);
    return strlen(buf) == n;
}

bool sl_num_int(const sl_num *n, int64_t *out)
{
    if (n->isint) {
        *out = n->i;
        return true;
    }
    /* Lua's float-to-integer rule: exact, and inside [-2^63, 2^63). */
    if (!(n->d >= -9223372036854775808.0 && n->d < 9223372036854775808.0) || (double)(int64_t)n->d != n->d)
        return false;
    *out = (int64_t)n->d;
    return true;
}

bool sl_number(sl_cur *c, sl_num *out)
{
    skip_ws(c);
    sl_cur save = *c;
    bool neg = false;
    if (c->p < c->end && *c->p == '-') {
        neg = true;
        c->p++;
        skip_ws(c);
    }
    const char *s = c->p;
    if (s == c->end || !(is_digit((unsigned char)*s) || *s == '.'))
        goto refuse;
    /* The numeral's extent as Lua's read_numeral takes it. */
    bool hex = c->end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *p = hex ? s + 2 : s + 1;
    char e1 = hex ? 'p' : 'e', e2 = hex ? 'P' : 'E';
    while (p < c->end) {
        if (*p == e1 || *p == e2) {
            p++;
            if (p < c->end && (*p == '+' || *p == '-'))
                p++;
        } else if (is_xdigit((unsigned char)*p) || *p == '.') {
            p++;
        } else {
            break;
        }
    }
    if (p < c->end && is_alpha((unsigned char)*p))
        goto refuse;   /* a numeral touching a letter: Lua's "malformed number" */
    size_t n = (size_t)(p - s);
    if (hex) {
        /* Integers only (hex floats are not written); they wrap around as in Lua. */
        if (n == 2)
            goto refuse;
        uint64_t v = 0;
        for (const char *q = s + 2; q < p; q++) {
            if (!is_xdigit((unsigned char)*q))
                goto refuse;
            int d = is_digit((unsigned char)*q) ? *q - '0' : (*q | 0x20) - 'a' + 10;
            v = v * 16 + (uint64_t)d;
        }
        out->isint = true;
        out->i = (int64_t)v;
    } else {
        bool digits_only = true;
        for (const char *q = s; q < p; q++)
            if (!is_digit((unsigned char)*q))
                digits_only = false;
        uint64_t v = 0;
        bool fits = digits_only;
        for (const char *q = s; fits && q < p; q++) {
            if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(*q - '0')) / 10)
                fits = false;
            else
                v = v * 10 + (uint64_t)(*q - '0');
        }
        if (fits) {
            out->isint = true;
            out->i = (int64_t)v;
        } else {
            /* Lua reads a float with strtod; only the plain decimal forms are taken here. */
            char buf[64];
            if (n >= sizeof buf)
                goto refuse;
            memcpy(buf, s, n);
            buf[n] = '\0';
            const char *q = buf;
            size_t mant = 0;
            while (is_digit((unsigned char)*q)) {
                q++;
                mant++;
            }
            if (*q == '.')
                for (q++; is_digit((unsigned char)*q); q++)
                    mant++;
            if (!mant)
                goto refuse;
            if (*q == 'e' || *q == 'E') {
                q++;
                if (*q == '+' || *q == '-')
                    q++;
                if (!is_digit((unsigned char)*q))
                    goto refuse;
                while (is_digit((unsigned char)*q))
                    q++;
            }
            if (*q)
                goto refuse;
            errno = 0;
            char *endp;
            double d = strtod(buf, &endp);
            if (*endp)
                goto refuse;
            out->isint = false;
            out->d = d;
        }
    }
    c->p = p;
    if (out->isint) {
        if (neg)
            out->i = (int64_t)(0u - (uint64_t)out->i);
        out->d = (double)out->i;
    } else if (neg) {
        out->d = -out->d;
    }
    return true;
refuse:
    *c = save;
    return false;
}

bool sl_field_end(sl_cur *c)
{
    skip_ws(c);
    if (c->p < c->end && (*c->p == ',' || *c->p == ';')) {
        c->p++;
        return true;
    }
    return c->p < c->end && *c->p == '}';
}

bool sl_skip_value(sl_cur *c, int depth)
{
    skip_ws(c);
    if (c->p == c->end || depth <= 0)
        return false;
    char ch = *c->p;
    if (ch == '"' || ch == '\'') {
        size_t n;
        return decode(c, NULL, &n);
    }
    bool b;
    if (sl_bool(c, &b))
        return true;
    if (ch != '{') {
        sl_num n;
        return sl_number(c, &n);
    }
    c->p++;
    while (!sl_punct(c, '}')) {
        const char *k;
        size_t n;
        sl_cur save = *c;
        if (sl_punct(c, '[')) {
            if (!sl_skip_value(c, depth - 1) || !sl_punct(c, ']') || !sl_punct(c, '='))
                return false;
        } else if (!(sl_name(c, &k, &n) && sl_punct(c, '='))) {
            *c = save;   /* a positional value */
        }
        if (!sl_skip_value(c, depth - 1) || !sl_field_end(c))
            return false;
    }
    return true;
}
