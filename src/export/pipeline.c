/* The delivery pipeline: a bounded FIFO filled by caller threads and drained by one flusher
 * thread, which batches, serializes, exports, retries, splits and counts every outcome.
 *
 * Accounting: every span handed to llmobs__pipeline_enqueue is counted once in `items` and
 * ends in exactly one of `exported` or `dropped[reason]`; the flusher settles batches in
 * FIFO order, so `settled` is a prefix count that flush() can wait on. */
#include "export/pipeline.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ids.h"
#include "export/otlp_json.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
#define BACKOFF_BASE_NS (200 * NS_PER_MS)
#define BACKOFF_CAP_NS (30 * NS_PER_S)
#define MAX_BATCH_ITEMS 512

struct llmobs__pipeline {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;    /* wakes the flusher */
    pthread_cond_t settled_cv; /* wakes flush() callers */
    llmobs__span *head, *tail;
    size_t queue_items;
    size_t queue_bytes;
    uint64_t appended;     /* spans ever appended to the queue */
    uint64_t taken;        /* spans the flusher took off the queue */
    uint64_t settled;      /* of the appended spans, how many are exported or dropped */
    uint64_t flush_target; /* send now everything appended up to this count */
    bool stopping;
    int64_t stop_deadline; /* monotonic ns; valid when stopping */
    pthread_t thread;

    size_t flush_at, max_items, max_bytes, max_batch_bytes;
    int64_t interval_ns, retry_deadline_ns;
    int64_t max_retries;
    llmobs__exporter *exporter;
    llmobs__serializer ser;
    llmobs__logger log;
    llmobs__pipeline_hooks hooks;

    atomic_uint_fast64_t items, exported, retries, batches;
    atomic_uint_fast64_t dropped[LLMOBS_DROP_REASON_COUNT];
};

static const char *const drop_names[LLMOBS_DROP_REASON_COUNT] = {
    "queue_full", "sampled_out", "disabled", "rejected",
    "retries_exhausted", "shutdown", "too_large", "invalid",
};

const char *llmobs_drop_reason_name(llmobs_drop_reason reason)
{
    return (unsigned)reason < LLMOBS_DROP_REASON_COUNT ? drop_names[reason] : "unknown";
}

static void count_drop(llmobs__pipeline *p, llmobs_drop_reason reason, uint64_t n)
{
    if (!n) return;
    atomic_fetch_add(&p->dropped[reason], n);
    if (p->hooks.on_drop) p->hooks.on_drop(p->hooks.ud, reason, n);
}

void llmobs__pipeline_count_dropped(llmobs__pipeline *p, llmobs_drop_reason reason, uint64_t n)
{
    atomic_fetch_add(&p->items, n);
    count_drop(p, reason, n);
}

void llmobs__pipeline_enqueue(llmobs__pipeline *p, llmobs__span *s)
{
    atomic_fetch_add(&p->items, 1);
    s->bytes = llmobs__span_footprint(s);
    s->enqueued_mono_ns = llmobs__mono_ns();
    s->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->queue_items >= p->max_items ||
        p->queue_bytes + s->bytes > p->max_bytes) {
        bool stopping = p->stopping;
        pthread_mutex_unlock(&p->mu);
        count_drop(p, stopping ? LLMOBS_DROP_SHUTDOWN : LLMOBS_DROP_QUEUE_FULL, 1);
        llmobs__span_free(s);
        return;
    }
    if (p->tail) p->tail->next = s;
    else p->head = s;
    p->tail = s;
    p->queue_items++;
    p->queue_bytes += s->bytes;
    p->appended++;
    if (p->queue_items >= p->flush_at) pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- exporting one batch ------------------------------------------------------------------ */

static void free_spans(llmobs__span **spans, size_t n)
{
    for (size_t i = 0; i < n; i++)
        llmobs__span_free(spans[i]);
}

/* Sleeps for a backoff on the work condition so shutdown can cut it short. Returns false when
 * the shutdown deadline falls before the end of the delay (caller drops with "shutdown"). */
static bool backoff_wait(llmobs__pipeline *p, int64_t delay_ns)
{
    int64_t until = llmobs__mono_ns() + delay_ns;
    pthread_mutex_lock(&p->mu);
    bool ok = true;
    for (;;) {
        if (p->stopping && until > p->stop_deadline) {
            ok = false;
            break;
        }
        if (llmobs__mono_ns() >= until) break;
        struct timespec ts = llmobs__mono_deadline(until);
        pthread_cond_timedwait(&p->work_cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

static int64_t send_deadline(llmobs__pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    int64_t d = p->stopping ? p->stop_deadline : INT64_MAX;
    pthread_mutex_unlock(&p->mu);
    return d;
}

static void export_spans(llmobs__pipeline *p, llmobs__span **spans, size_t n);

static void split(llmobs__pipeline *p, llmobs__span **spans, size_t n)
{
    export_spans(p, spans, n / 2);
    export_spans(p, spans + n / 2, n - n / 2);
}

/* Delivers spans[0..n) and settles each of them (counted and freed). */
static void export_spans(llmobs__pipeline *p, llmobs__span **spans, size_t n)
{
    llmobs__buf body = {0};
    llmobs__otlp_serialize(&p->ser, spans, n, &body);
    if (body.oom || body.len > p->max_batch_bytes) {
        bool oom = body.oom;
        size_t len = body.len;
        llmobs__buf_free(&body);
        if (n > 1) {
            split(p, spans, n);
        } else {
            if (oom) llmobs__log(&p->log, LLMOBS_LOG_ERROR, "out of memory serializing a span; dropped");
            else llmobs__log(&p->log, LLMOBS_LOG_WARN, "a span of %zu bytes exceeds max_batch_bytes; dropped", len);
            count_drop(p, oom ? LLMOBS_DROP_INVALID : LLMOBS_DROP_TOO_LARGE, 1);
            free_spans(spans, 1);
        }
        return;
    }

    llmobs__payload payload = {body.data, body.len, "application/json", (uint32_t)n};
    int64_t give_up_at = spans[0]->enqueued_mono_ns + p->retry_deadline_ns;
    int64_t started = llmobs__mono_ns();
    uint32_t retries = 0;
    for (int64_t attempt = 0;; attempt++) {
        llmobs__export_result r = {.retry_after_ms = -1};
        p->exporter->send(p->exporter->self, &payload, send_deadline(p), &r);
        if (r.outcome == LLMOBS__SENT) {
            uint32_t rejected = r.rejected > n ? (uint32_t)n : r.rejected;
            if (rejected)
                llmobs__log(&p->log, LLMOBS_LOG_WARN, "%s: receiver rejected %u of %zu spans: %s",
                            p->exporter->name, rejected, n, r.message);
            atomic_fetch_add(&p->exported, n - rejected);
            atomic_fetch_add(&p->batches, 1);
            count_drop(p, LLMOBS_DROP_REJECTED, rejected);
            if (p->hooks.on_export)
                p->hooks.on_export(p->hooks.ud, (uint32_t)(n - rejected),
                                   (double)(llmobs__mono_ns() - started) / 1e9, retries);
            break;
        }
        if (r.outcome == LLMOBS__TOO_LARGE && n > 1) {
            llmobs__buf_free(&body);
            split(p, spans, n);
            return;
        }
        if (r.outcome != LLMOBS__RETRY) {
            llmobs__log(&p->log, LLMOBS_LOG_ERROR, "%s: %zu spans rejected (status %ld): %s",
                        p->exporter->name, n, r.http_status, r.message);
            count_drop(p, r.outcome == LLMOBS__TOO_LARGE ? LLMOBS_DROP_TOO_LARGE : LLMOBS_DROP_REJECTED, n);
            break;
        }
        /* Exponential backoff with full jitter, or the server's Retry-After. */
        int64_t cap = BACKOFF_BASE_NS << (attempt < 20 ? attempt : 20);
        if (cap > BACKOFF_CAP_NS) cap = BACKOFF_CAP_NS;
        int64_t delay = r.retry_after_ms >= 0 ? r.retry_after_ms * NS_PER_MS
                                              : (int64_t)(llmobs__random_unit() * (double)cap);
        if (attempt >= p->max_retries || llmobs__mono_ns() + delay > give_up_at) {
            llmobs__log(&p->log, LLMOBS_LOG_ERROR, "%s: giving up on %zu spans after %lld attempts: %s",
                        p->exporter->name, n, (long long)attempt + 1, r.message);
            count_drop(p, LLMOBS_DROP_RETRIES_EXHAUSTED, n);
            break;
        }
        llmobs__log(&p->log, LLMOBS_LOG_DEBUG, "%s: retrying %zu spans in %lld ms: %s",
                    p->exporter->name, n, (long long)(delay / NS_PER_MS), r.message);
        if (!backoff_wait(p, delay)) {
            count_drop(p, LLMOBS_DROP_SHUTDOWN, n);
            break;
        }
        atomic_fetch_add(&p->retries, 1);
        retries++;
    }
    llmobs__buf_free(&body);
    free_spans(spans, n);
}

/* ---- the flusher thread --------------------------------------------------------------------- */

static bool batch_due(const llmobs__pipeline *p, int64_t now)
{
    if (!p->queue_items) return false;
    return p->queue_items >= p->flush_at || p->flush_target > p->taken || p->stopping ||
           now - p->head->enqueued_mono_ns >= p->interval_ns;
}

static void *flusher_main(void *arg)
{
    llmobs__pipeline *p = arg;
    llmobs__span *batch[MAX_BATCH_ITEMS];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int64_t now = llmobs__mono_ns();
        if (p->stopping && (p->queue_items == 0 || now >= p->stop_deadline)) break;
        if (!batch_due(p, now)) {
            if (p->queue_items == 0) {
                pthread_cond_wait(&p->work_cv, &p->mu);
            } else {
                struct timespec ts = llmobs__mono_deadline(p->head->enqueued_mono_ns + p->interval_ns);
                pthread_cond_timedwait(&p->work_cv, &p->mu, &ts);
            }
            continue;
        }
        size_t n = 0;
        while (p->head && n < MAX_BATCH_ITEMS) {
            llmobs__span *s = p->head;
            p->head = s->next;
            p->queue_items--;
            p->queue_bytes -= s->bytes;
            batch[n++] = s;
        }
        if (!p->head) p->tail = NULL;
        p->taken += n;
        pthread_mutex_unlock(&p->mu);
        export_spans(p, batch, n);
        pthread_mutex_lock(&p->mu);
        p->settled += n;
        pthread_cond_broadcast(&p->settled_cv);
    }
    /* Shutdown deadline passed with items left: they are dropped, and counted. */
    uint64_t left = 0;
    for (llmobs__span *s = p->head, *next; s; s = next) {
        next = s->next;
        llmobs__span_free(s);
        left++;
    }
    p->head = p->tail = NULL;
    p->queue_items = 0;
    p->queue_bytes = 0;
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

/* ---- lifecycle --------------------------------------------------------------------------------- */

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
    p->max_batch_bytes = (size_t)o->max_batch_bytes;
    p->interval_ns = (int64_t)(o->flush_interval_s * 1e9);
    p->retry_deadline_ns = (int64_t)(o->retry_deadline_s * 1e9);
    p->max_retries = o->max_retries;
    p->exporter = exporter;
    p->ser = (llmobs__serializer){o->service_name, o->mask_fn, o->mask_ud};
    p->log = *lg;
    if (hooks) p->hooks = *hooks;
    if (pthread_create(&p->thread, NULL, flusher_main, p) != 0) {
        llmobs__exporter_free(exporter);
        pthread_cond_destroy(&p->work_cv);
        pthread_cond_destroy(&p->settled_cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        *status = llmobs__error(LLMOBS_EINTERNAL, "pipeline: cannot start the flusher thread");
        return NULL;
    }
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
    return timeout_ms < 0 ? INT64_MAX : llmobs__mono_ns() + timeout_ms * NS_PER_MS;
}

llmobs_status llmobs__pipeline_flush(llmobs__pipeline *p, int64_t timeout_ms, uint64_t *pending)
{
    int64_t deadline = deadline_from(timeout_ms);
    pthread_mutex_lock(&p->mu);
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

llmobs_status llmobs__pipeline_shutdown(llmobs__pipeline *p, int64_t timeout_ms)
{
    if (!p) return LLMOBS_OK;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    p->stop_deadline = deadline_from(timeout_ms);
    p->flush_target = p->appended;
    int64_t stop_deadline = p->stop_deadline;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    /* A request in flight must not outlive the deadline either. */
    if (p->exporter->interrupt) p->exporter->interrupt(p->exporter->self, stop_deadline);
    pthread_join(p->thread, NULL);
    llmobs_status st = LLMOBS_OK;
    if (atomic_load(&p->dropped[LLMOBS_DROP_SHUTDOWN]))
        st = llmobs__error(LLMOBS_ETIMEOUT, "shutdown: items dropped at the deadline");
    llmobs__exporter_free(p->exporter);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->settled_cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return st;
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
    case LLMOBS_STAT_ITEMS: return atomic_load(&p->items);
    case LLMOBS_STAT_EXPORTED: return atomic_load(&p->exported);
    case LLMOBS_STAT_DROPPED: return dropped;
    case LLMOBS_STAT_PENDING: {
        uint64_t done = atomic_load(&p->exported) + dropped;
        uint64_t items = atomic_load(&p->items);
        return items > done ? items - done : 0;
    }
    case LLMOBS_STAT_RETRIES: return atomic_load(&p->retries);
    case LLMOBS_STAT_BATCHES: return atomic_load(&p->batches);
    case LLMOBS_STAT_QUEUE_ITEMS:
    case LLMOBS_STAT_QUEUE_BYTES: {
        pthread_mutex_lock(&mp->mu);
        uint64_t v = stat == LLMOBS_STAT_QUEUE_ITEMS ? mp->queue_items : mp->queue_bytes;
        pthread_mutex_unlock(&mp->mu);
        return v;
    }
    }
    return 0;
}
