/* JSON building: escaping, UTF-8 repair, OTLP number rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/buf.h"
#include "export/otlp_json.h"

#include <math.h>
#include <string.h>

static void check_string(const char *in, size_t len, const char *want)
{
    llmobs__buf b = {0};
    llmobs__buf_json_string(&b, in, len);
    assert_false(b.oom);
    assert_string_equal(b.data, want);
    llmobs__buf_free(&b);
}

static void strings_escape_quotes_backslashes_and_controls(void **state)
{
    (void)state;
    check_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    check_string("l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\"");
    check_string("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    check_string("nul\0in", 6, "\"nul\\u0000in\"");
}

static void valid_utf8_passes_through(void **state)
{
    (void)state;
    check_string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15,
                 "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void invalid_utf8_is_replaced_with_fffd(void **state)
{
    (void)state;
    check_string("a\xff"
                 "b",
                 3,
                 "\"a\xef\xbf\xbd"
                 "b\"");
    check_string("\xc3", 1, "\"\xef\xbf\xbd\""); /* truncated sequence */
    check_string("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    check_string("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");                 /* overlong */
}

static void int64_values_are_decimal_strings(void **state)
{
    (void)state;
    llmobs__buf b = {0};
    llmobs__buf_json_int64_string(&b, INT64_MAX);
    llmobs__buf_putc(&b, ',');
    llmobs__buf_json_int64_string(&b, -42);
    assert_string_equal(b.data, "\"9223372036854775807\",\"-42\"");
    llmobs__buf_free(&b);
}

static void doubles_round_trip_and_specials_are_strings(void **state)
{
    (void)state;
    llmobs__buf b = {0};
    llmobs__buf_json_double(&b, 0.1);
    llmobs__buf_putc(&b, ' ');
    llmobs__buf_json_double(&b, 1.0 / 3.0);
    llmobs__buf_putc(&b, ' ');
    llmobs__buf_json_double(&b, NAN);
    llmobs__buf_putc(&b, ' ');
    llmobs__buf_json_double(&b, -INFINITY);
    assert_string_equal(b.data, "0.1 0.33333333333333331 \"NaN\" \"-Infinity\"");
    llmobs__buf_free(&b);
}

static void hex_is_lowercase(void **state)
{
    (void)state;
    llmobs__buf b = {0};
    const uint8_t id[4] = {0xAB, 0x01, 0xff, 0x10};
    llmobs__buf_hex(&b, id, 4);
    assert_string_equal(b.data, "ab01ff10");
    llmobs__buf_free(&b);
}

static void iso8601_has_microseconds_and_z(void **state)
{
    (void)state;
    char out[32];
    llmobs__iso8601(INT64_C(1747872001250000000), out);
    assert_string_equal(out, "2025-05-22T00:00:01.250000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_escape_quotes_backslashes_and_controls),
        cmocka_unit_test(valid_utf8_passes_through),
        cmocka_unit_test(invalid_utf8_is_replaced_with_fffd),
        cmocka_unit_test(int64_values_are_decimal_strings),
        cmocka_unit_test(doubles_round_trip_and_specials_are_strings),
        cmocka_unit_test(hex_is_lowercase),
        cmocka_unit_test(iso8601_has_microseconds_and_z),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
