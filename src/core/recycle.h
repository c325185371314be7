/* Internal: a bounded stack of free blocks of one kind, shared by threads, that never blocks.
 *
 * A span is built on the caller's thread and freed on the flusher's after export. Handed back
 * to malloc, it lands in the flusher's per-thread cache, which the caller never sees again: the
 * caller's next span then costs a full trip through the allocator's arenas (about a quarter of
 * a traced call's instructions went there). Kept here instead, the next llmobs__recycler_take
 * on any thread gets it back for a few instructions, with whatever the owner chose to keep in
 * it (a span keeps its string arena, see trace/span.h).
 *
 * The stack is guarded by a flag that is only ever tried, never waited for: a thread that finds
 * it busy (another thread is pushing or popping, a few instructions) falls back to malloc or
 * free, so no caller blocks and no fork() child can deadlock on it. A fork handler (core
 * atfork.h, the innermost rank) holds the flag across fork() so the child's copy of the stack
 * is whole. */
#ifndef LLMOBS_CORE_RECYCLE_H
#define LLMOBS_CORE_RECYCLE_H

#include "core/atfork.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct llmobs__recycler {
    atomic_bool busy;
    void *head;   /* free blocks: a link and the block's size in their first two words */
    size_t bytes; /* the kept blocks' sizes, at most cap */
    size_t cap;
    llmobs__atfork fork;
} llmobs__recycler;

/* Starts empty, keeping at most `cap` bytes of blocks (0: keeps none). */
void llmobs__recycler_init(llmobs__recycler *r, size_t cap);
/* A kept block (its first two words overwritten, the rest as given back), or NULL: empty or
 * busy. */
void *llmobs__recycler_take(llmobs__recycler *r);
/* Keeps `block` of `size` bytes (at least two pointers' worth: the memory it holds, which the
 * cap counts); false when that would pass the cap, or busy: the caller frees it then. */
bool llmobs__recycler_give(llmobs__recycler *r, void *block, size_t size);
/* Passes every kept block to `release` and leaves the stack empty and out of the fork list.
 * No other thread may use `r` any more. */
void llmobs__recycler_destroy(llmobs__recycler *r, void (*release)(void *block));

#endif
