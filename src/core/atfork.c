/* The process-wide list of fork-protected locks (see atfork.h). The list is the one piece of
 * global state here; its mutex is held from the prepare handler until the parent's or child's
 * handler has released every entry, so an entry cannot be removed (and freed) half-way. */
#include "core/atfork.h"

#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static llmobs__atfork *head, *tail;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void prepare(void)
{
    pthread_mutex_lock(&list_mu);
    for (llmobs__atfork *e = head; e; e = e->next)
        e->lock(e->ud);
}

static void release(bool child)
{
    for (llmobs__atfork *e = tail; e; e = e->prev)
        e->unlock(e->ud, child);
    pthread_mutex_unlock(&list_mu);
}

static void parent(void)
{
    release(false);
}

static void child(void)
{
    release(true);
}

static void register_handler(void)
{
    pthread_atfork(prepare, parent, child);
}

void llmobs__atfork_add(llmobs__atfork *e, int rank, void (*lock)(void *),
                        void (*unlock)(void *, bool), void *ud)
{
    if (!e || !lock || !unlock) return;
    pthread_once(&handler_once, register_handler);
    e->rank = rank;
    e->lock = lock;
    e->unlock = unlock;
    e->ud = ud;
    pthread_mutex_lock(&list_mu);
    /* Insert after the last entry of a rank <= ours: equal ranks keep insertion order. */
    llmobs__atfork *after = tail;
    while (after && after->rank > rank)
        after = after->prev;
    e->prev = after;
    e->next = after ? after->next : head;
    if (e->next)
        e->next->prev = e;
    else
        tail = e;
    if (after)
        after->next = e;
    else
        head = e;
    e->linked = true;
    pthread_mutex_unlock(&list_mu);
}

void llmobs__atfork_remove(llmobs__atfork *e)
{
    if (!e) return;
    pthread_mutex_lock(&list_mu);
    if (e->linked) {
        if (e->prev)
            e->prev->next = e->next;
        else
            head = e->next;
        if (e->next)
            e->next->prev = e->prev;
        else
            tail = e->prev;
        e->prev = e->next = NULL;
        e->linked = false;
    }
    pthread_mutex_unlock(&list_mu);
}
