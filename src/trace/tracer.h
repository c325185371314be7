/* Internal: what tracing needs from the client that composes it, as data and hooks, so that
 * tracing never calls up into the client, the pipeline, the metrics or the cost tracker.
 *
 * The client (src/client/) embeds one llmobs__tracer as the FIRST member of struct
 * llmobs_client and fills it in; tracing reaches it from the public llmobs_client handle with
 * llmobs__tracer_of. Everything here is set before the client is returned to the application
 * and read-only afterwards (except `refs`). */
#ifndef LLMOBS_TRACE_TRACER_H
#define LLMOBS_TRACE_TRACER_H

#include "core/generation.h"
#include "core/log.h"
#include "core/options.h"
#include "core/recycle.h"
#include "trace/span.h"
#include "export/item.h"
#include "llmobs/client.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define LLMOBS__MAX_GENERATION_OBSERVERS 8

typedef struct llmobs__tracer {
    const llmobs_options *opts; /* sample_rate, environment, release */
    const llmobs__logger *log;  /* the client's */
    bool enabled;
    atomic_bool warned_usage_keys; /* the provider-style usage key warning was logged */

    /* Where ended spans and scores go (the export pipeline). `enqueue` takes ownership and
     * returns false when it dropped (and counted) the item; `count_dropped` counts items that
     * never reached it (sampled out, disabled, invalid). */
    bool (*enqueue)(void *ud, llmobs__item *item);
    void (*count_dropped)(void *ud, llmobs_drop_reason reason, uint64_t n);
    void *sink_ud;

    /* Optional: prices an ended generation once, before the observers see it (fills cost,
     * priced, price_known, context_window and the label and cost_recorded fields; see
     * core/generation.h). The client's records the spend in the same pass. */
    void (*price)(void *ud, llmobs__generation *g);
    void *price_ud;

    /* Receivers of every ended generation, recorded or not, in this order. */
    llmobs__generation_observer observers[LLMOBS__MAX_GENERATION_OBSERVERS];
    size_t nobservers;

    /* Optional: a generation whose model is known is in flight until it ends. `up` returns a
     * token for `down` (NULL: nothing to undo) and sets *bound to what the ended generation's
     * record carries as llmobs__generation.bound. `provider` may be NULL. */
    void *(*inflight_up)(void *ud, const char *model, const char *feature, const char *provider,
                         const void **bound);
    void (*inflight_down)(void *ud, void *token);
    void *inflight_ud;

    /* The client's lifetime (src/client/client.c): `ref_running` takes a reference for new
     * work (ESTATE once llmobs_shutdown was called), `try_ref` one unless the client is
     * already released, `ref` one while the caller holds one already; `unref` drops one. */
    llmobs_status (*ref_running)(void *owner, const char *fn);
    bool (*try_ref)(void *owner);
    bool (*is_shut)(void *owner);
    void (*ref)(void *owner);
    void (*unref)(void *owner);
    void *owner;

    /* Spans freed after export (or ended unrecorded) and their strings, finished traces and
     * their released attribute snapshots wait here for the next ones (core/recycle.h):
     * llmobs__tracer_recyclers_init when the client is composed, _fini once nothing can free
     * any of them any more (after the pipeline is gone). */
    llmobs__span_home spans;
    llmobs__recycler traces, attrs;
} llmobs__tracer;

void llmobs__tracer_recyclers_init(llmobs__tracer *t);
void llmobs__tracer_recyclers_fini(llmobs__tracer *t);

static inline llmobs__tracer *llmobs__tracer_of(llmobs_client *c)
{
    return (llmobs__tracer *)(void *)c; /* first member, see above */
}

static inline llmobs_client *llmobs__tracer_client(llmobs__tracer *t)
{
    return (llmobs_client *)(void *)t; /* the client around it */
}

static inline void llmobs__tracer_hold(llmobs__tracer *t)
{
    t->ref(t->owner);
}

static inline void llmobs__tracer_release(llmobs__tracer *t)
{
    t->unref(t->owner);
}

/* Adds an observer; false when the table is full. Before the client is handed out only. */
static inline bool llmobs__tracer_observe(llmobs__tracer *t, llmobs__generation_observer o)
{
    if (t->nobservers == LLMOBS__MAX_GENERATION_OBSERVERS) return false;
    t->observers[t->nobservers++] = o;
    return true;
}

#endif
