/* The flusher's JSON syntax check (core/json_valid.c): RFC 8259 values, strictly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/json_valid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid(const char *s)
{
    return llmobs__json_valid(s, strlen(s));
}

static void accepts_every_kind_of_value(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0",
        "-0",
        "12",
        "-3.25",
        "1e9",
        "1E+9",
        "2.5e-3",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"",
        "\"caf\xc3\xa9\"",
        "[]",
        "{}",
        " \t\r\n[1, \"x\", {\"k\": [true, null]}, -1.5] \n",
        "{\"a\":{\"b\":{\"c\":[]}},\"d\":1}",
        "[[[]],[{}]]",
        "{\"\":\"\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (!valid(ok[i])) fail_msg("rejected valid JSON: %s", ok[i]);
    }
}

static void rejects_what_is_not_json(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "}",
        "[",
        "]",
        "[1,]",
        "{\"a\":1,}",
        "{,}",
        "[,1]",
        "{\"a\"}",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "'x'",
        "\"open",
        "\"bad \\x escape\"",
        "\"\\u12G4\"",
        "\"\\u12\"",
        "\"tab\there\"",
        "01",
        "+1",
        ".5",
        "1.",
        "1e",
        "1e+",
        "-",
        "--1",
        "tru",
        "truex",
        "nul",
        "NaN",
        "Infinity",
        "[1 2]",
        "{\"a\":1 \"b\":2}",
        "1 2",
        "[]]",
        "{}}",
        "[}",
        "{]",
        "// comment\n1",
        "[1]x",
        "{not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (valid(bad[i])) fail_msg("accepted invalid JSON: %s", bad[i]);
    }
    assert_false(llmobs__json_valid(NULL, 0));
}

static void length_bounds_the_text(void **state)
{
    (void)state;
    assert_true(llmobs__json_valid("[1]garbage", 3));
    assert_false(llmobs__json_valid("[1]", 2));
    assert_false(llmobs__json_valid("\"ab\"", 3)); /* the closing quote is outside */
    /* a NUL inside the given length is not white space */
    assert_false(llmobs__json_valid("1\0", 2));
}

/* Nesting up to the limit passes, one more level does not; neither uses the C stack. */
static void nesting_is_limited_not_recursive(void **state)
{
    (void)state;
    size_t depth = LLMOBS__JSON_MAX_DEPTH;
    char *s = malloc(2 * depth + 3);
    assert_non_null(s);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    assert_true(valid(s));
    memset(s, '[', depth + 1);
    memset(s + depth + 1, ']', depth + 1);
    s[2 * depth + 2] = '\0';
    assert_false(valid(s));
    free(s);
}

/* A large payload (the 1 MB input of issue 18) is checked in one pass. */
static void a_megabyte_array_is_checked(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t len = 0;
    s[len++] = '[';
    while (len + 16 < n)
        len += (size_t)snprintf(s + len, n - len, "{\"k\":%zu},", len);
    s[len - 1] = ']';
    s[len] = '\0';
    assert_true(valid(s));
    s[len / 2] = '\x01';
    assert_false(valid(s));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_every_kind_of_value),
        cmocka_unit_test(rejects_what_is_not_json),
        cmocka_unit_test(length_bounds_the_text),
        cmocka_unit_test(nesting_is_limited_not_recursive),
        cmocka_unit_test(a_megabyte_array_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
