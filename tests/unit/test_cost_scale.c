/* The cost tracker at scale (docs/decisions.md, "Cost tracker: hash tables, a heap and a price
 * cache"): 100,000 users with the smallest spenders displaced in order and every tracked
 * user's spend exact, the price cache following llmobs_cost_set_price and prices files, and
 * the feature and model tables growing well past their first size. */
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

#define USERS 100000

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

static void user_name(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "user-%d", i);
}

static void hundred_thousand_users_evict_the_smallest_in_order(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_set_user_limit(t, USERS), LLMOBS_OK);
    char u[32];
    /* user-i spends (i % 1000) + 1 USD: many ties, lowest index first among them. */
    for (int i = 0; i < USERS; i++) {
        user_name(u, sizeof u, i);
        assert_int_equal(llmobs_cost_record_usd(t, "m", "f", u, (double)(i % 1000) + 1), LLMOBS_OK);
    }
    /* Tracked users keep accumulating, exactly. */
    for (int i = 0; i < USERS; i += 997) {
        user_name(u, sizeof u, i);
        assert_int_equal(llmobs_cost_record_usd(t, "m", "f", u, 5000), LLMOBS_OK);
    }
    for (int i = 0; i < USERS; i += 997) {
        user_name(u, sizeof u, i);
        assert_true(spend_user(t, u) == (double)(i % 1000) + 1 + 5000);
    }
    /* 99 new users of 10 USD: each displaces a smallest spender (1 USD: user-1000, user-2000,
     * ... user-99000; not user-0, which now has 5001). */
    for (int i = 0; i < 99; i++) {
        snprintf(u, sizeof u, "new-%d", i);
        assert_int_equal(llmobs_cost_record_usd(t, "m", "f", u, 10), LLMOBS_OK);
        assert_true(spend_user(t, u) == 10);
    }
    assert_true(spend_user(t, "user-0") == 5001);
    for (int i = 1; i < 100; i++) {
        user_name(u, sizeof u, i * 1000);
        assert_true(spend_user(t, u) == 0); /* displaced */
    }
    assert_true(spend_user(t, "user-1") == 2); /* the next smallest, still tracked */
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 99);
    /* A new user spending less than the smallest goes to "other". */
    assert_int_equal(llmobs_cost_record_usd(t, "m", "f", "tiny", 0.5), LLMOBS_OK);
    assert_true(spend_user(t, "tiny") == 0);
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 99.5);
    /* users + other == total, and the set holds exactly the limit. */
    double sum = 0, v, total;
    char name[64];
    size_t n = 0;
    for (size_t i = 0; llmobs_cost_user_at(t, i, name, sizeof name, &v) == LLMOBS_OK; i++, n++)
        sum += v;
    assert_int_equal(n, USERS + 1);
    assert_int_equal(llmobs_cost_spend_total(t, &total), LLMOBS_OK);
    assert_true(fabs(sum - total) <= 1e-6 * total);
    /* Shrinking moves the smallest spenders (2 USD: user-1, user-1001, ...) to "other". */
    assert_int_equal(llmobs_cost_set_user_limit(t, USERS - 50), LLMOBS_OK);
    for (int i = 0; i < 50; i++) {
        user_name(u, sizeof u, 1 + i * 1000);
        assert_true(spend_user(t, u) == 0);
    }
    user_name(u, sizeof u, 1 + 50 * 1000);
    assert_true(spend_user(t, u) == 2);
    assert_true(spend_user(t, LLMOBS_COST_OTHER) == 199.5);
    llmobs_cost_tracker_free(t);
}

static void price_cache_follows_set_price_and_price_files(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double c[LLMOBS_COST_KIND_COUNT], p;
    /* Cache many names, then change prices: every cached name sees the new table. */
    char m[32];
    for (int i = 0; i < 5000; i++) { /* past the cache's 4096 names */
        snprintf(m, sizeof m, "gpt-4o-x%d", i);
        assert_int_equal(llmobs_cost_get_price(t, m, LLMOBS_PRICE_INPUT, &p), LLMOBS_OK);
        assert_true(p == 2.5); /* prefix rule: gpt-4o */
    }
    assert_int_equal(llmobs_cost_record(t, "gpt-4o", "f", NULL, 1000000, 0, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(c[LLMOBS_COST_TOTAL] == 2.5);
    assert_int_equal(llmobs_cost_set_price(t, "gpt-4o", 7, 8, -1, -1, -1, 0), LLMOBS_OK);
    assert_int_equal(llmobs_cost_record(t, "gpt-4o", "f", NULL, 1000000, 0, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(c[LLMOBS_COST_TOTAL] == 7);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(m, sizeof m, "gpt-4o-x%d", i);
        assert_int_equal(llmobs_cost_get_price(t, m, LLMOBS_PRICE_INPUT, &p), LLMOBS_OK);
        assert_true(p == 7);
    }
    /* An unknown model cached as unknown becomes known by a prices file. */
    assert_int_equal(llmobs_cost_get_price(t, "acme-1", LLMOBS_PRICE_INPUT, &p), LLMOBS_ENOTFOUND);
    char path[] = "/tmp/llmobs_cost_scale_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("{\"models\": {\"acme-1\": {\"input\": 3, \"output\": 4}}}", f);
    fclose(f);
    llmobs_status st = llmobs_cost_load_prices_file(t, path);
    remove(path);
    assert_int_equal(st, LLMOBS_OK);
    assert_int_equal(llmobs_cost_get_price(t, "acme-1", LLMOBS_PRICE_INPUT, &p), LLMOBS_OK);
    assert_true(p == 3);
    assert_int_equal(llmobs_cost_record(t, "acme-1", "f", NULL, 0, 1000000, 0, 0, 0, NULL, c),
                     LLMOBS_OK);
    assert_true(c[LLMOBS_COST_TOTAL] == 4);
    llmobs_cost_tracker_free(t);
}

static void feature_and_model_tables_grow_to_their_limits(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    char ft[32], m[32], name[64];
    double v;
    for (int i = 0; i < LLMOBS__COST_MAX_FEATURES + 10; i++) {
        snprintf(ft, sizeof ft, "feature-%d", i);
        snprintf(m, sizeof m, "model-%d", i);
        assert_int_equal(llmobs_cost_record_usd(t, m, ft, NULL, 1), LLMOBS_OK);
    }
    for (int i = 0; i < LLMOBS__COST_MAX_FEATURES; i += 31) {
        snprintf(ft, sizeof ft, "feature-%d", i);
        snprintf(m, sizeof m, "model-%d", i);
        assert_int_equal(llmobs_cost_spend_feature(t, ft, &v), LLMOBS_OK);
        assert_true(v == 1);
        assert_int_equal(llmobs_cost_spend_model(t, m, &v), LLMOBS_OK);
        assert_true(v == 1);
    }
    /* Past the limits: folded into "other". */
    assert_int_equal(llmobs_cost_spend_feature(t, LLMOBS_COST_OTHER, &v), LLMOBS_OK);
    assert_true(v == 10);
    assert_int_equal(llmobs_cost_spend_model(t, LLMOBS_COST_OTHER, &v), LLMOBS_OK);
    assert_true(v == 10);
    size_t n = 0;
    while (llmobs_cost_feature_at(t, n, name, sizeof name, NULL, NULL) == LLMOBS_OK)
        n++;
    assert_int_equal(n, LLMOBS__COST_MAX_FEATURES + 1); /* and "other" */
    /* Budgets keep their features across a lookup table rebuilt on a new day. */
    assert_int_equal(llmobs_cost_set_budget(t, "feature-500", 100), LLMOBS_OK);
    assert_int_equal(llmobs_cost_budget(t, "feature-500", &v), LLMOBS_OK);
    assert_true(v == 100);
    llmobs_cost_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hundred_thousand_users_evict_the_smallest_in_order),
        cmocka_unit_test(price_cache_follows_set_price_and_price_files),
        cmocka_unit_test(feature_and_model_tables_grow_to_their_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
