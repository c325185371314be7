/* Requests are filled by bytes: the flusher serializes span by span into the request body and
 * closes it before the span that would take it over max_batch_bytes, so large spans go out in
 * the fewest requests their order allows. Against a real receiver on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "http_test.h"
#include "receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPANS 512
#define INPUT_BYTES (100 * 1000)
#define MAX_BODY 3000000 /* max_batch_bytes: the default */

static const char span_key[] = "\"spanId\":\"";

/* Offset of the first span in an OTLP request body (just after "spans":[). */
static size_t spans_offset(const char *body)
{
    const char *p = strstr(body, "\"spans\":[");
    assert_non_null(p);
    return (size_t)(p - body) + strlen("\"spans\":[");
}

static int cmp_ids(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static void large_spans_fill_each_request_up_to_the_byte_limit(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    assert_non_null(r);
    llmobs_options *o = receiver_options(r, NULL, SPANS);
    llmobs_options_set(o, "debug", "false");
    llmobs_options_set_int(o, "max_batch_items", SPANS);
    llmobs_options_set_int(o, "max_batch_bytes", MAX_BODY);
    llmobs_client *c = start_client(o);
    char *input = malloc(INPUT_BYTES + 1);
    assert_non_null(input);
    memset(input, 'x', INPUT_BYTES);
    input[INPUT_BYTES] = '\0';
    for (int i = 0; i < SPANS; i++) { /* identical sizes: one root span per trace */
        llmobs_trace *t = llmobs_trace_start(c, "big", NULL);
        assert_int_equal(llmobs_trace_set_input(t, input), LLMOBS_OK);
        assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    }
    free(input);
    assert_int_equal(llmobs_flush(c, 60000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), SPANS);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_TRUNCATED), 0);

    size_t nreq = receiver_request_count(r);
    char(*ids)[16] = calloc(SPANS + 1, 16);
    size_t nids = 0, span_len = 0, head_len = 0;
    for (size_t i = 0; i < nreq; i++) {
        const recv_request *q = receiver_request(r, i);
        assert_int_equal(q->status, 200);
        assert_true(q->len <= MAX_BODY);
        assert_true(q->spans > 0);
        /* every span serializes to the same length: the body's length gives it */
        size_t off = spans_offset(q->body);
        size_t each = (q->len - off - strlen("]}]}]}") - (size_t)(q->spans - 1)) / (size_t)q->spans;
        if (!span_len) {
            span_len = each;
            head_len = off;
        }
        assert_int_equal(each, span_len);
        assert_int_equal(off, head_len);
        for (const char *p = q->body; (p = strstr(p, span_key)) != NULL; p += 16) {
            p += strlen(span_key);
            assert_true(nids < SPANS);
            memcpy(ids[nids++], p, 16);
        }
    }
    /* The byte-packed minimum, from the exact sizes. */
    size_t per = (MAX_BODY - head_len - strlen("]}]}]}") + 1) / (span_len + 1);
    size_t minimum = (SPANS + per - 1) / per;
    printf("[ batching ] %zu requests of up to %zu spans of %zu bytes (byte-packed minimum %zu)\n",
           nreq, per, span_len, minimum);
    assert_int_equal(nreq, minimum);
    /* Each request but the last is full: one more span would take it over the limit. */
    for (size_t i = 0; i + 1 < nreq; i++)
        assert_true(receiver_request(r, i)->len + 1 + span_len > MAX_BODY);
    /* Every span once. */
    assert_int_equal(nids, SPANS);
    qsort(ids, nids, 16, cmp_ids);
    for (size_t i = 1; i < nids; i++)
        assert_true(memcmp(ids[i - 1], ids[i], 16) != 0);
    free(ids);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

/* A span larger than a request alone is truncated and sent on its own, as before; the spans
 * around it still share requests. */
static void a_span_over_the_limit_alone_goes_truncated_and_the_rest_packed(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    assert_non_null(r);
    llmobs_options *o = receiver_options(r, NULL, 5);
    llmobs_options_set(o, "debug", "false");
    llmobs_options_set_int(o, "max_batch_bytes", 20000);
    llmobs_client *c = start_client(o);
    char *big = malloc(30001);
    assert_non_null(big);
    memset(big, 'y', 30000);
    big[30000] = '\0';
    for (int i = 0; i < 5; i++) {
        llmobs_trace *t = llmobs_trace_start(c, i == 2 ? "huge" : "small", NULL);
        if (i == 2) llmobs_trace_set_input(t, big);
        llmobs_trace_end(t);
    }
    free(big);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 5);
    assert_int_equal(client_stat(c, LLMOBS_STAT_TRUNCATED), 1);
    size_t nreq = receiver_request_count(r);
    int total = 0;
    for (size_t i = 0; i < nreq; i++) {
        const recv_request *q = receiver_request(r, i);
        assert_true(q->len <= 20000);
        total += q->spans;
    }
    assert_int_equal(total, 5);
    assert_int_equal(nreq, 2); /* the truncated span alone, the four others together */
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(large_spans_fill_each_request_up_to_the_byte_limit),
        cmocka_unit_test(a_span_over_the_limit_alone_goes_truncated_and_the_rest_packed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
