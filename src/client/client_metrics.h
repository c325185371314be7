/* Internal: the client's side of the metrics registry (see client_metrics.c). */
#ifndef LLMOBS_CLIENT_CLIENT_METRICS_H
#define LLMOBS_CLIENT_CLIENT_METRICS_H

#include "client/client.h"
#include "metrics/metrics.h"

/* Hooks that feed the SDK health families from the pipeline. */
llmobs__pipeline_hooks llmobs__client_pipeline_hooks(llmobs__llm_metrics *m);
/* Queue capacity gauge, cost hooks, and the budget gauges (also refreshed at every scrape). */
llmobs_status llmobs__client_metrics_init(llmobs_client *c);
/* Stops the scrape-time refresh; before the client's cost tracker is freed. */
void llmobs__client_metrics_fini(llmobs_client *c);

#endif
