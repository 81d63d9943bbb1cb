/* The handle name index: which handles of a scan are at or below an object name, found by hashing the name's ancestors. */
#include "handle_index.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The object manager compares names without ASCII case (OBJ_CASE_INSENSITIVE). */
static inline unsigned fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* A name's end sorts first, then a backslash, then any other byte: the names at or below P
 * (P itself, P\...) come before a sibling P x or Px, so they form one run. */
static inline int order_key(unsigned char c)
{
    return c == '\0' ? 0 : c == '\\' ? 1 : (int)fold(c) + 2;
}

static const char *name_of(const mend_handle *h)
{
    return h->name ? h->name : "";
}

/* What the sort moves: the name and its length beside the position, so a compare reads no
 * handle and skips a shared prefix eight bytes at a time. */
typedef struct sort_item {
    const char *name;
    size_t len;
    size_t pos;
} sort_item;

static int by_name_then_position(const void *pa, const void *pb)
{
    const sort_item *x = pa, *y = pb;
    const unsigned char *a = (const unsigned char *)x->name, *b = (const unsigned char *)y->name;
    size_t n = x->len < y->len ? x->len : y->len, i = 0;
    for (uint64_t u, v; i + 8 <= n; i += 8) {   /* names in a store share ~80 bytes */
        memcpy(&u, a + i, 8);
        memcpy(&v, b + i, 8);
        if (u != v)
            break;
    }
    for (;; i++) {
        if (a[i] == b[i]) {
            if (a[i] == '\0')
                return (x->pos > y->pos) - (x->pos < y->pos);
            continue;
        }
        int c = order_key(a[i]) - order_key(b[i]);
        if (c)
            return c;
    }
}

/* The hash of a name reads its folded bytes eight at a time (little-endian words, the last
 * one padded with zeros) and ends with its length, so the index can take each ancestor's hash
 * from the words its parent already read. The finalizer is MurmurHash3's fmix64: the low bits
 * that pick a slot depend on every byte. */
#define HASH_START 0x9e3779b97f4a7c15u

static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static uint64_t hash_final(uint64_t h, uint64_t tail, size_t len)
{
    h = hash_word(h, tail) ^ (uint64_t)len;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

/* Eight bytes with A-Z as a-z at once: a byte's top bit says whether it is at least 'A' and
 * at most 'Z' (no carry crosses bytes, as each is below 0x80 when added to); 0x80 >> 2 is
 * the 0x20 that lowers a letter. */
static inline uint64_t fold8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, top = 0x8080808080808080u;
    uint64_t low7 = w & ~top;
    uint64_t ge_a = low7 + ones * (0x80 - 'A');
    uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);
    return w | ((ge_a & ~gt_z & ~w & top) >> 2);
}

static inline uint64_t load_le(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* How many leading bytes a and b share, ASCII case folded. */
static size_t common_len(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && fold((unsigned char)a[i]) == fold((unsigned char)b[i]))
        i++;
    return i;
}

typedef struct entries {
    bind_handle_slot *v;
    size_t n, cap;
} entries;

static bool entries_push(entries *es, uint64_t hash, size_t len, size_t first)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? 2 * es->cap : 64;
        bind_handle_slot *v = realloc(es->v, cap * sizeof *v);
        if (!v)
            return false;
        es->v = v;
        es->cap = cap;
    }
    es->v[es->n++] = (bind_handle_slot){ hash, len, first, 1 };
    return true;
}

/* Walks the names in by_name order and records each ancestor once, with its run. An ancestor
 * of this name is one of the previous name's iff it lies within their common prefix (the
 * order puts that name's end or a backslash where this one's ancestor ends), and it is then
 * that name's ancestor at the same depth (open[depth]). Every other ancestor is new: its run
 * starts here, as the runs are contiguous. */
static bool collect(entries *es, const mend_handle *list, const size_t *by_name, size_t n)
{
    size_t *open = malloc((BIND_HANDLE_INDEX_MAX + 1) * sizeof *open);
    if (!open)
        return false;
    const char *prev = NULL;
    for (size_t p = 0; p < n; p++) {
        const char *cur = name_of(&list[by_name[p]]);
        size_t common = prev ? common_len(prev, cur) : 0;
        uint64_t h = HASH_START, w = 0;   /* w: the word being filled */
        size_t depth = 0;
        for (size_t i = 0; i <= BIND_HANDLE_INDEX_MAX; i++) {
            unsigned char c = (unsigned char)cur[i];
            if ((c == '\\' || c == '\0') && i > 0) {
                if (prev && i <= common) {
                    es->v[open[depth]].count++;
                } else {
                    if (!entries_push(es, hash_final(h, w, i), i, p)) {
                        free(open);
                        return false;
                    }
                    open[depth] = es->n - 1;
                }
                depth++;
            }
            if (c == '\0')
                break;
            w |= (uint64_t)fold(c) << (8 * (i & 7));
            if ((i & 7) == 7) {
                h = hash_word(h, w);
                w = 0;
            }
        }
        prev = cur;
    }
    free(open);
    return true;
}

int bind_handle_index_build(bind_handle_index *x, const mend_handle *list, size_t n)
{
    memset(x, 0, sizeof *x);
    x->by_name = malloc((n ? n : 1) * sizeof *x->by_name);
    if (!x->by_name)
        return -1;
    sort_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!items) {
        bind_handle_index_free(x);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].name = name_of(&list[i]);
        items[i].len = strlen(items[i].name);
        items[i].pos = i;
    }
    qsort(items, n, sizeof *items, by_name_then_position);
    for (size_t i = 0; i < n; i++)
        x->by_name[i] = items[i].pos;
    free(items);
    entries es = { 0 };
    if (!collect(&es, list, x->by_name, n))
        goto oom;
    if (es.n) {
        size_t cap = 2;
        while (cap < 2 * es.n)   /* at most half full: a miss ends at an empty slot soon */
            cap *= 2;
        x->slots = calloc(cap, sizeof *x->slots);
        if (!x->slots)
            goto oom;
        x->mask = cap - 1;
        for (size_t k = 0; k < es.n; k++) {
            size_t s = es.v[k].hash & x->mask;
            while (x->slots[s].count)
                s = (s + 1) & x->mask;
            x->slots[s] = es.v[k];
        }
        x->entries = es.n;
    }
    free(es.v);
    return 0;
oom:
    free(es.v);
    bind_handle_index_free(x);
    return -1;
}

size_t bind_handle_index_find(const bind_handle_index *x, const mend_handle *list, const char *want,
                              const size_t **run)
{
    *run = NULL;
    if (!x->slots)
        return 0;
    size_t wn = strlen(want), i = 0;
    if (wn == 0 || wn > BIND_HANDLE_INDEX_MAX)
        return 0;
    uint64_t h = HASH_START, tail = 0;
    for (; i + 8 <= wn; i += 8)
        h = hash_word(h, fold8(load_le(want + i)));
    for (size_t k = 0; i + k < wn; k++)
        tail |= (uint64_t)fold((unsigned char)want[i + k]) << (8 * k);
    h = hash_final(h, tail, wn);
    for (size_t s = h & x->mask; x->slots[s].count; s = (s + 1) & x->mask) {
        const bind_handle_slot *e = &x->slots[s];
        if (e->hash != h || e->len != wn)
            continue;
        /* Equal hashes: one compare tells a real match from a collision. */
        const char *name = name_of(&list[x->by_name[e->first]]);
        if (mend_ascii_ncasecmp(name, want, wn) == 0) {
            *run = x->by_name + e->first;
            return e->count;
        }
    }
    return 0;
}

void bind_handle_index_free(bind_handle_index *x)
{
    free(x->by_name);
    free(x->slots);
    memset(x, 0, sizeof *x);
}
