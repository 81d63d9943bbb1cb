/* A string-keyed hash map for the simulator's indexes (by name, by guid, by pid). */
#ifndef MEND_SIM_MAP_H
#define MEND_SIM_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "ascii.h"

/* Open addressing: one slot per entry (its hash, key and value), no node per entry. At 100,000
 * policies the store's key has half a million subkeys: a lookup is one slot and the key's own
 * name, not a bucket, a node and a copy of the name. */
typedef struct sim_map_slot {
    size_t hash;
    const char *key;           /* NULL: empty; sim_map_tomb: deleted */
    void *value;
} sim_map_slot;

typedef struct sim_map {
    sim_map_slot *slots;
    size_t cap;                /* a power of two, or 0 */
    size_t count;              /* entries */
    size_t used;               /* entries and deleted slots */
    bool fold;                 /* ASCII case-insensitive keys (registry, services) */
    bool borrow;               /* keys are the caller's (they outlive their entry), not copies */
} sim_map;

void sim_map_init(sim_map *m, bool fold);
/* A map that keeps the caller's key pointers instead of copies: each key must stay unchanged
 * until its entry is removed or the map freed (a registry key's name lives in the key). */
void sim_map_init_borrowing(sim_map *m, bool fold);
void sim_map_free(sim_map *m);
void *sim_map_get(const sim_map *m, const char *key);
/* The same for the first n bytes of key (a component of a registry path, not copied out). */
void *sim_map_get_n(const sim_map *m, const char *key, size_t n);
/* Inserts or replaces; returns -1 when out of memory. */
int sim_map_put(sim_map *m, const char *key, void *value);
/* Removes key when it maps to value (or any value when value is NULL). */
void sim_map_del(sim_map *m, const char *key, const void *value);

/* Calls fn for every entry (order unspecified). */
void sim_map_each(const sim_map *m, void (*fn)(const char *key, void *value, void *ud), void *ud);

/* ASCII case folding inline: the registry's lookups fold every byte of every name they compare. */
static inline unsigned char sim_fold(unsigned char c)
{
    return (unsigned char)((unsigned)c - 'A' < 26u ? c + ('a' - 'A') : c);
}

/* Whether a and b are equal, ASCII letters in any case. */
static inline bool sim_fold_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = sim_fold((unsigned char)*a);
        if (x != sim_fold((unsigned char)*b))
            return false;
        if (!x)
            return true;
    }
}

/* ASCII case folding shared by the simulator (Windows folds more, but keys mend meets are ASCII). */
/* Orders names case-insensitively, ties broken bytewise, so enumeration is deterministic. */
int sim_name_cmp(const char *a, const char *b);
/* Case-insensitive substring search. */
bool sim_contains_nocase(const char *hay, const char *needle);

#endif
