/* Running netsh ipsec: the static policy changes (answers read by number) and the read-only `show all`. */
#include "win_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define NETSH_TIMEOUT_MS 60000u
#define QUOTE_MAX 300            /* how much of netsh's answer goes into a message */

/* Values reach netsh inside double quotes on its own command line: a quote or a control
 * character could end the value and start a new argument, so such names are refused. */
int win_netsh_check_text(const wchar_t *s, const char *what, const char *utf8, mend_err *e)
{
    for (const wchar_t *c = s; *c; c++)
        if (*c == L'"' || *c < 0x20 || *c == 0x7f)
            return mend_err_set(e, MEND_E_INVALID, 0,
                                "the %s '%s' holds a double quote or a control character, which "
                                "cannot be passed to netsh safely; rename it with another tool",
                                what, utf8);
    return 0;
}

/* Appends ` key="value"`: CommandLineToArgvW (and netsh) read it as one argument key=value;
 * backslashes before the closing quote are doubled so they stay literal. */
static int append_kv(wchar_t **cmd, size_t *len, size_t *cap, const wchar_t *key,
                     const wchar_t *value, mend_err *e)
{
    size_t need = *len + wcslen(key) + 2 * wcslen(value) + 8;
    if (need > *cap) {
        wchar_t *grown = realloc(*cmd, need * 2 * sizeof **cmd);
        if (!grown)
            return win_err_oom(e);
        *cmd = grown;
        *cap = need * 2;
    }
    wchar_t *p = *cmd + *len;
    p += swprintf(p, *cap - *len, L" %ls=\"%ls", key, value);
    size_t slashes = 0;
    for (const wchar_t *c = value + wcslen(value); c > value && c[-1] == L'\\'; c--)
        slashes++;
    while (slashes--)
        *p++ = L'\\';
    *p++ = L'"';
    *p = L'\0';
    *len = (size_t)(p - *cmd);
    return 0;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; n && *p; p++)
        if (_strnicmp(p, needle, n) == 0)
            return true;
    return false;
}

/* Whether out holds this system's own (localized) text for a Windows error: a second signal
 * for an answer that carries no number. */
static bool says_system_text(const char *out, DWORD code)
{
    wchar_t text[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, 0, text, 256, NULL);
    while (n > 0 && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L'.' ||
                     text[n - 1] == L' '))
        n--;
    if (n < 8)
        return false;
    char *local = win_utf8(text, (int)n);
    bool hit = local && contains_nocase(out, local);
    free(local);
    return hit;
}

/* The Windows error numbers mend acts on, in the order an answer is searched for them. */
static const DWORD known_codes[] = {
    MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_IN_USE,
    MEND_WIN_IPSEC_QM_POLICY_EXISTS, MEND_WIN_IPSEC_QM_POLICY_NOT_FOUND, MEND_WIN_ACCESS_DENIED,
    740u /* ERROR_ELEVATION_REQUIRED */, MEND_WIN_FILE_NOT_FOUND, MEND_WIN_PATH_NOT_FOUND,
};

/* "ERR IPsec[05039]" -> 5039; the first such tag in the answer, 0 if none. */
static unsigned read_tag(const char *out)
{
    static const char mark[] = "ERR IPsec[";
    for (const char *p = out; *p; p++) {
        if (_strnicmp(p, mark, sizeof mark - 1) != 0)
            continue;
        char *end;
        unsigned long n = strtoul(p + sizeof mark - 1, &end, 10);
        if (*end == ']')
            return (unsigned)n;
    }
    return 0;
}

/* A Windows error number in the answer: "0x32DF" anywhere, or "(13023)" in parentheses;
 * failing both, the system's own text for one of the codes mend acts on. */
static DWORD read_win32(const char *out)
{
    for (const char *p = out; *p; p++) {
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]) &&
            (p == out || !isalnum((unsigned char)p[-1])))
            return (DWORD)strtoul(p + 2, NULL, 16);
        if (p[0] == '(' && isdigit((unsigned char)p[1])) {
            char *end;
            unsigned long n = strtoul(p + 1, &end, 10);
            if (*end == ')')
                return (DWORD)n;
        }
    }
    for (size_t i = 0; i < sizeof known_codes / sizeof known_codes[0]; i++)
        if (says_system_text(out, known_codes[i]))
            return known_codes[i];
    return 0;
}

int win_netsh_policy(win_ctx *c, const wchar_t *verb, const wchar_t *name, const wchar_t *k1,
                     const wchar_t *v1, const wchar_t *k2, const wchar_t *v2,
                     win_netsh_answer *a, mend_err *e)
{
    memset(a, 0, sizeof *a);
    size_t len = 0, cap = 64;
    wchar_t *cmd = malloc(cap * sizeof *cmd);
    if (!cmd)
        return win_err_oom(e);
    len = (size_t)swprintf(cmd, cap, L"ipsec static %ls policy", verb);
    int ret = append_kv(&cmd, &len, &cap, L"name", name, e);
    if (ret == 0 && k1)
        ret = append_kv(&cmd, &len, &cap, k1, v1, e);
    if (ret == 0 && k2)
        ret = append_kv(&cmd, &len, &cap, k2, v2, e);
    win_child_result r;
    if (ret == 0)
        ret = win_child_run(c->netsh, cmd, NETSH_TIMEOUT_MS, &r, e);
    free(cmd);
    if (ret != 0)
        return -1;
    /* netsh exits 0 even when it failed: the answer's numbers (and the store) tell. */
    a->output = r.output;
    a->tag = read_tag(a->output);
    a->win32 = read_win32(a->output);
    return 0;
}

int win_ipsec_show(void *ctx, bool dynamic, char **text, mend_err *e)
{
    win_ctx *c = ctx;
    *text = NULL;
    win_child_result r;
    if (win_child_run(c->netsh, dynamic ? L"ipsec dynamic show all" : L"ipsec static show all",
                      NETSH_TIMEOUT_MS, &r, e) != 0)
        return -1;
    if (r.exit_code != 0) {
        win_netsh_answer a = { .output = r.output };
        char quote[QUOTE_MAX + 8];
        win_netsh_quote(&a, quote, sizeof quote);
        mend_err_set(e, MEND_E_IO, r.exit_code, "netsh ipsec %s show all ended with exit code %lu: %s",
                     dynamic ? "dynamic" : "static", (unsigned long)r.exit_code, quote);
        win_child_result_clear(&r);
        return -1;
    }
    *text = r.output;
    return 0;
}

void win_netsh_answer_clear(win_netsh_answer *a)
{
    free(a->output);
    memset(a, 0, sizeof *a);
}

void win_netsh_quote(const win_netsh_answer *a, char *buf, size_t size)
{
    size_t j = 0;
    bool space = false;
    for (const char *p = a->output ? a->output : ""; *p && j + 4 < size && j < QUOTE_MAX; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ') {
            space = j > 0;
            continue;
        }
        if (space)
            buf[j++] = ' ';
        space = false;
        buf[j++] = *p;
    }
    buf[j] = '\0';
    if (j == 0)
        snprintf(buf, size, "(nothing)");
}
