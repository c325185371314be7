/* The queue and flusher through the callback exporter: flush triggers, bounds, retries,
 * splitting, masking, deadlines, exactly-once hand-off and shutdown under load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void end_traces(llmobs_client *c, int n)
{
    for (int i = 0; i < n; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
        assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    }
}

static void batch_is_sent_when_flush_at_items_are_queued(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 5, 3600), NULL);
    end_traces(c, 4);
    assert_int_equal(capture_wait_spans(&cap, 1, 200), 0); /* below flush_at: nothing yet */
    end_traces(c, 1);
    assert_int_equal(capture_wait_spans(&cap, 5, 5000), 5);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void batch_is_sent_when_the_interval_passes(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 0.2), NULL);
    int64_t start = mono_ms();
    end_traces(c, 3);
    assert_int_equal(capture_wait_spans(&cap, 3, 5000), 3);
    assert_true(mono_ms() - start >= 190);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

/* An idle flusher ticks every interval instead of being woken by the first item of a quiet
 * spell: an item enqueued between two ticks is still sent one interval after its enqueue,
 * neither at the next tick (too early) nor a tick later. */
static void item_enqueued_while_the_flusher_idles_is_sent_one_interval_later(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 1.2), NULL);
    /* Not a wait for a condition: it places the enqueue 0.4 s into the idle flusher's first
     * 1.2 s tick, so that the tick comes 0.8 s after the enqueue, before the items are due. */
    struct timespec into_the_tick = {0, 400 * 1000000L};
    nanosleep(&into_the_tick, NULL);
    int64_t start = mono_ms();
    end_traces(c, 2);
    assert_int_equal(capture_wait_spans(&cap, 2, 10000), 2);
    int64_t took = mono_ms() - start;
    assert_true(took >= 1150); /* the coarse clock stamps items up to a few ms early */
    const char *scale = getenv("LLMOBS_TEST_TIME_SCALE");        /* raised under valgrind */
    assert_true(took < 1200 + 1100 * (scale ? atoi(scale) : 1)); /* not a second tick later */
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void flush_sends_immediately_and_reports_nothing_pending(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 7);
    uint64_t pending = 99;
    assert_int_equal(llmobs_flush(c, 5000, &pending), LLMOBS_OK);
    assert_int_equal(pending, 0);
    assert_int_equal(capture_count(&cap), 7);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 7);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void full_queue_drops_and_counts_queue_full(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true; /* hold the flusher inside the exporter */
    llmobs_options *o = capture_options(&cap, 1, 3600);
    llmobs_options_set(o, "max_queue_items", "10");
    llmobs_client *c = llmobs_client_new(o, NULL);
    end_traces(c, 1);
    assert_true(capture_wait_blocked(&cap, 1, 5000)); /* that one is in flight */
    end_traces(c, 25);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_QUEUE_FULL), 15);
    assert_int_equal(client_stat(c, LLMOBS_STAT_QUEUE_ITEMS), 10);
    capture_unblock(&cap);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 11);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 26);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED) + client_stat(c, LLMOBS_STAT_DROPPED),
                     26);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void queue_is_bounded_by_bytes(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_options *o = capture_options(&cap, 1, 3600);
    llmobs_options_set(o, "max_queue_bytes", "20000");
    llmobs_client *c = llmobs_client_new(o, NULL);
    end_traces(c, 1);
    assert_true(capture_wait_blocked(&cap, 1, 5000));
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 10; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "big", NULL);
        llmobs_trace_set_input(t, big);
        llmobs_trace_end(t);
    }
    uint64_t full = client_dropped(c, LLMOBS_DROP_QUEUE_FULL);
    /* ~4.7 KB each (input, span, trace snapshot) against 20 KB, less the batch in flight (the
     * first span and its serialized body, which the bound covers too). */
    assert_true(full >= 6 && full <= 7);
    assert_true(client_stat(c, LLMOBS_STAT_QUEUE_BYTES) <= 20000);
    capture_unblock(&cap);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void flush_with_a_stuck_exporter_returns_at_the_deadline_with_pending_count(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 12);
    uint64_t pending = 0;
    int64_t start = mono_ms();
    assert_int_equal(llmobs_flush(c, 300, &pending), LLMOBS_ETIMEOUT);
    int64_t took = mono_ms() - start;
    assert_true(took >= 295 && took < 2000);
    assert_int_equal(pending, 12);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 12);
    capture_unblock(&cap);
    assert_int_equal(llmobs_flush(c, 5000, &pending), LLMOBS_OK);
    assert_int_equal(pending, 0);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void retryable_failures_are_retried_then_delivered_once(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.fail_first = 2;
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 4);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 4);
    assert_int_equal(cap.calls, 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_RETRIES), 2);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 4);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void retries_stop_at_max_retries_and_count_retries_exhausted(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.answer = LLMOBS_EXPORT_RETRY;
    llmobs_options *o = capture_options(&cap, 1000, 3600);
    llmobs_options_set(o, "max_retries", "2");
    llmobs_client *c = llmobs_client_new(o, NULL);
    end_traces(c, 3);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(cap.calls, 3);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void final_failure_is_not_retried_and_counts_rejected(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.answer = LLMOBS_EXPORT_FAIL;
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 5);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_REJECTED), 5);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void too_large_batches_are_split_until_they_fit(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.max_items = 3;
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 20);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 20);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 20);
    assert_true(cap.batches >= 7);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void batches_are_capped_by_serialized_bytes(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 3600);
    llmobs_options_set(o, "max_batch_bytes", "4096");
    llmobs_client *c = llmobs_client_new(o, NULL);
    char text[1500];
    memset(text, 'y', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (int i = 0; i < 10; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "sized", NULL);
        llmobs_trace_set_input(t, text);
        llmobs_trace_end(t);
    }
    llmobs_trace *huge = llmobs_trace_start(c, "huge", NULL);
    char *big = malloc(8192);
    memset(big, 'z', 8191);
    big[8191] = '\0';
    llmobs_trace_set_input(huge, big);
    llmobs_trace_set_metadata(huge, "blob", big);
    /* A span whose own name is larger than a request cannot be saved by truncation. */
    char *name = malloc(6000);
    memset(name, 'n', 5999);
    name[5999] = '\0';
    llmobs_trace_end(llmobs_trace_start(c, name, NULL));
    free(name);
    free(big);
    llmobs_trace_end(huge);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 11);
    assert_true(cap.batches >= 5);
    /* The oversized span goes out with its content replaced by Langfuse's marker. */
    const cJSON *h = find_span_by_name(cap.spans, "huge");
    assert_string_equal(span_attr_str(h, "langfuse.observation.input"),
                        "\"<truncated due to size exceeding limit>\"");
    assert_null(strstr(span_attr_str(h, "langfuse.trace.metadata")
                           ? span_attr_str(h, "langfuse.trace.metadata")
                           : "",
                       "zzzz"));
    assert_int_equal(client_stat(c, LLMOBS_STAT_TRUNCATED), 2); /* huge, and the name attempt */
    assert_int_equal(client_dropped(c, LLMOBS_DROP_TOO_LARGE), 1);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void a_span_the_receiver_finds_too_large_alone_is_sent_truncated(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.max_body = 3000; /* the receiver's limit, far below max_batch_bytes */
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    char text[5000];
    memset(text, 'q', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    llmobs_trace *t = llmobs_trace_start(c, "big-for-the-receiver", NULL);
    llmobs_trace_set_output(t, text);
    llmobs_trace_end(t);
    end_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 3); /* split first, then the big one truncated */
    const cJSON *s = find_span_by_name(cap.spans, "big-for-the-receiver");
    assert_string_equal(span_attr_str(s, "langfuse.observation.output"),
                        "\"<truncated due to size exceeding limit>\"");
    assert_int_equal(client_stat(c, LLMOBS_STAT_TRUNCATED), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 3);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static int mask_redact(const char *field, const char *value, char *out, size_t cap, size_t *len,
                       void *ud)
{
    (void)ud;
    if (strstr(value, "fail")) return -1;
    const char *masked = strcmp(field, "metadata") == 0 ? "{\"masked\":true}" : "[REDACTED]";
    *len = strlen(masked);
    if (*len + 1 > cap) return 1;
    memcpy(out, masked, *len + 1);
    return 0;
}

static void mask_applies_to_input_output_and_metadata_and_failures_mask_fully(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 3600);
    llmobs_options_set_mask_callback(o, mask_redact, NULL);
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "masked", NULL);
    llmobs_trace_set_input(t, "my ssn is 123");
    llmobs_trace_set_output(t, "please fail");
    llmobs_trace_set_metadata(t, "k", "v");
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    const cJSON *s = find_span_by_name(cap.spans, "masked");
    assert_string_equal(span_attr_str(s, "langfuse.observation.input"), "\"[REDACTED]\"");
    assert_string_equal(span_attr_str(s, "langfuse.observation.output"),
                        "\"<fully masked due to failed mask function>\"");
    assert_string_equal(span_attr_str(s, "langfuse.trace.metadata"), "{\"masked\":true}");
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void sampled_out_traces_are_counted_not_exported(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 3600);
    llmobs_options_set(o, "sample_rate", "0");
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "unsampled", NULL);
    assert_int_equal(llmobs_trace_is_sampled(t), 0);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    assert_non_null(g);
    assert_int_equal(llmobs_obs_set_model(g, "gpt-4o"), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(g), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(g), LLMOBS_ESTATE);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SAMPLED_OUT), 2);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void disabled_client_hands_out_working_handles(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 3600);
    llmobs_options_set(o, "enabled", "false");
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "off", NULL);
    assert_non_null(t);
    char tp[56];
    assert_int_equal(llmobs_trace_traceparent(t, tp, sizeof tp), LLMOBS_OK);
    assert_string_equal(tp + 52, "-00"); /* not sampled */
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_DISABLED), 1);
    assert_int_equal(capture_count(&cap), 0);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

typedef struct {
    llmobs_client *client;
    int traces;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < p->traces; i++) {
        llmobs_trace *t = llmobs_trace_start(p->client, "load", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
        llmobs_obs_set_usage(g, 10, 20);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
    return NULL;
}

static void many_threads_hand_over_every_span_exactly_once(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 15, 0.05), NULL);
    enum { THREADS = 8, PER = 500 };
    pthread_t th[THREADS];
    producer p = {c, PER};
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, produce, &p);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(llmobs_flush(c, 30000, NULL), LLMOBS_OK);
    size_t n = capture_count(&cap);
    assert_int_equal(n, 2 * THREADS * PER);
    /* No duplicates: every spanId distinct. */
    cJSON *seen = cJSON_CreateObject();
    const cJSON *s;
    cJSON_ArrayForEach(s, cap.spans)
    {
        const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
        assert_null(cJSON_GetObjectItem(seen, id));
        cJSON_AddTrueToObject(seen, id);
    }
    cJSON_Delete(seen);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), n);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), n);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

typedef struct {
    llmobs_client *client;
    llmobs_trace *traces[200];
    int n;
} late_ender;

static void *end_late(void *arg)
{
    late_ender *e = arg;
    for (int i = 0; i < e->n; i++)
        llmobs_trace_end(e->traces[i]);
    return NULL;
}

static void shutdown_while_other_threads_still_end_observations_is_safe_and_counted(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 10, 3600), NULL);
    late_ender enders[4];
    for (int k = 0; k < 4; k++) {
        enders[k].client = c;
        enders[k].n = 200;
        for (int i = 0; i < 200; i++)
            enders[k].traces[i] = llmobs_trace_start(c, "racing", NULL);
    }
    /* An open trace keeps the client's memory (and counters) alive after shutdown. */
    llmobs_trace *keeper = llmobs_trace_start(c, "keeper", NULL);
    pthread_t th[4];
    for (int k = 0; k < 4; k++)
        pthread_create(&th[k], NULL, end_late, &enders[k]);
    llmobs_status st = llmobs_shutdown(c, 2000);
    assert_true(st == LLMOBS_OK || st == LLMOBS_ETIMEOUT);
    for (int k = 0; k < 4; k++)
        pthread_join(th[k], NULL);
    uint64_t exported = client_stat(c, LLMOBS_STAT_EXPORTED);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 800);
    assert_int_equal(exported, capture_count(&cap));
    assert_int_equal(exported + client_dropped(c, LLMOBS_DROP_SHUTDOWN), 800);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 0);
    assert_int_equal(llmobs_trace_end(keeper), LLMOBS_OK); /* frees the client */
    capture_destroy(&cap);
}

static void shutdown_drops_what_a_stuck_exporter_holds_at_the_deadline(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.answer = LLMOBS_EXPORT_RETRY; /* never succeeds: retried with backoff */
    llmobs_client *c = llmobs_client_new(capture_options(&cap, 1000, 3600), NULL);
    end_traces(c, 6);
    int64_t start = mono_ms();
    assert_int_equal(llmobs_shutdown(c, 300), LLMOBS_ETIMEOUT);
    assert_true(mono_ms() - start < 3000);
    capture_destroy(&cap);
}

/* The queue is a ring that grows: items queued while the flusher holds a batch wrap around the
 * ring's end, then the ring grows with them in it (twice here). They still go out once each,
 * in the order they were queued. */
static void the_queue_keeps_its_order_as_it_wraps_and_grows(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_options *o = capture_options(&cap, 10, 3600);
    llmobs_options_set(o, "max_batch_items", "10");
    llmobs_client *c = start_client(o);
    enum { TRACES = 210 };
    char name[16];
    for (int i = 0; i < TRACES; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(llmobs_trace_end(llmobs_trace_start(c, name, NULL)), LLMOBS_OK);
        if (i == 9) assert_true(capture_wait_blocked(&cap, 1, 5000)); /* t0..t9 in flight */
    }
    assert_int_equal(client_stat(c, LLMOBS_STAT_QUEUE_ITEMS), TRACES - 10);
    capture_unblock(&cap);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), TRACES);
    for (int i = 0; i < TRACES; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cap.spans, i), "name")->valuestring, name);
    }
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), TRACES);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_is_sent_when_flush_at_items_are_queued),
        cmocka_unit_test(batch_is_sent_when_the_interval_passes),
        cmocka_unit_test(item_enqueued_while_the_flusher_idles_is_sent_one_interval_later),
        cmocka_unit_test(flush_sends_immediately_and_reports_nothing_pending),
        cmocka_unit_test(full_queue_drops_and_counts_queue_full),
        cmocka_unit_test(queue_is_bounded_by_bytes),
        cmocka_unit_test(flush_with_a_stuck_exporter_returns_at_the_deadline_with_pending_count),
        cmocka_unit_test(retryable_failures_are_retried_then_delivered_once),
        cmocka_unit_test(retries_stop_at_max_retries_and_count_retries_exhausted),
        cmocka_unit_test(final_failure_is_not_retried_and_counts_rejected),
        cmocka_unit_test(too_large_batches_are_split_until_they_fit),
        cmocka_unit_test(batches_are_capped_by_serialized_bytes),
        cmocka_unit_test(a_span_the_receiver_finds_too_large_alone_is_sent_truncated),
        cmocka_unit_test(mask_applies_to_input_output_and_metadata_and_failures_mask_fully),
        cmocka_unit_test(sampled_out_traces_are_counted_not_exported),
        cmocka_unit_test(disabled_client_hands_out_working_handles),
        cmocka_unit_test(many_threads_hand_over_every_span_exactly_once),
        cmocka_unit_test(shutdown_while_other_threads_still_end_observations_is_safe_and_counted),
        cmocka_unit_test(shutdown_drops_what_a_stuck_exporter_holds_at_the_deadline),
        cmocka_unit_test(the_queue_keeps_its_order_as_it_wraps_and_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
