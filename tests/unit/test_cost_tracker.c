/* The standalone tracker's accounting (per feature, model, bounded per user) and its part in
 * an ended generation: the price hook llmobs__cost_generation (prices and records in one
 * pass), with its hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cost/cost.h"
#include "trace/span.h"
#include <llmobs/llmobs.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-12

static llmobs_cost_tracker *fresh(void)
{
    llmobs_status st;
    llmobs_cost_tracker *t = llmobs__cost_tracker_create(NULL, NULL, &st);
    assert_non_null(t);
    return t;
}

static double spend_user(llmobs_cost_tracker *t, const char *user)
{
    double v = -1;
    assert_int_equal(llmobs_cost_spend_user(t, user, &v), LLMOBS_OK);
    return v;
}

static void spend_is_read_per_feature_model_and_total(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* gpt-4o: 1000 in (0.0025) + 500 out (0.005) = 0.0075 */
    assert_int_equal(llmobs_cost_record(t, "gpt-4o", "rag", "u1", 1000, 500, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 0.0075) <= TOL);
    /* claude-sonnet-4-5: 2000 in (0.006) + 100 out (0.0015) = 0.0075 */
    llmobs_cost_record(t, "claude-sonnet-4-5", "rag", "u2", 2000, 100, 0, 0, 0, NULL, NULL);
    llmobs_cost_record(t, "gpt-4o", "classifier", NULL, 0, 1000, 0, 0, 0, NULL, NULL); /* 0.01 */
    double v;
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(fabs(v - 0.015) <= TOL);
    llmobs_cost_spend_feature(t, "classifier", &v);
    assert_true(fabs(v - 0.01) <= TOL);
    llmobs_cost_spend_model(t, "gpt-4o", &v);
    assert_true(fabs(v - 0.0175) <= TOL);
    llmobs_cost_spend_model(t, "claude-sonnet-4-5", &v);
    assert_true(fabs(v - 0.0075) <= TOL);
    llmobs_cost_spend_total(t, &v);
    assert_true(fabs(v - 0.025) <= TOL);
    llmobs_cost_spend_feature(t, "never-seen", &v);
    assert_true(v == 0);
    assert_true(fabs(spend_user(t, "u1") - 0.0075) <= TOL);
    llmobs_cost_tracker_free(t);
}

static void null_feature_is_recorded_as_unknown(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_record_usd(t, "gpt-4o", NULL, NULL, 1);
    llmobs_cost_record_usd(t, "gpt-4o", "", NULL, 2);
    double v;
    llmobs_cost_spend_feature(t, LLMOBS_COST_NO_FEATURE, &v);
    assert_true(v == 3);
    llmobs_cost_tracker_free(t);
}

static void per_user_tracking_keeps_top_spenders_and_aggregates_the_rest(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_set_user_limit(t, 3), LLMOBS_OK);
    llmobs_cost_record_usd(t, "m", "f", "a", 5);
    llmobs_cost_record_usd(t, "m", "f", "b", 3);
    llmobs_cost_record_usd(t, "m", "f", "c", 1);
    llmobs_cost_record_usd(t, "m", "f", "d", 0.5); /* smaller than c: aggregated */
    assert_true(spend_user(t, "d") == 0);
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 0.5);
    llmobs_cost_record_usd(t, "m", "f", "e", 2); /* bigger than c: displaces it */
    assert_true(spend_user(t, "e") == 2);
    assert_true(spend_user(t, "c") == 0);
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 1.5);
    llmobs_cost_record_usd(t, "m", "f", "a", 1); /* tracked users keep accumulating */
    assert_true(spend_user(t, "a") == 6);
    /* users + other == total, always */
    double sum = 0, v, total;
    char name[32];
    size_t n = 0;
    for (size_t i = 0; llmobs_cost_user_at(t, i, name, sizeof name, &v) == LLMOBS_OK; i++, n++)
        sum += v;
    assert_int_equal(n, 4); /* 3 users + other */
    llmobs_cost_spend_total(t, &total);
    assert_true(fabs(sum - total) <= TOL);
    /* shrinking the limit moves the smallest spenders to other */
    assert_int_equal(llmobs_cost_set_user_limit(t, 1), LLMOBS_OK);
    assert_true(spend_user(t, "a") == 6);
    assert_true(spend_user(t, "b") == 0);
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 6.5);
    llmobs_cost_tracker_free(t);
}

static void user_limit_zero_turns_per_user_tracking_off(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_set_user_limit(t, 0), LLMOBS_OK);
    llmobs_cost_record_usd(t, "m", "f", "a", 5);
    assert_true(spend_user(t, "a") == 0);
    char name[32];
    assert_int_equal(llmobs_cost_user_at(t, 0, name, sizeof name, NULL), LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_cost_set_user_limit(t, 100001), LLMOBS_EINVAL);
    llmobs_cost_tracker_free(t);
}

static void many_users_stay_bounded(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_set_user_limit(t, 10);
    for (int i = 0; i < 5000; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", i);
        llmobs_cost_record_usd(t, "m", "f", user, 0.001 * (i % 7));
    }
    char name[32];
    size_t n = 0;
    while (llmobs_cost_user_at(t, n, name, sizeof name, NULL) == LLMOBS_OK)
        n++;
    assert_true(n <= 11);
    llmobs_cost_tracker_free(t);
}

static void features_are_enumerated_with_spend_and_budget(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_set_budget(t, "rag", 50);
    llmobs_cost_record_usd(t, "m", "chat", NULL, 2);
    char name[32];
    double spent, budget;
    int seen = 0;
    for (size_t i = 0;
         llmobs_cost_feature_at(t, i, name, sizeof name, &spent, &budget) == LLMOBS_OK; i++) {
        if (strcmp(name, "rag") == 0) seen |= 1, assert_true(budget == 50 && spent == 0);
        if (strcmp(name, "chat") == 0) seen |= 2, assert_true(budget == 0 && spent == 2);
    }
    assert_int_equal(seen, 3);
    assert_int_equal(llmobs_cost_feature_at(t, 0, name, 2, NULL, NULL), LLMOBS_ELIMIT);
    llmobs_cost_tracker_free(t);
}

/* ---- the tracing client's entry point ---- */

static void span_add_usage(llmobs__span *s, const char *key, int64_t v)
{
    s->usage[s->nusage].key = strdup(key);
    s->usage[s->nusage++].value = v;
}

static llmobs__span *generation(const char *model)
{
    llmobs__span *s = calloc(1, sizeof *s);
    s->type = LLMOBS_OBS_GENERATION;
    s->model = model ? strdup(model) : NULL;
    return s;
}

/* What tracing does when a generation ends (trace.c: generation_ended): the record, priced
 * and recorded once, cost details onto the span for a known model. The record is left in
 * last_gen. */
static llmobs__generation last_gen;

static llmobs_status end_generation(llmobs_cost_tracker *t, llmobs__span *s, const char *feature,
                                    const char *user, double *cost_out)
{
    if (cost_out) memset(cost_out, 0, LLMOBS_COST_KIND_COUNT * sizeof *cost_out);
    if (!t || !s) return LLMOBS_EINVAL;
    llmobs__generation g;
    llmobs__span_generation(s, &g);
    g.feature = feature;
    g.user = user;
    llmobs__cost_generation(t, &g);
    if (g.priced && g.price_known) assert_int_equal(llmobs__span_attach_cost(s, &g), LLMOBS_OK);
    last_gen = g;
    if (cost_out) memcpy(cost_out, g.cost, sizeof g.cost);
    return LLMOBS_OK;
}

static double span_cost(const llmobs__span *s, const char *key)
{
    for (size_t i = 0; i < s->ncost; i++)
        if (strcmp(s->cost[i].key, key) == 0) return s->cost[i].usd;
    return -1;
}

typedef struct {
    int records, unknown, budgets;
    double last_total, last_remaining;
    char model[64], feature[64];
} hook_log;

static void on_record(void *ud, const char *model, const char *feature, const double *cost)
{
    hook_log *h = ud;
    h->records++;
    h->last_total = cost[LLMOBS_COST_TOTAL];
    snprintf(h->model, sizeof h->model, "%s", model);
    snprintf(h->feature, sizeof h->feature, "%s", feature);
}

static void on_unknown(void *ud, const char *model)
{
    (void)model;
    ((hook_log *)ud)->unknown++;
}

static void on_budget(void *ud, const char *feature, double budget, double remaining)
{
    (void)feature;
    (void)budget;
    hook_log *h = ud;
    h->budgets++;
    h->last_remaining = remaining;
}

static void generation_gets_cost_details_under_usage_key_names(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    hook_log h = {0};
    llmobs__cost_hooks hooks = {on_record, on_unknown, on_budget, &h};
    llmobs__cost_tracker_set_hooks(t, &hooks);
    llmobs_cost_set_budget(t, "rag", 1);
    llmobs__span *s = generation("claude-sonnet-4-5-20250929");
    span_add_usage(s, LLMOBS_USAGE_INPUT, 1234);
    span_add_usage(s, LLMOBS_USAGE_OUTPUT, 567);
    span_add_usage(s, LLMOBS_USAGE_CACHE_READ, 10000);
    span_add_usage(s, LLMOBS_USAGE_TOTAL, 11801);
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(end_generation(t, s, "rag", "alice", c), LLMOBS_OK);
    assert_int_equal(s->ncost, 4); /* input, output, input_cached_tokens, total */
    assert_true(fabs(span_cost(s, "input") - 0.003702) <= TOL);
    assert_true(fabs(span_cost(s, "output") - 0.008505) <= TOL);
    assert_true(fabs(span_cost(s, "input_cached_tokens") - 0.003) <= TOL);
    assert_true(fabs(span_cost(s, "total") - 0.015207) <= TOL);
    assert_true(span_cost(s, "input_cache_creation") == -1);
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 0.015207) <= TOL);
    /* the same amount is what was recorded, under the labels the record carries on to the
     * metrics; on_record is not run for a generation (its caller records the cost metrics) */
    double v;
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(fabs(v - 0.015207) <= TOL);
    assert_true(fabs(spend_user(t, "alice") - 0.015207) <= TOL);
    assert_true(last_gen.cost_recorded);
    assert_string_equal(last_gen.label_model, "claude-sonnet-4-5-20250929");
    assert_string_equal(last_gen.label_feature, "rag");
    assert_int_equal(h.records, 0);
    assert_int_equal(h.budgets, 1);
    assert_true(fabs(h.last_remaining - (1 - 0.015207)) <= TOL);
    llmobs__span_free(s);
    llmobs_cost_tracker_free(t);
}

static void caller_cost_details_are_kept_and_recorded(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs__span *s = generation("gpt-4o");
    span_add_usage(s, LLMOBS_USAGE_INPUT, 1000000);
    s->cost[0] = (llmobs__cost){strdup("input"), 0.5};
    s->cost[1] = (llmobs__cost){strdup("total"), 0.7};
    s->ncost = 2;
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(end_generation(t, s, "rag", NULL, c), LLMOBS_OK);
    assert_int_equal(s->ncost, 2);
    assert_true(span_cost(s, "total") == 0.7);
    assert_true(c[LLMOBS_COST_TOTAL] == 0.7);
    assert_true(c[LLMOBS_COST_INPUT] == 0.5);
    double v;
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 0.7);
    llmobs__span_free(s);
    llmobs_cost_tracker_free(t);
}

static void unknown_generation_model_gets_no_cost_details_but_is_counted(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    hook_log h = {0};
    llmobs__cost_hooks hooks = {on_record, on_unknown, NULL, &h};
    llmobs__cost_tracker_set_hooks(t, &hooks);
    llmobs_cost_tracker_set_log_callback(t, NULL, NULL);
    llmobs__span *s = generation("homegrown-7b");
    span_add_usage(s, LLMOBS_USAGE_INPUT, 100);
    assert_int_equal(end_generation(t, s, "rag", NULL, NULL), LLMOBS_OK);
    assert_int_equal(s->ncost, 0);
    uint64_t n;
    llmobs_cost_unknown_model_count(t, "homegrown-7b", &n);
    assert_int_equal(n, 1);
    assert_int_equal(h.unknown, 1);
    assert_true(last_gen.cost_recorded); /* at 0 USD */
    assert_true(last_gen.cost[LLMOBS_COST_TOTAL] == 0);
    assert_int_equal(h.records, 0);
    llmobs__span_free(s);
    llmobs_cost_tracker_free(t);
}

static void generation_without_usage_records_nothing(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    hook_log h = {0};
    llmobs__cost_hooks hooks = {on_record, on_unknown, NULL, &h};
    llmobs__cost_tracker_set_hooks(t, &hooks);
    llmobs__span *s = generation("gpt-4o");
    span_add_usage(s, LLMOBS_USAGE_TOTAL, 100); /* a total alone is not priced */
    double c[LLMOBS_COST_KIND_COUNT] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(end_generation(t, s, "rag", NULL, c), LLMOBS_OK);
    assert_int_equal(s->ncost, 0);
    assert_true(c[LLMOBS_COST_TOTAL] == 0);
    assert_false(last_gen.cost_recorded);
    assert_int_equal(h.records, 0);
    /* NULL tracker or record: nothing happens */
    llmobs__generation g;
    llmobs__span_generation(s, &g);
    llmobs__cost_generation(NULL, &g);
    llmobs__cost_generation(t, NULL);
    assert_false(g.priced);
    llmobs__span_free(s);
    llmobs_cost_tracker_free(t);
}

/* Prices are remembered per model name; a price set or loaded afterwards must win at once. */
static void a_price_set_after_a_lookup_applies_to_the_next_call(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_tracker_set_log_callback(t, NULL, NULL);
    double c[LLMOBS_COST_KIND_COUNT];
    int64_t w = 0;
    assert_int_equal(llmobs_cost_compute(t, "homegrown-7b", 1000000, 0, 0, 0, 0, NULL, c),
                     LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_cost_context_window(t, "homegrown-7b", &w), LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_cost_set_price(t, "homegrown-7b", 2, 4, -1, -1, -1, 8192), LLMOBS_OK);
    assert_int_equal(llmobs_cost_compute(t, "homegrown-7b", 1000000, 0, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 2) <= TOL);
    assert_int_equal(llmobs_cost_context_window(t, "homegrown-7b", &w), LLMOBS_OK);
    assert_int_equal(w, 8192);
    assert_int_equal(llmobs_cost_set_price(t, "homegrown-7b", 3, 4, -1, -1, -1, 8192), LLMOBS_OK);
    llmobs__span *s = generation("homegrown-7b");
    span_add_usage(s, LLMOBS_USAGE_INPUT, 1000000);
    assert_int_equal(end_generation(t, s, "rag", NULL, c), LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 3) <= TOL);
    llmobs__span_free(s);
    llmobs_cost_tracker_free(t);
}

static void reading_functions_reject_null(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double v;
    uint64_t n;
    char buf[8];
    assert_int_equal(llmobs_cost_spend_feature(NULL, "f", &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_spend_feature(t, "f", NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_spend_model(t, NULL, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_spend_user(t, NULL, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_spend_total(NULL, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_unknown_model_count(t, NULL, &n), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_user_at(t, 0, NULL, 8, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_feature_at(NULL, 0, buf, 8, &v, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_budget(t, NULL, &v), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_budget_remaining(t, "f", NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_clear_budget(NULL, "f"), LLMOBS_EINVAL);
    llmobs_cost_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spend_is_read_per_feature_model_and_total),
        cmocka_unit_test(null_feature_is_recorded_as_unknown),
        cmocka_unit_test(per_user_tracking_keeps_top_spenders_and_aggregates_the_rest),
        cmocka_unit_test(user_limit_zero_turns_per_user_tracking_off),
        cmocka_unit_test(many_users_stay_bounded),
        cmocka_unit_test(features_are_enumerated_with_spend_and_budget),
        cmocka_unit_test(generation_gets_cost_details_under_usage_key_names),
        cmocka_unit_test(caller_cost_details_are_kept_and_recorded),
        cmocka_unit_test(unknown_generation_model_gets_no_cost_details_but_is_counted),
        cmocka_unit_test(generation_without_usage_records_nothing),
        cmocka_unit_test(a_price_set_after_a_lookup_applies_to_the_next_call),
        cmocka_unit_test(reading_functions_reject_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
