/* The never-blocking stack of free blocks (see recycle.h). */
#include "core/recycle.h"

#include <sched.h>
#include <string.h>

/* A kept block's first two words: the next block and its own size. */
typedef struct kept {
    void *next;
    size_t size;
} kept;

static bool try_enter(llmobs__recycler *r)
{
    return !atomic_exchange_explicit(&r->busy, true, memory_order_acquire);
}

static void leave(llmobs__recycler *r)
{
    atomic_store_explicit(&r->busy, false, memory_order_release);
}

/* fork(): the one place that waits for the flag; holders keep it for a few instructions. */
static void fork_lock(void *ud)
{
    while (!try_enter(ud))
        sched_yield();
}

static void fork_unlock(void *ud, bool child)
{
    (void)child; /* the stack is whole on both sides: the flag was held across the fork */
    leave(ud);
}

void llmobs__recycler_init(llmobs__recycler *r, size_t cap)
{
    atomic_init(&r->busy, false);
    r->head = NULL;
    r->bytes = 0;
    r->cap = cap;
    llmobs__atfork_add(&r->fork, LLMOBS__FORK_RANK_RECYCLER, fork_lock, fork_unlock, r);
}

void *llmobs__recycler_take(llmobs__recycler *r)
{
    if (!r->cap || !try_enter(r)) return NULL;
    void *block = r->head;
    if (block) {
        kept k;
        memcpy(&k, block, sizeof k);
        r->head = k.next;
        r->bytes -= k.size;
        /* The next take reads that block's first words, and its taker writes the block: a
         * block mostly comes back from another thread's core, so start fetching it now. */
        if (k.next) __builtin_prefetch(k.next, 1);
    }
    leave(r);
    return block;
}

bool llmobs__recycler_give(llmobs__recycler *r, void *block, size_t size)
{
    if (size > r->cap || !try_enter(r)) return false;
    bool keep = size <= r->cap - r->bytes;
    if (keep) {
        kept k = {r->head, size};
        memcpy(block, &k, sizeof k);
        r->head = block;
        r->bytes += size;
    }
    leave(r);
    return keep;
}

void llmobs__recycler_destroy(llmobs__recycler *r, void (*release)(void *block))
{
    llmobs__atfork_remove(&r->fork);
    while (r->head) {
        void *block = r->head;
        kept k;
        memcpy(&k, block, sizeof k);
        r->head = k.next;
        release(block);
    }
    r->bytes = 0;
}
