/* The libcurl wrapper's pure parts: Retry-After parsing, gzip, secret redaction, URL helpers
 * and server messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "export/http.h"
#include "export/http_util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void retry_after_accepts_delay_seconds(void **state)
{
    (void)state;
    assert_int_equal(llmobs__http_parse_retry_after("120", 0), 120000);
    assert_int_equal(llmobs__http_parse_retry_after(" 5 ", 0), 5000);
    assert_int_equal(llmobs__http_parse_retry_after("0", 0), 0);
}

static void retry_after_accepts_http_dates(void **state)
{
    (void)state;
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
    assert_int_equal(llmobs__http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470),
                     10000);
    assert_int_equal(llmobs__http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490),
                     0); /* in the past: retry now */
}

static void retry_after_rejects_garbage(void **state)
{
    (void)state;
    assert_int_equal(llmobs__http_parse_retry_after("", 0), -1);
    assert_int_equal(llmobs__http_parse_retry_after("soon", 0), -1);
    assert_int_equal(llmobs__http_parse_retry_after("12abc", 0), -1);
    assert_int_equal(llmobs__http_parse_retry_after("99999999999999999999", 0), -1);
    /* A date curl_getdate reads as centuries ahead (fuzzer find: signed overflow). */
    assert_int_equal(llmobs__http_parse_retry_after(
                         ",2Nov0000000000000000000000000524726209\x8d\t\t", 1764250000),
                     -1);
}

static void gzip_round_trips(void **state)
{
    (void)state;
    const char *text = "{\"resourceSpans\":[]} {\"resourceSpans\":[]} {\"resourceSpans\":[]}";
    llmobs__buf gz = {0};
    assert_true(llmobs__gzip(text, strlen(text), &gz));
    assert_int_equal((unsigned char)gz.data[0], 0x1f); /* gzip magic */
    assert_int_equal((unsigned char)gz.data[1], 0x8b);
    char out[256];
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)gz.data;
    z.avail_in = (uInt)gz.len;
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof out;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, strlen(text));
    assert_memory_equal(out, text, strlen(text));
    inflateEnd(&z);
    llmobs__buf_free(&gz);
}

/* inflate's result on the gzip member at gz->data + skip, with its output in out[0..cap). */
static int gunzip(const llmobs__buf *gz, size_t skip, char *out, size_t cap, z_stream *z)
{
    *z = (z_stream){0};
    assert_int_equal(inflateInit2(z, 15 + 16), Z_OK);
    z->next_in = (Bytef *)gz->data + skip;
    z->avail_in = (uInt)(gz->len - skip);
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)cap;
    int rc = inflate(z, Z_FINISH);
    inflateEnd(z);
    return rc;
}

/* A body of many deflate blocks, appended after bytes already in the buffer: zlib's gunzip
 * checks the trailer's CRC-32 and length (Z_DATA_ERROR when either is wrong). */
static void gzip_of_a_large_body_checks_out(void **state)
{
    (void)state;
    size_t n = 700000;
    char *text = malloc(n);
    assert_non_null(text);
    uint32_t x = 1;
    for (size_t i = 0; i < n; i++) { /* text with repeats and noise */
        x = x * 1103515245u + 12345u;
        text[i] = (i / 64) % 3 == 0 ? (char)('a' + (x >> 16) % 26) : "{\"key\":\"value\"},"[i % 16];
    }
    llmobs__buf gz = {0};
    llmobs__buf_append(&gz, "xyz", 3);
    assert_true(llmobs__gzip(text, n, &gz));
    assert_int_equal(gz.data[gz.len], '\0');
    char *out = malloc(n + 1);
    assert_non_null(out);
    z_stream z;
    assert_int_equal(gunzip(&gz, 3, out, n + 1, &z), Z_STREAM_END);
    assert_int_equal(z.avail_in, 0); /* the member ends where the buffer does */
    assert_int_equal(z.total_out, n);
    assert_memory_equal(out, text, n);
    /* a corrupted trailer is refused: the CRC is really checked */
    gz.data[gz.len - 8] ^= 1;
    assert_int_equal(gunzip(&gz, 3, out, n + 1, &z), Z_DATA_ERROR);
    free(out);
    free(text);
    llmobs__buf_free(&gz);
}

static void redact_replaces_every_registered_secret(void **state)
{
    (void)state;
    llmobs_status st;
    llmobs__http *h = llmobs__http_new(NULL, false, &st);
    assert_non_null(h);
    assert_true(llmobs__http_add_secret(h, "sk-lf-abc"));
    assert_true(llmobs__http_add_secret(h, "sk-lf-abcdef")); /* contains the first */
    assert_true(llmobs__http_add_secret(h, "xy"));           /* too short: ignored */
    char msg[128] = "a sk-lf-abcdef b sk-lf-abc c sk-lf-abc xy";
    llmobs__http_redact(h, msg);
    assert_string_equal(msg, "a *** b *** c *** xy");
    llmobs__http_free(h);
}

static void url_helpers_join_paths_and_hide_credentials(void **state)
{
    (void)state;
    static const char *const joins[][3] = {
        {"https://h", "/v1/traces", "https://h/v1/traces"},
        {"https://h/otel//", "/v1/traces", "https://h/otel/v1/traces"},
        {"", "/x", "/x"},
        {"https://h/", "", "https://h"},
    };
    for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++) {
        char *s = llmobs__join_path(joins[i][0], joins[i][1]);
        assert_non_null(s);
        assert_string_equal(s, joins[i][2]);
        free(s);
    }
    static const char *const urls[][2] = {
        {"http://user:pw@127.0.0.1:4318/otel", "http://127.0.0.1:4318/otel"},
        {"https://a@b:c@host/p?q=1", "https://host/p?q=1"}, /* the last '@' of the authority */
        {"https://host/p@q", "https://host/p@q"},           /* an '@' after it stays */
        {"http://host", "http://host"},
        {"user@host", "host"},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *s = llmobs__display_url(urls[i][0]);
        assert_non_null(s);
        assert_string_equal(s, urls[i][1]);
        free(s);
    }
}

static void server_message_reads_json_errors_or_the_raw_body(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"error\":\"bad key\"}", "bad key"},
        {"{\"error\":{\"message\":\"too big\"}}", "too big"},
        {"{\"message\":\"m\"}", "m"},
        {"{\"error\":{\"code\":3}}", "{\"error\":{\"code\":3}}"}, /* no message: the body */
        {"{}", "{}"},
        {"[1]", "[1]"},
        {"plain\ttext", "plain text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        llmobs__server_message(NULL, cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
}

/* 413, or the OpenTelemetry Collector's 400 "http: request body too large" (Go's
 * http.MaxBytesReader error, in any JSON or text body); no other 400 and no other status. */
static void too_large_replies_are_413_or_a_collectors_400(void **state)
{
    (void)state;
    assert_true(llmobs__reply_too_large(413, NULL));
    assert_true(llmobs__reply_too_large(413, "{}"));
    assert_true(
        llmobs__reply_too_large(400, "{\"code\":3,\"message\":\"http: request body too large\"}"));
    assert_true(llmobs__reply_too_large(400, "HTTP: Request Body Too Large\n"));
    assert_false(llmobs__reply_too_large(400, "{\"error\":\"Invalid content type\"}"));
    assert_false(llmobs__reply_too_large(400, NULL));
    assert_false(llmobs__reply_too_large(500, "request body too large"));
    assert_false(llmobs__reply_too_large(200, "request body too large"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_after_accepts_delay_seconds),
        cmocka_unit_test(retry_after_accepts_http_dates),
        cmocka_unit_test(retry_after_rejects_garbage),
        cmocka_unit_test(gzip_round_trips),
        cmocka_unit_test(gzip_of_a_large_body_checks_out),
        cmocka_unit_test(redact_replaces_every_registered_secret),
        cmocka_unit_test(url_helpers_join_paths_and_hide_credentials),
        cmocka_unit_test(server_message_reads_json_errors_or_the_raw_body),
        cmocka_unit_test(too_large_replies_are_413_or_a_collectors_400),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
