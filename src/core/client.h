/* Internal: the client struct shared by the tracing API and the exporters. */
#ifndef LLMOBS_CORE_CLIENT_H
#define LLMOBS_CORE_CLIENT_H

#include "core/log.h"
#include "core/options.h"
#include "export/pipeline.h"
#include "llmobs/client.h"

#include <pthread.h>
#include <stdbool.h>

struct llmobs_trace;

struct llmobs_client {
    llmobs_options *opts;
    llmobs__logger log;
    bool enabled;
    llmobs__pipeline *pipe;
    /* Traces not yet finished, freed at shutdown if the application never ended them. */
    pthread_mutex_t live_mu;
    struct llmobs_trace *live;
};

#endif
