/* Fixed-iteration driver for `valgrind --tool=callgrind`: instruction counts of the hot paths are
 * repeatable on a noisy machine where times are not. bench/run.sh runs
 *   valgrind --tool=callgrind --separate-threads=yes --toggle-collect=cg_loop \
 *       bench_callgrind <case> <iterations>
 * and divides the calling thread's instruction total by <iterations>. Only cg_loop (and what it
 * calls) is counted: set-up, warm-up, the flusher thread and shutdown are not.
 * Cases: traced_call traced_call_sampled_out traced_call_disabled counter_inc_labels
 *        counter_inc histogram_observe histogram_observe_labels gauge_set
 *        set_input_json_1mb (a span whose input is a 1 MB JSON document: what the caller pays
 *        for the payload, which should be one copy and no parse)
 *        traced_call_steady (the traced call with the flusher keeping up, as in a service
 *        below its export capacity: llmobs_flush after every 16 calls, so freed spans come back
 *        to the recycler; run with --toggle-collect=cg_step so that only the calls count, not
 *        the flushes. Under valgrind's one-thread-at-a-time scheduler the plain traced_call
 *        case runs the flusher rarely, in bursts: its spans mostly miss the recycler)
 *        cost_record (llmobs_cost_record on a standalone tracker: known model, feature, one of
 *        1,000 users, all already tracked), cost_generation (the cost tracker's part of an ended
 *        generation: the client's price hook, pricing and recording in one pass, on the
 *        record tracing builds, without the metrics hooks) */
#include "bench_util.h"
#include "core/generation.h"
#include "cost/cost.h"
#include "llmobs/cost.h"
#include "llmobs/llmobs.h"
#include "llmobs/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct env {
    const char *which;
    char *big_json;
    llmobs_cost_tracker *cost;
    char users[1000][16];
    llmobs_client *client;
    llmobs_family *counter, *hist;
    llmobs_counter *bound;
    llmobs_histogram *bound_hist;
    llmobs_gauge *gauge;
} env;

static const char *const LV[] = {"gpt-4o-mini", "rag_pipeline"};

/* What the tracer does with an ended generation, for the cost tracker only: build the record
 * (trace/span.c), price and record it. */
static void cost_generation(llmobs_cost_tracker *t, const char *user)
{
    llmobs__generation g = {.model = "gpt-4o-mini",
                            .feature = "rag_pipeline",
                            .user = user,
                            .status = "success",
                            .tokens = {52, 47, -1, -1, -1}};
    llmobs__cost_generation(t, &g);
}

__attribute__((noinline)) void cg_step(llmobs_client *c);
__attribute__((noinline)) void cg_step(llmobs_client *c)
{
    traced_call(c);
}

__attribute__((noinline)) void cg_loop(env *e, long n);
__attribute__((noinline)) void cg_loop(env *e, long n)
{
    const char *w = e->which;
    if (strcmp(w, "traced_call_steady") == 0)
        for (long i = 0; i < n; i++) {
            cg_step(e->client);
            if (i % 16 == 15) llmobs_flush(e->client, 30000, NULL);
        }
    else if (strncmp(w, "traced_call", 11) == 0)
        for (long i = 0; i < n; i++)
            traced_call(e->client);
    else if (strcmp(w, "set_input_json_1mb") == 0)
        for (long i = 0; i < n; i++) {
            llmobs_trace *t = llmobs_trace_start(e->client, "upload", NULL);
            llmobs_trace_set_input_json(t, e->big_json);
            llmobs_trace_end(t);
        }
    else if (strcmp(w, "counter_inc_labels") == 0)
        for (long i = 0; i < n; i++)
            llmobs_counter_inc_labels(e->counter, LV, 2);
    else if (strcmp(w, "counter_inc") == 0)
        for (long i = 0; i < n; i++)
            llmobs_counter_inc(e->bound);
    else if (strcmp(w, "histogram_observe") == 0)
        for (long i = 0; i < n; i++)
            llmobs_histogram_observe(e->bound_hist, (double)(i & 63) * 0.5);
    else if (strcmp(w, "histogram_observe_labels") == 0)
        for (long i = 0; i < n; i++)
            llmobs_histogram_observe_labels(e->hist, LV, 2, (double)(i & 63) * 0.5);
    else if (strcmp(w, "gauge_set") == 0)
        for (long i = 0; i < n; i++)
            llmobs_gauge_set(e->gauge, (double)i);
    else if (strcmp(w, "cost_record") == 0)
        for (long i = 0; i < n; i++)
            llmobs_cost_record(e->cost, "gpt-4o-mini", "rag_pipeline", e->users[i % 1000], 52, 47,
                               0, 0, 0, NULL, NULL);
    else if (strcmp(w, "cost_generation") == 0)
        for (long i = 0; i < n; i++)
            cost_generation(e->cost, e->users[i % 1000]);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_callgrind <case> <iterations>\n");
        return 2;
    }
    static env e; /* big: 16 kB of user names */
    e.which = argv[1];
    long n = atol(argv[2]);
    llmobs_registry *reg = llmobs_registry_new(NULL);
    const char *const l[] = {"model", "feature"};
    const double b[] = {0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32};
    llmobs_counter_register(reg, "bench_requests_total", "Requests", NULL, l, 2, &e.counter);
    llmobs_histogram_register(reg, "bench_duration_seconds", "Latency", "seconds", l, 2, b, 9,
                              &e.hist);
    llmobs_family *gf;
    llmobs_gauge_register(reg, "bench_inflight", "Inflight", NULL, l, 2, &gf);
    llmobs_counter_labels(e.counter, LV, 2, &e.bound);
    llmobs_histogram_labels(e.hist, LV, 2, &e.bound_hist);
    llmobs_gauge_labels(gf, LV, 2, &e.gauge);
    if (strcmp(e.which, "set_input_json_1mb") == 0) {
        size_t cap = 1 << 20, len = 0;
        e.big_json = malloc(cap + 1);
        if (!e.big_json) return 1;
        e.big_json[len++] = '[';
        while (len + 40 < cap)
            len += (size_t)snprintf(e.big_json + len, cap - len, "{\"id\":%zu,\"text\":\"chunk\"},",
                                    len);
        e.big_json[len - 1] = ']';
        e.big_json[len] = '\0';
    }
    if (strncmp(e.which, "traced_call", 11) == 0 || e.big_json) {
        llmobs_options *o = llmobs_options_new();
        llmobs_options_set(o, "exporter", "none");
        llmobs_options_set(o, "service_name", "bench");
        if (strcmp(e.which, "traced_call_sampled_out") == 0)
            llmobs_options_set(o, "sample_rate", "0");
        if (strcmp(e.which, "traced_call_disabled") == 0) llmobs_options_set(o, "enabled", "false");
        e.client = llmobs_client_new(o, NULL);
        if (!e.client) return 1;
        for (int i = 0; i < 100 && !e.big_json; i++)
            traced_call(e.client); /* create metric children */
        llmobs_flush(e.client, 30000, NULL);
    }
    if (strncmp(e.which, "cost_", 5) == 0) {
        e.cost = llmobs_cost_tracker_new(NULL, NULL);
        if (!e.cost) return 1;
        llmobs_cost_set_user_limit(e.cost, 1000);
        llmobs_cost_set_budget(e.cost, "rag_pipeline", 1e9);
        for (int i = 0; i < 1000; i++) { /* every user already tracked */
            snprintf(e.users[i], sizeof e.users[i], "user-%d", i);
            cost_generation(e.cost, e.users[i]);
        }
    }
    cg_loop(&e, n);
    llmobs_cost_tracker_free(e.cost);
    if (e.client) llmobs_shutdown(e.client, 10000);
    llmobs_registry_free(reg);
    free(e.big_json);
    return 0;
}
