/* What a client records in its metrics registry: the LLM metric set for every ended
 * generation (with its cost), budgets, and the SDK's own delivery health. All of it is
 * atomics on series that exist after the first use; nothing here does I/O. */
#include "client/client_metrics.h"
#include "cost/cost.h"
#include "export/spool.h"
#include "llmobs/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- cost hooks (run on the thread that ended the generation, outside the tracker's lock) *
 * on_record runs for llmobs_cost_record/_usd on the client's tracker; an ended generation's
 * cost is recorded by the client's generation observer with its other metrics (client.c). */

static void on_cost(void *ud, const char *model, const char *feature,
                    const double cost[LLMOBS_COST_KIND_COUNT])
{
    llmobs__llm_metrics_record_cost(ud, model, feature, cost[LLMOBS_COST_TOTAL]);
}

static void on_unknown_model(void *ud, const char *model)
{
    llmobs__llm_metrics *m = ud;
    const char *v[1] = {model};
    llmobs_counter_inc_labels(m->f[LLMOBS__LLM_COST_UNKNOWN_MODEL], v, 1);
}

static void on_budget(void *ud, const char *feature, double budget, double remaining)
{
    llmobs__llm_metrics *m = ud;
    const char *v[1] = {feature};
    llmobs_gauge_set_labels(m->f[LLMOBS__LLM_BUDGET], v, 1, budget);
    llmobs__llm_metrics_budget_remaining(m, feature, remaining);
}

/* ---- pipeline hooks (flusher thread, or the caller's for queue_full) ---------------------- */

static void on_export(void *ud, uint32_t exported, double seconds, uint32_t retries)
{
    llmobs__llm_metrics *m = ((llmobs_client *)ud)->metrics;
    llmobs__llm_metrics_exported(m, exported);
    llmobs__llm_metrics_export_duration(m, seconds);
    if (retries) llmobs__llm_metrics_export_retries(m, retries);
}

static void on_attempt_failed(void *ud)
{
    llmobs__llm_metrics *m = ((llmobs_client *)ud)->metrics;
    llmobs_counter_inc_labels(m->f[LLMOBS__SDK_EXPORT_FAILURES], NULL, 0);
}

static void on_spool(void *ud, int event, uint64_t n)
{
    llmobs__llm_metrics *m = ((llmobs_client *)ud)->metrics;
    if (event == LLMOBS__SPOOL_CORRUPT) {
        llmobs_counter_add_labels(m->f[LLMOBS__SDK_SPOOL_CORRUPT], NULL, 0, (double)n);
        return;
    }
    const char *v[1] = {llmobs__spool_event_name((llmobs__spool_event)event)};
    llmobs_counter_add_labels(m->f[LLMOBS__SDK_SPOOL_ITEMS], v, 1, (double)n);
}

llmobs__pipeline_hooks llmobs__client_pipeline_hooks(llmobs_client *c)
{
    return (llmobs__pipeline_hooks){.on_export = on_export,
                                    .on_attempt_failed = on_attempt_failed,
                                    .ud = c,
                                    .on_spool = on_spool};
}

/* At every scrape: the queue gauge (one per client: two clients on one registry each have
 * their own) from the queue's length now. Set at scrape time rather than by the threads that
 * change the queue: those would set it after releasing the queue's lock, so a caller's older
 * length could land after the flusher's newer one and stay (a stale llmobs_queue_items). Then
 * the budget gauges from the tracker, which applies the UTC-midnight reset, so a new day shows
 * full budgets before the first spend of that day. A feature name longer than the buffer grows
 * it (and never ends the walk: every later feature is refreshed too). */
/* llmobs_dropped_total catches up with the pipeline's drop counters: what each reason gained
 * since the last time. Collectors run one at a time (the registry's collectors lock), and the
 * last catch-up (llmobs__client_metrics_fini) runs after this one is removed. A counter that
 * went back (zeroed in a fork() child) restarts from its new value. */
static void catch_up_drops(llmobs_client *c, llmobs__pipeline *pipe)
{
    for (int r = 0; r < LLMOBS_DROP_REASON_COUNT; r++) {
        uint64_t now = llmobs__pipeline_dropped(pipe, (llmobs_drop_reason)r);
        if (now > c->drops_reported[r])
            llmobs__llm_metrics_dropped(c->metrics, llmobs_drop_reason_name((llmobs_drop_reason)r),
                                        now - c->drops_reported[r]);
        c->drops_reported[r] = now;
    }
}

static void collect(void *ud)
{
    llmobs_client *c = ud;
    llmobs__pipeline *pipe = c->pipe;
    if (pipe) {
        llmobs__llm_metrics_queue_items(c->metrics, c->metrics_client,
                                        (double)llmobs__pipeline_queue_length(pipe));
        catch_up_drops(c, pipe);
    }
    char small[256], *feature = small;
    size_t cap = sizeof small;
    double spent, budget;
    for (size_t i = 0;;) {
        llmobs_status st = llmobs_cost_feature_at(c->cost, i, feature, cap, &spent, &budget);
        if (st == LLMOBS_ELIMIT) {
            char *bigger = cap <= SIZE_MAX / 2 ? malloc(cap * 2) : NULL;
            if (bigger) {
                if (feature != small) free(feature);
                feature = bigger;
                cap *= 2;
                continue; /* the same feature again */
            }
        } else if (st == LLMOBS_OK) {
            if (budget > 0)
                on_budget(c->metrics, feature, budget, budget > spent ? budget - spent : 0);
        } else {
            break; /* ENOTFOUND: past the last feature */
        }
        i++;
    }
    if (feature != small) free(feature);
}

static _Atomic uint64_t clients_made; /* names clients "1", "2", ... in the process */

llmobs_status llmobs__client_metrics_init(llmobs_client *c)
{
    llmobs__llm_metrics *m = c->metrics;
    snprintf(c->metrics_client, sizeof c->metrics_client, "%llu",
             (unsigned long long)atomic_fetch_add(&clients_made, 1) + 1);
    llmobs__llm_metrics_queue_capacity(m, c->metrics_client, (double)c->opts->max_queue_items);
    llmobs__llm_metrics_queue_items(m, c->metrics_client, 0);
    /* Counters whose label values are known in advance start at 0 (Prometheus'
     * instrumentation guidelines): rate() and increase() see the first drop. */
    for (int r = 0; r < LLMOBS_DROP_REASON_COUNT; r++)
        llmobs__llm_metrics_dropped(m, llmobs_drop_reason_name((llmobs_drop_reason)r), 0);
    for (int e = 0; e < LLMOBS__SPOOL_EVENT_COUNT; e++) {
        if (e == LLMOBS__SPOOL_CORRUPT) continue; /* a file count, its own label-less family */
        const char *v[1] = {llmobs__spool_event_name((llmobs__spool_event)e)};
        llmobs_counter_add_labels(m->f[LLMOBS__SDK_SPOOL_ITEMS], v, 1, 0);
    }
    llmobs__cost_tracker_set_hooks(c->cost,
                                   &(llmobs__cost_hooks){on_cost, on_unknown_model, on_budget, m});
    collect(c);
    return llmobs__registry_add_collector(c->registry, collect, c);
}

void llmobs__client_metrics_fini(llmobs_client *c)
{
    llmobs__registry_remove_collector(c->registry, collect, c);
    llmobs__pipeline *pipe = c->pipe;
    if (pipe) catch_up_drops(c, pipe); /* the drops since the last scrape */
    llmobs__llm_metrics_forget_client(c->metrics, c->metrics_client);
}
