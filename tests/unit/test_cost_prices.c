/* Cost arithmetic per priced token type, model-name matching, price precedence and unknown
 * models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cost/cost.h"
#include <llmobs/llmobs.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-12

static llmobs_cost_tracker *fresh(void)
{
    llmobs_status st = LLMOBS_EINTERNAL;
    llmobs_cost_tracker *t = llmobs__cost_tracker_create(NULL, NULL, &st);
    assert_int_equal(st, LLMOBS_OK);
    assert_non_null(t);
    return t;
}

/* Cost of `n` tokens of one type for `model`, all other types 0. */
static double one_kind(llmobs_cost_tracker *t, const char *model, llmobs_price_kind kind, int64_t n,
                       double cost[LLMOBS_COST_KIND_COUNT])
{
    int64_t tok[LLMOBS_PRICE_KIND_COUNT] = {0};
    tok[kind] = n;
    assert_int_equal(
        llmobs_cost_compute(t, model, tok[0], tok[1], tok[2], tok[3], tok[4], NULL, cost),
        LLMOBS_OK);
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++)
        if (k != (int)kind) assert_true(cost[k] == 0);
    assert_true(fabs(cost[LLMOBS_COST_TOTAL] - cost[kind]) <= TOL);
    return cost[kind];
}

static void input_tokens_cost_input_price_per_million(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* claude-sonnet-4-5: 3.00 USD / 1M input -> 1234 tokens = 0.003702 USD */
    assert_true(fabs(one_kind(t, "claude-sonnet-4-5", LLMOBS_PRICE_INPUT, 1234, c) - 0.003702) <=
                TOL);
    /* gpt-4o-mini: 0.15 / 1M -> 2,000,000 tokens = 0.30 USD */
    assert_true(fabs(one_kind(t, "gpt-4o-mini", LLMOBS_PRICE_INPUT, 2000000, c) - 0.30) <= TOL);
    llmobs_cost_tracker_free(t);
}

static void output_tokens_cost_output_price_per_million(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* claude-opus-4-5 (article): 75 / 1M -> 567 tokens = 0.042525 */
    assert_true(fabs(one_kind(t, "claude-opus-4-5", LLMOBS_PRICE_OUTPUT, 567, c) - 0.042525) <=
                TOL);
    /* gemini-2.5-pro (article): 10 / 1M -> 12345 tokens = 0.12345 */
    assert_true(fabs(one_kind(t, "gemini-2.5-pro", LLMOBS_PRICE_OUTPUT, 12345, c) - 0.12345) <=
                TOL);
    llmobs_cost_tracker_free(t);
}

static void cached_input_tokens_cost_cache_read_price(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* claude-sonnet-4-5: 0.30 / 1M -> 10000 tokens = 0.003 */
    assert_true(fabs(one_kind(t, "claude-sonnet-4-5", LLMOBS_PRICE_CACHE_READ, 10000, c) - 0.003) <=
                TOL);
    /* gpt-4o: 1.25 / 1M -> 1,000,000 = 1.25 */
    assert_true(fabs(one_kind(t, "gpt-4o", LLMOBS_PRICE_CACHE_READ, 1000000, c) - 1.25) <= TOL);
    llmobs_cost_tracker_free(t);
}

static void cache_creation_tokens_cost_cache_write_price(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* claude-sonnet-4-5: 3.75 / 1M -> 2000 tokens = 0.0075 */
    assert_true(
        fabs(one_kind(t, "claude-sonnet-4-5", LLMOBS_PRICE_CACHE_WRITE, 2000, c) - 0.0075) <= TOL);
    /* claude-haiku-4-5 (article input 0.25 x 1.25): 0.3125 / 1M -> 8 tokens = 0.0000025 */
    assert_true(fabs(one_kind(t, "claude-haiku-4-5", LLMOBS_PRICE_CACHE_WRITE, 8, c) - 2.5e-6) <=
                TOL);
    llmobs_cost_tracker_free(t);
}

static void reasoning_tokens_cost_reasoning_price(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* o3: 8 / 1M -> 4321 tokens = 0.034568 */
    assert_true(fabs(one_kind(t, "o3", LLMOBS_PRICE_REASONING, 4321, c) - 0.034568) <= TOL);
    llmobs_cost_tracker_free(t);
}

static void total_is_the_sum_of_every_type(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(
        llmobs_cost_compute(t, "claude-sonnet-4-5", 1234, 567, 10000, 2000, 100, NULL, c),
        LLMOBS_OK);
    /* 0.003702 + 0.008505 + 0.003 + 0.0075 + 0.0015 */
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 0.024207) <= TOL);
    llmobs_cost_tracker_free(t);
}

/* Each cost is the double nearest its decimal value and the total the exact sum of the parts
 * (whole picodollars): 0.60 x 47 / 1e6 is 2.82e-05 on the wire, not 2.8199999999999998e-05,
 * and a total is not off by the rounding of a sum. */
static void costs_are_the_doubles_nearest_their_decimal_values(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o-mini", 52, 47, 0, 0, 0, NULL, c), LLMOBS_OK);
    assert_true(c[LLMOBS_PRICE_INPUT] == 7.8e-06);
    assert_true(c[LLMOBS_PRICE_OUTPUT] == 2.82e-05);
    assert_true(c[LLMOBS_COST_TOTAL] == 3.6e-05);
    assert_int_equal(
        llmobs_cost_compute(t, "claude-sonnet-4-5", 1234, 567, 10000, 2000, 100, NULL, c),
        LLMOBS_OK);
    assert_true(c[LLMOBS_COST_TOTAL] == 0.024207);
    llmobs_cost_tracker_free(t);
}

static void article_prices_are_built_in(void **state)
{
    (void)state;
    static const struct {
        const char *model;
        double in, out;
    } article[] = {
        {"claude-opus-4-5", 15.00, 75.00}, {"claude-sonnet-4-5", 3.00, 15.00},
        {"claude-haiku-4-5", 0.25, 1.25},  {"gpt-4o", 2.50, 10.00},
        {"gpt-4o-mini", 0.15, 0.60},       {"gemini-2.0-flash", 0.10, 0.40},
        {"gemini-2.5-pro", 1.25, 10.00},
    };
    llmobs_cost_tracker *t = fresh();
    for (size_t i = 0; i < sizeof article / sizeof *article; i++) {
        double in, out;
        assert_int_equal(llmobs_cost_get_price(t, article[i].model, LLMOBS_PRICE_INPUT, &in),
                         LLMOBS_OK);
        assert_int_equal(llmobs_cost_get_price(t, article[i].model, LLMOBS_PRICE_OUTPUT, &out),
                         LLMOBS_OK);
        assert_true(in == article[i].in);
        assert_true(out == article[i].out);
    }
    llmobs_cost_tracker_free(t);
}

static void builtin_table_is_sane(void **state)
{
    (void)state;
    size_t n = llmobs__price_builtin_count();
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        const llmobs__price *p = llmobs__price_builtin_at(i);
        assert_non_null(p);
        for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++)
            assert_true(isfinite(p->usd_per_mtok[k]) && p->usd_per_mtok[k] >= 0);
        assert_true(p->usd_per_mtok[LLMOBS_PRICE_INPUT] > 0);
        assert_true(p->context_window > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(p->model, llmobs__price_builtin_at(j)->model);
    }
    assert_null(llmobs__price_builtin_at(n));
}

static void assert_resolves(llmobs_cost_tracker *t, const char *name, const char *expected)
{
    char buf[64];
    llmobs_status st = llmobs_cost_resolve_model(t, name, buf, sizeof buf);
    if (!expected) {
        assert_int_equal(st, LLMOBS_ENOTFOUND);
        return;
    }
    if (st != LLMOBS_OK || strcmp(buf, expected) != 0)
        fail_msg("'%s' resolved to '%s' (%s), expected '%s'", name, buf, llmobs_status_name(st),
                 expected);
}

static void dated_snapshots_match_their_model_by_prefix(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "gpt-4o-2024-08-06", "gpt-4o");
    assert_resolves(t, "claude-sonnet-4-5-20250929", "claude-sonnet-4-5");
    assert_resolves(t, "claude-sonnet-4-20250514", "claude-sonnet-4");
    assert_resolves(t, "claude-opus-4-1-20250805", "claude-opus-4-1");
    assert_resolves(t, "gemini-2.0-flash-001", "gemini-2.0-flash");
    assert_resolves(t, "gemini-2.5-pro-preview-06-05", "gemini-2.5-pro");
    llmobs_cost_tracker_free(t);
}

static void longest_prefix_wins_over_shorter_family_name(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "gpt-4o-mini-2024-07-18", "gpt-4o-mini");
    assert_resolves(t, "gpt-4o-mini", "gpt-4o-mini");
    assert_resolves(t, "gemini-2.0-flash-lite-001", "gemini-2.0-flash-lite");
    assert_resolves(t, "gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite");
    assert_resolves(t, "o3-mini-2025-01-31", "o3-mini");
    assert_resolves(t, "o3-pro-2025-06-10", "o3-pro");
    assert_resolves(t, "gpt-5-mini-2025-08-07", "gpt-5-mini");
    llmobs_cost_tracker_free(t);
}

static void exact_entry_beats_prefix_rule(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "gpt-4o-2024-05-13", "gpt-4o-2024-05-13");
    double in;
    assert_int_equal(llmobs_cost_get_price(t, "gpt-4o-2024-05-13", LLMOBS_PRICE_INPUT, &in),
                     LLMOBS_OK);
    assert_true(in == 5.00);
    llmobs_cost_tracker_free(t);
}

static void prefix_matches_only_at_segment_boundaries(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "gpt-4omni", NULL); /* "gpt-4o" + "mni": not a '-' boundary */
    assert_resolves(t, "gpt-4", NULL);     /* shorter than every gpt-4* entry */
    assert_resolves(t, "claude-sonnet-45", NULL);
    assert_resolves(t, "xgpt-4o", NULL);
    assert_resolves(t, "", NULL);
    llmobs_cost_tracker_free(t);
}

static void provider_prefixes_and_vertex_at_suffix_are_understood(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "openai/gpt-4o", "gpt-4o");
    assert_resolves(t, "anthropic/claude-haiku-4-5", "claude-haiku-4-5");
    assert_resolves(t, "openrouter/anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5");
    assert_resolves(t, "models/gemini-2.5-pro", "gemini-2.5-pro");
    assert_resolves(t, "claude-sonnet-4-5@20250929", "claude-sonnet-4-5");
    assert_resolves(t, "openai/", NULL);
    llmobs_cost_tracker_free(t);
}

static void matching_ignores_ascii_case(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_resolves(t, "GPT-4o", "gpt-4o");
    assert_resolves(t, "Claude-Sonnet-4-5-20250929", "claude-sonnet-4-5");
    llmobs_cost_tracker_free(t);
}

static void api_price_overrides_builtin_and_reaches_dated_names(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_set_price(t, "gpt-4o", 4.0, 12.0, -1, -1, -1, 128000), LLMOBS_OK);
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o-2024-08-06", 1000000, 1000000, 1000000, 1000000,
                                         1000000, NULL, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_INPUT] - 4.0) <= TOL);
    assert_true(fabs(c[LLMOBS_COST_OUTPUT] - 12.0) <= TOL);
    assert_true(fabs(c[LLMOBS_COST_CACHE_READ] - 4.0) <= TOL);  /* negative = billed as input */
    assert_true(fabs(c[LLMOBS_COST_CACHE_WRITE] - 4.0) <= TOL); /* negative = billed as input */
    assert_true(fabs(c[LLMOBS_COST_REASONING] - 12.0) <= TOL);  /* negative = billed as output */
    /* gpt-4o-mini is a longer built-in name and keeps its own price. */
    double in;
    assert_int_equal(llmobs_cost_get_price(t, "gpt-4o-mini-2024-07-18", LLMOBS_PRICE_INPUT, &in),
                     LLMOBS_OK);
    assert_true(in == 0.15);
    llmobs_cost_tracker_free(t);
}

static void per_call_prices_override_file_and_builtin(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmobs-cost-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/prices.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"models\": {\"gpt-4o\": {\"input\": 9, \"output\": 99}}}", f);
    fclose(f);
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT];
    /* built-in */
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", 1000000, 1000000, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_INPUT] - 2.5) <= TOL);
    /* file over built-in */
    assert_int_equal(llmobs_cost_load_prices_file(t, path), LLMOBS_OK);
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", 1000000, 1000000, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_INPUT] - 9.0) <= TOL);
    assert_true(fabs(c[LLMOBS_COST_OUTPUT] - 99.0) <= TOL);
    /* per call over both; a negative entry falls back to the table (the file here) */
    const double prices[LLMOBS_PRICE_KIND_COUNT] = {1.0, -1, -1, -1, -1};
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", 1000000, 1000000, 0, 0, 0, prices, c),
                     LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_INPUT] - 1.0) <= TOL);
    assert_true(fabs(c[LLMOBS_COST_OUTPUT] - 99.0) <= TOL);
    llmobs_cost_tracker_free(t);
    unlink(path);
    rmdir(dir);
}

static void complete_per_call_prices_price_an_unknown_model(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    const double prices[LLMOBS_PRICE_KIND_COUNT] = {1, 2, 0.5, 1.5, 3};
    double c[LLMOBS_COST_KIND_COUNT];
    assert_int_equal(
        llmobs_cost_record(t, "in-house-llm", "f", NULL, 1000, 1000, 1000, 1000, 1000, prices, c),
        LLMOBS_OK);
    assert_true(fabs(c[LLMOBS_COST_TOTAL] - 0.008) <= TOL);
    uint64_t n = 99;
    assert_int_equal(llmobs_cost_unknown_model_count(t, "in-house-llm", &n), LLMOBS_OK);
    assert_int_equal(n, 0);
    llmobs_cost_tracker_free(t);
}

typedef struct {
    int warnings;
    char last[512];
} log_capture;

static void capture_log(llmobs_log_level level, const char *message, void *ud)
{
    log_capture *lc = ud;
    if (level == LLMOBS_LOG_WARN) {
        lc->warnings++;
        snprintf(lc->last, sizeof lc->last, "%s", message);
    }
}

static void unknown_model_costs_zero_is_counted_and_warned_once(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    log_capture lc = {0};
    assert_int_equal(llmobs_cost_tracker_set_log_callback(t, capture_log, &lc), LLMOBS_OK);
    double c[LLMOBS_COST_KIND_COUNT] = {1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            llmobs_cost_record(t, "mystery-9000", "f", NULL, 1000, 1000, 0, 0, 0, NULL, c),
            LLMOBS_OK);
    for (int k = 0; k < LLMOBS_COST_KIND_COUNT; k++)
        assert_true(c[k] == 0);
    uint64_t n = 0;
    assert_int_equal(llmobs_cost_unknown_model_count(t, "mystery-9000", &n), LLMOBS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(lc.warnings, 1);
    assert_non_null(strstr(lc.last, "mystery-9000"));
    /* A second unknown model gets its own warning. */
    llmobs_cost_record(t, "mystery-9001", "f", NULL, 1, 1, 0, 0, 0, NULL, NULL);
    assert_int_equal(lc.warnings, 2);
    double spent = -1;
    assert_int_equal(llmobs_cost_spend_feature(t, "f", &spent), LLMOBS_OK);
    assert_true(spent == 0);
    /* compute is a query: it says ENOTFOUND and counts nothing */
    assert_int_equal(llmobs_cost_compute(t, "mystery-9000", 1, 1, 0, 0, 0, NULL, c),
                     LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_cost_unknown_model_count(t, "mystery-9000", &n), LLMOBS_OK);
    assert_int_equal(n, 3);
    llmobs_cost_tracker_free(t);
}

static void context_window_comes_from_the_table(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    int64_t w = 0;
    assert_int_equal(llmobs_cost_context_window(t, "gpt-4o-2024-08-06", &w), LLMOBS_OK);
    assert_int_equal(w, 128000);
    assert_int_equal(llmobs_cost_context_window(t, "claude-sonnet-4-5", &w), LLMOBS_OK);
    assert_int_equal(w, 200000);
    assert_int_equal(llmobs_cost_context_window(t, "nope", &w), LLMOBS_ENOTFOUND);
    llmobs_cost_tracker_free(t);
}

static void null_and_garbage_arguments_are_einval(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT], d;
    char buf[8];
    int64_t w;
    assert_int_equal(llmobs_cost_compute(NULL, "gpt-4o", 1, 1, 0, 0, 0, NULL, c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_compute(t, NULL, 1, 1, 0, 0, 0, NULL, c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", -1, 1, 0, 0, 0, NULL, c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", 1, 1, 0, 0, -5, NULL, c), LLMOBS_EINVAL);
    const double nan_prices[LLMOBS_PRICE_KIND_COUNT] = {NAN, 1, 1, 1, 1};
    assert_int_equal(llmobs_cost_compute(t, "gpt-4o", 1, 1, 0, 0, 0, nan_prices, c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_record(t, "", "f", NULL, 1, 1, 0, 0, 0, NULL, c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_record(NULL, "gpt-4o", "f", NULL, 1, 1, 0, 0, 0, NULL, c),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_record_usd(t, "gpt-4o", "f", NULL, -1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_record_usd(t, "gpt-4o", "f", NULL, INFINITY), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_price(t, NULL, 1, 1, 1, 1, 1, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_price(t, "m", -1, 1, 1, 1, 1, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_price(t, "m", 1, NAN, 1, 1, 1, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_price(t, "m", 1, 1, 1, 1, 1, -3), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_get_price(t, "gpt-4o", (llmobs_price_kind)99, &d), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_get_price(t, "gpt-4o", LLMOBS_PRICE_INPUT, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_resolve_model(t, "gpt-4o", NULL, 8), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_resolve_model(t, "claude-sonnet-4-5", buf, 4), LLMOBS_ELIMIT);
    assert_int_equal(llmobs_cost_context_window(NULL, "gpt-4o", &w), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_load_prices_file(t, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_load_prices_file(NULL, "/x"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_tracker_set_log_callback(NULL, NULL, NULL), LLMOBS_EINVAL);
    llmobs_cost_tracker_free(NULL);
    llmobs_cost_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(input_tokens_cost_input_price_per_million),
        cmocka_unit_test(output_tokens_cost_output_price_per_million),
        cmocka_unit_test(cached_input_tokens_cost_cache_read_price),
        cmocka_unit_test(cache_creation_tokens_cost_cache_write_price),
        cmocka_unit_test(reasoning_tokens_cost_reasoning_price),
        cmocka_unit_test(total_is_the_sum_of_every_type),
        cmocka_unit_test(costs_are_the_doubles_nearest_their_decimal_values),
        cmocka_unit_test(article_prices_are_built_in),
        cmocka_unit_test(builtin_table_is_sane),
        cmocka_unit_test(dated_snapshots_match_their_model_by_prefix),
        cmocka_unit_test(longest_prefix_wins_over_shorter_family_name),
        cmocka_unit_test(exact_entry_beats_prefix_rule),
        cmocka_unit_test(prefix_matches_only_at_segment_boundaries),
        cmocka_unit_test(provider_prefixes_and_vertex_at_suffix_are_understood),
        cmocka_unit_test(matching_ignores_ascii_case),
        cmocka_unit_test(api_price_overrides_builtin_and_reaches_dated_names),
        cmocka_unit_test(per_call_prices_override_file_and_builtin),
        cmocka_unit_test(complete_per_call_prices_price_an_unknown_model),
        cmocka_unit_test(unknown_model_costs_zero_is_counted_and_warned_once),
        cmocka_unit_test(context_window_comes_from_the_table),
        cmocka_unit_test(null_and_garbage_arguments_are_einval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
