/* Internal: "a generation ended" -- the one record built when an LLM generation ends, and the
 * observer interface through which the parts that care about it (the LLM metric set, the cost
 * tracker, anything the client registers) receive it.
 *
 * It sits in core because its producer (tracing) and its observers (metrics, cost) stand on
 * different floors and must not know each other: each knows only this record. The record is
 * built once by the thread that ended the generation, priced once (by the client's price
 * hook, see trace/tracer.h), then handed read-only to every observer in registration order,
 * on that thread, with no llmobs lock held. Its strings belong to the ended span and live for
 * the duration of the observer calls only. */
#ifndef LLMOBS_CORE_GENERATION_H
#define LLMOBS_CORE_GENERATION_H

#include "llmobs/cost.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token kinds, in the order of llmobs_price_kind (input, output, cache_read, cache_write,
 * reasoning); llmobs__usage_keys names their Langfuse usage keys. */
#define LLMOBS__TOKEN_KINDS LLMOBS_PRICE_KIND_COUNT
extern const char *const llmobs__usage_keys[LLMOBS__TOKEN_KINDS];

typedef struct llmobs__generation {
    const char *model;    /* as set; NULL when never set */
    const char *provider; /* NULL when not set */
    const char *feature;  /* the trace's feature, else its name; NULL without a trace snapshot */
    const char *user;     /* the trace's user id, or NULL */
    const char *status;   /* success | error | timeout | rate_limited */
    int64_t start_ns, end_ns;
    int64_t completion_start_ns;         /* 0 = not set */
    int64_t tokens[LLMOBS__TOKEN_KINDS]; /* -1 = the usage key is absent */
    /* The amounts to record (LLMOBS_COST_*): the caller's own cost details when `caller_cost`
     * (their "total", else their sum), else what the pricer computed when `priced`. */
    double cost[LLMOBS_COST_KIND_COUNT];
    bool caller_cost;
    bool priced;            /* tokens were priced (some usage key present, no caller cost) */
    bool price_known;       /* the model has a price (meaningful when priced) */
    int64_t context_window; /* tokens, 0 = unknown (set by the pricer) */
    /* The model and feature label values of every metric of this generation: as the cost
     * tracker folds them past its cardinality limits (set by the price hook; NULL: model and
     * feature as they are). */
    const char *label_model, *label_feature;
    /* The price hook recorded the spend (g->cost[LLMOBS_COST_TOTAL]) under those labels: the
     * generation's cost metrics are to be recorded too. */
    bool cost_recorded;
    /* What the tracer's inflight_up hook bound when the model was set (opaque to tracing: the
     * LLM metric set's series of the labels then), so that an observer finds the generation's
     * series without a lookup when the labels did not change since; NULL: none. */
    const void *bound;
} llmobs__generation;

/* One registered receiver of ended generations. Must not block on I/O, must not call back
 * into tracing, and must not keep pointers into the record after it returns. */
typedef struct llmobs__generation_observer {
    void (*on_generation)(void *ud, const llmobs__generation *g);
    void *ud;
} llmobs__generation_observer;

/* Whether any token kind is present. */
static inline bool llmobs__generation_has_usage(const llmobs__generation *g)
{
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (g->tokens[k] >= 0) return true;
    return false;
}

#endif
