/* Wine tests of the win32 registry backend: every value type, listing, deletion, and .reg round
 * trips cross-checked against Wine's own `reg export` / `reg import`. */
#include "wt.h"

#include "regfile/regfile.h"

#define BASE "HKLM\\SOFTWARE\\MendTest"

typedef struct sample {
    const char *name;
    uint32_t type;
    const char *data;
    size_t size;
} sample;

static const unsigned char bin[] = { 0x00, 0x01, 0xfe, 0xff, 0x7f, 0x80, 0x00 };
static const sample samples[] = {
    { "", MEND_REG_SZ, "the default value", 17 },
    { "sz", MEND_REG_SZ, "h\xc3\xa9llo \xe7\xad\x96\xe7\x95\xa5 \xe2\x9c\x93", 17 },
    { "sz empty", MEND_REG_SZ, "", 0 },
    { "expand", MEND_REG_EXPAND_SZ, "%SystemRoot%\\System32", 21 },
    { "binary", MEND_REG_BINARY, (const char *)bin, sizeof bin },
    { "binary empty", MEND_REG_BINARY, "", 0 },
    { "dword", MEND_REG_DWORD, "\x78\x56\x34\x12", 4 },
    { "dword be", MEND_REG_DWORD_BIG_ENDIAN, "\x12\x34\x56\x78", 4 },
    { "qword", MEND_REG_QWORD, "\x01\x02\x03\x04\x05\x06\x07\x88", 8 },
    { "multi", MEND_REG_MULTI_SZ, "one\0two \xc3\xbc\0three\0", 17 },
    { "multi empty", MEND_REG_MULTI_SZ, "", 0 },
    { "none", MEND_REG_NONE, "", 0 },
    { "none bytes", MEND_REG_NONE, "\x01\x02", 2 },
    { "resource list", MEND_REG_RESOURCE_LIST, "\x01\x00\x00\x00\x09", 5 },
    { "full descriptor", MEND_REG_FULL_RESOURCE_DESCRIPTOR, "\x02\x00", 2 },
    { "requirements", MEND_REG_RESOURCE_REQUIREMENTS_LIST, "\x03\x00\x00", 3 },
    { "w\xc3\xafth = \"quotes\" and \\", MEND_REG_SZ, "v", 1 },
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static void set_samples(mend_host *h, const char *path)
{
    mend_err e;
    for (size_t i = 0; i < NSAMPLES; i++)
        WT_OK(h->ops->reg.set(h->ctx, path, samples[i].name, samples[i].type,
                              (const unsigned char *)samples[i].data, samples[i].size, &e), e);
}

static void test_every_value_type_round_trips(void)
{
    mend_host h = wt_host();
    mend_err e;
    set_samples(&h, BASE "\\types");
    for (size_t i = 0; i < NSAMPLES; i++) {
        mend_regval v;
        if (h.ops->reg.get(h.ctx, BASE "\\types", samples[i].name, &v, &e) != 0) {
            WT_CHECK(0, "get '%s': %s", samples[i].name, e.msg);
            continue;
        }
        WT_CHECK(v.type == samples[i].type, "'%s' type %u", samples[i].name, (unsigned)v.type);
        WT_CHECK(v.size == samples[i].size && memcmp(v.data, samples[i].data, v.size) == 0,
                 "'%s' data differs (size %lu, want %lu)", samples[i].name, (unsigned long)v.size,
                 (unsigned long)samples[i].size);
        WT_CHECK(v.data[v.size] == 0, "'%s' not NUL-terminated past size", samples[i].name);
        WT_CHECK(strcmp(v.name, samples[i].name) == 0, "%s", v.name);
        mend_regval_clear(&v);
    }
    /* What Windows stores: strings with their terminator, UTF-16. */
    HKEY k;
    WT_CHECK(RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\MendTest\\types", 0,
                           KEY_READ | KEY_WOW64_64KEY, &k) == ERROR_SUCCESS, "open");
    wchar_t buf[64];
    DWORD size = sizeof buf, type;
    WT_CHECK(RegQueryValueExW(k, L"sz", NULL, &type, (BYTE *)buf, &size) == ERROR_SUCCESS &&
             type == REG_SZ && size == 11 * sizeof(wchar_t) && wcscmp(buf, L"h\u00e9llo \u7b56\u7565 \u2713") == 0,
             "raw REG_SZ size %lu", (unsigned long)size);
    size = sizeof buf;
    WT_CHECK(RegQueryValueExW(k, L"multi", NULL, &type, (BYTE *)buf, &size) == ERROR_SUCCESS &&
             size == 17 * sizeof(wchar_t) && buf[15] == 0 && buf[16] == 0, "raw MULTI_SZ size %lu",
             (unsigned long)size);
    RegCloseKey(k);
    mend_host_close(&h);
}

static bool has_string(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void test_keys_values_exists_delete(void)
{
    mend_host h = wt_host();
    mend_err e;
    WT_OK(h.ops->reg.create_key(h.ctx, BASE "\\tree\\A", &e), e);
    WT_OK(h.ops->reg.create_key(h.ctx, BASE "\\tree\\B\\deep\\er", &e), e);
    WT_OK(h.ops->reg.create_key(h.ctx, BASE "\\tree\\\xc3\x9cmlaut \xe7\xad\x96", &e), e);
    set_samples(&h, BASE "\\tree");
    char **keys;
    size_t n;
    WT_OK(h.ops->reg.keys(h.ctx, BASE "\\tree", &keys, &n, &e), e);
    WT_CHECK(n == 3 && has_string(keys, n, "A") && has_string(keys, n, "B") &&
             has_string(keys, n, "\xc3\x9cmlaut \xe7\xad\x96"), "%lu keys", (unsigned long)n);
    mend_string_free_list(keys, n);
    mend_regval *vals;
    WT_OK(h.ops->reg.values(h.ctx, BASE "\\tree", &vals, &n, &e), e);
    WT_CHECK(n == NSAMPLES, "%lu values", (unsigned long)n);
    for (size_t i = 0; i < n; i++) {
        const sample *s = NULL;
        for (size_t j = 0; j < NSAMPLES; j++)
            if (strcmp(samples[j].name, vals[i].name) == 0)
                s = &samples[j];
        WT_CHECK(s && s->type == vals[i].type && s->size == vals[i].size &&
                 memcmp(s->data, vals[i].data, s->size) == 0, "value '%s' differs", vals[i].name);
    }
    mend_regval_free_list(vals, n);

    bool found = false;
    WT_OK(h.ops->reg.exists(h.ctx, BASE "\\tree\\B\\deep", &found, &e), e);
    WT_CHECK(found, "exists");
    WT_OK(h.ops->reg.exists(h.ctx, BASE "\\tree\\nope", &found, &e), e);
    WT_CHECK(!found, "not exists");

    WT_OK(h.ops->reg.delete_value(h.ctx, BASE "\\tree", "dword", &e), e);
    mend_regval v;
    WT_CHECK(h.ops->reg.get(h.ctx, BASE "\\tree", "dword", &v, &e) != 0 && e.code == MEND_E_NOT_FOUND,
             "%s", e.msg);
    WT_CHECK(h.ops->reg.delete_key(h.ctx, BASE "\\tree\\B", false, &e) != 0 && e.code == MEND_E_INVALID,
             "a key with subkeys needs tree=true: %s", e.msg);
    WT_OK(h.ops->reg.delete_key(h.ctx, BASE "\\tree\\A", false, &e), e);
    WT_OK(h.ops->reg.delete_key(h.ctx, BASE "\\tree", true, &e), e);
    WT_OK(h.ops->reg.exists(h.ctx, BASE "\\tree", &found, &e), e);
    WT_CHECK(!found, "tree delete left the key");
    WT_CHECK(h.ops->reg.delete_key(h.ctx, "HKLM", true, &e) != 0 && e.code == MEND_E_INVALID,
             "deleting a root must be refused");
    mend_host_close(&h);
}

static void test_errors_are_clear(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_regval v;
    WT_CHECK(h.ops->reg.get(h.ctx, BASE "\\missing", "x", &v, &e) != 0 && e.code == MEND_E_NOT_FOUND,
             "%s", e.msg);
    WT_CHECK(strstr(e.msg, "MendTest\\missing") && strstr(e.msg, "(0x2)"), "%s", e.msg);
    WT_CHECK(h.ops->reg.get(h.ctx, "HKXX\\SOFTWARE", "x", &v, &e) != 0 && e.code == MEND_E_INVALID,
             "%s", e.msg);
    WT_CHECK(h.ops->reg.set(h.ctx, BASE, "bad \xff", MEND_REG_SZ, (const unsigned char *)"x", 1, &e) != 0 &&
             e.code == MEND_E_INVALID, "%s", e.msg);
    WT_CHECK(h.ops->reg.set(h.ctx, BASE, "bad data", MEND_REG_SZ, (const unsigned char *)"\xc3", 1, &e) != 0 &&
             e.code == MEND_E_INVALID, "%s", e.msg);
    /* Long root names mean the same keys. */
    WT_OK(h.ops->reg.set(h.ctx, "HKEY_LOCAL_MACHINE\\SOFTWARE\\MendTest", "long", MEND_REG_DWORD,
                         (const unsigned char *)"\x01\x00\x00\x00", 4, &e), e);
    WT_OK(h.ops->reg.get(h.ctx, BASE, "long", &v, &e), e);
    mend_regval_clear(&v);
    /* Other roots work the same way. */
    WT_OK(h.ops->reg.set(h.ctx, "HKCU\\Software\\MendTest", "user", MEND_REG_SZ,
                         (const unsigned char *)"u", 1, &e), e);
    WT_OK(h.ops->reg.get(h.ctx, "HKEY_CURRENT_USER\\Software\\MendTest", "user", &v, &e), e);
    WT_CHECK(v.data && strcmp((char *)v.data, "u") == 0, "HKCU value");
    mend_regval_clear(&v);
    mend_host_close(&h);
}

/* ---- snapshots: one sorted line per value of a subtree, to compare whole trees ---- */

typedef struct snap {
    char **lines;
    size_t n, cap;
} snap;

static void snap_add(snap *s, char *line)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->lines = realloc(s->lines, s->cap * sizeof *s->lines);
    }
    s->lines[s->n++] = line;
}

static void snap_walk(mend_host *h, const char *path, const char *rel, snap *s)
{
    mend_err e;
    mend_regval *vals;
    size_t n;
    char *line = malloc(strlen(rel) + 8);
    sprintf(line, "[%s]", rel);
    snap_add(s, line);
    if (h->ops->reg.values(h->ctx, path, &vals, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            line = malloc(strlen(rel) + strlen(vals[i].name) + vals[i].size * 2 + 32);
            int k = sprintf(line, "%s|%s|%u|", rel, vals[i].name, (unsigned)vals[i].type);
            for (size_t b = 0; b < vals[i].size; b++)
                k += sprintf(line + k, "%02x", vals[i].data[b]);
            snap_add(s, line);
        }
        mend_regval_free_list(vals, n);
    }
    char **keys;
    if (h->ops->reg.keys(h->ctx, path, &keys, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            char *sub = malloc(strlen(path) + strlen(keys[i]) + 2);
            char *subrel = malloc(strlen(rel) + strlen(keys[i]) + 2);
            sprintf(sub, "%s\\%s", path, keys[i]);
            sprintf(subrel, "%s\\%s", rel, keys[i]);
            snap_walk(h, sub, subrel, s);
            free(sub);
            free(subrel);
        }
        mend_string_free_list(keys, n);
    }
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static snap snapshot(mend_host *h, const char *path)
{
    snap s = { NULL, 0, 0 };
    snap_walk(h, path, "", &s);
    qsort(s.lines, s.n, sizeof *s.lines, cmp_lines);
    return s;
}

static void snap_free(snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
}

static void check_same(const snap *a, const snap *b, const char *what)
{
    size_t i = 0;
    while (i < a->n && i < b->n && strcmp(a->lines[i], b->lines[i]) == 0)
        i++;
    WT_CHECK(i == a->n && i == b->n, "%s: trees differ at line %lu: '%s' vs '%s'", what,
             (unsigned long)i, i < a->n ? a->lines[i] : "(end)", i < b->n ? b->lines[i] : "(end)");
}

static void build_tree(mend_host *h)
{
    mend_err e;
    h->ops->reg.delete_key(h->ctx, BASE "\\rt", true, &e);
    set_samples(h, BASE "\\rt");
    set_samples(h, BASE "\\rt\\child one");
    WT_OK(h->ops->reg.create_key(h->ctx, BASE "\\rt\\child one\\empty grandchild", &e), e);
    set_samples(h, BASE "\\rt\\\xe7\xad\x96\xe7\x95\xa5 key");
    /* A long binary value: export folds it over several lines. */
    unsigned char big[600];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7);
    WT_OK(h->ops->reg.set(h->ctx, BASE "\\rt", "big binary", MEND_REG_BINARY, big, sizeof big, &e), e);
}

static void delete_tree(mend_host *h)
{
    mend_err e;
    WT_OK(h->ops->reg.delete_key(h->ctx, BASE "\\rt", true, &e), e);
}

static long wine_reg(const wchar_t *args)
{
    wchar_t cmd[1024];
    wchar_t sys[MAX_PATH];
    GetSystemDirectoryW(sys, MAX_PATH);
    swprintf(cmd, 1024, L"\"%ls\\reg.exe\" %ls", sys, args);
    char *out = NULL;
    long rc = wt_capture(cmd, &out);
    if (rc != 0)
        fprintf(stderr, "reg.exe %ls -> %ld: %s\n", args, rc, out ? out : "");
    free(out);
    return rc;
}

static void test_regfile_round_trip(void)
{
    mend_host h = wt_host();
    mend_err e;
    build_tree(&h);
    snap before = snapshot(&h, BASE "\\rt");
    wchar_t file[MAX_PATH];
    char file8[MAX_PATH * 3];
    wt_temp(L"mend-rt.reg", file, MAX_PATH);
    wt_utf8(file, file8, sizeof file8);
    WT_OK(mend_regfile_export(&h, BASE "\\rt", file8, &e), e);
    char *raw = wt_read_text(file);
    WT_CHECK(raw && (unsigned char)raw[0] == 0xff && (unsigned char)raw[1] == 0xfe && raw[2] == 'W',
             "UTF-16LE with BOM");
    free(raw);
    delete_tree(&h);
    WT_OK(mend_regfile_import(&h, file8, &e), e);
    snap after = snapshot(&h, BASE "\\rt");
    check_same(&before, &after, "mend export -> mend import");
    snap_free(&before);
    snap_free(&after);
    mend_host_close(&h);
}

static void test_mend_export_read_by_wine_reg_import(void)
{
    mend_host h = wt_host();
    mend_err e;
    build_tree(&h);
    snap before = snapshot(&h, BASE "\\rt");
    wchar_t file[MAX_PATH], args[MAX_PATH + 32];
    char file8[MAX_PATH * 3];
    wt_temp(L"mend-out.reg", file, MAX_PATH);
    wt_utf8(file, file8, sizeof file8);
    WT_OK(mend_regfile_export(&h, BASE "\\rt", file8, &e), e);
    delete_tree(&h);
    swprintf(args, MAX_PATH + 32, L"import \"%ls\"", file);
    WT_CHECK(wine_reg(args) == 0, "reg import refused mend's file");
    snap after = snapshot(&h, BASE "\\rt");
    check_same(&before, &after, "mend export -> wine reg import");
    snap_free(&before);
    snap_free(&after);
    mend_host_close(&h);
}

static void test_wine_reg_export_read_by_mend_import(void)
{
    mend_host h = wt_host();
    mend_err e;
    build_tree(&h);
    snap before = snapshot(&h, BASE "\\rt");
    wchar_t file[MAX_PATH], args[MAX_PATH + 64];
    char file8[MAX_PATH * 3];
    wt_temp(L"wine-out.reg", file, MAX_PATH);
    wt_utf8(file, file8, sizeof file8);
    swprintf(args, MAX_PATH + 64, L"export HKLM\\SOFTWARE\\MendTest\\rt \"%ls\" /y", file);
    WT_CHECK(wine_reg(args) == 0, "reg export failed");
    delete_tree(&h);
    WT_OK(mend_regfile_import(&h, file8, &e), e);
    snap after = snapshot(&h, BASE "\\rt");
    check_same(&before, &after, "wine reg export -> mend import");
    snap_free(&before);
    snap_free(&after);
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_every_value_type_round_trips);
    WT_RUN(test_keys_values_exists_delete);
    WT_RUN(test_errors_are_clear);
    WT_RUN(test_regfile_round_trip);
    WT_RUN(test_mend_export_read_by_wine_reg_import);
    WT_RUN(test_wine_reg_export_read_by_mend_import);
    return wt_done();
}
