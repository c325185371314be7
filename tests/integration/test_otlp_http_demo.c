/* The demo service against a local receiver, as a user would run it against Langfuse:
 * LANGFUSE_BASE_URL/PUBLIC_KEY/SECRET_KEY in the environment. Every span it created must
 * arrive exactly once, pass the OTLP and Langfuse attribute rules, and its summary line's
 * exported count must equal what the receiver recorded: the spans plus the scores of its
 * online evaluation (simulated judge), each on one of the demo's traces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "http_test.h"
#include "receiver.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUESTS 300

static void demo_delivers_every_span_once_and_its_summary_matches_the_receiver(void **state)
{
    (void)state;
    const char *build = getenv("LLMOBS_BUILD_DIR");
    if (!build) fail_msg("LLMOBS_BUILD_DIR is not set (run through ctest)");
    receiver *r = receiver_start(0);
    assert_non_null(r);
    setenv("LANGFUSE_BASE_URL", receiver_url(r), 1);
    setenv("LANGFUSE_PUBLIC_KEY", TEST_PUBLIC_KEY, 1);
    setenv("LANGFUSE_SECRET_KEY", TEST_SECRET_KEY, 1);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/examples/llmobs-demo' --requests %d --concurrency 4", build,
             REQUESTS);
    int64_t t0 = test_mono_ms();
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512], summary[512] = "";
    while (fgets(line, sizeof line, p))
        if (strncmp(line, "requests=", 9) == 0) snprintf(summary, sizeof summary, "%s", line);
    assert_int_equal(pclose(p), 0);
    int64_t elapsed = test_mono_ms() - t0;

    long requests = -1;
    uint64_t exported = 0, dropped = 1, pending = 1;
    if (sscanf(summary, "requests=%ld exported=%" SCNu64 " dropped=%" SCNu64 " pending=%" SCNu64,
               &requests, &exported, &dropped, &pending) != 4)
        fail_msg("no summary line from the demo (got '%s')", summary);
    print_message("demo: %s  (%lld ms, %zu requests to the receiver)\n", summary,
                  (long long)elapsed, receiver_request_count(r));
    assert_int_equal(requests, REQUESTS);
    assert_int_equal(dropped, 0);
    assert_int_equal(pending, 0);

    /* every request: right path, auth, and OTLP rules; scores go to /api/public/scores */
    char why[256];
    cJSON *scored = cJSON_CreateObject();
    size_t scores = 0;
    for (size_t i = 0; i < receiver_request_count(r); i++) {
        const recv_request *q = receiver_request(r, i);
        assert_int_equal(q->status, 200);
        if (strcmp(q->path, "/api/public/scores") == 0) {
            cJSON *sc = cJSON_Parse(q->body);
            const cJSON *tid = cJSON_GetObjectItem(sc, "traceId"),
                        *name = cJSON_GetObjectItem(sc, "name"),
                        *value = cJSON_GetObjectItem(sc, "value");
            assert_true(cJSON_IsString(tid) && strlen(tid->valuestring) == 32);
            assert_true(cJSON_IsString(name) && (!strcmp(name->valuestring, "accuracy") ||
                                                 !strcmp(name->valuestring, "faithfulness")));
            assert_true(cJSON_IsNumber(value) && value->valuedouble >= 0 &&
                        value->valuedouble <= 1);
            if (!cJSON_GetObjectItem(scored, tid->valuestring))
                cJSON_AddTrueToObject(scored, tid->valuestring);
            scores++;
            cJSON_Delete(sc);
            continue;
        }
        assert_string_equal(q->path, "/api/public/otel/v1/traces");
        assert_string_equal(recv_header(q, "x-langfuse-ingestion-version"), "4");
        assert_non_null(recv_header(q, "authorization"));
        cJSON *req = cJSON_Parse(q->body);
        if (!otlp_check_request(req, why, sizeof why)) fail_msg("request %zu: %s", i, why);
        cJSON_Delete(req);
    }

    /* every span once; every trace has its root, retrieval and answer */
    cJSON *spans = receiver_accepted_spans(r);
    cJSON *seen = cJSON_CreateObject(), *roots = cJSON_CreateObject(),
          *per_trace = cJSON_CreateObject();
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        if (!langfuse_check_span(s, why, sizeof why)) fail_msg("Langfuse rule: %s", why);
        const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
        const char *trace = cJSON_GetObjectItem(s, "traceId")->valuestring;
        if (cJSON_GetObjectItem(seen, id)) fail_msg("span %s arrived twice", id);
        cJSON_AddTrueToObject(seen, id);
        const cJSON *parent = cJSON_GetObjectItem(s, "parentSpanId");
        if (!parent || !*parent->valuestring) {
            if (cJSON_GetObjectItem(roots, trace)) fail_msg("trace %s has two roots", trace);
            cJSON_AddTrueToObject(roots, trace);
        }
        cJSON *n = cJSON_GetObjectItem(per_trace, trace);
        if (n)
            cJSON_SetNumberValue(n, n->valuedouble + 1);
        else
            cJSON_AddNumberToObject(per_trace, trace, 1);
    }
    assert_int_equal(cJSON_GetArraySize(seen) + scores, exported);
    assert_int_equal(receiver_span_count(r) + scores, exported);
    /* about 20 % of the answered requests are judged, two scores each, on their own traces */
    assert_true(scores >= REQUESTS / 10 && scores <= REQUESTS);
    const cJSON *t;
    cJSON_ArrayForEach(t, scored)
    {
        if (!cJSON_GetObjectItem(roots, t->string))
            fail_msg("score on unknown trace %s", t->string);
    }
    cJSON_Delete(scored);
    assert_int_equal(cJSON_GetArraySize(roots), REQUESTS);
    assert_int_equal(cJSON_GetArraySize(per_trace), REQUESTS);
    const cJSON *n;
    cJSON_ArrayForEach(n, per_trace)
    {
        assert_true(n->valueint == 3 || n->valueint == 4); /* root, search, 1 or 2 answers */
    }
    assert_non_null(find_span_by_name(spans, "vector_search"));
    cJSON_Delete(per_trace);
    cJSON_Delete(roots);
    cJSON_Delete(seen);
    cJSON_Delete(spans);
    receiver_stop(r);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_delivers_every_span_once_and_its_summary_matches_the_receiver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
