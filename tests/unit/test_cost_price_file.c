/* The JSON price file loader: good, partial and malformed files, all or nothing. */
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

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/llmobs-prices-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static llmobs_cost_tracker *fresh(void)
{
    llmobs_status st;
    llmobs_cost_tracker *t = llmobs__cost_tracker_create(NULL, NULL, &st);
    assert_non_null(t);
    return t;
}

static double price(llmobs_cost_tracker *t, const char *model, llmobs_price_kind kind)
{
    double v = -1;
    assert_int_equal(llmobs_cost_get_price(t, model, kind, &v), LLMOBS_OK);
    return v;
}

static void good_file_adds_models_and_overrides_builtin(void **state)
{
    (void)state;
    const char *path =
        write_file("good.json", "{\n"
                                "  \"version\": 1,\n"
                                "  \"comment\": \"negotiated rates\",\n"
                                "  \"models\": {\n"
                                "    \"acme-large\": {\"input\": 1.5, \"output\": 6,"
                                " \"cache_read\": 0.15, \"cache_write\": 1.8,"
                                " \"reasoning\": 7, \"context_window\": 64000,"
                                " \"source\": \"contract\", \"date\": \"2026-01\"},\n"
                                "    \"gpt-4o\": {\"input\": 2.0, \"output\": 8.0}\n"
                                "  }\n"
                                "}\n");
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_load_prices_file(t, path), LLMOBS_OK);
    assert_true(price(t, "acme-large", LLMOBS_PRICE_INPUT) == 1.5);
    assert_true(price(t, "acme-large", LLMOBS_PRICE_OUTPUT) == 6);
    assert_true(price(t, "acme-large", LLMOBS_PRICE_CACHE_READ) == 0.15);
    assert_true(price(t, "acme-large", LLMOBS_PRICE_CACHE_WRITE) == 1.8);
    assert_true(price(t, "acme-large", LLMOBS_PRICE_REASONING) == 7);
    int64_t w;
    assert_int_equal(llmobs_cost_context_window(t, "acme-large-2026-01-01", &w), LLMOBS_OK);
    assert_int_equal(w, 64000);
    assert_true(price(t, "gpt-4o", LLMOBS_PRICE_INPUT) == 2.0);
    assert_true(price(t, "gpt-4o-2024-08-06", LLMOBS_PRICE_OUTPUT) == 8.0);
    /* untouched built-ins stay */
    assert_true(price(t, "claude-sonnet-4-5", LLMOBS_PRICE_INPUT) == 3.0);
    llmobs_cost_tracker_free(t);
}

static void partial_entry_defaults_cache_to_input_and_reasoning_to_output(void **state)
{
    (void)state;
    const char *path =
        write_file("partial.json", "{\"models\": {\"tiny\": {\"input\": 0.2, \"output\": 0.8}}}");
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_load_prices_file(t, path), LLMOBS_OK);
    assert_true(price(t, "tiny", LLMOBS_PRICE_CACHE_READ) == 0.2);
    assert_true(price(t, "tiny", LLMOBS_PRICE_CACHE_WRITE) == 0.2);
    assert_true(price(t, "tiny", LLMOBS_PRICE_REASONING) == 0.8);
    int64_t w = -1;
    assert_int_equal(llmobs_cost_context_window(t, "tiny", &w), LLMOBS_OK);
    assert_int_equal(w, 0);
    llmobs_cost_tracker_free(t);
}

static void later_file_replaces_earlier_entries_of_same_name(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    const char *p1 = write_file("a.json", "{\"models\": {\"m1\": {\"input\": 1, \"output\": 1},"
                                          " \"m2\": {\"input\": 2, \"output\": 2}}}");
    assert_int_equal(llmobs_cost_load_prices_file(t, p1), LLMOBS_OK);
    const char *p2 =
        write_file("b.json", "{\"models\": {\"M1\": {\"input\": 10, \"output\": 10}}}");
    assert_int_equal(llmobs_cost_load_prices_file(t, p2), LLMOBS_OK);
    assert_true(price(t, "m1", LLMOBS_PRICE_INPUT) == 10);
    assert_true(price(t, "m2", LLMOBS_PRICE_INPUT) == 2);
    llmobs_cost_tracker_free(t);
}

/* Loads `text`, expects `status`, a message containing each of `needles`, and an unchanged
 * table (gpt-4o keeps 2.5, "newmodel" stays unknown). */
static void expect_rejected(const char *text, llmobs_status status, const char *needle1,
                            const char *needle2)
{
    const char *path = write_file("bad.json", text);
    llmobs_cost_tracker *t = fresh();
    llmobs_status st = llmobs_cost_load_prices_file(t, path);
    const char *msg = llmobs_last_error();
    if (st != status || !strstr(msg, needle1) || (needle2 && !strstr(msg, needle2)))
        fail_msg("status %s, message '%s'; expected %s with '%s' and '%s'", llmobs_status_name(st),
                 msg, llmobs_status_name(status), needle1, needle2 ? needle2 : "");
    assert_non_null(strstr(msg, "bad.json"));
    assert_true(price(t, "gpt-4o", LLMOBS_PRICE_INPUT) == 2.5);
    double v;
    assert_int_equal(llmobs_cost_get_price(t, "newmodel", LLMOBS_PRICE_INPUT, &v),
                     LLMOBS_ENOTFOUND);
    llmobs_cost_tracker_free(t);
}

static void invalid_json_is_rejected_with_line_and_column(void **state)
{
    (void)state;
    expect_rejected(
        "{\n  \"models\": {\n    \"newmodel\": {\"input\": 1,, \"output\": 2}\n  }\n}\n",
        LLMOBS_EPARSE, "line 3", "column");
}

static void wrong_field_type_is_rejected_naming_model_field_and_line(void **state)
{
    (void)state;
    expect_rejected("{\n"
                    "  \"models\": {\n"
                    "    \"newmodel\": {\"input\": 1, \"output\": 2},\n"
                    "    \"gpt-4o\": {\n"
                    "      \"input\": 1,\n"
                    "      \"output\": \"ten\"\n"
                    "    }\n"
                    "  }\n"
                    "}\n",
                    LLMOBS_EPARSE, "line 6", "model 'gpt-4o' field 'output'");
}

static void negative_price_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"models\": {\"newmodel\": {\"input\": -1, \"output\": 2}}}", LLMOBS_EPARSE,
                    "field 'input'", ">= 0");
}

static void missing_output_price_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"models\": {\"newmodel\": {\"input\": 1}}}", LLMOBS_EPARSE,
                    "model 'newmodel' field 'output'", "missing");
}

static void misspelt_field_is_rejected_not_ignored(void **state)
{
    (void)state;
    expect_rejected("{\"models\": {\"newmodel\": {\"input\": 1, \"output\": 2, \"cached\": 0.1}}}",
                    LLMOBS_EPARSE, "field 'cached'", "unknown field");
}

static void fractional_context_window_is_rejected(void **state)
{
    (void)state;
    expect_rejected(
        "{\"models\": {\"newmodel\": {\"input\": 1, \"output\": 2, \"context_window\": 1.5}}}",
        LLMOBS_EPARSE, "field 'context_window'", NULL);
}

static void missing_models_object_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"newmodel\": {\"input\": 1, \"output\": 2}}", LLMOBS_EPARSE,
                    "unknown top-level field 'newmodel'", NULL);
    expect_rejected("[1, 2]", LLMOBS_EPARSE, "top level must be an object", NULL);
    expect_rejected("{\"models\": [1]}", LLMOBS_EPARSE, "field 'models'", NULL);
}

static void duplicate_model_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"models\": {\"newmodel\": {\"input\": 1, \"output\": 2},\n"
                    "\"newmodel\": {\"input\": 3, \"output\": 4}}}",
                    LLMOBS_EPARSE, "listed twice", NULL);
}

static void trailing_text_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"models\": {\"newmodel\": {\"input\": 1, \"output\": 2}}}\n}", LLMOBS_EPARSE,
                    "line 2", "after the JSON value");
}

static void empty_file_is_rejected(void **state)
{
    (void)state;
    expect_rejected("", LLMOBS_EPARSE, "invalid JSON", NULL);
}

static void missing_file_is_eio_naming_the_path(void **state)
{
    (void)state;
    llmobs_cost_tracker *t = fresh();
    assert_int_equal(llmobs_cost_load_prices_file(t, "/nonexistent/llmobs/prices.json"),
                     LLMOBS_EIO);
    assert_non_null(strstr(llmobs_last_error(), "/nonexistent/llmobs/prices.json"));
    llmobs_cost_tracker_free(t);
}

static void prices_file_option_loads_at_creation_and_bad_file_fails_creation(void **state)
{
    (void)state;
    const char *good = write_file("opt.json", "{\"models\": {\"optmodel\": {\"input\": 4, "
                                              "\"output\": 5}}}");
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "prices_file", good), LLMOBS_OK);
    llmobs_status st;
    llmobs_cost_tracker *t = llmobs_cost_tracker_new(o, &st);
    assert_int_equal(st, LLMOBS_OK);
    assert_true(price(t, "optmodel", LLMOBS_PRICE_OUTPUT) == 5);
    llmobs_cost_tracker_free(t);

    const char *bad = write_file("optbad.json", "{\"models\": {\"optmodel\": {\"input\": true}}}");
    assert_int_equal(llmobs_options_set(o, "prices_file", bad), LLMOBS_OK);
    t = llmobs_cost_tracker_new(o, &st);
    assert_null(t);
    assert_int_equal(st, LLMOBS_EPARSE);
    assert_non_null(strstr(llmobs_last_error(), "field 'input'"));
    llmobs_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file_adds_models_and_overrides_builtin),
        cmocka_unit_test(partial_entry_defaults_cache_to_input_and_reasoning_to_output),
        cmocka_unit_test(later_file_replaces_earlier_entries_of_same_name),
        cmocka_unit_test(invalid_json_is_rejected_with_line_and_column),
        cmocka_unit_test(wrong_field_type_is_rejected_naming_model_field_and_line),
        cmocka_unit_test(negative_price_is_rejected),
        cmocka_unit_test(missing_output_price_is_rejected),
        cmocka_unit_test(misspelt_field_is_rejected_not_ignored),
        cmocka_unit_test(fractional_context_window_is_rejected),
        cmocka_unit_test(missing_models_object_is_rejected),
        cmocka_unit_test(duplicate_model_is_rejected),
        cmocka_unit_test(trailing_text_is_rejected),
        cmocka_unit_test(empty_file_is_rejected),
        cmocka_unit_test(missing_file_is_eio_naming_the_path),
        cmocka_unit_test(prices_file_option_loads_at_creation_and_bad_file_fails_creation),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
