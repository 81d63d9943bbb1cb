/* Lua's small blocks (tables, strings, closures, upvalues) from one free list per size class,
 * carved out of large slabs. Lua tells the allocator every block's size when it frees it, so a
 * block needs no header and a free or a reuse is one pointer move: glibc's bins, at 100,000
 * policies, spent a fifth of a check sorting and merging free chunks (_int_malloc,
 * malloc_consolidate). Blocks over MEND_POOL_MAX go to malloc. Per state, single-threaded. */
#ifndef MEND_LUA_POOL_H
#define MEND_LUA_POOL_H

#include <stdbool.h>
#include <stddef.h>

#define MEND_POOL_ALIGN 16
#define MEND_POOL_MAX 256
#define MEND_POOL_CLASSES (MEND_POOL_MAX / MEND_POOL_ALIGN)

typedef struct mend_pool {
    void *free[MEND_POOL_CLASSES];   /* per class, a list through each free block's first word */
    char *next, *end;                /* what is left of the newest slab */
    void *slabs;                     /* every slab, through its first word */
    size_t slab_bytes;               /* their total */
    size_t cap;                      /* the most slab_bytes may reach, 0 = no cap */
    bool capped;                     /* the last request would have passed cap */
    bool ready, off;                 /* off: every block from malloc (ASan, valgrind) */
} mend_pool;

/* realloc's contract over the pool: ptr may be NULL (then osize is ignored); NULL when out of
 * memory or past cap (then capped is set), ptr untouched. nsize must not be 0. A size class's
 * free blocks serve only that class, so without a cap a script that fills its memory with one
 * size, drops it and fills it with another would hold a multiple of its limit. */
void *mend_pool_realloc(mend_pool *p, void *ptr, size_t osize, size_t nsize);
/* Frees a block of osize bytes (ptr may be NULL). */
void mend_pool_free(mend_pool *p, void *ptr, size_t osize);
/* Returns every slab to the system: after lua_close, when no block is in use any more. */
void mend_pool_release(mend_pool *p);

#endif
