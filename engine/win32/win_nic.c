/* NIC IPsec task offload: the NDIS *IPsecOffload* keywords of the network adapter class key, and their record. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define NET_CLASS_GUID L"{4d36e972-e325-11ce-bfc1-08002be10318}"
#define CLASS_KEY L"SYSTEM\\CurrentControlSet\\Control\\Class\\" NET_CLASS_GUID
#define NETWORK_KEY L"SYSTEM\\CurrentControlSet\\Control\\Network\\" NET_CLASS_GUID
/* What "off" replaced, per adapter (NetCfgInstanceId): mend's own key, so it survives runs, reboots
 * and a driver update that rewrites the adapter's key, and no driver ever reads it. */
#define RECORD_KEY L"SOFTWARE\\mend\\NicOffload"

/* Turning on with nothing recorded and no Ndi\Params default: AH and ESP (Enable-NetAdapterIPsecOffload's
 * AuthHeaderEspEnabled). */
#define OFFLOAD_ON L"3"

static const wchar_t *const keywords[] = {
    L"*IPsecOffloadV1IPv4", L"*IPsecOffloadV2", L"*IPsecOffloadV2IPv4",
};

#define NKW (sizeof keywords / sizeof keywords[0])

typedef struct nic_entry {
    wchar_t sub[16];           /* 0000, 0001, ... */
    wchar_t *id;               /* NetCfgInstanceId */
    wchar_t *name;
    wchar_t *description;
    bool offload;
    bool has_keyword;
} nic_entry;

/* A string value of the subkey sub of k (malloc'd), NULL when either is missing. */
static wchar_t *read_sz_at(HKEY k, const wchar_t *sub, const wchar_t *value)
{
    HKEY p;
    if (RegOpenKeyExW(k, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &p) != ERROR_SUCCESS)
        return NULL;
    wchar_t *d = win_reg_read_sz(p, value);
    RegCloseKey(p);
    return d;
}

/* The driver's Ndi\Params\<keyword>\default (malloc'd), NULL when it declares none. */
static wchar_t *ndi_default(HKEY k, const wchar_t *kw)
{
    wchar_t path[96];
    swprintf(path, sizeof path / sizeof path[0], L"Ndi\\Params\\%ls", kw);
    return read_sz_at(k, path, L"default");
}

/* A keyword's value, else the driver's default for it (what NDIS hands the miniport). NDIS keywords
 * are strings; some drivers write DWORDs. *present: the value exists; *known: it or an Ndi entry does. */
static bool keyword_value(HKEY k, const wchar_t *kw, bool *present, bool *known)
{
    DWORD type, size = 0;
    *present = RegQueryValueExW(k, kw, NULL, &type, NULL, &size) == ERROR_SUCCESS;
    if (*present && type == REG_DWORD) {
        DWORD v = 0;
        size = sizeof v;
        RegQueryValueExW(k, kw, NULL, NULL, (BYTE *)&v, &size);
        *known = true;
        return v != 0;
    }
    wchar_t *s = *present ? win_reg_read_sz(k, kw) : ndi_default(k, kw);
    *known = *present || s;
    bool on = s && s[0] && wcstoul(s, NULL, 10) != 0;
    free(s);
    return on;
}

static wchar_t *connection_name(const wchar_t *instance_id)
{
    wchar_t path[512];
    swprintf(path, sizeof path / sizeof path[0], L"%ls\\%ls\\Connection", NETWORK_KEY, instance_id);
    return read_sz_at(HKEY_LOCAL_MACHINE, path, L"Name");
}

static void entries_free(nic_entry *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].id);
        free(a[i].name);
        free(a[i].description);
    }
    free(a);
}

/* Every adapter subkey with a NetCfgInstanceId; no class key means no adapters. */
static int read_nics(nic_entry **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    HKEY cls;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY, 0,
                               KEY_ENUMERATE_SUB_KEYS | KEY_WOW64_64KEY, &cls);
    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
        return 0;
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot open the network adapter class key");
    nic_entry *list = NULL;
    size_t got = 0, cap = 0;
    wchar_t sub[256 + 1];
    for (DWORD i = 0;; i++) {
        DWORD len = sizeof sub / sizeof sub[0];
        rc = RegEnumKeyExW(cls, i, sub, &len, NULL, NULL, NULL, NULL);
        if (rc != ERROR_SUCCESS)
            break;
        HKEY k;
        /* "Properties" and other non-adapter subkeys are skipped (Windows denies access to it). */
        if (len >= 16 || RegOpenKeyExW(cls, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
            continue;
        wchar_t *id = win_reg_read_sz(k, L"NetCfgInstanceId");
        if (!id) {
            RegCloseKey(k);
            continue;
        }
        if (got == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            nic_entry *grown = realloc(list, ncap * sizeof *grown);
            if (!grown) {
                free(id);
                RegCloseKey(k);
                rc = ERROR_NOT_ENOUGH_MEMORY;
                break;
            }
            list = grown;
            cap = ncap;
        }
        nic_entry *ne = &list[got++];
        memset(ne, 0, sizeof *ne);
        wcscpy(ne->sub, sub);
        ne->description = win_reg_read_sz(k, L"DriverDesc");
        ne->name = connection_name(id);
        if (!ne->name)
            ne->name = _wcsdup(ne->description ? ne->description : id);
        if (!ne->description)
            ne->description = _wcsdup(L"");
        for (size_t kw = 0; kw < NKW; kw++) {
            bool present, known;
            if (keyword_value(k, keywords[kw], &present, &known))
                ne->offload = true;
            ne->has_keyword |= known;
        }
        ne->id = id;
        RegCloseKey(k);
        if (!ne->name || !ne->description) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
    }
    RegCloseKey(cls);
    if (rc != ERROR_NO_MORE_ITEMS) {
        entries_free(list, got);
        return win_err(e, (DWORD)rc, "cannot list the network adapters");
    }
    *out = list;
    *n = got;
    return 0;
}

int win_nic_list(void *ctx, mend_nic **out, size_t *n, mend_err *e)
{
    nic_entry *ents;
    size_t cnt;
    *out = NULL;
    *n = 0;
    if (read_nics(&ents, &cnt, e) != 0)
        return -1;
    mend_nic *list = calloc(cnt ? cnt : 1, sizeof *list);
    int ret = list ? 0 : win_err_oom(e);
    for (size_t i = 0; ret == 0 && i < cnt; i++) {
        list[i].name = win_utf8(ents[i].name, -1);
        list[i].description = win_utf8(ents[i].description, -1);
        list[i].ipsec_offload = ents[i].offload;
        if (!list[i].name || !list[i].description)
            ret = win_err_oom(e);
    }
    entries_free(ents, cnt);
    if (ret != 0) {
        mend_nic_free_list(list, cnt);
        return -1;
    }
    *out = list;
    *n = cnt;
    return 0;
}

/* A value's type and bytes (malloc'd); NULL when absent. */
static BYTE *read_raw(HKEY k, const wchar_t *name, DWORD *type, DWORD *size)
{
    for (;;) {
        *size = 0;
        if (RegQueryValueExW(k, name, NULL, type, NULL, size) != ERROR_SUCCESS)
            return NULL;
        BYTE *d = malloc(*size + 1);
        if (!d)
            return NULL;
        LSTATUS rc = RegQueryValueExW(k, name, NULL, type, d, size);
        if (rc == ERROR_SUCCESS)
            return d;
        free(d);
        if (rc != ERROR_MORE_DATA)
            return NULL;
    }
}

/* Writes text as the keyword's type: a DWORD stays a DWORD. */
static LSTATUS put_keyword(HKEY k, const wchar_t *kw, const wchar_t *text)
{
    DWORD type = REG_SZ, size = 0;
    if (RegQueryValueExW(k, kw, NULL, &type, NULL, &size) == ERROR_SUCCESS && type == REG_DWORD) {
        DWORD v = (DWORD)wcstoul(text, NULL, 10);
        return RegSetValueExW(k, kw, 0, REG_DWORD, (const BYTE *)&v, sizeof v);
    }
    return RegSetValueExW(k, kw, 0, REG_SZ, (const BYTE *)text, (DWORD)((wcslen(text) + 1) * sizeof *text));
}

static void record_path(const nic_entry *ne, wchar_t *buf, size_t n)
{
    swprintf(buf, n, L"%ls\\%ls", RECORD_KEY, ne->id);
}

/* Keeps each keyword's value ("off" is about to replace it), REG_NONE for one that was absent. */
static LSTATUS record(HKEY k, const nic_entry *ne)
{
    wchar_t path[160];
    record_path(ne, path, sizeof path / sizeof path[0]);
    RegDeleteKeyExW(HKEY_LOCAL_MACHINE, path, KEY_WOW64_64KEY, 0);
    HKEY r;
    LSTATUS rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, REG_OPTION_NON_VOLATILE,
                                 KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &r, NULL);
    if (rc != ERROR_SUCCESS)
        return rc;
    rc = RegSetValueExW(r, L"Adapter", 0, REG_SZ, (const BYTE *)ne->name,
                        (DWORD)((wcslen(ne->name) + 1) * sizeof(wchar_t)));
    for (size_t kw = 0; rc == ERROR_SUCCESS && kw < NKW; kw++) {
        bool present, known;
        keyword_value(k, keywords[kw], &present, &known);
        if (!known)
            continue;
        DWORD type = REG_NONE, size = 0;
        BYTE *d = present ? read_raw(k, keywords[kw], &type, &size) : NULL;
        if (present && !d)
            rc = ERROR_NOT_ENOUGH_MEMORY;
        else
            rc = RegSetValueExW(r, keywords[kw], 0, d ? type : REG_NONE, d, d ? size : 0);
        free(d);
    }
    RegCloseKey(r);
    return rc;
}

/* Puts back what the record holds and removes it. *found false when there is no record. */
static LSTATUS restore(HKEY k, const nic_entry *ne, bool *found)
{
    wchar_t path[160];
    record_path(ne, path, sizeof path / sizeof path[0]);
    HKEY r;
    *found = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &r) == ERROR_SUCCESS;
    if (!*found)
        return ERROR_SUCCESS;
    LSTATUS rc = ERROR_SUCCESS;
    for (size_t kw = 0; rc == ERROR_SUCCESS && kw < NKW; kw++) {
        DWORD type, size;
        BYTE *d = read_raw(r, keywords[kw], &type, &size);
        if (!d)
            continue;
        if (type == REG_NONE) {
            rc = RegDeleteValueW(k, keywords[kw]);
            if (rc == ERROR_FILE_NOT_FOUND)
                rc = ERROR_SUCCESS;
        } else {
            rc = RegSetValueExW(k, keywords[kw], 0, type, d, size);
        }
        free(d);
    }
    RegCloseKey(r);
    if (rc == ERROR_SUCCESS)
        rc = RegDeleteKeyExW(HKEY_LOCAL_MACHINE, path, KEY_WOW64_64KEY, 0);
    return rc;
}

static LSTATUS set_keywords(HKEY k, const nic_entry *ne, bool on)
{
    LSTATUS rc = ERROR_SUCCESS;
    if (!on) {
        /* Already off: keep the earlier record; a second "off" must not replace it with zeros. */
        if (ne->offload && (rc = record(k, ne)) != ERROR_SUCCESS)
            return rc;
        for (size_t kw = 0; rc == ERROR_SUCCESS && kw < NKW; kw++) {
            bool present, known;
            keyword_value(k, keywords[kw], &present, &known);
            if (known)
                rc = put_keyword(k, keywords[kw], L"0");
        }
        return rc;
    }
    bool found;
    if ((rc = restore(k, ne, &found)) != ERROR_SUCCESS || found)
        return rc;
    for (size_t kw = 0; rc == ERROR_SUCCESS && kw < NKW; kw++) {
        bool present, known;
        keyword_value(k, keywords[kw], &present, &known);
        if (!known)
            continue;
        wchar_t *d = ndi_default(k, keywords[kw]);
        rc = put_keyword(k, keywords[kw], d && d[0] ? d : OFFLOAD_ON);
        free(d);
    }
    return rc;
}

/* The adapter named name (connection name first, then description); NULL with e set. */
static nic_entry *find_nic(nic_entry *ents, size_t cnt, const char *name, mend_err *e)
{
    wchar_t *w = win_wide(name, e);
    if (!w)
        return NULL;
    nic_entry *hit = NULL;
    for (size_t i = 0; i < cnt && !hit; i++)
        if (win_ieq(ents[i].name, w))
            hit = &ents[i];
    for (size_t i = 0; i < cnt && !hit; i++)
        if (win_ieq(ents[i].description, w))
            hit = &ents[i];
    free(w);
    if (!hit)
        mend_err_set(e, MEND_E_NOT_FOUND, 0, "no network adapter is named '%s'", name);
    return hit;
}

int win_nic_set_ipsec_offload(void *ctx, const char *name, bool on, mend_err *e)
{
    nic_entry *ents;
    size_t cnt;
    if (read_nics(&ents, &cnt, e) != 0)
        return -1;
    nic_entry *hit = find_nic(ents, cnt, name, e);
    int ret = hit ? 0 : -1;
    if (hit && !hit->has_keyword) {
        ret = mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                           "network adapter '%s' has no IPsec task offload setting", name);
    } else if (hit) {
        wchar_t path[128];
        swprintf(path, sizeof path / sizeof path[0], L"%ls\\%ls", CLASS_KEY, hit->sub);
        HKEY k = NULL;
        LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0,
                                   KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_WOW64_64KEY, &k);
        if (rc == ERROR_SUCCESS) {
            rc = set_keywords(k, hit, on);
            RegCloseKey(k);
        }
        if (rc != ERROR_SUCCESS)
            ret = win_err(e, (DWORD)rc, "cannot change IPsec task offload of '%s'", name);
    }
    entries_free(ents, cnt);
    return ret;
}

int win_nic_restart(void *ctx, const char *name, mend_err *e)
{
    nic_entry *ents;
    size_t cnt;
    if (read_nics(&ents, &cnt, e) != 0)
        return -1;
    nic_entry *hit = find_nic(ents, cnt, name, e);
    int ret = hit ? win_nic_restart_device(NET_CLASS_GUID, hit->sub, name, e) : -1;
    entries_free(ents, cnt);
    return ret;
}
