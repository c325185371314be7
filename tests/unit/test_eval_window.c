/* Pass-rate and faithfulness windows: arithmetic over the last N results and the last T seconds
 * with an injected clock, thresholds, errors, the window cap, and the Prometheus series. */
#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SEC INT64_C(1000000000)

typedef struct fixture {
    int64_t now;
    llmobs_registry *reg;
    llmobs_evaluator *ev;
} fixture;

static int64_t fake_clock(void *ud)
{
    return ((fixture *)ud)->now;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->now = 1000 * SEC;
    f->reg = llmobs_registry_new(NULL);
    llmobs_options *o = llmobs_options_new();
    f->ev = llmobs_evaluator_new(NULL, o, NULL);
    assert_non_null(f->ev);
    assert_int_equal(llmobs_evaluator_set_registry(f->ev, f->reg), LLMOBS_OK);
    assert_int_equal(llmobs_evaluator_set_clock(f->ev, fake_clock, f), LLMOBS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    llmobs_evaluator_free(f->ev);
    llmobs_registry_free(f->reg);
    free(f);
    return 0;
}

static double rate_of(fixture *f, const char *feature, const char *metric, int64_t *n)
{
    double r = -1;
    assert_int_equal(llmobs_eval_pass_rate(f->ev, feature, metric, &r, n), LLMOBS_OK);
    return r;
}

/* True when the exposition has exactly this sample line. */
static bool has_line(fixture *f, const char *line)
{
    char *text = NULL;
    assert_int_equal(llmobs_metrics_render_string(f->reg, LLMOBS_FORMAT_TEXT, &text, NULL),
                     LLMOBS_OK);
    size_t n = strlen(line);
    bool found = false;
    for (const char *p = text; (p = strstr(p, line)); p += n)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0)) found = true;
    if (!found) fprintf(stderr, "missing line: %s\nexposition:\n%s\n", line, text);
    llmobs_metrics_string_free(text);
    return found;
}

static void pass_rate_is_over_the_last_n_results(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 4, 0), LLMOBS_OK);
    const double scores[] = {0.9, 0.1, 0.8, 1.0};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(
            llmobs_eval_record(f->ev, "rag", "accuracy", scores[i], -1, NULL, NULL, NULL, NULL),
            LLMOBS_OK);
    int64_t n = 0;
    assert_true(rate_of(f, "rag", "accuracy", &n) == 0.75);
    assert_int_equal(n, 4);
    /* The fifth result pushes out the first (a pass): fail, pass, pass, fail. */
    assert_int_equal(llmobs_eval_record(f->ev, "rag", "accuracy", 0.2, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_OK);
    assert_true(rate_of(f, "rag", "accuracy", &n) == 0.5);
    assert_int_equal(n, 4);
    assert_true(has_line(f, "llm_eval_pass_rate{feature=\"rag\",metric=\"accuracy\"} 0.5"));
    assert_true(
        has_line(f, "llm_eval_runs_total{feature=\"rag\",metric=\"accuracy\",result=\"pass\"} 3"));
    assert_true(
        has_line(f, "llm_eval_runs_total{feature=\"rag\",metric=\"accuracy\",result=\"fail\"} 2"));
}

static void results_older_than_the_window_expire(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 100, 10), LLMOBS_OK);
    llmobs_eval_record(f->ev, "chat", "accuracy", 0.9, -1, NULL, NULL, NULL, NULL); /* t=0 pass */
    f->now += 5 * SEC;
    llmobs_eval_record(f->ev, "chat", "accuracy", 0.3, -1, NULL, NULL, NULL, NULL); /* t=5 fail */
    int64_t n = 0;
    f->now += 5 * SEC; /* t=10: the first result is exactly 10 s old and still counts */
    assert_true(rate_of(f, "chat", "accuracy", &n) == 0.5);
    assert_int_equal(n, 2);
    f->now += 1; /* t=10 s + 1 ns: it expired */
    assert_true(rate_of(f, "chat", "accuracy", &n) == 0.0);
    assert_int_equal(n, 1);
    f->now += 5 * SEC; /* everything expired: no rate, not a rate of 0 */
    assert_true(isnan(rate_of(f, "chat", "accuracy", &n)));
    assert_int_equal(n, 0);
    /* A new result after a quiet period is the whole window. */
    llmobs_eval_record(f->ev, "chat", "accuracy", 0.95, -1, NULL, NULL, NULL, NULL);
    assert_true(rate_of(f, "chat", "accuracy", &n) == 1.0);
    assert_int_equal(n, 1);
    assert_true(has_line(f, "llm_eval_pass_rate{feature=\"chat\",metric=\"accuracy\"} 1"));
}

static bool exposition_mentions(fixture *f, const char *needle)
{
    char *text = NULL;
    assert_int_equal(llmobs_metrics_render_string(f->reg, LLMOBS_FORMAT_TEXT, &text, NULL),
                     LLMOBS_OK);
    bool found = strstr(text, needle) != NULL;
    llmobs_metrics_string_free(text);
    return found;
}

static void a_scrape_expires_results_without_a_new_record(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 100, 10), LLMOBS_OK);
    llmobs_eval_record(f->ev, "chat", "accuracy", 0.9, -1, NULL, NULL, NULL, NULL); /* t=0 pass */
    f->now += 5 * SEC;
    llmobs_eval_record(f->ev, "chat", "accuracy", 0.1, -1, NULL, NULL, NULL, NULL); /* t=5 fail */
    llmobs_eval_record_faithfulness(f->ev, "v2", 0.8, NULL, NULL, NULL);
    f->now += 6 * SEC; /* t=11: only the fail is in the window; nobody recorded or read since */
    assert_true(has_line(f, "llm_eval_pass_rate{feature=\"chat\",metric=\"accuracy\"} 0"));
    f->now += 10 * SEC; /* everything aged out: the series go away rather than lie */
    assert_false(exposition_mentions(f, "llm_eval_pass_rate{"));
    assert_false(exposition_mentions(f, "llm_rag_faithfulness{"));
    /* The run counters are history and stay. */
    assert_true(
        has_line(f, "llm_eval_runs_total{feature=\"chat\",metric=\"accuracy\",result=\"pass\"} 1"));
}

static void threshold_defaults_to_0_7_inclusive(void **state)
{
    fixture *f = *state;
    int passed = -1;
    llmobs_eval_record(f->ev, "t", "m", 0.7, -1, NULL, NULL, NULL, &passed);
    assert_int_equal(passed, 1);
    llmobs_eval_record(f->ev, "t", "m", 0.6999, -1, NULL, NULL, NULL, &passed);
    assert_int_equal(passed, 0);
    llmobs_eval_record(f->ev, "t", "m", 0.85, 0.9, NULL, NULL, NULL, &passed);
    assert_int_equal(passed, 0);
    llmobs_eval_record(f->ev, "t", "m", 0.95, 0.9, NULL, NULL, NULL, &passed);
    assert_int_equal(passed, 1);
    uint64_t p = 0, fl = 0, e = 0;
    assert_int_equal(llmobs_eval_counts(f->ev, "t", "m", &p, &fl, &e), LLMOBS_OK);
    assert_int_equal(p, 2);
    assert_int_equal(fl, 2);
    assert_int_equal(e, 0);
}

static void threshold_option_changes_the_default(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "eval_threshold", "0.9"), LLMOBS_OK);
    llmobs_evaluator *ev = llmobs_evaluator_new(NULL, o, NULL);
    llmobs_evaluator_set_registry(ev, NULL);
    int passed = -1;
    llmobs_eval_record(ev, "t", "m", 0.8, -1, NULL, NULL, NULL, &passed);
    assert_int_equal(passed, 0);
    llmobs_evaluator_free(ev);
}

static void errors_are_counted_but_do_not_move_the_pass_rate(void **state)
{
    fixture *f = *state;
    llmobs_eval_record(f->ev, "rag", "accuracy", 0.9, -1, NULL, NULL, NULL, NULL);
    assert_int_equal(llmobs_eval_record_error(f->ev, "rag", "accuracy", "judge timed out"),
                     LLMOBS_OK);
    /* A score outside [0, 1] is an error, never a pass or a fail. */
    assert_int_equal(llmobs_eval_record(f->ev, "rag", "accuracy", 1.5, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_eval_record(f->ev, "rag", "accuracy", NAN, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    int64_t n = 0;
    assert_true(rate_of(f, "rag", "accuracy", &n) == 1.0);
    assert_int_equal(n, 1);
    uint64_t e = 0;
    llmobs_eval_counts(f->ev, "rag", "accuracy", NULL, NULL, &e);
    assert_int_equal(e, 3);
    assert_true(
        has_line(f, "llm_eval_runs_total{feature=\"rag\",metric=\"accuracy\",result=\"error\"} 3"));
    assert_true(has_line(f, "llm_eval_pass_rate{feature=\"rag\",metric=\"accuracy\"} 1"));
}

static void faithfulness_is_a_rolling_mean(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 2, 0), LLMOBS_OK);
    assert_int_equal(llmobs_eval_record_faithfulness(f->ev, "v2", 0.75, NULL, NULL, NULL),
                     LLMOBS_OK);
    assert_int_equal(llmobs_eval_record_faithfulness(f->ev, "v2", 0.25, NULL, NULL, NULL),
                     LLMOBS_OK);
    assert_true(has_line(f, "llm_rag_faithfulness{pipeline_version=\"v2\"} 0.5"));
    assert_int_equal(llmobs_eval_record_faithfulness(f->ev, "v2", 0.5, NULL, NULL, NULL),
                     LLMOBS_OK);
    double m = 0;
    int64_t n = 0;
    assert_int_equal(llmobs_eval_faithfulness(f->ev, "v2", &m, &n), LLMOBS_OK);
    assert_true(m == 0.375);
    assert_int_equal(n, 2);
    assert_true(has_line(f, "llm_rag_faithfulness{pipeline_version=\"v2\"} 0.375"));
    /* Faithfulness windows are separate from pass-rate windows of the same name. */
    assert_int_equal(llmobs_eval_pass_rate(f->ev, "v2", "faithfulness", NULL, NULL),
                     LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_eval_record_faithfulness(f->ev, "v2", -0.1, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
}

static void shrinking_the_window_keeps_the_newest_results(void **state)
{
    fixture *f = *state;
    const double scores[] = {0.9, 0.9, 0.9, 0.1, 0.1};
    for (size_t i = 0; i < 5; i++)
        llmobs_eval_record(f->ev, "s", "m", scores[i], -1, NULL, NULL, NULL, NULL);
    int64_t n = 0;
    assert_true(rate_of(f, "s", "m", &n) == 0.6);
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 2, 0), LLMOBS_OK);
    assert_true(rate_of(f, "s", "m", &n) == 0.0);
    assert_int_equal(n, 2);
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 0, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_evaluator_set_window(f->ev, 5, -1), LLMOBS_EINVAL);
}

static void window_count_is_capped(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "eval_max_windows", "2"), LLMOBS_OK);
    llmobs_registry *reg = llmobs_registry_new(NULL);
    llmobs_evaluator *ev = llmobs_evaluator_new(NULL, o, NULL);
    llmobs_evaluator_set_registry(ev, reg);
    assert_int_equal(llmobs_eval_record(ev, "a", "m", 0.9, -1, NULL, NULL, NULL, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_eval_record(ev, "b", "m", 0.9, -1, NULL, NULL, NULL, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_eval_record(ev, "c", "m", 0.9, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_ELIMIT);
    assert_non_null(strstr(llmobs_last_error(), "eval_max_windows"));
    /* Existing pairs keep working; the refused run is still counted. */
    assert_int_equal(llmobs_eval_record(ev, "a", "m", 0.1, -1, NULL, NULL, NULL, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_eval_pass_rate(ev, "c", "m", NULL, NULL), LLMOBS_ENOTFOUND);
    char *text = NULL;
    llmobs_metrics_render_string(reg, LLMOBS_FORMAT_TEXT, &text, NULL);
    assert_non_null(
        strstr(text, "llm_eval_runs_total{feature=\"c\",metric=\"m\",result=\"pass\"} 1"));
    assert_null(strstr(text, "llm_eval_pass_rate{feature=\"c\""));
    llmobs_metrics_string_free(text);
    llmobs_evaluator_free(ev);
    llmobs_registry_free(reg);
}

static void bad_arguments_are_einval(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_eval_record(NULL, "a", "m", 0.5, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_eval_record(f->ev, "", "m", 0.5, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_eval_record(f->ev, "a", NULL, 0.5, -1, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_eval_record(f->ev, "a", "m", 0.5, 1.5, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_evaluator_set_clock(f->ev, NULL, NULL), LLMOBS_EINVAL);
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "eval_window", "0"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_options_set(o, "eval_threshold", "1.5"), LLMOBS_EINVAL);
    llmobs_options_free(o);
    llmobs_evaluator_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pass_rate_is_over_the_last_n_results, setup, teardown),
        cmocka_unit_test_setup_teardown(results_older_than_the_window_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(a_scrape_expires_results_without_a_new_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(threshold_defaults_to_0_7_inclusive, setup, teardown),
        cmocka_unit_test(threshold_option_changes_the_default),
        cmocka_unit_test_setup_teardown(errors_are_counted_but_do_not_move_the_pass_rate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(faithfulness_is_a_rolling_mean, setup, teardown),
        cmocka_unit_test_setup_teardown(shrinking_the_window_keeps_the_newest_results, setup,
                                        teardown),
        cmocka_unit_test(window_count_is_capped),
        cmocka_unit_test_setup_teardown(bad_arguments_are_einval, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
