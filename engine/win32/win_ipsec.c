/* IPsec static policies: read from the local policy store, changed through `netsh ipsec static`. */
#include "win_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define STORE_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
#define NETSH_TIMEOUT_MS 60000u
#define QUOTE_MAX 300            /* how much of netsh's answer goes into a message */

typedef struct store_policy {
    wchar_t *key;              /* ipsecPolicy{GUID} */
    wchar_t *name;
    wchar_t *description;
    wchar_t *guid;
} store_policy;

typedef struct store {
    store_policy *p;
    size_t n;
    wchar_t *active;           /* ActivePolicy, NULL if none */
} store;

static void store_free(store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->p[i].key);
        free(s->p[i].name);
        free(s->p[i].description);
        free(s->p[i].guid);
    }
    free(s->p);
    free(s->active);
    memset(s, 0, sizeof *s);
}

/* Reads every ipsecPolicy{...} subkey of the store; a missing store is an empty one. */
static int store_read(store *s, mend_err *e)
{
    memset(s, 0, sizeof *s);
    HKEY local;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, STORE_SUB, 0,
                               KEY_READ | KEY_WOW64_64KEY, &local);
    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
        return 0;
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot open the IPsec policy store %s", MEND_IPSEC_STORE_ROOT);
    s->active = win_reg_read_sz(local, L"ActivePolicy");
    wchar_t sub[256 + 1];
    size_t cap = 0;
    for (DWORD i = 0;; i++) {
        DWORD len = sizeof sub / sizeof sub[0];
        rc = RegEnumKeyExW(local, i, sub, &len, NULL, NULL, NULL, NULL);
        if (rc != ERROR_SUCCESS)
            break;
        if (_wcsnicmp(sub, L"ipsecPolicy{", 12) != 0)
            continue;
        HKEY k;
        if (RegOpenKeyExW(local, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
            continue;
        wchar_t *name = win_reg_read_sz(k, L"ipsecName");
        wchar_t *desc = win_reg_read_sz(k, L"description");
        wchar_t *guid = win_reg_read_sz(k, L"ipsecID");
        RegCloseKey(k);
        if (!guid)
            guid = _wcsdup(sub + 11);   /* the key name carries the GUID too */
        if (s->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            store_policy *grown = realloc(s->p, ncap * sizeof *grown);
            if (!grown) {
                free(name);
                free(desc);
                free(guid);
                rc = ERROR_NOT_ENOUGH_MEMORY;
                break;
            }
            s->p = grown;
            cap = ncap;
        }
        store_policy *p = &s->p[s->n++];
        p->key = _wcsdup(sub);
        p->name = name ? name : _wcsdup(L"");
        p->description = desc ? desc : _wcsdup(L"");
        p->guid = guid;
        if (!p->key || !p->name || !p->description || !p->guid) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
    }
    RegCloseKey(local);
    if (rc != ERROR_NO_MORE_ITEMS) {
        store_free(s);
        return win_err(e, (DWORD)rc, "cannot read the IPsec policy store");
    }
    return 0;
}

/* Exact name first; netsh itself matches names without regard to case. */
static store_policy *store_find(const store *s, const wchar_t *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (wcscmp(s->p[i].name, name) == 0)
            return &s->p[i];
    for (size_t i = 0; i < s->n; i++)
        if (win_ieq(s->p[i].name, name))
            return &s->p[i];
    return NULL;
}

/* ActivePolicy holds the assigned policy's key path relative to HKLM. */
static bool store_assigned(const store *s, const store_policy *p)
{
    if (!s->active || !p)
        return false;
    const wchar_t *last = wcsrchr(s->active, L'\\');
    return win_ieq(last ? last + 1 : s->active, p->key);
}

/* ---- netsh ---- */

/* Values reach netsh inside double quotes on its own command line: a quote or a control
 * character could end the value and start a new argument, so such names are refused. */
static int check_netsh_text(const wchar_t *s, const char *what, const char *utf8, mend_err *e)
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

/* Runs `netsh ipsec static <verb> policy name="<name>" [key="value" ...]`. */
static int netsh(const win_ctx *c, const wchar_t *verb, const wchar_t *name, const wchar_t *k1,
                 const wchar_t *v1, const wchar_t *k2, const wchar_t *v2, win_child_result *r,
                 mend_err *e)
{
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
    if (ret == 0)
        ret = win_child_run(c->netsh, cmd, NETSH_TIMEOUT_MS, r, e);
    free(cmd);
    return ret;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return false;
    for (const char *p = hay; *p; p++)
        if (_strnicmp(p, needle, n) == 0)
            return true;
    return false;
}

/* Whether out holds this system's own (localized) text for a Windows error, as netsh prints it. */
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

/* netsh's text is localized: the numbers, the English words, or the system's own text mark a
 * policy pending deletion. */
static bool says_pending(const char *out)
{
    static const char *const marks[] = { "0x32DF", "13023", "pending deletion" };
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
        if (contains_nocase(out, marks[m]))
            return true;
    return says_system_text(out, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION);
}

/* "The system cannot find the file specified" (0x2): the article's sign of a policy gone from
 * the store yet still in the Policy Agent's memory. */
static bool says_missing(const char *out)
{
    return contains_nocase(out, "cannot find the file specified") ||
           says_system_text(out, MEND_WIN_FILE_NOT_FOUND);
}

/* netsh's answer squeezed onto one line for a message. */
static void quote_output(const char *out, char *buf, size_t size)
{
    size_t j = 0;
    bool space = false;
    for (const char *p = out; *p && j + 4 < size && j < QUOTE_MAX; p++) {
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

/* The stuck-policy test: a modify that changes nothing answers 0x32DF for a policy that is
 * pending deletion. Returns true when it does. */
static bool probe_pending(const win_ctx *c, const store_policy *p, const store *s)
{
    mend_err ignored;
    if (check_netsh_text(p->name, "", "", &ignored) != 0)
        return false;
    win_child_result r;
    int rc;
    if (check_netsh_text(p->description, "", "", &ignored) == 0)
        rc = netsh(c, L"set", p->name, L"description", p->description, NULL, NULL, &r, &ignored);
    else
        rc = netsh(c, L"set", p->name, L"assign", store_assigned(s, p) ? L"y" : L"n", NULL, NULL,
                   &r, &ignored);
    if (rc != 0)
        return false;
    bool pending = says_pending(r.output);
    win_child_result_clear(&r);
    return pending;
}

static int fill_policy(const win_ctx *c, const store *s, const store_policy *p, mend_policy *out,
                       mend_err *e)
{
    memset(out, 0, sizeof *out);
    out->name = win_utf8(p->name, -1);
    out->description = win_utf8(p->description, -1);
    out->guid = win_utf8(p->guid, -1);
    char *key = win_utf8(p->key, -1);
    if (key) {
        size_t len = strlen(MEND_IPSEC_STORE_ROOT) + 1 + strlen(key) + 1;
        out->store_key = malloc(len);
        if (out->store_key)
            snprintf(out->store_key, len, "%s\\%s", MEND_IPSEC_STORE_ROOT, key);
        free(key);
    }
    out->assigned = store_assigned(s, p);
    out->state = probe_pending(c, p, s) ? MEND_POLICY_PENDING_DELETION : MEND_POLICY_ACTIVE;
    out->sa_count = 0;         /* the store does not hold SAs; see docs/windows.md */
    if (!out->name || !out->description || !out->guid || !out->store_key) {
        mend_policy_clear(out);
        return win_err_oom(e);
    }
    return 0;
}

int win_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    store s;
    if (store_read(&s, e) != 0)
        return -1;
    mend_policy *list = calloc(s.n ? s.n : 1, sizeof *list);
    if (!list) {
        store_free(&s);
        return win_err_oom(e);
    }
    for (size_t i = 0; i < s.n; i++) {
        if (fill_policy(ctx, &s, &s.p[i], &list[i], e) != 0) {
            mend_policy_free_list(list, i);
            store_free(&s);
            return -1;
        }
    }
    *out = list;
    *n = s.n;
    store_free(&s);
    return 0;
}

/* Reads the store and finds name in it; *p NULL when absent. */
static int lookup(const char *name, store *s, wchar_t **wname, store_policy **p, mend_err *e)
{
    *wname = win_wide(name, e);
    if (!*wname)
        return -1;
    if (store_read(s, e) != 0) {
        free(*wname);
        return -1;
    }
    *p = store_find(s, *wname);
    return 0;
}

static int not_in_store(const char *name, mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND,
                        "IPsec policy '%s' is not in the policy store: %s", name,
                        mend_win32_text(MEND_WIN_FILE_NOT_FOUND));
}

int win_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    store s;
    wchar_t *w;
    store_policy *p;
    if (lookup(name, &s, &w, &p, e) != 0)
        return -1;
    int ret = p ? fill_policy(ctx, &s, p, out, e) : not_in_store(name, e);
    store_free(&s);
    free(w);
    return ret;
}

/* Another process holding the policy's store key open ("held by holder.exe (pid 42)" in *who);
 * our own handles do not count. */
static bool held_open(const wchar_t *key, char *who, size_t size)
{
    char *key8 = win_utf8(key, -1);
    if (!key8)
        return false;
    char nt[512];
    snprintf(nt, sizeof nt, "\\REGISTRY\\MACHINE\\%s\\%s",
             MEND_IPSEC_STORE_ROOT + sizeof "HKLM\\" - 1, key8);
    free(key8);
    mend_handle_filter f;
    memset(&f, 0, sizeof f);
    f.name = nt;
    f.type = "Key";
    mend_handle *list;
    size_t n;
    mend_err ignored;
    if (win_handles_scan(NULL, &f, &list, &n, &ignored) != 0)
        return false;
    bool held = false;
    for (size_t i = 0; i < n && !held; i++) {
        if (list[i].pid == GetCurrentProcessId())
            continue;
        snprintf(who, size, "%s (pid %lu)", list[i].process, (unsigned long)list[i].pid);
        held = true;
    }
    mend_handle_free_list(list, n);
    return held;
}

/* After netsh left the store unchanged: the most precise reason we can give. */
static int explain(const win_ctx *c, const char *what, const char *name, const char *output,
                   mend_err *e)
{
    char quoted[QUOTE_MAX + 8];
    quote_output(output, quoted, sizeof quoted);
    store s;
    wchar_t *w;
    store_policy *p;
    if (contains_nocase(output, "requires elevation") || contains_nocase(output, "Access is denied") ||
        says_system_text(output, ERROR_ACCESS_DENIED) || says_system_text(output, 740u /* ERROR_ELEVATION_REQUIRED */))
        return mend_err_set(e, MEND_E_ACCESS_DENIED, MEND_WIN_ACCESS_DENIED,
                            "cannot %s IPsec policy '%s': netsh was refused access; netsh said: %s",
                            what, name, quoted);
    /* netsh's own answer to the delete comes first: 0x2 there means the agent's memory. */
    if (strcmp(what, "delete") == 0 && says_missing(output) && !says_pending(output))
        return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND,
                            "cannot delete IPsec policy '%s': %s netsh said: %s", name,
                            mend_win32_text(MEND_WIN_FILE_NOT_FOUND), quoted);
    bool pending = says_pending(output), assigned = false, held = false;
    char who[300] = "";
    if (lookup(name, &s, &w, &p, e) == 0) {
        if (!pending && p)
            pending = probe_pending(c, p, &s);
        assigned = store_assigned(&s, p);
        /* A stuck policy whose key another process holds is in use by that process: the
         * handle check can free it, as for Windows' 13002. */
        if (p && strcmp(what, "delete") == 0 && !assigned)
            held = held_open(p->key, who, sizeof who);
        store_free(&s);
        free(w);
    }
    if (held)
        return mend_err_set(e, MEND_E_IN_USE, MEND_WIN_IPSEC_QM_POLICY_IN_USE,
                            "cannot delete IPsec policy '%s': its store key is held open by %s; "
                            "netsh said: %s", name, who, quoted);
    if (pending)
        return mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION,
                            "cannot %s IPsec policy '%s': %s netsh said: %s", what, name,
                            mend_win32_text(MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION), quoted);
    if (assigned && strcmp(what, "delete") == 0)
        return mend_err_set(e, MEND_E_IN_USE, MEND_WIN_IPSEC_QM_POLICY_IN_USE,
                            "cannot delete IPsec policy '%s': it is assigned; netsh said: %s",
                            name, quoted);
    return mend_err_set(e, MEND_E_IO, 0,
                        "netsh did not %s IPsec policy '%s' (the policy store is unchanged); "
                        "netsh said: %s", what, name, quoted);
}

int win_ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    store s;
    wchar_t *w;
    store_policy *p;
    if (lookup(name, &s, &w, &p, e) != 0)
        return -1;
    int ret;
    if (!p)
        ret = not_in_store(name, e);
    else
        ret = check_netsh_text(w, "policy name", name, e);
    wchar_t *exact = ret == 0 ? _wcsdup(p->name) : NULL;
    store_free(&s);
    free(w);
    if (ret != 0)
        return -1;
    if (!exact)
        return win_err_oom(e);
    win_child_result r;
    ret = netsh(ctx, L"delete", exact, NULL, NULL, NULL, NULL, &r, e);
    if (ret == 0) {
        /* netsh exits 0 even when it fails: only the store tells. */
        if (lookup(name, &s, &w, &p, e) != 0) {
            ret = -1;
        } else {
            bool gone = p == NULL;
            store_free(&s);
            free(w);
            if (!gone)
                ret = explain(ctx, "delete", name, r.output, e);
        }
        win_child_result_clear(&r);
    }
    free(exact);
    return ret;
}

int win_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    store s;
    wchar_t *w;
    store_policy *p;
    if (lookup(name, &s, &w, &p, e) != 0)
        return -1;
    int ret = !p ? not_in_store(name, e) : check_netsh_text(w, "policy name", name, e);
    wchar_t *exact = ret == 0 ? _wcsdup(p->name) : NULL;
    store_free(&s);
    free(w);
    if (ret != 0)
        return -1;
    if (!exact)
        return win_err_oom(e);
    win_child_result r;
    ret = netsh(ctx, L"set", exact, L"assign", on ? L"y" : L"n", NULL, NULL, &r, e);
    if (ret == 0) {
        if (lookup(name, &s, &w, &p, e) != 0) {
            ret = -1;
        } else {
            bool done = p && store_assigned(&s, p) == on;
            store_free(&s);
            free(w);
            if (!done)
                ret = explain(ctx, on ? "assign" : "unassign", name, r.output, e);
        }
        win_child_result_clear(&r);
    }
    free(exact);
    return ret;
}

int win_ipsec_create(void *ctx, const char *name, const char *description, mend_err *e)
{
    if (!name[0])
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "A policy needs a non-empty name.");
    wchar_t *wdesc = win_wide(description ? description : "", e);
    if (!wdesc)
        return -1;
    store s;
    wchar_t *w;
    store_policy *p;
    if (lookup(name, &s, &w, &p, e) != 0) {
        free(wdesc);
        return -1;
    }
    int ret = check_netsh_text(w, "policy name", name, e);
    if (ret == 0)
        ret = check_netsh_text(wdesc, "description", description ? description : "", e);
    if (ret == 0 && p) {
        /* A name still pending deletion cannot be reused: say which case this is. */
        if (probe_pending(ctx, p, &s))
            ret = mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION,
                               "cannot create IPsec policy '%s': %s", name,
                               mend_win32_text(MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION));
        else
            ret = mend_err_set(e, MEND_E_EXISTS, MEND_WIN_IPSEC_QM_POLICY_EXISTS,
                               "cannot create IPsec policy '%s': %s", name,
                               mend_win32_text(MEND_WIN_IPSEC_QM_POLICY_EXISTS));
    }
    store_free(&s);
    win_child_result r;
    if (ret == 0)
        ret = netsh(ctx, L"add", w, L"description", wdesc, NULL, NULL, &r, e);
    if (ret == 0) {
        wchar_t *w2;
        if (lookup(name, &s, &w2, &p, e) != 0) {
            ret = -1;
        } else {
            bool made = p != NULL;
            store_free(&s);
            free(w2);
            if (!made) {
                char quoted[QUOTE_MAX + 8];
                quote_output(r.output, quoted, sizeof quoted);
                ret = says_pending(r.output)
                    ? mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION,
                                   "cannot create IPsec policy '%s': %s netsh said: %s", name,
                                   mend_win32_text(MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION), quoted)
                    : mend_err_set(e, MEND_E_IO, 0,
                                   "netsh did not create IPsec policy '%s' (it is not in the "
                                   "policy store); netsh said: %s", name, quoted);
            }
        }
        win_child_result_clear(&r);
    }
    free(w);
    free(wdesc);
    return ret;
}
