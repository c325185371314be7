/* Internal API of src/metrics/ for other modules (tracing, export, cost, eval).
 * The LLM metric set: the families of the reference article plus the SDK's health, defined
 * in one table (llm_metrics.c) and registered once per registry. Every function here is
 * thread-safe and never blocks on I/O; recording helpers take only atomics once the series
 * exist (a lock-free hash lookup per label tuple). */
#ifndef LLMOBS_METRICS_METRICS_H
#define LLMOBS_METRICS_METRICS_H

#include "core/generation.h"
#include "llmobs/metrics.h"

#include <stdbool.h>
#include <stdint.h>

/* Index of each family of the set, in table order. */
typedef enum llmobs__llm_family {
    LLMOBS__LLM_REQUESTS = 0,        /* llm_requests_total{model,feature,status} */
    LLMOBS__LLM_REQUEST_DURATION,    /* llm_request_duration_seconds{model,feature,provider} */
    LLMOBS__LLM_TTFT,                /* llm_time_to_first_token_seconds{model,feature} */
    LLMOBS__LLM_TOKENS,              /* llm_tokens_total{model,token_type,feature} */
    LLMOBS__LLM_COST,                /* llm_cost_usd_total{model,feature} */
    LLMOBS__LLM_COST_PER_REQUEST,    /* llm_cost_per_request_usd{model,feature} */
    LLMOBS__LLM_BUDGET_REMAINING,    /* llm_daily_budget_remaining_usd{feature} */
    LLMOBS__LLM_INFLIGHT,            /* llm_inflight_requests{model,feature} */
    LLMOBS__LLM_CONTEXT_UTILISATION, /* llm_context_utilisation_ratio{model,feature} */
    LLMOBS__LLM_EVAL_PASS_RATE,      /* llm_eval_pass_rate{feature,metric} */
    LLMOBS__LLM_EVAL_RUNS,           /* llm_eval_runs_total{feature,metric,result} */
    LLMOBS__LLM_RAG_FAITHFULNESS,    /* llm_rag_faithfulness{pipeline_version} */
    LLMOBS__SDK_EXPORTED,            /* llmobs_exported_total */
    LLMOBS__SDK_DROPPED,             /* llmobs_dropped_total{reason} */
    LLMOBS__SDK_QUEUE_ITEMS,         /* llmobs_queue_items{client} */
    LLMOBS__SDK_EXPORT_DURATION,     /* llmobs_export_duration_seconds */
    LLMOBS__SDK_EXPORT_RETRIES,      /* llmobs_export_retries_total */
    LLMOBS__LLM_BUDGET,              /* llm_daily_budget_usd{feature} */
    LLMOBS__LLM_COST_UNKNOWN_MODEL,  /* llm_cost_unknown_model_total{model} */
    LLMOBS__SDK_QUEUE_CAPACITY,      /* llmobs_queue_capacity_items{client} */
    LLMOBS__SDK_EXPORT_FAILURES,     /* llmobs_export_failures_total */
    LLMOBS__SDK_SPOOL_ITEMS,         /* llmobs_spool_items_total{outcome} */
    LLMOBS__SDK_SPOOL_CORRUPT,       /* llmobs_spool_corrupt_files_total */
    LLMOBS__LLM_FAMILY_COUNT
} llmobs__llm_family;

/* Token types, in the order of the `tokens[]` arrays below. */
enum {
    LLMOBS__TOKENS_INPUT = 0,
    LLMOBS__TOKENS_OUTPUT,
    LLMOBS__TOKENS_CACHE_READ,
    LLMOBS__TOKENS_CACHE_WRITE,
    LLMOBS__TOKENS_REASONING,
    LLMOBS__TOKEN_TYPE_COUNT
};

typedef struct llmobs__llm_metrics {
    llmobs_family *f[LLMOBS__LLM_FAMILY_COUNT];
    /* Bound children by label tuple (model, feature[, provider]) and of the families without
     * labels, so recording a generation is one lookup, not one per family (llm_metrics.c). */
    struct llmobs__llm_cache *cache;
} llmobs__llm_metrics;

/* One row of the definition table (exposed for docs checks and tests). */
typedef struct llmobs__llm_metric_def {
    const char *name;
    int type; /* LLMOBS__COUNTER / LLMOBS__GAUGE / LLMOBS__HISTOGRAM (family.h values 1..3) */
    const char *help;
    const char *unit; /* NULL when none */
    const char *labels[3];
    size_t nlabels;
    const double *bounds;
    size_t nbounds;
} llmobs__llm_metric_def;

extern const llmobs__llm_metric_def llmobs__llm_metric_defs[LLMOBS__LLM_FAMILY_COUNT];
/* Label value of each token type ("input", "output", "cache_read", "cache_write",
 * "reasoning"). */
extern const char *const llmobs__token_type_names[LLMOBS__TOKEN_TYPE_COUNT];

/* Registers the whole set in `r` once (later calls return the same struct) and returns it;
 * NULL when `r` is invalid, a name is taken by a different definition, or memory runs out,
 * with the status in *status (optional) and the reason in llmobs_last_error(). The struct
 * lives as long as the registry. */
llmobs__llm_metrics *llmobs__llm_metrics_get(llmobs_registry *r, llmobs_status *status);

/* What tracing calls when a generation ends. NULL strings record as "unknown". `status` is one
 * of success | error | timeout | rate_limited. Records llm_requests_total{status},
 * llm_request_duration_seconds (when duration_s >= 0), llm_time_to_first_token_seconds (when
 * ttft_s >= 0), llm_tokens_total per token type (input and output when >= 0, the others when
 * > 0; `tokens` may be NULL) and llm_context_utilisation_ratio (when ctx_ratio >= 0).
 * Returns the first error (e.g. LLMOBS_ENOMEM) but still records
 * what it can. */
llmobs_status llmobs__llm_metrics_record_generation(llmobs__llm_metrics *m, const char *model,
                                                    const char *feature, const char *provider,
                                                    const char *status, double duration_s,
                                                    double ttft_s, const int64_t *tokens,
                                                    double ctx_ratio);

/* What the LLM metric set records of an ended generation: requests, duration, time to first
 * token, tokens (input and output always, the others when > 0), context utilisation (when the
 * pricer found a context window), and its cost when `cost_model` is not NULL: what
 * llmobs__llm_metrics_record_cost(m, cost_model, cost_feature, g->cost[LLMOBS_COST_TOTAL])
 * records, through the generation's own series entry when these labels are the generation's
 * (the usual case). That entry is g->bound (from llmobs__llm_metrics_inflight_up) when the
 * generation's labels did not change since its model was set: then no lookup at all. */
void llmobs__llm_metrics_on_generation_cost(llmobs__llm_metrics *m, const llmobs__generation *g,
                                            const char *cost_model, const char *cost_feature);
/* llm_inflight_requests{model,feature} + 1; returns the series for llmobs__llm_metrics_
 * inflight_down (NULL when the cardinality guard refused it) and sets *bound (when not NULL) to
 * the generation's series entry under (model, feature, provider), for llmobs__generation.bound.
 * Tracer inflight hooks. */
void *llmobs__llm_metrics_inflight_up(void *m, const char *model, const char *feature,
                                      const char *provider, const void **bound);
void llmobs__llm_metrics_inflight_down(void *m, void *series);

/* What tracing calls at a generation's start (+1) and end (-1): llm_inflight_requests. */
llmobs_status llmobs__llm_metrics_inflight(llmobs__llm_metrics *m, const char *model,
                                           const char *feature, double delta);

/* Cost (cost issue): adds to llm_cost_usd_total and observes llm_cost_per_request_usd. */
llmobs_status llmobs__llm_metrics_record_cost(llmobs__llm_metrics *m, const char *model,
                                              const char *feature, double usd);
/* Sets llm_daily_budget_remaining_usd{feature}. */
llmobs_status llmobs__llm_metrics_budget_remaining(llmobs__llm_metrics *m, const char *feature,
                                                   double usd);
/* Evals (quality issue): sets llm_eval_pass_rate and counts llm_eval_runs_total{result}. */
llmobs_status llmobs__llm_metrics_record_eval(llmobs__llm_metrics *m, const char *feature,
                                              const char *metric, const char *result,
                                              double pass_rate);
/* Sets llm_rag_faithfulness{pipeline_version}. */
llmobs_status llmobs__llm_metrics_rag_faithfulness(llmobs__llm_metrics *m,
                                                   const char *pipeline_version, double score);

/* SDK health (export issue). */
llmobs_status llmobs__llm_metrics_exported(llmobs__llm_metrics *m, uint64_t items);
llmobs_status llmobs__llm_metrics_dropped(llmobs__llm_metrics *m, const char *reason,
                                          uint64_t items);
/* The queue gauges are per client (label `client`, see docs/decisions.md): several clients
 * sharing a registry would otherwise overwrite each other's values. NULL records "unknown". */
llmobs_status llmobs__llm_metrics_queue_items(llmobs__llm_metrics *m, const char *client,
                                              double items);
llmobs_status llmobs__llm_metrics_queue_capacity(llmobs__llm_metrics *m, const char *client,
                                                 double items);
/* Removes a client's queue gauges (when the client is freed). */
void llmobs__llm_metrics_forget_client(llmobs__llm_metrics *m, const char *client);
llmobs_status llmobs__llm_metrics_export_duration(llmobs__llm_metrics *m, double seconds);
llmobs_status llmobs__llm_metrics_export_retries(llmobs__llm_metrics *m, uint64_t retries);

/* Collectors run at the start of every render (scrape), before any registry lock is taken,
 * to refresh values that are computed rather than recorded. A collector may set metrics but
 * must not add or remove collectors. Removal waits for a render that is running it. */
llmobs_status llmobs__registry_add_collector(llmobs_registry *r, void (*fn)(void *ud), void *ud);
void llmobs__registry_remove_collector(llmobs_registry *r, void (*fn)(void *ud), void *ud);
void llmobs__registry_run_collectors(llmobs_registry *r);

/* Frees the struct returned by llmobs__llm_metrics_get (the registry's attachment free hook). */
void llmobs__llm_metrics_free(void *m);

/* Whether an Accept-Encoding header lists gzip with a non-zero q (scrape server). */
bool llmobs__metrics_gzip_accepted(const char *accept_encoding);

#endif
