/* OTLP/HTTP exporter, what goes on the wire: request structure, headers and auth, gzip,
 * generic OTLP endpoints, two destinations at once, and exporter selection. Every test talks
 * to a real receiver on 127.0.0.1. */
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

#define BASIC_AUTH "Basic cGstbGYtMTIzNDU2Nzg5MDpzay1sZi1UT1BTRUNSRVQtMDk4NzY1NDMyMQ=="

static const cJSON *attr_value(const cJSON *span, const char *key, const char *field)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(span, "attributes"))
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "key");
        if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
            return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "value"),
                                                    field);
    }
    return NULL;
}

static void spans_arrive_with_otlp_structure_and_langfuse_attributes(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    assert_non_null(r);
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    llmobs_trace *t = llmobs_trace_start(c, "checkout", NULL);
    llmobs_trace_set_user_id(t, "user-7");
    llmobs_trace_set_session_id(t, "session-3");
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(g, "gpt-4o");
    llmobs_obs_set_usage(g, 52, 47);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);

    assert_int_equal(receiver_request_count(r), 1);
    const recv_request *q = receiver_request(r, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/api/public/otel/v1/traces");
    assert_int_equal(q->status, 200);
    cJSON *req = cJSON_Parse(q->body);
    char why[256] = "";
    if (!otlp_check_request(req, why, sizeof why)) fail_msg("OTLP rule broken: %s", why);
    const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(req, "resourceSpans"), 0);
    const cJSON *res_attrs = cJSON_GetObjectItem(cJSON_GetObjectItem(rs, "resource"), "attributes");
    const cJSON *a;
    bool service = false;
    cJSON_ArrayForEach(a, res_attrs) service |=
        strcmp(cJSON_GetObjectItem(a, "key")->valuestring, "service.name") == 0;
    assert_true(service);
    const cJSON *spans =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0), "spans");
    assert_int_equal(cJSON_GetArraySize(spans), 2);
    const cJSON *root = NULL, *gen = NULL, *s;
    cJSON_ArrayForEach(s, spans)
    {
        if (!langfuse_check_span(s, why, sizeof why)) fail_msg("Langfuse rule broken: %s", why);
        if (strcmp(cJSON_GetObjectItem(s, "name")->valuestring, "checkout") == 0)
            root = s;
        else
            gen = s;
    }
    assert_non_null(root);
    assert_non_null(gen);
    /* ids: the child points at the root, same trace */
    const cJSON *root_parent = cJSON_GetObjectItem(root, "parentSpanId");
    assert_true(!root_parent || !*root_parent->valuestring);
    assert_string_equal(cJSON_GetObjectItem(gen, "parentSpanId")->valuestring,
                        cJSON_GetObjectItem(root, "spanId")->valuestring);
    assert_string_equal(cJSON_GetObjectItem(gen, "traceId")->valuestring,
                        cJSON_GetObjectItem(root, "traceId")->valuestring);
    /* kind is an integer: CLIENT for the model call, INTERNAL for the root */
    assert_int_equal(cJSON_GetObjectItem(gen, "kind")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(root, "kind")->valueint, 1);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(gen, "startTimeUnixNano")));
    /* Langfuse attributes */
    assert_string_equal(attr_value(root, "langfuse.trace.name", "stringValue")->valuestring,
                        "checkout");
    assert_string_equal(attr_value(root, "user.id", "stringValue")->valuestring, "user-7");
    assert_string_equal(attr_value(root, "session.id", "stringValue")->valuestring, "session-3");
    assert_string_equal(attr_value(gen, "langfuse.observation.type", "stringValue")->valuestring,
                        "generation");
    assert_string_equal(
        attr_value(gen, "langfuse.observation.model.name", "stringValue")->valuestring, "gpt-4o");
    cJSON *usage = cJSON_Parse(
        attr_value(gen, "langfuse.observation.usage_details", "stringValue")->valuestring);
    assert_int_equal(cJSON_GetObjectItem(usage, "input")->valueint, 52);
    assert_int_equal(cJSON_GetObjectItem(usage, "output")->valueint, 47);
    cJSON_Delete(usage);
    /* Langfuse reads usage_details verbatim; the gen_ai.usage.* duplicates go to generic OTLP
     * destinations only (test_langfuse_mapping.c) */
    assert_null(attr_value(gen, "gen_ai.usage.input_tokens", "intValue"));
    cJSON_Delete(req);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 2);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void langfuse_headers_and_basic_auth_are_sent(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    llmobs_client *c = start_client(receiver_options(r, NULL, 100));
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    const recv_request *q = receiver_request(r, 0);
    assert_string_equal(recv_header(q, "authorization"), BASIC_AUTH);
    assert_string_equal(recv_header(q, "content-type"), "application/json");
    assert_string_equal(recv_header(q, "x-langfuse-ingestion-version"), "4");
    assert_string_equal(recv_header(q, "x-langfuse-sdk-name"), "llmobs-c");
    assert_string_equal(recv_header(q, "x-langfuse-sdk-version"), llmobs_version());
    assert_string_equal(recv_header(q, "x-langfuse-public-key"), TEST_PUBLIC_KEY);
    char ua[64];
    snprintf(ua, sizeof ua, "llmobs-c/%s", llmobs_version());
    assert_string_equal(recv_header(q, "user-agent"), ua);
    assert_null(recv_header(q, "content-encoding"));
    assert_null(recv_header(q, "expect"));
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void gzip_bodies_decode_to_the_same_json(void **state)
{
    (void)state;
    /* One client, two destinations on one receiver: Langfuse gzipped, OTLP plain. */
    receiver *r = receiver_start(0);
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set(o, "gzip", "true");
    char url[128];
    snprintf(url, sizeof url, "%s/plain/v1/traces", receiver_url(r));
    llmobs_options_set(o, "otlp_traces_endpoint", url);
    llmobs_options_set(o, "otlp_attributes", "langfuse"); /* the body Langfuse gets */
    llmobs_client *c = start_client(o);
    make_traces(c, 5);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2);
    const recv_request *gz = NULL, *plain = NULL;
    for (size_t i = 0; i < 2; i++) {
        const recv_request *q = receiver_request(r, i);
        if (strcmp(q->path, "/api/public/otel/v1/traces") == 0)
            gz = q;
        else
            plain = q;
    }
    assert_non_null(gz);
    assert_non_null(plain);
    assert_string_equal(recv_header(gz, "content-encoding"), "gzip");
    assert_null(recv_header(plain, "content-encoding"));
    assert_true(gz->gunzip_ok);
    assert_true(gz->wire_len < gz->len); /* it was really compressed */
    assert_int_equal(gz->len, plain->len);
    assert_memory_equal(gz->body, plain->body, plain->len);
    assert_int_equal(gz->spans, 10);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void otlp_endpoint_gets_v1_traces_appended_and_custom_headers(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    llmobs_options *o = llmobs_options_new();
    char url[128];
    snprintf(url, sizeof url, "%s/otel/", receiver_url(r)); /* trailing slash */
    llmobs_options_set(o, "otlp_endpoint", url);
    llmobs_options_set(o, "otlp_headers", " api-key = abc%20def%2C1 ,x-tenant=t1,");
    llmobs_options_set(o, "otlp_compression", "gzip");
    llmobs_options_set_int(o, "flush_at", 100);
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    const recv_request *q = receiver_request(r, 0);
    assert_string_equal(q->path, "/otel/v1/traces");
    assert_string_equal(recv_header(q, "api-key"), "abc def,1");
    assert_string_equal(recv_header(q, "x-tenant"), "t1");
    assert_string_equal(recv_header(q, "content-encoding"), "gzip");
    assert_string_equal(recv_header(q, "content-type"), "application/json");
    assert_null(recv_header(q, "authorization"));
    assert_null(recv_header(q, "x-langfuse-ingestion-version"));
    assert_int_equal(q->spans, 4);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void otlp_traces_endpoint_is_used_as_is(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    llmobs_options *o = llmobs_options_new();
    char url[128];
    snprintf(url, sizeof url, "%s/custom/traces", receiver_url(r));
    llmobs_options_set(o, "otlp_traces_endpoint", url);
    llmobs_options_set(o, "exporter", "otlp");
    llmobs_client *c = start_client(o);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    assert_string_equal(receiver_request(r, 0)->path, "/custom/traces");
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void both_destinations_receive_every_span_once(void **state)
{
    (void)state;
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    llmobs_options *o = receiver_options(lf, NULL, 10);
    llmobs_options_set(o, "otlp_endpoint", receiver_url(ot));
    llmobs_client *c = start_client(o);
    make_traces(c, 20);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 40);
    receiver *both[] = {lf, ot};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(receiver_span_count(both[k]), 40);
        cJSON *spans = receiver_accepted_spans(both[k]);
        cJSON *seen = cJSON_CreateObject();
        const cJSON *s;
        cJSON_ArrayForEach(s, spans)
        {
            const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
            assert_null(cJSON_GetObjectItem(seen, id));
            cJSON_AddTrueToObject(seen, id);
        }
        cJSON_Delete(seen);
        cJSON_Delete(spans);
    }
    assert_string_equal(receiver_request(ot, 0)->path, "/v1/traces");
    llmobs_shutdown(c, 5000);
    receiver_stop(lf);
    receiver_stop(ot);
}

static void exporter_otlp_without_keys_or_endpoint_names_the_missing_option(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "otlp");
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(o, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "public_key and secret_key"));
    assert_non_null(strstr(llmobs_last_error(), "otlp_endpoint"));

    o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "otlp");
    llmobs_options_set(o, "public_key", TEST_PUBLIC_KEY);
    assert_null(llmobs_client_new(o, &st));
    assert_non_null(strstr(llmobs_last_error(), "secret_key (LANGFUSE_SECRET_KEY)"));
}

static void exporter_auto_picks_otlp_when_keys_are_set(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    logcap lc;
    logcap_init(&lc);
    llmobs_client *c = start_client(receiver_options(r, &lc, 100));
    assert_int_equal(logcap_count(&lc, "exporting with the otlp exporter", LLMOBS_LOG_INFO), 1);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_span_count(r), 2);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

static void keep_alive_reuses_one_connection(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    llmobs_client *c = start_client(receiver_options(r, NULL, 2));
    for (int i = 0; i < 5; i++) {
        make_traces(c, 1);
        assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    }
    assert_int_equal(receiver_request_count(r), 5);
    assert_int_equal(receiver_connection_count(r), 1);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spans_arrive_with_otlp_structure_and_langfuse_attributes),
        cmocka_unit_test(langfuse_headers_and_basic_auth_are_sent),
        cmocka_unit_test(gzip_bodies_decode_to_the_same_json),
        cmocka_unit_test(otlp_endpoint_gets_v1_traces_appended_and_custom_headers),
        cmocka_unit_test(otlp_traces_endpoint_is_used_as_is),
        cmocka_unit_test(both_destinations_receive_every_span_once),
        cmocka_unit_test(exporter_otlp_without_keys_or_endpoint_names_the_missing_option),
        cmocka_unit_test(exporter_auto_picks_otlp_when_keys_are_set),
        cmocka_unit_test(keep_alive_reuses_one_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
