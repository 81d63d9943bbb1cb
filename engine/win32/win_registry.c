/* Registry operations through Reg*W in the 64-bit view, converting values to host.h's encoding. */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int win_reg_split(const char *path, HKEY *root, wchar_t **sub, mend_err *e)
{
    const char *slash = strchr(path, '\\');
    size_t rlen = slash ? (size_t)(slash - path) : strlen(path), got = 0;
    int r = mend_reg_root_at(path, rlen, &got);
    if (r >= 0 && got == rlen) {
        static const HKEY hkeys[MEND_REG_ROOT_N] = {
            [MEND_REG_HKLM] = HKEY_LOCAL_MACHINE, [MEND_REG_HKCU] = HKEY_CURRENT_USER,
            [MEND_REG_HKCR] = HKEY_CLASSES_ROOT, [MEND_REG_HKU] = HKEY_USERS,
            [MEND_REG_HKCC] = HKEY_CURRENT_CONFIG,
        };
        const char *rest = slash ? slash + 1 : "";
        size_t n = strlen(rest);
        while (n > 0 && rest[n - 1] == '\\')
            n--;
        *root = hkeys[r];
        *sub = win_wide_n(rest, n, NULL, e);
        return *sub ? 0 : -1;
    }
    return mend_err_set(e, MEND_E_INVALID, 0,
                        "'%s' does not start with a registry root (HKLM, HKCU, HKCR, HKU, HKCC)", path);
}

/* Opens path with access in the 64-bit view; with create, creates it and missing parents. */
static int open_key(const char *path, REGSAM access, bool create, HKEY *key, mend_err *e)
{
    HKEY root;
    wchar_t *sub;
    if (win_reg_split(path, &root, &sub, e) != 0)
        return -1;
    LSTATUS rc = create
        ? RegCreateKeyExW(root, sub, 0, NULL, REG_OPTION_NON_VOLATILE, access | KEY_WOW64_64KEY,
                          NULL, key, NULL)
        : RegOpenKeyExW(root, sub, 0, access | KEY_WOW64_64KEY, key);
    free(sub);
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot %s %s", create ? "create" : "open", path);
    return 0;
}

/* The key values() listed last, kept open for a keys() of the same path right after: an export
 * lists each key's values then its subkeys, and this halves its opens (each one a server call
 * under Wine). keys() takes it; any other registry call closes it first, and a key deleted
 * meanwhile is opened by path again, so listings are what they were. A handle scan and closing
 * the host drop it too, so mend's own handle never shows up as a holder. */
static struct { char *path; HKEY key; } listed;

void win_reg_drop_listed(void)
{
    if (listed.path) {
        RegCloseKey(listed.key);
        free(listed.path);
        listed.path = NULL;
    }
}

/* The kept key when it is path's (the caller then owns it), else NULL. */
static HKEY listed_take(const char *path)
{
    HKEY key = NULL;
    if (listed.path && strcmp(listed.path, path) == 0) {
        key = listed.key;
        free(listed.path);
        listed.path = NULL;
    }
    win_reg_drop_listed();
    return key;
}

wchar_t *win_reg_read_sz(HKEY key, const wchar_t *value)
{
    DWORD type, size = 0;
    if (RegQueryValueExW(key, value, NULL, &type, NULL, &size) != ERROR_SUCCESS ||
        (type != REG_SZ && type != REG_EXPAND_SZ))
        return NULL;
    for (;;) {
        wchar_t *w = malloc(size + 2 * sizeof(wchar_t));
        if (!w)
            return NULL;
        DWORD got = size;
        LSTATUS rc = RegQueryValueExW(key, value, NULL, &type, (BYTE *)w, &got);
        if (rc == ERROR_MORE_DATA) {
            free(w);
            size = got;
            continue;
        }
        if (rc != ERROR_SUCCESS) {
            free(w);
            return NULL;
        }
        w[got / sizeof(wchar_t)] = L'\0';
        return w;
    }
}

/* Windows bytes -> host.h encoding (strings become UTF-8; see host.h). */
static int decode_value(uint32_t type, const BYTE *raw, size_t size, mend_regval *out, mend_err *e)
{
    out->type = type;
    if (type == REG_SZ || type == REG_EXPAND_SZ || type == REG_LINK || type == REG_MULTI_SZ) {
        const wchar_t *w = (const wchar_t *)raw;
        size_t n = size / sizeof(wchar_t);
        size_t len = 0;
        char *buf;
        if (type != REG_MULTI_SZ) {
            while (n > 0 && w[n - 1] == L'\0')
                n--;
        } else {
            /* One terminator ends the last string, a second ends the list. */
            for (int k = 0; k < 2 && n > 0 && w[n - 1] == L'\0'; k++)
                n--;
        }
        /* Embedded NULs survive: MULTI_SZ needs them, and SZ keeps what Windows stored. */
        int m = n > 0 ? WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL) : 0;
        buf = malloc((size_t)m + 2);
        if (!buf)
            return win_err_oom(e);
        if (m > 0)
            WideCharToMultiByte(CP_UTF8, 0, w, (int)n, buf, m, NULL, NULL);
        len = (size_t)m;
        if (type == REG_MULTI_SZ && n > 0)
            buf[len++] = '\0';
        buf[len] = '\0';
        out->data = (unsigned char *)buf;
        out->size = len;
        return 0;
    }
    out->data = malloc(size + 1);
    if (!out->data)
        return win_err_oom(e);
    if (size)
        memcpy(out->data, raw, size);
    out->data[size] = 0;
    out->size = size;
    return 0;
}

/* host.h encoding -> Windows bytes (malloc'd). */
static int encode_value(uint32_t type, const unsigned char *data, size_t size, BYTE **raw,
                        DWORD *rawsize, mend_err *e)
{
    if (type == REG_SZ || type == REG_EXPAND_SZ || type == REG_LINK) {
        size_t n;
        wchar_t *w = win_wide_n((const char *)data, size, &n, e);
        if (!w)
            return -1;
        *raw = (BYTE *)w;
        /* Strings are stored with their terminator, links without. */
        *rawsize = (DWORD)((n + (type == REG_LINK ? 0 : 1)) * sizeof(wchar_t));
        return 0;
    }
    if (type == REG_MULTI_SZ) {
        size_t n = 0;
        wchar_t *w = NULL;
        if (size > 0) {
            /* Each string already carries its NUL; a missing last one is supplied. */
            bool closed = data[size - 1] == '\0';
            w = win_wide_n((const char *)data, closed ? size - 1 : size, &n, e);
            if (!w)
                return -1;
            n++;               /* the last string's terminator (win_wide_n wrote it) */
        }
        wchar_t *all = realloc(w, (n + 1) * sizeof(wchar_t));
        if (!all) {
            free(w);
            return win_err_oom(e);
        }
        all[n] = L'\0';        /* the list terminator */
        *raw = (BYTE *)all;
        *rawsize = (DWORD)((n + 1) * sizeof(wchar_t));
        return 0;
    }
    *raw = malloc(size ? size : 1);
    if (!*raw)
        return win_err_oom(e);
    if (size)
        memcpy(*raw, data, size);
    *rawsize = (DWORD)size;
    return 0;
}

int win_reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    win_reg_drop_listed();
    HKEY key;
    if (open_key(path, KEY_QUERY_VALUE, false, &key, e) != 0)
        return -1;
    wchar_t *wname = win_wide(value, e);
    if (!wname) {
        RegCloseKey(key);
        return -1;
    }
    DWORD type = 0, size = 0;
    BYTE *raw = NULL;
    LSTATUS rc = RegQueryValueExW(key, wname, NULL, &type, NULL, &size);
    while (rc == ERROR_SUCCESS || rc == ERROR_MORE_DATA) {
        BYTE *grown = realloc(raw, size + 2);
        if (!grown) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        raw = grown;
        rc = RegQueryValueExW(key, wname, NULL, &type, raw, &size);
        if (rc == ERROR_SUCCESS)
            break;
    }
    free(wname);
    RegCloseKey(key);
    int ret = -1;
    if (rc != ERROR_SUCCESS)
        win_err(e, (DWORD)rc, "cannot read value '%s' of %s", value, path);
    else if (decode_value(type, raw, size, out, e) != 0)
        ;
    else if (!(out->name = mend_strdup(value)))
        win_err_oom(e);
    else
        ret = 0;
    if (ret != 0)
        mend_regval_clear(out);
    free(raw);
    return ret;
}

int win_reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                const unsigned char *data, size_t size, mend_err *e)
{
    win_reg_drop_listed();
    if (size > 0x7fffffff)
        return mend_err_set(e, MEND_E_INVALID, 0, "the value is too large");
    BYTE *raw = NULL;
    DWORD rawsize = 0;
    if (encode_value(type, data, size, &raw, &rawsize, e) != 0)
        return -1;
    wchar_t *wname = win_wide(value, e);
    HKEY key;
    if (!wname || open_key(path, KEY_SET_VALUE, true, &key, e) != 0) {
        free(raw);
        free(wname);
        return -1;
    }
    LSTATUS rc = RegSetValueExW(key, wname, 0, type, raw, rawsize);
    RegCloseKey(key);
    free(raw);
    free(wname);
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot write value '%s' of %s", value, path);
    return 0;
}

int win_reg_create_key(void *ctx, const char *path, mend_err *e)
{
    win_reg_drop_listed();
    HKEY key;
    if (open_key(path, KEY_QUERY_VALUE, true, &key, e) != 0)
        return -1;
    RegCloseKey(key);
    return 0;
}

int win_reg_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    DWORD count = 0, maxlen = 0;
    LSTATUS rc = ERROR_SUCCESS;
    HKEY key = listed_take(path);
    if (key) {
        rc = RegQueryInfoKeyW(key, NULL, NULL, NULL, &count, &maxlen, NULL, NULL, NULL, NULL,
                              NULL, NULL);
        if (rc != ERROR_SUCCESS) {
            /* Deleted since (or otherwise unusable): open it by path as if it was not kept. */
            RegCloseKey(key);
            key = NULL;
        }
    }
    if (!key) {
        if (open_key(path, KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE, false, &key, e) != 0)
            return -1;
        rc = RegQueryInfoKeyW(key, NULL, NULL, NULL, &count, &maxlen, NULL, NULL, NULL, NULL,
                              NULL, NULL);
    }
    if (rc != ERROR_SUCCESS) {
        RegCloseKey(key);
        return win_err(e, (DWORD)rc, "cannot list the subkeys of %s", path);
    }
    /* Key names are at most 255 characters; the buffer covers keys added meanwhile. */
    wchar_t name[256 + 1];
    char **list = calloc(count + 1, sizeof *list);
    size_t got = 0;
    for (DWORD i = 0; list; i++) {
        DWORD len = sizeof name / sizeof name[0];
        rc = RegEnumKeyExW(key, i, name, &len, NULL, NULL, NULL, NULL);
        if (rc != ERROR_SUCCESS)
            break;
        if (got == count) {
            char **grown = realloc(list, (got * 2 + 2) * sizeof *list);
            if (!grown)
                break;
            list = grown;
            count = (DWORD)(got * 2 + 1);
        }
        if (!(list[got] = win_utf8(name, (int)len)))
            break;
        got++;
    }
    RegCloseKey(key);
    if (!list || (rc != ERROR_NO_MORE_ITEMS)) {
        mend_string_free_list(list, got);
        if (!list || rc == ERROR_SUCCESS)
            return win_err_oom(e);
        return win_err(e, (DWORD)rc, "cannot list the subkeys of %s", path);
    }
    *out = list;
    *n = got;
    return 0;
}

int win_reg_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    win_reg_drop_listed();
    HKEY key;
    /* Enumeration access too, so keys() can reuse the key; a key that grants only queries is
     * listed as before and not kept. */
    bool keep = open_key(path, KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS, false, &key, e) == 0;
    if (!keep && (e->win32 != ERROR_ACCESS_DENIED ||
                  open_key(path, KEY_QUERY_VALUE, false, &key, e) != 0))
        return -1;
    DWORD count = 0, maxname = 0, maxdata = 0;
    LSTATUS rc = RegQueryInfoKeyW(key, NULL, NULL, NULL, NULL, NULL, NULL, &count, &maxname,
                                  &maxdata, NULL, NULL);
    mend_regval *list = NULL;
    wchar_t *name = NULL;
    BYTE *data = NULL;
    size_t got = 0, cap = 0;
    for (DWORD i = 0; rc == ERROR_SUCCESS; i++) {
        if (!name || !data) {
            free(name);
            free(data);
            name = malloc(((size_t)maxname + 2) * sizeof *name);
            data = malloc((size_t)maxdata + 2);
            if (!name || !data) {
                rc = ERROR_NOT_ENOUGH_MEMORY;
                break;
            }
        }
        DWORD nlen = maxname + 1, dlen = maxdata, type;
        rc = RegEnumValueW(key, i, name, &nlen, NULL, &type, data, &dlen);
        if (rc == ERROR_MORE_DATA) {
            /* The value grew since RegQueryInfoKeyW: size the buffers again and retry. */
            rc = RegQueryInfoKeyW(key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &maxname,
                                  &maxdata, NULL, NULL);
            free(name);
            free(data);
            name = NULL;
            data = NULL;
            i--;
            continue;
        }
        if (rc != ERROR_SUCCESS)
            break;
        if (got == cap) {
            size_t ncap = cap ? cap * 2 : (count ? count : 4);
            mend_regval *grown = realloc(list, ncap * sizeof *list);
            if (!grown) {
                rc = ERROR_NOT_ENOUGH_MEMORY;
                break;
            }
            list = grown;
            cap = ncap;
        }
        memset(&list[got], 0, sizeof list[got]);
        if (decode_value(type, data, dlen, &list[got], e) != 0 ||
            !(list[got].name = win_utf8(name, (int)nlen))) {
            mend_regval_clear(&list[got]);
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        got++;
    }
    free(name);
    free(data);
    if (keep && rc == ERROR_NO_MORE_ITEMS && (listed.path = mend_strdup(path)))
        listed.key = key;
    else
        RegCloseKey(key);
    if (rc != ERROR_NO_MORE_ITEMS) {
        mend_regval_free_list(list, got);
        return win_err(e, (DWORD)rc, "cannot list the values of %s", path);
    }
    *out = list;
    *n = got;
    return 0;
}

int win_reg_exists(void *ctx, const char *path, bool *found, mend_err *e)
{
    *found = false;
    win_reg_drop_listed();
    HKEY root, key;
    wchar_t *sub;
    if (win_reg_split(path, &root, &sub, e) != 0)
        return -1;
    LSTATUS rc = RegOpenKeyExW(root, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &key);
    free(sub);
    if (rc == ERROR_SUCCESS) {
        RegCloseKey(key);
        *found = true;
        return 0;
    }
    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
        return 0;
    return win_err(e, (DWORD)rc, "cannot open %s", path);
}

int win_reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e)
{
    win_reg_drop_listed();
    HKEY root, key;
    wchar_t *sub;
    if (win_reg_split(path, &root, &sub, e) != 0)
        return -1;
    if (!sub[0]) {
        free(sub);
        return mend_err_set(e, MEND_E_INVALID, 0, "refusing to delete the registry root %s", path);
    }
    LSTATUS rc = RegOpenKeyExW(root, sub, 0,
                               DELETE | KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE | KEY_SET_VALUE |
                               KEY_WOW64_64KEY, &key);
    if (rc != ERROR_SUCCESS) {
        free(sub);
        return win_err(e, (DWORD)rc, "cannot open %s", path);
    }
    DWORD subkeys = 0;
    rc = RegQueryInfoKeyW(key, NULL, NULL, NULL, &subkeys, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    if (rc == ERROR_SUCCESS && subkeys > 0) {
        if (!tree) {
            RegCloseKey(key);
            free(sub);
            return mend_err_set(e, MEND_E_INVALID, 0,
                                "%s has %lu subkeys; delete it with {tree=true} to remove them too",
                                path, (unsigned long)subkeys);
        }
        rc = RegDeleteTreeW(key, NULL);
    }
    RegCloseKey(key);
    if (rc == ERROR_SUCCESS)
        rc = RegDeleteKeyExW(root, sub, KEY_WOW64_64KEY, 0);
    free(sub);
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot delete %s", path);
    return 0;
}

int win_reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e)
{
    win_reg_drop_listed();
    HKEY key;
    if (open_key(path, KEY_SET_VALUE, false, &key, e) != 0)
        return -1;
    wchar_t *wname = win_wide(value, e);
    if (!wname) {
        RegCloseKey(key);
        return -1;
    }
    LSTATUS rc = RegDeleteValueW(key, wname);
    RegCloseKey(key);
    free(wname);
    if (rc != ERROR_SUCCESS)
        return win_err(e, (DWORD)rc, "cannot delete value '%s' of %s", value, path);
    return 0;
}
