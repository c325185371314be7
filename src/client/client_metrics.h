/* Internal: the client's side of the metrics registry (see client_metrics.c). */
#ifndef LLMOBS_CLIENT_CLIENT_METRICS_H
#define LLMOBS_CLIENT_CLIENT_METRICS_H

#include "client/client.h"
#include "metrics/metrics.h"

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

#endif
