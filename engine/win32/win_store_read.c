/* The IPsec policy store read from the registry, and the per-pass snapshot of it. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define STORE_SUB L"SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"

void win_store_free(win_store *s)
{
    if (!s)
        return;
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
    p->key = _wcsdup(sub);
    p->name = name ? name : _wcsdup(L"");
    p->description = desc ? desc : _wcsdup(L"");
    p->guid = guid;
    if (!p->key || !p->name || !p->description || !p->guid)
        return ERROR_NOT_ENOUGH_MEMORY;
    return ERROR_SUCCESS;
}

int win_store_read(win_ctx *c, win_store *s, mend_err *e)
{
    memset(s, 0, sizeof *s);
    if (c)
        c->store_reads++;
    HKEY local;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, STORE_SUB, 0, KEY_READ | KEY_WOW64_64KEY, &local);
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
        rc = add_policy(s, &cap, local, sub);
        if (rc != ERROR_SUCCESS)
            break;
    }
    RegCloseKey(local);
    if (rc != ERROR_NO_MORE_ITEMS) {
        win_store_free(s);
        return win_err(e, (DWORD)rc, "cannot read the IPsec policy store");
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
    if (!s->active || !p)
        return false;
    const wchar_t *last = wcsrchr(s->active, L'\\');
    return win_ieq(last ? last + 1 : s->active, p->key);
}
