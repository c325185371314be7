/* Internal: one fork() handler for every library lock outside the export pipeline.
 *
 * A child of fork() gets a copy of every mutex as it was at the fork: one that another thread
 * held stays locked forever, and the data it guarded may be half-updated. POSIX's remedy is to
 * take every such lock before fork() and release it on both sides afterwards. Each object that
 * owns locks embeds an llmobs__atfork entry and adds it here; one pthread_atfork handler walks
 * the entries in rank order before fork() (each entry's `lock` takes its locks) and releases
 * them in reverse order in the parent and the child (`unlock`, with `child` true in the child,
 * where the entry may also repair state that threads which do not exist there left behind).
 *
 * Ranks are the library's lock order: a lock may be taken while holding one of a lower rank,
 * never the other way round, so the prepare walk cannot deadlock against a thread that is
 * inside the library. Entries of the same rank never nest with each other.
 *
 * Entries are added and removed with no library lock held (the list's own mutex is taken
 * outermost, also by the handler). The export pipeline keeps its own handler (pipeline.c); no
 * pipeline lock nests with the locks here in either direction. */
#ifndef LLMOBS_CORE_ATFORK_H
#define LLMOBS_CORE_ATFORK_H

#include <stdbool.h>

enum {
    /* llmobs_registry.collectors_lock: held while scrape-time collectors run, which take the
     * evaluator's and the cost tracker's locks and then the registry's other locks. */
    LLMOBS__FORK_RANK_COLLECTORS = 10,
    /* llmobs_evaluator.mu: records eval metrics (registry locks) while held. */
    LLMOBS__FORK_RANK_EVALUATOR = 20,
    /* llmobs_cost_tracker.mu: a leaf; hooks and alerts run after it is released. */
    LLMOBS__FORK_RANK_COST = 30,
    /* llmobs_registry.llm_lock, .lock and every family's lock, in that order. */
    LLMOBS__FORK_RANK_REGISTRY = 40,
    /* llmobs__recycler.busy (core/recycle.h): innermost; nothing is taken while it is held. */
    LLMOBS__FORK_RANK_RECYCLER = 50,
};

typedef struct llmobs__atfork {
    int rank;
    void (*lock)(void *ud);
    void (*unlock)(void *ud, bool child);
    void *ud;
    struct llmobs__atfork *prev, *next; /* owned by atfork.c */
    bool linked;
} llmobs__atfork;

/* Fills `e` and adds it to the process-wide list (kept sorted by rank). `e` must stay valid
 * until llmobs__atfork_remove; it is usually a member of the object whose locks it takes. */
void llmobs__atfork_add(llmobs__atfork *e, int rank, void (*lock)(void *ud),
                        void (*unlock)(void *ud, bool child), void *ud);
/* Removes `e` (a no-op when it was never added). After it returns no fork handler runs `e`, so
 * the object may destroy its locks and be freed. */
void llmobs__atfork_remove(llmobs__atfork *e);

#endif
