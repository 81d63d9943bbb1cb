/* NIC IPsec task offload through the NDIS *IPsecOffload* keywords of the network adapter class key. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define NET_CLASS_GUID L"{4d36e972-e325-11ce-bfc1-08002be10318}"
#define CLASS_KEY L"SYSTEM\\CurrentControlSet\\Control\\Class\\" NET_CLASS_GUID
#define NETWORK_KEY L"SYSTEM\\CurrentControlSet\\Control\\Network\\" NET_CLASS_GUID

/* Off is "0"; on restores "3" (AH and ESP offloaded, the drivers' usual default). */
#define OFFLOAD_ON L"3"
#define OFFLOAD_OFF L"0"

static const wchar_t *const keywords[] = {
    L"*IPsecOffloadV1IPv4", L"*IPsecOffloadV2", L"*IPsecOffloadV2IPv4",
};

typedef struct nic_entry {
    wchar_t sub[16];           /* 0000, 0001, ... */
    wchar_t *name;
    wchar_t *description;
    bool offload;
    bool has_keyword;
} nic_entry;

/* NDIS keywords are strings; some drivers write DWORDs. Non-zero means offload is on. */
static bool keyword_value(HKEY k, const wchar_t *kw, bool *present)
{
    DWORD type, size = 0;
    *present = false;
    if (RegQueryValueExW(k, kw, NULL, &type, NULL, &size) != ERROR_SUCCESS)
        return false;
    *present = true;
    if (type == REG_DWORD) {
        DWORD v = 0;
        size = sizeof v;
        RegQueryValueExW(k, kw, NULL, NULL, (BYTE *)&v, &size);
        return v != 0;
    }
    wchar_t *s = win_reg_read_sz(k, kw);
    bool on = s && s[0] && wcstoul(s, NULL, 10) != 0;
    free(s);
    return on;
}

static wchar_t *connection_name(const wchar_t *instance_id)
{
    wchar_t path[512];
    swprintf(path, sizeof path / sizeof path[0], L"%ls\\%ls\\Connection", NETWORK_KEY, instance_id);
    HKEY k;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return NULL;
    wchar_t *name = win_reg_read_sz(k, L"Name");
    RegCloseKey(k);
    return name;
}

static void entries_free(nic_entry *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
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
        for (size_t kw = 0; kw < sizeof keywords / sizeof keywords[0]; kw++) {
            bool present;
            if (keyword_value(k, keywords[kw], &present))
                ne->offload = true;
            ne->has_keyword |= present;
        }
        free(id);
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

int win_nic_set_ipsec_offload(void *ctx, const char *name, bool on, mend_err *e)
{
    wchar_t *w = win_wide(name, e);
    if (!w)
        return -1;
    nic_entry *ents;
    size_t cnt;
    if (read_nics(&ents, &cnt, e) != 0) {
        free(w);
        return -1;
    }
    nic_entry *hit = NULL;
    for (size_t i = 0; i < cnt && !hit; i++)
        if (win_ieq(ents[i].name, w))
            hit = &ents[i];
    for (size_t i = 0; i < cnt && !hit; i++)
        if (win_ieq(ents[i].description, w))
            hit = &ents[i];
    free(w);
    int ret = 0;
    if (!hit) {
        ret = mend_err_set(e, MEND_E_NOT_FOUND, 0, "no network adapter is named '%s'", name);
    } else if (!hit->has_keyword) {
        ret = mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                           "network adapter '%s' has no IPsec task offload setting", name);
    } else {
        wchar_t path[128];
        swprintf(path, sizeof path / sizeof path[0], L"%ls\\%ls", CLASS_KEY, hit->sub);
        HKEY k = NULL;
        LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0,
                                   KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_WOW64_64KEY, &k);
        const wchar_t *v = on ? OFFLOAD_ON : OFFLOAD_OFF;
        for (size_t kw = 0; rc == ERROR_SUCCESS && kw < sizeof keywords / sizeof keywords[0]; kw++) {
            bool present;
            keyword_value(k, keywords[kw], &present);
            if (present)
                rc = RegSetValueExW(k, keywords[kw], 0, REG_SZ, (const BYTE *)v,
                                    (DWORD)((wcslen(v) + 1) * sizeof *v));
        }
        if (k)
            RegCloseKey(k);
        if (rc != ERROR_SUCCESS)
            ret = win_err(e, (DWORD)rc, "cannot change IPsec task offload of '%s'", name);
    }
    entries_free(ents, cnt);
    return ret;
}
