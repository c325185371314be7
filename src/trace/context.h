/* Internal: what the scope stack (context.c) needs from traces (trace.c). */
#ifndef LLMOBS_TRACE_CONTEXT_H
#define LLMOBS_TRACE_CONTEXT_H

#include "llmobs/client.h"
#include "llmobs/trace.h"

/* llmobs__trace_root (span.h) gives the trace's root span as an observation handle. */
llmobs_trace *llmobs__obs_trace(const llmobs_obs *o);
llmobs_client *llmobs__trace_client(const llmobs_trace *t);
/* A scope holds the trace's memory: a finished trace is freed only when no scope holds it. */
void llmobs__trace_pin(llmobs_trace *t);
void llmobs__trace_unpin(llmobs_trace *t);
/* The calling thread's innermost scope: the observation (the root span for a trace scope)
 * or NULL. */
llmobs_obs *llmobs__scope_top(void);

#endif
