/* The simulated registry: a typed key tree, case-insensitive and case-preserving, and its ops. */
#include "sim_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int sim_reg_root(const char *path, const char **rest)
{
    size_t n = strcspn(path, "\\"), got = 0;
    int r = mend_reg_root_at(path, n, &got);
    if (r < 0 || got != n)
        return -1;
    *rest = path + n;
    return r;
}

/* The key and its name in one block: a 100,000-policy store has half a million keys. */
static sim_regkey *new_key(const char *name)
{
    size_t len = strlen(name) + 1;
    sim_regkey *k = calloc(1, sizeof *k + len);
    if (!k)
        return NULL;
    k->name = memcpy((char *)(k + 1), name, len);
    sim_map_init_borrowing(&k->by_name, true);   /* its keys are the children's own names */
    return k;
}

static sim_regkey *root_key(sim_machine *m, int r)
{
    if (!m->roots[r])
        m->roots[r] = new_key(mend_reg_root_short(r));
    return m->roots[r];
}

sim_regkey *sim_reg_child(const sim_regkey *k, const char *name)
{
    return sim_map_get(&k->by_name, name);
}

sim_regkey *sim_reg_add_child(sim_regkey *k, const char *name)
{
    sim_regkey *c = sim_reg_child(k, name);
    if (c)
        return c;
    if (k->nkids == k->capkids) {
        size_t cap = k->capkids ? k->capkids * 2 : 4;
        sim_regkey **a = realloc(k->kids, cap * sizeof *a);
        if (!a)
            return NULL;
        k->kids = a;
        k->capkids = cap;
    }
    if (!(c = new_key(name)))
        return NULL;
    if (sim_map_put(&k->by_name, c->name, c) != 0) {
        sim_reg_free_tree(c);
        return NULL;
    }
    c->parent = k;
    c->slot = k->nkids;
    k->kids[k->nkids++] = c;
    return c;
}

/* A pack is one block: its length, the key's value slots, then the values' blocks carved in
 * order. A 100,000-policy store has a million values: eleven allocations a key became one, and a
 * key's values sit together (reading one touched ten scattered blocks). */
typedef struct pack_head {
    size_t size, used;
} pack_head;

static bool in_pack(const sim_regkey *k, const void *p)
{
    if (!k->pack)
        return false;
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)k->pack;
    return a >= b && a - b < ((const pack_head *)k->pack)->size;
}

/* Frees a value's block or the slots, unless they are the pack's. */
static void free_block(const sim_regkey *k, void *p)
{
    if (!in_pack(k, p))
        free(p);
}

static unsigned char *new_block(sim_regkey *k, size_t bytes)
{
    pack_head *h = (pack_head *)k->pack;
    if (h && h->size - h->used >= bytes) {
        unsigned char *b = k->pack + h->used;
        h->used += bytes;
        return b;
    }
    return malloc(bytes);
}

/* Keys freed so far, in any machine: a change makes sim_reg_find's remembered answer stale. */
static unsigned long reg_frees;

void sim_reg_free_tree(sim_regkey *k)
{
    if (!k)
        return;
    reg_frees++;
    for (size_t i = 0; i < k->nkids; i++)
        sim_reg_free_tree(k->kids[i]);
    free(k->kids);
    for (size_t i = 0; i < k->nvals; i++)
        free_block(k, k->vals[i].data);   /* the name lives in the same block */
    free_block(k, k->vals);
    free(k->pack);
    sim_map_free(&k->by_name);
    free(k);
}

void sim_reg_unlink(sim_regkey *k)
{
    sim_regkey *p = k->parent;
    if (p) {
        sim_map_del(&p->by_name, k->name, k);
        p->kids[k->slot] = p->kids[--p->nkids];
        p->kids[k->slot]->slot = k->slot;
    }
    sim_reg_free_tree(k);
}

bool sim_reg_path_ok(const char *path)
{
    unsigned depth = 0;
    const char *rest;
    if (sim_reg_root(path, &rest) < 0)
        return false;
    while (*rest) {
        while (*rest == '\\')
            rest++;
        size_t n = strcspn(rest, "\\");
        if (n == 0)
            break;
        if (n > 255 || ++depth > 512)
            return false;
        rest += n;
    }
    return true;
}

/* Walks path from its root; with create, adds missing keys. Empty components are skipped. */
static sim_regkey *walk(sim_machine *m, const char *path, bool create)
{
    const char *rest;
    int r = sim_reg_root(path, &rest);
    if (r < 0)
        return NULL;
    sim_regkey *k = create ? root_key(m, r) : m->roots[r];
    while (k && *rest) {
        while (*rest == '\\')
            rest++;
        size_t n = strcspn(rest, "\\");
        if (n == 0)
            break;
        /* Looked up in place; only a key to be created needs its name copied out. */
        sim_regkey *c = sim_map_get_n(&k->by_name, rest, n);
        if (!c && create) {
            char comp[256];
            char *name = n < sizeof comp ? comp : malloc(n + 1);
            if (!name)
                return NULL;
            memcpy(name, rest, n);
            name[n] = '\0';
            c = sim_reg_add_child(k, name);
            if (name != comp)
                free(name);
        }
        k = c;
        rest += n;
    }
    return k;
}

/* The last key found: every policy operation looks up the store's key by the same path. A key
 * found stays the answer for its path until some key is freed (added keys change no answer). */
static struct {
    const sim_machine *m;
    unsigned long frees;
    sim_regkey *k;
    char path[160];
} last_find;

sim_regkey *sim_reg_find(const sim_machine *m, const char *path)
{
    if (last_find.k && last_find.m == m && last_find.frees == reg_frees && strcmp(last_find.path, path) == 0)
        return last_find.k;
    sim_regkey *k = walk((sim_machine *)m, path, false);
    size_t n = strlen(path);
    if (k && n < sizeof last_find.path) {
        last_find.m = m;
        last_find.frees = reg_frees;
        last_find.k = k;
        memcpy(last_find.path, path, n + 1);
    }
    return k;
}

sim_regkey *sim_reg_create(sim_machine *m, const char *path)
{
    return walk(m, path, true);
}

sim_regval *sim_reg_value(const sim_regkey *k, const char *name)
{
    for (size_t i = 0; i < k->nvals; i++)
        if (sim_fold_eq(sim_regval_name(&k->vals[i]), name))
            return &k->vals[i];
    return NULL;
}

/* Room for a key without values: slots for n and bytes of value blocks, in one allocation. */
static void reserve_pack(sim_regkey *k, size_t n, size_t bytes)
{
    if (k->nvals || k->pack || n > UINT32_MAX / 2)
        return;
    size_t head = (sizeof(pack_head) + _Alignof(sim_regval) - 1) / _Alignof(sim_regval) * _Alignof(sim_regval);
    size_t size = head + n * sizeof(sim_regval) + bytes;
    unsigned char *pk = malloc(size);
    if (!pk)
        return;   /* the values are then written one block each */
    free(k->vals);
    k->pack = pk;
    ((pack_head *)pk)->size = size;
    ((pack_head *)pk)->used = head + n * sizeof(sim_regval);
    k->vals = (sim_regval *)(pk + head);
    k->capvals = (uint32_t)n;
}

int sim_reg_put_all(sim_regkey *k, const sim_regput *v, size_t n)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].size > UINT32_MAX)
            return -1;
        bytes += v[i].size + 1 + strlen(v[i].name) + 1;
    }
    reserve_pack(k, n, bytes);
    for (size_t i = 0; i < n; i++)
        if (sim_reg_put(k, v[i].name, v[i].type, v[i].data, v[i].size) != 0)
            return -1;
    return 0;
}

/* A value is one block: its data, the NUL past it, then its name (kept as first written). One
 * allocation instead of two per value: the store's keys hold about ten values each. */
int sim_reg_put(sim_regkey *k, const char *name, uint32_t type, const void *data, size_t size)
{
    if (size > UINT32_MAX)
        return -1;   /* past what RegSetValueEx takes (cbData is a DWORD) */
    sim_regval *v = sim_reg_value(k, name);
    const char *keep = v ? sim_regval_name(v) : name;
    size_t len = strlen(keep) + 1;
    unsigned char *block = new_block(k, size + 1 + len);
    if (!block)
        return -1;
    if (size)
        memcpy(block, data, size);
    block[size] = '\0';
    memcpy((char *)block + size + 1, keep, len);
    if (!v) {
        if (k->nvals == k->capvals) {
            /* Grown by half; slots in the pack move out of it (its blocks stay). */
            size_t cap = k->capvals ? (size_t)k->capvals + k->capvals / 2 : 4;
            bool packed = in_pack(k, k->vals);
            sim_regval *a = cap > UINT32_MAX ? NULL : packed ? malloc(cap * sizeof *a)
                                                             : realloc(k->vals, cap * sizeof *a);
            if (!a) {
                free_block(k, block);
                return -1;
            }
            if (packed && k->nvals)
                memcpy(a, k->vals, k->nvals * sizeof *a);
            k->vals = a;
            k->capvals = (uint32_t)cap;
        }
        v = &k->vals[k->nvals++];
        v->data = NULL;
    }
    free_block(k, v->data);
    v->type = type;
    v->data = block;
    v->size = (uint32_t)size;
    return 0;
}

int sim_reg_put_sz(sim_regkey *k, const char *name, const char *s)
{
    return sim_reg_put(k, name, MEND_REG_SZ, s, strlen(s));
}

int sim_reg_put_dword(sim_regkey *k, const char *name, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    return sim_reg_put(k, name, MEND_REG_DWORD, b, 4);
}

void sim_reg_shrink_value(sim_regval *v, size_t size)
{
    if (size >= v->size)
        return;
    char *d = (char *)v->data;
    const char *name = sim_regval_name(v);
    memmove(d + size + 1, name, strlen(name) + 1);   /* the name follows the data's NUL */
    d[size] = '\0';
    v->size = (uint32_t)size;
}

void sim_reg_remove_value(sim_regkey *k, const char *name)
{
    sim_regval *v = sim_reg_value(k, name);
    if (!v)
        return;
    free_block(k, v->data);   /* and its name, in the same block */
    size_t i = (size_t)(v - k->vals);
    memmove(&k->vals[i], &k->vals[i + 1], (k->nvals - i - 1) * sizeof *k->vals);
    k->nvals--;
}

static int cmp_keys(const void *a, const void *b)
{
    return sim_name_cmp((*(sim_regkey *const *)a)->name, (*(sim_regkey *const *)b)->name);
}

static int cmp_vals(const void *a, const void *b)
{
    return sim_name_cmp(sim_regval_name(*(sim_regval *const *)a), sim_regval_name(*(sim_regval *const *)b));
}

sim_regkey **sim_reg_sorted_kids(const sim_regkey *k)
{
    sim_regkey **a = malloc((k->nkids + 1) * sizeof *a);
    if (!a)
        return NULL;
    if (k->nkids)
        memcpy(a, k->kids, k->nkids * sizeof *a);
    qsort(a, k->nkids, sizeof *a, cmp_keys);
    return a;
}

sim_regval **sim_reg_sorted_vals(const sim_regkey *k)
{
    sim_regval **a = malloc((k->nvals + 1) * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < k->nvals; i++)
        a[i] = &k->vals[i];
    qsort(a, k->nvals, sizeof *a, cmp_vals);
    return a;
}

char *sim_reg_path(const sim_regkey *k)
{
    size_t len = 1;
    for (const sim_regkey *c = k; c; c = c->parent)
        len += strlen(c->name) + (c->parent ? 1 : 0);
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t pos = len - 1;
    s[pos] = '\0';
    for (const sim_regkey *c = k; c; c = c->parent) {
        size_t n = strlen(c->name);
        pos -= n;
        memcpy(s + pos, c->name, n);
        if (c->parent)
            s[--pos] = '\\';
    }
    return s;
}

void sim_reg_default_tree(sim_machine *m)
{
    for (int r = 0; r < SIM_ROOT_N; r++)
        root_key(m, r);
    sim_reg_create(m, MEND_IPSEC_STORE_ROOT);
    sim_reg_create(m, SIM_RUNONCE_PATH);
    sim_reg_create(m, "HKLM\\SYSTEM\\CurrentControlSet\\Services");
}

/* ---- the host operations ---- */

static int key_not_found(mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, NULL);
}

static int check_root(const char *path, mend_err *e)
{
    const char *rest;
    if (sim_reg_root(path, &rest) < 0)
        return mend_err_set(e, MEND_E_INVALID, 0,
                            "registry path '%.200s' does not start with HKLM, HKCU, HKCR, HKU or HKCC",
                            path);
    if (!sim_reg_path_ok(path))
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "Registry key names are at most 255 characters and paths at most 512 keys deep.");
    return 0;
}

static int copy_value(const sim_regval *v, mend_regval *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    out->name = mend_strdup(sim_regval_name(v));
    size_t n = (size_t)v->size + 1;   /* in size_t: a 4 GiB - 1 byte value's NUL must not wrap to 0 */
    out->data = malloc(n);
    if (!out->name || !out->data) {
        mend_regval_clear(out);
        return sim_oom(e);
    }
    memcpy(out->data, v->data, n);
    out->type = v->type;
    out->size = v->size;
    return 0;
}

int sim_reg_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e)
{
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_READ);
    sim_regkey *k = sim_reg_find(ctx, path);
    sim_regval *v = k ? sim_reg_value(k, value ? value : "") : NULL;
    if (!v)
        return key_not_found(e);
    return copy_value(v, out, e);
}

int sim_reg_set(void *ctx, const char *path, const char *value, uint32_t type,
                const unsigned char *data, size_t size, mend_err *e)
{
    sim_machine *m = ctx;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_WRITE);
    if (((type == MEND_REG_DWORD || type == MEND_REG_DWORD_BIG_ENDIAN) && size != 4) ||
        (type == MEND_REG_QWORD && size != 8))
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "%s data must be %d bytes, got %lu", mend_reg_type_name(type),
                            type == MEND_REG_QWORD ? 8 : 4, (unsigned long)size);
    /* Refused before the key is created, at the Windows host's limit (win_reg_set). */
    if (size > 0x7fffffff)
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "registry value data is at most 2 GiB - 1 bytes, got %llu bytes",
                            (unsigned long long)size);
    sim_regkey *k = sim_reg_create(m, path);
    if (!k || sim_reg_put(k, value ? value : "", type, data, size) != 0)
        return sim_oom(e);
    sim_store_touch(m, path);
    return 0;
}

int sim_reg_create_key(void *ctx, const char *path, mend_err *e)
{
    sim_machine *m = ctx;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_WRITE);
    if (!sim_reg_create(m, path))
        return sim_oom(e);
    sim_store_touch(m, path);
    return 0;
}

int sim_reg_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_LIST);
    sim_regkey *k = sim_reg_find(ctx, path);
    if (!k)
        return key_not_found(e);
    sim_regkey **kids = sim_reg_sorted_kids(k);
    char **a = calloc(k->nkids + 1, sizeof *a);
    if (!kids || !a) {
        free(kids);
        free(a);
        return sim_oom(e);
    }
    for (size_t i = 0; i < k->nkids; i++)
        if (!(a[i] = mend_strdup(kids[i]->name))) {
            free(kids);
            mend_string_free_list(a, i);
            return sim_oom(e);
        }
    free(kids);
    *out = a;
    *n = k->nkids;
    return 0;
}

int sim_reg_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_READ);
    sim_regkey *k = sim_reg_find(ctx, path);
    if (!k)
        return key_not_found(e);
    sim_regval **vals = sim_reg_sorted_vals(k);
    mend_regval *a = calloc(k->nvals + 1, sizeof *a);
    if (!vals || !a) {
        free(vals);
        free(a);
        return sim_oom(e);
    }
    for (size_t i = 0; i < k->nvals; i++)
        if (copy_value(vals[i], &a[i], e) != 0) {
            free(vals);
            mend_regval_free_list(a, i);
            return -1;
        }
    free(vals);
    *out = a;
    *n = k->nvals;
    return 0;
}

int sim_reg_exists(void *ctx, const char *path, bool *found, mend_err *e)
{
    *found = false;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_READ);
    *found = sim_reg_find(ctx, path) != NULL;
    return 0;
}

int sim_reg_delete_key(void *ctx, const char *path, bool tree, mend_err *e)
{
    sim_machine *m = ctx;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_LIST);
    sim_regkey *k = sim_reg_find(m, path);
    if (!k)
        return key_not_found(e);
    if (!k->parent)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s is a registry root and cannot be deleted",
                            k->name);
    if (k->nkids && !tree)
        return mend_err_set(e, MEND_E_INVALID, 0,
                            "%.300s has subkeys; delete it with tree=true to remove them too", path);
    sim_reg_unlink(k);
    sim_store_touch(m, path);
    return 0;
}

int sim_reg_delete_value(void *ctx, const char *path, const char *value, mend_err *e)
{
    sim_machine *m = ctx;
    if (check_root(path, e))
        return -1;
    sim_store_graph_need(ctx, path, SIM_GRAPH_WRITE);
    sim_regkey *k = sim_reg_find(m, path);
    if (!k || !sim_reg_value(k, value ? value : ""))
        return key_not_found(e);
    sim_reg_remove_value(k, value ? value : "");
    sim_store_touch(m, path);
    return 0;
}
