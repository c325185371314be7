/* The delivery pipeline: a bounded FIFO filled by caller threads and drained by one flusher
 * thread, which batches, serializes, exports, retries, splits and counts every outcome.
 *
 * Accounting: every span handed to llmobs__pipeline_enqueue is counted once in `items` and
 * ends in exactly one of `exported`, `dropped[reason]` or `spooled` (written to the disk
 * spool, see spool.c); the flusher settles batches in FIFO order, so `settled` is a prefix
 * count that flush() can wait on. */
#include "export/pipeline.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ids.h"
#include "export/otlp_json.h"
#include "export/spool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
#define BACKOFF_BASE_NS (200 * NS_PER_MS)
#define BACKOFF_CAP_NS (30 * NS_PER_S)
#define SPOOL_RETRY_NS (30 * NS_PER_S)  /* resend attempts while the backend stays down */
#define SPOOL_RESERVE_NS (5 * NS_PER_S) /* most of a shutdown window kept for spool writes */
#define IDLE_TICK_NS NS_PER_S           /* the shortest sleep of an idle flusher */
#define RING_MIN_SLOTS 64               /* the queue's ring when it is short (power of two) */

/* A queue entry. It keeps the item's bytes so that the flusher takes a batch off the queue
 * without reading the items: the caller's core wrote them last, and a list linking them made
 * the flusher fetch them one after the other, holding mu. */
typedef struct queue_entry {
    llmobs__item *item;
    size_t bytes;
} queue_entry;

struct llmobs__pipeline {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;    /* wakes the flusher */
    bool flusher_waits;        /* the flusher is in a wait on work_cv, not yet woken (mu) */
    int64_t flusher_wakes_at;  /* mono ns when that wait times out (INT64_MAX: never) */
    pthread_cond_t settled_cv; /* wakes flush() callers */
    /* The queue, oldest first: queue_items entries from ring[ring_first] on, of ring_cap
     * slots (a power of two, grown as the queue grows, back to RING_MIN_SLOTS when it
     * empties). */
    queue_entry *ring;
    size_t ring_cap, ring_first;
    /* Written under mu; atomic so that llmobs__pipeline_queue_length() reads it without mu
     * (the metrics collector, at scrape time, must take no pipeline lock). */
    _Atomic size_t queue_items;
    size_t queue_bytes;
    size_t in_flight_bytes; /* of the items taken off the queue and not yet settled */
    uint64_t appended;      /* spans ever appended to the queue */
    uint64_t taken;         /* spans the flusher took off the queue */
    uint64_t settled;       /* of the appended spans, how many are exported or dropped */
    uint64_t flush_target;  /* send now everything appended up to this count */
    bool stopping;
    int64_t stop_deadline; /* monotonic ns; valid when stopping */
    /* When stopping with a spool, sending ends here, before stop_deadline: the rest of the
     * window is kept for writing the backlog to the spool (see llmobs__pipeline_stop). */
    int64_t send_until;
    pthread_t thread;

    size_t flush_at, max_items, max_bytes, max_batch_items, max_batch_bytes;
    llmobs__item **batch; /* flusher-owned arrays of max_batch_items slots */
    llmobs__item **scratch;
    /* Flusher-only: the request bodies export_packed fills, kept between batches while the
     * queue is busy (no realloc from 256 bytes up for every request), freed when it empties. */
    llmobs__buf bodies[2];
    int64_t interval_ns, retry_deadline_ns;
    int64_t max_retries;
    llmobs__exporter *exporter;
    llmobs__serializer ser;
    llmobs__logger log;
    llmobs__pipeline_hooks hooks;

    atomic_uint_fast64_t items, exported, retries, batches, spooled, truncated, invalid_json;
    atomic_uint_fast64_t dropped[LLMOBS_DROP_REASON_COUNT];
    uint64_t payloads; /* flusher-only: ids of the payloads it builds */

    const llmobs_options *opts; /* the client's; to rebuild the exporter after fork */
    bool restart;               /* forked child: start a fresh flusher on next use */
    bool restarting;            /* restart_after_fork is building the exporter (mu released) */
    /* The spool (NULL: off) and flusher-thread state for it: when to look for files to
     * resend next (mono ns, INT64_MAX: not until something is spooled), and whether every
     * undeliverable payload goes straight to disk (the backlog at exit). */
    llmobs__spool *spool;
    int64_t spool_check_at;
    unsigned spool_pause_calls;
    bool spool_only;
    /* Flusher-only: a payload was spooled at the high-water mark (see past_high_water) and no
     * request has succeeded since: the backend is down, so the next payloads get one attempt
     * each, not a retry, before they are spooled at the mark. */
    bool outage;
    struct llmobs__pipeline *fork_prev, *fork_next; /* the fork registry */
    /* Flusher-only: when each destination's export failure was last logged loudly. */
    struct {
        char dest[32];
        int64_t at; /* mono ns */
    } failure_logged[4];
};

static const char *const drop_names[LLMOBS_DROP_REASON_COUNT] = {
    "queue_full", "sampled_out", "disabled", "rejected",   "retries_exhausted",
    "shutdown",   "too_large",   "invalid",  "spool_full",
};

const char *llmobs_drop_reason_name(llmobs_drop_reason reason)
{
    return (unsigned)reason < LLMOBS_DROP_REASON_COUNT ? drop_names[reason] : "unknown";
}

static void count_drop(llmobs__pipeline *p, llmobs_drop_reason reason, uint64_t n)
{
    if (!n) return;
    atomic_fetch_add_explicit(&p->dropped[reason], n, memory_order_relaxed);
}

/* ---- the queue ------------------------------------------------------------------------------ */

/* Room in the ring for one more entry after the `queued` it holds, growing it when full (p->mu
 * held); false when out of memory (the item is then dropped as queue_full: the queue could not
 * take it). */
static bool ring_room(llmobs__pipeline *p, size_t queued)
{
    if (queued < p->ring_cap) return true;
    size_t cap = p->ring_cap ? p->ring_cap * 2 : RING_MIN_SLOTS;
    queue_entry *r = cap <= SIZE_MAX / sizeof *r ? malloc(cap * sizeof *r) : NULL;
    if (!r) return false;
    for (size_t i = 0; i < queued; i++) /* unwrapped, oldest first */
        r[i] = p->ring[(p->ring_first + i) & (p->ring_cap - 1)];
    free(p->ring);
    p->ring = r;
    p->ring_cap = cap;
    p->ring_first = 0;
    return true;
}

/* An empty queue's ring (p->mu held); the next enqueue allocates a small one. */
static void free_ring(llmobs__pipeline *p)
{
    free(p->ring);
    p->ring = NULL;
    p->ring_cap = p->ring_first = 0;
}

/* Frees every queued item and empties the queue (p->mu held, or the only thread); returns how
 * many there were. */
static uint64_t free_queue(llmobs__pipeline *p)
{
    size_t n = p->queue_items;
    for (size_t i = 0; i < n; i++)
        llmobs__item_free(p->ring[(p->ring_first + i) & (p->ring_cap - 1)].item);
    p->queue_items = p->queue_bytes = 0;
    p->ring_first = 0;
    return n;
}

/* ---- fork ------------------------------------------------------------------------------
 * A child of fork() has no flusher thread, may hold copies of locked mutexes and shares the
 * parent's connections. The process-wide registry below (the one piece of global state here,
 * guarded by its own mutex) lets pthread_atfork handlers lock every pipeline across fork, so
 * the child's copy is consistent; the child then discards the parent's queued items (the
 * parent still sends them: no double delivery), zeroes its counters, and starts a fresh
 * flusher with a fresh exporter on first use. The parent's exporter and in-flight batch are
 * abandoned in the child, never cleaned up there (that would close the parent's connections). */

static pthread_mutex_t fork_mu = PTHREAD_MUTEX_INITIALIZER;
static llmobs__pipeline *fork_list;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
    pthread_mutex_lock(&fork_mu);
    for (llmobs__pipeline *p = fork_list; p; p = p->fork_next) {
        pthread_mutex_lock(&p->mu);
        llmobs__spool_atfork_prepare(p->spool);
    }
}

static void fork_parent(void)
{
    for (llmobs__pipeline *p = fork_list; p; p = p->fork_next) {
        llmobs__spool_atfork_parent(p->spool);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&fork_mu);
}

static void fork_child(void)
{
    for (llmobs__pipeline *p = fork_list; p; p = p->fork_next) {
        pthread_mutex_init(&p->mu, NULL);
        llmobs__cond_init_monotonic(&p->work_cv);
        llmobs__cond_init_monotonic(&p->settled_cv);
        free_queue(p);
        p->in_flight_bytes = 0;
        p->appended = p->taken = p->settled = p->flush_target = 0;
        atomic_store(&p->items, 0);
        atomic_store(&p->exported, 0);
        atomic_store(&p->retries, 0);
        atomic_store(&p->batches, 0);
        for (int r = 0; r < LLMOBS_DROP_REASON_COUNT; r++)
            atomic_store(&p->dropped[r], 0);
        atomic_store(&p->spooled, 0);
        atomic_store(&p->truncated, 0);
        atomic_store(&p->invalid_json, 0);
        llmobs__spool_atfork_child(p->spool);
        p->spool_check_at = p->spool ? 0 : INT64_MAX; /* the child looks at the spool too */
        p->spool_only = false;
        p->outage = false;
        /* the parent flusher's buffers: abandoned, like its exporter */
        memset(p->bodies, 0, sizeof p->bodies);
        p->exporter = NULL;
        p->restart = !p->stopping;
        p->restarting = false;
        p->flusher_waits = false; /* no flusher here until the restart */
    }
    pthread_mutex_init(&fork_mu, NULL);
}

static void fork_register_handlers(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static void fork_register(llmobs__pipeline *p)
{
    pthread_once(&fork_once, fork_register_handlers);
    pthread_mutex_lock(&fork_mu);
    p->fork_next = fork_list;
    if (fork_list) fork_list->fork_prev = p;
    fork_list = p;
    pthread_mutex_unlock(&fork_mu);
}

static void fork_unregister(llmobs__pipeline *p)
{
    pthread_mutex_lock(&fork_mu);
    if (p->fork_prev)
        p->fork_prev->fork_next = p->fork_next;
    else
        fork_list = p->fork_next;
    if (p->fork_next) p->fork_next->fork_prev = p->fork_prev;
    pthread_mutex_unlock(&fork_mu);
}

static void *flusher_main(void *arg);

/* In a forked child, on first use (called and returning with p->mu held): a new exporter and
 * flusher thread. The exporter's constructor logs, maybe through the user's callback, which
 * must not run under p->mu (a callback reading a counter would deadlock): it is built with
 * the lock released. Meanwhile other threads queue items as usual (the flusher starts after)
 * and llmobs__pipeline_stop waits. If it fails the pipeline stays stopped and every item,
 * those queued meanwhile too, is dropped with reason "shutdown". */
static void restart_after_fork(llmobs__pipeline *p)
{
    p->restart = false;
    p->restarting = true;
    pthread_mutex_unlock(&p->mu);
    llmobs_status st;
    llmobs__exporter *e = llmobs__exporter_from_options(p->opts, &p->log, &st);
    pthread_mutex_lock(&p->mu);
    p->restarting = false;
    pthread_cond_broadcast(&p->settled_cv); /* a stop waiting for the restart */
    p->exporter = e;
    if (e && pthread_create(&p->thread, NULL, flusher_main, p) == 0) return;
    p->exporter = NULL;
    p->stopping = true;
    p->stop_deadline = p->send_until = 0;
    uint64_t left = free_queue(p);
    p->settled += left;
    pthread_cond_broadcast(&p->settled_cv);
    pthread_mutex_unlock(&p->mu);
    llmobs__exporter_free(e);
    count_drop(p, LLMOBS_DROP_SHUTDOWN, left);
    pthread_mutex_lock(&p->mu);
}

void llmobs__pipeline_count_dropped(llmobs__pipeline *p, llmobs_drop_reason reason, uint64_t n)
{
    atomic_fetch_add(&p->items, n);
    count_drop(p, reason, n);
}

/* With a spool, past this mark (half of max_queue_items queued, or half of max_queue_bytes held)
 * a payload whose retry failed is spooled at once instead of waiting out its backoff: during an
 * outage the queue would otherwise fill while the flusher sleeps and drop what follows as
 * queue_full (p->mu held). */
static bool past_high_water(const llmobs__pipeline *p)
{
    return p->queue_items >= p->max_items / 2 ||
           p->queue_bytes + p->in_flight_bytes >= p->max_bytes / 2;
}

bool llmobs__pipeline_enqueue(llmobs__pipeline *p, llmobs__item *s)
{
    atomic_fetch_add(&p->items, 1);
    s->bytes = s->ops->size(s);
    /* Read on the caller's thread for every item; it times the flush interval and the retry
     * deadline (seconds), so the last tick's time will do. */
    s->enqueued_mono_ns = llmobs__mono_coarse_ns();
    pthread_mutex_lock(&p->mu);
    if (p->restart) restart_after_fork(p);
    /* The byte bound covers the queue and the batch the flusher holds (in_flight_bytes):
     * both are memory this pipeline keeps. An item larger than the whole bound could never
     * fit: too_large, not queue_full. */
    /* queue_items is written under mu only (relaxed loads read it without) */
    size_t queued = atomic_load_explicit(&p->queue_items, memory_order_relaxed);
    if (p->stopping || s->bytes > p->max_bytes || queued >= p->max_items ||
        p->queue_bytes + p->in_flight_bytes + s->bytes > p->max_bytes || !ring_room(p, queued)) {
        llmobs_drop_reason why = p->stopping               ? LLMOBS_DROP_SHUTDOWN
                                 : s->bytes > p->max_bytes ? LLMOBS_DROP_TOO_LARGE
                                                           : LLMOBS_DROP_QUEUE_FULL;
        pthread_mutex_unlock(&p->mu);
        count_drop(p, why, 1);
        llmobs__item_free(s);
        return false;
    }
    p->ring[(p->ring_first + queued) & (p->ring_cap - 1)] = (queue_entry){s, s->bytes};
    atomic_store_explicit(&p->queue_items, queued + 1, memory_order_relaxed);
    p->queue_bytes += s->bytes;
    p->appended++;
    /* Wake a waiting flusher only when it has to act before its wait times out: a full batch,
     * an item due before then (the idle flusher ticks every interval, so with the default
     * interval the first item of a quiet spell wakes nobody), the spool's high-water mark. A
     * flusher that is not waiting looks at the queue again before it does; so does one already
     * woken, which the enqueues until it runs need not wake again. */
    if (p->flusher_waits &&
        (queued + 1 >= p->flush_at ||
         llmobs__add_ns(s->enqueued_mono_ns, p->interval_ns) < p->flusher_wakes_at ||
         (p->spool && past_high_water(p)))) {
        pthread_cond_signal(&p->work_cv);
        p->flusher_waits = false;
    }
    pthread_mutex_unlock(&p->mu);
    return true;
}

size_t llmobs__pipeline_queue_length(llmobs__pipeline *p)
{
    return atomic_load_explicit(&p->queue_items, memory_order_relaxed);
}

/* ---- exporting one batch ------------------------------------------------------------------ */

static void free_items(llmobs__item **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        llmobs__item_free(items[i]);
}

typedef enum backoff_end {
    BACKOFF_DONE = 0,   /* the delay passed */
    BACKOFF_SHUTDOWN,   /* the shutdown deadline falls before its end (caller gives up) */
    BACKOFF_HIGH_WATER, /* with a spool, the queue went past its high-water mark */
} backoff_end;

/* Sleeps for a backoff on the work condition so shutdown, and with a spool the queue passing
 * its high-water mark, can cut it short. */
static backoff_end backoff_wait(llmobs__pipeline *p, int64_t delay_ns)
{
    int64_t until = llmobs__add_ns(llmobs__mono_ns(), delay_ns);
    pthread_mutex_lock(&p->mu);
    backoff_end ok = BACKOFF_DONE;
    for (;;) {
        if (p->stopping && until > p->send_until) {
            ok = BACKOFF_SHUTDOWN;
            break;
        }
        if (p->spool && past_high_water(p)) {
            ok = BACKOFF_HIGH_WATER;
            break;
        }
        if (llmobs__mono_ns() >= until) break;
        struct timespec ts = llmobs__mono_deadline(until);
        p->flusher_waits = true;
        p->flusher_wakes_at = until;
        pthread_cond_timedwait(&p->work_cv, &p->mu, &ts);
        p->flusher_waits = false;
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

static bool high_water(llmobs__pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    bool past = past_high_water(p);
    pthread_mutex_unlock(&p->mu);
    return past;
}

static int64_t send_deadline(llmobs__pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    int64_t d = p->stopping ? p->send_until : INT64_MAX;
    pthread_mutex_unlock(&p->mu);
    return d;
}

static const char *kind_name(const llmobs__payload *pl)
{
    return pl->kind == LLMOBS__ITEM_SCORE ? "scores" : "spans";
}

/* ---- the spool -------------------------------------------------------------------------  */

/* A payload that cannot be delivered now: spooled when a spool is configured (and it fits),
 * else dropped with `reason`. `dests`: the destinations that still need it (0: all), so a
 * destination that already accepted it never gets it again from the spool. */
static void settle_undeliverable(llmobs__pipeline *p, const llmobs__payload *pl,
                                 llmobs_drop_reason reason, uint8_t dests)
{
    if (!p->spool) {
        count_drop(p, reason, pl->items);
        return;
    }
    llmobs__payload spooled = *pl;
    spooled.dests = dests;
    if (!llmobs__spool_write(p->spool, &spooled)) {
        count_drop(p, LLMOBS_DROP_SPOOL_FULL, pl->items);
        return;
    }
    atomic_fetch_add(&p->spooled, pl->items);
    /* The backend just failed: the spool (older files too, a pass in progress) waits for it to
     * answer again (a live batch accepted) or SPOOL_RETRY_NS. */
    p->spool_check_at = llmobs__add_ns(llmobs__mono_ns(), SPOOL_RETRY_NS);
}

static bool batch_due(const llmobs__pipeline *p, int64_t now);

/* Asked by the spool before each file: let live batches go first (after at least one file per
 * round, so a busy queue cannot starve the spool). */
static bool spool_pause(void *ud)
{
    llmobs__pipeline *p = ud;
    if (p->spool_pause_calls++ == 0) return false;
    pthread_mutex_lock(&p->mu);
    bool busy = p->stopping || batch_due(p, llmobs__mono_ns());
    pthread_mutex_unlock(&p->mu);
    return busy;
}

static void resend_spool(llmobs__pipeline *p)
{
    p->spool_pause_calls = 0;
    switch (llmobs__spool_resend(p->spool, p->exporter, send_deadline(p), spool_pause, p)) {
    case LLMOBS__SPOOL_EMPTY:
        p->spool_check_at = INT64_MAX;
        break;
    case LLMOBS__SPOOL_DOWN:
    case LLMOBS__SPOOL_HELD: /* files other processes were sending: look at them again later */
        p->spool_check_at = llmobs__add_ns(llmobs__mono_ns(), SPOOL_RETRY_NS);
        break;
    case LLMOBS__SPOOL_PAUSED:
        p->spool_check_at = 0;
        break;
    }
}

static void forward_spool_event(void *ud, llmobs__spool_event ev, uint64_t n)
{
    llmobs__pipeline *p = ud;
    if (p->hooks.on_spool) p->hooks.on_spool(p->hooks.ud, ev, n);
}

#define FAILURE_LOG_INTERVAL_NS (60 * NS_PER_S)

/* Whether an export failure (`message` starts with the destination: "langfuse: ...") is logged
 * at the default level: its destination's first failure, then at most once a minute; the rest
 * go to the debug log. */
static llmobs_log_level failure_level(llmobs__pipeline *p, const char *message, bool error)
{
    size_t n = strcspn(message, ":");
    char dest[32];
    snprintf(dest, sizeof dest, "%.*s", (int)(n < sizeof dest ? n : sizeof dest - 1), message);
    int64_t now = llmobs__mono_ns();
    size_t slots = sizeof p->failure_logged / sizeof *p->failure_logged, oldest = 0;
    for (size_t i = 0; i < slots; i++) {
        if (p->failure_logged[i].at && strcmp(p->failure_logged[i].dest, dest) == 0) {
            if (now - p->failure_logged[i].at < FAILURE_LOG_INTERVAL_NS) return LLMOBS_LOG_DEBUG;
            p->failure_logged[i].at = now;
            return error ? LLMOBS_LOG_ERROR : LLMOBS_LOG_WARN;
        }
        if (p->failure_logged[i].at < p->failure_logged[oldest].at) oldest = i;
    }
    memcpy(p->failure_logged[oldest].dest, dest, sizeof dest);
    p->failure_logged[oldest].at = now;
    return error ? LLMOBS_LOG_ERROR : LLMOBS_LOG_WARN;
}

/* Gives up on a payload whose last attempt `r` failed transiently: the items the exporter
 * reports as already accepted or refused (r->item_state) are counted as such, the others are
 * undeliverable (spooled, or dropped with `reason`). `spans`: the payload's spans (NULL for a
 * score), so that only the undelivered ones are spooled. */
static void give_up(llmobs__pipeline *p, const llmobs__payload *pl, const llmobs__export_result *r,
                    llmobs__span *const *spans, llmobs_drop_reason reason, int64_t started,
                    uint32_t retries)
{
    uint32_t n = pl->items, accepted = 0, refused = 0;
    for (uint32_t i = 0; r->item_state && i < n; i++) {
        if (r->item_state[i] == LLMOBS__ITEM_ACCEPTED) accepted++;
        if (r->item_state[i] == LLMOBS__ITEM_REFUSED) refused++;
    }
    if (!accepted && !refused) {
        settle_undeliverable(p, pl, reason, r->pending_dests);
        return;
    }
    uint32_t rest = n - accepted - refused;
    llmobs__log(&p->log, LLMOBS_LOG_WARN,
                "%s: of those %u %s, %u had been accepted and %u refused; %u undelivered",
                p->exporter->name, n, kind_name(pl), accepted, refused, rest);
    atomic_fetch_add(&p->exported, accepted);
    count_drop(p, LLMOBS_DROP_REJECTED, refused);
    if (accepted && p->hooks.on_export)
        p->hooks.on_export(p->hooks.ud, accepted, (double)(llmobs__mono_ns() - started) / 1e9,
                           retries);
    if (!rest) return;
    llmobs__span **left = p->spool && spans ? malloc(rest * sizeof(llmobs__span *)) : NULL;
    if (!left) {
        count_drop(p, reason, rest);
        return;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (r->item_state[i] == LLMOBS__ITEM_UNSETTLED) left[k++] = spans[i];
    llmobs__buf body = {0};
    llmobs__otlp_serialize(&p->ser, left, k, &body);
    free(left);
    if (body.oom) {
        count_drop(p, reason, rest);
    } else {
        llmobs__payload sub = {body.data, body.len, pl->content_type, k, pl->kind, ++p->payloads,
                               false,     0};
        settle_undeliverable(p, &sub, reason, r->pending_dests);
    }
    llmobs__buf_free(&body);
}

/* Sends one payload under the retry policy and counts every item in it as exported, dropped
 * or spooled. Returns false, counting nothing, when the receiver wants a smaller payload and
 * the payload can shrink (several items: split; one item not yet truncated: truncate).
 * `spans`: the payload's spans, NULL for a score. */
static bool send_with_retries(llmobs__pipeline *p, const llmobs__payload *pl,
                              llmobs__span *const *spans, int64_t oldest_enqueued, bool can_shrink)
{
    uint32_t n = pl->items;
    int64_t give_up_at = llmobs__add_ns(oldest_enqueued, p->retry_deadline_ns);
    int64_t started = llmobs__mono_ns();
    uint32_t retries = 0;
    if (p->spool_only) {
        settle_undeliverable(p, pl, LLMOBS_DROP_SHUTDOWN, 0);
        return true;
    }
    for (int64_t attempt = 0;; attempt++) {
        llmobs__export_result r = {.retry_after_ms = -1};
        p->exporter->send(p->exporter->self, pl, send_deadline(p), &r);
        if (r.outcome == LLMOBS__SENT) {
            uint32_t rejected = r.rejected > n ? n : r.rejected;
            if (rejected)
                llmobs__log(&p->log, LLMOBS_LOG_WARN, "%s: receiver rejected %u of %u %s: %s",
                            p->exporter->name, rejected, n, kind_name(pl), r.message);
            atomic_fetch_add(&p->exported, n - rejected);
            atomic_fetch_add(&p->batches, 1);
            count_drop(p, LLMOBS_DROP_REJECTED, rejected);
            /* The backend answers again: files spooled while it was down can go now. */
            if (p->spool && p->spool_check_at != INT64_MAX) p->spool_check_at = 0;
            p->outage = false;
            if (p->hooks.on_export)
                p->hooks.on_export(p->hooks.ud, n - rejected,
                                   (double)(llmobs__mono_ns() - started) / 1e9, retries);
            return true;
        }
        if (p->hooks.on_attempt_failed) p->hooks.on_attempt_failed(p->hooks.ud);
        if (r.outcome == LLMOBS__TOO_LARGE && (n > 1 || can_shrink)) return false;
        if (r.outcome != LLMOBS__RETRY) {
            llmobs__log(&p->log, failure_level(p, r.message, true),
                        "%s: %u %s rejected (status %ld): %s", p->exporter->name, n, kind_name(pl),
                        r.http_status, r.message);
            count_drop(
                p, r.outcome == LLMOBS__TOO_LARGE ? LLMOBS_DROP_TOO_LARGE : LLMOBS_DROP_REJECTED,
                n);
            return true;
        }
        /* Exponential backoff with full jitter, or the server's Retry-After. */
        int64_t cap = BACKOFF_BASE_NS << (attempt < 20 ? attempt : 20);
        if (cap > BACKOFF_CAP_NS) cap = BACKOFF_CAP_NS;
        /* Saturating: a Retry-After of years is "later than the retry deadline", so the
         * payload is given up on (spooled) now, not retried at once after a wrap-around. */
        int64_t delay = r.retry_after_ms >= 0 ? llmobs__ms_to_ns(r.retry_after_ms)
                                              : (int64_t)(llmobs__random_unit() * (double)cap);
        if (p->spool && (attempt >= 1 || p->outage) && high_water(p)) {
            /* An outage with the queue filling up: to disk now rather than drop what
             * arrives while this payload waits (docs/reliability.md). */
            llmobs__log(&p->log, failure_level(p, r.message, true),
                        "%s: %u %s spooled after %lld attempts, the queue being past its "
                        "high-water mark: %s",
                        p->exporter->name, n, kind_name(pl), (long long)attempt + 1, r.message);
            p->outage = true;
            give_up(p, pl, &r, spans, LLMOBS_DROP_RETRIES_EXHAUSTED, started, retries);
            return true;
        }
        if (attempt >= p->max_retries || llmobs__add_ns(llmobs__mono_ns(), delay) > give_up_at) {
            llmobs__log(&p->log, LLMOBS_LOG_ERROR, "%s: giving up on %u %s after %lld attempts: %s",
                        p->exporter->name, n, kind_name(pl), (long long)attempt + 1, r.message);
            give_up(p, pl, &r, spans, LLMOBS_DROP_RETRIES_EXHAUSTED, started, retries);
            return true;
        }
        llmobs__log(&p->log, failure_level(p, r.message, false),
                    "%s: retrying %u %s in %lld ms (for up to %lld s): %s", p->exporter->name, n,
                    kind_name(pl), (long long)(delay / NS_PER_MS),
                    (long long)(p->retry_deadline_ns / NS_PER_S), r.message);
        backoff_end end = backoff_wait(p, delay);
        if (end == BACKOFF_SHUTDOWN) {
            give_up(p, pl, &r, spans, LLMOBS_DROP_SHUTDOWN, started, retries);
            return true;
        }
        atomic_fetch_add(&p->retries, 1);
        retries++;
    }
}

static void shrink(llmobs__pipeline *p, llmobs__span **spans, size_t n, size_t len);

static void charge_in_flight(llmobs__pipeline *p, size_t bytes, bool add)
{
    pthread_mutex_lock(&p->mu);
    if (add)
        p->in_flight_bytes += bytes;
    else
        p->in_flight_bytes -= bytes;
    pthread_mutex_unlock(&p->mu);
}

/* Delivers spans[0..n) as OTLP requests, halving on oversize, and settles each of them.
 * `part`: the spans are part of a payload the receiver found too large. The recursion is at
 * most log2(max_batch_items) + 2 calls deep.
 * NOLINTNEXTLINE(misc-no-recursion) */
static void export_spans(llmobs__pipeline *p, llmobs__span **spans, size_t n, bool part)
{
    if (n > 1) {
        /* A span whose data alone exceeds a request goes on its own, so the others are not
         * serialized again at every halving on the way down to it. */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (spans[i]->hdr.bytes > p->max_batch_bytes)
                export_spans(p, &spans[i], 1, part);
            else
                spans[kept++] = spans[i];
        }
        if (kept == 0) return;
        n = kept;
    }
    llmobs__buf body = {0};
    llmobs__otlp_serialize(&p->ser, spans, n, &body);
    charge_in_flight(p, body.cap, true); /* the body is memory held too, while it is sent */
    bool fits = !body.oom && body.len <= p->max_batch_bytes;
    bool settled = false;
    if (fits) {
        llmobs__payload pl = {
            body.data, body.len, "application/json", (uint32_t)n, LLMOBS__ITEM_SPAN, ++p->payloads,
            part,      0};
        settled = send_with_retries(p, &pl, spans, spans[0]->hdr.enqueued_mono_ns,
                                    n == 1 && !spans[0]->truncated);
    } else if (n == 1 && (body.oom || spans[0]->truncated)) {
        if (body.oom)
            llmobs__log(&p->log, LLMOBS_LOG_ERROR, "out of memory serializing a span; dropped");
        else
            llmobs__log(&p->log, LLMOBS_LOG_WARN,
                        "a span of %zu bytes exceeds max_batch_bytes even truncated; dropped",
                        body.len);
        count_drop(p, body.oom ? LLMOBS_DROP_INVALID : LLMOBS_DROP_TOO_LARGE, 1);
        settled = true;
    }
    size_t len = body.len;
    charge_in_flight(p, body.cap, false);
    llmobs__buf_free(&body);
    if (settled) {
        free_items((llmobs__item **)spans, n);
        return;
    }
    shrink(p, spans, n, len);
}

/* Settles spans[0..n) that do not fit in one request (`len` bytes serialized) or that the
 * receiver found too large: halves, or truncates a single span.
 * NOLINTNEXTLINE(misc-no-recursion) */
static void shrink(llmobs__pipeline *p, llmobs__span **spans, size_t n, size_t len)
{
    if (n == 1) {
        /* Too large alone (here or for the receiver): like Langfuse's SDKs, send it with its
         * input, output and metadata replaced by a visible marker rather than not at all. */
        llmobs__span_truncate(spans[0]);
        atomic_fetch_add(&p->truncated, 1);
        llmobs__log(&p->log, LLMOBS_LOG_WARN,
                    "span '%s' of %zu bytes is too large; its input, "
                    "output and metadata are replaced by \"%s\"",
                    spans[0]->name, len, LLMOBS__TRUNCATED_MARKER);
        export_spans(p, spans, 1, true);
        return;
    }
    export_spans(p, spans, n / 2, true);
    export_spans(p, spans + n / 2, n - n / 2, true);
}

/* Sends the request in `body` (llmobs__otlp_begin and the spans[0..n), not yet closed; it fits
 * max_batch_bytes once closed) and settles its spans. `held`: the other buffer's capacity,
 * charged as memory in flight too. */
static void send_packed(llmobs__pipeline *p, llmobs__buf *body, llmobs__span **spans, size_t n,
                        size_t held)
{
    llmobs__otlp_end(body);
    if (body->oom) { /* not reached in practice: the caller checks oom before closing */
        export_spans(p, spans, n, false);
        return;
    }
    size_t charged = body->cap + held;
    charge_in_flight(p, charged, true);
    llmobs__payload pl = {
        body->data, body->len, "application/json", (uint32_t)n, LLMOBS__ITEM_SPAN, ++p->payloads,
        false,      0};
    bool settled = send_with_retries(p, &pl, spans, spans[0]->hdr.enqueued_mono_ns,
                                     n == 1 && !spans[0]->truncated);
    charge_in_flight(p, charged, false);
    if (settled)
        free_items((llmobs__item **)spans, n);
    else
        shrink(p, spans, n, body->len); /* the receiver wants smaller requests */
}

/* Delivers spans[0..n), taken off the queue in order, in as few requests as max_batch_bytes
 * allows. Each span is serialized once, straight into the request body (exact sizes, no
 * estimate); the request is closed before the span that would take it over the limit, and that
 * span's bytes move to the next request. A span too large for a request on its own goes alone
 * through export_spans, which truncates it. The flusher used to fill batches by count and halve
 * oversized bodies: 512 spans of 100 KB took 32 requests and 6 serializations of each span. */
static void export_packed(llmobs__pipeline *p, llmobs__span **spans, size_t n)
{
    const size_t end = LLMOBS__OTLP_END_LEN, max = p->max_batch_bytes;
    llmobs__buf body = p->bodies[0], next = p->bodies[1];
    body.len = next.len = 0;
    body.oom = next.oom = false;
    llmobs__otlp_begin(&p->ser, &body);
    llmobs__buf_append(&next, body.data, body.len);
    size_t head = body.len, first = 0, count = 0; /* body holds spans[first..first+count) */
    for (size_t i = 0; i < n && !body.oom && !next.oom; i++) {
        if (spans[i]->hdr.bytes > max) { /* its data alone exceeds a request: as before */
            if (count == 0)
                first = i + 1;
            else { /* keep body's spans contiguous: move it before them */
                llmobs__span *big = spans[i];
                memmove(&spans[first + 1], &spans[first], (i - first) * sizeof(llmobs__span *));
                spans[first++] = big;
            }
            export_spans(p, &spans[first - 1], 1, false);
            continue;
        }
        if (i + 2 < n) llmobs__span_prefetch(spans[i + 2]);
        if (i + 1 < n) llmobs__span_prefetch_payloads(spans[i + 1]);
        size_t mark = body.len;
        llmobs__otlp_span(&p->ser, spans[i], count == 0, &body);
        if (body.oom) break;
        if (body.len + end <= max) {
            count++;
            continue;
        }
        if (count > 0) { /* close the request before span i; span i starts the next one */
            next.len = head;
            llmobs__buf_append(&next, body.data + mark + 1, body.len - mark - 1);
            if (next.oom) break;
            body.len = mark;
            body.data[mark] = '\0';
            send_packed(p, &body, &spans[first], count, next.cap);
            llmobs__buf tmp = body;
            body = next;
            next = tmp;
            first = i;
            count = 0;
            if (body.len + end <= max) {
                count = 1;
                continue;
            }
        }
        /* span i alone is over the limit: it goes on its own (truncated) */
        body.len = head;
        body.data[head] = '\0';
        export_spans(p, &spans[i], 1, false);
        first = i + 1;
    }
    if (body.oom || next.oom) { /* out of memory: the unsent spans take the old path */
        llmobs__log(&p->log, LLMOBS_LOG_ERROR, "out of memory building a request");
        if (first < n) export_spans(p, &spans[first], n - first, false);
    } else if (count) {
        send_packed(p, &body, &spans[first], count, next.cap);
    }
    p->bodies[0] = body;
    p->bodies[1] = next;
}

static void free_bodies(llmobs__pipeline *p)
{
    llmobs__buf_free(&p->bodies[0]);
    llmobs__buf_free(&p->bodies[1]);
}

/* Delivers an item that travels alone: a score (scores have no batch endpoint on Langfuse's
 * current API), serialized through its item interface. */
static void export_score(llmobs__pipeline *p, llmobs__item *sc)
{
    llmobs__buf body = {0};
    sc->ops->serialize(sc, &body);
    if (body.oom) {
        count_drop(p, LLMOBS_DROP_INVALID, 1);
    } else {
        llmobs__payload pl = {
            body.data, body.len, "application/json", 1, LLMOBS__ITEM_SCORE, ++p->payloads,
            false,     0};
        send_with_retries(p, &pl, NULL, sc->enqueued_mono_ns, false);
    }
    llmobs__buf_free(&body);
    llmobs__item_free(sc);
}

/* Settles a batch taken off the queue: spans go out together, scores one by one. */
static void export_batch(llmobs__pipeline *p, llmobs__item **items, size_t n)
{
    /* Stable partition: spans to the front of scratch, scores to the back (reversed back into
     * order below), so neither loop reads an item the other already freed. */
    size_t nspans = 0, nscores = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i]->kind == LLMOBS__ITEM_SPAN)
            p->scratch[nspans++] = items[i];
        else
            p->scratch[n - 1 - nscores++] = items[i];
    }
    if (nspans) export_packed(p, (llmobs__span **)p->scratch, nspans);
    for (size_t i = 0; i < nscores; i++)
        export_score(p, p->scratch[n - 1 - i]);
}

/* ---- the flusher thread --------------------------------------------------------------------- */

static bool batch_due(const llmobs__pipeline *p, int64_t now)
{
    if (!p->queue_items) return false;
    return p->queue_items >= p->flush_at || p->flush_target > p->taken || p->stopping ||
           now >= llmobs__add_ns(p->ring[p->ring_first].item->enqueued_mono_ns, p->interval_ns);
}

/* Moves up to max_batch_items from the queue into `batch` (p->mu held); their bytes stay
 * charged (in flight) until settle_batch. */
static size_t take_batch(llmobs__pipeline *p, llmobs__item **batch, size_t *bytes)
{
    size_t n = p->queue_items < p->max_batch_items ? p->queue_items : p->max_batch_items;
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const queue_entry *q = &p->ring[(p->ring_first + i) & (p->ring_cap - 1)];
        batch[i] = q->item;
        sum += q->bytes;
    }
    p->ring_first = (p->ring_first + n) & (p->ring_cap ? p->ring_cap - 1 : 0);
    p->queue_items -= n;
    p->queue_bytes -= sum;
    p->in_flight_bytes += sum;
    *bytes = sum;
    p->taken += n;
    return n;
}

static void *flusher_main(void *arg)
{
    llmobs__pipeline *p = arg;
    llmobs__item **batch = p->batch;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int64_t now = llmobs__mono_ns();
        if (p->stopping && (p->queue_items == 0 || now >= p->send_until)) break;
        /* Live data first: a due batch goes before any spool file. The spool drains between
         * batches (resend_spool pauses as soon as a batch is due again). */
        if (!batch_due(p, now) && p->spool && !p->stopping && now >= p->spool_check_at) {
            pthread_mutex_unlock(&p->mu);
            resend_spool(p);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (!batch_due(p, now)) {
            /* Idle, it ticks every interval (a second at least), on the clock that stamps the
             * items: with an interval of a second or more, an item enqueued meanwhile is due no
             * sooner than the tick, so its enqueue need not wake this thread (llmobs__pipeline_
             * enqueue). */
            int64_t idle = p->interval_ns > IDLE_TICK_NS ? p->interval_ns : IDLE_TICK_NS;
            int64_t wake =
                p->queue_items
                    ? llmobs__add_ns(p->ring[p->ring_first].item->enqueued_mono_ns, p->interval_ns)
                    : llmobs__add_ns(llmobs__mono_coarse_ns(), idle);
            if (p->spool && p->spool_check_at < wake) wake = p->spool_check_at;
            p->flusher_waits = true;
            p->flusher_wakes_at = wake;
            if (wake == INT64_MAX) {
                pthread_cond_wait(&p->work_cv, &p->mu);
            } else {
                struct timespec ts = llmobs__mono_deadline(wake);
                pthread_cond_timedwait(&p->work_cv, &p->mu, &ts);
            }
            p->flusher_waits = false;
            continue;
        }
        size_t bytes, n = take_batch(p, batch, &bytes);
        pthread_mutex_unlock(&p->mu);
        export_batch(p, batch, n);
        pthread_mutex_lock(&p->mu);
        p->in_flight_bytes -= bytes;
        p->settled += n;
        pthread_cond_broadcast(&p->settled_cv);
        if (!p->queue_items) { /* idle: give the request buffers and a grown ring back */
            free_bodies(p);
            if (p->ring_cap > RING_MIN_SLOTS) free_ring(p);
        }
    }
    /* Sending time is up with items left: with a spool they are written to it (in batches, as
     * they would have been sent) until the shutdown deadline; what is left then is dropped
     * (reason shutdown). The deadline holds to within one batch write. */
    if (p->spool && p->queue_items) {
        p->spool_only = true;
        int64_t last = 0; /* how long the previous batch took to write: the next one won't
                             start unless it would end before the deadline */
        for (int64_t now = llmobs__mono_ns();
             p->queue_items && llmobs__add_ns(now, last) < p->stop_deadline;
             now = llmobs__mono_ns()) {
            size_t bytes, n = take_batch(p, batch, &bytes);
            pthread_mutex_unlock(&p->mu);
            export_batch(p, batch, n);
            last = llmobs__mono_ns() - now;
            pthread_mutex_lock(&p->mu);
            p->in_flight_bytes -= bytes;
            p->settled += n;
            pthread_cond_broadcast(&p->settled_cv);
        }
    }
    free_bodies(p);
    uint64_t left = free_queue(p);
    p->settled += left;
    pthread_cond_broadcast(&p->settled_cv);
    pthread_mutex_unlock(&p->mu);
    if (left) {
        llmobs__log(&p->log, LLMOBS_LOG_WARN, "shutdown deadline passed: %llu spans dropped",
                    (unsigned long long)left);
        count_drop(p, LLMOBS_DROP_SHUTDOWN, left);
    }
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------------------
 */

/* The serializer found a payload set as JSON that is not JSON (flusher thread): counted, and
 * logged at the 1st, 2nd, 4th, 8th, ... occurrence so that a steady stream does not flood the
 * log. */
static void invalid_json(void *ud, const char *field)
{
    llmobs__pipeline *p = ud;
    uint64_t n = atomic_fetch_add(&p->invalid_json, 1) + 1;
    if ((n & (n - 1)) == 0)
        llmobs__log(&p->log, LLMOBS_LOG_WARN,
                    "a span %s set as JSON is not valid JSON: sent as a JSON string instead "
                    "(%llu so far, stat invalid_json)",
                    field, (unsigned long long)n);
}

llmobs__pipeline *llmobs__pipeline_new(const llmobs_options *o, const llmobs__logger *lg,
                                       llmobs__exporter *exporter,
                                       const llmobs__pipeline_hooks *hooks, llmobs_status *status)
{
    llmobs__pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        llmobs__exporter_free(exporter);
        *status = llmobs__error(LLMOBS_ENOMEM, "pipeline: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    llmobs__cond_init_monotonic(&p->work_cv);
    llmobs__cond_init_monotonic(&p->settled_cv);
    p->flush_at = (size_t)o->flush_at;
    p->max_items = (size_t)o->max_queue_items;
    p->max_bytes = (size_t)o->max_queue_bytes;
    p->max_batch_items = (size_t)o->max_batch_items;
    p->max_batch_bytes = (size_t)o->max_batch_bytes;
    p->batch = calloc(p->max_batch_items, sizeof(llmobs__item *));
    p->scratch = calloc(p->max_batch_items, sizeof(llmobs__item *));
    p->interval_ns = llmobs__s_to_ns(o->flush_interval_s);
    p->retry_deadline_ns = llmobs__s_to_ns(o->retry_deadline_s);
    p->max_retries = o->max_retries;
    p->exporter = exporter;
    p->opts = o;
    p->ser = (llmobs__serializer){o->service_name, o->mask_fn,   o->mask_ud,
                                  o->send_cost,    invalid_json, p};
    p->log = *lg;
    if (hooks) p->hooks = *hooks;
    p->spool_check_at = INT64_MAX;
    if (o->spool_dir && *o->spool_dir) {
        p->spool = llmobs__spool_open(o->spool_dir, (uint64_t)o->spool_max_bytes,
                                      o->spool_max_age_s, lg, status);
        if (!p->spool) goto fail;
        llmobs__spool_set_hook(p->spool, forward_spool_event, p);
        p->spool_check_at = 0; /* files of earlier runs go first */
    }
    int err = 0;
    if (!p->batch || !p->scratch) {
        *status = llmobs__error(LLMOBS_ENOMEM, "pipeline: out of memory");
        goto fail;
    }
    if ((err = pthread_create(&p->thread, NULL, flusher_main, p)) != 0) {
        /* EAGAIN, the usual failure, means the system lacks memory or thread slots. */
        *status =
            llmobs__error(err == EAGAIN ? LLMOBS_ENOMEM : LLMOBS_EIO,
                          "pipeline: cannot start the flusher thread: %s", llmobs__strerror(err));
    fail:
        llmobs__exporter_free(exporter);
        llmobs__spool_free(p->spool);
        free(p->batch);
        free(p->scratch);
        pthread_cond_destroy(&p->work_cv);
        pthread_cond_destroy(&p->settled_cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    fork_register(p);
    *status = LLMOBS_OK;
    return p;
}

/* Waits until everything appended before the call is settled or `deadline` (monotonic ns,
 * INT64_MAX = none) passes; returns how many of those are still unsettled. */
static uint64_t wait_settled(llmobs__pipeline *p, uint64_t target, int64_t deadline)
{
    while (p->settled < target) {
        if (deadline == INT64_MAX) {
            pthread_cond_wait(&p->settled_cv, &p->mu);
        } else {
            if (llmobs__mono_ns() >= deadline) break;
            struct timespec ts = llmobs__mono_deadline(deadline);
            pthread_cond_timedwait(&p->settled_cv, &p->mu, &ts);
        }
    }
    return p->settled < target ? target - p->settled : 0;
}

static int64_t deadline_from(int64_t timeout_ms)
{
    /* Saturating: flush(INT64_MAX) waits "forever", it does not wrap into the past. */
    return timeout_ms < 0 ? INT64_MAX
                          : llmobs__add_ns(llmobs__mono_ns(), llmobs__ms_to_ns(timeout_ms));
}

llmobs_status llmobs__pipeline_flush(llmobs__pipeline *p, int64_t timeout_ms, uint64_t *pending)
{
    int64_t deadline = deadline_from(timeout_ms);
    pthread_mutex_lock(&p->mu);
    if (p->restart) restart_after_fork(p);
    uint64_t target = p->appended;
    if (p->flush_target < target) p->flush_target = target;
    pthread_cond_signal(&p->work_cv);
    uint64_t left = wait_settled(p, target, deadline);
    pthread_mutex_unlock(&p->mu);
    if (pending) *pending = left;
    if (left)
        return llmobs__error(LLMOBS_ETIMEOUT, "flush: %llu items still pending at the deadline",
                             (unsigned long long)left);
    return LLMOBS_OK;
}

llmobs_status llmobs__pipeline_stop(llmobs__pipeline *p, int64_t timeout_ms)
{
    pthread_mutex_lock(&p->mu);
    while (p->restarting)
        pthread_cond_wait(&p->settled_cv, &p->mu);
    if (p->stopping || p->restart) { /* stopped before, or a forked child never used it */
        p->restart = false;
        p->stopping = true;
        pthread_mutex_unlock(&p->mu);
        return LLMOBS_OK;
    }
    p->stopping = true;
    p->stop_deadline = deadline_from(timeout_ms);
    /* With a spool, a quarter of the window (at most SPOOL_RESERVE_NS) is kept for writing
     * what could not be sent: shutdown(200) with a hung backend and 50,000 queued spans
     * returned after 491 ms when the spool writes came after the deadline. */
    p->send_until = p->stop_deadline;
    if (p->spool && p->stop_deadline != INT64_MAX) {
        int64_t window = p->stop_deadline - llmobs__mono_ns();
        int64_t reserve = window > 0 ? window / 4 : 0;
        if (reserve > SPOOL_RESERVE_NS) reserve = SPOOL_RESERVE_NS;
        p->send_until = p->stop_deadline - reserve;
    }
    p->flush_target = p->appended;
    int64_t stop_deadline = p->send_until;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    /* A request in flight must not outlive the deadline either. */
    if (p->exporter->interrupt) p->exporter->interrupt(p->exporter->self, stop_deadline);
    pthread_join(p->thread, NULL);
    llmobs_status st = LLMOBS_OK;
    if (atomic_load(&p->dropped[LLMOBS_DROP_SHUTDOWN]))
        st = llmobs__error(LLMOBS_ETIMEOUT, "shutdown: items dropped at the deadline");
    llmobs__exporter_free(p->exporter);
    p->exporter = NULL;
    return st;
}

void llmobs__pipeline_free(llmobs__pipeline *p)
{
    if (!p) return;
    fork_unregister(p);
    llmobs__spool_free(p->spool);
    free(p->batch);
    free(p->scratch);
    free(p->ring);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->settled_cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

uint64_t llmobs__pipeline_dropped(const llmobs__pipeline *p, llmobs_drop_reason reason)
{
    return (unsigned)reason < LLMOBS_DROP_REASON_COUNT ? atomic_load(&p->dropped[reason]) : 0;
}

uint64_t llmobs__pipeline_stat(const llmobs__pipeline *p, llmobs_stat stat)
{
    llmobs__pipeline *mp = (llmobs__pipeline *)p; /* the lock is logically const here */
    uint64_t dropped = 0;
    for (int r = 0; r < LLMOBS_DROP_REASON_COUNT; r++)
        dropped += atomic_load(&p->dropped[r]);
    switch (stat) {
    case LLMOBS_STAT_ITEMS:
        return atomic_load(&p->items);
    case LLMOBS_STAT_EXPORTED:
        return atomic_load(&p->exported);
    case LLMOBS_STAT_DROPPED:
        return dropped;
    case LLMOBS_STAT_PENDING: {
        uint64_t done = atomic_load(&p->exported) + dropped + atomic_load(&p->spooled);
        uint64_t items = atomic_load(&p->items);
        return items > done ? items - done : 0;
    }
    case LLMOBS_STAT_RETRIES:
        return atomic_load(&p->retries);
    case LLMOBS_STAT_BATCHES:
        return atomic_load(&p->batches);
    case LLMOBS_STAT_QUEUE_ITEMS:
    case LLMOBS_STAT_QUEUE_BYTES: {
        pthread_mutex_lock(&mp->mu);
        uint64_t v = stat == LLMOBS_STAT_QUEUE_ITEMS ? mp->queue_items : mp->queue_bytes;
        pthread_mutex_unlock(&mp->mu);
        return v;
    }
    case LLMOBS_STAT_SPOOLED:
        return atomic_load(&p->spooled);
    case LLMOBS_STAT_SPOOL_RESENT:
        return llmobs__spool_count(p->spool, LLMOBS__SPOOL_RESENT);
    case LLMOBS_STAT_SPOOL_EVICTED:
        return llmobs__spool_count(p->spool, LLMOBS__SPOOL_EVICTED);
    case LLMOBS_STAT_SPOOL_REJECTED:
        return llmobs__spool_count(p->spool, LLMOBS__SPOOL_REJECTED);
    case LLMOBS_STAT_SPOOL_CORRUPT_FILES:
        return llmobs__spool_count(p->spool, LLMOBS__SPOOL_CORRUPT);
    case LLMOBS_STAT_TRUNCATED:
        return atomic_load(&p->truncated);
    case LLMOBS_STAT_INVALID_JSON:
        return atomic_load(&p->invalid_json);
    }
    return 0;
}
