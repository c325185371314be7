/* Registry behaviour: registration rules, name validation, children, the cardinality guard,
 * removal and clearing, and tolerance of NULL or wrong handles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmobs/metrics.h"

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

static char *render(llmobs_registry *r)
{
    char *s = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &s, NULL), LLMOBS_OK);
    return s;
}

static const char *const MF[] = {"model", "feature"};

static void registering_the_same_definition_twice_returns_the_same_family(void **state)
{
    llmobs_family *a, *b;
    assert_int_equal(llmobs_counter_register(*state, "x_total", "X", NULL, MF, 2, &a), LLMOBS_OK);
    assert_int_equal(llmobs_counter_register(*state, "x_total", "X", "", MF, 2, &b), LLMOBS_OK);
    assert_ptr_equal(a, b);
    /* The name without _total designates the same counter family. */
    assert_int_equal(llmobs_counter_register(*state, "x", "X", NULL, MF, 2, &b), LLMOBS_OK);
    assert_ptr_equal(a, b);
}

static void registering_a_different_definition_returns_eexist(void **state)
{
    llmobs_family *a, *b;
    const char *const other[] = {"model"};
    assert_int_equal(llmobs_counter_register(*state, "x_total", "X", NULL, MF, 2, &a), LLMOBS_OK);
    assert_int_equal(llmobs_counter_register(*state, "x_total", "other help", NULL, MF, 2, &b),
                     LLMOBS_EEXIST);
    assert_null(b);
    assert_int_equal(llmobs_counter_register(*state, "x_total", "X", NULL, other, 1, &b),
                     LLMOBS_EEXIST);
    assert_int_equal(llmobs_gauge_register(*state, "x_total", "X", NULL, MF, 2, &b), LLMOBS_EEXIST);
    assert_true(strlen(llmobs_last_error()) > 0);
}

static void histogram_suffix_names_collide_with_other_families(void **state)
{
    llmobs_family *h, *g;
    assert_int_equal(
        llmobs_histogram_register(*state, "lat_seconds", "L", NULL, NULL, 0, NULL, 0, &h),
        LLMOBS_OK);
    assert_int_equal(llmobs_gauge_register(*state, "lat_seconds_count", "G", NULL, NULL, 0, &g),
                     LLMOBS_EEXIST);
    assert_int_equal(llmobs_counter_register(*state, "lat_seconds_sum", "G", NULL, NULL, 0, &g),
                     LLMOBS_EEXIST);
}

static void histograms_with_different_buckets_are_different_definitions(void **state)
{
    llmobs_family *a, *b;
    const double b1[] = {1, 2}, b2[] = {1, 3};
    assert_int_equal(llmobs_histogram_register(*state, "h", "H", NULL, NULL, 0, b1, 2, &a),
                     LLMOBS_OK);
    assert_int_equal(llmobs_histogram_register(*state, "h", "H", NULL, NULL, 0, b2, 2, &b),
                     LLMOBS_EEXIST);
    assert_int_equal(llmobs_histogram_register(*state, "h", "H", NULL, NULL, 0, b1, 2, &b),
                     LLMOBS_OK);
    assert_ptr_equal(a, b);
}

static void invalid_metric_names_are_rejected(void **state)
{
    const char *bad[] = {"", "1abc", "a-b", "a b", "é", "a.b"};
    llmobs_family *f;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(llmobs_gauge_register(*state, bad[i], "h", NULL, NULL, 0, &f),
                         LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, NULL, "h", NULL, NULL, 0, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "ok:name_1", "h", NULL, NULL, 0, &f), LLMOBS_OK);
    assert_int_equal(llmobs_counter_register(*state, "_total", "h", NULL, NULL, 0, &f),
                     LLMOBS_EINVAL);
}

static void invalid_label_names_are_rejected(void **state)
{
    llmobs_family *f;
    const char *const dunder[] = {"__name"};
    const char *const colon[] = {"a:b"};
    const char *const digit[] = {"1a"};
    const char *const dup[] = {"a", "a"};
    const char *const null[] = {NULL};
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, dunder, 1, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, colon, 1, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, digit, 1, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, dup, 2, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, null, 1, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, NULL, 1, &f), LLMOBS_EINVAL);
}

static void le_is_reserved_on_histograms_only(void **state)
{
    llmobs_family *f;
    const char *const le[] = {"le"};
    assert_int_equal(llmobs_histogram_register(*state, "h", "h", NULL, le, 1, NULL, 0, &f),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, le, 1, &f), LLMOBS_OK);
}

static void unit_must_be_a_suffix_of_the_name(void **state)
{
    llmobs_family *f;
    assert_int_equal(llmobs_gauge_register(*state, "size", "h", "bytes", NULL, 0, &f),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_register(*state, "size_bytes", "h", "bytes", NULL, 0, &f),
                     LLMOBS_OK);
    assert_int_equal(
        llmobs_counter_register(*state, "busy_seconds_total", "h", "seconds", NULL, 0, &f),
        LLMOBS_OK);
}

static void bucket_bounds_must_be_finite_and_strictly_increasing(void **state)
{
    llmobs_family *f;
    const double dup[] = {1, 1}, down[] = {2, 1}, nan[] = {1, NAN}, inf_last[] = {1, INFINITY};
    assert_int_equal(llmobs_histogram_register(*state, "h1", "h", NULL, NULL, 0, dup, 2, &f),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_register(*state, "h2", "h", NULL, NULL, 0, down, 2, &f),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_register(*state, "h3", "h", NULL, NULL, 0, nan, 2, &f),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_register(*state, "h4", "h", NULL, NULL, 0, NULL, 3, &f),
                     LLMOBS_EINVAL);
    /* A trailing +Inf is the implicit last bucket. */
    assert_int_equal(llmobs_histogram_register(*state, "h5", "h", NULL, NULL, 0, inf_last, 2, &f),
                     LLMOBS_OK);
    char *s = render(*state);
    assert_non_null(strstr(s, "h5_bucket{le=\"1.0\"} 0\nh5_bucket{le=\"+Inf\"} 0\n"));
    llmobs_metrics_string_free(s);
}

static void linear_and_exponential_buckets_fill_the_caller_array(void **state)
{
    (void)state;
    double b[4];
    assert_int_equal(llmobs_buckets_linear(1, 0.5, 4, b), LLMOBS_OK);
    assert_true(b[0] == 1 && b[1] == 1.5 && b[2] == 2 && b[3] == 2.5);
    assert_int_equal(llmobs_buckets_exponential(0.5, 2, 4, b), LLMOBS_OK);
    assert_true(b[0] == 0.5 && b[1] == 1 && b[2] == 2 && b[3] == 4);
    assert_int_equal(llmobs_buckets_linear(1, 0, 4, b), LLMOBS_EINVAL);
    assert_int_equal(llmobs_buckets_linear(1, 1, 0, b), LLMOBS_EINVAL);
    assert_int_equal(llmobs_buckets_exponential(0, 2, 4, b), LLMOBS_EINVAL);
    assert_int_equal(llmobs_buckets_exponential(1, 1, 4, b), LLMOBS_EINVAL);
    assert_int_equal(llmobs_buckets_exponential(1, 2, 4, NULL), LLMOBS_EINVAL);
}

static void labels_lookup_returns_the_same_child_for_the_same_values(void **state)
{
    llmobs_family *f;
    llmobs_counter *a, *b, *c;
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, MF, 2, &f), LLMOBS_OK);
    const char *const v1[] = {"gpt", "chat"}, *const v1b[] = {"gpt", "chat"};
    const char *const v2[] = {"gptc", "hat"};
    assert_int_equal(llmobs_counter_labels(f, v1, 2, &a), LLMOBS_OK);
    assert_int_equal(llmobs_counter_labels(f, v1b, 2, &b), LLMOBS_OK);
    assert_int_equal(llmobs_counter_labels(f, v2, 2, &c), LLMOBS_OK);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_int_equal(llmobs_family_children(f), 2);
}

static void wrong_label_count_is_einval(void **state)
{
    llmobs_family *f;
    llmobs_counter *c;
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, MF, 2, &f), LLMOBS_OK);
    const char *const one[] = {"a"};
    const char *const with_null[] = {"a", NULL};
    assert_int_equal(llmobs_counter_labels(f, one, 1, &c), LLMOBS_EINVAL);
    assert_null(c);
    assert_int_equal(llmobs_counter_labels(f, with_null, 2, &c), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_labels(f, NULL, 2, &c), LLMOBS_EINVAL);
}

static void children_of_the_wrong_type_are_refused(void **state)
{
    llmobs_family *g;
    assert_int_equal(llmobs_gauge_register(*state, "g", "g", NULL, NULL, 0, &g), LLMOBS_OK);
    llmobs_counter *c;
    assert_int_equal(llmobs_counter_labels(g, NULL, 0, &c), LLMOBS_EINVAL);
    llmobs_gauge *gc;
    assert_int_equal(llmobs_gauge_labels(g, NULL, 0, &gc), LLMOBS_OK);
    /* A gauge child passed as a counter handle is detected, not written. */
    assert_int_equal(llmobs_counter_inc((llmobs_counter *)gc), LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_observe((llmobs_histogram *)gc, 1), LLMOBS_EINVAL);
}

static void null_arguments_return_einval_everywhere(void **state)
{
    (void)state;
    llmobs_family *f = NULL;
    double d;
    uint64_t u;
    char buf[8];
    char *s;
    const char *ct;
    llmobs_metrics_server *srv;
    assert_int_equal(llmobs_counter_register(NULL, "a", "a", NULL, NULL, 0, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_register(*state, "a", "a", NULL, NULL, 0, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_register(*state, "a", NULL, NULL, NULL, 0, &f), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_inc(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_add(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_get(NULL, &d), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_add_labels(NULL, NULL, 0, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_inc_labels(NULL, NULL, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_set(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_add(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_inc(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_dec(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_get(NULL, &d), LLMOBS_EINVAL);
    assert_int_equal(llmobs_gauge_set_labels(NULL, NULL, 0, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_observe(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_observe_labels(NULL, NULL, 0, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_histogram_get(NULL, &u, &d), LLMOBS_EINVAL);
    assert_int_equal(llmobs_family_remove(NULL, NULL, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_family_clear(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_family_set_max_children(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_family_refused_total(NULL), 0);
    assert_int_equal(llmobs_family_children(NULL), 0);
    assert_int_equal(llmobs_metrics_render(NULL, LLMOBS_FORMAT_TEXT, buf, sizeof buf, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_metrics_render(*state, (llmobs_metrics_format)7, buf, sizeof buf, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_metrics_render_string(NULL, LLMOBS_FORMAT_TEXT, &s, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_metrics_render_for_accept(*state, NULL, NULL, NULL, &ct),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_registry_set_process_metrics(NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_metrics_server_start(NULL, "127.0.0.1:0", &srv), LLMOBS_EINVAL);
    assert_int_equal(llmobs_metrics_server_port(NULL), 0);
    llmobs_metrics_server_stop(NULL);
    llmobs_metrics_string_free(NULL);
    llmobs_registry_free(NULL);
    llmobs_registry_free(llmobs_registry_default()); /* ignored */
    assert_non_null(llmobs_registry_default());
}

static void counter_rejects_negative_nan_and_infinite_increments(void **state)
{
    llmobs_family *f;
    llmobs_counter *c;
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, NULL, 0, &f), LLMOBS_OK);
    assert_int_equal(llmobs_counter_labels(f, NULL, 0, &c), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add(c, -1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_add(c, NAN), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_add(c, INFINITY), LLMOBS_EINVAL);
    assert_int_equal(llmobs_counter_add(c, 2.5), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add(c, 3), LLMOBS_OK);
    assert_int_equal(llmobs_counter_inc(c), LLMOBS_OK);
    assert_int_equal(llmobs_counter_inc_labels(f, NULL, 0), LLMOBS_OK);
    double v;
    assert_int_equal(llmobs_counter_get(c, &v), LLMOBS_OK);
    assert_true(v == 7.5);
}

static void gauge_goes_up_and_down_including_negative_adds(void **state)
{
    llmobs_family *f;
    llmobs_gauge *g;
    assert_int_equal(llmobs_gauge_register(*state, "g", "g", NULL, NULL, 0, &f), LLMOBS_OK);
    assert_int_equal(llmobs_gauge_labels(f, NULL, 0, &g), LLMOBS_OK);
    llmobs_gauge_inc(g);
    llmobs_gauge_inc(g);
    llmobs_gauge_dec(g);
    llmobs_gauge_add(g, -3.5);
    double v;
    llmobs_gauge_get(g, &v);
    assert_true(v == -2.5);
    assert_int_equal(llmobs_gauge_add(g, NAN), LLMOBS_EINVAL);
    llmobs_gauge_set(g, 7.25);
    llmobs_gauge_get(g, &v);
    assert_true(v == 7.25);
}

static void histogram_counts_and_sums_observations(void **state)
{
    llmobs_family *f;
    llmobs_histogram *h;
    const double b[] = {1, 2};
    assert_int_equal(llmobs_histogram_register(*state, "h", "h", NULL, NULL, 0, b, 2, &f),
                     LLMOBS_OK);
    assert_int_equal(llmobs_histogram_labels(f, NULL, 0, &h), LLMOBS_OK);
    llmobs_histogram_observe(h, 0.5);
    llmobs_histogram_observe(h, 2);
    llmobs_histogram_observe(h, 100);
    assert_int_equal(llmobs_histogram_observe(h, NAN), LLMOBS_EINVAL);
    uint64_t n;
    double sum;
    assert_int_equal(llmobs_histogram_get(h, &n, &sum), LLMOBS_OK);
    assert_int_equal(n, 3);
    assert_true(sum == 102.5);
}

static void past_the_cap_new_label_sets_land_in_one_counted_overflow_series(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"id", "feature"};
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, l, 2, &f), LLMOBS_OK);
    assert_int_equal(llmobs_family_set_max_children(f, 2), LLMOBS_OK);
    const char *const a[] = {"a", "x"}, *const b[] = {"b", "x"}, *const c[] = {"c", "x"},
                      *const d[] = {"d", "y"};
    assert_int_equal(llmobs_counter_add_labels(f, a, 2, 1), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add_labels(f, b, 2, 1), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add_labels(f, c, 2, 1), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add_labels(f, c, 2, 2), LLMOBS_OK);
    assert_int_equal(llmobs_counter_add_labels(f, d, 2, 4), LLMOBS_OK);
    /* Existing children still work at the limit. */
    assert_int_equal(llmobs_counter_add_labels(f, a, 2, 1), LLMOBS_OK);
    /* A handle looked up past the cap is the overflow series. */
    llmobs_counter *h;
    assert_int_equal(llmobs_counter_labels(f, d, 2, &h), LLMOBS_OK);
    llmobs_counter_add(h, 8);
    assert_int_equal(llmobs_family_refused_total(f), 4);
    assert_int_equal(llmobs_family_children(f), 3); /* the cap + the overflow series */
    char *s = render(*state);
    assert_non_null(strstr(s, "c_total{id=\"a\",feature=\"x\"} 2\n"));
    assert_non_null(strstr(s, "c_total{id=\"__other__\",feature=\"__other__\"} 15\n"));
    assert_non_null(strstr(s, "# TYPE llmobs_metrics_cardinality_overflow_total counter\n"
                              "llmobs_metrics_cardinality_overflow_total{family=\"c_total\"} 4\n"));
    assert_null(strstr(s, "id=\"c\""));
    llmobs_metrics_string_free(s);
}

static void overflow_series_works_for_histograms_and_a_cap_of_zero(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"feature"};
    const double bounds[] = {1, 2};
    assert_int_equal(llmobs_histogram_register(*state, "h_seconds", "h", NULL, l, 1, bounds, 2, &f),
                     0);
    assert_int_equal(llmobs_family_set_max_children(f, 0), LLMOBS_OK);
    const char *const a[] = {"a"};
    assert_int_equal(llmobs_histogram_observe_labels(f, a, 1, 1.5), LLMOBS_OK);
    const char *const other[] = {LLMOBS_METRICS_OVERFLOW};
    llmobs_histogram *h;
    assert_int_equal(llmobs_histogram_labels(f, other, 1, &h), LLMOBS_OK);
    uint64_t n = 0;
    double sum = 0;
    llmobs_histogram_get(h, &n, &sum);
    assert_int_equal(n, 1);
    assert_true(sum == 1.5);
    assert_int_equal(llmobs_family_refused_total(f), 1); /* the direct lookup did not count */
}

static void default_cardinality_limit_is_ten_thousand(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"id"};
    assert_int_equal(llmobs_gauge_register(*state, "g", "g", NULL, l, 1, &f), LLMOBS_OK);
    char v[16];
    const char *const vals[] = {v};
    for (int i = 0; i < LLMOBS_METRICS_DEFAULT_MAX_CHILDREN; i++) {
        snprintf(v, sizeof v, "%d", i);
        assert_int_equal(llmobs_gauge_set_labels(f, vals, 1, i), LLMOBS_OK);
    }
    snprintf(v, sizeof v, "x");
    assert_int_equal(llmobs_gauge_set_labels(f, vals, 1, 1), LLMOBS_OK);
    assert_int_equal(llmobs_family_refused_total(f), 1);
    assert_int_equal(llmobs_family_children(f), LLMOBS_METRICS_DEFAULT_MAX_CHILDREN + 1);
    /* Every child is still found after the table grew. */
    for (int i = 0; i < LLMOBS_METRICS_DEFAULT_MAX_CHILDREN; i += 997) {
        llmobs_gauge *g;
        double d;
        snprintf(v, sizeof v, "%d", i);
        assert_int_equal(llmobs_gauge_labels(f, vals, 1, &g), LLMOBS_OK);
        llmobs_gauge_get(g, &d);
        assert_true(d == i);
    }
}

static void removed_child_disappears_and_its_handle_stays_usable(void **state)
{
    llmobs_family *f;
    llmobs_counter *c, *again;
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, MF, 2, &f), LLMOBS_OK);
    const char *const v[] = {"m", "f"};
    assert_int_equal(llmobs_counter_labels(f, v, 2, &c), LLMOBS_OK);
    llmobs_counter_add(c, 5);
    assert_int_equal(llmobs_family_remove(f, v, 2), LLMOBS_OK);
    assert_int_equal(llmobs_family_remove(f, v, 2), LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_family_children(f), 0);
    char *s = render(*state);
    assert_null(strstr(s, "c_total{"));
    llmobs_metrics_string_free(s);
    assert_int_equal(llmobs_counter_inc(c), LLMOBS_OK); /* detached, not freed */
    /* The same labels create a fresh child starting at zero. */
    assert_int_equal(llmobs_counter_labels(f, v, 2, &again), LLMOBS_OK);
    assert_ptr_not_equal(again, c);
    double d;
    llmobs_counter_get(again, &d);
    assert_true(d == 0);
}

static void clear_removes_every_child(void **state)
{
    llmobs_family *f, *plain;
    assert_int_equal(llmobs_counter_register(*state, "c_total", "c", NULL, MF, 2, &f), LLMOBS_OK);
    assert_int_equal(llmobs_counter_register(*state, "p_total", "p", NULL, NULL, 0, &plain),
                     LLMOBS_OK);
    const char *const v1[] = {"a", "b"}, *const v2[] = {"c", "d"};
    llmobs_counter_add_labels(f, v1, 2, 1);
    llmobs_counter_add_labels(f, v2, 2, 1);
    llmobs_counter_add_labels(plain, NULL, 0, 4);
    assert_int_equal(llmobs_family_clear(f), LLMOBS_OK);
    assert_int_equal(llmobs_family_clear(plain), LLMOBS_OK);
    assert_int_equal(llmobs_family_children(f), 0);
    char *s = render(*state);
    assert_null(strstr(s, "c_total{"));
    /* A family without labels keeps one series, reset to zero. */
    assert_non_null(strstr(s, "\np_total 0\n"));
    llmobs_metrics_string_free(s);
    assert_int_equal(llmobs_counter_add_labels(f, v1, 2, 1), LLMOBS_OK);
    assert_int_equal(llmobs_family_children(f), 1);
}

static void process_metric_names_are_taken_while_process_metrics_are_on(void **state)
{
    llmobs_family *f;
    assert_int_equal(llmobs_registry_set_process_metrics(*state, 1), LLMOBS_OK);
    assert_int_equal(llmobs_gauge_register(*state, "process_open_fds", "x", NULL, NULL, 0, &f),
                     LLMOBS_EEXIST);
    assert_int_equal(llmobs_registry_set_process_metrics(*state, 0), LLMOBS_OK);
    assert_int_equal(llmobs_gauge_register(*state, "process_open_fds", "x", NULL, NULL, 0, &f),
                     LLMOBS_OK);
    assert_int_equal(llmobs_registry_set_process_metrics(*state, 1), LLMOBS_EEXIST);
}

static void last_error_names_the_fault_and_clears_on_success(void **state)
{
    llmobs_family *f;
    assert_int_equal(llmobs_gauge_register(*state, "bad-name", "h", NULL, NULL, 0, &f),
                     LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "bad-name"));
    assert_int_equal(llmobs_gauge_register(*state, "good", "h", NULL, NULL, 0, &f), LLMOBS_OK);
    assert_string_equal(llmobs_last_error(), "");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(registering_the_same_definition_twice_returns_the_same_family),
        T(registering_a_different_definition_returns_eexist),
        T(histogram_suffix_names_collide_with_other_families),
        T(histograms_with_different_buckets_are_different_definitions),
        T(invalid_metric_names_are_rejected),
        T(invalid_label_names_are_rejected),
        T(le_is_reserved_on_histograms_only),
        T(unit_must_be_a_suffix_of_the_name),
        T(bucket_bounds_must_be_finite_and_strictly_increasing),
        T(linear_and_exponential_buckets_fill_the_caller_array),
        T(labels_lookup_returns_the_same_child_for_the_same_values),
        T(wrong_label_count_is_einval),
        T(children_of_the_wrong_type_are_refused),
        T(null_arguments_return_einval_everywhere),
        T(counter_rejects_negative_nan_and_infinite_increments),
        T(gauge_goes_up_and_down_including_negative_adds),
        T(histogram_counts_and_sums_observations),
        T(past_the_cap_new_label_sets_land_in_one_counted_overflow_series),
        T(overflow_series_works_for_histograms_and_a_cap_of_zero),
        T(default_cardinality_limit_is_ten_thousand),
        T(removed_child_disappears_and_its_handle_stays_usable),
        T(clear_removes_every_child),
        T(process_metric_names_are_taken_while_process_metrics_are_on),
        T(last_error_names_the_fault_and_clears_on_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
