/* JSON building: escaping, UTF-8 repair, OTLP number rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/buf.h"
#include "export/otlp_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* every length of digits, both signs, the extremes (no printf: compared with it) */
    char want[32];
    for (int64_t v = 1, k = 0; k < 19; k++, v = k < 19 ? v * 10 : v)
        for (int64_t d = -1; d <= 1; d++)
            for (int sign = -1; sign <= 1; sign += 2) {
                int64_t x = sign * (v + d);
                b.len = 0;
                llmobs__buf_json_int64_string(&b, x);
                snprintf(want, sizeof want, "\"%lld\"", (long long)x);
                assert_string_equal(b.data, want);
                b.len = 0;
                llmobs__buf_int64(&b, x);
                snprintf(want, sizeof want, "%lld", (long long)x);
                assert_string_equal(b.data, want);
            }
    b.len = 0;
    llmobs__buf_json_int64_string(&b, INT64_MIN);
    assert_string_equal(b.data, "\"-9223372036854775808\"");
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

/* The old rule, with printf: %.15g when it reads back, else %.17g. */
static void printf_double(double v, char out[40])
{
    snprintf(out, 40, "%.15g", v);
    if (strtod(out, NULL) != v) snprintf(out, 40, "%.17g", v);
}

/* The printf-free digits (exact, 128-bit) print what printf prints, on the values the
 * serializer sees most (costs as price x tokens, durations, parameters) and random ones. */
static void doubles_without_printf_match_printf(void **state)
{
    (void)state;
    double fixed[] = {0.0,    -0.0, 1.0,          0.5,      0.1,
                      0.7,    1e-4, 9.99999999e8, 1e9,      123456.789,
                      2.5e-6, 1e-5, 1.0 / 3,      2.0 / 3,  999999999.99999,
                      1e300,  -0.3, 5e-324,       0.000123, 42e-9,
                      1e15,   1e16};
    unsigned long long x = 88172645463325252ULL;
    llmobs__buf b = {0};
    char want[40];
    for (int i = 0; i < 200000; i++) {
        double v;
        if (i < (int)(sizeof fixed / sizeof *fixed)) {
            v = fixed[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            switch (i % 4) {
            case 0: /* price per token x tokens */
                v = (double)(x % 1000000) * 1e-7 * (double)((x >> 20) % 5000);
                break;
            case 1: /* seconds from nanoseconds */
                v = (double)(x % 100000000000ULL) / 1e9;
                break;
            case 2: { /* any bits in range */
                double m = (double)(x >> 11) / 9007199254740992.0;
                v = ldexp(m, (int)((x >> 3) % 80) - 50);
                break;
            }
            default:
                v = -(double)(x % 100000) / 1000.0;
            }
        }
        b.len = 0;
        llmobs__buf_json_double(&b, v);
        printf_double(v, want);
        if (strcmp(b.data, want) != 0) fail_msg("%.17g: got %s, printf %s", v, b.data, want);
    }
    llmobs__buf_free(&b);
}

/* The one-pass double escape equals escaping twice, and the word-at-a-time scan finds every
 * byte to escape wherever it falls in a word, on random strings of every kind of byte. */
static void escaping_twice_in_one_pass_equals_escaping_twice(void **state)
{
    (void)state;
    static const unsigned char alphabet[] = {'a',  'b',  ' ',  '~',  '"',  '\\', '\n', '\t', 1,
                                             0x1f, 0x7f, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F,
                                             0x98, 0x80, 0xFF, 0xC0, 0xED, 0xA0, '/'};
    unsigned long long x = 1234567ULL;
    char str[64];
    for (int i = 0; i < 50000; i++) {
        size_t len = (size_t)(i % 40);
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly plain runs, so words of 8 plain bytes occur */
            str[j] =
                (x % 3) ? (char)('a' + (x >> 8) % 26) : (char)alphabet[(x >> 8) % sizeof alphabet];
        }
        llmobs__buf inner = {0}, twice = {0}, once = {0};
        llmobs__buf_json_string(&inner, str, len);
        llmobs__buf_json_string(&twice, inner.data, inner.len);
        llmobs__buf_json_string_twice(&once, str, len);
        assert_int_equal(once.len, twice.len);
        assert_memory_equal(once.data, twice.data, once.len);
        /* the inner string is valid: no raw control byte, quotes escaped */
        for (size_t j = 1; j + 1 < inner.len; j++)
            assert_true((unsigned char)inner.data[j] >= 0x20);
        llmobs__buf_free(&inner);
        llmobs__buf_free(&twice);
        llmobs__buf_free(&once);
    }
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
        cmocka_unit_test(doubles_without_printf_match_printf),
        cmocka_unit_test(escaping_twice_in_one_pass_equals_escaping_twice),
        cmocka_unit_test(hex_is_lowercase),
        cmocka_unit_test(iso8601_has_microseconds_and_z),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
