/* The LLM metric set: names, labels and buckets as in the reference article, registration once
 * per registry, and what the recording helpers used by tracing record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/family.h"

#include <pthread.h>
#include "metrics/metrics.h"
#include <llmobs/llmobs.h>

static int setup(void **state)
{
    *state = llmobs_registry_new(NULL);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    llmobs_registry_free(*state);
    return 0;
}

/* Written out independently of the table, from the article and DESIGN.md §6. */
static const struct {
    const char *name;
    int type;
    const char *labels;
} expected[] = {
    {"llm_requests_total", LLMOBS__COUNTER, "model,feature,status"},
    {"llm_request_duration_seconds", LLMOBS__HISTOGRAM, "model,feature,provider"},
    {"llm_time_to_first_token_seconds", LLMOBS__HISTOGRAM, "model,feature"},
    {"llm_tokens_total", LLMOBS__COUNTER, "model,token_type,feature"},
    {"llm_cost_usd_total", LLMOBS__COUNTER, "model,feature"},
    {"llm_cost_per_request_usd", LLMOBS__HISTOGRAM, "model,feature"},
    {"llm_daily_budget_remaining_usd", LLMOBS__GAUGE, "feature"},
    {"llm_inflight_requests", LLMOBS__GAUGE, "model,feature"},
    {"llm_context_utilisation_ratio", LLMOBS__HISTOGRAM, "model,feature"},
    {"llm_eval_pass_rate", LLMOBS__GAUGE, "feature,metric"},
    {"llm_eval_runs_total", LLMOBS__COUNTER, "feature,metric,result"},
    {"llm_rag_faithfulness", LLMOBS__GAUGE, "pipeline_version"},
    {"llmobs_exported_total", LLMOBS__COUNTER, ""},
    {"llmobs_dropped_total", LLMOBS__COUNTER, "reason"},
    {"llmobs_queue_items", LLMOBS__GAUGE, "client"},
    {"llmobs_export_duration_seconds", LLMOBS__HISTOGRAM, ""},
    {"llmobs_export_retries_total", LLMOBS__COUNTER, ""},
    {"llm_daily_budget_usd", LLMOBS__GAUGE, "feature"},
    {"llm_cost_unknown_model_total", LLMOBS__COUNTER, "model"},
    {"llmobs_queue_capacity_items", LLMOBS__GAUGE, "client"},
    {"llmobs_export_failures_total", LLMOBS__COUNTER, ""},
    {"llmobs_spool_items_total", LLMOBS__COUNTER, "outcome"},
    {"llmobs_spool_corrupt_files_total", LLMOBS__COUNTER, ""},
};

static void table_has_the_article_names_types_and_labels(void **state)
{
    (void)state;
    assert_int_equal(sizeof expected / sizeof expected[0], LLMOBS__LLM_FAMILY_COUNT);
    for (size_t i = 0; i < LLMOBS__LLM_FAMILY_COUNT; i++) {
        const llmobs__llm_metric_def *d = &llmobs__llm_metric_defs[i];
        assert_string_equal(d->name, expected[i].name);
        assert_int_equal(d->type, expected[i].type);
        char joined[128] = "";
        for (size_t k = 0; k < d->nlabels; k++) {
            if (k) strcat(joined, ",");
            strcat(joined, d->labels[k]);
        }
        assert_string_equal(joined, expected[i].labels);
    }
}

static void assert_bounds(llmobs__llm_family f, const double *want, size_t n)
{
    const llmobs__llm_metric_def *d = &llmobs__llm_metric_defs[f];
    assert_int_equal(d->nbounds, n);
    for (size_t i = 0; i < n; i++)
        assert_true(d->bounds[i] == want[i]);
}

static void histogram_buckets_are_the_article_buckets(void **state)
{
    (void)state;
    const double duration[] = {0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0};
    const double ttft[] = {0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0};
    const double cost[] = {0.0001, 0.001, 0.01, 0.05, 0.10, 0.25, 0.50, 1.00, 2.50, 5.00};
    const double ctx[] = {0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99};
    assert_bounds(LLMOBS__LLM_REQUEST_DURATION, duration, 9);
    assert_bounds(LLMOBS__LLM_TTFT, ttft, 7);
    assert_bounds(LLMOBS__LLM_COST_PER_REQUEST, cost, 10);
    assert_bounds(LLMOBS__LLM_CONTEXT_UTILISATION, ctx, 8);
}

static void the_set_is_registered_once_per_registry(void **state)
{
    llmobs__llm_metrics *a = llmobs__llm_metrics_get(*state, NULL);
    llmobs__llm_metrics *b = llmobs__llm_metrics_get(*state, NULL);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    /* A user registering the identical definition gets the same family. */
    llmobs_family *f;
    const char *const l[] = {"model", "feature", "status"};
    assert_int_equal(
        llmobs_counter_register(*state, "llm_requests_total", "Total LLM requests", NULL, l, 3, &f),
        LLMOBS_OK);
    assert_ptr_equal(f, a->f[LLMOBS__LLM_REQUESTS]);
    assert_null(llmobs__llm_metrics_get(NULL, NULL));
}

static void a_conflicting_user_family_makes_get_fail_with_eexist(void **state)
{
    llmobs_family *f;
    assert_int_equal(
        llmobs_gauge_register(*state, "llm_inflight_requests", "mine", NULL, NULL, 0, &f),
        LLMOBS_OK);
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs__llm_metrics_get(*state, &st));
    assert_int_equal(st, LLMOBS_EEXIST);
    assert_non_null(strstr(llmobs_last_error(), "llm_inflight_requests"));

    /* A client on that registry fails the same way, its message wrapping the cause (which
     * once was formatted over itself). */
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set_registry(o, *state);
    assert_null(llmobs_client_new(o, &st));
    assert_int_equal(st, LLMOBS_EEXIST);
    assert_string_equal(llmobs_last_error(),
                        "metrics: cannot register the LLM metric set: llm_inflight_requests is "
                        "already registered with another definition");
}

static double counter_value(llmobs_family *f, const char *const *v, size_t n)
{
    llmobs_counter *c;
    assert_int_equal(llmobs_counter_labels(f, v, n, &c), LLMOBS_OK);
    double d;
    llmobs_counter_get(c, &d);
    return d;
}

static void record_generation_records_requests_latency_ttft_tokens_and_context(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    const int64_t tokens[5] = {100, 20, 0, 0, 7};
    assert_int_equal(llmobs__llm_metrics_record_generation(m, "gpt", "chat", "openai", "success",
                                                           1.25, 0.3, tokens, 0.5),
                     LLMOBS_OK);
    const char *const req[] = {"gpt", "chat", "success"};
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 1);
    const char *const in[] = {"gpt", "input", "chat"}, *const out[] = {"gpt", "output", "chat"},
                      *const reason[] = {"gpt", "reasoning", "chat"};
    assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], in, 3) == 100);
    assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], out, 3) == 20);
    assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], reason, 3) == 7);
    /* Every token type and request status of a new (model, feature) is exported, at 0 where
     * nothing was counted (the instrumentation guidelines' known label values). */
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_TOKENS]), 5);
    const char *const cache[] = {"gpt", "cache_read", "chat"};
    assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], cache, 3) == 0);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]), 4);
    const char *const limited[] = {"gpt", "chat", "rate_limited"};
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], limited, 3) == 0);
    const char *const dur[] = {"gpt", "chat", "openai"};
    llmobs_histogram *h;
    uint64_t n;
    double sum;
    assert_int_equal(llmobs_histogram_labels(m->f[LLMOBS__LLM_REQUEST_DURATION], dur, 3, &h), 0);
    llmobs_histogram_get(h, &n, &sum);
    assert_int_equal(n, 1);
    assert_true(sum == 1.25);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_TTFT]), 1);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_CONTEXT_UTILISATION]), 1);
}

static void negative_ttft_and_context_ratio_are_not_recorded(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    assert_int_equal(
        llmobs__llm_metrics_record_generation(m, NULL, NULL, NULL, "error", 2, -1, NULL, -1),
        LLMOBS_OK);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_TTFT]), 0);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_CONTEXT_UTILISATION]), 0);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_TOKENS]), 5); /* all at 0 */
    const char *const in[] = {"unknown", "input", "unknown"};
    assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], in, 3) == 0);
    const char *const req[] = {"unknown", "unknown", "error"};
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 1);
}

static void eval_results_of_a_new_feature_and_metric_start_at_zero(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    assert_int_equal(llmobs__llm_metrics_record_eval(m, "chat", "accuracy", "pass", 1), LLMOBS_OK);
    const char *const pass[] = {"chat", "accuracy", "pass"},
                      *const fail[] = {"chat", "accuracy", "fail"},
                      *const err[] = {"chat", "accuracy", "error"};
    assert_true(counter_value(m->f[LLMOBS__LLM_EVAL_RUNS], pass, 3) == 1);
    assert_true(counter_value(m->f[LLMOBS__LLM_EVAL_RUNS], fail, 3) == 0);
    assert_true(counter_value(m->f[LLMOBS__LLM_EVAL_RUNS], err, 3) == 0);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_EVAL_RUNS]), 3);
}

static void zero_series_never_spill_into_the_overflow_series(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    llmobs_family_set_max_children(m->f[LLMOBS__LLM_REQUESTS], 2);
    const int64_t tokens[5] = {1, 1, 0, 0, 0};
    llmobs__llm_metrics_record_generation(m, "a", "f", NULL, "success", 1, -1, tokens, -1);
    /* Room for the one series only: the zeros are skipped, nothing overflowed. */
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]), 1);
    assert_int_equal(llmobs_family_refused_total(m->f[LLMOBS__LLM_REQUESTS]), 0);
    llmobs__llm_metrics_record_generation(m, "b", "f", NULL, "success", 1, -1, tokens, -1);
    llmobs__llm_metrics_record_generation(m, "c", "f", NULL, "success", 1, -1, tokens, -1);
    llmobs__llm_metrics_record_generation(m, "d", "f", NULL, "error", 1, -1, tokens, -1);
    /* Past the cap: one overflow series holds both, and each observation is counted once. */
    const char *const other[] = {LLMOBS_METRICS_OVERFLOW, LLMOBS_METRICS_OVERFLOW,
                                 LLMOBS_METRICS_OVERFLOW};
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], other, 3) == 2);
    assert_int_equal(llmobs_family_refused_total(m->f[LLMOBS__LLM_REQUESTS]), 2);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]), 3);
}

/* The cost tracker folds features past LLMOBS__COST_MAX_FEATURES (1024) into __other__; the
 * request, token and latency metrics of the same generations must carry the same label, so
 * per-feature cost per request (cost / requests) stays meaningful past the cap. */
static void cost_and_request_metrics_agree_past_1024_features(void **state)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set_registry(o, *state);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    enum { FEATURES = 1100, KEPT = 1024 };
    for (int i = 0; i < FEATURES; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%d", i);
        llmobs_trace *t = llmobs_trace_start(c, "req", NULL);
        llmobs_trace_set_feature(t, name);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_usage(g, 1000, 100);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
    char *text = NULL;
    assert_int_equal(llmobs_metrics_render_string(*state, LLMOBS_FORMAT_TEXT, &text, NULL), 0);
    char want[256];
    for (int i = 0; i < FEATURES; i += 7) {
        snprintf(want, sizeof want,
                 "llm_requests_total{model=\"gpt-4o\",feature=\"f%d\",status=\"success\"} 1\n", i);
        assert_true((strstr(text, want) != NULL) == (i < KEPT));
        snprintf(want, sizeof want,
                 "llm_cost_per_request_usd_count{model=\"gpt-4o\",feature=\"f%d\"} 1\n", i);
        assert_true((strstr(text, want) != NULL) == (i < KEPT));
        snprintf(want, sizeof want,
                 "llm_tokens_total{model=\"gpt-4o\",token_type=\"input\",feature=\"f%d\"} 1000\n",
                 i);
        assert_true((strstr(text, want) != NULL) == (i < KEPT));
    }
    snprintf(want, sizeof want,
             "llm_requests_total{model=\"gpt-4o\",feature=\"__other__\",status=\"success\"} "
             "%d\n",
             FEATURES - KEPT);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want,
             "llm_cost_per_request_usd_count{model=\"gpt-4o\",feature=\"__other__\"} %d\n",
             FEATURES - KEPT);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want,
             "llm_tokens_total{model=\"gpt-4o\",token_type=\"input\",feature=\"__other__\"} "
             "%d\n",
             (FEATURES - KEPT) * 1000);
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "feature=\"f1099\""));
    llmobs_metrics_string_free(text);
    llmobs_shutdown(c, 1000);
}

static void inflight_goes_up_at_start_and_down_at_end(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    llmobs__llm_metrics_inflight(m, "gpt", "chat", 1);
    llmobs__llm_metrics_inflight(m, "gpt", "chat", 1);
    llmobs__llm_metrics_inflight(m, "gpt", "chat", -1);
    llmobs_gauge *g;
    const char *const v[] = {"gpt", "chat"};
    assert_int_equal(llmobs_gauge_labels(m->f[LLMOBS__LLM_INFLIGHT], v, 2, &g), LLMOBS_OK);
    double d;
    llmobs_gauge_get(g, &d);
    assert_true(d == 1);
}

/* The set binds a label tuple's children once; a child removed since (family remove/clear)
 * must be looked up anew, or the recordings after the reset would vanish from the scrape. */
static void records_after_a_family_reset_reach_the_new_series(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    const int64_t tokens[5] = {10, 2, 0, 0, 0};
    const char *const req[] = {"gpt", "chat", "success"};
    const char *const mf[] = {"gpt", "chat"};
    for (int round = 0; round < 2; round++) {
        llmobs__llm_metrics_record_generation(m, "gpt", "chat", "openai", "success", 1, -1, tokens,
                                              -1);
        llmobs__llm_metrics_record_generation(m, "gpt", "chat", "openai", "success", 1, -1, tokens,
                                              -1);
        llmobs__llm_metrics_record_cost(m, "gpt", "chat", 0.5);
        llmobs__llm_metrics_queue_items(m, "1", 7);
        llmobs__llm_metrics_dropped(m, "queue_full", 3);
        assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 2);
        assert_true(counter_value(m->f[LLMOBS__LLM_COST], mf, 2) == 0.5);
        const char *const qf[] = {"queue_full"};
        assert_true(counter_value(m->f[LLMOBS__SDK_DROPPED], qf, 1) == 3);
        llmobs_gauge *g;
        double d = 0;
        const char *const client[] = {"1"};
        assert_int_equal(llmobs_gauge_labels(m->f[LLMOBS__SDK_QUEUE_ITEMS], client, 1, &g), 0);
        llmobs_gauge_get(g, &d);
        assert_true(d == 7);
        for (int f = 0; f < LLMOBS__LLM_FAMILY_COUNT; f++)
            assert_int_equal(llmobs_family_clear(m->f[f]), LLMOBS_OK);
    }
    llmobs_family_remove(m->f[LLMOBS__LLM_REQUESTS], req, 3); /* already gone: ENOTFOUND */
    llmobs__llm_metrics_record_generation(m, "gpt", "chat", "openai", "success", 1, -1, tokens, -1);
    assert_int_equal(llmobs_family_remove(m->f[LLMOBS__LLM_REQUESTS], req, 3), LLMOBS_OK);
    llmobs__llm_metrics_record_generation(m, "gpt", "chat", "openai", "success", 1, -1, tokens, -1);
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 1);
}

/* Threads recording the same and different label tuples at once bind the same children: no
 * update is lost and no tuple gets two series (run under TSan too). */
typedef struct rec_arg {
    llmobs__llm_metrics *m;
    int id;
} rec_arg;

static void *record_many(void *p)
{
    rec_arg *a = p;
    static const char *const models[] = {"gpt-a", "gpt-b", "gpt-c", "gpt-d"};
    const int64_t tokens[5] = {3, 1, 0, 0, 0};
    for (int i = 0; i < 2000; i++) {
        const char *model = models[(i + a->id) % 4];
        llmobs__llm_metrics_record_generation(a->m, model, "chat", "openai", "success", 0.5, -1,
                                              tokens, -1);
        llmobs__llm_metrics_record_cost(a->m, model, "chat", 0.25);
    }
    return NULL;
}

static void concurrent_recordings_share_the_bound_series(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    pthread_t th[4];
    rec_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (rec_arg){m, i};
        assert_int_equal(pthread_create(&th[i], NULL, record_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    /* one series per model and status, per model and token type (the zeroed siblings too) */
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]), 4 * 4);
    assert_int_equal(llmobs_family_children(m->f[LLMOBS__LLM_TOKENS]), 4 * 5);
    static const char *const models[] = {"gpt-a", "gpt-b", "gpt-c", "gpt-d"};
    for (int i = 0; i < 4; i++) {
        const char *const req[] = {models[i], "chat", "success"};
        const char *const in[] = {models[i], "input", "chat"};
        const char *const mf[] = {models[i], "chat"};
        assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 2000);
        assert_true(counter_value(m->f[LLMOBS__LLM_TOKENS], in, 3) == 6000);
        assert_true(counter_value(m->f[LLMOBS__LLM_COST], mf, 2) == 500);
    }
}

/* An ended generation's cost is recorded under the labels the cost tracker gives, with the rest
 * of its metrics: through the generation's own series when they are its labels, apart when the
 * tracker folded differently (its tables filled between pricing and recording); no cost labels,
 * no cost metrics. */
static void generation_cost_goes_under_the_cost_labels(void **state)
{
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(*state, NULL);
    llmobs__generation g = {.model = "gpt",
                            .feature = "chat",
                            .status = "success",
                            .start_ns = 1000000000,
                            .end_ns = 2000000000,
                            .tokens = {10, 5, -1, -1, -1},
                            .cost = {[LLMOBS_COST_TOTAL] = 0.25}};
    llmobs__llm_metrics_on_generation_cost(m, &g, "gpt", "chat");
    llmobs__llm_metrics_on_generation_cost(m, &g, "gpt", "__other__");
    llmobs__llm_metrics_on_generation_cost(m, &g, NULL, NULL);
    llmobs__llm_metrics_on_generation_cost(m, &g, NULL, NULL); /* metrics, no cost */
    const char *const own[] = {"gpt", "chat"}, *const other[] = {"gpt", "__other__"};
    const char *const req[] = {"gpt", "chat", "success"};
    assert_true(counter_value(m->f[LLMOBS__LLM_REQUESTS], req, 3) == 4);
    assert_true(counter_value(m->f[LLMOBS__LLM_COST], own, 2) == 0.25);
    assert_true(counter_value(m->f[LLMOBS__LLM_COST], other, 2) == 0.25);
    char *text = NULL;
    assert_int_equal(llmobs_metrics_render_string(*state, LLMOBS_FORMAT_TEXT, &text, NULL), 0);
    assert_non_null(
        strstr(text, "llm_cost_per_request_usd_count{model=\"gpt\",feature=\"chat\"} 1\n"));
    assert_non_null(
        strstr(text, "llm_cost_per_request_usd_count{model=\"gpt\",feature=\"__other__\"} 1\n"));
    llmobs_metrics_string_free(text);
}

static void helpers_reject_a_null_set(void **state)
{
    (void)state;
    assert_int_equal(
        llmobs__llm_metrics_record_generation(NULL, "m", "f", "p", "success", 1, 1, NULL, 1),
        LLMOBS_EINVAL);
    assert_int_equal(llmobs__llm_metrics_inflight(NULL, "m", "f", 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs__llm_metrics_record_cost(NULL, "m", "f", 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs__llm_metrics_dropped(NULL, "queue_full", 1), LLMOBS_EINVAL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(table_has_the_article_names_types_and_labels),
        T(histogram_buckets_are_the_article_buckets),
        T(the_set_is_registered_once_per_registry),
        T(a_conflicting_user_family_makes_get_fail_with_eexist),
        T(record_generation_records_requests_latency_ttft_tokens_and_context),
        T(negative_ttft_and_context_ratio_are_not_recorded),
        T(eval_results_of_a_new_feature_and_metric_start_at_zero),
        T(zero_series_never_spill_into_the_overflow_series),
        T(cost_and_request_metrics_agree_past_1024_features),
        T(inflight_goes_up_at_start_and_down_at_end),
        T(records_after_a_family_reset_reach_the_new_series),
        T(concurrent_recordings_share_the_bound_series),
        T(generation_cost_goes_under_the_cost_labels),
        T(helpers_reject_a_null_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
