/* A policy's object graph in the local IPsec store: found, planned and removed through host reg ops. */
#include "store_graph.h"

#include <stdlib.h>
#include <string.h>

/* What the store's references name: a key directly under Local, relative to HKLM. */
#define LOCAL_SUB "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\"

/* The forward references an object may hold (MS-GPIPSEC 2.2.2; both SZ and MULTI_SZ are read). */
static const char *const forward[] = { "ipsecISAKMPReference", "ipsecNFAReference",
                                       "ipsecNegotiationPolicyReference", "ipsecFilterReference", NULL };

typedef struct node {
    char *path;                /* HKLM\...\Local\NAME */
    char *owners;              /* ipsecOwnersReference as read, then less the removed owners */
    size_t owners_len;
    bool has_owners;           /* without back-references nobody can tell who else uses it: kept */
    bool removed, expanded, dropped;
} node;

typedef struct graph {
    const mend_host *h;
    node *v;
    size_t n, cap;
} graph;

static bool prefix_ci(const char *s, const char *pre)
{
    return mend_ascii_ncasecmp(s, pre, strlen(pre)) == 0;
}

/* A reference as written ("SOFTWARE\..." or with an HKLM root, short or long, in the one table of
 * root names: engine/host/reg_root.c) without its root. */
static const char *unrooted(const char *ref)
{
    size_t n = 0;
    if (mend_reg_root_at(ref, strlen(ref), &n) == MEND_REG_HKLM && ref[n] == '\\')
        return ref + n + 1;
    return ref;
}

/* The name under Local that ref points at, or NULL when it points anywhere else. */
static const char *local_name(const char *ref)
{
    ref = unrooted(ref);
    if (!prefix_ci(ref, LOCAL_SUB))
        return NULL;
    const char *name = ref + strlen(LOCAL_SUB);
    return *name && !strchr(name, '\\') ? name : NULL;
}

static char *local_path(const char *name)
{
    size_t n = strlen(MEND_IPSEC_STORE_ROOT) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p) {
        memcpy(p, MEND_IPSEC_STORE_ROOT "\\", strlen(MEND_IPSEC_STORE_ROOT) + 1);
        strcpy(p + strlen(MEND_IPSEC_STORE_ROOT) + 1, name);
    }
    return p;
}

static int oom(mend_err *e)
{
    return mend_err_set(e, MEND_E_IO, 0, "out of memory while reading the policy store");
}

/* Reads one value; a missing one is not an error (*found false). */
static int read_value(const mend_host *h, const char *path, const char *name, mend_regval *v, bool *found,
                      mend_err *e)
{
    *found = false;
    memset(v, 0, sizeof *v);
    mend_err why;
    mend_err_clear(&why);
    if (h->ops->reg.get(h->ctx, path, name, v, &why) == 0) {
        *found = true;
        return 0;
    }
    if (why.code == MEND_E_NOT_FOUND)
        return 0;
    *e = why;
    return -1;
}

static node *find(graph *g, const char *path)
{
    for (size_t i = 0; i < g->n; i++)
        if (mend_ascii_ieq(g->v[i].path, path))
            return &g->v[i];
    return NULL;
}

/* Adds the object at path (taking path) with its owners as they are in the store. */
static node *add(graph *g, char *path, mend_err *e)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        node *a = realloc(g->v, cap * sizeof *a);
        if (!a) {
            free(path);
            oom(e);
            return NULL;
        }
        g->v = a;
        g->cap = cap;
    }
    node *x = &g->v[g->n];
    memset(x, 0, sizeof *x);
    x->path = path;
    mend_regval v;
    bool found;
    if (read_value(g->h, path, "ipsecOwnersReference", &v, &found, e) != 0) {
        free(path);
        return NULL;
    }
    if (found && v.type == MEND_REG_MULTI_SZ) {
        x->owners = (char *)v.data;
        x->owners_len = v.size;
        x->has_owners = true;
        v.data = NULL;
    }
    mend_regval_clear(&v);
    g->n++;
    return x;
}

/* Drops every entry naming owner (the path of a removed object, with or without its root). */
static void drop_owner(node *x, const char *owner_path)
{
    const char *owner = unrooted(owner_path);
    size_t i = 0, out = 0;
    while (i < x->owners_len) {
        size_t len = 0;
        while (i + len < x->owners_len && x->owners[i + len])
            len++;
        bool keep = len > 0 && !mend_ascii_ieq(unrooted(x->owners + i), owner);
        if (keep) {
            memmove(x->owners + out, x->owners + i, len);
            x->owners[out + len] = '\0';
            out += len + 1;
        } else if (len > 0) {
            x->dropped = true;
        }
        i += len + 1;
    }
    x->owners_len = out;
}

/* Every object that the removed node at index i references loses it as an owner. */
static int expand(graph *g, size_t i, mend_err *e)
{
    for (int f = 0; forward[f]; f++) {
        mend_regval v;
        bool found;
        if (read_value(g->h, g->v[i].path, forward[f], &v, &found, e) != 0)
            return -1;
        if (!found || (v.type != MEND_REG_SZ && v.type != MEND_REG_MULTI_SZ)) {
            mend_regval_clear(&v);
            continue;
        }
        int rc = 0;
        for (size_t at = 0; at < v.size && rc == 0;) {
            const char *ref = (const char *)v.data + at;
            size_t len = strlen(ref);
            at += len + 1;
            const char *name = local_name(ref);
            if (!name)
                continue;    /* outside Local (a GPO cache, say): never touched */
            char *path = local_path(name);
            if (!path) {
                rc = oom(e);
                break;
            }
            node *c = find(g, path);
            if (c) {
                free(path);
            } else {
                bool exists = false;
                if (g->h->ops->reg.exists(g->h->ctx, path, &exists, e) != 0) {
                    free(path);
                    rc = -1;
                    break;
                }
                if (!exists) {
                    free(path);   /* already dangling: nothing to remove */
                    continue;
                }
                if (!(c = add(g, path, e))) {
                    rc = -1;
                    break;
                }
            }
            drop_owner(c, g->v[i].path);
        }
        mend_regval_clear(&v);
        if (rc != 0)
            return -1;
    }
    g->v[i].expanded = true;
    return 0;
}

static void free_graph(graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].path);
        free(g->v[i].owners);
    }
    free(g->v);
}

static int check_policy_key(const char *key, mend_err *e)
{
    const char *name = prefix_ci(key, MEND_IPSEC_STORE_ROOT "\\") ? key + strlen(MEND_IPSEC_STORE_ROOT) + 1 : NULL;
    if (!name || !prefix_ci(name, "ipsecPolicy{") || strchr(name, '\\'))
        return mend_err_set(e, MEND_E_INVALID, 0,
                            "%s is not a policy of the local store (%s\\ipsecPolicy{GUID}); a policy "
                            "delivered by group policy is removed by its GPO, not here",
                            key, MEND_IPSEC_STORE_ROOT);
    return 0;
}

static int take_plan(graph *g, mend_store_plan *out, mend_err *e)
{
    out->remove = calloc(g->n + 1, sizeof *out->remove);
    out->update = calloc(g->n + 1, sizeof *out->update);
    if (!out->remove || !out->update)
        return oom(e);
    for (size_t i = 0; i < g->n; i++) {
        node *x = &g->v[i];
        if (x->removed) {
            out->remove[out->nremove++] = x->path;
        } else if (x->dropped) {
            mend_store_update *u = &out->update[out->nupdate++];
            u->path = x->path;
            u->owners = x->owners;
            u->owners_len = x->owners_len;
            x->owners = NULL;
        } else {
            continue;
        }
        x->path = NULL;
    }
    return 0;
}

int mend_store_graph_plan(const mend_host *h, const char *policy_key, mend_store_plan *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    if (check_policy_key(policy_key, e) != 0)
        return -1;
    bool exists = false;
    if (h->ops->reg.exists(h->ctx, policy_key, &exists, e) != 0)
        return -1;
    if (!exists)
        return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, NULL);
    graph g = { h, NULL, 0, 0 };
    char *path = mend_strdup(policy_key);
    node *root = path ? add(&g, path, e) : NULL;
    if (!root) {
        if (!path)
            oom(e);
        free_graph(&g);
        return -1;
    }
    root->removed = true;
    /* Removing an object can leave others without owners: repeat until nothing changes. */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < g.n; i++)
            if (g.v[i].removed && !g.v[i].expanded) {
                if (expand(&g, i, e) != 0) {
                    free_graph(&g);
                    return -1;
                }
                changed = true;
            }
        for (size_t i = 0; i < g.n; i++) {
            node *x = &g.v[i];
            if (!x->removed && x->dropped && x->has_owners && x->owners_len == 0) {
                x->removed = true;
                changed = true;
            }
        }
    }
    mend_regval active;
    bool found;
    int rc = read_value(h, MEND_IPSEC_STORE_ROOT, "ActivePolicy", &active, &found, e);
    if (rc == 0 && found && active.type == MEND_REG_SZ)
        out->clear_active = mend_ascii_ieq(unrooted((const char *)active.data), unrooted(policy_key));
    mend_regval_clear(&active);
    if (rc == 0)
        rc = take_plan(&g, out, e);
    free_graph(&g);
    if (rc != 0)
        mend_store_plan_free(out);
    return rc;
}

mend_regfile_key *mend_store_graph_backup_keys(const mend_store_plan *p, size_t *n)
{
    *n = 0;
    mend_regfile_key *k = calloc(p->nremove + p->nupdate + 2, sizeof *k);
    if (!k)
        return NULL;
    if (p->clear_active)
        k[(*n)++] = (mend_regfile_key){ MEND_IPSEC_STORE_ROOT, true };
    for (size_t i = 0; i < p->nremove; i++)
        k[(*n)++] = (mend_regfile_key){ p->remove[i], false };
    for (size_t i = 0; i < p->nupdate; i++)
        k[(*n)++] = (mend_regfile_key){ p->update[i].path, false };
    return k;
}

static int delete_key(const mend_host *h, const char *path, mend_err *e)
{
    mend_err why;
    mend_err_clear(&why);
    if (h->ops->reg.delete_key(h->ctx, path, true, &why) == 0 || why.code == MEND_E_NOT_FOUND)
        return 0;
    *e = why;
    return -1;
}

int mend_store_graph_apply(const mend_host *h, const mend_store_plan *p, mend_err *e)
{
    /* The assignment goes first so the agent never reads an assigned policy half removed. */
    if (p->clear_active && h->ops->reg.delete_value(h->ctx, MEND_IPSEC_STORE_ROOT, "ActivePolicy", e) != 0 &&
        e->code != MEND_E_NOT_FOUND)
        return -1;
    if (p->nremove && delete_key(h, p->remove[0], e) != 0)
        return -1;
    for (size_t i = 0; i < p->nupdate; i++)
        if (h->ops->reg.set(h->ctx, p->update[i].path, "ipsecOwnersReference", MEND_REG_MULTI_SZ,
                            (const unsigned char *)p->update[i].owners, p->update[i].owners_len, e) != 0)
            return -1;
    for (size_t i = 1; i < p->nremove; i++)
        if (delete_key(h, p->remove[i], e) != 0)
            return -1;
    return 0;
}

void mend_store_plan_free(mend_store_plan *p)
{
    for (size_t i = 0; p->remove && i < p->nremove; i++)
        free(p->remove[i]);
    for (size_t i = 0; p->update && i < p->nupdate; i++) {
        free(p->update[i].path);
        free(p->update[i].owners);
    }
    free(p->remove);
    free(p->update);
    memset(p, 0, sizeof *p);
}
