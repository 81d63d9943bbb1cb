/* A string-keyed open-addressing hash map for the simulator's indexes. */
#include "sim_map.h"

#include <stdlib.h>
#include <string.h>

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

static const char sim_map_tomb[1];

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

/* Whether the stored NUL-terminated key equals the n bytes at key, which hold no NUL (a whole
 * key by strlen, or a path component by strcspn): strncmp equal then means stored is at least
 * n bytes long, so stored[n] is inside it. */
static bool key_eq(const sim_map *m, const char *stored, const char *key, size_t n)
{
    if (!m->fold)
        return strncmp(stored, key, n) == 0 && stored[n] == '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)stored[i];
        if (!c || sim_fold(c) != sim_fold((unsigned char)key[i]))
            return false;
    }
    return stored[n] == '\0';
}

static void map_init(sim_map *m, bool fold, bool borrow)
{
    memset(m, 0, sizeof *m);
    m->fold = fold;
    m->borrow = borrow;
}

void sim_map_init(sim_map *m, bool fold)
{
    map_init(m, fold, false);
}

void sim_map_init_borrowing(sim_map *m, bool fold)
{
    map_init(m, fold, true);
}

static bool live(const sim_map_slot *s)
{
    return s->key && s->key != sim_map_tomb;
}

void sim_map_free(sim_map *m)
{
    if (!m->borrow)
        for (size_t i = 0; i < m->cap; i++)
            if (live(&m->slots[i]))
                free((char *)m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = m->used = 0;
}

/* The slot holding key, or NULL. */
static sim_map_slot *find(const sim_map *m, const char *key, size_t n, size_t h)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        sim_map_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != sim_map_tomb && s->hash == h && key_eq(m, s->key, key, n))
            return s;
    }
}

void *sim_map_get_n(const sim_map *m, const char *key, size_t len)
{
    if (!m->count)
        return NULL;
    sim_map_slot *s = find(m, key, len, hash_key(key, len, m->fold));
    return s ? s->value : NULL;
}

void *sim_map_get(const sim_map *m, const char *key)
{
    return m->count ? sim_map_get_n(m, key, strlen(key)) : NULL;
}

/* Rebuilds the table at cap slots (a power of two above count), dropping deleted ones. */
static int rehash(sim_map *m, size_t cap)
{
    sim_map_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        sim_map_slot *s = &m->slots[i];
        if (!live(s))
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->count;
    return 0;
}

int sim_map_put(sim_map *m, const char *key, void *value)
{
    size_t klen = strlen(key);
    size_t h = hash_key(key, klen, m->fold);
    sim_map_slot *s = find(m, key, klen, h);
    if (s) {
        s->value = value;
        return 0;
    }
    /* At most three quarters full, deleted slots counted: a probe always ends. */
    if ((m->used + 1) * 4 > m->cap * 3) {
        size_t cap = m->cap ? m->cap : 8;
        while ((m->count + 1) * 2 > cap)
            cap *= 2;
        if (rehash(m, cap) != 0)
            return -1;
    }
    const char *k = key;
    if (!m->borrow) {
        char *copy = malloc(klen + 1);
        if (!copy)
            return -1;
        k = memcpy(copy, key, klen + 1);
    }
    size_t mask = m->cap - 1, i = h & mask;
    while (live(&m->slots[i]))
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (sim_map_slot){ h, k, value };
    m->count++;
    return 0;
}

void sim_map_del(sim_map *m, const char *key, const void *value)
{
    size_t klen = strlen(key);
    sim_map_slot *s = find(m, key, klen, hash_key(key, klen, m->fold));
    if (!s || (value && s->value != value))
        return;
    if (!m->borrow)
        free((char *)s->key);
    s->key = sim_map_tomb;
    s->value = NULL;
    m->count--;
}

void sim_map_each(const sim_map *m, void (*fn)(const char *key, void *value, void *ud), void *ud)
{
    for (size_t i = 0; i < m->cap; i++)
        if (live(&m->slots[i]))
            fn(m->slots[i].key, m->slots[i].value, ud);
}
