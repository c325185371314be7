/* Internal: the bounded queue, the flusher thread that batches, serializes and exports, and
 * the delivery counters. One pipeline per client. */
#ifndef LLMOBS_EXPORT_PIPELINE_H
#define LLMOBS_EXPORT_PIPELINE_H

#include "core/log.h"
#include "core/options.h"
#include "export/exporter.h"
#include "llmobs/client.h"
#include "trace/span.h"

typedef struct llmobs__pipeline llmobs__pipeline;

/* Called on the flusher thread after each settled batch (for metrics). Drops have no hook:
 * they are counted on every caller's path (a sampled-out trace drops each of its spans), so
 * the metric is brought up to date from llmobs__pipeline_dropped at scrape time instead. */
typedef struct llmobs__pipeline_hooks {
    void (*on_export)(void *ud, uint32_t exported, double seconds, uint32_t retries);
    void (*on_attempt_failed)(void *ud); /* one send that did not succeed */
    void *ud;
    /* Optional: a spool event (llmobs__spool_event) counting n items, or n files (corrupt). */
    void (*on_spool)(void *ud, int event, uint64_t n);
} llmobs__pipeline_hooks;

/* Items queued now (not yet taken by the flusher); lock-free, for the queue gauge that the
 * client's metrics collector sets at scrape time. */
size_t llmobs__pipeline_queue_length(llmobs__pipeline *p);

/* Takes ownership of `exporter`. Starts the flusher thread. */
llmobs__pipeline *llmobs__pipeline_new(const llmobs_options *o, const llmobs__logger *lg,
                                       llmobs__exporter *exporter,
                                       const llmobs__pipeline_hooks *hooks, llmobs_status *status);
/* Hands an item (span or score, with `bytes` set) over; ownership moves. Never blocks on I/O;
 * drops and counts it (queue_full, or shutdown once stopped) and returns false. */
bool llmobs__pipeline_enqueue(llmobs__pipeline *p, llmobs__item *item);
/* Counts items that ended without entering the queue (sampled out, disabled, invalid). */
void llmobs__pipeline_count_dropped(llmobs__pipeline *p, llmobs_drop_reason reason, uint64_t n);
llmobs_status llmobs__pipeline_flush(llmobs__pipeline *p, int64_t timeout_ms, uint64_t *pending);
/* Flush with deadline, drop the rest (reason shutdown), join the thread and free the exporter.
 * Spans enqueued afterwards are dropped (reason shutdown); counters stay readable. */
llmobs_status llmobs__pipeline_stop(llmobs__pipeline *p, int64_t timeout_ms);
/* Frees a stopped pipeline. NULL-safe. */
void llmobs__pipeline_free(llmobs__pipeline *p);
uint64_t llmobs__pipeline_stat(const llmobs__pipeline *p, llmobs_stat stat);
uint64_t llmobs__pipeline_dropped(const llmobs__pipeline *p, llmobs_drop_reason reason);

#endif
