/* Internal: the client's side of the metrics registry (see client_metrics.c). */
#ifndef LLMOBS_CORE_CLIENT_METRICS_H
#define LLMOBS_CORE_CLIENT_METRICS_H

#include "core/client.h"
#include "metrics/metrics.h"
#include "trace/span.h"

/* Hooks that feed the SDK health families from the pipeline (they use c->metrics and the
 * client's label; call after llmobs__client_metrics_init). */
llmobs__pipeline_hooks llmobs__client_pipeline_hooks(llmobs_client *c);
/* Names the client for its queue gauges (label `client`: "1", "2", ... in creation order in
 * the process), sets its queue capacity gauge, installs the cost hooks, and the budget gauges
 * (also refreshed at every scrape). */
llmobs_status llmobs__client_metrics_init(llmobs_client *c);
/* Stops the scrape-time refresh and removes the client's queue gauges; before the client's
 * cost tracker is freed. */
void llmobs__client_metrics_fini(llmobs_client *c);
/* Prices an ended generation (cost details onto the span, spend and budgets) and records the
 * LLM metric set for it. Caller's thread, no llmobs lock held; the span is exclusively owned. */
void llmobs__client_generation_ended(llmobs_client *c, llmobs__span *s);
/* llm_inflight_requests{model,feature} + 1; returns the series to decrement at the end (NULL
 * when the cardinality guard refused it). */
llmobs_gauge *llmobs__client_inflight_up(llmobs_client *c, const char *model, const char *feature);
/* success | error | timeout | rate_limited, from the level and the status message. */
const char *llmobs__request_status(const llmobs__span *s);

#endif
