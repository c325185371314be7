/* Number formatting and escaping used by the exposition renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "metrics/family.h"

static void expect_double(double v, const char *want)
{
    char out[LLMOBS__NUM_MAX];
    size_t n = llmobs__fmt_double(out, v);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void expect_le(double v, const char *want)
{
    char out[LLMOBS__NUM_MAX];
    llmobs__fmt_le(out, v);
    assert_string_equal(out, want);
}

static void special_values_print_as_prometheus_spells_them(void **state)
{
    (void)state;
    expect_double(INFINITY, "+Inf");
    expect_double(-INFINITY, "-Inf");
    expect_double(NAN, "NaN");
}

static void whole_numbers_print_without_point_or_exponent(void **state)
{
    (void)state;
    expect_double(0, "0");
    expect_double(-0.0, "0");
    expect_double(42, "42");
    expect_double(-7, "-7");
    expect_double(1e15, "1000000000000000");
    expect_double(9007199254740991.0, "9007199254740991");
}

static void fractions_print_shortest_round_trip(void **state)
{
    (void)state;
    expect_double(0.1, "0.1");
    expect_double(0.1 + 0.2, "0.30000000000000004");
    expect_double(1.5, "1.5");
    expect_double(-2.25, "-2.25");
    expect_double(1e-7, "1e-07");
    expect_double(0.0001, "0.0001");
    expect_double(1.2345678901234567e-300, "1.2345678901234568e-300"); /* as Python repr */
    expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
}

static void every_formatted_double_parses_back_to_itself(void **state)
{
    (void)state;
    srand(7);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = ((uint64_t)rand() << 34) ^ ((uint64_t)rand() << 12) ^ (uint64_t)rand();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        char out[LLMOBS__NUM_MAX];
        llmobs__fmt_double(out, v);
        assert_true(llmobs__parse_double(out) == v);
    }
}

static void le_values_are_openmetrics_canonical(void **state)
{
    (void)state;
    expect_le(0, "0.0");
    expect_le(0.001, "0.001");
    expect_le(0.1, "0.1");
    expect_le(1, "1.0");
    expect_le(10, "10.0");
    expect_le(100000, "100000.0");
    expect_le(1e6, "1e+06");
    expect_le(1e-5, "1e-05");
    expect_le(2.5, "2.5");
    expect_le(-1, "-1.0");
    expect_le(1e-7, "1e-07");
}

/* Builds a de_DE locale (comma radix) in a temporary LOCPATH, so the test does not depend on
 * which locales the machine has installed. */
static void formatting_ignores_a_comma_radix_locale(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmobs_locale_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    if (system(cmd) != 0) skip(); /* no localedef or no de_DE source on this machine */
    setenv("LOCPATH", dir, 1);
    assert_non_null(setlocale(LC_NUMERIC, "de_DE.UTF-8"));
    char probe[16];
    snprintf(probe, sizeof probe, "%g", 0.5);
    assert_string_equal(probe, "0,5"); /* the locale really is active */
    expect_double(0.5, "0.5");
    expect_double(1234.125, "1234.125");
    expect_le(2.5, "2.5");
    assert_true(llmobs__parse_double("0.25") == 0.25);
    setlocale(LC_NUMERIC, "C");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static char *escape(const char *s, bool quote)
{
    llmobs__buf b = {0};
    llmobs__escape(&b, s, quote);
    llmobs__buf_append(&b, "", 0);
    return b.data;
}

static void label_values_escape_backslash_quote_and_newline_only(void **state)
{
    (void)state;
    char *e = escape("a\\b\"c\nd\te", true);
    assert_string_equal(e, "a\\\\b\\\"c\\nd\te");
    free(e);
}

static void help_text_in_0_0_4_keeps_double_quotes(void **state)
{
    (void)state;
    char *e = escape("say \"hi\"\\\n", false);
    assert_string_equal(e, "say \"hi\"\\\\\\n");
    free(e);
}

static void invalid_utf8_is_replaced_by_u_fffd(void **state)
{
    (void)state;
    char *e = escape("ok\xff"
                     "x\xc3(\xe2\x82\xac\xed\xa0\x80",
                     true);
    /* \xff, a truncated 2-byte sequence and an encoded surrogate become U+FFFD; the euro
     * sign is kept. */
    assert_string_equal(e, "ok\xef\xbf\xbdx\xef\xbf\xbd(\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd"
                           "\xef\xbf\xbd");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(special_values_print_as_prometheus_spells_them),
        cmocka_unit_test(whole_numbers_print_without_point_or_exponent),
        cmocka_unit_test(fractions_print_shortest_round_trip),
        cmocka_unit_test(every_formatted_double_parses_back_to_itself),
        cmocka_unit_test(le_values_are_openmetrics_canonical),
        cmocka_unit_test(formatting_ignores_a_comma_radix_locale),
        cmocka_unit_test(label_values_escape_backslash_quote_and_newline_only),
        cmocka_unit_test(help_text_in_0_0_4_keeps_double_quotes),
        cmocka_unit_test(invalid_utf8_is_replaced_by_u_fffd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
