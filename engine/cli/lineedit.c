/* The shell's line editor: raw-mode editing on POSIX terminals, history, tab completion. */
#include "lineedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <errno.h>
#include <termios.h>
#include <unistd.h>
#endif

#define LE_MAX_CANDS 256

struct mend_le {
    char **hist;
    size_t nhist, hist_max;
    mend_le_complete_fn complete;
    void *ud;
};

mend_le *mend_le_new(size_t history_max, mend_le_complete_fn complete, void *ud)
{
    mend_le *le = calloc(1, sizeof *le);
    if (!le)
        return NULL;
    le->hist_max = history_max ? history_max : 1;
    le->hist = calloc(le->hist_max, sizeof *le->hist);
    if (!le->hist) {
        free(le);
        return NULL;
    }
    le->complete = complete;
    le->ud = ud;
    return le;
}

void mend_le_free(mend_le *le)
{
    if (!le)
        return;
    for (size_t i = 0; i < le->nhist; i++)
        free(le->hist[i]);
    free(le->hist);
    free(le);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void mend_le_history_add(mend_le *le, const char *line)
{
    if (!line || !*line || (le->nhist && strcmp(le->hist[le->nhist - 1], line) == 0))
        return;
    char *copy = dup_n(line, strlen(line));
    if (!copy)
        return;
    if (le->nhist == le->hist_max) {
        free(le->hist[0]);
        memmove(le->hist, le->hist + 1, (le->hist_max - 1) * sizeof *le->hist);
        le->nhist--;
    }
    le->hist[le->nhist++] = copy;
}

void mend_le_history_load(mend_le *le, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char buf[8192];
    while (fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        /* "\n" in the file is a newline inside an entry, "\\" a backslash. */
        size_t w = 0;
        for (size_t r = 0; r < n; r++) {
            if (buf[r] == '\\' && r + 1 < n) {
                r++;
                buf[w++] = buf[r] == 'n' ? '\n' : buf[r];
            } else {
                buf[w++] = buf[r];
            }
        }
        buf[w] = '\0';
        mend_le_history_add(le, buf);
    }
    fclose(f);
}

void mend_le_history_save(mend_le *le, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    for (size_t i = 0; i < le->nhist; i++) {
        for (const char *p = le->hist[i]; *p; p++) {
            if (*p == '\n')
                fputs("\\n", f);
            else if (*p == '\\')
                fputs("\\\\", f);
            else
                fputc(*p, f);
        }
        fputc('\n', f);
    }
    fclose(f);
}

static volatile sig_atomic_t *g_stop;

void mend_le_stop_on(volatile sig_atomic_t *flag)
{
    g_stop = flag;
}

static bool stopped(void)
{
    return g_stop && *g_stop;
}

/* A line from a pipe or file: no editing. */
static int read_plain(char **out)
{
    size_t cap = 128, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return MEND_LE_EOF;
    int ch;
    while ((ch = fgetc(stdin)) != EOF && ch != '\n') {
        if (n + 2 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return MEND_LE_EOF;
            }
            buf = nb;
            cap *= 2;
        }
        buf[n++] = (char)ch;
    }
    if ((ch == EOF && n == 0) || stopped()) {
        free(buf);
        return MEND_LE_EOF;
    }
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *out = buf;
    return MEND_LE_LINE;
}

#ifdef _WIN32

bool mend_le_interactive(void)
{
    DWORD mode;
    return GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mode) != 0;
}

/* The console's own line editing (arrows, F7 history, but no completion): ReadConsoleW in
 * cooked mode, converted to UTF-8. */
int mend_le_read(mend_le *le, const char *prompt, char **out)
{
    (void)le;
    fputs(prompt, stdout);
    fflush(stdout);
    if (!mend_le_interactive())
        return read_plain(out);
    wchar_t wbuf[4096];
    DWORD got = 0;
    if (!ReadConsoleW(GetStdHandle(STD_INPUT_HANDLE), wbuf, 4095, &got, NULL))
        return GetLastError() == ERROR_OPERATION_ABORTED ? MEND_LE_CANCEL : MEND_LE_EOF;
    if (got == 0)
        return MEND_LE_CANCEL; /* Ctrl-C ends the read with nothing */
    while (got && (wbuf[got - 1] == L'\n' || wbuf[got - 1] == L'\r'))
        got--;
    if (got == 1 && wbuf[0] == 26) /* Ctrl-Z Enter: end of input, as cmd.exe has it */
        return MEND_LE_EOF;
    int n = WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)got, NULL, 0, NULL, NULL);
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        return MEND_LE_EOF;
    WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)got, buf, n, NULL, NULL);
    buf[n] = '\0';
    *out = buf;
    return MEND_LE_LINE;
}

#else

bool mend_le_interactive(void)
{
    const char *term = getenv("TERM");
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

/* The line being edited. */
typedef struct edit {
    char *buf;
    size_t len, cap, pos;
    const char *prompt;
} edit;

static void out(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void outs(const char *s)
{
    out(s, strlen(s));
}

/* Columns taken by bytes (UTF-8 continuation bytes take none). */
static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static void refresh(edit *e)
{
    char move[32];
    outs("\r");
    outs(e->prompt);
    /* A recalled multi-line chunk keeps its newlines but shows them as spaces on one line. */
    for (size_t i = 0, from = 0; i <= e->len; i++)
        if (i == e->len || e->buf[i] == '\n') {
            out(e->buf + from, i - from);
            if (i < e->len)
                outs(" ");
            from = i + 1;
        }
    outs("\x1b[K\r");
    size_t col = columns(e->prompt, strlen(e->prompt)) + columns(e->buf, e->pos);
    if (col) {
        snprintf(move, sizeof move, "\x1b[%zuC", col);
        outs(move);
    }
}

static int reserve(edit *e, size_t extra)
{
    if (e->len + extra + 1 <= e->cap)
        return 0;
    size_t cap = e->cap * 2 + extra + 1;
    char *nb = realloc(e->buf, cap);
    if (!nb)
        return -1;
    e->buf = nb;
    e->cap = cap;
    return 0;
}

static void insert(edit *e, const char *s, size_t n)
{
    if (reserve(e, n) != 0)
        return;
    memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
    memcpy(e->buf + e->pos, s, n);
    e->pos += n;
    e->len += n;
    e->buf[e->len] = '\0';
}

static void erase(edit *e, size_t from, size_t to)
{
    memmove(e->buf + from, e->buf + to, e->len - to);
    e->len -= to - from;
    e->buf[e->len] = '\0';
    if (e->pos > to)
        e->pos -= to - from;
    else if (e->pos > from)
        e->pos = from;
}

static size_t prev_char(const edit *e, size_t p)
{
    while (p > 0 && ((unsigned char)e->buf[--p] & 0xC0) == 0x80)
        ;
    return p;
}

static size_t next_char(const edit *e, size_t p)
{
    if (p < e->len)
        p++;
    while (p < e->len && ((unsigned char)e->buf[p] & 0xC0) == 0x80)
        p++;
    return p;
}

static void set_line(edit *e, const char *s)
{
    e->len = e->pos = 0;
    insert(e, s, strlen(s));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Tab: one candidate replaces the word; several extend it to their common prefix, or are
 * listed under the line when there is nothing to add. */
static void complete(mend_le *le, edit *e)
{
    if (!le->complete)
        return;
    char *cands[LE_MAX_CANDS];
    size_t start = e->pos;
    size_t n = le->complete(le->ud, e->buf, e->pos, &start, cands, LE_MAX_CANDS);
    if (n == 0) {
        outs("\a");
        return;
    }
    qsort(cands, n, sizeof *cands, cmp_str);
    size_t common = strlen(cands[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;
        while (k < common && cands[i][k] == cands[0][k])
            k++;
        common = k;
    }
    size_t have = e->pos - start;
    if (n == 1 || common > have) {
        erase(e, start, e->pos);
        insert(e, cands[0], n == 1 ? strlen(cands[0]) : common);
        refresh(e);
    } else {
        outs("\r\n");
        size_t width = 0;
        for (size_t i = 0; i < n; i++)
            if (strlen(cands[i]) > width)
                width = strlen(cands[i]);
        size_t per_row = 78 / (width + 2);
        if (per_row == 0)
            per_row = 1;
        for (size_t i = 0; i < n; i++) {
            char cell[300];
            snprintf(cell, sizeof cell, "%-*s", (int)(width + 2), cands[i]);
            outs(cell);
            if ((i + 1) % per_row == 0 || i + 1 == n)
                outs("\r\n");
        }
        refresh(e);
    }
    for (size_t i = 0; i < n; i++)
        free(cands[i]);
}

static int read_key(void)
{
    unsigned char c;
    ssize_t r;
    do
        r = read(STDIN_FILENO, &c, 1);
    while (r < 0 && errno == EINTR && !stopped());
    return r == 1 && !stopped() ? c : -1;
}

static int edit_loop(mend_le *le, edit *e, char **outp)
{
    size_t hidx = le->nhist;    /* le->nhist = the line being typed */
    char *saved = NULL;         /* that line, while browsing history */
    int rc = MEND_LE_LINE;
    for (;;) {
        int c = read_key();
        if (c < 0) {
            rc = e->len && !stopped() ? MEND_LE_LINE : MEND_LE_EOF;
            break;
        }
        if (c == '\r' || c == '\n')
            break;
        if (c == 3) { /* Ctrl-C */
            outs("^C");
            rc = MEND_LE_CANCEL;
            break;
        }
        if (c == 4) { /* Ctrl-D: exit on an empty line, else delete under the cursor */
            if (e->len == 0) {
                rc = MEND_LE_EOF;
                break;
            }
            if (e->pos < e->len)
                erase(e, e->pos, next_char(e, e->pos));
        } else if (c == 127 || c == 8) {
            if (e->pos > 0)
                erase(e, prev_char(e, e->pos), e->pos);
        } else if (c == 1) {
            e->pos = 0;
        } else if (c == 5) {
            e->pos = e->len;
        } else if (c == 2) {
            e->pos = prev_char(e, e->pos);
        } else if (c == 6) {
            e->pos = next_char(e, e->pos);
        } else if (c == 11) {
            erase(e, e->pos, e->len);
        } else if (c == 21) {
            erase(e, 0, e->pos);
        } else if (c == 23) { /* Ctrl-W: the word before the cursor */
            size_t p = e->pos;
            while (p > 0 && e->buf[p - 1] == ' ')
                p--;
            while (p > 0 && e->buf[p - 1] != ' ')
                p--;
            erase(e, p, e->pos);
        } else if (c == 12) {
            outs("\x1b[H\x1b[2J");
        } else if (c == 9) {
            complete(le, e);
            continue;
        } else if (c == 16 || c == 14 || c == 27) {
            int key = c == 16 ? 'A' : c == 14 ? 'B' : 0;
            if (c == 27) {
                int c1 = read_key();
                int c2 = read_key();
                if (c1 == '[' && c2 >= '0' && c2 <= '9') {
                    int c3 = read_key();
                    if (c3 == '~')
                        key = c2 == '3' ? 'D' + 100 : (c2 == '1' || c2 == '7') ? 'H' : (c2 == '4' || c2 == '8') ? 'F' : 0;
                } else if (c1 == '[' || c1 == 'O') {
                    key = c2;
                }
            }
            if (key == 'A' || key == 'B') {
                if (key == 'A' && hidx > 0) {
                    if (hidx == le->nhist) {
                        free(saved);
                        saved = dup_n(e->buf, e->len);
                    }
                    set_line(e, le->hist[--hidx]);
                } else if (key == 'B' && hidx < le->nhist) {
                    hidx++;
                    set_line(e, hidx == le->nhist ? (saved ? saved : "") : le->hist[hidx]);
                }
            } else if (key == 'C') {
                e->pos = next_char(e, e->pos);
            } else if (key == 'D') {
                e->pos = prev_char(e, e->pos);
            } else if (key == 'H') {
                e->pos = 0;
            } else if (key == 'F') {
                e->pos = e->len;
            } else if (key == 'D' + 100 && e->pos < e->len) {
                erase(e, e->pos, next_char(e, e->pos));
            }
        } else if (c >= 32) {
            char ch = (char)c;
            insert(e, &ch, 1);
        }
        refresh(e);
    }
    free(saved);
    outs("\r\n");
    if (rc == MEND_LE_LINE)
        *outp = dup_n(e->buf, e->len);
    return rc;
}

int mend_le_read(mend_le *le, const char *prompt, char **outp)
{
    if (!mend_le_interactive()) {
        fputs(prompt, stdout);
        fflush(stdout);
        return read_plain(outp);
    }
    fflush(stdout);
    struct termios orig, raw;
    if (tcgetattr(STDIN_FILENO, &orig) != 0)
        return read_plain(outp);
    raw = orig;
    /* Raw input, but output processing stays on so the rest of mend prints normally; typeahead
     * is kept (TCSADRAIN, not TCSAFLUSH) so pasted lines are not lost between two reads. */
    raw.c_iflag &= (tcflag_t) ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    raw.c_cflag |= CS8;
    raw.c_lflag &= (tcflag_t) ~(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
        return read_plain(outp);
    edit e = {.buf = malloc(64), .cap = 64, .prompt = prompt};
    int rc = MEND_LE_EOF;
    if (e.buf) {
        e.buf[0] = '\0';
        refresh(&e);
        rc = edit_loop(le, &e, outp);
    }
    free(e.buf);
    tcsetattr(STDIN_FILENO, TCSADRAIN, &orig);
    return rc;
}

#endif
