/* The LLM metric set, rendered with every family populated, passes the reference validators:
 * `promtool check metrics` (text 0.0.4, with its lint rules) and the python OpenMetrics
 * parser (om_check.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmobs/metrics.h"
#include "metrics/metrics.h"

static llmobs_registry *populated(void)
{
    llmobs_registry *r = llmobs_registry_new(NULL);
    assert_non_null(r);
    assert_int_equal(llmobs_registry_set_process_metrics(r, 1), LLMOBS_OK);
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(r, NULL);
    assert_non_null(m);
    const int64_t tokens[5] = {1200, 350, 800, 40, 90};
    assert_int_equal(llmobs__llm_metrics_inflight(m, "gpt-4o-mini", "rag_pipeline", 1), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_record_generation(m, "gpt-4o-mini", "rag_pipeline",
                                                           "openai", "success", 1.37, 0.21, tokens,
                                                           0.42),
                     LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_record_generation(m, "claude \"sonnet\"\n4.5", "chat",
                                                           "anthropic", "timeout", 30.5, -1, NULL,
                                                           -1),
                     LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_record_cost(m, "gpt-4o-mini", "rag_pipeline", 0.00123),
                     LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_budget_remaining(m, "rag_pipeline", 41.5), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_record_eval(m, "rag_pipeline", "accuracy", "pass", 0.92),
                     LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_rag_faithfulness(m, "v3", 0.88), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_exported(m, 15), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_dropped(m, "queue_full", 2), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_queue_items(m, "1", 4), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_export_duration(m, 0.031), LLMOBS_OK);
    assert_int_equal(llmobs__llm_metrics_export_retries(m, 1), LLMOBS_OK);
    return r;
}

/* Runs `cmd` with `input` on stdin; returns its exit status and its output in `out`. */
static int run_with_input(const char *cmd, const char *input, char *out, size_t cap)
{
    char in_path[] = "/tmp/llmobs_expo_XXXXXX";
    int fd = mkstemp(in_path);
    assert_true(fd >= 0);
    size_t len = strlen(input);
    assert_int_equal(write(fd, input, len), (ssize_t)len);
    close(fd);
    char full[1024];
    snprintf(full, sizeof full, "%s < %s 2>&1", cmd, in_path);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(in_path);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void every_llm_family_is_rendered(void **state)
{
    (void)state;
    llmobs_registry *r = populated();
    char *s = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &s, NULL), LLMOBS_OK);
    for (size_t i = 0; i < LLMOBS__LLM_FAMILY_COUNT; i++) {
        char type_line[160];
        snprintf(type_line, sizeof type_line, "# TYPE %s ", llmobs__llm_metric_defs[i].name);
        assert_non_null(strstr(s, type_line));
    }
    llmobs_metrics_string_free(s);
    llmobs_registry_free(r);
}

static void promtool_check_metrics_passes_without_lint_findings(void **state)
{
    (void)state;
    if (access("/usr/bin/promtool", X_OK) != 0) skip();
    llmobs_registry *r = populated();
    char *s = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &s, NULL), LLMOBS_OK);
    char out[8192];
    int rc = run_with_input("/usr/bin/promtool check metrics", s, out, sizeof out);
    if (rc != 0) fprintf(stderr, "promtool said:\n%s\n", out);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    llmobs_metrics_string_free(s);
    llmobs_registry_free(r);
}

static void openmetrics_output_passes_the_python_parser(void **state)
{
    (void)state;
    const char *src = getenv("LLMOBS_SOURCE_DIR");
    assert_non_null(src);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/tools/om_check.py", src);
    llmobs_registry *r = populated();
    char *s = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_OPENMETRICS, &s, NULL),
                     LLMOBS_OK);
    char out[8192];
    int rc = run_with_input(cmd, s, out, sizeof out);
    if (rc != 0) fprintf(stderr, "om_check said:\n%s\n", out);
    assert_int_equal(rc, 0);
    assert_true(strncmp(out, "OK ", 3) == 0);
    assert_non_null(strstr(out, "llm_request_duration_seconds:histogram"));
    assert_non_null(strstr(out, "llm_requests:counter"));
    llmobs_metrics_string_free(s);
    llmobs_registry_free(r);
}

static void the_validator_catches_a_broken_exposition(void **state)
{
    /* Guards the two tests above: the same pipeline rejects invalid input. */
    (void)state;
    const char *src = getenv("LLMOBS_SOURCE_DIR");
    assert_non_null(src);
    char cmd[512], out[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/tools/om_check.py", src);
    assert_int_not_equal(run_with_input(cmd, "# TYPE a counter\na_total 1\n", out, sizeof out), 0);
    if (access("/usr/bin/promtool", X_OK) == 0)
        assert_int_not_equal(run_with_input("/usr/bin/promtool check metrics",
                                            "# TYPE a counter\na 1\n", out, sizeof out),
                             0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_llm_family_is_rendered),
        cmocka_unit_test(promtool_check_metrics_passes_without_lint_findings),
        cmocka_unit_test(openmetrics_output_passes_the_python_parser),
        cmocka_unit_test(the_validator_catches_a_broken_exposition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
