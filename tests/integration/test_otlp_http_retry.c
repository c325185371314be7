/* OTLP/HTTP exporter, how answers are handled (reference/otlp-json.md §4): retries on
 * 429/502/503/504 (and 500 from Langfuse) and connection failures with Retry-After honoured,
 * no retry on other statuses, 413 (and a collector's 400 "request body too large") splitting,
 * partialSuccess, and never resending what a destination took. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "capture.h"
#include "receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every accepted span arrived once; returns how many there were. */
static size_t assert_no_duplicates(receiver *r)
{
    cJSON *spans = receiver_accepted_spans(r);
    cJSON *seen = cJSON_CreateObject();
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
        if (cJSON_GetObjectItem(seen, id)) fail_msg("span %s arrived twice", id);
        cJSON_AddTrueToObject(seen, id);
    }
    size_t n = (size_t)cJSON_GetArraySize(spans);
    cJSON_Delete(seen);
    cJSON_Delete(spans);
    return n;
}

static void retries_on_503_and_delivers(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.status = 503, .body = "{\"message\":\"overloaded\"}"});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 3);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2);
    assert_int_equal(receiver_request(r, 0)->status, 503);
    assert_int_equal(receiver_request(r, 1)->status, 200);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 6);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 1);
    assert_int_equal(assert_no_duplicates(r), 6);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void retries_on_502_and_504(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.status = 502, .retry_after = "0"});
    receiver_push(r, (recv_answer){.status = 504, .retry_after = "0"});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 2);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 2);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

/* The gap between the answer to request 0 and the arrival of request 1. */
static int64_t retry_gap_ms(receiver *r)
{
    return receiver_request(r, 1)->start_ms - receiver_request(r, 0)->end_ms;
}

static void honours_retry_after_seconds_on_429(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.status = 429, .retry_after = "1", .body = "rate limited"});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2);
    int64_t gap = retry_gap_ms(r);
    print_message("429 Retry-After: 1 -> retried after %lld ms\n", (long long)gap);
    assert_true(gap >= 999); /* ms clocks truncate: 1000 ms can read as 999 */
    assert_true(gap < 2500); /* and not much later */
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 4);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void honours_retry_after_http_date_on_503(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    char date[64];
    time_t at = time(NULL) + 2;
    struct tm tm;
    gmtime_r(&at, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    receiver_push(r, (recv_answer){.status = 503, .retry_after = date});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2);
    int64_t gap = retry_gap_ms(r);
    print_message("503 Retry-After: <now+2s date> -> retried after %lld ms\n", (long long)gap);
    assert_true(gap >= 999); /* a whole-second date two seconds ahead is >= 1 s away */
    assert_true(gap < 3500);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

/* A Retry-After of ~317 years (the parser takes up to ~1e10 s) overflowed ms -> ns into a
 * negative delay: the client retried at once, again and again. Now it is beyond the retry
 * deadline, so the payload is given up on after the one answer. */
static void a_retry_after_beyond_the_retry_deadline_gives_up_without_retrying(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 429, .retry_after = "9999999999"});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 1);
    int64_t t0 = test_mono_ms();
    llmobs_flush(c, 20000, NULL);
    int64_t took = test_mono_ms() - t0;
    print_message("Retry-After: 9999999999 -> %zu requests in %lld ms\n", receiver_request_count(r),
                  (long long)took);
    assert_int_equal(receiver_request_count(r), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED), 2);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void no_retry_on_client_errors(int status, const char *body, const char *logged)
{
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = status, .body = body});
    logcap lc;
    logcap_init(&lc);
    llmobs_client *c = start_client(receiver_options(r, &lc, 100));
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 4);
    char want[128];
    snprintf(want, sizeof want, "HTTP %d: %s", status, logged);
    if (logcap_count(&lc, want, LLMOBS_LOG_ERROR) != 1) fail_msg("no error line with '%s'", want);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

static void no_retry_on_400_and_server_message_logged(void **state)
{
    (void)state;
    no_retry_on_client_errors(400, "{\"error\":\"Invalid content type\"}", "Invalid content type");
}

static void no_retry_on_401_and_server_message_logged(void **state)
{
    (void)state;
    no_retry_on_client_errors(401, "{\"message\":\"Invalid credentials\"}", "Invalid credentials");
}

static void no_retry_on_403_and_raw_text_body_logged(void **state)
{
    (void)state;
    no_retry_on_client_errors(403, "ingestion suspended\n(usage cap)",
                              "ingestion suspended (usage cap)");
}

/* Langfuse answers transient failures of its queue or blob storage on the OTLP route with
 * HTTP 500 (web/src/features/public-api/server/withMiddlewares.ts:196): the Langfuse
 * destination retries a 500 like a 503, with the same bounded backoff. */
static void langfuse_destination_retries_500_with_backoff(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    const char *body = "{\"message\":\"Failed to upload events to blob storage\"}";
    receiver_push(r, (recv_answer){.status = 500, .body = body});
    receiver_push(r, (recv_answer){.status = 500, .body = body});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 3);
    assert_int_equal(receiver_request(r, 0)->status, 500);
    assert_int_equal(receiver_request(r, 1)->status, 500);
    assert_int_equal(receiver_request(r, 2)->status, 200);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 4);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 2);
    assert_int_equal(assert_no_duplicates(r), 4);
    /* full-jitter backoff: the second retry waits at most 400 ms (200 ms doubling) */
    int64_t gap = receiver_request(r, 2)->start_ms - receiver_request(r, 1)->end_ms;
    print_message("500 -> retried after %lld ms\n", (long long)gap);
    assert_true(gap <= test_slack_ms(400) + 100);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

/* ... and bounded: after max_retries the batch is given up, counted retries_exhausted. */
static void langfuse_500_that_persists_gives_up_after_max_retries(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 500, .body = "{\"message\":\"queue\"}"});
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set_int(o, "max_retries", 2);
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 2);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED), 4);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 0);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

/* A generic OTLP destination keeps the OTLP rule (otlp-json.md §4): only 429, 502, 503 and
 * 504 are retryable; a 500 is final. */
static void otlp_destination_does_not_retry_500(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(
        r, (recv_answer){.status = 500, .body = "{\"code\":13,\"message\":\"internal\"}"});
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "otlp_endpoint", receiver_url(r));
    llmobs_options_set_int(o, "flush_at", 100);
    llmobs_options_set_double(o, "flush_interval", 60);
    llmobs_options_set_log_callback(o, logcap_fn, &lc);
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 4);
    assert_int_equal(logcap_count(&lc, "HTTP 500: internal", LLMOBS_LOG_ERROR), 1);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

/* An OpenTelemetry Collector answers a body over its max_request_body_size (20 MiB by
 * default, after decompression) with 400 and Go's "http: request body too large", not 413.
 * This stand-in does the same above `max_spans` spans. */
static char *collector_too_large(const recv_request *q, int *status, void *ud)
{
    int max_spans = *(const int *)ud;
    if (q->spans > max_spans) {
        *status = 400;
        return strdup("{\"code\":3,\"message\":\"http: request body too large\"}");
    }
    return strdup("{}");
}

static void a_400_request_body_too_large_splits_like_413(bool langfuse)
{
    receiver *r = receiver_start(0);
    int max_spans = 5;
    receiver_set_responder(r, collector_too_large, &max_spans);
    llmobs_options *o;
    if (langfuse) {
        o = receiver_options(r, NULL, 100);
    } else {
        o = llmobs_options_new();
        llmobs_options_set(o, "otlp_endpoint", receiver_url(r));
        llmobs_options_set_int(o, "flush_at", 100);
        llmobs_options_set_double(o, "flush_interval", 60);
    }
    llmobs_client *c = start_client(o);
    make_traces(c, 10); /* 20 spans: 20 -> 10 -> 5 */
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < receiver_request_count(r); i++) {
        const recv_request *q = receiver_request(r, i);
        if (q->status == 400) refused++;
        if (q->status == 200) {
            accepted++;
            assert_true(q->spans <= max_spans);
        }
    }
    assert_int_equal(refused, 3); /* the 20 and both 10s */
    assert_int_equal(accepted, 4);
    assert_int_equal(assert_no_duplicates(r), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void otlp_400_request_body_too_large_splits_like_413(void **state)
{
    (void)state;
    a_400_request_body_too_large_splits_like_413(false);
}

static void langfuse_400_request_body_too_large_splits_like_413(void **state)
{
    (void)state;
    a_400_request_body_too_large_splits_like_413(true);
}

static void split_on_413_until_it_fits(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_max_spans(r, 5);
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 10); /* 20 spans: 20 -> 10 -> 5 */
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    size_t too_large = 0, accepted = 0;
    for (size_t i = 0; i < receiver_request_count(r); i++) {
        const recv_request *q = receiver_request(r, i);
        if (q->status == 413) too_large++;
        if (q->status == 200) {
            accepted++;
            assert_true(q->spans <= 5);
        }
    }
    assert_int_equal(too_large, 3); /* the 20 and both 10s */
    assert_int_equal(accepted, 4);
    assert_int_equal(assert_no_duplicates(r), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void partial_success_counts_rejected_spans(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.body = "{\"partialSuccess\":{\"rejectedSpans\":\"3\","
                                           "\"errorMessage\":\"3 spans had bad attributes\"}}"});
    receiver_push(r, (recv_answer){.body = "{\"partialSuccess\":{\"rejectedSpans\":1}}"});
    logcap lc;
    logcap_init(&lc);
    llmobs_client *c = start_client(receiver_options(r, &lc, 100));
    make_traces(c, 5);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2); /* partial success is never retried */
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 7 + 1);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 3 + 1);
    assert_int_equal(logcap_count(&lc, "3 spans had bad attributes", LLMOBS_LOG_WARN), 1);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

static void success_with_a_body_that_is_not_json_counts_as_exported(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.body = "OK"});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 4);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void receiver_down_then_up_is_retried_and_delivered(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    int port = receiver_port(r);
    char url[64];
    snprintf(url, sizeof url, "%s", receiver_url(r));
    receiver_stop(r); /* connection refused from now on */
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = receiver_options(NULL, &lc, 100);
    llmobs_options_set(o, "base_url", url);
    llmobs_client *c = start_client(o);
    make_traces(c, 3);
    uint64_t pending = 0;
    assert_int_equal(llmobs_flush(c, 0, &pending), LLMOBS_ETIMEOUT); /* starts the send */
    assert_int_equal(pending, 6);
    assert_true(wait_stat(c, LLMOBS_STAT_RETRIES, 1, 10000));
    assert_true(logcap_count(&lc, "Connection refused", LLMOBS_LOG_DEBUG) +
                    logcap_count(&lc, "connect", LLMOBS_LOG_DEBUG) >=
                1);
    r = receiver_start(port);
    assert_non_null(r);
    assert_int_equal(llmobs_flush(c, 30000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 6);
    assert_int_equal(assert_no_duplicates(r), 6);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

static void connection_reset_is_retried(recv_drop how)
{
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.drop = how});
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 4);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request(r, 0)->status, 0);
    assert_true(client_stat(c, LLMOBS_STAT_RETRIES) >= 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 8);
    assert_int_equal(assert_no_duplicates(r), 8);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void connection_reset_mid_request_is_retried(void **state)
{
    (void)state;
    connection_reset_is_retried(RECV_DROP_MID_BODY);
}

static void connection_closed_without_answer_is_retried(void **state)
{
    (void)state;
    connection_reset_is_retried(RECV_DROP_AFTER_BODY);
}

static void request_timeout_is_retried(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.delay_ms = 3000});
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set(o, "timeout", "0.3");
    llmobs_client *c = start_client(o);
    make_traces(c, 1);
    int64_t t0 = test_mono_ms();
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_true(test_mono_ms() - t0 < 2500); /* did not wait for the slow answer */
    assert_true(client_stat(c, LLMOBS_STAT_RETRIES) >= 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 2);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void destination_that_accepted_is_not_sent_again_when_the_other_retries(void **state)
{
    (void)state;
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    receiver_push(ot, (recv_answer){.status = 503, .retry_after = "0"});
    receiver_push(ot, (recv_answer){.status = 429, .retry_after = "0"});
    llmobs_options *o = receiver_options(lf, NULL, 100);
    llmobs_options_set(o, "otlp_endpoint", receiver_url(ot));
    llmobs_client *c = start_client(o);
    make_traces(c, 3);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(lf), 1);
    assert_int_equal(receiver_request_count(ot), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 2);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 6);
    assert_int_equal(assert_no_duplicates(lf), 6);
    assert_int_equal(assert_no_duplicates(ot), 6);
    /* the next batch goes to both again */
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(lf), 2);
    assert_int_equal(receiver_request_count(ot), 4);
    llmobs_shutdown(c, 5000);
    receiver_stop(lf);
    receiver_stop(ot);
}

static void split_for_one_destination_is_not_resent_to_the_other(void **state)
{
    (void)state;
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    receiver_set_max_spans(ot, 5);
    llmobs_options *o = receiver_options(lf, NULL, 100);
    llmobs_options_set(o, "otlp_endpoint", receiver_url(ot));
    llmobs_client *c = start_client(o);
    make_traces(c, 10);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(lf), 1);
    assert_int_equal(assert_no_duplicates(lf), 20);
    assert_int_equal(assert_no_duplicates(ot), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 20);
    llmobs_shutdown(c, 5000);
    receiver_stop(lf);
    receiver_stop(ot);
}

static void final_refusal_by_one_destination_counts_the_batch_rejected(void **state)
{
    (void)state;
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    receiver_set_default(ot, (recv_answer){.status = 400, .body = "{\"error\":\"bad\"}"});
    llmobs_options *o = receiver_options(lf, NULL, 100);
    llmobs_options_set(o, "otlp_endpoint", receiver_url(ot));
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_span_count(lf), 4);
    assert_int_equal(receiver_request_count(ot), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 4);
    llmobs_shutdown(c, 5000);
    receiver_stop(lf);
    receiver_stop(ot);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retries_on_503_and_delivers),
        cmocka_unit_test(retries_on_502_and_504),
        cmocka_unit_test(honours_retry_after_seconds_on_429),
        cmocka_unit_test(a_retry_after_beyond_the_retry_deadline_gives_up_without_retrying),
        cmocka_unit_test(honours_retry_after_http_date_on_503),
        cmocka_unit_test(no_retry_on_400_and_server_message_logged),
        cmocka_unit_test(no_retry_on_401_and_server_message_logged),
        cmocka_unit_test(no_retry_on_403_and_raw_text_body_logged),
        cmocka_unit_test(langfuse_destination_retries_500_with_backoff),
        cmocka_unit_test(langfuse_500_that_persists_gives_up_after_max_retries),
        cmocka_unit_test(otlp_destination_does_not_retry_500),
        cmocka_unit_test(otlp_400_request_body_too_large_splits_like_413),
        cmocka_unit_test(langfuse_400_request_body_too_large_splits_like_413),
        cmocka_unit_test(split_on_413_until_it_fits),
        cmocka_unit_test(partial_success_counts_rejected_spans),
        cmocka_unit_test(success_with_a_body_that_is_not_json_counts_as_exported),
        cmocka_unit_test(receiver_down_then_up_is_retried_and_delivered),
        cmocka_unit_test(connection_reset_mid_request_is_retried),
        cmocka_unit_test(connection_closed_without_answer_is_retried),
        cmocka_unit_test(request_timeout_is_retried),
        cmocka_unit_test(destination_that_accepted_is_not_sent_again_when_the_other_retries),
        cmocka_unit_test(split_for_one_destination_is_not_resent_to_the_other),
        cmocka_unit_test(final_refusal_by_one_destination_counts_the_batch_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
