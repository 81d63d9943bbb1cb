/* The handle name index: which handles of a scan are at or below an object name, found by hashing the name's ancestors. */
#ifndef BIND_HANDLE_INDEX_H
#define BIND_HANDLE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

/* The longest object name a lookup can ask for (handles.holders' limit); longer ancestors are
 * not indexed. */
#define BIND_HANDLE_INDEX_MAX 4095

typedef struct bind_handle_slot {
    uint64_t hash;      /* of the folded ancestor name */
    size_t len;         /* of the ancestor name: equal hashes of different lengths are no match */
    size_t first;       /* its run in by_name */
    size_t count;       /* 0: an empty slot */
} bind_handle_slot;

/* Built over a scan's list, which must outlive it. by_name orders the positions by object name
 * (ASCII case folded, a backslash before any other byte), so the handles at or below any name
 * are one run of it; slots map every ancestor of every name (each prefix ending before a
 * backslash, and the whole name) to that run. */
typedef struct bind_handle_index {
    size_t *by_name;
    bind_handle_slot *slots;
    size_t mask;        /* slots has mask + 1 entries */
    size_t entries;     /* ancestors indexed */
} bind_handle_index;

/* Builds x over list[0..n); 0, or -1 when out of memory (x is then empty). */
int bind_handle_index_build(bind_handle_index *x, const mend_handle *list, size_t n);
/* How many handles are at or below want (equal to it, or under it at a backslash, ignoring
 * ASCII case); *run points at their positions in list, in no particular order. */
size_t bind_handle_index_find(const bind_handle_index *x, const mend_handle *list, const char *want,
                              const size_t **run);
void bind_handle_index_free(bind_handle_index *x);

#endif
