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
    llmobs__pipeline *pipe;
    llmobs_cost_tracker *cost; /* prices every ended generation, keeps budgets */
    llmobs_registry *registry; /* the LLM metric set lives here (default: the process's) */
    struct llmobs__llm_metrics *metrics;
    llmobs_metrics_server *server; /* when metrics_addr is set */
    char metrics_client[24];       /* `client` label of its queue gauges: "1", "2", ... */
    /* tracer.refs: one reference for the application (dropped by llmobs_shutdown) and one
     * per trace not yet finished, so threads still ending observations during shutdown never
     * touch freed memory: their spans are counted as dropped (reason shutdown). */
};

#endif
