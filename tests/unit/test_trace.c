/* Tracing through the callback exporter: what ends up on the wire for traces and
 * observations, parents, ids, handle states and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "trace/span.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    capture cap;
    llmobs_client *client;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    capture_init(&f->cap);
    f->client = llmobs_client_new(capture_options(&f->cap, 1000, 60), NULL);
    assert_non_null(f->client);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    llmobs_shutdown(f->client, 5000);
    capture_destroy(&f->cap);
    free(f);
    return 0;
}

static const cJSON *flush_and_get(fixture *f, size_t n)
{
    assert_int_equal(llmobs_flush(f->client, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&f->cap), n);
    return f->cap.spans;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void trace_becomes_root_span_and_children_point_to_it(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "rag", NULL);
    llmobs_obs *r = llmobs_obs_start(t, NULL, LLMOBS_OBS_RETRIEVER, "search", NULL);
    llmobs_obs *tool = llmobs_obs_start(t, r, LLMOBS_OBS_TOOL, "rerank", NULL);
    char tid[33], root_id[17], r_id[17];
    llmobs_trace_id(t, tid, sizeof tid);
    llmobs_trace_span_id(t, root_id, sizeof root_id);
    llmobs_obs_id(r, r_id, sizeof r_id);
    assert_int_equal(llmobs_obs_end(tool), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(r), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);

    const cJSON *spans = flush_and_get(f, 3);
    const cJSON *root = find_span_by_name(spans, "rag");
    const cJSON *search = find_span_by_name(spans, "search");
    const cJSON *rerank = find_span_by_name(spans, "rerank");
    assert_null(cJSON_GetObjectItem(root, "parentSpanId"));
    assert_string_equal(str(root, "spanId"), root_id);
    assert_string_equal(str(search, "parentSpanId"), root_id);
    assert_string_equal(str(rerank, "parentSpanId"), r_id);
    assert_string_equal(str(rerank, "traceId"), tid);
    assert_string_equal(span_attr_str(root, "langfuse.observation.type"), "span");
    assert_string_equal(span_attr_str(search, "langfuse.observation.type"), "retriever");
    assert_string_equal(span_attr_str(rerank, "langfuse.observation.type"), "tool");
}

static void trace_attributes_appear_on_every_span(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "checkout", NULL);
    llmobs_trace_set_user_id(t, "u-1");
    llmobs_trace_set_session_id(t, "s-1");
    llmobs_trace_add_tag(t, "beta");
    llmobs_trace_add_tag(t, "beta"); /* a set: once */
    llmobs_trace_add_tag(t, "eu");
    llmobs_trace_set_release(t, "abc123");
    llmobs_trace_set_version(t, "v7");
    llmobs_trace_set_environment(t, "staging");
    llmobs_trace_set_public(t, 1);
    llmobs_trace_set_metadata(t, "tenant", "acme");
    llmobs_obs *a = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "a", NULL);
    llmobs_obs_end(a);
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 2);
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        assert_string_equal(span_attr_str(s, "langfuse.trace.name"), "checkout");
        assert_string_equal(span_attr_str(s, "user.id"), "u-1");
        assert_string_equal(span_attr_str(s, "session.id"), "s-1");
        assert_string_equal(span_attr_str(s, "langfuse.release"), "abc123");
        assert_string_equal(span_attr_str(s, "langfuse.version"), "v7");
        assert_string_equal(span_attr_str(s, "langfuse.environment"), "staging");
        assert_string_equal(span_attr_str(s, "langfuse.trace.metadata"), "{\"tenant\":\"acme\"}");
        assert_true(
            cJSON_IsTrue(cJSON_GetObjectItem(span_attr(s, "langfuse.trace.public"), "boolValue")));
        const cJSON *tags = cJSON_GetObjectItem(
            cJSON_GetObjectItem(span_attr(s, "langfuse.trace.tags"), "arrayValue"), "values");
        assert_int_equal(cJSON_GetArraySize(tags), 2);
    }
}

static void attributes_set_after_a_span_ended_reach_later_spans_only(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "late", NULL);
    llmobs_obs *early = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "early", NULL);
    llmobs_obs_end(early);
    llmobs_trace_set_user_id(t, "known-later");
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 2);
    assert_null(span_attr_str(find_span_by_name(spans, "early"), "user.id"));
    assert_string_equal(span_attr_str(find_span_by_name(spans, "late"), "user.id"), "known-later");
}

static void every_observation_type_is_exported_with_its_langfuse_name(void **state)
{
    fixture *f = *state;
    static const char *const names[] = {"span",      "generation", "event",     "agent",
                                        "tool",      "chain",      "retriever", "embedding",
                                        "evaluator", "guardrail"};
    llmobs_trace *t = llmobs_trace_start(f->client, "types", NULL);
    for (int i = 0; i < 10; i++) {
        llmobs_obs *o = llmobs_obs_start(t, NULL, (llmobs_obs_type)i, names[i], NULL);
        assert_non_null(o);
        assert_int_equal(llmobs_obs_end(o), LLMOBS_OK);
    }
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 11);
    for (int i = 0; i < 10; i++) {
        const cJSON *s = find_span_by_name(spans, names[i]);
        assert_non_null(s);
        assert_string_equal(span_attr_str(s, "langfuse.observation.type"), names[i]);
    }
    const cJSON *ev = find_span_by_name(spans, "event");
    assert_string_equal(str(ev, "startTimeUnixNano"), str(ev, "endTimeUnixNano"));
    assert_int_equal(cJSON_GetObjectItem(find_span_by_name(spans, "generation"), "kind")->valueint,
                     3);
    assert_int_equal(cJSON_GetObjectItem(find_span_by_name(spans, "span"), "kind")->valueint, 1);
}

static void generation_carries_model_usage_cost_and_timing(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "gen", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    int64_t start = INT64_C(1747872000000000000);
    llmobs_obs_set_start_time(g, start);
    llmobs_obs_set_model(g, "gpt-4o");
    llmobs_obs_set_provider(g, "openai");
    llmobs_obs_set_model_parameter(g, "temperature", "0.2");
    llmobs_obs_set_model_parameter(g, "max_tokens", "256");
    llmobs_obs_set_usage(g, 100, 40);
    llmobs_obs_set_usage_detail(g, LLMOBS_USAGE_CACHE_READ, 20);
    llmobs_obs_set_usage_detail(g, LLMOBS_USAGE_REASONING, 10);
    llmobs_obs_set_cost_detail(g, "input", 0.25);
    llmobs_obs_set_cost_detail(g, "output", 0.5);
    llmobs_obs_set_completion_start_time(g, start + 300000000);
    llmobs_obs_set_prompt(g, "qa-prompt", 3);
    llmobs_obs_set_input_json(g, "[{\"role\":\"user\",\"content\":\"hi\"}]");
    llmobs_obs_set_output(g, "hello \"there\"");
    llmobs_obs_set_level(g, LLMOBS_LEVEL_ERROR);
    llmobs_obs_set_status_message(g, "upstream timeout");
    llmobs_obs_end_at(g, start + 1250000000);
    llmobs_trace_end(t);

    const cJSON *s = find_span_by_name(flush_and_get(f, 2), "answer");
    assert_string_equal(str(s, "startTimeUnixNano"), "1747872000000000000");
    assert_string_equal(str(s, "endTimeUnixNano"), "1747872001250000000");
    assert_string_equal(span_attr_str(s, "langfuse.observation.model.name"), "gpt-4o");
    assert_string_equal(span_attr_str(s, "gen_ai.request.model"), "gpt-4o");
    assert_string_equal(span_attr_str(s, "gen_ai.provider.name"), "openai");
    assert_string_equal(span_attr_str(s, "gen_ai.operation.name"), "chat");
    assert_string_equal(span_attr_str(s, "langfuse.observation.model.parameters"),
                        "{\"temperature\":0.2,\"max_tokens\":256}");
    assert_string_equal(str(span_attr(s, "gen_ai.request.max_tokens"), "intValue"), "256");
    assert_string_equal(span_attr_str(s, "langfuse.observation.usage_details"),
                        "{\"input\":100,\"output\":40,\"input_cached_tokens\":20,"
                        "\"output_reasoning_tokens\":10,\"total\":170}");
    assert_string_equal(str(span_attr(s, "gen_ai.usage.input_tokens"), "intValue"), "120");
    assert_string_equal(str(span_attr(s, "gen_ai.usage.output_tokens"), "intValue"), "50");
    assert_string_equal(span_attr_str(s, "langfuse.observation.cost_details"),
                        "{\"input\":0.25,\"output\":0.5,\"total\":0.75}");
    assert_string_equal(span_attr_str(s, "langfuse.observation.completion_start_time"),
                        "2025-05-22T00:00:00.300000Z");
    assert_string_equal(span_attr_str(s, "langfuse.observation.prompt.name"), "qa-prompt");
    assert_string_equal(span_attr_str(s, "langfuse.observation.input"),
                        "[{\"role\":\"user\",\"content\":\"hi\"}]");
    assert_string_equal(span_attr_str(s, "langfuse.observation.output"), "\"hello \\\"there\\\"\"");
    assert_string_equal(span_attr_str(s, "langfuse.observation.level"), "ERROR");
    const cJSON *status = cJSON_GetObjectItem(s, "status");
    assert_int_equal(cJSON_GetObjectItem(status, "code")->valueint, 2);
    assert_string_equal(str(status, "message"), "upstream timeout");
}

static void ending_twice_is_an_error_and_exports_once(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "twice", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "o", NULL);
    assert_int_equal(llmobs_obs_end(o), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(o), LLMOBS_ESTATE);
    assert_int_equal(llmobs_obs_set_output(o, "late"), LLMOBS_ESTATE);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    flush_and_get(f, 2);
}

static void null_and_garbage_arguments_return_errors(void **state)
{
    fixture *f = *state;
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_trace_start(NULL, "x", &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_null(llmobs_trace_start(f->client, "", &st));
    assert_null(llmobs_trace_start_with_id(f->client, "x", "not-hex", NULL, &st));
    assert_null(
        llmobs_trace_start_with_id(f->client, "x", "00000000000000000000000000000000", NULL, &st));
    assert_null(llmobs_trace_start_traceparent(f->client, "x", "garbage", &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_null(llmobs_obs_start(NULL, NULL, LLMOBS_OBS_SPAN, "x", &st));
    assert_int_equal(llmobs_obs_end(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_trace_end(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_model(NULL, "m"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_trace_set_user_id(NULL, "u"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_flush(NULL, 0, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_shutdown(NULL, 0), LLMOBS_OK);

    llmobs_trace *t = llmobs_trace_start(f->client, "bad", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    assert_null(llmobs_obs_start(t, NULL, (llmobs_obs_type)99, "x", &st));
    /* JSON payloads are checked on the flusher (see json_payloads_are_checked_on_the_flusher) */
    assert_int_equal(llmobs_obs_set_input_json(o, "{not json"), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_metadata_json(o, "[1,2]"), LLMOBS_EPARSE);
    assert_int_equal(llmobs_obs_set_usage(o, -1, 5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_level(o, (llmobs_level)17), LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_cost_detail(o, "input", -1.0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_model_parameter(o, "t", "{"), LLMOBS_EPARSE);
    assert_int_equal(llmobs_trace_set_environment(t, "Bad Env"), LLMOBS_EINVAL);
    llmobs_trace *other = llmobs_trace_start(f->client, "other", NULL);
    assert_null(
        llmobs_obs_start(other, o, LLMOBS_OBS_SPAN, "cross", &st)); /* parent of another trace */
    assert_int_equal(st, LLMOBS_EINVAL);
    char small[8];
    assert_int_equal(llmobs_obs_id(o, small, sizeof small), LLMOBS_ELIMIT);
    llmobs_obs_end(o);
    llmobs_trace_end(t);
    llmobs_trace_end(other);
    flush_and_get(f, 3);
}

static void traceparent_round_trips(void **state)
{
    fixture *f = *state;
    const char *incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    llmobs_trace *t = llmobs_trace_start_traceparent(f->client, "downstream", incoming, NULL);
    assert_non_null(t);
    char tp[56], tid[33], root[17];
    assert_int_equal(llmobs_trace_traceparent(t, tp, sizeof tp), LLMOBS_OK);
    llmobs_trace_span_id(t, root, sizeof root);
    llmobs_trace_id(t, tid, sizeof tid);
    assert_string_equal(tid, "0af7651916cd43dd8448eb211c80319c");
    assert_memory_equal(tp, "00-0af7651916cd43dd8448eb211c80319c-", 36);
    assert_string_equal(tp + 36 + 16, "-01");
    assert_memory_equal(tp + 36, root, 16);
    llmobs_trace_end(t);
    const cJSON *s = find_span_by_name(flush_and_get(f, 1), "downstream");
    assert_string_equal(str(s, "parentSpanId"), "b7ad6b7169203331");
    assert_string_equal(str(s, "traceId"), "0af7651916cd43dd8448eb211c80319c");
}

/* The client's environment and release are every trace's until the trace sets its own; a span
 * that ended before the change keeps the values of its time. */
static void client_environment_and_release_until_a_trace_sets_its_own(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 60);
    llmobs_options_set(o, "environment", "production");
    llmobs_options_set(o, "release", "r1");
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *a = llmobs_trace_start(c, "a", NULL);
    llmobs_obs *early = llmobs_obs_start(a, NULL, LLMOBS_OBS_SPAN, "early", NULL);
    llmobs_obs_end(early); /* shares the snapshot: the setters below change a copy */
    assert_int_equal(llmobs_trace_set_release(a, "r2"), LLMOBS_OK);
    assert_int_equal(llmobs_trace_set_environment(a, "staging"), LLMOBS_OK);
    assert_int_equal(llmobs_trace_set_release(a, "r3"), LLMOBS_OK); /* replaces its own copy */
    llmobs_trace_end(a);
    llmobs_trace *b = llmobs_trace_start(c, "b", NULL);
    llmobs_trace_end(b);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&cap), 3);
    const cJSON *spans = cap.spans;
    const struct {
        const char *span, *env, *release;
    } want[] = {{"early", "production", "r1"}, {"a", "staging", "r3"}, {"b", "production", "r1"}};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *s = find_span_by_name(spans, want[i].span);
        assert_non_null(s);
        assert_string_equal(span_attr_str(s, "langfuse.environment"), want[i].env);
        assert_string_equal(span_attr_str(s, "langfuse.release"), want[i].release);
    }
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

/* An unrecorded trace draws its span ids when first asked for: each is a valid id (16 hex
 * digits, not all zero), the same at every call, distinct between observations, and the one
 * its traceparent (flags 00) carries. */
static void unrecorded_trace_ids_are_stable_and_distinct(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *o = capture_options(&cap, 1000, 60);
    llmobs_options_set(o, "sample_rate", "0");
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "unsampled", NULL);
    llmobs_obs *a = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "a", NULL);
    llmobs_obs *b = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "b", NULL);
    char root[17], root2[17], ia[17], ia2[17], ib[17], tp[56];
    assert_int_equal(llmobs_trace_span_id(t, root, sizeof root), LLMOBS_OK);
    assert_int_equal(llmobs_obs_id(a, ia, sizeof ia), LLMOBS_OK);
    assert_int_equal(llmobs_obs_traceparent(b, tp, sizeof tp), LLMOBS_OK);
    assert_int_equal(llmobs_obs_id(b, ib, sizeof ib), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(a), LLMOBS_OK);
    assert_int_equal(llmobs_obs_id(a, ia2, sizeof ia2), LLMOBS_OK); /* ended: still the same */
    assert_int_equal(llmobs_trace_span_id(t, root2, sizeof root2), LLMOBS_OK);
    assert_string_equal(ia, ia2);
    assert_string_equal(root, root2);
    const char *ids[] = {root, ia, ib};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(strlen(ids[i]), 16);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), 16);
        assert_string_not_equal(ids[i], "0000000000000000");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
    assert_memory_equal(tp + 36, ib, 16);
    assert_string_equal(tp + 52, "-00");
    assert_int_equal(llmobs_trace_traceparent(t, tp, sizeof tp), LLMOBS_OK);
    assert_memory_equal(tp + 36, root, 16);
    llmobs_obs_end(b);
    llmobs_trace_end(t);
    llmobs_shutdown(c, 5000);
    capture_destroy(&cap);
}

static void trace_with_seeded_id_uses_it(void **state)
{
    fixture *f = *state;
    char tid[33];
    llmobs_trace_id_from_seed("order-1234", tid, sizeof tid);
    llmobs_trace *t = llmobs_trace_start_with_id(f->client, "seeded", tid, NULL, NULL);
    llmobs_trace_end(t);
    assert_string_equal(str(find_span_by_name(flush_and_get(f, 1), "seeded"), "traceId"), tid);
}

static void plain_text_with_invalid_utf8_is_repaired_on_the_wire(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "utf8", NULL);
    llmobs_trace_set_input(t, "bad \xff byte");
    llmobs_trace_end(t);
    const cJSON *s = find_span_by_name(flush_and_get(f, 1), "utf8");
    assert_string_equal(span_attr_str(s, "langfuse.observation.input"),
                        "\"bad \xef\xbf\xbd byte\"");
}

/* Input and output are measured when set and the length kept for the serializer: a payload
 * replaced by a shorter or longer one (heap block to pool string and back) goes out whole and
 * alone, JSON-checked at its own length. */
static void a_replaced_payload_is_sent_as_it_is_now(void **state)
{
    fixture *f = *state;
    char long_text[301];
    memset(long_text, 'x', 300);
    long_text[300] = '\0';
    llmobs_trace *t = llmobs_trace_start(f->client, "replaced", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    assert_int_equal(llmobs_obs_set_input(g, long_text), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_input(g, "short"), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_output_json(g, "[1]"), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_output(g, long_text), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_output_json(g, "{\"a\": [1, 2]}"), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    const cJSON *gs = find_span_by_name(flush_and_get(f, 2), "g");
    assert_non_null(gs);
    assert_string_equal(span_attr_str(gs, "langfuse.observation.input"), "\"short\"");
    assert_string_equal(span_attr_str(gs, "langfuse.observation.output"), "{\"a\": [1, 2]}");
    assert_int_equal(client_stat(f->client, LLMOBS_STAT_INVALID_JSON), 0);
}

/* Usage and cost details are JSON text inside a JSON string: keys with quotes, backslashes,
 * control characters or non-ASCII come back exactly when both layers are parsed. */
static void detail_keys_with_json_specials_round_trip(void **state)
{
    fixture *f = *state;
    static const char *const keys[] = {"we\"ird", "back\\slash", "nl\nx", "ctl\x01", "caf\xc3\xa9"};
    llmobs_trace *t = llmobs_trace_start(f->client, "details", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(llmobs_obs_set_usage_detail(g, keys[i], 10 + i), LLMOBS_OK);
        assert_int_equal(llmobs_obs_set_cost_detail(g, keys[i], 0.25 * (i + 1)), LLMOBS_OK);
    }
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    const cJSON *gs = find_span_by_name(flush_and_get(f, 2), "g");
    assert_non_null(gs);
    cJSON *usage = cJSON_Parse(span_attr_str(gs, "langfuse.observation.usage_details"));
    cJSON *cost = cJSON_Parse(span_attr_str(gs, "langfuse.observation.cost_details"));
    assert_non_null(usage);
    assert_non_null(cost);
    for (int i = 0; i < 5; i++) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(usage, keys[i]);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cost, keys[i]);
        assert_true(cJSON_IsNumber(u) && cJSON_IsNumber(c));
        assert_int_equal(u->valueint, 10 + i);
        assert_true(c->valuedouble == 0.25 * (i + 1));
    }
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(usage, "total")->valueint, 60);
    assert_true(cJSON_GetObjectItemCaseSensitive(cost, "total")->valuedouble == 3.75);
    assert_int_equal(cJSON_GetArraySize(usage), 6);
    cJSON_Delete(usage);
    cJSON_Delete(cost);
}

static void generation_without_cost_details_is_priced_from_the_table(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "priced", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    llmobs_obs_set_model(g, "gpt-4o-2024-08-06"); /* prefix rule: priced as gpt-4o */
    llmobs_obs_set_usage(g, 1000, 500);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    const cJSON *s = find_span_by_name(flush_and_get(f, 2), "g");
    cJSON *cost = cJSON_Parse(span_attr_str(s, "langfuse.observation.cost_details"));
    assert_non_null(cost);
    double in_price = 0, out_price = 0;
    llmobs_cost_tracker *ct = llmobs_client_cost_tracker(f->client);
    assert_int_equal(llmobs_cost_get_price(ct, "gpt-4o", LLMOBS_PRICE_INPUT, &in_price), LLMOBS_OK);
    assert_int_equal(llmobs_cost_get_price(ct, "gpt-4o", LLMOBS_PRICE_OUTPUT, &out_price),
                     LLMOBS_OK);
    assert_true(in_price > 0 && out_price > 0);
    double want_in = 1000 * in_price / 1e6, want_out = 500 * out_price / 1e6;
    assert_float_equal(cJSON_GetObjectItem(cost, "input")->valuedouble, want_in, 1e-12);
    assert_float_equal(cJSON_GetObjectItem(cost, "output")->valuedouble, want_out, 1e-12);
    assert_float_equal(cJSON_GetObjectItem(cost, "total")->valuedouble, want_in + want_out, 1e-12);
    double spent = 0;
    assert_int_equal(llmobs_cost_spend_feature(ct, "priced", &spent), LLMOBS_OK);
    assert_float_equal(spent, want_in + want_out, 1e-12);
    cJSON_Delete(cost);
}

/* The internal extra-attribute setter (the langfuse.experiment.* attributes use it): string
 * attributes on the wire as set, the last value of a key wins, refused after the end. */
static void extra_attributes_reach_the_wire_verbatim(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "attrs", NULL);
    llmobs_obs *root = llmobs__trace_root(t);
    llmobs_obs *child = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "child", NULL);
    assert_int_equal(llmobs__obs_set_attribute(root, "langfuse.experiment.name", "r1"), LLMOBS_OK);
    assert_int_equal(llmobs__obs_set_attribute(root, "langfuse.experiment.name", "r2"), LLMOBS_OK);
    assert_int_equal(llmobs__obs_set_attribute(root, "x.y", "{\"a\":1}"), LLMOBS_OK);
    assert_int_equal(llmobs__obs_set_attribute(child, "only.child", "c"), LLMOBS_OK);
    assert_int_equal(llmobs__obs_set_attribute(root, NULL, "v"), LLMOBS_EINVAL);
    assert_int_equal(llmobs__obs_set_attribute(root, "", "v"), LLMOBS_EINVAL);
    assert_int_equal(llmobs__obs_set_attribute(root, "k", NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs__obs_set_attribute(NULL, "k", "v"), LLMOBS_EINVAL);
    assert_null(llmobs__trace_root(NULL));
    assert_int_equal(llmobs_obs_end(child), LLMOBS_OK);
    assert_int_equal(llmobs__obs_set_attribute(child, "late", "v"), LLMOBS_ESTATE);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    const cJSON *spans = flush_and_get(f, 2);
    const cJSON *r = find_span_by_name(spans, "attrs"), *c = find_span_by_name(spans, "child");
    assert_string_equal(span_attr_str(r, "langfuse.experiment.name"), "r2");
    assert_string_equal(span_attr_str(r, "x.y"), "{\"a\":1}");
    assert_null(span_attr(r, "only.child"));
    assert_string_equal(span_attr_str(c, "only.child"), "c");
    assert_null(span_attr(c, "late"));
    int n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "attributes")) n +=
        !strcmp(cJSON_GetObjectItem(a, "key")->valuestring, "langfuse.experiment.name");
    assert_int_equal(n, 1);
}

/* The setters copy JSON payloads without parsing them (issue 18: no O(size) parse on the
 * caller's thread); the flusher checks them. Valid JSON goes out as the JSON it is, text that
 * is not JSON as a JSON string of that text (nothing lost), counted once per payload in
 * LLMOBS_STAT_INVALID_JSON. The old setters returned EPARSE here and sent nothing. */
static void json_payloads_are_checked_on_the_flusher(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "json", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    assert_int_equal(llmobs_obs_set_input_json(g, "{\"q\": [1, 2.5e3, true, null]}"), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_output_json(g, "{\"a\": 1,}"), LLMOBS_OK);
    assert_int_equal(llmobs_trace_set_input_json(t, "[unquoted]"), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 2);
    const cJSON *gs = find_span_by_name(spans, "g");
    const cJSON *root = find_span_by_name(spans, "json");
    assert_non_null(gs);
    assert_non_null(root);
    assert_string_equal(span_attr_str(gs, "langfuse.observation.input"),
                        "{\"q\": [1, 2.5e3, true, null]}");
    assert_string_equal(span_attr_str(gs, "langfuse.observation.output"), "\"{\\\"a\\\": 1,}\"");
    assert_string_equal(span_attr_str(root, "langfuse.observation.input"), "\"[unquoted]\"");
    assert_int_equal(client_stat(f->client, LLMOBS_STAT_INVALID_JSON), 2);
    assert_int_equal(client_stat(f->client, LLMOBS_STAT_DROPPED), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(json_payloads_are_checked_on_the_flusher, setup, teardown),
        cmocka_unit_test_setup_teardown(trace_becomes_root_span_and_children_point_to_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(trace_attributes_appear_on_every_span, setup, teardown),
        cmocka_unit_test_setup_teardown(attributes_set_after_a_span_ended_reach_later_spans_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(every_observation_type_is_exported_with_its_langfuse_name,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(generation_carries_model_usage_cost_and_timing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ending_twice_is_an_error_and_exports_once, setup, teardown),
        cmocka_unit_test_setup_teardown(null_and_garbage_arguments_return_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(traceparent_round_trips, setup, teardown),
        cmocka_unit_test(unrecorded_trace_ids_are_stable_and_distinct),
        cmocka_unit_test(client_environment_and_release_until_a_trace_sets_its_own),
        cmocka_unit_test_setup_teardown(trace_with_seeded_id_uses_it, setup, teardown),
        cmocka_unit_test_setup_teardown(extra_attributes_reach_the_wire_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(a_replaced_payload_is_sent_as_it_is_now, setup, teardown),
        cmocka_unit_test_setup_teardown(detail_keys_with_json_specials_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_text_with_invalid_utf8_is_repaired_on_the_wire, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(generation_without_cost_details_is_priced_from_the_table,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
