/* Internal: the client struct shared by the tracing API and the exporters. */
#ifndef LLMOBS_CLIENT_CLIENT_H
#define LLMOBS_CLIENT_CLIENT_H

#include "core/log.h"
#include "core/options.h"
#include "export/pipeline.h"
#include "llmobs/client.h"
#include "llmobs/cost.h"
#include "llmobs/metrics.h"
#include "trace/tracer.h"

#include <stdatomic.h>
#include <stdbool.h>

struct llmobs_trace;

struct llmobs_client {
    llmobs__tracer tracer; /* first: what tracing sees of the client (trace/tracer.h) */
    llmobs_options *opts;
    llmobs__logger log;
    bool enabled;
    /* Atomic: the metrics collector (any scrape thread) may read it while the client is being
     * created or retired. */
    llmobs__pipeline *_Atomic pipe;
    llmobs_cost_tracker *cost; /* prices every ended generation, keeps budgets */
    llmobs_registry *registry; /* the LLM metric set lives here (default: the process's) */
    struct llmobs__llm_metrics *metrics;
    llmobs_metrics_server *server; /* when metrics_addr is set */
    char metrics_client[24];       /* `client` label of its queue gauges: "1", "2", ... */
    /* The pipeline's drop counts already added to llmobs_dropped_total (client_metrics.c). */
    uint64_t drops_reported[LLMOBS_DROP_REASON_COUNT];
    /* One reference for the application (dropped by llmobs_shutdown), one per trace not yet
     * finished and one per call in progress (an observation being ended, a score being sent,
     * a flush, a stats read), so threads still using the client during shutdown never touch
     * freed memory: their spans are counted as dropped (reason shutdown). When the last one
     * goes, everything but this struct is freed; the struct itself stays (see retire() in
     * client.c) so that calls after shutdown are safe no-ops and the counters stay readable. */
    atomic_int refs;
    atomic_bool shut;        /* llmobs_shutdown was called */
    atomic_bool final_ready; /* released: the counters below are the final ones */
    uint64_t final_stats[LLMOBS_STAT_INVALID_JSON + 1];
    uint64_t final_dropped[LLMOBS_DROP_REASON_COUNT];
    struct llmobs_client *retired_next;
};

/* Takes a reference; only while the caller already holds one (a trace's, say). */
void llmobs__client_ref(llmobs_client *c);
/* Takes a reference unless the client is already released (refs reached 0): false then. */
bool llmobs__client_try_ref(llmobs_client *c);
void llmobs__client_unref(llmobs_client *c);
/* A reference for a call that starts new work (a trace, a score, a flush): ESTATE, and no
 * reference, once llmobs_shutdown was called. */
llmobs_status llmobs__client_ref_running(llmobs_client *c, const char *fn);
/* Frees the records of released clients (normally done when the library is unloaded). Only
 * when no thread can still call into one of them: tests counting leaked blocks use it. */
void llmobs__client_free_retired(void);
/* True once llmobs_shutdown was called. */
bool llmobs__client_is_shut(const llmobs_client *c);

#endif
