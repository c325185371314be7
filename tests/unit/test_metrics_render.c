/* Exposition output: exact text for both formats, escaping, special values, histogram shape,
 * the caller-buffer contract and content negotiation. */
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

/* The out-parameter lives in static storage, not in render()'s frame: gcc 12 at -O3 inlines
 * render() and, since it cannot see that the library never stores &s into s, would otherwise
 * report every pointer derived from the result as dangling (-Wdangling-pointer). */
static char *rendered;

static char *render(llmobs_registry *r, llmobs_metrics_format fmt)
{
    size_t len = 0;
    rendered = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, fmt, &rendered, &len), LLMOBS_OK);
    assert_int_equal(len, strlen(rendered));
    return rendered;
}

static void assert_render(llmobs_registry *r, llmobs_metrics_format fmt, const char *want)
{
    char *s = render(r, fmt);
    assert_string_equal(s, want);
    llmobs_metrics_string_free(s);
}

static const char *const MFS[] = {"model", "feature", "status"};

static llmobs_family *requests(llmobs_registry *r)
{
    llmobs_family *f;
    assert_int_equal(
        llmobs_counter_register(r, "llm_requests_total", "Total LLM requests", NULL, MFS, 3, &f),
        LLMOBS_OK);
    const char *const v[] = {"gpt-4o", "chat", "success"};
    assert_int_equal(llmobs_counter_add_labels(f, v, 3, 3), LLMOBS_OK);
    return f;
}

static void counter_renders_full_name_on_type_line_in_text_format(void **state)
{
    requests(*state);
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP llm_requests_total Total LLM requests\n"
                  "# TYPE llm_requests_total counter\n"
                  "llm_requests_total{model=\"gpt-4o\",feature=\"chat\",status=\"success\"} 3\n");
}

static void counter_renders_family_name_and_eof_in_openmetrics(void **state)
{
    requests(*state);
    assert_render(*state, LLMOBS_FORMAT_OPENMETRICS,
                  "# TYPE llm_requests counter\n"
                  "# HELP llm_requests Total LLM requests\n"
                  "llm_requests_total{model=\"gpt-4o\",feature=\"chat\",status=\"success\"} 3\n"
                  "# EOF\n");
}

static void unit_line_appears_only_in_openmetrics(void **state)
{
    llmobs_family *f;
    assert_int_equal(
        llmobs_gauge_register(*state, "queue_bytes", "Queue size", "bytes", NULL, 0, &f),
        LLMOBS_OK);
    assert_render(*state, LLMOBS_FORMAT_OPENMETRICS,
                  "# TYPE queue_bytes gauge\n# UNIT queue_bytes bytes\n"
                  "# HELP queue_bytes Queue size\nqueue_bytes 0\n# EOF\n");
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP queue_bytes Queue size\n# TYPE queue_bytes gauge\nqueue_bytes 0\n");
}

static void label_values_are_escaped_and_repaired(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"v"};
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, l, 1, &f), LLMOBS_OK);
    const char *const v[] = {"a\\b\"c\nd\xff"};
    assert_int_equal(llmobs_gauge_set_labels(f, v, 1, 1), LLMOBS_OK);
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP g h\n# TYPE g gauge\ng{v=\"a\\\\b\\\"c\\nd\xef\xbf\xbd\"} 1\n");
}

static void help_is_escaped_per_format(void **state)
{
    llmobs_family *f;
    assert_int_equal(llmobs_gauge_register(*state, "g", "a \"q\" \\ b\nc", NULL, NULL, 0, &f),
                     LLMOBS_OK);
    assert_render(*state, LLMOBS_FORMAT_TEXT, "# HELP g a \"q\" \\\\ b\\nc\n# TYPE g gauge\ng 0\n");
    assert_render(*state, LLMOBS_FORMAT_OPENMETRICS,
                  "# TYPE g gauge\n# HELP g a \\\"q\\\" \\\\ b\\nc\ng 0\n# EOF\n");
}

static void special_gauge_values_render_as_inf_and_nan(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"k"};
    assert_int_equal(llmobs_gauge_register(*state, "g", "h", NULL, l, 1, &f), LLMOBS_OK);
    const char *const a[] = {"a"}, *const b[] = {"b"}, *const c[] = {"c"}, *const d[] = {"d"};
    llmobs_gauge_set_labels(f, a, 1, INFINITY);
    llmobs_gauge_set_labels(f, b, 1, -INFINITY);
    llmobs_gauge_set_labels(f, c, 1, NAN);
    llmobs_gauge_set_labels(f, d, 1, 0.1);
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP g h\n# TYPE g gauge\ng{k=\"a\"} +Inf\ng{k=\"b\"} -Inf\ng{k=\"c\"} NaN\n"
                  "g{k=\"d\"} 0.1\n");
}

static void histogram_buckets_are_cumulative_ascending_with_inf_equal_to_count(void **state)
{
    llmobs_family *f;
    const char *const l[] = {"model"};
    const double b[] = {0.1, 1, 2.5};
    assert_int_equal(
        llmobs_histogram_register(*state, "lat_seconds", "Latency", "seconds", l, 1, b, 3, &f),
        LLMOBS_OK);
    const char *const v[] = {"m"};
    double obs[] = {0.05, 0.1, 0.7, 3, 2.5, 100};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(llmobs_histogram_observe_labels(f, v, 1, obs[i]), LLMOBS_OK);
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP lat_seconds Latency\n# TYPE lat_seconds histogram\n"
                  "lat_seconds_bucket{model=\"m\",le=\"0.1\"} 2\n"
                  "lat_seconds_bucket{model=\"m\",le=\"1.0\"} 3\n"
                  "lat_seconds_bucket{model=\"m\",le=\"2.5\"} 4\n"
                  "lat_seconds_bucket{model=\"m\",le=\"+Inf\"} 6\n"
                  "lat_seconds_sum{model=\"m\"} 106.35\n"
                  "lat_seconds_count{model=\"m\"} 6\n");
}

static void histogram_without_labels_and_many_buckets_uses_binary_search(void **state)
{
    llmobs_family *f;
    double b[40];
    assert_int_equal(llmobs_buckets_linear(1, 1, 40, b), LLMOBS_OK);
    assert_int_equal(llmobs_histogram_register(*state, "h", "h", NULL, NULL, 0, b, 40, &f),
                     LLMOBS_OK);
    llmobs_histogram *h;
    assert_int_equal(llmobs_histogram_labels(f, NULL, 0, &h), LLMOBS_OK);
    for (int i = 0; i <= 41; i++)
        llmobs_histogram_observe(h, i);
    char *s = render(*state, LLMOBS_FORMAT_TEXT);
    /* 0 and 1 fall in le=1; each bound k then adds one; 41 only in +Inf. */
    assert_non_null(strstr(s, "h_bucket{le=\"1.0\"} 2\n"));
    assert_non_null(strstr(s, "h_bucket{le=\"17.0\"} 18\n"));
    assert_non_null(strstr(s, "h_bucket{le=\"40.0\"} 41\n"));
    assert_non_null(strstr(s, "h_bucket{le=\"+Inf\"} 42\nh_sum 861\nh_count 42\n"));
    llmobs_metrics_string_free(s);
}

static void negative_bounds_drop_sum_and_count_in_openmetrics_only(void **state)
{
    llmobs_family *f;
    const double b[] = {-1, 1};
    assert_int_equal(llmobs_histogram_register(*state, "t", "t", NULL, NULL, 0, b, 2, &f),
                     LLMOBS_OK);
    llmobs_histogram_observe_labels(f, NULL, 0, -2);
    assert_render(
        *state, LLMOBS_FORMAT_OPENMETRICS,
        "# TYPE t histogram\n# HELP t t\nt_bucket{le=\"-1.0\"} 1\nt_bucket{le=\"1.0\"} 1\n"
        "t_bucket{le=\"+Inf\"} 1\n# EOF\n");
    char *s = render(*state, LLMOBS_FORMAT_TEXT);
    assert_non_null(strstr(s, "t_sum -2\nt_count 1\n"));
    llmobs_metrics_string_free(s);
}

static void families_render_in_registration_order_and_children_in_creation_order(void **state)
{
    llmobs_family *b, *a;
    const char *const l[] = {"k"};
    assert_int_equal(llmobs_gauge_register(*state, "b", "b", NULL, l, 1, &b), LLMOBS_OK);
    assert_int_equal(llmobs_gauge_register(*state, "a", "a", NULL, NULL, 0, &a), LLMOBS_OK);
    const char *const z[] = {"z"}, *const y[] = {"y"};
    llmobs_gauge_set_labels(b, z, 1, 1);
    llmobs_gauge_set_labels(b, y, 1, 2);
    assert_render(*state, LLMOBS_FORMAT_TEXT,
                  "# HELP b b\n# TYPE b gauge\nb{k=\"z\"} 1\nb{k=\"y\"} 2\n"
                  "# HELP a a\n# TYPE a gauge\na 0\n");
}

static void empty_registry_renders_empty_text_and_bare_eof(void **state)
{
    assert_render(*state, LLMOBS_FORMAT_TEXT, "");
    assert_render(*state, LLMOBS_FORMAT_OPENMETRICS, "# EOF\n");
}

static void caller_buffer_too_small_reports_needed_size(void **state)
{
    requests(*state);
    char *full = render(*state, LLMOBS_FORMAT_TEXT);
    size_t want = strlen(full);
    char small[16];
    size_t needed = 0;
    assert_int_equal(
        llmobs_metrics_render(*state, LLMOBS_FORMAT_TEXT, small, sizeof small, &needed),
        LLMOBS_ELIMIT);
    assert_int_equal(needed, want);
    assert_string_equal(small, "");
    /* Exactly length bytes is one short: the NUL needs room too. */
    char *exact = malloc(want);
    assert_int_equal(llmobs_metrics_render(*state, LLMOBS_FORMAT_TEXT, exact, want, &needed),
                     LLMOBS_ELIMIT);
    free(exact);
    char *buf = malloc(want + 1);
    assert_int_equal(llmobs_metrics_render(*state, LLMOBS_FORMAT_TEXT, buf, want + 1, &needed),
                     LLMOBS_OK);
    assert_string_equal(buf, full);
    /* Size query with no buffer at all. */
    assert_int_equal(llmobs_metrics_render(*state, LLMOBS_FORMAT_TEXT, NULL, 0, &needed),
                     LLMOBS_ELIMIT);
    assert_int_equal(needed, want);
    free(buf);
    llmobs_metrics_string_free(full);
}

static void accept_header_selects_the_format(void **state)
{
    (void)state;
    const char *prom242 = "application/openmetrics-text;version=1.0.0,application/"
                          "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                          "*/*;q=0.1";
    assert_int_equal(llmobs_metrics_format_for_accept(prom242), LLMOBS_FORMAT_OPENMETRICS);
    assert_int_equal(llmobs_metrics_format_for_accept(NULL), LLMOBS_FORMAT_TEXT);
    assert_int_equal(llmobs_metrics_format_for_accept(""), LLMOBS_FORMAT_TEXT);
    assert_int_equal(llmobs_metrics_format_for_accept("*/*"), LLMOBS_FORMAT_TEXT);
    assert_int_equal(llmobs_metrics_format_for_accept("text/plain;version=0.0.4"),
                     LLMOBS_FORMAT_TEXT);
    assert_int_equal(llmobs_metrics_format_for_accept("application/openmetrics-text"),
                     LLMOBS_FORMAT_OPENMETRICS);
    assert_int_equal(llmobs_metrics_format_for_accept(
                         "text/plain;q=0.9, Application/OpenMetrics-Text; version=1.0.0; q=0.3"),
                     LLMOBS_FORMAT_TEXT);
    assert_int_equal(
        llmobs_metrics_format_for_accept("application/openmetrics-text;version=0.0.1,*/*;q=0.1"),
        LLMOBS_FORMAT_TEXT);
    assert_int_equal(llmobs_metrics_format_for_accept("application/openmetrics-text;q=0"),
                     LLMOBS_FORMAT_TEXT);
}

static void render_for_accept_returns_body_and_content_type(void **state)
{
    requests(*state);
    char *body = NULL;
    size_t len = 0;
    const char *ct = NULL;
    assert_int_equal(
        llmobs_metrics_render_for_accept(*state, "application/openmetrics-text", &body, &len, &ct),
        LLMOBS_OK);
    assert_string_equal(ct, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_int_equal(len, strlen(body));
    assert_true(len > 6 && strcmp(body + len - 6, "# EOF\n") == 0);
    llmobs_metrics_string_free(body);
    assert_int_equal(llmobs_metrics_render_for_accept(*state, NULL, &body, &len, &ct), LLMOBS_OK);
    assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
    assert_null(strstr(body, "# EOF"));
    llmobs_metrics_string_free(body);
}

static void process_metrics_render_on_the_default_registry(void **state)
{
    (void)state;
    char *s = render(llmobs_registry_default(), LLMOBS_FORMAT_TEXT);
    const char *names[] = {"\nprocess_cpu_seconds_total ",
                           "\nprocess_resident_memory_bytes ",
                           "\nprocess_virtual_memory_bytes ",
                           "\nprocess_open_fds ",
                           "\nprocess_max_fds ",
                           "\nprocess_start_time_seconds "};
    for (size_t i = 0; i < 6; i++)
        assert_non_null(strstr(s, names[i]));
    /* Start time is epoch seconds: after 2020 and not in the future. */
    double start = atof(strstr(s, "\nprocess_start_time_seconds ") + 28);
    assert_true(start > 1577836800.0 && start < 4102444800.0);
    llmobs_metrics_string_free(s);
    s = render(llmobs_registry_default(), LLMOBS_FORMAT_OPENMETRICS);
    assert_non_null(strstr(s, "# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds "
                              "seconds\n"));
    llmobs_metrics_string_free(s);
    assert_int_equal(llmobs_registry_set_process_metrics(llmobs_registry_default(), 0), LLMOBS_OK);
    s = render(llmobs_registry_default(), LLMOBS_FORMAT_TEXT);
    assert_null(strstr(s, "process_"));
    llmobs_metrics_string_free(s);
    assert_int_equal(llmobs_registry_set_process_metrics(llmobs_registry_default(), 1), LLMOBS_OK);
}

static void accept_parser_survives_random_and_malformed_headers(void **state)
{
    (void)state;
    const char *odd[] = {",,,",
                         ";;;",
                         "application/openmetrics-text;",
                         ";q=1",
                         "application/openmetrics-text;q=",
                         "application/openmetrics-text;q=abc",
                         "application/openmetrics-text;version",
                         "text/plain;q=-1,",
                         "application/openmetrics-text;q=1e400"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        llmobs_metrics_format f = llmobs_metrics_format_for_accept(odd[i]);
        assert_true(f == LLMOBS_FORMAT_TEXT || f == LLMOBS_FORMAT_OPENMETRICS);
    }
    srand(11);
    char buf[64];
    const char alphabet[] = "abcdeilmnopqrstx/*;=,. 0123456789";
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)rand() % (sizeof buf - 1);
        for (size_t k = 0; k < n; k++)
            buf[k] = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
        buf[n] = '\0';
        llmobs_metrics_format f = llmobs_metrics_format_for_accept(buf);
        assert_true(f == LLMOBS_FORMAT_TEXT || f == LLMOBS_FORMAT_OPENMETRICS);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(counter_renders_full_name_on_type_line_in_text_format),
        T(counter_renders_family_name_and_eof_in_openmetrics),
        T(unit_line_appears_only_in_openmetrics),
        T(label_values_are_escaped_and_repaired),
        T(help_is_escaped_per_format),
        T(special_gauge_values_render_as_inf_and_nan),
        T(histogram_buckets_are_cumulative_ascending_with_inf_equal_to_count),
        T(histogram_without_labels_and_many_buckets_uses_binary_search),
        T(negative_bounds_drop_sum_and_count_in_openmetrics_only),
        T(families_render_in_registration_order_and_children_in_creation_order),
        T(empty_registry_renders_empty_text_and_bare_eof),
        T(caller_buffer_too_small_reports_needed_size),
        T(accept_header_selects_the_format),
        T(render_for_accept_returns_body_and_content_type),
        T(accept_parser_survives_random_and_malformed_headers),
        T(process_metrics_render_on_the_default_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
