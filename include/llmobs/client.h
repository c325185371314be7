/* llmobs/client.h: the client, its flusher thread, flush/shutdown and delivery counters.
 * All functions here are thread-safe. After llmobs_shutdown every call on the client is safe:
 * new work is refused with LLMOBS_ESTATE and the counters stay readable. */
#ifndef LLMOBS_CLIENT_H
#define LLMOBS_CLIENT_H

#include "llmobs/common.h"
#include "llmobs/options.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_client llmobs_client;

/** Creates a client and starts its flusher thread. Takes ownership of `opts` (freed even on
 * failure; NULL means all defaults). Environment variables fill every option not set on
 * `opts`. Returns NULL on failure with the reason in *status (optional) and the key at fault
 * in llmobs_last_error(). */
LLMOBS_API llmobs_client *llmobs_client_new(llmobs_options *opts, llmobs_status *status);

/** Sends everything queued before this call and waits until it is settled (exported or
 * dropped) or `timeout_ms` passes (<0: wait without limit; a huge value such as INT64_MAX
 * also means no practical limit). *pending (optional) receives how many of those items are
 * still unsettled. LLMOBS_ETIMEOUT when the deadline passed first; LLMOBS_ESTATE (and
 * *pending = 0) after llmobs_shutdown. */
LLMOBS_API llmobs_status llmobs_flush(llmobs_client *client, int64_t timeout_ms, uint64_t *pending);

/** Flushes with `timeout_ms` as the deadline, drops what is still queued (reason
 * "shutdown"; with a spool, the backlog is written to it within the deadline first), stops
 * the flusher thread and releases the client. NULL-safe; safe from an atexit handler.
 * Idempotent: a second call (or a concurrent one) does nothing and returns LLMOBS_ESTATE.
 * Afterwards llmobs_trace_start, llmobs_flush and llmobs_score_send return LLMOBS_ESTATE
 * and llmobs_client_cost_tracker NULL; threads may still end observations of traces started
 * before (counted as dropped, reason "shutdown"); llmobs_stats_* stay readable. The client's
 * resources are freed when its last trace finishes; a small record of it (its final
 * counters, a few hundred bytes) stays until the library is unloaded, so that these calls
 * remain safe. */
LLMOBS_API llmobs_status llmobs_shutdown(llmobs_client *client, int64_t timeout_ms);

/** Why an item was dropped; the names are the `reason` label of llmobs_dropped_total. */
typedef enum llmobs_drop_reason {
    LLMOBS_DROP_QUEUE_FULL = 0,
    LLMOBS_DROP_SAMPLED_OUT = 1,
    LLMOBS_DROP_DISABLED = 2,
    LLMOBS_DROP_REJECTED = 3,          /* the server (or exporter) refused it: final */
    LLMOBS_DROP_RETRIES_EXHAUSTED = 4, /* retry count or retry deadline used up */
    LLMOBS_DROP_SHUTDOWN = 5,          /* still queued when the shutdown deadline passed */
    LLMOBS_DROP_TOO_LARGE = 6,         /* one item larger than a batch may be */
    LLMOBS_DROP_INVALID = 7,           /* could not be serialized */
    LLMOBS_DROP_SPOOL_FULL = 8, /* undeliverable, and the spool could not take it (larger than
                                   spool_max_bytes, or the disk write failed) */
    LLMOBS_DROP_REASON_COUNT = 9
} llmobs_drop_reason;

/** The label name of a drop reason ("queue_full"); static storage, "unknown" if out of range. */
LLMOBS_API const char *llmobs_drop_reason_name(llmobs_drop_reason reason);

typedef enum llmobs_stat {
    LLMOBS_STAT_ITEMS = 0,       /* items ended (observations, traces, scores): the total below */
    LLMOBS_STAT_EXPORTED = 1,    /* items the exporter confirmed */
    LLMOBS_STAT_DROPPED = 2,     /* items dropped, all reasons */
    LLMOBS_STAT_PENDING = 3,     /* items enqueued and not yet settled */
    LLMOBS_STAT_RETRIES = 4,     /* batch send attempts that were retried */
    LLMOBS_STAT_BATCHES = 5,     /* batches delivered */
    LLMOBS_STAT_QUEUE_ITEMS = 6, /* items waiting in the queue now */
    LLMOBS_STAT_QUEUE_BYTES = 7, /* bytes of item data waiting now */
    /* The spool (option spool_dir; docs/reliability.md). */
    LLMOBS_STAT_SPOOLED = 8,              /* items of this client written to the spool: settled */
    LLMOBS_STAT_SPOOL_RESENT = 9,         /* items read back from spool files and accepted */
    LLMOBS_STAT_SPOOL_EVICTED = 10,       /* items deleted from the spool unsent (spool_max_bytes,
                                             spool_max_age) */
    LLMOBS_STAT_SPOOL_REJECTED = 11,      /* items of spool files the backend refused for good */
    LLMOBS_STAT_SPOOL_CORRUPT_FILES = 12, /* spool files (not items) found corrupt or
                                             truncated and moved to <spool_dir>/corrupt/ */
    /* Spans too large for one request (max_batch_bytes, or a 413 for that span alone), sent
     * with input, output and metadata replaced by "<truncated due to size exceeding limit>". */
    LLMOBS_STAT_TRUNCATED = 13,
    /* Inputs and outputs set with a *_json setter that were not valid JSON: checked on the
     * flusher (the setters only copy), and sent as a JSON string of the text instead. Counts
     * payloads, not items: such a span is still exported. */
    LLMOBS_STAT_INVALID_JSON = 14
} llmobs_stat;

/** Reads one delivery counter. Every item ends as exactly one of exported, dropped (with a
 * reason), spooled or pending: ITEMS == EXPORTED + DROPPED + SPOOLED + PENDING at any
 * quiescent moment. SPOOL_RESENT, SPOOL_EVICTED and SPOOL_REJECTED count what this client
 * did with spool files, which may come from earlier runs or other processes. */
LLMOBS_API llmobs_status llmobs_stats_get(const llmobs_client *client, llmobs_stat stat,
                                          uint64_t *out);
/** Reads the number of items dropped for `reason`. */
LLMOBS_API llmobs_status llmobs_stats_dropped(const llmobs_client *client,
                                              llmobs_drop_reason reason, uint64_t *out);

typedef struct llmobs_cost_tracker llmobs_cost_tracker;

/** The client's cost tracker (see llmobs/cost.h): it prices every ended generation and keeps
 * the daily budgets. Use it to set budgets and alert callbacks, read spend, and for the
 * pre-call guard llmobs_budget_check. Owned by the client and valid until llmobs_shutdown;
 * NULL for a NULL client and after llmobs_shutdown. */
LLMOBS_API llmobs_cost_tracker *llmobs_client_cost_tracker(llmobs_client *client);

#ifdef __cplusplus
}
#endif
#endif
