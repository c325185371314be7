/* What we send is what Langfuse stores: each case where Langfuse's OTel ingestion
 * (packages/shared/src/server/otel/OtelIngestionProcessor.ts of langfuse/langfuse @6275144,
 * v4 direct-write and legacy paths) would store something other than what the caller meant,
 * checked at the wire of a real receiver. Each test quotes the server rule it relies on:
 * attribute name, AnyValue type, value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "http_test.h"
#include "receiver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LF_PATH "/api/public/otel/v1/traces"

/* The AnyValue field `type` ("boolValue", "stringValue", ...) of attribute `key`, or NULL. */
static const cJSON *typed(const cJSON *span, const char *key, const char *type)
{
    return cJSON_GetObjectItemCaseSensitive(span_attr(span, key), type);
}

static size_t count_prefix(const cJSON *span, const char *prefix)
{
    size_t n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(span, "attributes"))
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "key");
        if (cJSON_IsString(k) && strncmp(k->valuestring, prefix, strlen(prefix)) == 0) n++;
    }
    return n;
}

/* A JSON object parsed from a string attribute (the caller frees), failing the test if the
 * attribute is missing, not a stringValue, or not a JSON object. */
static cJSON *json_object_attr(const cJSON *span, const char *key)
{
    const cJSON *v = typed(span, key, "stringValue");
    if (!cJSON_IsString(v)) fail_msg("%s: no stringValue", key);
    cJSON *j = cJSON_Parse(v->valuestring);
    if (!cJSON_IsObject(j)) fail_msg("%s: '%s' is not a JSON object", key, v->valuestring);
    return j;
}

typedef struct dests {
    receiver *lf, *ot; /* Langfuse, and a generic OTLP endpoint (NULL: none) */
    llmobs_client *c;
    cJSON *lf_spans, *ot_spans;
} dests;

/* A client sending to a Langfuse stand-in and, with `otlp`, to a generic OTLP endpoint too;
 * `set` may add options (key=value pairs, NULL-terminated). */
static void dests_start(dests *d, bool otlp, const char *const *set)
{
    memset(d, 0, sizeof *d);
    d->lf = receiver_start(0);
    assert_non_null(d->lf);
    llmobs_options *o = receiver_options(d->lf, NULL, 1000);
    if (otlp) {
        d->ot = receiver_start(0);
        assert_non_null(d->ot);
        llmobs_options_set(o, "otlp_endpoint", receiver_url(d->ot));
    }
    for (; set && set[0]; set += 2)
        assert_int_equal(llmobs_options_set(o, set[0], set[1]), LLMOBS_OK);
    d->c = start_client(o);
}

static void dests_flush(dests *d)
{
    assert_int_equal(llmobs_flush(d->c, 10000, NULL), LLMOBS_OK);
    d->lf_spans = receiver_accepted_spans(d->lf);
    if (d->ot) d->ot_spans = receiver_accepted_spans(d->ot);
    for (size_t i = 0; i < receiver_request_count(d->lf); i++)
        assert_string_equal(receiver_request(d->lf, i)->path, LF_PATH);
}

static void dests_stop(dests *d)
{
    llmobs_shutdown(d->c, 5000);
    cJSON_Delete(d->lf_spans);
    cJSON_Delete(d->ot_spans);
    receiver_stop(d->lf);
    receiver_stop(d->ot);
}

static const cJSON *span_named(const cJSON *spans, const char *name)
{
    const cJSON *s = find_span_by_name(spans, name);
    if (!s) fail_msg("no span named %s", name);
    return s;
}

/* ---- 1. trace roots ------------------------------------------------------------------------ */

/* Langfuse v4 (events table) takes a row as its trace's root when
 * `parent_span_id = '' OR is_app_root = true`, and `is_app_root` is set from the span
 * attribute langfuse.internal.is_app_root, a boolValue (OtelIngestionProcessor.ts:604,1104);
 * trace input/output/metadata and llmobs-eval production's isRootObservation filter depend on
 * it. The legacy path reads langfuse.internal.as_root (:923-925). So every local root carries
 * is_app_root = boolValue true (and as_root), including a root continued from an incoming
 * traceparent, which keeps the remote parentSpanId (docs/decisions.md); children carry
 * neither. */
static void every_local_root_is_an_app_root_also_under_a_remote_parent(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, false, NULL);
    llmobs_trace *plain = llmobs_trace_start(d.c, "plain", NULL);
    llmobs_obs *child = llmobs_obs_start(plain, NULL, LLMOBS_OBS_GENERATION, "plain-child", NULL);
    llmobs_obs_end(child);
    llmobs_trace_end(plain);
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    llmobs_status st;
    llmobs_trace *cont = llmobs_trace_start_traceparent(d.c, "continued", tp, &st);
    assert_non_null(cont);
    child = llmobs_obs_start(cont, NULL, LLMOBS_OBS_SPAN, "continued-child", NULL);
    llmobs_obs_end(child);
    llmobs_trace_end(cont);
    dests_flush(&d);
    assert_int_equal(cJSON_GetArraySize(d.lf_spans), 4);

    const cJSON *root = span_named(d.lf_spans, "plain");
    assert_null(cJSON_GetObjectItem(root, "parentSpanId"));
    assert_true(cJSON_IsTrue(typed(root, "langfuse.internal.is_app_root", "boolValue")));
    assert_true(cJSON_IsTrue(typed(root, "langfuse.internal.as_root", "boolValue")));

    root = span_named(d.lf_spans, "continued");
    assert_string_equal(cJSON_GetObjectItem(root, "traceId")->valuestring,
                        "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(cJSON_GetObjectItem(root, "parentSpanId")->valuestring, "00f067aa0ba902b7");
    assert_true(cJSON_IsTrue(typed(root, "langfuse.internal.is_app_root", "boolValue")));
    assert_true(cJSON_IsTrue(typed(root, "langfuse.internal.as_root", "boolValue")));

    const char *children[] = {"plain-child", "continued-child"};
    for (int i = 0; i < 2; i++) {
        const cJSON *s = span_named(d.lf_spans, children[i]);
        assert_null(span_attr(s, "langfuse.internal.is_app_root"));
        assert_null(span_attr(s, "langfuse.internal.as_root"));
    }
    dests_stop(&d);
}

/* ---- 2. agents keep model, usage and cost -----------------------------------------------------
 */

/* OtelIngestionProcessor.ts:2593-2600: a span with gen_ai.operation.name = "invoke_agent"
 * (stringValue) gets no model, usage or cost, on both paths (a guard for another SDK's agent
 * spans). The type comes from langfuse.observation.type (stringValue "agent"), which
 * ObservationTypeMapper reads first; so the Langfuse destination gets no gen_ai.operation.name,
 * while a generic OTLP backend still gets the semantic-convention invoke_agent. */
static void agent_observations_keep_model_usage_and_cost_at_langfuse(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, true, NULL);
    llmobs_trace *t = llmobs_trace_start(d.c, "agentic", NULL);
    llmobs_obs *a = llmobs_obs_start(t, NULL, LLMOBS_OBS_AGENT, "planner", NULL);
    llmobs_obs_set_model(a, "gpt-4o");
    llmobs_obs_set_usage(a, 120, 30);
    llmobs_obs_set_cost_detail(a, "input", 0.0003);
    llmobs_obs_set_cost_detail(a, "output", 0.0003);
    llmobs_obs_end(a);
    llmobs_trace_end(t);
    dests_flush(&d);

    const cJSON *s = span_named(d.lf_spans, "planner");
    assert_null(span_attr(s, "gen_ai.operation.name"));
    assert_string_equal(typed(s, "langfuse.observation.type", "stringValue")->valuestring, "agent");
    assert_string_equal(typed(s, "langfuse.observation.model.name", "stringValue")->valuestring,
                        "gpt-4o");
    cJSON *usage = json_object_attr(s, "langfuse.observation.usage_details");
    assert_int_equal(cJSON_GetObjectItem(usage, "input")->valueint, 120);
    assert_int_equal(cJSON_GetObjectItem(usage, "output")->valueint, 30);
    cJSON_Delete(usage);
    cJSON *cost = json_object_attr(s, "langfuse.observation.cost_details");
    assert_true(fabs(cJSON_GetObjectItem(cost, "total")->valuedouble - 0.0006) < 1e-12);
    cJSON_Delete(cost);

    s = span_named(d.ot_spans, "planner");
    assert_string_equal(typed(s, "gen_ai.operation.name", "stringValue")->valuestring,
                        "invoke_agent");
    dests_stop(&d);
}

/* ---- 3. environments ------------------------------------------------------------------------- */

/* Langfuse's environment rule (packages/shared/src/server/ingestion/types.ts:239): lowercased,
 * a leading "langfuse" stripped, cut to 40 characters, and "default" unless it then matches
 * ^[a-z0-9-_]+$; llmobs refuses what Langfuse would change, naming the option, and sends an
 * accepted name as langfuse.environment = stringValue <name>, unchanged. */
static void environments_follow_langfuses_rule_or_are_refused_naming_the_option(void **state)
{
    (void)state;
    const char *forty = "prod-eu-west-1-canary-blue-green-0123456"; /* 40 */
    assert_int_equal(strlen(forty), 40);
    char fortyone[64];
    snprintf(fortyone, sizeof fortyone, "%sx", forty);

    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "environment", fortyone), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "option environment"));
    assert_non_null(strstr(llmobs_last_error(), "at most 40 characters"));
    assert_int_equal(llmobs_options_set(o, "environment", "Production"), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "option environment"));
    assert_int_equal(llmobs_options_set(o, "environment", "langfuse-prod"), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "'langfuse'"));
    assert_int_equal(llmobs_options_set(o, "environment", "prod eu"), LLMOBS_EINVAL);
    llmobs_options_free(o);

    /* from the environment variable: the client is not created, and the error names both */
    setenv("LANGFUSE_TRACING_ENVIRONMENT", fortyone, 1);
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(NULL, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LANGFUSE_TRACING_ENVIRONMENT"));
    assert_non_null(strstr(llmobs_last_error(), "option environment"));
    unsetenv("LANGFUSE_TRACING_ENVIRONMENT");

    const char *set[] = {"environment", forty, NULL};
    dests d;
    dests_start(&d, false, set);
    llmobs_trace *t = llmobs_trace_start(d.c, "env", NULL);
    assert_int_equal(llmobs_trace_set_environment(t, fortyone), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "llmobs_trace_set_environment"));
    llmobs_score *sc = llmobs_score_new("s", NULL);
    assert_non_null(sc);
    assert_int_equal(llmobs_score_set_environment(sc, fortyone), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "llmobs_score_set_environment"));
    llmobs_score_free(sc);
    llmobs_trace_end(t);
    dests_flush(&d);
    const cJSON *s = span_named(d.lf_spans, "env");
    assert_string_equal(typed(s, "langfuse.environment", "stringValue")->valuestring, forty);
    dests_stop(&d);
}

/* ---- 4. prompt links ---------------------------------------------------------------------------
 */

/* canLinkPrompt (OtelIngestionProcessor.ts:521,1166): langfuse.observation.prompt.name
 * (stringValue) and .prompt.version (intValue) are kept on GENERATION observations only.
 * llmobs_obs_set_prompt on any other type returns LLMOBS_EUNSUPPORTED and sends nothing. */
static void prompt_links_go_on_generations_and_are_refused_elsewhere(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, false, NULL);
    llmobs_trace *t = llmobs_trace_start(d.c, "prompted", NULL);
    static const llmobs_obs_type others[] = {
        LLMOBS_OBS_SPAN,      LLMOBS_OBS_EVENT,     LLMOBS_OBS_EMBEDDING,
        LLMOBS_OBS_AGENT,     LLMOBS_OBS_TOOL,      LLMOBS_OBS_CHAIN,
        LLMOBS_OBS_RETRIEVER, LLMOBS_OBS_GUARDRAIL, LLMOBS_OBS_EVALUATOR};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        char name[32];
        snprintf(name, sizeof name, "other-%zu", i);
        llmobs_obs *o = llmobs_obs_start(t, NULL, others[i], name, NULL);
        assert_int_equal(llmobs_obs_set_prompt(o, "qa-prompt", 3), LLMOBS_EUNSUPPORTED);
        assert_non_null(strstr(llmobs_last_error(), "generations only"));
        llmobs_obs_end(o);
    }
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    assert_int_equal(llmobs_obs_set_prompt(g, "qa-prompt", 3), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    dests_flush(&d);
    const cJSON *s;
    cJSON_ArrayForEach(s, d.lf_spans)
    {
        const char *name = cJSON_GetObjectItem(s, "name")->valuestring;
        if (strcmp(name, "gen") == 0) continue;
        if (count_prefix(s, "langfuse.observation.prompt.")) fail_msg("prompt on %s", name);
    }
    s = span_named(d.lf_spans, "gen");
    assert_string_equal(typed(s, "langfuse.observation.prompt.name", "stringValue")->valuestring,
                        "qa-prompt");
    assert_string_equal(typed(s, "langfuse.observation.prompt.version", "intValue")->valuestring,
                        "3");
    dests_stop(&d);
}

/* ---- 5. metadata stays a JSON object -----------------------------------------------------------
 */

typedef enum {
    MASK_TEXT,
    MASK_ARRAY,
    MASK_NUMBER,
    MASK_FAIL,
    MASK_OBJECT,
    MASK_TRAILING
} mask_mode;

static int mask(const char *field, const char *value, char *out, size_t cap, size_t *len, void *ud)
{
    (void)value;
    const char *text = strcmp(field, "metadata") != 0            ? value
                       : *(const mask_mode *)ud == MASK_TEXT     ? "[REDACTED]"
                       : *(const mask_mode *)ud == MASK_ARRAY    ? "[\"a\",\"b\"]"
                       : *(const mask_mode *)ud == MASK_NUMBER   ? "42"
                       : *(const mask_mode *)ud == MASK_OBJECT   ? "{\"kept\":\"yes\"}"
                       : *(const mask_mode *)ud == MASK_TRAILING ? "{\"a\":1} trailing"
                                                                 : NULL;
    if (!text) return -1; /* a failing mask */
    *len = strlen(text);
    if (*len + 1 > cap) return 1;
    memcpy(out, text, *len + 1);
    return 0;
}

/* parseMetadataAttribute (OtelIngestionProcessor.ts:3170): langfuse.observation.metadata and
 * langfuse.trace.metadata (stringValue) are kept only when they parse as a JSON object;
 * anything else is dropped whole (metric metadata_dropped). Whatever the mask returns, both go
 * out as an object: non-objects wrapped as {"value": <what the mask returned>}. */
static void metadata_is_a_json_object_whatever_the_mask_returns(void **state)
{
    (void)state;
    static const struct {
        mask_mode mode;
        const char *want; /* the object on the wire, printed unformatted */
    } cases[] = {
        {MASK_TEXT, "{\"value\":\"[REDACTED]\"}"},
        {MASK_ARRAY, "{\"value\":[\"a\",\"b\"]}"},
        {MASK_NUMBER, "{\"value\":42}"},
        {MASK_FAIL, "{\"value\":\"<fully masked due to failed mask function>\"}"},
        {MASK_OBJECT, "{\"kept\":\"yes\"}"},
        {MASK_TRAILING, "{\"value\":\"{\\\"a\\\":1} trailing\"}"}, /* not JSON: text */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mask_mode mode = cases[i].mode;
        receiver *r = receiver_start(0);
        llmobs_options *o = receiver_options(r, NULL, 1000);
        llmobs_options_set_mask_callback(o, mask, &mode);
        llmobs_client *c = start_client(o);
        llmobs_trace *t = llmobs_trace_start(c, "masked", NULL);
        llmobs_trace_set_metadata(t, "tenant", "acme");
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
        llmobs_obs_set_metadata(g, "secret", "s3cr3t");
        llmobs_obs_end(g);
        llmobs_trace_end(t);
        assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
        cJSON *spans = receiver_accepted_spans(r);
        const cJSON *s = span_named(spans, "gen");
        const char *keys[] = {"langfuse.observation.metadata", "langfuse.trace.metadata"};
        for (int k = 0; k < 2; k++) {
            cJSON *md = json_object_attr(s, keys[k]);
            char *text = cJSON_PrintUnformatted(md);
            if (strcmp(text, cases[i].want) != 0)
                fail_msg("case %zu %s: got %s, want %s", i, keys[k], text, cases[i].want);
            free(text);
            cJSON_Delete(md);
        }
        cJSON_Delete(spans);
        llmobs_shutdown(c, 5000);
        receiver_stop(r);
    }
}

/* ---- 6. trace metadata over observation metadata --------------------------------------------- */

/* In v4 every observation's stored metadata is {...spanMetadata, ...traceMetadata}
 * (OtelIngestionProcessor.ts:419-425): on the same key the trace's value wins. llmobs sends
 * both as they were set, on every span, and leaves the merge to Langfuse (docs/export.md):
 * langfuse.trace.metadata = {"step":"trace"} and langfuse.observation.metadata =
 * {"step":"obs"} arrive side by side. */
static void trace_and_observation_metadata_travel_side_by_side(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, false, NULL);
    llmobs_trace *t = llmobs_trace_start(d.c, "merge", NULL);
    llmobs_trace_set_metadata(t, "step", "trace");
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "child", NULL);
    llmobs_obs_set_metadata(o, "step", "obs");
    llmobs_obs_end(o);
    llmobs_trace_end(t);
    dests_flush(&d);
    const cJSON *s = span_named(d.lf_spans, "child");
    cJSON *tm = json_object_attr(s, "langfuse.trace.metadata");
    cJSON *om = json_object_attr(s, "langfuse.observation.metadata");
    assert_string_equal(cJSON_GetObjectItem(tm, "step")->valuestring, "trace");
    assert_string_equal(cJSON_GetObjectItem(om, "step")->valuestring, "obs");
    cJSON_Delete(tm);
    cJSON_Delete(om);
    dests_stop(&d);
}

/* ---- 7. no gen_ai.* duplicates at Langfuse -----------------------------------------------------
 */

static void full_generation(llmobs_client *c)
{
    llmobs_trace *t = llmobs_trace_start(c, "full", NULL);
    llmobs_trace_set_user_id(t, "u1");
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    llmobs_obs_set_model(g, "gpt-4o");
    llmobs_obs_set_provider(g, "openai");
    llmobs_obs_set_model_parameter(g, "temperature", "0.2");
    llmobs_obs_set_model_parameter(g, "max_tokens", "256");
    llmobs_obs_set_usage(g, 100, 40);
    llmobs_obs_set_usage_detail(g, LLMOBS_USAGE_CACHE_READ, 20);
    llmobs_obs_set_usage_detail(g, LLMOBS_USAGE_REASONING, 10);
    llmobs_obs_set_completion_start_time(g, llmobs_now_ns());
    llmobs_obs_set_input(g, "hi");
    llmobs_obs_set_output(g, "hello");
    llmobs_obs_end(g);
    llmobs_trace_end(t);
}

/* Langfuse copies every span attribute but input/output into each observation's
 * metadata.attributes when the scope is not a Langfuse SDK's (OtelIngestionProcessor.ts:388,
 * 414,1016,1146), and it reads model, parameters, usage, cost and completion start from the
 * langfuse.observation.* attributes before any gen_ai.* one (model.name first,
 * usage_details verbatim). So the gen_ai.* duplicates only add metadata noise there: the
 * Langfuse destination gets none, a generic OTLP destination gets them, and the two views
 * differ by exactly those attributes. otlp_attributes chooses the generic destination's view. */
static void langfuse_gets_no_gen_ai_duplicates_and_otlp_gets_the_conventions(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, true, NULL);
    full_generation(d.c);
    dests_flush(&d);
    const cJSON *lf = span_named(d.lf_spans, "gen"), *ot = span_named(d.ot_spans, "gen");
    assert_int_equal(count_prefix(lf, "gen_ai."), 0);
    assert_true(count_prefix(ot, "gen_ai.") >= 9);
    assert_string_equal(typed(ot, "gen_ai.request.model", "stringValue")->valuestring, "gpt-4o");
    assert_string_equal(typed(ot, "gen_ai.usage.input_tokens", "intValue")->valuestring, "120");
    assert_string_equal(typed(ot, "gen_ai.provider.name", "stringValue")->valuestring, "openai");
    /* what Langfuse maps is all there, identical */
    const cJSON *a;
    size_t lf_attrs = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(lf, "attributes"))
    {
        const char *key = cJSON_GetObjectItem(a, "key")->valuestring;
        char *x = cJSON_PrintUnformatted(cJSON_GetObjectItem(a, "value"));
        char *y = cJSON_PrintUnformatted(span_attr(ot, key));
        if (!y || strcmp(x, y) != 0) fail_msg("%s differs: %s vs %s", key, x, y ? y : "none");
        free(x);
        free(y);
        lf_attrs++;
    }
    assert_int_equal(lf_attrs + count_prefix(ot, "gen_ai."),
                     (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(ot, "attributes")));
    const recv_request *lq = receiver_request(d.lf, 0), *oq = receiver_request(d.ot, 0);
    print_message("bytes per span: langfuse %zu, otlp (all) %zu\n", lq->len / 2, oq->len / 2);
    assert_true(lq->len < oq->len);
    dests_stop(&d);

    /* otlp_attributes=genai: no langfuse.* at the OTLP destination; =langfuse: as Langfuse */
    const char *genai[] = {"otlp_attributes", "genai", NULL};
    dests_start(&d, true, genai);
    full_generation(d.c);
    dests_flush(&d);
    ot = span_named(d.ot_spans, "gen");
    assert_int_equal(count_prefix(ot, "langfuse."), 0);
    assert_true(count_prefix(ot, "gen_ai.") >= 9);
    assert_string_equal(typed(ot, "user.id", "stringValue")->valuestring, "u1");
    dests_stop(&d);

    const char *langfuse[] = {"otlp_attributes", "langfuse", NULL};
    dests_start(&d, true, langfuse);
    full_generation(d.c);
    dests_flush(&d);
    assert_int_equal(receiver_request(d.lf, 0)->len, receiver_request(d.ot, 0)->len);
    assert_memory_equal(receiver_request(d.lf, 0)->body, receiver_request(d.ot, 0)->body,
                        receiver_request(d.ot, 0)->len);
    dests_stop(&d);
}

/* ---- 8. gen_ai.request.* types -----------------------------------------------------------------
 */

/* GenAI semantic conventions (v1.41.1): gen_ai.request.temperature, top_p, top_k,
 * frequency_penalty, presence_penalty are double; max_tokens, seed are int; stop_sequences is
 * string[]. The type must not depend on the value: temperature 1 is doubleValue 1, never
 * intValue "1". Langfuse itself reads langfuse.observation.model.parameters (a JSON object
 * string), which keeps the values as given. */
static void gen_ai_request_parameters_keep_their_semantic_convention_types(void **state)
{
    (void)state;
    dests d;
    dests_start(&d, true, NULL);
    llmobs_trace *t = llmobs_trace_start(d.c, "params", NULL);
    const char *names[] = {"t1", "t02"};
    const char *temps[] = {"1", "0.2"};
    for (int i = 0; i < 2; i++) {
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, names[i], NULL);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_model_parameter(g, "temperature", temps[i]);
        llmobs_obs_set_model_parameter(g, "top_p", "1");
        llmobs_obs_set_model_parameter(g, "top_k", "40");
        llmobs_obs_set_model_parameter(g, "frequency_penalty", "0");
        llmobs_obs_set_model_parameter(g, "max_tokens", "256");
        llmobs_obs_set_model_parameter(g, "seed", "7");
        llmobs_obs_set_model_parameter(g, "stop_sequences", "[\"\\n\",\"END\"]");
        llmobs_obs_set_model_parameter(g, "stream", "true");
        llmobs_obs_end(g);
    }
    llmobs_trace_end(t);
    dests_flush(&d);
    for (int i = 0; i < 2; i++) {
        const cJSON *s = span_named(d.ot_spans, names[i]);
        const cJSON *temp = typed(s, "gen_ai.request.temperature", "doubleValue");
        assert_true(cJSON_IsNumber(temp));
        assert_true(temp->valuedouble == (i == 0 ? 1.0 : 0.2));
        assert_null(typed(s, "gen_ai.request.temperature", "intValue"));
        assert_true(typed(s, "gen_ai.request.top_p", "doubleValue")->valuedouble == 1.0);
        assert_true(typed(s, "gen_ai.request.top_k", "doubleValue")->valuedouble == 40.0);
        assert_true(typed(s, "gen_ai.request.frequency_penalty", "doubleValue")->valuedouble ==
                    0.0);
        assert_string_equal(typed(s, "gen_ai.request.max_tokens", "intValue")->valuestring, "256");
        assert_string_equal(typed(s, "gen_ai.request.seed", "intValue")->valuestring, "7");
        const cJSON *stop =
            cJSON_GetObjectItem(typed(s, "gen_ai.request.stop_sequences", "arrayValue"), "values");
        assert_int_equal(cJSON_GetArraySize(stop), 2);
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetArrayItem(stop, 1), "stringValue")->valuestring, "END");
        assert_true(cJSON_IsTrue(typed(s, "gen_ai.request.stream", "boolValue")));
        /* Langfuse: the parameters object, values as given */
        cJSON *p = json_object_attr(span_named(d.lf_spans, names[i]),
                                    "langfuse.observation.model.parameters");
        assert_true(cJSON_GetObjectItem(p, "temperature")->valuedouble == (i == 0 ? 1.0 : 0.2));
        assert_int_equal(cJSON_GetObjectItem(p, "max_tokens")->valueint, 256);
        cJSON_Delete(p);
    }
    dests_stop(&d);
}

/* ---- 11. leaving cost to Langfuse
 * ---------------------------------------------------------------- */

/* Any provided cost detail (langfuse.observation.cost_details, a JSON object string) makes
 * Langfuse skip its own and the project's custom model prices for that observation
 * (worker/src/services/IngestionService/index.ts:1634). send_cost=false sends usage only
 * (langfuse.observation.usage_details), so Langfuse prices it; local cost tracking is
 * unchanged. */
static void send_cost_false_sends_usage_only_and_still_tracks_cost_locally(void **state)
{
    (void)state;
    for (int send = 0; send < 2; send++) {
        const char *set[] = {"send_cost", send ? "true" : "false", NULL};
        dests d;
        dests_start(&d, false, set);
        llmobs_trace *t = llmobs_trace_start(d.c, "priced", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_usage(g, 1000, 100);
        llmobs_obs_end(g);
        llmobs_obs *a = llmobs_obs_start(t, NULL, LLMOBS_OBS_AGENT, "agent", NULL);
        llmobs_obs_set_cost_detail(a, "total", 0.5); /* the caller's own cost: same rule */
        llmobs_obs_end(a);
        llmobs_trace_end(t);
        dests_flush(&d);
        const cJSON *s = span_named(d.lf_spans, "gen");
        cJSON *usage = json_object_attr(s, "langfuse.observation.usage_details");
        assert_int_equal(cJSON_GetObjectItem(usage, "input")->valueint, 1000);
        cJSON_Delete(usage);
        const char *names[] = {"gen", "agent"};
        for (int i = 0; i < 2; i++) {
            const cJSON *cost =
                span_attr(span_named(d.lf_spans, names[i]), "langfuse.observation.cost_details");
            if (send)
                assert_non_null(cost);
            else
                assert_null(cost);
        }
        double spend = 0;
        assert_int_equal(
            llmobs_cost_spend_feature(llmobs_client_cost_tracker(d.c), "priced", &spend),
            LLMOBS_OK);
        assert_true(spend > 0); /* gpt-4o is priced locally either way */
        dests_stop(&d);
    }
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_local_root_is_an_app_root_also_under_a_remote_parent),
        cmocka_unit_test(agent_observations_keep_model_usage_and_cost_at_langfuse),
        cmocka_unit_test(environments_follow_langfuses_rule_or_are_refused_naming_the_option),
        cmocka_unit_test(prompt_links_go_on_generations_and_are_refused_elsewhere),
        cmocka_unit_test(metadata_is_a_json_object_whatever_the_mask_returns),
        cmocka_unit_test(trace_and_observation_metadata_travel_side_by_side),
        cmocka_unit_test(langfuse_gets_no_gen_ai_duplicates_and_otlp_gets_the_conventions),
        cmocka_unit_test(gen_ai_request_parameters_keep_their_semantic_convention_types),
        cmocka_unit_test(send_cost_false_sends_usage_only_and_still_tracks_cost_locally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
