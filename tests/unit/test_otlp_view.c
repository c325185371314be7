/* A destination's view of a serialized request (src/export/otlp_view.c): attribute entries
 * left out by key prefix, everything else byte for byte, and malformed text refused (the
 * exporter then sends it as is), on hand-written edge cases and on the serializer's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "export/otlp_view.h"

#include <stdlib.h>
#include <string.h>

static char *view(const char *body, llmobs__otlp_view v)
{
    llmobs__buf out = {0};
    if (!llmobs__otlp_view_apply(body, strlen(body), v, &out)) {
        llmobs__buf_free(&out);
        return NULL;
    }
    llmobs__buf_putc(&out, '\0');
    return out.data;
}

#define A(k) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"v\"}}"

static void langfuse_view_leaves_out_gen_ai_only(void **state)
{
    (void)state;
    const char *in = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[" A(
        "service.name") "]},\"scopeSpans\":[{\"scope\":{\"name\":\"llmobs\"},\"spans\":"
                        "[{\"traceId\":"
                        "\"01\",\"name\":\"x\",\"attributes\":[" A(
                            "gen_ai.operation."
                            "name") "," A("langf"
                                          "use."
                                          "obser"
                                          "vatio"
                                          "n."
                                          "type") "," A("gen_ai.request.model") "," A("user.id") "," A("gen_ai."
                                                                                                       "usage."
                                                                                                       "input_"
                                                                                                       "tokens") "]"
                                                                                                                 ","
                                                                                                                 "\"status\":{\"code\":2}}]}]}]}";
    char *out = view(in, LLMOBS__VIEW_LANGFUSE);
    assert_non_null(out);
    const char *want = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[" A(
        "service.name") "]},\"scopeSpans\":[{\"scope\":{\"name\":\"llmobs\"},\"spans\":[{"
                        "\"traceId\":\"01\","
                        "\"name\":\"x\",\"attributes\":[" A("langfuse.observation.type") "," A(
                            "user.id") "],\"status\":{\"code\":2}}]}]}]}";
    assert_string_equal(out, want);
    free(out);
    out = view(in, LLMOBS__VIEW_GENAI);
    assert_non_null(out);
    assert_null(strstr(out, "langfuse."));
    assert_non_null(strstr(out, "gen_ai.operation.name"));
    assert_non_null(strstr(out, "gen_ai.usage.input_tokens"));
    assert_non_null(strstr(out, "user.id"));
    free(out);
    out = view(in, LLMOBS__VIEW_ALL);
    assert_string_equal(out, in);
    free(out);
}

/* Text that only looks like attributes inside strings is content: kept byte for byte. */
static void strings_are_never_taken_for_structure(void **state)
{
    (void)state;
    const char *in =
        "{\"spans\":[{\"name\":\"\\\"attributes\\\":[{\\\"key\\\":\\\"gen_ai.x\\\"}]\","
        "\"attributes\":[{\"key\":\"langfuse.observation.input\",\"value\":{\"stringValue\":"
        "\"{\\\"attributes\\\":[{\\\"key\\\":\\\"gen_ai.y\\\"}]} \\\\\"}},"
        "{\"key\":\"gen_ai.z\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"]}\"}]}}}"
        "]}]}";
    char *out = view(in, LLMOBS__VIEW_LANGFUSE);
    assert_non_null(out);
    const char *want =
        "{\"spans\":[{\"name\":\"\\\"attributes\\\":[{\\\"key\\\":\\\"gen_ai.x\\\"}]\","
        "\"attributes\":[{\"key\":\"langfuse.observation.input\",\"value\":{\"stringValue\":"
        "\"{\\\"attributes\\\":[{\\\"key\\\":\\\"gen_ai.y\\\"}]} \\\\\"}}]}]}";
    assert_string_equal(out, want);
    free(out);
}

/* Whitespace, the key after the value, an empty array, all entries dropped. */
static void layout_variants_are_handled(void **state)
{
    (void)state;
    const char *in = "{ \"attributes\" : [ { \"value\" : { \"intValue\" : \"1\" } , \"key\" : "
                     "\"gen_ai.a\" } , {\"key\":\"k\",\"value\":{\"boolValue\":true}} ],"
                     "\"x\":{\"attributes\":[]},\"y\":{\"attributes\":[" A("gen_ai.b") "]}}";
    char *out = view(in, LLMOBS__VIEW_LANGFUSE);
    assert_non_null(out);
    assert_string_equal(out, "{ \"attributes\" : [{\"key\":\"k\",\"value\":{\"boolValue\":true}}],"
                             "\"x\":{\"attributes\":[]},\"y\":{\"attributes\":[]}}");
    free(out);
}

/* Escapes in member names and keys are decoded before they are compared. */
static void escaped_names_and_keys_are_decoded(void **state)
{
    (void)state;
    const char *in =
        "{\"attribut\\u0065s\":[{\"k\\u0065y\":\"gen\\u005fai.a\",\"value\":{}},"
        "{\"key\":\"gen\\\\u005fai.b\",\"value\":{}},{\"key\":\"gen_ai\",\"value\":{}}]}";
    char *out = view(in, LLMOBS__VIEW_LANGFUSE);
    assert_non_null(out);
    /* "gen\\u005fai.b" is the text gen\u005fai.b (an escaped backslash): kept, as is "gen_ai" */
    assert_string_equal(out, "{\"attribut\\u0065s\":[{\"key\":\"gen\\\\u005fai.b\",\"value\":{}},"
                             "{\"key\":\"gen_ai\",\"value\":{}}]}");
    free(out);
}

static void malformed_text_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"attributes\":[" A("gen_ai.a"),        /* array never closed */
        "{\"attributes\":[{\"key\":\"gen_ai.a\"", /* entry never closed */
        "{\"attributes\":[" A("gen_ai.a") " x]}", /* garbage between entries */
        "{\"name\":\"never closed",               /* string never closed */
        "{\"attributes\":[\"unterminated]}",      /* string inside the array */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        llmobs__buf out = {0};
        if (llmobs__otlp_view_apply(bad[i], strlen(bad[i]), LLMOBS__VIEW_LANGFUSE, &out))
            fail_msg("accepted malformed case %zu", i);
        llmobs__buf_free(&out);
    }
    llmobs__buf out = {0};
    assert_false(llmobs__otlp_view_apply(NULL, 0, LLMOBS__VIEW_LANGFUSE, &out));
    assert_false(llmobs__otlp_view_apply("{}", 2, LLMOBS__VIEW_LANGFUSE, NULL));
    /* not JSON at all but no string in it: nothing to leave out, copied */
    assert_true(llmobs__otlp_view_apply("[1,2", 4, LLMOBS__VIEW_LANGFUSE, &out));
    assert_int_equal(out.len, 4);
    llmobs__buf_free(&out);
}

/* Every prefix of a valid body (a truncated spool file, say) is either refused or copied
 * without reading past its end (ASan checks the reads). */
static void every_truncation_is_safe(void **state)
{
    (void)state;
    const char *in = "{\"spans\":[{\"attributes\":[" A("gen_ai.a") "," A("b") "]}]}";
    size_t n = strlen(in);
    for (size_t len = 0; len <= n; len++) {
        char *copy = malloc(len ? len : 1);
        memcpy(copy, in, len);
        llmobs__buf out = {0};
        (void)llmobs__otlp_view_apply(copy, len, LLMOBS__VIEW_LANGFUSE, &out);
        llmobs__buf_free(&out);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(langfuse_view_leaves_out_gen_ai_only),
        cmocka_unit_test(strings_are_never_taken_for_structure),
        cmocka_unit_test(layout_variants_are_handled),
        cmocka_unit_test(escaped_names_and_keys_are_decoded),
        cmocka_unit_test(malformed_text_is_refused),
        cmocka_unit_test(every_truncation_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
