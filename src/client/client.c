/* The client: options resolved once, one pipeline (queue + flusher thread + exporter). */
#include "client/client.h"
#include "core/error.h"
#include "client/client_metrics.h"
#include "cost/cost.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_status(llmobs_status *out, llmobs_status st)
{
    if (out) *out = st;
}

static bool enqueue(void *pipe, llmobs__item *item)
{
    return llmobs__pipeline_enqueue(pipe, item);
}

static void count_dropped(void *pipe, llmobs_drop_reason reason, uint64_t n)
{
    llmobs__pipeline_count_dropped(pipe, reason, n);
}

static llmobs_status ref_running(void *owner, const char *fn)
{
    return llmobs__client_ref_running(owner, fn);
}

static bool try_ref(void *owner)
{
    return llmobs__client_try_ref(owner);
}

static bool is_shut(void *owner)
{
    return llmobs__client_is_shut(owner);
}

static void ref(void *owner)
{
    llmobs__client_ref(owner);
}

static void unref(void *owner)
{
    llmobs__client_unref(owner);
}

/* In flight under the labels the cost metrics use for this model and feature; the
 * generation's metric series are bound under them too (on_generation). */
static void *inflight_up(void *client, const char *model, const char *feature, const char *provider,
                         const void **bound)
{
    llmobs_client *c = client;
    llmobs__cost_metric_labels(c->cost, &model, &feature);
    return llmobs__llm_metrics_inflight_up(c->metrics, model, feature, provider, bound);
}

static void inflight_down(void *client, void *series)
{
    llmobs__llm_metrics_inflight_down(((llmobs_client *)client)->metrics, series);
}

/* An ended generation, priced and its spend recorded by the cost tracker (the price hook):
 * the LLM metric set records the generation's metrics with its cost (llm_cost_usd_total,
 * llm_cost_per_request_usd: the tracker's on_record hook is left out for generations), all
 * under one series lookup. */
static void on_generation(void *client, const llmobs__generation *g)
{
    llmobs_client *c = client;
    llmobs__llm_metrics_on_generation_cost(c->metrics, g, g->cost_recorded ? g->label_model : NULL,
                                           g->label_feature);
}

/* What tracing sees: the pipeline as its sink, the cost tracker as its price hook (which
 * records the spend too), and one observer of ended generations: the LLM metric set. */
static void compose_tracer(llmobs_client *c)
{
    llmobs__tracer *t = &c->tracer;
    t->opts = c->opts;
    t->log = &c->log;
    t->enabled = c->enabled;
    t->enqueue = enqueue;
    t->count_dropped = count_dropped;
    t->sink_ud = c->pipe;
    t->price = llmobs__cost_generation;
    t->price_ud = c->cost;
    llmobs__tracer_observe(t, (llmobs__generation_observer){on_generation, c});
    t->inflight_up = inflight_up;
    t->inflight_down = inflight_down;
    t->inflight_ud = c;
    t->ref_running = ref_running;
    t->try_ref = try_ref;
    t->is_shut = is_shut;
    t->ref = ref;
    t->unref = unref;
    t->owner = c;
    llmobs__tracer_recyclers_init(t);
}

_Static_assert(offsetof(struct llmobs_client, tracer) == 0, "the tracer is the first member");

/* A client that cannot be created says why where the application looks (its log callback, or
 * stderr), not only through llmobs_last_error(), which is left as it was. */
static void log_creation_failure(const llmobs__logger *lg, llmobs_status st)
{
    char detail[512];
    snprintf(detail, sizeof detail, "%s", llmobs_last_error());
    llmobs__log(lg, LLMOBS_LOG_ERROR, "client not created: %s: %s", llmobs_status_name(st), detail);
    llmobs__error_set("%s", detail);
}

/* Half-set Langfuse keys: a warning naming the missing variable, and no export (rather than
 * the local file the exporter "auto" picks without keys); an error when strict. */
static llmobs_status check_langfuse_keys(llmobs_client *c)
{
    const llmobs_options *o = c->opts;
    bool pk = *o->public_key, sk = *o->secret_key;
    if (pk == sk) return LLMOBS_OK;
    const char *missing =
        pk ? "LANGFUSE_SECRET_KEY (option secret_key)" : "LANGFUSE_PUBLIC_KEY (option public_key)";
    const char *set = pk ? "LANGFUSE_PUBLIC_KEY" : "LANGFUSE_SECRET_KEY";
    if (o->strict)
        return llmobs__error(LLMOBS_EINVAL, "%s is not set but %s is (strict=true)", missing, set);
    bool otlp = *o->otlp_endpoint || *o->otlp_traces_endpoint;
    if (o->exporter == LLMOBS__EXPORTER_AUTO && !otlp) {
        llmobs__log(&c->log, LLMOBS_LOG_WARN,
                    "%s is not set but %s is: Langfuse export is disabled (items are counted as "
                    "dropped, reason disabled); set both keys, or neither",
                    missing, set);
        c->enabled = false;
    } else if (o->exporter == LLMOBS__EXPORTER_AUTO) {
        llmobs__log(&c->log, LLMOBS_LOG_WARN,
                    "%s is not set but %s is: nothing goes to Langfuse, only to the OTLP endpoint",
                    missing, set);
    }
    return LLMOBS_OK;
}

llmobs_client *llmobs_client_new(llmobs_options *opts, llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    if (!opts && !(opts = llmobs_options_new())) {
        set_status(status, llmobs__error(LLMOBS_ENOMEM, "client: out of memory"));
        return NULL;
    }
    llmobs_client *c = calloc(1, sizeof *c);
    if (!c) {
        llmobs_options_free(opts);
        set_status(status, llmobs__error(LLMOBS_ENOMEM, "client: out of memory"));
        return NULL;
    }
    c->opts = opts;
    c->log = (llmobs__logger){opts->log_fn, opts->log_ud, false};
    atomic_init(&c->refs, 1);
    atomic_init(&c->shut, false);
    atomic_init(&c->final_ready, false);
    if ((st = llmobs__options_apply_env(opts)) != LLMOBS_OK) goto fail;
    c->log.debug = opts->debug;
    c->enabled = opts->enabled;
    if ((st = check_langfuse_keys(c)) != LLMOBS_OK) goto fail;
    c->cost = llmobs__cost_tracker_create(opts, &c->log, &st);
    if (!c->cost) goto fail;
    c->registry = opts->registry ? opts->registry : llmobs_registry_default();
    c->metrics = llmobs__llm_metrics_get(c->registry, &st);
    if (!c->metrics) {
        st = llmobs__error(st, "metrics: cannot register the LLM metric set: %s",
                           llmobs_last_error());
        goto fail;
    }
    if ((st = llmobs__client_metrics_init(c)) != LLMOBS_OK) goto fail;
    if (*opts->metrics_addr && (st = llmobs_metrics_server_start(c->registry, opts->metrics_addr,
                                                                 &c->server)) != LLMOBS_OK) {
        st = llmobs__error(st, "option metrics_addr: cannot serve on '%s': %s", opts->metrics_addr,
                           llmobs_last_error());
        if (opts->strict) goto fail;
        /* Fail soft: tracing and cost work without the scrape endpoint. */
        llmobs__log(&c->log, LLMOBS_LOG_ERROR, "%s; continuing without it (strict=false)",
                    llmobs_last_error());
        st = LLMOBS_OK;
    }
    llmobs__exporter *exporter = llmobs__exporter_from_options(opts, &c->log, &st);
    if (!exporter) goto fail;
    if (strcmp(exporter->name, "file") == 0)
        llmobs__log(&c->log, LLMOBS_LOG_INFO, "exporting to the file %s", opts->file_path);
    else
        llmobs__log(&c->log, LLMOBS_LOG_INFO, "exporting with the %s exporter", exporter->name);
    llmobs__pipeline_hooks hooks = llmobs__client_pipeline_hooks(c);
    c->pipe = llmobs__pipeline_new(opts, &c->log, exporter, &hooks, &st);
    if (!c->pipe) goto fail;
    compose_tracer(c);
    llmobs__error_clear();
    set_status(status, LLMOBS_OK);
    return c;
fail:
    log_creation_failure(&c->log, st);
    llmobs_metrics_server_stop(c->server);
    if (c->metrics) llmobs__client_metrics_fini(c);
    if (c->cost) llmobs__cost_tracker_set_hooks(c->cost, NULL);
    llmobs_cost_tracker_free(c->cost);
    llmobs_options_free(opts);
    free(c);
    set_status(status, st);
    return NULL;
}

/* ---- lifetime ------------------------------------------------------------------------------
 * A released client (refs reached 0) keeps only this struct, with its final counters, on a
 * process-wide list freed when the library is unloaded (or the process exits): so a second
 * llmobs_shutdown, a flush or a stats read after shutdown reads valid memory and answers
 * with a status instead of crashing. The cost is sizeof(llmobs_client) (about 300 bytes)
 * per client ever shut down; docs/decisions.md says why that is the right trade. */

static pthread_mutex_t retired_mu = PTHREAD_MUTEX_INITIALIZER;
static llmobs_client *retired;

static void retire(llmobs_client *c)
{
    pthread_mutex_lock(&retired_mu);
    c->retired_next = retired;
    retired = c;
    pthread_mutex_unlock(&retired_mu);
}

void llmobs__client_free_retired(void)
{
    pthread_mutex_lock(&retired_mu);
    llmobs_client *c = retired;
    retired = NULL;
    pthread_mutex_unlock(&retired_mu);
    while (c) {
        llmobs_client *next = c->retired_next;
        free(c);
        c = next;
    }
}

/* Unloading (dlclose) or exit: the retired shells go with the library. */
__attribute__((destructor)) static void free_retired_at_unload(void)
{
    llmobs__client_free_retired();
}

void llmobs__client_ref(llmobs_client *c)
{
    atomic_fetch_add(&c->refs, 1);
}

bool llmobs__client_try_ref(llmobs_client *c)
{
    int n = atomic_load(&c->refs);
    while (n > 0)
        if (atomic_compare_exchange_weak(&c->refs, &n, n + 1)) return true;
    return false;
}

bool llmobs__client_is_shut(const llmobs_client *c)
{
    return atomic_load(&((llmobs_client *)c)->shut);
}

void llmobs__client_unref(llmobs_client *c)
{
    if (atomic_fetch_sub(&c->refs, 1) != 1) return;
    /* Nobody else holds the client: the flusher is stopped, no trace is open, no call is in
     * progress. The counters cannot move any more; keep them and free the rest. */
    for (int s = 0; s <= LLMOBS_STAT_INVALID_JSON; s++)
        c->final_stats[s] = llmobs__pipeline_stat(c->pipe, (llmobs_stat)s);
    for (int r = 0; r < LLMOBS_DROP_REASON_COUNT; r++)
        c->final_dropped[r] = llmobs__pipeline_dropped(c->pipe, (llmobs_drop_reason)r);
    atomic_store(&c->final_ready, true);
    llmobs__client_metrics_fini(c);
    llmobs__pipeline_free(c->pipe);
    c->pipe = NULL;
    llmobs__tracer_recyclers_fini(&c->tracer); /* the last span went with the pipeline */
    llmobs_cost_tracker_free(c->cost);
    c->cost = NULL;
    llmobs_options_free(c->opts);
    c->opts = NULL;
    retire(c);
}

llmobs_status llmobs__client_ref_running(llmobs_client *c, const char *fn)
{
    if (!llmobs__client_try_ref(c))
        return llmobs__error(LLMOBS_ESTATE, "%s: the client was shut down", fn);
    if (atomic_load(&c->shut)) {
        llmobs__client_unref(c);
        return llmobs__error(LLMOBS_ESTATE, "%s: the client was shut down", fn);
    }
    return LLMOBS_OK;
}

llmobs_status llmobs_flush(llmobs_client *c, int64_t timeout_ms, uint64_t *pending)
{
    if (pending) *pending = 0;
    if (!c) return llmobs__error(LLMOBS_EINVAL, "llmobs_flush: NULL client");
    llmobs_status st = llmobs__client_ref_running(c, "llmobs_flush");
    if (st != LLMOBS_OK) return st;
    st = llmobs__pipeline_flush(c->pipe, timeout_ms, pending);
    llmobs__client_unref(c);
    return st;
}

llmobs_status llmobs_shutdown(llmobs_client *c, int64_t timeout_ms)
{
    if (!c) return LLMOBS_OK;
    if (atomic_exchange(&c->shut, true))
        return llmobs__error(LLMOBS_ESTATE, "llmobs_shutdown: the client was already shut down");
    uint64_t dropped_before = llmobs__pipeline_dropped(c->pipe, LLMOBS_DROP_SHUTDOWN);
    llmobs_status st = llmobs__pipeline_stop(c->pipe, timeout_ms);
    uint64_t dropped = llmobs__pipeline_dropped(c->pipe, LLMOBS_DROP_SHUTDOWN) - dropped_before;
    if (dropped)
        llmobs__log(&c->log, LLMOBS_LOG_WARN,
                    "shutdown: %llu items not delivered within %lld ms were dropped (reason "
                    "shutdown)",
                    (unsigned long long)dropped, (long long)timeout_ms);
    llmobs_metrics_server_stop(c->server);
    c->server = NULL;
    llmobs__client_unref(c); /* the application's reference */
    return st;
}

/* Reads a counter from the live pipeline, or the final value of a released client. */
static uint64_t read_counter(const llmobs_client *cc, int stat, int reason)
{
    llmobs_client *c = (llmobs_client *)cc; /* the reference count is not the client's state */
    uint64_t v;
    if (llmobs__client_try_ref(c)) {
        v = stat >= 0 ? llmobs__pipeline_stat(c->pipe, (llmobs_stat)stat)
                      : llmobs__pipeline_dropped(c->pipe, (llmobs_drop_reason)reason);
        llmobs__client_unref(c);
        return v;
    }
    while (!atomic_load(&c->final_ready)) /* the last holder is copying them right now */
        sched_yield();
    return stat >= 0 ? c->final_stats[stat] : c->final_dropped[reason];
}

llmobs_status llmobs_stats_get(const llmobs_client *c, llmobs_stat stat, uint64_t *out)
{
    if (!c || !out || (unsigned)stat > LLMOBS_STAT_INVALID_JSON)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_stats_get: NULL argument or unknown stat");
    *out = read_counter(c, (int)stat, 0);
    return LLMOBS_OK;
}

llmobs_status llmobs_stats_dropped(const llmobs_client *c, llmobs_drop_reason reason, uint64_t *out)
{
    if (!c || !out || (unsigned)reason >= LLMOBS_DROP_REASON_COUNT)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_stats_dropped: NULL argument or unknown reason");
    *out = read_counter(c, -1, (int)reason);
    return LLMOBS_OK;
}

llmobs_cost_tracker *llmobs_client_cost_tracker(llmobs_client *c)
{
    /* After shutdown the tracker may be freed at any moment (with the last trace). */
    return c && !atomic_load(&c->shut) ? c->cost : NULL;
}
