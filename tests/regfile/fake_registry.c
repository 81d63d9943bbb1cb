/* The in-memory registry tests use: a key tree with typed values behind mend_host_ops.reg. */
#include "fake_registry.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fnode {
    char *name;
    struct fnode **kids;
    size_t nkids;
    mend_regval *vals;
    size_t nvals;
} fnode;

struct fake_reg {
    fnode top;                 /* its kids are the roots */
    size_t writes;
};

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xalloc(n + 1);
    memcpy(p, s, n);
    return p;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int icmp_n(const char *a, size_t an, const char *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++) {
        int x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
        if (x != y)
            return x - y;
    }
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static void node_free(fnode *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        node_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    mend_regval_free_list(n->vals, n->nvals);
    free(n->name);
}

fake_reg *fake_reg_new(void)
{
    return xalloc(sizeof(fake_reg));
}

void fake_reg_free(fake_reg *r)
{
    if (!r)
        return;
    node_free(&r->top);
    free(r);
}

/* The child named s[0..n), created in sorted position when create is set. */
static fnode *child(fnode *n, const char *s, size_t len, bool create)
{
    size_t i = 0;
    for (; i < n->nkids; i++) {
        int c = icmp_n(n->kids[i]->name, strlen(n->kids[i]->name), s, len);
        if (c == 0)
            return n->kids[i];
        if (c > 0)
            break;
    }
    if (!create)
        return NULL;
    fnode **k = realloc(n->kids, (n->nkids + 1) * sizeof *k);
    if (!k)
        abort();
    n->kids = k;
    memmove(k + i + 1, k + i, (n->nkids - i) * sizeof *k);
    k[i] = xalloc(sizeof(fnode));
    k[i]->name = xstrndup(s, len);
    n->nkids++;
    return k[i];
}

static fnode *walk(fake_reg *r, const char *path, bool create, fnode **parent)
{
    fnode *n = &r->top, *up = NULL;
    const char *p = path;
    if (!*p)
        return NULL;
    for (;;) {
        size_t len = strcspn(p, "\\");
        if (len == 0)
            return NULL;
        up = n;
        n = child(n, p, len, create);
        if (!n)
            return NULL;
        if (!p[len])
            break;
        p += len + 1;
    }
    if (parent)
        *parent = up;
    return n;
}

static mend_regval *find_val(fnode *n, const char *name)
{
    for (size_t i = 0; i < n->nvals; i++)
        if (icmp_n(n->vals[i].name, strlen(n->vals[i].name), name, strlen(name)) == 0)
            return &n->vals[i];
    return NULL;
}

static int not_found(mend_err *e, const char *what, const char *path)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, "%s %s not found", what, path);
}

static void copy_val(mend_regval *dst, const mend_regval *src)
{
    dst->name = xstrndup(src->name, strlen(src->name));
    dst->type = src->type;
    dst->size = src->size;
    dst->data = xalloc(src->size + 1);
    if (src->size)
        memcpy(dst->data, src->data, src->size);
}

static int op_get(void *ctx, const char *path, const char *value, mend_regval *out, mend_err *e)
{
    fnode *n = walk(ctx, path, false, NULL);
    if (!n)
        return not_found(e, "key", path);
    mend_regval *v = find_val(n, value);
    if (!v)
        return not_found(e, "value", value);
    copy_val(out, v);
    return 0;
}

static int op_set(void *ctx, const char *path, const char *value, uint32_t type, const unsigned char *data,
                  size_t size, mend_err *e)
{
    fake_reg *r = ctx;
    r->writes++;
    fnode *n = walk(r, path, true, NULL);
    if (!n)
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER, "bad key path %s", path);
    mend_regval *v = find_val(n, value);
    if (!v) {
        mend_regval *vals = realloc(n->vals, (n->nvals + 1) * sizeof *vals);
        if (!vals)
            abort();
        n->vals = vals;
        v = &vals[n->nvals++];
        v->name = xstrndup(value, strlen(value));
    } else {
        free(v->data);
    }
    v->type = type;
    v->size = size;
    v->data = xalloc(size + 1);
    if (size)
        memcpy(v->data, data, size);
    return 0;
}

static int op_create_key(void *ctx, const char *path, mend_err *e)
{
    fake_reg *r = ctx;
    r->writes++;
    if (!walk(r, path, true, NULL))
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER, "bad key path %s", path);
    return 0;
}

static int op_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e)
{
    fnode *k = walk(ctx, path, false, NULL);
    if (!k)
        return not_found(e, "key", path);
    *out = xalloc(k->nkids * sizeof **out);
    for (size_t i = 0; i < k->nkids; i++)
        (*out)[i] = xstrndup(k->kids[i]->name, strlen(k->kids[i]->name));
    *n = k->nkids;
    return 0;
}

static int op_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e)
{
    fnode *k = walk(ctx, path, false, NULL);
    if (!k)
        return not_found(e, "key", path);
    *out = xalloc(k->nvals * sizeof **out);
    for (size_t i = 0; i < k->nvals; i++)
        copy_val(&(*out)[i], &k->vals[i]);
    *n = k->nvals;
    return 0;
}

static int op_exists(void *ctx, const char *path, bool *found, mend_err *e)
{
    *found = walk(ctx, path, false, NULL) != NULL;
    return 0;
}

static int op_delete_key(void *ctx, const char *path, bool tree, mend_err *e)
{
    fake_reg *r = ctx;
    r->writes++;
    fnode *parent = NULL;
    fnode *k = walk(r, path, false, &parent);
    if (!k)
        return not_found(e, "key", path);
    if (k->nkids && !tree)
        return mend_err_set(e, MEND_E_INVALID, 0, "key %s has subkeys", path);
    for (size_t i = 0; i < parent->nkids; i++) {
        if (parent->kids[i] == k) {
            node_free(k);
            free(k);
            memmove(parent->kids + i, parent->kids + i + 1, (parent->nkids - i - 1) * sizeof *parent->kids);
            parent->nkids--;
            break;
        }
    }
    return 0;
}

static int op_delete_value(void *ctx, const char *path, const char *value, mend_err *e)
{
    fake_reg *r = ctx;
    r->writes++;
    fnode *k = walk(r, path, false, NULL);
    if (!k)
        return not_found(e, "key", path);
    mend_regval *v = find_val(k, value);
    if (!v)
        return not_found(e, "value", value);
    size_t i = (size_t)(v - k->vals);
    mend_regval_clear(v);
    memmove(k->vals + i, k->vals + i + 1, (k->nvals - i - 1) * sizeof *k->vals);
    k->nvals--;
    return 0;
}

static const mend_host_ops fake_ops = {
    .name = "fake",
    .reg = {
        .get = op_get,
        .set = op_set,
        .create_key = op_create_key,
        .keys = op_keys,
        .values = op_values,
        .exists = op_exists,
        .delete_key = op_delete_key,
        .delete_value = op_delete_value,
    },
};

void fake_reg_host(fake_reg *r, mend_host *h)
{
    memset(h, 0, sizeof *h);
    h->ops = &fake_ops;
    h->ctx = r;
}

void fake_reg_set(fake_reg *r, const char *path, const char *name, uint32_t type, const void *data, size_t size)
{
    mend_err e;
    size_t writes = r->writes;
    if (op_set(r, path, name, type, data, size, &e) != 0)
        abort();
    r->writes = writes;
}

void fake_reg_set_sz(fake_reg *r, const char *path, const char *name, const char *text)
{
    fake_reg_set(r, path, name, MEND_REG_SZ, text, strlen(text));
}

void fake_reg_set_dword(fake_reg *r, const char *path, const char *name, uint32_t v)
{
    unsigned char d[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    fake_reg_set(r, path, name, MEND_REG_DWORD, d, 4);
}

void fake_reg_key(fake_reg *r, const char *path)
{
    mend_err e;
    size_t writes = r->writes;
    if (op_create_key(r, path, &e) != 0)
        abort();
    r->writes = writes;
}

typedef struct dbuf {
    char *p;
    size_t len, cap;
} dbuf;

static void dput(dbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void dump_node(const fnode *n, dbuf *b, dbuf *path)
{
    size_t plen = path->len;
    if (n->name) {
        if (plen)
            dput(path, "\\", 1);
        dput(path, n->name, strlen(n->name));
        dput(b, "[", 1);
        dput(b, path->p, path->len);
        dput(b, "]\n", 2);
    }
    for (size_t i = 0; i < n->nvals; i++) {
        const mend_regval *v = &n->vals[i];
        char head[64];
        dput(b, "  \"", 3);
        dput(b, v->name, strlen(v->name));
        snprintf(head, sizeof head, "\" type %u size %zu:", (unsigned)v->type, v->size);
        dput(b, head, strlen(head));
        for (size_t j = 0; j < v->size; j++) {
            char x[4];
            snprintf(x, sizeof x, " %02x", v->data[j]);
            dput(b, x, 3);
        }
        dput(b, "\n", 1);
    }
    for (size_t i = 0; i < n->nkids; i++)
        dump_node(n->kids[i], b, path);
    path->len = plen;
    if (path->p)
        path->p[plen] = '\0';
}

char *fake_reg_dump(const fake_reg *r)
{
    dbuf b = { 0 }, path = { 0 };
    dput(&b, "", 0);
    dump_node(&r->top, &b, &path);
    free(path.p);
    return b.p;
}

size_t fake_reg_writes(const fake_reg *r)
{
    return r->writes;
}
