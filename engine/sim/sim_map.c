/* A string-keyed chained hash map for the simulator's indexes. */
#include "sim_map.h"

#include <stdlib.h>
#include <string.h>

struct sim_map_node {
    sim_map_node *next;
    size_t hash;
    size_t len;                /* of key: a lookup compares lengths before bytes */
    void *value;
    char key[];
};

int sim_name_cmp(const char *a, const char *b)
{
    int c = mend_ascii_casecmp(a, b);
    return c ? c : strcmp(a, b);
}

bool sim_contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (; *hay; hay++)
        if (mend_ascii_ncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* FNV-1a over n bytes, folded for a case-insensitive map. */
static size_t hash_key(const char *s, size_t n, bool fold)
{
    size_t h = 1469598103934665603ull & (size_t)-1;
    if (fold)
        for (size_t i = 0; i < n; i++)
            h = (h ^ sim_fold((unsigned char)s[i])) * (size_t)1099511628211ull;
    else
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)s[i]) * (size_t)1099511628211ull;
    return h;
}

static bool key_eq(const sim_map *m, const sim_map_node *node, const char *key, size_t n)
{
    if (node->len != n)
        return false;
    if (!m->fold)
        return memcmp(node->key, key, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (sim_fold((unsigned char)node->key[i]) != sim_fold((unsigned char)key[i]))
            return false;
    return true;
}

void sim_map_init(sim_map *m, bool fold)
{
    memset(m, 0, sizeof *m);
    m->fold = fold;
}

void sim_map_free(sim_map *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        sim_map_node *n = m->buckets[i];
        while (n) {
            sim_map_node *next = n->next;
            free(n);
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = m->count = 0;
}

void *sim_map_get_n(const sim_map *m, const char *key, size_t len)
{
    if (!m->nbuckets)
        return NULL;
    size_t h = hash_key(key, len, m->fold);
    for (sim_map_node *n = m->buckets[h % m->nbuckets]; n; n = n->next)
        if (n->hash == h && key_eq(m, n, key, len))
            return n->value;
    return NULL;
}

void *sim_map_get(const sim_map *m, const char *key)
{
    return m->nbuckets ? sim_map_get_n(m, key, strlen(key)) : NULL;
}

static int grow(sim_map *m)
{
    size_t nb = m->nbuckets ? m->nbuckets * 2 : 16;
    sim_map_node **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbuckets; i++) {
        sim_map_node *n = m->buckets[i];
        while (n) {
            sim_map_node *next = n->next;
            n->next = b[n->hash % nb];
            b[n->hash % nb] = n;
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
    return 0;
}

int sim_map_put(sim_map *m, const char *key, void *value)
{
    size_t klen = strlen(key);
    size_t h = hash_key(key, klen, m->fold);
    if (m->nbuckets) {
        for (sim_map_node *n = m->buckets[h % m->nbuckets]; n; n = n->next)
            if (n->hash == h && key_eq(m, n, key, klen)) {
                n->value = value;
                return 0;
            }
    }
    if (m->count + 1 > m->nbuckets * 3 / 4 && grow(m) != 0)
        return -1;
    sim_map_node *n = malloc(sizeof *n + klen + 1);
    if (!n)
        return -1;
    memcpy(n->key, key, klen + 1);
    n->len = klen;
    n->hash = h;
    n->value = value;
    n->next = m->buckets[h % m->nbuckets];
    m->buckets[h % m->nbuckets] = n;
    m->count++;
    return 0;
}

void sim_map_del(sim_map *m, const char *key, const void *value)
{
    if (!m->nbuckets)
        return;
    size_t klen = strlen(key);
    size_t h = hash_key(key, klen, m->fold);
    for (sim_map_node **p = &m->buckets[h % m->nbuckets]; *p; p = &(*p)->next) {
        sim_map_node *n = *p;
        if (n->hash == h && key_eq(m, n, key, klen)) {
            if (value && n->value != value)
                return;
            *p = n->next;
            free(n);
            m->count--;
            return;
        }
    }
}

void sim_map_each(const sim_map *m, void (*fn)(const char *key, void *value, void *ud), void *ud)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (sim_map_node *n = m->buckets[i]; n; n = n->next)
            fn(n->key, n->value, ud);
}
