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
            switch (i % 6) {
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
            case 3: { /* 15-digit decimals and their neighbours (the double fast path) */
                char t[40];
                snprintf(t, sizeof t, "%llue%d", (x >> 4) % 1000000000000000ULL,
                         (int)(x % 23) - 30);
                v = strtod(t, NULL);
                if (x & 8) v = nextafter(v, 1e300);
                if (x & 16) v = nextafter(v, 0);
                break;
            }
            case 4: { /* halfway between two 15-digit decimals: the fast path must step aside */
                char t[40];
                snprintf(t, sizeof t, "%llu.5e%d", (x >> 4) % 100000000000000ULL,
                         (int)(x % 23) - 30);
                v = strtod(t, NULL);
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
    /* where the exponent of the first digit or the binary exponent changes: every power of
     * ten and of two around the fast range, with their neighbours */
    double edges[25 + 81];
    size_t nedges = 0;
    for (int e = -14; e <= 10; e++) {
        char text[16];
        snprintf(text, sizeof text, "1e%d", e);
        edges[nedges++] = strtod(text, NULL);
    }
    for (int e = -48; e <= 32; e++)
        edges[nedges++] = ldexp(1, e);
    for (size_t i = 0; i < nedges; i++) {
        double around[] = {nextafter(edges[i], 0), edges[i], nextafter(edges[i], 1e300)};
        for (size_t n = 0; n < 3; n++) {
            b.len = 0;
            llmobs__buf_json_double(&b, around[n]);
            printf_double(around[n], want);
            if (strcmp(b.data, want) != 0)
                fail_msg("%.17g: got %s, printf %s", around[n], b.data, want);
        }
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

/* Reference for the escaper's tests: the length of the valid UTF-8 sequence at s, or 0, by
 * decoding it (no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t ref_utf8_len(const unsigned char *s, size_t avail)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned char c = s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c < 0xC2 || c > 0xF4 || n > avail) return 0;
    uint32_t cp = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* Reference escaper, a byte at a time: the JSON string llmobs__buf_json_string must append. */
static void ref_json_string(llmobs__buf *b, const unsigned char *s, size_t len)
{
    llmobs__buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = c >= 0x80 ? ref_utf8_len(s + i, len - i) : 1;
        if (c == '"' || c == '\\') {
            llmobs__buf_putc(b, '\\');
            llmobs__buf_putc(b, (char)c);
        } else if (c == '\n') {
            llmobs__buf_puts(b, "\\n");
        } else if (c == '\r') {
            llmobs__buf_puts(b, "\\r");
        } else if (c == '\t') {
            llmobs__buf_puts(b, "\\t");
        } else if (c < 0x20) {
            llmobs__buf_printf(b, "\\u%04x", c);
        } else if (n == 0) {
            llmobs__buf_puts(b, "\xEF\xBF\xBD");
            n = 1;
        } else {
            llmobs__buf_append(b, s + i, n);
        }
        i += n;
    }
    llmobs__buf_putc(b, '"');
}

/* Escapes a copy of s[0..len) in a buffer of exactly len bytes (so that ASan reports any read
 * past the end) and compares it with the reference, and the one-pass double escape with
 * escaping twice. */
static void check_against_reference(const unsigned char *s, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len) memcpy(copy, s, len);
    llmobs__buf got = {0}, want = {0}, twice = {0}, want_twice = {0};
    llmobs__buf_json_string(&got, (const char *)copy, len);
    ref_json_string(&want, s, len);
    assert_false(got.oom);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, got.len);
    assert_int_equal(got.data[got.len], '\0');
    llmobs__buf_json_string_twice(&twice, (const char *)copy, len);
    ref_json_string(&want_twice, (const unsigned char *)want.data, want.len);
    assert_int_equal(twice.len, want_twice.len);
    assert_memory_equal(twice.data, want_twice.data, twice.len);
    llmobs__buf_free(&got);
    llmobs__buf_free(&want);
    llmobs__buf_free(&twice);
    llmobs__buf_free(&want_twice);
    free(copy);
}

/* The scan for bytes to escape works on blocks and overlapping words; its tails (strings
 * shorter than a block, and the last bytes of longer ones) must find a special byte wherever
 * it is: every length 0..40, every position, every kind of special byte or sequence, also
 * with a second one after it. */
static void escaping_finds_special_bytes_at_every_position(void **state)
{
    (void)state;
    static const char *const specials[] = {
        /* escaped */
        "\"",
        "\\",
        "\n",
        "\x01",
        "\x1f",
        /* plain, at the edges of the plain range */
        "\x7f",
        " ",
        "~",
        /* invalid UTF-8: a lone continuation byte, a never-valid byte, a truncated sequence at
         * the end, a surrogate, an overlong form */
        "\x80",
        "\xff",
        "\xc3",
        "\xe2\x82",
        "\xed\xa0\x80",
        "\xc0\xaf",
        /* valid UTF-8 of 2, 3 and 4 bytes */
        "\xc3\xa9",
        "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",
    };
    unsigned char s[48];
    for (size_t len = 0; len <= 40; len++) {
        for (size_t j = 0; j < len; j++) { /* plain bytes: printable ASCII but '"' and '\\' */
            s[j] = (unsigned char)(' ' + (j * 7) % 95);
            if (s[j] == '"' || s[j] == '\\') s[j] = 'a';
        }
        check_against_reference(s, len); /* all plain */
        for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
            size_t n = strlen(specials[k]);
            for (size_t pos = 0; pos + n <= len; pos++) {
                unsigned char t[48];
                memcpy(t, s, len);
                memcpy(t + pos, specials[k], n);
                check_against_reference(t, len);
                for (size_t pos2 = pos + n; pos2 < len; pos2 += 3) { /* and a quote later */
                    unsigned char u[48];
                    memcpy(u, t, len);
                    u[pos2] = '"';
                    check_against_reference(u, len);
                }
            }
        }
    }
}

static void hex_is_lowercase(void **state)
{
    (void)state;
    llmobs__buf b = {0};
    const uint8_t id[4] = {0xAB, 0x01, 0xff, 0x10};
    llmobs__buf_hex(&b, id, 4);
    assert_string_equal(b.data, "ab01ff10");
    /* every byte value, at every place of the 8-byte blocks and of the tail after them */
    uint8_t bytes[40];
    char want[81];
    for (int v = 0; v < 256; v++) {
        for (size_t n = 0; n <= sizeof bytes; n++) {
            for (size_t i = 0; i < n; i++)
                bytes[i] = (uint8_t)(v + 37 * i);
            for (size_t i = 0; i < n; i++)
                snprintf(want + 2 * i, 3, "%02x", bytes[i]);
            want[2 * n] = '\0';
            b.len = 0;
            llmobs__buf_hex(&b, bytes, n);
            assert_string_equal(b.data, want);
        }
    }
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
        cmocka_unit_test(escaping_finds_special_bytes_at_every_position),
        cmocka_unit_test(hex_is_lowercase),
        cmocka_unit_test(iso8601_has_microseconds_and_z),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
