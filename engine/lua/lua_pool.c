/* Size-class pool for Lua's small blocks (see lua_pool.h). */
#include "lua_pool.h"
#include "leakcheck.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first slab is small (an empty run needs a few dozen KiB); each next one as large as all
 * before it, up to the cap: a 100,000-policy run takes a few hundred slabs, not millions. */
#define SLAB_FIRST ((size_t)64 << 10)
#define SLAB_CAP ((size_t)4 << 20)

static void pool_init(mend_pool *p)
{
    p->ready = true;
    /* ASan and valgrind find a use after free only in blocks they hand out themselves. */
    p->off = mend_leak_checked();
}

static size_t class_of(size_t n)
{
    return (n - 1) / MEND_POOL_ALIGN;
}

static void *carve(mend_pool *p, size_t c)
{
    size_t want = (c + 1) * MEND_POOL_ALIGN;
    if ((size_t)(p->end - p->next) < want) {
        size_t size = p->slab_bytes < SLAB_FIRST ? SLAB_FIRST : p->slab_bytes;
        if (size > SLAB_CAP)
            size = SLAB_CAP;
        size_t room = p->slab_bytes < p->cap ? p->cap - p->slab_bytes : 0;
        if (p->cap && size > room) {
            if (room < MEND_POOL_MAX + 2 * MEND_POOL_ALIGN) {
                p->capped = true;
                return NULL;
            }
            size = room;
        }
        char *s = malloc(size);
        if (!s)
            return NULL;
        /* The tail of the old slab is dropped: less than MEND_POOL_MAX bytes. */
        *(void **)s = p->slabs;
        p->slabs = s;
        p->slab_bytes += size;
        uintptr_t first = ((uintptr_t)s + sizeof(void *) + MEND_POOL_ALIGN - 1) & ~(uintptr_t)(MEND_POOL_ALIGN - 1);
        p->next = (char *)first;
        p->end = s + size;
    }
    void *b = p->next;
    p->next += want;
    return b;
}

static void *pool_alloc(mend_pool *p, size_t n)
{
    size_t c = class_of(n);
    void *b = p->free[c];
    if (b) {
        p->free[c] = *(void **)b;
        return b;
    }
    return carve(p, c);
}

static void pool_put(mend_pool *p, void *b, size_t n)
{
    size_t c = class_of(n);
    *(void **)b = p->free[c];
    p->free[c] = b;
}

void *mend_pool_realloc(mend_pool *p, void *ptr, size_t osize, size_t nsize)
{
    if (!p->ready)
        pool_init(p);
    if (p->off)
        return realloc(ptr, nsize);
    size_t old = ptr ? osize : 0;
    bool was_small = ptr && old <= MEND_POOL_MAX;
    if (nsize > MEND_POOL_MAX) {
        if (ptr && !was_small)
            return realloc(ptr, nsize);
        void *b = malloc(nsize);
        if (b && ptr) {
            memcpy(b, ptr, old);
            pool_put(p, ptr, old);
        }
        return b;
    }
    if (was_small && class_of(old) == class_of(nsize))
        return ptr;
    void *b = pool_alloc(p, nsize);
    if (!b && was_small && nsize < old) {
        p->capped = false;
        return ptr;   /* a shrink may keep its block: freed later, it serves the smaller class */
    }
    if (b && ptr) {
        memcpy(b, ptr, old < nsize ? old : nsize);
        if (was_small)
            pool_put(p, ptr, old);
        else
            free(ptr);
    }
    return b;
}

void mend_pool_free(mend_pool *p, void *ptr, size_t osize)
{
    if (!ptr)
        return;
    if (p->off || osize > MEND_POOL_MAX)
        free(ptr);
    else
        pool_put(p, ptr, osize);
}

void mend_pool_release(mend_pool *p)
{
    while (p->slabs) {
        void *s = p->slabs;
        p->slabs = *(void **)s;
        free(s);
    }
    bool ready = p->ready, off = p->off;
    size_t cap = p->cap;
    memset(p, 0, sizeof *p);
    p->ready = ready;
    p->off = off;
    p->cap = cap;
}
