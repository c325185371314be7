/* Daily budgets: threshold alerts exactly once under concurrency, UTC-midnight reset with an
 * injected clock, the pre-call guard at its edges, and the budgets/thresholds options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cost/cost.h"
#include <llmobs/llmobs.h>

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS INT64_C(1000000000)

static llmobs_cost_tracker *fresh(void)
{
    llmobs_status st;
    llmobs_cost_tracker *t = llmobs__cost_tracker_create(NULL, NULL, &st);
    assert_non_null(t);
    return t;
}

/* ---- an injectable clock ---- */

static int64_t utc_ns(int year, int mon, int day, int h, int m, int s)
{
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = day,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * NS;
}

static int64_t fake_clock(void *ud)
{
    return atomic_load((_Atomic int64_t *)ud);
}

/* ---- alert capture ---- */

typedef struct {
    atomic_int fired[8]; /* by threshold index in `thresholds` */
    double thresholds[8];
    int n;
    atomic_int calls;
    llmobs_cost_tracker *t; /* to call back into the tracker from the callback */
    atomic_int reentrant_ok;
    char last_message[256];
    double last_spent, last_budget;
    pthread_mutex_t mu; /* guards last_*: alerts may arrive on several threads at once */
} alerts;

static void on_alert(const char *feature, double threshold, double spent, double budget,
                     const char *message, void *ud)
{
    alerts *a = ud;
    (void)feature;
    for (int i = 0; i < a->n; i++)
        if (a->thresholds[i] == threshold) atomic_fetch_add(&a->fired[i], 1);
    atomic_fetch_add(&a->calls, 1);
    pthread_mutex_lock(&a->mu);
    a->last_spent = spent;
    a->last_budget = budget;
    snprintf(a->last_message, sizeof a->last_message, "%s", message);
    pthread_mutex_unlock(&a->mu);
    /* The tracker's lock is not held here: calling back in must not deadlock. */
    double remaining;
    if (a->t && llmobs_cost_budget_remaining(a->t, feature, &remaining) == LLMOBS_OK)
        atomic_fetch_add(&a->reentrant_ok, 1);
}

static void alerts_init(alerts *a, llmobs_cost_tracker *t)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    a->thresholds[0] = 0.8;
    a->thresholds[1] = 0.9;
    a->thresholds[2] = 1.0;
    a->n = 3;
    a->t = t;
}

/* ---- tests ---- */

typedef struct {
    llmobs_cost_tracker *t;
    int iterations;
} worker_arg;

static void *spender(void *p)
{
    worker_arg *w = p;
    for (int i = 0; i < w->iterations; i++)
        llmobs_cost_record_usd(w->t, "gpt-4o", "rag", NULL, 0.001);
    return NULL;
}

typedef struct {
    llmobs_cost_tracker *t;
    atomic_int stop;
    int refusals;
} checker_arg;

/* Reads concurrently with the spenders (for the sanitizers), and watches the guard flip. It
 * yields after each round: valgrind runs one thread at a time, and a reader that never blocks
 * can take most of its turns from the spenders (once this test ran over ten minutes under
 * valgrind in a clean-clone CI run; it takes about a second). */
static void *checker(void *p)
{
    checker_arg *c = p;
    while (!atomic_load(&c->stop)) {
        double v;
        if (llmobs_budget_check(c->t, "rag", 0.5, &v) == LLMOBS_EBUDGET) c->refusals++;
        llmobs_cost_spend_feature(c->t, "rag", &v);
        llmobs_cost_spend_model(c->t, "gpt-4o", &v);
        sched_yield();
    }
    return NULL;
}

static void thresholds_fire_exactly_once_across_eight_threads(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    alerts a;
    alerts_init(&a, t);
    assert_int_equal(llmobs_cost_set_budget(t, "rag", 1.0), LLMOBS_OK);
    assert_int_equal(llmobs_cost_set_budget_callback(t, on_alert, &a), LLMOBS_OK);
    pthread_t th[8];
    worker_arg w = {t, 500}; /* 8 x 500 x 0.001 = 4 USD: every threshold crossed */
    checker_arg ck = {.t = t};
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, checker, &ck), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, spender, &w), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    atomic_store(&ck.stop, 1);
    pthread_join(reader, NULL);
    assert_int_equal(llmobs_budget_check(t, "rag", 0.5, NULL), LLMOBS_EBUDGET);
    for (int i = 0; i < 3; i++)
        assert_int_equal(atomic_load(&a.fired[i]), 1);
    assert_int_equal(atomic_load(&a.calls), 3);
    assert_int_equal(atomic_load(&a.reentrant_ok), 3);
    double spent;
    assert_int_equal(llmobs_cost_spend_feature(t, "rag", &spent), LLMOBS_OK);
    assert_true(fabs(spent - 4.0) < 1e-9);
    llmobs_cost_tracker_free(t);
}

static void alert_reports_spend_budget_and_a_message(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    alerts a;
    alerts_init(&a, NULL);
    llmobs_cost_set_budget(t, "ticket_classifier", 10);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    llmobs_cost_record_usd(t, "gpt-4o", "ticket_classifier", NULL, 7.9);
    assert_int_equal(atomic_load(&a.calls), 0);
    llmobs_cost_record_usd(t, "gpt-4o", "ticket_classifier", NULL, 0.2);
    assert_int_equal(atomic_load(&a.calls), 1);
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    assert_true(fabs(a.last_spent - 8.1) < 1e-9);
    assert_true(a.last_budget == 10);
    assert_non_null(strstr(a.last_message, "ticket_classifier"));
    assert_non_null(strstr(a.last_message, "80%"));
    /* One jump across two thresholds fires both. */
    llmobs_cost_record_usd(t, "gpt-4o", "ticket_classifier", NULL, 5);
    assert_int_equal(atomic_load(&a.calls), 3);
    llmobs_cost_tracker_free(t);
}

static void spend_resets_at_utc_midnight_not_24h_after_start(void **state)
{
    (void)state;
    _Atomic int64_t now = utc_ns(2026, 5, 14, 0, 0, 1);
    llmobs_cost_tracker *t = fresh();
    llmobs__cost_tracker_set_clock(t, fake_clock, (void *)&now);
    alerts a;
    alerts_init(&a, NULL);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    assert_int_equal(llmobs_cost_set_budget(t, "rag", 10), LLMOBS_OK);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", "alice", 3);
    atomic_store(&now, utc_ns(2026, 5, 14, 23, 59, 59)); /* same UTC day: accumulates */
    llmobs_cost_record_usd(t, "gpt-4o", "rag", "alice", 5);
    double v;
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 8);
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    atomic_store(&now, utc_ns(2026, 5, 15, 0, 0, 1)); /* next UTC day */
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 0);
    llmobs_cost_spend_model(t, "gpt-4o", &v);
    assert_true(v == 0);
    llmobs_cost_spend_user(t, "alice", &v);
    assert_true(v == 0);
    llmobs_cost_spend_total(t, &v);
    assert_true(v == 0);
    assert_int_equal(llmobs_cost_budget_remaining(t, "rag", &v), LLMOBS_OK);
    assert_true(v == 10);
    assert_int_equal(llmobs_cost_budget(t, "rag", &v), LLMOBS_OK); /* budgets survive */
    assert_true(v == 10);
    /* thresholds re-armed for the new day */
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 8);
    assert_int_equal(atomic_load(&a.fired[0]), 2);
    llmobs_cost_tracker_free(t);
}

static void clock_stepped_back_across_midnight_keeps_the_days_spend(void **state)
{
    (void)state;
    _Atomic int64_t now = utc_ns(2026, 5, 14, 0, 0, 1);
    llmobs_cost_tracker *t = fresh();
    llmobs__cost_tracker_set_clock(t, fake_clock, (void *)&now);
    alerts a;
    alerts_init(&a, NULL);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    assert_int_equal(llmobs_cost_set_budget(t, "rag", 10), LLMOBS_OK);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", "alice", 9.5); /* 80 % and 90 % fire */
    assert_int_equal(atomic_load(&a.calls), 2);
    atomic_store(&now, utc_ns(2026, 5, 14, 0, 0, 1) - 3 * NS / 2); /* 23:59:59.5 the day before */
    double v;
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 9.5);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", "alice", 9.5);
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 19);
    llmobs_cost_spend_total(t, &v);
    assert_true(v == 19);
    llmobs_cost_spend_user(t, "alice", &v);
    assert_true(v == 19);
    /* 80 % and 90 % once each, then 100 % once: no alert fires twice. */
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    assert_int_equal(atomic_load(&a.fired[1]), 1);
    assert_int_equal(atomic_load(&a.fired[2]), 1);
    double left = -1;
    assert_int_equal(llmobs_budget_check(t, "rag", 0.5, &left), LLMOBS_EBUDGET);
    assert_true(left == 0);
    assert_int_equal(llmobs_cost_budget_remaining(t, "rag", &v), LLMOBS_OK);
    assert_true(v == 0);
    atomic_store(&now, utc_ns(2026, 5, 14, 0, 0, 2)); /* the clock catches up: same day */
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 19);
    atomic_store(&now, utc_ns(2026, 5, 15, 0, 0, 0)); /* the next midnight still resets */
    llmobs_cost_spend_feature(t, "rag", &v);
    assert_true(v == 0);
    llmobs_cost_tracker_free(t);
}

static void clock_corrected_back_by_more_than_a_day_starts_that_day(void **state)
{
    (void)state;
    _Atomic int64_t now = utc_ns(2027, 6, 1, 12, 0, 0); /* a clock a year ahead */
    llmobs_cost_tracker *t = fresh();
    llmobs__cost_tracker_set_clock(t, fake_clock, (void *)&now);
    llmobs_cost_set_budget(t, "rag", 10);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 10);
    atomic_store(&now, utc_ns(2026, 6, 1, 12, 0, 0)); /* corrected: not stuck for a year */
    double left = -1;
    assert_int_equal(llmobs_budget_check(t, "rag", 1, &left), LLMOBS_OK);
    assert_true(left == 10);
    llmobs_cost_tracker_free(t);
}

static void new_thresholds_already_reached_fire_with_the_next_record(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    alerts a;
    alerts_init(&a, NULL);
    a.thresholds[0] = 0.3;
    a.thresholds[1] = 0.5;
    a.thresholds[2] = 0.8;
    a.thresholds[3] = 0.85;
    a.n = 4;
    llmobs_cost_set_budget(t, "rag", 10);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 8.6); /* the defaults: 0.8 fires */
    assert_int_equal(atomic_load(&a.fired[2]), 1);
    assert_int_equal(atomic_load(&a.calls), 1);
    const double th[] = {0.3, 0.5, 0.8, 0.85};
    assert_int_equal(llmobs_cost_set_budget_thresholds(t, th, 4), LLMOBS_OK);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 0.01);
    /* 0.3, 0.5 and 0.85 were reached but never alerted: they fire now; 0.8 did already. */
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    assert_int_equal(atomic_load(&a.fired[1]), 1);
    assert_int_equal(atomic_load(&a.fired[2]), 1);
    assert_int_equal(atomic_load(&a.fired[3]), 1);
    assert_int_equal(atomic_load(&a.calls), 4);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 0.01); /* and only once */
    assert_int_equal(atomic_load(&a.calls), 4);
    llmobs_cost_tracker_free(t);
}

static void guard_allows_landing_exactly_on_budget_and_refuses_just_over(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_set_budget(t, "rag", 10);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 7.5);
    double remaining = -1;
    assert_int_equal(llmobs_budget_check(t, "rag", 2.5, &remaining), LLMOBS_OK);
    assert_true(remaining == 2.5);
    assert_int_equal(llmobs_budget_check(t, "rag", 2.5 + 1e-6, &remaining), LLMOBS_EBUDGET);
    assert_non_null(strstr(llmobs_last_error(), "rag"));
    assert_int_equal(llmobs_budget_check(t, "rag", 0, NULL), LLMOBS_OK);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 2.5); /* exactly at budget */
    assert_int_equal(llmobs_budget_check(t, "rag", 0, &remaining), LLMOBS_OK);
    assert_true(remaining == 0);
    assert_int_equal(llmobs_budget_check(t, "rag", 1e-6, NULL), LLMOBS_EBUDGET);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 1); /* over: remaining floors at 0 */
    assert_int_equal(llmobs_cost_budget_remaining(t, "rag", &remaining), LLMOBS_OK);
    assert_true(remaining == 0);
    llmobs_cost_tracker_free(t);
}

static void guard_allows_features_without_budget(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    double remaining = 0;
    assert_int_equal(llmobs_budget_check(t, "free_feature", 1e9, &remaining), LLMOBS_OK);
    assert_true(isinf(remaining));
    assert_int_equal(llmobs_cost_budget_remaining(t, "free_feature", &remaining), LLMOBS_ENOTFOUND);
    llmobs_cost_tracker_free(t);
}

static void guard_rejects_bad_arguments(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_budget_check(NULL, "rag", 1, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_budget_check(t, "rag", -1, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_budget_check(t, "rag", NAN, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_budget_check(t, "rag", INFINITY, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_budget_check(t, NULL, 1, NULL), LLMOBS_OK); /* "unknown" feature */
    assert_int_equal(llmobs_cost_set_budget(t, "rag", 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_budget(t, "rag", -5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_budget(t, "", 5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_budget(t, NULL, 5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_budget(NULL, "rag", 5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_clear_budget(t, "rag"), LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_cost_set_budget_callback(NULL, on_alert, NULL), LLMOBS_EINVAL);
    const double bad[] = {0.5, 0.5};
    assert_int_equal(llmobs_cost_set_budget_thresholds(t, bad, 2), LLMOBS_EINVAL);
    assert_int_equal(llmobs_cost_set_budget_thresholds(t, NULL, 2), LLMOBS_EINVAL);
    const double neg[] = {-0.5};
    assert_int_equal(llmobs_cost_set_budget_thresholds(t, neg, 1), LLMOBS_EINVAL);
    llmobs_cost_tracker_free(t);
}

static void cleared_budget_stops_guarding(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    llmobs_cost_set_budget(t, "rag", 1);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 2);
    assert_int_equal(llmobs_budget_check(t, "rag", 0.1, NULL), LLMOBS_EBUDGET);
    assert_int_equal(llmobs_cost_clear_budget(t, "rag"), LLMOBS_OK);
    assert_int_equal(llmobs_budget_check(t, "rag", 0.1, NULL), LLMOBS_OK);
    llmobs_cost_tracker_free(t);
}

static void custom_thresholds_replace_the_defaults(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    alerts a;
    alerts_init(&a, NULL);
    a.thresholds[0] = 0.5;
    a.thresholds[1] = 2.0;
    a.n = 2;
    const double th[] = {2.0, 0.5}; /* sorted by the tracker */
    assert_int_equal(llmobs_cost_set_budget_thresholds(t, th, 2), LLMOBS_OK);
    llmobs_cost_set_budget(t, "rag", 10);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 9.5); /* 95%: only 0.5 */
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    assert_int_equal(atomic_load(&a.calls), 1);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 10.5); /* 200% */
    assert_int_equal(atomic_load(&a.fired[1]), 1);
    assert_int_equal(atomic_load(&a.calls), 2);
    llmobs_cost_tracker_free(t);
}

static void raising_the_budget_rearms_thresholds_no_longer_reached(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    alerts a;
    alerts_init(&a, NULL);
    llmobs_cost_set_budget(t, "rag", 10);
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 8.5); /* 0.8 fires */
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    llmobs_cost_set_budget(t, "rag", 20);                /* 42.5%: 0.8 re-armed */
    llmobs_cost_record_usd(t, "gpt-4o", "rag", NULL, 8); /* 82.5% */
    assert_int_equal(atomic_load(&a.fired[0]), 2);
    llmobs_cost_tracker_free(t);
}

static void budgets_option_errors_name_the_option(void **state)
{
    (void)state;
    static const char *const bad[] = {"rag",    "=5",      "rag=",        "rag=abc",     "rag=0",
                                      "rag=-1", "rag=inf", "rag=5,rag=6", "rag=5;tc=10", "rag=5x"};
    llmobs_options *o = llmobs_options_new();
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        llmobs_status st = llmobs_options_set(o, "budgets", bad[i]);
        if (st != LLMOBS_EINVAL || !strstr(llmobs_last_error(), "option budgets"))
            fail_msg("'%s': %s '%s'", bad[i], llmobs_status_name(st), llmobs_last_error());
    }
    assert_int_equal(llmobs_options_set(o, "budgets", " rag_pipeline = 50 , ticket_classifier=10 "),
                     LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "budgets", ""), LLMOBS_OK);
    static const char *const bad_th[] = {"", "0", "-0.5", "abc", "0.8,0.8", "101"};
    for (size_t i = 0; i < sizeof bad_th / sizeof *bad_th; i++) {
        llmobs_status st = llmobs_options_set(o, "budget_thresholds", bad_th[i]);
        if (st != LLMOBS_EINVAL || !strstr(llmobs_last_error(), "option budget_thresholds"))
            fail_msg("'%s': %s '%s'", bad_th[i], llmobs_status_name(st), llmobs_last_error());
    }
    llmobs_options_free(o);
}

static void budgets_environment_applies_and_bad_value_names_variable(void **state)
{
    (void)state;
    setenv("LLMOBS_BUDGETS", "rag_pipeline=50,ticket_classifier=10", 1);
    setenv("LLMOBS_BUDGET_THRESHOLDS", "0.5", 1);
    llmobs_status st;
    llmobs_cost_tracker *t = llmobs_cost_tracker_new(NULL, &st);
    assert_int_equal(st, LLMOBS_OK);
    assert_non_null(t);
    double b;
    assert_int_equal(llmobs_cost_budget(t, "rag_pipeline", &b), LLMOBS_OK);
    assert_true(b == 50);
    assert_int_equal(llmobs_cost_budget(t, "ticket_classifier", &b), LLMOBS_OK);
    assert_true(b == 10);
    alerts a;
    alerts_init(&a, NULL);
    a.thresholds[0] = 0.5;
    a.n = 1;
    llmobs_cost_set_budget_callback(t, on_alert, &a);
    llmobs_cost_record_usd(t, "gpt-4o", "ticket_classifier", NULL, 6);
    assert_int_equal(atomic_load(&a.fired[0]), 1);
    assert_int_equal(atomic_load(&a.calls), 1);
    llmobs_cost_tracker_free(t);

    setenv("LLMOBS_BUDGETS", "rag_pipeline=fifty", 1);
    t = llmobs_cost_tracker_new(NULL, &st);
    assert_null(t);
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LLMOBS_BUDGETS"));
    assert_non_null(strstr(llmobs_last_error(), "budgets"));
    /* a setter wins over the environment */
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "budgets", "rag_pipeline=7"), LLMOBS_OK);
    t = llmobs_cost_tracker_new(o, &st);
    assert_non_null(t);
    assert_int_equal(llmobs_cost_budget(t, "rag_pipeline", &b), LLMOBS_OK);
    assert_true(b == 7);
    llmobs_cost_tracker_free(t);
    llmobs_options_free(o);
    unsetenv("LLMOBS_BUDGETS");
    unsetenv("LLMOBS_BUDGET_THRESHOLDS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thresholds_fire_exactly_once_across_eight_threads),
        cmocka_unit_test(alert_reports_spend_budget_and_a_message),
        cmocka_unit_test(clock_stepped_back_across_midnight_keeps_the_days_spend),
        cmocka_unit_test(clock_corrected_back_by_more_than_a_day_starts_that_day),
        cmocka_unit_test(new_thresholds_already_reached_fire_with_the_next_record),
        cmocka_unit_test(spend_resets_at_utc_midnight_not_24h_after_start),
        cmocka_unit_test(guard_allows_landing_exactly_on_budget_and_refuses_just_over),
        cmocka_unit_test(guard_allows_features_without_budget),
        cmocka_unit_test(guard_rejects_bad_arguments),
        cmocka_unit_test(cleared_budget_stops_guarding),
        cmocka_unit_test(custom_thresholds_replace_the_defaults),
        cmocka_unit_test(raising_the_budget_rearms_thresholds_no_longer_reached),
        cmocka_unit_test(budgets_option_errors_name_the_option),
        cmocka_unit_test(budgets_environment_applies_and_bad_value_names_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
