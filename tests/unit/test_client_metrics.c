/* What a client records in its registry besides the LLM metric set: the budget gauges refreshed
 * at every scrape, and the SDK's queue gauges, which are per client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/client.h"
#include "cost/cost.h"
#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static llmobs_client *client_on(llmobs_registry *r, const char *max_queue_items)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set(o, "flush_at", "1000");
    llmobs_options_set(o, "flush_interval", "3600");
    llmobs_options_set(o, "max_queue_items", max_queue_items);
    llmobs_options_set_registry(o, r);
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    assert_non_null(c);
    return c;
}

/* The out-parameter lives in static storage, not in scrape()'s frame: gcc 12 at -O3 inlines
 * scrape() and, since it cannot see that the library never stores &text into text, would
 * otherwise report every pointer derived from the result as dangling (-Wdangling-pointer). */
static char *scraped;

static char *scrape(llmobs_registry *r)
{
    scraped = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &scraped, NULL),
                     LLMOBS_OK);
    return scraped;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
        if ((p == text || p[-1] == '\n') && p[n] == '\n') return true;
    return false;
}

static void budget_gauges_of_every_feature_refresh_after_a_feature_name_of_300_bytes(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *c = client_on(r, "100");
    llmobs_cost_tracker *t = llmobs_client_cost_tracker(c);
    char longname[301];
    memset(longname, 'f', 300);
    longname[300] = '\0';
    assert_int_equal(llmobs_cost_set_budget(t, longname, 10), LLMOBS_OK);
    assert_int_equal(llmobs_cost_set_budget(t, "short", 5), LLMOBS_OK);
    /* No spend yet: only the scrape-time collector can have set these gauges. */
    char *text = scrape(r);
    char line[400];
    snprintf(line, sizeof line, "llm_daily_budget_usd{feature=\"%s\"} 10", longname);
    assert_true(has_line(text, line));
    snprintf(line, sizeof line, "llm_daily_budget_remaining_usd{feature=\"%s\"} 10", longname);
    assert_true(has_line(text, line));
    assert_true(has_line(text, "llm_daily_budget_usd{feature=\"short\"} 5"));
    assert_true(has_line(text, "llm_daily_budget_remaining_usd{feature=\"short\"} 5"));
    llmobs_metrics_string_free(text);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

static void end_traces(llmobs_client *c, int n)
{
    for (int i = 0; i < n; i++)
        llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
}

typedef struct filler {
    llmobs_client *c;
    int traces;
} filler;

static void *fill(void *arg)
{
    filler *f = arg;
    end_traces(f->c, f->traces);
    return NULL;
}

/* The queue gauge shows the queue's length at the scrape, never a length some thread saw
 * earlier: callers and the flusher used to set it after releasing the queue's lock, so a
 * caller's older length could land after the flusher's newer one and stay there. Here four
 * threads fill the queue while the flusher drains it (flush_at 1: a batch per item); once
 * everything is settled the gauge must read 0. */
static void the_queue_gauge_is_never_stale_after_the_queue_drains(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set(o, "flush_at", "1");
    llmobs_options_set_registry(o, r);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    char line[128];
    snprintf(line, sizeof line, "llmobs_queue_items{client=\"%s\"} 0", c->metrics_client);
    for (int round = 0; round < 20; round++) {
        enum { THREADS = 4 };
        pthread_t th[THREADS];
        filler f = {c, 200};
        for (int i = 0; i < THREADS; i++)
            assert_int_equal(pthread_create(&th[i], NULL, fill, &f), 0);
        for (int i = 0; i < THREADS; i++)
            pthread_join(th[i], NULL);
        uint64_t pending = 1;
        assert_int_equal(llmobs_flush(c, 30000, &pending), LLMOBS_OK);
        assert_int_equal(pending, 0);
        char *text = scrape(r);
        bool zero = has_line(text, line);
        if (!zero) fprintf(stderr, "round %d, after the queue drained:\n%s\n", round, text);
        llmobs_metrics_string_free(text);
        assert_true(zero);
    }
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

static void two_clients_on_one_registry_keep_their_own_queue_gauges(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *a = client_on(r, "100");
    llmobs_client *b = client_on(r, "200");
    assert_string_not_equal(a->metrics_client, b->metrics_client);
    end_traces(a, 3);
    end_traces(b, 5);
    char *text = scrape(r);
    char line[128];
    snprintf(line, sizeof line, "llmobs_queue_items{client=\"%s\"} 3", a->metrics_client);
    assert_true(has_line(text, line));
    snprintf(line, sizeof line, "llmobs_queue_items{client=\"%s\"} 5", b->metrics_client);
    assert_true(has_line(text, line));
    snprintf(line, sizeof line, "llmobs_queue_capacity_items{client=\"%s\"} 100",
             a->metrics_client);
    assert_true(has_line(text, line));
    snprintf(line, sizeof line, "llmobs_queue_capacity_items{client=\"%s\"} 200",
             b->metrics_client);
    assert_true(has_line(text, line));
    /* Counters are process totals: both clients' drops add up (none here). */
    llmobs_metrics_string_free(text);

    /* A client that is gone takes its gauges with it; the other keeps its own. */
    char gone[24];
    snprintf(gone, sizeof gone, "%s", a->metrics_client);
    assert_int_equal(llmobs_shutdown(a, 1000), LLMOBS_OK);
    text = scrape(r);
    snprintf(line, sizeof line, "llmobs_queue_capacity_items{client=\"%s\"}", gone);
    assert_null(strstr(text, line));
    snprintf(line, sizeof line, "llmobs_queue_capacity_items{client=\"%s\"} 200",
             b->metrics_client);
    assert_true(has_line(text, line));
    llmobs_metrics_string_free(text);
    assert_int_equal(llmobs_shutdown(b, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

/* One generation of `model` in a trace whose feature is `feature`: usage (input, output) when
 * input >= 0, the caller's total cost when usd >= 0. */
static void generation(llmobs_client *c, const char *model, const char *feature, int64_t input,
                       int64_t output, double usd)
{
    llmobs_trace *t = llmobs_trace_start(c, "req", NULL);
    llmobs_trace_set_feature(t, feature);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(g, model);
    if (input >= 0) llmobs_obs_set_usage(g, input, output);
    if (usd >= 0) llmobs_obs_set_cost_detail(g, "total", usd);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
}

/* llm_cost_usd_total and llm_cost_per_request_usd get every spend the client's tracker records,
 * once: ended generations (priced, the caller's own cost, an unknown model at 0 USD) and
 * llmobs_cost_record on the client's tracker; a generation without usage or cost records none.
 * (Generations record them with their other metrics, the tracker's hook the rest.) */
static void cost_metrics_count_generations_and_direct_records_once(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *c = client_on(r, "100");
    llmobs_cost_tracker *t = llmobs_client_cost_tracker(c);
    /* USD per 1M tokens: 1M input tokens cost 1 USD, 1M output tokens 2 USD. */
    assert_int_equal(llmobs_cost_set_price(t, "m1", 1, 2, -1, -1, -1, 0), LLMOBS_OK);
    generation(c, "m1", "f1", 1000000, 500000, -1);   /* 2 USD */
    generation(c, "m1", "f1", -1, 0, 0.5);            /* the caller's 0.5 USD */
    generation(c, "m1", "f1", -1, 0, -1);             /* nothing to record */
    generation(c, "no-such-model", "f1", 10, 10, -1); /* unknown: 0 USD */
    assert_int_equal(llmobs_cost_record(t, "m1", "f1", NULL, 1000000, 0, 0, 0, 0, NULL, NULL),
                     LLMOBS_OK); /* 1 USD */
    assert_int_equal(llmobs_cost_record(t, "m1", "f2", NULL, 0, 250000, 0, 0, 0, NULL, NULL),
                     LLMOBS_OK); /* 0.5 USD */
    char *text = scrape(r);
    assert_true(has_line(text, "llm_cost_usd_total{model=\"m1\",feature=\"f1\"} 3.5"));
    assert_true(has_line(text, "llm_cost_per_request_usd_count{model=\"m1\",feature=\"f1\"} 3"));
    assert_true(has_line(text, "llm_cost_per_request_usd_sum{model=\"m1\",feature=\"f1\"} 3.5"));
    assert_true(has_line(text, "llm_cost_usd_total{model=\"m1\",feature=\"f2\"} 0.5"));
    assert_true(has_line(text, "llm_cost_per_request_usd_count{model=\"m1\",feature=\"f2\"} 1"));
    assert_true(has_line(text, "llm_cost_usd_total{model=\"no-such-model\",feature=\"f1\"} 0"));
    assert_true(
        has_line(text, "llm_cost_per_request_usd_count{model=\"no-such-model\",feature=\"f1\"} 1"));
    assert_true(
        has_line(text, "llm_requests_total{model=\"m1\",feature=\"f1\",status=\"success\"} 3"));
    llmobs_metrics_string_free(text);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

static int64_t fake_clock(void *ud)
{
    return *(const int64_t *)ud;
}

/* A generation in flight counts under the labels its cost will carry: past the tracker's 1024
 * features a new feature is __other__, a kept one is itself; after midnight (the tables
 * emptied) every feature is itself again. */
static void inflight_labels_fold_as_the_cost_tracker_does_and_unfold_on_a_new_day(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *c = client_on(r, "100");
    llmobs_cost_tracker *t = llmobs_client_cost_tracker(c);
    int64_t now = INT64_C(1767225600) * 1000000000; /* 2026-01-01T00:00:00Z */
    llmobs__cost_tracker_set_clock(t, fake_clock, &now);
    char name[32];
    for (int i = 0; i < LLMOBS__COST_MAX_FEATURES; i++) {
        snprintf(name, sizeof name, "f%d", i);
        assert_int_equal(llmobs_cost_record_usd(t, "m1", name, NULL, 0.01), LLMOBS_OK);
    }
    llmobs_trace *tr = llmobs_trace_start(c, "req", NULL);
    llmobs_trace_set_feature(tr, "new");
    llmobs_obs *g1 = llmobs_obs_start(tr, NULL, LLMOBS_OBS_GENERATION, "a", NULL);
    llmobs_obs_set_model(g1, "m1");
    llmobs_trace *tk = llmobs_trace_start(c, "req", NULL);
    llmobs_trace_set_feature(tk, "f7");
    llmobs_obs *g2 = llmobs_obs_start(tk, NULL, LLMOBS_OBS_GENERATION, "a", NULL);
    llmobs_obs_set_model(g2, "m1");
    char *text = scrape(r);
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"__other__\"} 1"));
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"f7\"} 1"));
    assert_false(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"new\"} 1"));
    llmobs_metrics_string_free(text);
    llmobs_obs_end(g1);
    llmobs_obs_end(g2);
    llmobs_trace_end(tr);
    llmobs_trace_end(tk);
    now += INT64_C(86400) * 1000000000; /* the next day: spend and unbudgeted names forgotten */
    double spent = -1;
    assert_int_equal(llmobs_cost_spend_total(t, &spent), LLMOBS_OK);
    assert_true(spent == 0);
    tr = llmobs_trace_start(c, "req", NULL);
    llmobs_trace_set_feature(tr, "new");
    g1 = llmobs_obs_start(tr, NULL, LLMOBS_OBS_GENERATION, "a", NULL);
    llmobs_obs_set_model(g1, "m1");
    text = scrape(r);
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"new\"} 1"));
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"__other__\"} 0"));
    llmobs_metrics_string_free(text);
    llmobs_obs_end(g1);
    llmobs_trace_end(tr);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

/* An ended generation records through the series bound when its model was set, unless a label
 * changed since: a provider or feature set after the model counts under the new values, never
 * under the bound ones. */
static void generation_labels_changed_after_set_model_count_under_the_new_values(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *c = client_on(r, "100");
    for (int i = 0; i < 3; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "req", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "a", NULL);
        if (i == 2) llmobs_obs_set_provider(g, "azure"); /* known at set_model */
        llmobs_obs_set_model(g, "m1");
        if (i == 1) { /* changed after set_model */
            llmobs_obs_set_provider(g, "openai");
            llmobs_trace_set_feature(t, "chat");
        }
        llmobs_obs_set_usage(g, 3, 4);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
    /* the provider after the model, as llmobs_obs_set_from_response does, alternating */
    static const char *const after[] = {"openai", "azure", "openai", "openai", "azure"};
    for (size_t i = 0; i < sizeof after / sizeof *after; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "late", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "a", NULL);
        llmobs_obs_set_model(g, "m1");
        llmobs_obs_set_provider(g, after[i]);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
    char *text = scrape(r);
    assert_true(has_line(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"late\","
                               "provider=\"openai\"} 3"));
    assert_true(has_line(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"late\","
                               "provider=\"azure\"} 2"));
    assert_false(strstr(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"late\","
                              "provider=\"unknown\"}"));
    assert_true(
        has_line(text, "llm_requests_total{model=\"m1\",feature=\"late\",status=\"success\"} 5"));
    assert_true(has_line(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"req\","
                               "provider=\"unknown\"} 1"));
    assert_true(has_line(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"chat\","
                               "provider=\"openai\"} 1"));
    assert_true(has_line(text, "llm_request_duration_seconds_count{model=\"m1\",feature=\"req\","
                               "provider=\"azure\"} 1"));
    assert_true(
        has_line(text, "llm_requests_total{model=\"m1\",feature=\"req\",status=\"success\"} 2"));
    assert_true(
        has_line(text, "llm_requests_total{model=\"m1\",feature=\"chat\",status=\"success\"} 1"));
    assert_true(
        has_line(text, "llm_tokens_total{model=\"m1\",token_type=\"output\",feature=\"chat\"} 4"));
    assert_true(
        has_line(text, "llm_tokens_total{model=\"m1\",token_type=\"output\",feature=\"req\"} 8"));
    /* in flight under the labels of set_model, and back to 0 */
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"req\"} 0"));
    assert_false(strstr(text, "llm_inflight_requests{model=\"m1\",feature=\"chat\"}"));
    llmobs_metrics_string_free(text);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

/* Generations in flight at once, each differing from the one before in one label only: each
 * counts under its own (model, feature), whatever the last set_model found. */
static void generations_in_flight_count_under_their_own_labels(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *c = client_on(r, "100");
    static const char *const labels[][2] = {{"m1", "alpha"}, {"m1", "beta"}, {"m2", "beta"}};
    llmobs_trace *t[3];
    llmobs_obs *g[3];
    for (int i = 0; i < 3; i++) {
        t[i] = llmobs_trace_start(c, labels[i][1], NULL);
        g[i] = llmobs_obs_start(t[i], NULL, LLMOBS_OBS_GENERATION, "a", NULL);
        assert_int_equal(llmobs_obs_set_model(g[i], labels[i][0]), LLMOBS_OK);
    }
    char *text = scrape(r);
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"alpha\"} 1"));
    assert_true(has_line(text, "llm_inflight_requests{model=\"m1\",feature=\"beta\"} 1"));
    assert_true(has_line(text, "llm_inflight_requests{model=\"m2\",feature=\"beta\"} 1"));
    llmobs_metrics_string_free(text);
    for (int i = 0; i < 3; i++) {
        llmobs_obs_end(g[i]);
        llmobs_trace_end(t[i]);
    }
    text = scrape(r);
    for (int i = 0; i < 3; i++) {
        char line[128];
        snprintf(line, sizeof line, "llm_inflight_requests{model=\"%s\",feature=\"%s\"} 0",
                 labels[i][0], labels[i][1]);
        assert_true(has_line(text, line));
        snprintf(line, sizeof line,
                 "llm_requests_total{model=\"%s\",feature=\"%s\",status=\"success\"} 1",
                 labels[i][0], labels[i][1]);
        assert_true(has_line(text, line));
    }
    llmobs_metrics_string_free(text);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
    llmobs_registry_free(r);
}

/* A trace with a retrieval and a generation: three items, all dropped when not recorded. */
static void traced_call(llmobs_client *c)
{
    llmobs_trace *t = llmobs_trace_start(c, "rag", NULL);
    llmobs_obs *r = llmobs_obs_start(t, NULL, LLMOBS_OBS_RETRIEVER, "retrieval", NULL);
    llmobs_obs_end(r);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(g, "gpt-4o-mini");
    llmobs_obs_end(g);
    llmobs_trace_end(t);
}

static llmobs_client *client_with(llmobs_registry *r, const char *key, const char *value)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set(o, key, value);
    llmobs_options_set_registry(o, r);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    return c;
}

/* Drops are counted on the dropping thread by an atomic add only; llmobs_dropped_total catches
 * up at every render, sums the clients of a registry, and gets the drops after the last
 * render when a client is freed. */
static void dropped_total_counts_every_drop_at_the_next_render_and_at_shutdown(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_client *sampled = client_with(r, "sample_rate", "0");
    llmobs_client *off = client_with(r, "enabled", "false");
    char *text = scrape(r);
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"sampled_out\"} 0"));
    llmobs_metrics_string_free(text);
    for (int i = 0; i < 5; i++) {
        traced_call(sampled);
        traced_call(off);
    }
    text = scrape(r);
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"sampled_out\"} 15"));
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"disabled\"} 15"));
    llmobs_metrics_string_free(text);
    text = scrape(r); /* a render adds only what is new */
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"sampled_out\"} 15"));
    llmobs_metrics_string_free(text);
    llmobs_client *also = client_with(r, "sample_rate", "0");
    traced_call(sampled);
    traced_call(also);
    traced_call(also);
    llmobs_shutdown(sampled, 1000); /* no render since: shutdown brings them in */
    llmobs_shutdown(also, 1000);
    text = scrape(r);
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"sampled_out\"} 24"));
    assert_true(has_line(text, "llmobs_dropped_total{reason=\"disabled\"} 15"));
    llmobs_metrics_string_free(text);
    llmobs_shutdown(off, 1000);
    llmobs_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_gauges_of_every_feature_refresh_after_a_feature_name_of_300_bytes),
        cmocka_unit_test(two_clients_on_one_registry_keep_their_own_queue_gauges),
        cmocka_unit_test(cost_metrics_count_generations_and_direct_records_once),
        cmocka_unit_test(inflight_labels_fold_as_the_cost_tracker_does_and_unfold_on_a_new_day),
        cmocka_unit_test(generation_labels_changed_after_set_model_count_under_the_new_values),
        cmocka_unit_test(generations_in_flight_count_under_their_own_labels),
        cmocka_unit_test(the_queue_gauge_is_never_stale_after_the_queue_drains),
        cmocka_unit_test(dropped_total_counts_every_drop_at_the_next_render_and_at_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
