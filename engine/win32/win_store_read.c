/* The IPsec policy store (local and Group Policy's cache) read from the registry, and the per-pass snapshot of it. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define STORE_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
/* MS-GPIPSEC: the directory policy a GPO assigns is cached here, and GPTIPSECPolicy names it. */
#define CACHE_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache"
#define GPT_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\GPTIPSECPolicy"

void win_store_free(win_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->p[i].key);
        free(s->p[i].name);
        free(s->p[i].description);
        free(s->p[i].guid);
        free(s->p[i].gpo);
    }
    free(s->p);
    free(s->active);
    memset(s, 0, sizeof *s);
}

/* Appends one policy key's values; ERROR_SUCCESS, or ERROR_NOT_ENOUGH_MEMORY. */
static LSTATUS add_policy(win_store *s, size_t *cap, HKEY local, const wchar_t *sub)
{
    HKEY k;
    if (RegOpenKeyExW(local, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return ERROR_SUCCESS;          /* gone since the enumeration: not in the store */
    wchar_t *name = win_reg_read_sz(k, L"ipsecName");
    wchar_t *desc = win_reg_read_sz(k, L"description");
    wchar_t *guid = win_reg_read_sz(k, L"ipsecID");
    RegCloseKey(k);
    if (!guid)
        guid = _wcsdup(sub + 11);      /* the key name carries the GUID too */
    if (s->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        win_store_policy *grown = realloc(s->p, ncap * sizeof *grown);
        if (!grown) {
            free(name);
            free(desc);
            free(guid);
            return ERROR_NOT_ENOUGH_MEMORY;
        }
        s->p = grown;
        *cap = ncap;
    }
    win_store_policy *p = &s->p[s->n++];
    memset(p, 0, sizeof *p);
    p->key = _wcsdup(sub);
    p->name = name ? name : _wcsdup(L"");
    p->description = desc ? desc : _wcsdup(L"");
    p->guid = guid;
    if (!p->key || !p->name || !p->description || !p->guid)
        return ERROR_NOT_ENOUGH_MEMORY;
    return ERROR_SUCCESS;
}

/* Every ipsecPolicy{...} key under dir; ERROR_NO_MORE_ITEMS when all were read. */
static LSTATUS add_policies(win_store *s, size_t *cap, HKEY dir)
{
    wchar_t sub[256 + 1];
    LSTATUS rc;
    for (DWORD i = 0;; i++) {
        DWORD len = sizeof sub / sizeof sub[0];
        rc = RegEnumKeyExW(dir, i, sub, &len, NULL, NULL, NULL, NULL);
        if (rc != ERROR_SUCCESS)
            break;
        if (_wcsnicmp(sub, L"ipsecPolicy{", 12) != 0)
            continue;
        rc = add_policy(s, cap, dir, sub);
        if (rc != ERROR_SUCCESS)
            break;
    }
    return rc;
}

/* True when hay contains needle, without regard to case (an LDAP path names the key's CN). */
static bool contains_i(const wchar_t *hay, const wchar_t *needle)
{
    size_t n = wcslen(needle);
    for (; hay && *hay; hay++)
        if (_wcsnicmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* Marks the policies read from the cache (from index first) as a GPO's: GPTIPSECPolicy's
 * DSIPSECPolicyPath names the assigned one (CN=ipsecPolicy{GUID},...); its GPOName, where
 * Windows records one, names the GPO, else the directory path stands for it. */
static LSTATUS mark_gpo(win_store *s, size_t first)
{
    HKEY gpt = NULL;
    wchar_t *path = NULL, *gpo_name = NULL;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, GPT_SUB, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &gpt) ==
        ERROR_SUCCESS) {
        path = win_reg_read_sz(gpt, L"DSIPSECPolicyPath");
        gpo_name = win_reg_read_sz(gpt, L"GPOName");
        RegCloseKey(gpt);
    }
    const wchar_t *label = gpo_name && *gpo_name ? gpo_name : path && *path ? path : NULL;
    LSTATUS rc = ERROR_SUCCESS;
    for (size_t i = first; i < s->n && rc == ERROR_SUCCESS; i++) {
        win_store_policy *p = &s->p[i];
        p->gpo_assigned = path && contains_i(path, p->key);
        /* A copy no GPTIPSECPolicy names: the GPO that delivered it let go (a stale cache). */
        p->gpo = _wcsdup(p->gpo_assigned && label ? label : L"none recorded: GPTIPSECPolicy does not name it");
        if (!p->gpo)
            rc = ERROR_NOT_ENOUGH_MEMORY;
    }
    free(path);
    free(gpo_name);
    return rc;
}

/* Reads one store directory (sub of HKLM); a missing one is empty. */
static LSTATUS read_dir(win_store *s, size_t *cap, const wchar_t *sub, bool local)
{
    HKEY dir;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0, KEY_READ | KEY_WOW64_64KEY, &dir);
    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
        return ERROR_NO_MORE_ITEMS;
    if (rc != ERROR_SUCCESS)
        return rc;
    if (local)
        s->active = win_reg_read_sz(dir, L"ActivePolicy");
    size_t first = s->n;
    rc = add_policies(s, cap, dir);
    RegCloseKey(dir);
    if (rc == ERROR_NO_MORE_ITEMS && !local) {
        LSTATUS mrc = mark_gpo(s, first);
        if (mrc != ERROR_SUCCESS)
            rc = mrc;
    }
    return rc;
}

int win_store_read(win_ctx *c, win_store *s, mend_err *e)
{
    memset(s, 0, sizeof *s);
    if (c)
        c->store_reads++;
    size_t cap = 0;
    LSTATUS rc = read_dir(s, &cap, STORE_SUB, true);
    const char *where = MEND_IPSEC_STORE_ROOT;
    if (rc == ERROR_NO_MORE_ITEMS) {
        rc = read_dir(s, &cap, CACHE_SUB, false);
        where = MEND_IPSEC_GPO_CACHE;
    }
    if (rc != ERROR_NO_MORE_ITEMS) {
        win_store_free(s);
        return win_err(e, (DWORD)rc, "cannot read the IPsec policy store %s", where);
    }
    return 0;
}

int win_store_keep(win_ctx *c, win_store *s, mend_err *e)
{
    if (!c->snap) {
        c->snap = calloc(1, sizeof *c->snap);
        if (!c->snap) {
            win_store_free(s);
            return win_err_oom(e);
        }
    }
    win_store_free(c->snap);
    *c->snap = *s;
    memset(s, 0, sizeof *s);
    c->snap_gen = c->gen;
    return 0;
}

const win_store *win_store_snapshot(win_ctx *c, mend_err *e)
{
    if (c->snap && c->snap_gen == c->gen)
        return c->snap;
    win_store fresh;
    if (win_store_read(c, &fresh, e) != 0 || win_store_keep(c, &fresh, e) != 0)
        return NULL;
    return c->snap;
}

const win_store_policy *win_store_find(const win_store *s, const wchar_t *name)
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
bool win_store_assigned(const win_store *s, const win_store_policy *p)
{
    if (!s->active || !p || p->gpo)
        return false;
    const wchar_t *last = wcsrchr(s->active, L'\\');
    return win_ieq(last ? last + 1 : s->active, p->key);
}
