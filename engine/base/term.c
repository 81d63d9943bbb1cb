/* Text for people's terminals: control characters shown as escapes, never sent raw; wrapping to the width. */
#include "term.h"
#include "platform.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void mend_term_puts(FILE *out, const char *s, int flags)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t run = 0;
        /* Write the longest run that needs no escaping in one go. */
        while (p[run] >= 0x20 && p[run] != 0x7f && !(p[run] == 0xC2 && p[run + 1] >= 0x80 && p[run + 1] <= 0x9F))
            run++;
        if (run) {
            fwrite(p, 1, run, out);
            p += run;
            continue;
        }
        if ((flags & MEND_TERM_KEEP_LINES) && (*p == '\n' || *p == '\t')) {
            fputc(*p++, out);
        } else if (*p == 0xC2) {           /* a C1 control, U+0080..U+009F */
            fprintf(out, "\\u00%02X", p[1]);
            p += 2;
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else if (*p == '\r') {
            fputs("\\r", out);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", out);
            p++;
        } else {
            fprintf(out, "\\x%02X", *p++);
        }
    }
}

int mend_term_width(void)
{
    const char *cols = getenv("COLUMNS");
    if (cols && *cols) {
        int n = atoi(cols);
        return n > 0 ? n : 0;
    }
    return mend_console_columns();
}

/* Wide (2 columns) and zero-width code point ranges, as terminals draw them (Unicode's East
 * Asian Width W/F and combining marks; the common blocks, not every code point). */
static const unsigned long wide[][2] = {
    {0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE30, 0xFE4F}, {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
static const unsigned long zero[][2] = {
    {0x0300, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE20, 0xFE2F}};

static bool in(const unsigned long (*r)[2], size_t n, unsigned long cp)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i][0] && cp <= r[i][1])
            return true;
    return false;
}

size_t mend_term_columns(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0, i = 0;
    while (s && i < n && p[i]) {
        unsigned char c = p[i];
        if (c == '\n' || c == '\r' || c == '\t') {   /* printed \n \r \t */
            w += 2;
            i++;
        } else if (c < 0x20 || c == 0x7f) {           /* \xNN */
            w += 4;
            i++;
        } else if (c == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {   /* \u00NN */
            w += 6;
            i += 2;
        } else if (c < 0x80) {
            w++;
            i++;
        } else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            unsigned long cp = len == 1 ? c : c & (0x3F >> (len - 1));
            size_t k = 1;
            for (; k < len && i + k < n && (p[i + k] & 0xC0) == 0x80; k++)
                cp = cp << 6 | (p[i + k] & 0x3F);
            if (k < len)
                w++;   /* a broken sequence: one replacement character */
            else
                w += in(wide, sizeof wide / sizeof *wide, cp) ? 2 : in(zero, sizeof zero / sizeof *zero, cp) ? 0 : 1;
            i += k;
        }
    }
    return w;
}

/* Length of the next word at s: up to a space outside "..." and `...`. */
static size_t word_len(const char *s)
{
    char quote = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (quote) {
            if (s[i] == quote)
                quote = 0;
        } else if (s[i] == '"' || s[i] == '`') {
            quote = s[i];
        } else if (s[i] == ' ') {
            break;
        }
    }
    return i;
}

/* What must stay on one line if it fits one: a word; an option with its value ("--allow
 * reboot"); a command to copy ("mend fix ... --allow kill", up to ". ", "; " or the end). */
static size_t unit_len(const char *s, size_t room)
{
    size_t n = word_len(s);
    if (strncmp(s, "mend ", 5) == 0) {
        size_t k = 0;
        while (s[k] && !((s[k] == '.' || s[k] == ';') && (s[k + 1] == ' ' || !s[k + 1])))
            k += s[k] == ' ' ? 1 : word_len(s + k);
        if (mend_term_columns(s, k) <= room)
            return k;
    }
    bool option = strncmp(s, "--", 2) == 0 || strncmp(s, "(--", 3) == 0;
    if (option && !memchr(s, '=', n) && s[n] == ' ' && s[n + 1] && s[n + 1] != '-') {
        size_t k = n + 1 + word_len(s + n + 1);
        if (mend_term_columns(s, k) <= room)
            return k;
    }
    return n;
}

void mend_term_wrap(FILE *out, const char *text, int width, int first_col, int indent)
{
    if (!text)
        return;
    if (width <= 0) {
        mend_term_puts(out, text, MEND_TERM_ONE_LINE);
        return;
    }
    size_t col = first_col > 0 ? (size_t)first_col : 0, start = col;
    const char *p = text;
    while (*p) {
        size_t spaces = 0;
        while (p[spaces] == ' ')
            spaces++;
        p += spaces;
        if (!*p)
            break;
        size_t n = unit_len(p, width > indent ? (size_t)(width - indent) : 0), w = mend_term_columns(p, n);
        bool first = col == start;
        if (!first && col + 1 + w > (size_t)width) {
            fputc('\n', out);
            for (int i = 0; i < indent; i++)
                fputc(' ', out);
            col = start = indent > 0 ? (size_t)indent : 0;
            first = true;
        }
        if (!first) {
            fputc(' ', out);
            col++;
        }
        char small[256];
        char *word = n < sizeof small ? small : malloc(n + 1);
        if (word) {
            memcpy(word, p, n);
            word[n] = '\0';
            mend_term_puts(out, word, MEND_TERM_ONE_LINE);
            if (word != small)
                free(word);
        }
        col += w;
        p += n;
    }
}
