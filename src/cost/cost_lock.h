/* Internal: the cost tracker's lock. Every traced generation takes it twice (pricer,
 * observer; a third time for its metric labels when a table is at its cardinality limit),
 * always for a few hundred instructions, and it is rarely contended; pthread_mutex_lock/unlock
 * cost ~50 instructions a pair where an uncontended compare-and-swap and exchange cost a few.
 * So: a three-state futex lock (Drepper, "Futexes Are Tricky", mutex 2): 0 free, 1 held, 2
 * held with (possibly) waiters. Waiters sleep in the kernel, never spin for long. Not
 * recursive. Fork: the tracker's atfork handler holds it across fork() and the child
 * re-initialises it (llmobs__cost_lock_init), as only the forking thread survives there.
 * Elsewhere than Linux it falls back to a pthread mutex. */
#ifndef LLMOBS_COST_COST_LOCK_H
#define LLMOBS_COST_COST_LOCK_H

#if defined(__linux__)

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct llmobs__cost_lock {
    _Atomic int state;
} llmobs__cost_lock;

static inline void llmobs__cost_lock_init(llmobs__cost_lock *l)
{
    atomic_store_explicit(&l->state, 0, memory_order_relaxed);
}

static inline void llmobs__cost_lock_destroy(llmobs__cost_lock *l)
{
    (void)l;
}

/* In a forked child, where the lock is held by the forking thread (the atfork handler took
 * it) and no other thread exists: free again. */
static inline void llmobs__cost_lock_reset_child(llmobs__cost_lock *l)
{
    llmobs__cost_lock_init(l);
}

static inline void llmobs__cost_futex(llmobs__cost_lock *l, int op, int val)
{
    syscall(SYS_futex, &l->state, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static inline void llmobs__cost_lock_slow(llmobs__cost_lock *l, int c)
{
    /* Mark the lock contended (2) and sleep until it is released; whoever takes it on the
     * way out keeps it marked 2, so its unlock wakes the next waiter. */
    if (c != 2) c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    while (c != 0) {
        llmobs__cost_futex(l, FUTEX_WAIT, 2);
        c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    }
}

static inline void llmobs__cost_lock_take(llmobs__cost_lock *l)
{
    int c = 0;
    if (!atomic_compare_exchange_strong_explicit(&l->state, &c, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        llmobs__cost_lock_slow(l, c);
}

static inline void llmobs__cost_lock_release(llmobs__cost_lock *l)
{
    if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
        llmobs__cost_futex(l, FUTEX_WAKE, 1);
}

#else /* not Linux: a plain mutex */

#include <pthread.h>

typedef struct llmobs__cost_lock {
    pthread_mutex_t mu;
} llmobs__cost_lock;

static inline void llmobs__cost_lock_init(llmobs__cost_lock *l)
{
    pthread_mutex_init(&l->mu, NULL);
}

static inline void llmobs__cost_lock_destroy(llmobs__cost_lock *l)
{
    pthread_mutex_destroy(&l->mu);
}

static inline void llmobs__cost_lock_take(llmobs__cost_lock *l)
{
    pthread_mutex_lock(&l->mu);
}

static inline void llmobs__cost_lock_release(llmobs__cost_lock *l)
{
    pthread_mutex_unlock(&l->mu);
}

static inline void llmobs__cost_lock_reset_child(llmobs__cost_lock *l)
{
    pthread_mutex_unlock(&l->mu); /* the forking thread holds it: what the child had */
}

#endif
#endif
