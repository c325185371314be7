/* Legacy Langfuse exporter, how answers are handled (reference/langfuse-ingestion.md §5):
 * every 207 reply is read per event (5xx events resent under the same id and nothing else,
 * 4xx events counted as rejected and logged); whole-request 400/401/403 final, 429 retried,
 * 413 split without resending accepted events; the request size cap and the per-event limit;
 * no secret in any log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "core/log.h"
#include "core/options.h"
#include "export/exporter.h"
#include "ingestion_test.h"
#include "spool_test.h"

#include <llmobs/llmobs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_ID "0af7651916cd43dd8448eb211c80319c"
#define TOKEN "cGstbGYtMTIzNDU2Nzg5MDpzay1sZi1UT1BTRUNSRVQtMDk4NzY1NDMyMQ=="

typedef struct env {
    receiver *r;
    ingestion_server srv;
    logcap lc;
    llmobs_client *c;
} env;

/* max_batch_bytes, max_retries: 0 and -1 for the defaults; spool_dir: NULL for none. */
static void start_opts(env *e, int max_batch_bytes, int max_retries, const char *spool_dir)
{
    clear_env();
    ingestion_server_init(&e->srv);
    logcap_init(&e->lc);
    e->r = receiver_start(0);
    receiver_set_responder(e->r, ingestion_respond, &e->srv);
    llmobs_options *o = ingestion_options(e->r, &e->lc, 1000);
    if (max_batch_bytes) llmobs_options_set_int(o, "max_batch_bytes", max_batch_bytes);
    if (max_retries >= 0) llmobs_options_set_int(o, "max_retries", max_retries);
    if (spool_dir) llmobs_options_set(o, "spool_dir", spool_dir);
    e->c = llmobs_client_new(o, NULL);
    if (!e->c) fail_msg("client: %s", llmobs_last_error());
}

static void start_with(env *e, int max_batch_bytes)
{
    start_opts(e, max_batch_bytes, -1, NULL);
}

static void start(env *e)
{
    start_with(e, 0);
}

static void stop(env *e)
{
    llmobs_shutdown(e->c, 5000);
    receiver_stop(e->r);
    ingestion_server_destroy(&e->srv);
    logcap_destroy(&e->lc);
}

/* The event ids of request i, as one space-separated string. */
static char *request_event_ids(receiver *r, size_t i)
{
    cJSON *req = cJSON_Parse(receiver_request(r, i)->body);
    static char out[4096];
    out[0] = '\0';
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(req, "batch"))
    {
        if (out[0]) strcat(out, " ");
        strcat(out, cJSON_GetObjectItem(ev, "id")->valuestring);
    }
    cJSON_Delete(req);
    return out;
}

/* One trace, a root span and two generations; writes the event ids. */
typedef struct trace_ids {
    char trace_create[80], root[80], gen1[80], gen2[80];
} trace_ids;

static void one_trace(llmobs_client *c, trace_ids *ids)
{
    llmobs_trace *t = llmobs_trace_start_with_id(c, "request", TRACE_ID, NULL, NULL);
    char root[17], g1[17], g2[17];
    llmobs_trace_span_id(t, root, sizeof root);
    llmobs_obs *a = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "first", NULL);
    llmobs_obs *b = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "second", NULL);
    llmobs_obs_id(a, g1, sizeof g1);
    llmobs_obs_id(b, g2, sizeof g2);
    llmobs_obs_end(a);
    llmobs_obs_end(b);
    llmobs_trace_end(t);
    snprintf(ids->trace_create, sizeof ids->trace_create, "%s-%s-trace-create", TRACE_ID, root);
    snprintf(ids->root, sizeof ids->root, "%s-%s-span-create", TRACE_ID, root);
    snprintf(ids->gen1, sizeof ids->gen1, "%s-%s-generation-create", TRACE_ID, g1);
    snprintf(ids->gen2, sizeof ids->gen2, "%s-%s-generation-create", TRACE_ID, g2);
}

static void per_event_5xx_is_resent_with_the_same_id_and_nothing_else(void **state)
{
    (void)state;
    env e;
    start(&e);
    trace_ids ids;
    one_trace(e.c, &ids);
    ingestion_rule(&e.srv, ids.gen1, 500, 0, "Internal Server Error");
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 2);
    assert_string_equal(request_event_ids(e.r, 1), ids.gen1);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(count_event_id(events, ids.gen1), 2); /* sent twice, same id */
    assert_int_equal(count_event_id(events, ids.gen2), 1);
    assert_int_equal(count_event_id(events, ids.root), 1);
    assert_int_equal(count_event_id(events, ids.trace_create), 1);
    cJSON_Delete(events);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 3);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_RETRIES), 1);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 0);
    stop(&e);
}

static void per_event_4xx_is_counted_as_rejected_and_its_message_logged(void **state)
{
    (void)state;
    env e;
    start(&e);
    trace_ids ids;
    one_trace(e.c, &ids);
    ingestion_rule(&e.srv, ids.gen2, 400, 0, "Invalid request data: expected number");
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 1); /* not retried */
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 2);
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 1);
    char want[256];
    snprintf(want, sizeof want, "event %s (generation-create) rejected: 400 Invalid request data",
             ids.gen2);
    if (logcap_count(&e.lc, want, LLMOBS_LOG_WARN) != 1) fail_msg("no log line '%s'", want);
    stop(&e);
}

static void mixed_207_resends_only_5xx_events_and_counts_each_rejected_item_once(void **state)
{
    (void)state;
    env e;
    start(&e);
    trace_ids ids;
    one_trace(e.c, &ids);
    ingestion_rule(&e.srv, ids.gen1, 503, 500, "busy"); /* two failures, then accepted */
    ingestion_rule(&e.srv, ids.trace_create, 400, 0, "bad trace");
    ingestion_rule(&e.srv, ids.root, 404, 0, "Resource not found");
    assert_int_equal(llmobs_flush(e.c, 30000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 3);
    assert_string_equal(request_event_ids(e.r, 1), ids.gen1);
    assert_string_equal(request_event_ids(e.r, 2), ids.gen1);
    /* the root span had two events rejected: one rejected item */
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 2);
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 1);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_RETRIES), 2);
    /* ") rejected" is the exporter's line for the event; the first retry's warning (issue 17:
     * export failures are logged when they first happen) quotes the batch outcome too. */
    assert_int_equal(logcap_count(&e.lc, ") rejected: 400 bad trace", LLMOBS_LOG_WARN), 1);
    assert_int_equal(logcap_count(&e.lc, ") rejected: 404 Resource not found", LLMOBS_LOG_WARN), 1);
    assert_int_equal(logcap_count(&e.lc, "retrying", LLMOBS_LOG_WARN), 1); /* then rate-limited */
    stop(&e);
}

static void score_event_failing_with_500_is_resent_with_the_same_event_id(void **state)
{
    (void)state;
    env e;
    start(&e);
    ingestion_rule(&e.srv, "s-42-score-create", 500, 0, "Internal Server Error");
    llmobs_score *s = llmobs_score_new("accuracy", NULL);
    llmobs_score_set_numeric(s, 0.5);
    llmobs_score_set_trace_id(s, TRACE_ID);
    llmobs_score_set_id(s, "s-42");
    assert_int_equal(llmobs_score_send(e.c, s), LLMOBS_OK);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 2);
    assert_string_equal(request_event_ids(e.r, 0), "s-42-score-create");
    assert_string_equal(request_event_ids(e.r, 1), "s-42-score-create");
    cJSON *a = cJSON_Parse(receiver_request(e.r, 0)->body);
    cJSON *b = cJSON_Parse(receiver_request(e.r, 1)->body);
    const cJSON *ea = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "batch"), 0);
    const cJSON *eb = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "batch"), 0);
    assert_string_equal(cJSON_GetObjectItem(ea, "timestamp")->valuestring,
                        cJSON_GetObjectItem(eb, "timestamp")->valuestring); /* same event */
    cJSON_Delete(a);
    cJSON_Delete(b);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 1);
    stop(&e);
}

/* The pipeline gives up on a batch (retries used up) after a 207 accepted some of its items
 * and refused another: those are counted as exported and rejected, only the item whose event
 * kept failing is undeliverable, and with a spool only that item is written and later sent. */
static void giving_up_after_a_partial_207_settles_each_item_by_what_the_server_said(bool spool)
{
    env e;
    char *dir = spool ? make_dir() : NULL;
    start_opts(&e, 0, 1, dir);
    trace_ids ids;
    one_trace(e.c, &ids);
    ingestion_rule(&e.srv, ids.gen1, 500, 503, "busy"); /* fails on both attempts */
    ingestion_rule(&e.srv, ids.gen2, 400, 0, "Invalid request data");
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 2);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_ITEMS), 3);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 1); /* the root */
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 1);
    if (!spool) {
        assert_int_equal(client_dropped(e.c, LLMOBS_DROP_RETRIES_EXHAUSTED), 1);
        assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 2);
        stop(&e);
        return;
    }
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_SPOOLED), 1);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 1);
    itemset spans = {0}, scores = {0};
    assert_int_equal(spooled_ids(dir, &spans, &scores), 1);
    assert_int_equal(spans.n, 1);
    char gen1_span[17];
    snprintf(gen1_span, sizeof gen1_span, "%.16s", ids.gen1 + strlen(TRACE_ID) + 1);
    assert_string_equal(spans.ids[0], gen1_span);
    itemset_free(&spans);
    itemset_free(&scores);
    /* The next client sends the spool file: the third arrival of gen1's event is accepted. */
    llmobs_shutdown(e.c, 5000);
    llmobs_options *o = ingestion_options(e.r, &e.lc, 1000);
    llmobs_options_set(o, "spool_dir", dir);
    e.c = start_client(o);
    assert_true(wait_stat(e.c, LLMOBS_STAT_SPOOL_RESENT, 1, 10000));
    assert_int_equal(receiver_request_count(e.r), 3);
    assert_string_equal(request_event_ids(e.r, 2), ids.gen1);
    stop(&e);
    remove_tree(dir);
    free(dir);
}

static void giving_up_after_a_partial_207_counts_accepted_and_refused_items(void **state)
{
    (void)state;
    giving_up_after_a_partial_207_settles_each_item_by_what_the_server_said(false);
}

static void giving_up_after_a_partial_207_spools_only_the_undelivered_item(void **state)
{
    (void)state;
    giving_up_after_a_partial_207_settles_each_item_by_what_the_server_said(true);
}

/* A batch of one span, the root: its trace-create is accepted and its span-create fails with
 * a 5xx; the retry is answered 413, so the pipeline truncates the span and sends it again. The
 * accepted trace-create is not sent again. */
static void a_413_after_a_partial_207_does_not_resend_the_accepted_event(void **state)
{
    (void)state;
    env e;
    start(&e);
    e.srv.request_status[1] = 413;
    llmobs_trace *t = llmobs_trace_start_with_id(e.c, "request", TRACE_ID, NULL, NULL);
    char root[17], trace_create[80], span_create[80];
    llmobs_trace_span_id(t, root, sizeof root);
    llmobs_trace_end(t);
    snprintf(trace_create, sizeof trace_create, "%s-%s-trace-create", TRACE_ID, root);
    snprintf(span_create, sizeof span_create, "%s-%s-span-create", TRACE_ID, root);
    ingestion_rule(&e.srv, span_create, 500, 0, "Internal Server Error");
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 3);
    assert_int_equal(receiver_request(e.r, 1)->status, 413);
    assert_string_equal(request_event_ids(e.r, 2), span_create);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(count_event_id(events, trace_create), 1);
    cJSON_Delete(events);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 1);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 0);
    stop(&e);
}

static void whole_request_final_status(int status, const char *body)
{
    env e;
    start(&e);
    receiver_set_responder(e.r, NULL, NULL);
    receiver_set_default(e.r, (recv_answer){.status = status, .body = body});
    make_traces(e.c, 2);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 1);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_RETRIES), 0);
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 4);
    char want[64];
    snprintf(want, sizeof want, "HTTP %d: ", status);
    if (logcap_count(&e.lc, want, LLMOBS_LOG_ERROR) != 1) fail_msg("no error line '%s'", want);
    stop(&e);
}

static void whole_request_401_is_not_retried(void **state)
{
    (void)state;
    whole_request_final_status(401, "{\"message\":\"Invalid credentials\"}");
}

static void whole_request_403_is_not_retried(void **state)
{
    (void)state;
    whole_request_final_status(403, "{\"message\":\"Ingestion suspended\"}");
}

static void whole_request_400_is_not_retried(void **state)
{
    (void)state;
    whole_request_final_status(400, "{\"message\":\"Invalid request data\"}");
}

/* A collector in front of Langfuse answers a body over its limit with 400 "http: request body
 * too large" (the OpenTelemetry Collector's max_request_body_size): too large, not refused;
 * the pipeline splits the batch and every event arrives once. */
static void whole_request_400_body_too_large_splits_the_batch(void **state)
{
    (void)state;
    env e;
    start(&e);
    receiver_push(e.r, (recv_answer){.status = 400,
                                     .body = "{\"code\":3,\"message\":\"http: request body "
                                             "too large\"}"});
    make_traces(e.c, 2);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request(e.r, 0)->status, 400);
    assert_int_equal(receiver_request_count(e.r), 3); /* then the two halves */
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(cJSON_GetArraySize(events), 2 * 3);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
        assert_int_equal(count_event_id(events, cJSON_GetObjectItem(ev, "id")->valuestring), 1);
    cJSON_Delete(events);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 4);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 0);
    stop(&e);
}

static void whole_request_429_is_retried_with_the_same_events(void **state)
{
    (void)state;
    env e;
    start(&e);
    receiver_push(e.r, (recv_answer){.status = 429, .retry_after = "0", .body = "slow down"});
    make_traces(e.c, 2);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 2);
    char first[4096];
    snprintf(first, sizeof first, "%s", request_event_ids(e.r, 0));
    assert_string_equal(request_event_ids(e.r, 1), first);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 4);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_RETRIES), 1);
    stop(&e);
}

/* Traces whose root carries a large input: it goes out twice in the ingestion form (the
 * trace's input and the root observation's), so the events outgrow the OTLP batch. */
static void big_traces(llmobs_client *c, int n)
{
    char input[3001];
    memset(input, 'q', sizeof input - 1);
    input[sizeof input - 1] = '\0';
    for (int i = 0; i < n; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "request", NULL);
        llmobs_trace_set_input(t, input);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "llm", NULL);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
}

#define CAP 16000

static void size_cap_splits_the_events_into_several_requests(void **state)
{
    (void)state;
    env e;
    start_with(&e, CAP);
    big_traces(e.c, 3);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    /* the pipeline made one OTLP batch; the exporter needed more than one request */
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_BATCHES), 1);
    size_t n = receiver_request_count(e.r);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        assert_true(receiver_request(e.r, i)->len <= CAP);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(cJSON_GetArraySize(events), 3 * 3);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
        assert_int_equal(count_event_id(events, cJSON_GetObjectItem(ev, "id")->valuestring), 1);
    cJSON_Delete(events);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 6);
    stop(&e);
}

static void request_413_splits_the_batch_and_never_resends_accepted_events(void **state)
{
    (void)state;
    env e;
    start_with(&e, CAP);
    e.srv.request_status[1] = 413; /* the second request of the batch is too large */
    big_traces(e.c, 3);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    size_t n = receiver_request_count(e.r);
    assert_true(n >= 3);
    assert_int_equal(receiver_request(e.r, 1)->status, 413);
    /* what the first request delivered never travels again */
    cJSON *req0 = cJSON_Parse(receiver_request(e.r, 0)->body);
    const cJSON *first = cJSON_GetObjectItem(req0, "batch");
    assert_true(cJSON_GetArraySize(first) > 0);
    cJSON *later = cJSON_CreateArray();
    for (size_t i = 1; i < n; i++) {
        cJSON *req = cJSON_Parse(receiver_request(e.r, i)->body);
        const cJSON *ev;
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(req, "batch"))
            cJSON_AddItemToArray(later, cJSON_Duplicate(ev, true));
        cJSON_Delete(req);
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, first)
        assert_int_equal(count_event_id(later, cJSON_GetObjectItem(ev, "id")->valuestring), 0);
    cJSON_Delete(later);
    cJSON_Delete(req0);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(cJSON_GetArraySize(events), 3 * 3); /* each accepted exactly once */
    cJSON_ArrayForEach(ev, events)
        assert_int_equal(count_event_id(events, cJSON_GetObjectItem(ev, "id")->valuestring), 1);
    cJSON_Delete(events);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_EXPORTED), 6);
    assert_int_equal(client_stat(e.c, LLMOBS_STAT_DROPPED), 0);
    stop(&e);
}

/* The exporter on its own, given an OTLP payload with one span whose event exceeds the
 * per-event limit (the pipeline's batch cap would normally keep such a payload out). */
static void event_over_the_size_limit_is_rejected_locally_and_counted(void **state)
{
    (void)state;
    clear_env();
    logcap lc;
    logcap_init(&lc);
    receiver *r = receiver_start(0);
    ingestion_server srv;
    ingestion_server_init(&srv);
    receiver_set_responder(r, ingestion_respond, &srv);
    llmobs_options *o = ingestion_options(r, NULL, 10);
    llmobs_options_set_int(o, "max_batch_bytes", 4096);
    llmobs__logger lg = {logcap_fn, &lc, true};
    llmobs_status st;
    llmobs__exporter *x = llmobs__exporter_from_options(o, &lg, &st);
    assert_non_null(x);
    char big[6000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *payload = malloc(8000);
    snprintf(payload, 8000,
             "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
             "{\"traceId\":\"%s\",\"spanId\":\"1111111111111111\",\"parentSpanId\":"
             "\"2222222222222222\",\"name\":\"big\",\"startTimeUnixNano\":\"1000\","
             "\"endTimeUnixNano\":\"2000\",\"attributes\":[{\"key\":\"langfuse.observation.input\","
             "\"value\":{\"stringValue\":\"%s\"}}]},"
             "{\"traceId\":\"%s\",\"spanId\":\"3333333333333333\",\"parentSpanId\":"
             "\"2222222222222222\",\"name\":\"small\",\"startTimeUnixNano\":\"1000\","
             "\"endTimeUnixNano\":\"2000\",\"attributes\":[]}]}]}]}",
             TRACE_ID, big, TRACE_ID);
    llmobs__payload p = {
        payload, strlen(payload), "application/json", 2, LLMOBS__ITEM_SPAN, 1, false, 0};
    llmobs__export_result res = {.retry_after_ms = -1};
    x->send(x->self, &p, INT64_MAX, &res);
    assert_int_equal(res.outcome, LLMOBS__SENT);
    assert_int_equal(res.rejected, 1);
    assert_int_equal(receiver_request_count(r), 1);
    assert_string_equal(request_event_ids(r, 0), TRACE_ID "-3333333333333333-span-create");
    assert_int_equal(logcap_count(&lc, "event limit; rejected", LLMOBS_LOG_WARN), 1);
    llmobs__exporter_free(x);
    llmobs_options_free(o);
    free(payload);
    receiver_stop(r);
    ingestion_server_destroy(&srv);
    logcap_destroy(&lc);
}

static void assert_no_secret_logged(logcap *lc)
{
    for (size_t i = 0; i < logcap_lines(lc); i++) {
        char *line = logcap_line(lc, i);
        if (strstr(line, TEST_SECRET_KEY) || strstr(line, TOKEN) || strstr(line, "sk-lf-T"))
            fail_msg("secret in log line: %s", line);
        free(line);
    }
}

static void secret_echoed_in_a_per_event_error_is_redacted(void **state)
{
    (void)state;
    env e;
    start(&e);
    trace_ids ids;
    one_trace(e.c, &ids);
    ingestion_rule(&e.srv, ids.gen1, 400, 0, "key " TEST_SECRET_KEY " is not allowed");
    /* a secret where the logged text is cut short: no part of it may remain */
    static char longer[400];
    snprintf(longer, sizeof longer, "%0150d%s", 0, TEST_SECRET_KEY);
    ingestion_rule(&e.srv, ids.gen2, 400, 0, longer);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 2);
    assert_true(logcap_count(&e.lc, "key *** is not allowed", LLMOBS_LOG_WARN) >= 1);
    assert_no_secret_logged(&e.lc);
    stop(&e);
}

static void credentials_echoed_by_a_401_are_redacted(void **state)
{
    (void)state;
    env e;
    start(&e);
    receiver_set_responder(e.r, NULL, NULL);
    receiver_set_default(e.r, (recv_answer){.status = 401, .echo_auth = true});
    make_traces(e.c, 1);
    assert_int_equal(llmobs_flush(e.c, 20000, NULL), LLMOBS_OK);
    assert_int_equal(client_dropped(e.c, LLMOBS_DROP_REJECTED), 2);
    assert_int_equal(logcap_count(&e.lc, "bad credentials: Basic ***", LLMOBS_LOG_ERROR), 1);
    assert_no_secret_logged(&e.lc);
    stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_event_5xx_is_resent_with_the_same_id_and_nothing_else),
        cmocka_unit_test(per_event_4xx_is_counted_as_rejected_and_its_message_logged),
        cmocka_unit_test(mixed_207_resends_only_5xx_events_and_counts_each_rejected_item_once),
        cmocka_unit_test(score_event_failing_with_500_is_resent_with_the_same_event_id),
        cmocka_unit_test(giving_up_after_a_partial_207_counts_accepted_and_refused_items),
        cmocka_unit_test(giving_up_after_a_partial_207_spools_only_the_undelivered_item),
        cmocka_unit_test(a_413_after_a_partial_207_does_not_resend_the_accepted_event),
        cmocka_unit_test(whole_request_401_is_not_retried),
        cmocka_unit_test(whole_request_403_is_not_retried),
        cmocka_unit_test(whole_request_400_is_not_retried),
        cmocka_unit_test(whole_request_400_body_too_large_splits_the_batch),
        cmocka_unit_test(whole_request_429_is_retried_with_the_same_events),
        cmocka_unit_test(size_cap_splits_the_events_into_several_requests),
        cmocka_unit_test(request_413_splits_the_batch_and_never_resends_accepted_events),
        cmocka_unit_test(event_over_the_size_limit_is_rejected_locally_and_counted),
        cmocka_unit_test(secret_echoed_in_a_per_event_error_is_redacted),
        cmocka_unit_test(credentials_echoed_by_a_401_are_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
