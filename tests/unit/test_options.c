/* Options: the key table, validation naming the key, environment precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/options.h"
#include <llmobs/llmobs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void every_key_accepts_its_default_and_reads_back(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    const char *key, *env, *def, *doc;
    size_t n = 0;
    for (size_t i = 0; llmobs_option_key_at(i, &key, &env, &def, &doc) == LLMOBS_OK; i++, n++) {
        assert_int_equal(llmobs_options_set(o, key, def), LLMOBS_OK);
        char buf[256];
        size_t needed = 0;
        assert_int_equal(llmobs_options_get(o, key, buf, sizeof buf, &needed), LLMOBS_OK);
        assert_true(needed >= 1);
        assert_non_null(doc);
        assert_true(strlen(doc) > 5);
    }
    assert_true(n >= 25);
    llmobs_options_free(o);
}

static void bad_values_are_errors_naming_the_key(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    static const char *const bad[][2] = {
        {"flush_at", "0"},
        {"flush_at", "15x"},
        {"flush_at", ""},
        {"flush_interval", "-1"},
        {"flush_interval", "nan"},
        {"sample_rate", "1.5"},
        {"sample_rate", "abc"},
        {"debug", "maybe"},
        {"exporter", "kafka"},
        {"environment", "Prod"},
        {"environment", "langfuse-x"},
        {"environment", "a-forty-one-character-environment-name-xx"}, /* Langfuse cuts at 40 */
        {"environment", "prod.eu"},
        {"otlp_attributes", "semconv"},
        {"send_cost", "maybe"},
        {"base_url", "ftp://x"},
        {"otlp_headers", "novalue"},
        {"otlp_compression", "brotli"},
        {"max_queue_items", "-5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(llmobs_options_set(o, bad[i][0], bad[i][1]), LLMOBS_EINVAL);
        assert_non_null(strstr(llmobs_last_error(), bad[i][0]));
    }
    /* A rejected value leaves the previous one in place. */
    char buf[32];
    assert_int_equal(llmobs_options_get(o, "flush_at", buf, sizeof buf, NULL), LLMOBS_OK);
    assert_string_equal(buf, "15");
    llmobs_options_free(o);
}

static void unknown_keys_and_null_arguments_are_rejected(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "flush_att", "1"), LLMOBS_ENOTFOUND);
    assert_non_null(strstr(llmobs_last_error(), "flush_att"));
    assert_int_equal(llmobs_options_set(NULL, "flush_at", "1"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_options_set(o, NULL, "1"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_options_set(o, "flush_at", NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_options_get(o, "nope", NULL, 0, NULL), LLMOBS_ENOTFOUND);
    llmobs_options_free(NULL);
    llmobs_options_free(o);
}

static void secrets_read_back_masked(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "secret_key", "sk-lf-very-secret"), LLMOBS_OK);
    char buf[64];
    assert_int_equal(llmobs_options_get(o, "secret_key", buf, sizeof buf, NULL), LLMOBS_OK);
    assert_string_equal(buf, "***");
    llmobs_options_free(o);
}

static void small_buffer_reports_needed_size(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    char buf[4];
    size_t needed = 0;
    assert_int_equal(llmobs_options_get(o, "base_url", buf, sizeof buf, &needed), LLMOBS_ELIMIT);
    assert_int_equal(needed, strlen("https://cloud.langfuse.com") + 1);
    llmobs_options_free(o);
}

static void environment_fills_unset_keys_and_setters_win(void **state)
{
    (void)state;
    setenv("LANGFUSE_FLUSH_AT", "7", 1);
    setenv("LANGFUSE_SAMPLE_RATE", "0.5", 1);
    setenv("LANGFUSE_HOST", "http://alias.example", 1);
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "sample_rate", "0.25"), LLMOBS_OK);
    assert_int_equal(llmobs__options_apply_env(o), LLMOBS_OK);
    assert_int_equal(o->flush_at, 7);
    assert_true(o->sample_rate == 0.25);
    assert_string_equal(o->base_url, "http://alias.example");
    llmobs_options_free(o);

    setenv("LANGFUSE_BASE_URL", "http://primary.example", 1); /* BASE_URL beats the HOST alias */
    o = llmobs_options_new();
    assert_int_equal(llmobs__options_apply_env(o), LLMOBS_OK);
    assert_string_equal(o->base_url, "http://primary.example");
    llmobs_options_free(o);
    unsetenv("LANGFUSE_FLUSH_AT");
    unsetenv("LANGFUSE_SAMPLE_RATE");
    unsetenv("LANGFUSE_HOST");
    unsetenv("LANGFUSE_BASE_URL");
}

/* OpenTelemetry's rule: OTEL_EXPORTER_OTLP_TRACES_* beats OTEL_EXPORTER_OTLP_*. */
static void signal_specific_otel_variables_beat_the_generic_ones(void **state)
{
    (void)state;
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-generic=1", 1);
    setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "none", 1);
    setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5000", 1);
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs__options_apply_env(o), LLMOBS_OK);
    assert_string_equal(o->otlp_headers, "x-generic=1");
    assert_true(o->otlp_timeout_s == 5000);

    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=2", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "750", 1);
    llmobs_options_free(o);
    o = llmobs_options_new();
    assert_int_equal(llmobs__options_apply_env(o), LLMOBS_OK);
    assert_string_equal(o->otlp_headers, "x-traces=2");
    char buf[16];
    assert_int_equal(llmobs_options_get(o, "otlp_compression", buf, sizeof buf, NULL), LLMOBS_OK);
    assert_string_equal(buf, "gzip");
    assert_true(o->otlp_timeout_s == 750);
    llmobs_options_free(o);

    /* A bad signal-specific value is an error naming that variable. */
    setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "brotli", 1);
    o = llmobs_options_new();
    assert_int_equal(llmobs__options_apply_env(o), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"));
    llmobs_options_free(o);
    const char *vars[] = {"HEADERS", "COMPRESSION", "TIMEOUT"};
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s", vars[i]);
        unsetenv(name);
        snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_TRACES_%s", vars[i]);
        unsetenv(name);
    }
}

static void bad_environment_value_fails_client_creation_naming_variable(void **state)
{
    (void)state;
    setenv("LANGFUSE_FLUSH_INTERVAL", "soon", 1);
    llmobs_status st = LLMOBS_OK;
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_client *c = llmobs_client_new(o, &st);
    assert_null(c);
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LANGFUSE_FLUSH_INTERVAL"));
    assert_non_null(strstr(llmobs_last_error(), "flush_interval"));
    unsetenv("LANGFUSE_FLUSH_INTERVAL");
}

static void typed_setters_validate_like_strings(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set_int(o, "flush_at", 3), LLMOBS_OK);
    assert_int_equal(o->flush_at, 3);
    assert_int_equal(llmobs_options_set_double(o, "sample_rate", 2.0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_options_set_bool(o, "gzip", 1), LLMOBS_OK);
    assert_true(o->gzip);
    llmobs_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_key_accepts_its_default_and_reads_back),
        cmocka_unit_test(bad_values_are_errors_naming_the_key),
        cmocka_unit_test(unknown_keys_and_null_arguments_are_rejected),
        cmocka_unit_test(secrets_read_back_masked),
        cmocka_unit_test(small_buffer_reports_needed_size),
        cmocka_unit_test(environment_fills_unset_keys_and_setters_win),
        cmocka_unit_test(signal_specific_otel_variables_beat_the_generic_ones),
        cmocka_unit_test(bad_environment_value_fails_client_creation_naming_variable),
        cmocka_unit_test(typed_setters_validate_like_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
