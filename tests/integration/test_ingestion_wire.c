/* Legacy Langfuse exporter (exporter=langfuse-ingestion), what goes on the wire: every event
 * validates against the IngestionEvent schema of tests/data/langfuse/openapi.yml and the
 * server's ingestion rules (docs/export.md); trace-create for roots; each observation type
 * becomes the right event type; the fields of the langfuse.* attributes come back; scores go
 * as score-create; the request's path, auth and metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingestion_test.h"

#include <llmobs/llmobs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_ID "4bf92f3577b34da6a3ce929d0e0e4736"
#define T0 INT64_C(1785000000123456789) /* 2026-07-25T17:20:00.123456Z */

typedef struct env {
    receiver *r;
    ingestion_server srv;
    llmobs_client *c;
} env;

static void start(env *e, llmobs_options *o)
{
    clear_env();
    ingestion_server_init(&e->srv);
    e->r = receiver_start(0);
    receiver_set_responder(e->r, ingestion_respond, &e->srv);
    if (!o)
        o = ingestion_options(e->r, NULL, 1000);
    else
        llmobs_options_set(o, "base_url", receiver_url(e->r));
    e->c = llmobs_client_new(o, NULL);
    if (!e->c) fail_msg("client: %s", llmobs_last_error());
}

static void stop_client(env *e)
{
    llmobs_shutdown(e->c, 5000);
    e->c = NULL;
}

static void stop(env *e)
{
    if (e->c) stop_client(e);
    receiver_stop(e->r);
    ingestion_server_destroy(&e->srv);
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsString(v)) fail_msg("%s is not a string", key);
    return v->valuestring;
}

static const cJSON *body_of(const cJSON *events, const char *type, const char *id)
{
    const cJSON *ev = find_event(events, type, id);
    if (!ev) fail_msg("no %s event for %s", type, id);
    return cJSON_GetObjectItem(ev, "body");
}

/* A trace using every field the exporter maps: trace attributes, every observation type,
 * generation data, an error level, and scores of each data type. */
static void rich_trace(llmobs_client *c, char ids[10][17])
{
    llmobs_trace *t = llmobs_trace_start_with_id(c, "rag-answer", TRACE_ID, NULL, NULL);
    llmobs_trace_set_start_time(t, T0);
    llmobs_trace_set_user_id(t, "user-7");
    llmobs_trace_set_session_id(t, "sess-3");
    llmobs_trace_add_tag(t, "beta");
    llmobs_trace_add_tag(t, "eu");
    llmobs_trace_set_release(t, "1.2.3");
    llmobs_trace_set_version(t, "v9");
    llmobs_trace_set_environment(t, "staging");
    llmobs_trace_set_public(t, 1);
    llmobs_trace_set_metadata_json(t, "{\"team\":\"search\",\"n\":3}");
    llmobs_trace_set_input_json(t, "{\"question\":\"why?\"}");
    llmobs_trace_set_output(t, "because");
    llmobs_trace_span_id(t, ids[0], 17);
    static const llmobs_obs_type types[] = {
        LLMOBS_OBS_GENERATION, LLMOBS_OBS_EVENT,     LLMOBS_OBS_AGENT,
        LLMOBS_OBS_TOOL,       LLMOBS_OBS_CHAIN,     LLMOBS_OBS_RETRIEVER,
        LLMOBS_OBS_EMBEDDING,  LLMOBS_OBS_EVALUATOR, LLMOBS_OBS_GUARDRAIL};
    for (int i = 0; i < 9; i++) {
        llmobs_obs *o = llmobs_obs_start(t, NULL, types[i], llmobs_obs_type_name(types[i]), NULL);
        llmobs_obs_set_start_time(o, T0 + (i + 1) * INT64_C(1000000));
        llmobs_obs_set_input(o, "in");
        llmobs_obs_set_output_json(o, "[{\"role\":\"assistant\",\"content\":\"hi\"}]");
        llmobs_obs_set_metadata(o, "step", "x");
        if (types[i] == LLMOBS_OBS_GENERATION) {
            llmobs_obs_set_model(o, "gpt-4o");
            llmobs_obs_set_model_parameter(o, "temperature", "0.2");
            llmobs_obs_set_model_parameter(o, "max_tokens", "256");
            llmobs_obs_set_model_parameter(o, "stream", "true");
            llmobs_obs_set_model_parameter(o, "stop", "[\"\\n\"]");
            llmobs_obs_set_model_parameter(o, "response_format", "{\"type\":\"json\"}");
            llmobs_obs_set_usage(o, 100, 20);
            llmobs_obs_set_usage_detail(o, "input_cached_tokens", 30);
            llmobs_obs_set_cost_detail(o, "input", 0.001);
            llmobs_obs_set_cost_detail(o, "output", 0.002);
            llmobs_obs_set_completion_start_time(o, T0 + INT64_C(5000000));
            llmobs_obs_set_prompt(o, "qa-prompt", 4);
            llmobs_obs_set_level(o, LLMOBS_LEVEL_ERROR);
            llmobs_obs_set_status_message(o, "rate limited upstream");
        }
        if (types[i] == LLMOBS_OBS_EMBEDDING) {
            llmobs_obs_set_model(o, "text-embedding-3-small");
            llmobs_obs_set_usage(o, 8, 0);
        }
        llmobs_obs_id(o, ids[i + 1], 17);
        llmobs_obs_end_at(o, T0 + (i + 2) * INT64_C(1000000));
    }
    llmobs_trace_end_at(t, T0 + INT64_C(20000000));
}

static void send_scores(llmobs_client *c, const char *observation)
{
    llmobs_score *s = llmobs_score_new("helpful", NULL);
    llmobs_score_set_boolean(s, 1);
    llmobs_score_set_trace_id(s, TRACE_ID);
    llmobs_score_set_id(s, "score-bool");
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_OK);
    s = llmobs_score_new("tone", NULL);
    llmobs_score_set_categorical(s, "polite");
    llmobs_score_set_trace_id(s, TRACE_ID);
    llmobs_score_set_id(s, "score-cat");
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_OK);
    s = llmobs_score_new("review", NULL);
    llmobs_score_set_text(s, "good answer, cites the source");
    llmobs_score_set_session_id(s, "sess-3");
    llmobs_score_set_id(s, "score-text");
    llmobs_score_set_metadata_json(s, "{\"by\":\"judge\"}");
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_OK);
    assert_int_equal(
        llmobs_score_numeric(c, TRACE_ID, observation, "faithfulness", 0.75, "grounded"),
        LLMOBS_OK);
}

static void every_event_validates_against_the_openapi_schema(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    char ids[10][17];
    rich_trace(e.c, ids);
    send_scores(e.c, ids[1]);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(cJSON_GetArraySize(events), 1 + 10 + 4); /* trace, observations, scores */
    cJSON_Delete(events);
    char *lines = ingestion_requests_text(e.r);
    stop(&e);
    char out[8192];
    int rc = ingestion_schema_check(lines, out, sizeof out);
    free(lines);
    print_message("%s", out);
    if (rc != 0) fail_msg("schema check failed (%d):\n%s", rc, out);
    assert_non_null(strstr(out, "15 events checked, 0 problems"));
}

/* The validator is a real check: events breaking the schema or the server rules fail it. */
static void schema_check_fails_events_that_break_the_schema_or_server_rules(void **state)
{
    (void)state;
    static const struct {
        const char *request, *expect;
    } cases[] = {
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"span-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"traceId\":\"t\",\"name\":\"n\"}}]}",
         "body.id: id must be"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"span-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00\","
         "\"body\":{\"id\":\"s\",\"traceId\":\"t\"}}]}",
         "has no offset"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"span-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"model\":\"gpt\"}}]}",
         "property 'model' is not in the schema"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"generation-create\",\"timestamp\":\"2026-01-01T00:"
         "00:00Z\",\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"usageDetails\":{\"input\":\"ten\"}}}]"
         "}",
         "usageDetails: matches no allowed form"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"trace-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"t\",\"tags\":\"a\"}}]}",
         "tags: expected array"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"tool-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"s\",\"traceId\":\"t\"}}]}",
         "is not in IngestionEvent"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"score-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"x\",\"value\":1}}]}",
         "required property 'name' missing"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"span-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"level\":\"LOUD\"}}]}",
         "is not one of"},
        {"{\"batch\":[{\"id\":\"e1\",\"type\":\"event-create\",\"timestamp\":\"2026-01-01T00:00:"
         "00Z\","
         "\"body\":{\"id\":\"s\",\"traceId\":\"t\"}},{\"id\":\"e1\",\"type\":\"event-create\","
         "\"timestamp\":\"2026-01-01T00:00:00Z\",\"body\":{\"id\":\"s2\",\"traceId\":\"t\"}}]}",
         "repeated in the request"},
    };
    char out[4096];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char line[1024];
        snprintf(line, sizeof line, "%s\n", cases[i].request);
        int rc = ingestion_schema_check(line, out, sizeof out);
        if (rc != 1 || !strstr(out, cases[i].expect))
            fail_msg("case %zu: exit %d, wanted 1 with '%s':\n%s", i, rc, cases[i].expect, out);
    }
    /* and a valid event passes */
    int rc = ingestion_schema_check(
        "{\"batch\":[{\"id\":\"e1\",\"type\":\"span-create\",\"timestamp\":\"2026-01-01T00:00:00."
        "5+02:00\",\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"endTime\":null}}]}\n",
        out, sizeof out);
    if (rc != 0) fail_msg("valid event refused:\n%s", out);
}

static void every_observation_type_maps_to_its_event_type(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    char ids[10][17];
    rich_trace(e.c, ids);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    static const struct {
        const char *event, *recorded_type; /* NULL: a native type, not recorded */
    } want[10] = {
        {"span-create", NULL}, /* the root */
        {"generation-create", NULL},
        {"event-create", NULL},
        {"span-create", "agent"},
        {"span-create", "tool"},
        {"span-create", "chain"},
        {"span-create", "retriever"},
        {"generation-create", "embedding"},
        {"generation-create", "evaluator"},
        {"span-create", "guardrail"},
    };
    for (int i = 0; i < 10; i++) {
        const cJSON *body = body_of(events, want[i].event, ids[i]);
        const cJSON *md = cJSON_GetObjectItem(body, "metadata");
        const cJSON *recorded = cJSON_GetObjectItem(md, "observation_type");
        if (want[i].recorded_type)
            assert_string_equal(cJSON_GetStringValue(recorded), want[i].recorded_type);
        else
            assert_null(recorded);
        if (i) /* the user's metadata is kept next to the recorded type */
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(md, "step")), "x");
    }
    /* one event per observation, plus the trace */
    assert_int_equal(cJSON_GetArraySize(events), 11);
    cJSON_Delete(events);
    stop(&e);
}

static void root_span_sends_trace_create_with_the_trace_fields(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    char ids[10][17];
    rich_trace(e.c, ids);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    const cJSON *tr = body_of(events, "trace-create", TRACE_ID);
    assert_string_equal(str(tr, "name"), "rag-answer");
    assert_string_equal(str(tr, "timestamp"), "2026-07-25T17:20:00.123456Z");
    assert_string_equal(str(tr, "userId"), "user-7");
    assert_string_equal(str(tr, "sessionId"), "sess-3");
    assert_string_equal(str(tr, "release"), "1.2.3");
    assert_string_equal(str(tr, "version"), "v9");
    assert_string_equal(str(tr, "environment"), "staging");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(tr, "public")));
    const cJSON *tags = cJSON_GetObjectItem(tr, "tags");
    assert_int_equal(cJSON_GetArraySize(tags), 2);
    assert_string_equal(cJSON_GetArrayItem(tags, 0)->valuestring, "beta");
    const cJSON *md = cJSON_GetObjectItem(tr, "metadata");
    assert_string_equal(str(md, "team"), "search");
    assert_int_equal(cJSON_GetObjectItem(md, "n")->valueint, 3);
    assert_string_equal(str(cJSON_GetObjectItem(tr, "input"), "question"), "why?");
    assert_string_equal(str(tr, "output"), "because");
    /* the root's own observation: no parent, the trace's environment and version */
    const cJSON *root = body_of(events, "span-create", ids[0]);
    assert_null(cJSON_GetObjectItem(root, "parentObservationId"));
    assert_string_equal(str(root, "traceId"), TRACE_ID);
    assert_string_equal(str(root, "environment"), "staging");
    assert_string_equal(str(root, "version"), "v9");
    assert_string_equal(str(root, "endTime"), "2026-07-25T17:20:00.143456Z");
    /* children point at the root; only the root makes a trace-create */
    const cJSON *tool = body_of(events, "span-create", ids[4]);
    assert_string_equal(str(tool, "parentObservationId"), ids[0]);
    assert_string_equal(str(tool, "environment"), "staging");
    int traces = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) traces += strcmp(str(ev, "type"), "trace-create") == 0;
    assert_int_equal(traces, 1);
    cJSON_Delete(events);
    stop(&e);
}

static void root_continued_from_a_remote_parent_still_makes_the_trace(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    llmobs_trace *t =
        llmobs_trace_start_with_id(e.c, "downstream", TRACE_ID, "00f067aa0ba902b7", NULL);
    char root[17];
    llmobs_trace_span_id(t, root, sizeof root);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    assert_non_null(find_event(events, "trace-create", TRACE_ID));
    /* the remote parent is no observation of this trace */
    assert_null(cJSON_GetObjectItem(body_of(events, "span-create", root), "parentObservationId"));
    cJSON_Delete(events);
    stop(&e);
}

static void generation_fields_come_back_from_the_attributes(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    char ids[10][17];
    rich_trace(e.c, ids);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    const cJSON *ev = find_event(events, "generation-create", ids[1]);
    assert_non_null(ev);
    const cJSON *g = cJSON_GetObjectItem(ev, "body");
    assert_string_equal(str(g, "name"), "generation");
    assert_string_equal(str(g, "startTime"), "2026-07-25T17:20:00.124456Z");
    assert_string_equal(str(g, "endTime"), "2026-07-25T17:20:00.125456Z");
    assert_string_equal(str(ev, "timestamp"), "2026-07-25T17:20:00.125456Z");
    assert_string_equal(str(g, "completionStartTime"), "2026-07-25T17:20:00.128456Z");
    assert_string_equal(str(g, "model"), "gpt-4o");
    const cJSON *mp = cJSON_GetObjectItem(g, "modelParameters");
    assert_true(cJSON_GetObjectItem(mp, "temperature")->valuedouble == 0.2);
    assert_int_equal(cJSON_GetObjectItem(mp, "max_tokens")->valueint, 256);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(mp, "stream")));
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(mp, "stop"), 0)->valuestring, "\n");
    assert_string_equal(str(mp, "response_format"), "{\"type\":\"json\"}"); /* stringified */
    const cJSON *u = cJSON_GetObjectItem(g, "usageDetails");
    assert_int_equal(cJSON_GetObjectItem(u, "input")->valueint, 100);
    assert_int_equal(cJSON_GetObjectItem(u, "output")->valueint, 20);
    assert_int_equal(cJSON_GetObjectItem(u, "input_cached_tokens")->valueint, 30);
    const cJSON *cost = cJSON_GetObjectItem(g, "costDetails");
    assert_true(cJSON_GetObjectItem(cost, "input")->valuedouble == 0.001);
    assert_true(cJSON_GetObjectItem(cost, "output")->valuedouble == 0.002);
    assert_string_equal(str(g, "promptName"), "qa-prompt");
    assert_int_equal(cJSON_GetObjectItem(g, "promptVersion")->valueint, 4);
    assert_string_equal(str(g, "level"), "ERROR");
    assert_string_equal(str(g, "statusMessage"), "rate limited upstream");
    assert_string_equal(str(g, "input"), "in");
    const cJSON *out = cJSON_GetArrayItem(cJSON_GetObjectItem(g, "output"), 0);
    assert_string_equal(str(out, "content"), "hi");
    /* an event has no end time */
    assert_null(cJSON_GetObjectItem(body_of(events, "event-create", ids[2]), "endTime"));
    cJSON_Delete(events);
    stop(&e);
}

static void score_is_sent_as_score_create(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    send_scores(e.c, "eee19b7ec3c1b174");
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    assert_int_equal(cJSON_GetArraySize(events), 4);
    const cJSON *ev = find_event(events, "score-create", "score-cat");
    assert_non_null(ev);
    assert_string_equal(str(ev, "id"), "score-cat-score-create");
    const cJSON *b = cJSON_GetObjectItem(ev, "body");
    assert_string_equal(str(b, "name"), "tone");
    assert_string_equal(str(b, "value"), "polite");
    assert_string_equal(str(b, "dataType"), "CATEGORICAL");
    assert_string_equal(str(b, "traceId"), TRACE_ID);
    const cJSON *ev2 = NULL, *it;
    cJSON_ArrayForEach(it, events) if (strcmp(str(cJSON_GetObjectItem(it, "body"), "name"),
                                              "faithfulness") == 0) ev2 = it;
    assert_non_null(ev2);
    b = cJSON_GetObjectItem(ev2, "body");
    assert_string_equal(str(b, "observationId"), "eee19b7ec3c1b174");
    assert_true(cJSON_GetObjectItem(b, "value")->valuedouble == 0.75);
    assert_string_equal(str(b, "comment"), "grounded");
    uint64_t exported = 0;
    llmobs_stats_get(e.c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(exported, 4);
    /* nothing went to the current scores endpoint */
    for (size_t i = 0; i < receiver_request_count(e.r); i++)
        assert_string_equal(receiver_request(e.r, i)->path, INGESTION_PATH);
    cJSON_Delete(events);
    stop(&e);
}

static void request_goes_to_the_ingestion_path_with_basic_auth_and_metadata(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    make_traces(e.c, 2);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(e.r), 1);
    const recv_request *q = receiver_request(e.r, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, INGESTION_PATH);
    /* base64("pk-lf-1234567890:sk-lf-TOPSECRET-0987654321") */
    assert_string_equal(recv_header(q, "authorization"),
                        "Basic cGstbGYtMTIzNDU2Nzg5MDpzay1sZi1UT1BTRUNSRVQtMDk4NzY1NDMyMQ==");
    assert_non_null(strstr(recv_header(q, "content-type"), "application/json"));
    assert_string_equal(recv_header(q, "x-langfuse-sdk-name"), "llmobs-c");
    assert_null(recv_header(q, "x-langfuse-ingestion-version")); /* an OTLP-only header */
    cJSON *body = cJSON_Parse(q->body);
    const cJSON *md = cJSON_GetObjectItem(body, "metadata");
    assert_string_equal(str(md, "sdk_name"), "llmobs-c");
    assert_string_equal(str(md, "public_key"), TEST_PUBLIC_KEY);
    assert_int_equal(cJSON_GetObjectItem(md, "batch_size")->valueint, 6); /* 2 x (trace+2 obs) */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(body, "batch")), 6);
    cJSON_Delete(body);
    uint64_t exported = 0;
    llmobs_stats_get(e.c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(exported, 4);
    stop(&e);
}

static void event_ids_derive_from_trace_span_and_type(void **state)
{
    (void)state;
    env e;
    start(&e, NULL);
    char ids[10][17];
    rich_trace(e.c, ids);
    assert_int_equal(llmobs_flush(e.c, 10000, NULL), LLMOBS_OK);
    cJSON *events = ingestion_events(e.r, true);
    char want[128];
    snprintf(want, sizeof want, "%s-%s-trace-create", TRACE_ID, ids[0]);
    assert_int_equal(count_event_id(events, want), 1);
    snprintf(want, sizeof want, "%s-%s-generation-create", TRACE_ID, ids[1]);
    assert_int_equal(count_event_id(events, want), 1);
    snprintf(want, sizeof want, "%s-%s-span-create", TRACE_ID, ids[3]);
    assert_int_equal(count_event_id(events, want), 1);
    cJSON_Delete(events);
    stop(&e);
}

static void exporter_needs_both_keys(void **state)
{
    (void)state;
    clear_env();
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "langfuse-ingestion");
    llmobs_options_set(o, "public_key", TEST_PUBLIC_KEY);
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(o, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "secret_key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_validates_against_the_openapi_schema),
        cmocka_unit_test(schema_check_fails_events_that_break_the_schema_or_server_rules),
        cmocka_unit_test(every_observation_type_maps_to_its_event_type),
        cmocka_unit_test(root_span_sends_trace_create_with_the_trace_fields),
        cmocka_unit_test(root_continued_from_a_remote_parent_still_makes_the_trace),
        cmocka_unit_test(generation_fields_come_back_from_the_attributes),
        cmocka_unit_test(score_is_sent_as_score_create),
        cmocka_unit_test(request_goes_to_the_ingestion_path_with_basic_auth_and_metadata),
        cmocka_unit_test(event_ids_derive_from_trace_span_and_type),
        cmocka_unit_test(exporter_needs_both_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
