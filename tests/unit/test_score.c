/* Scores: client-side validation mirrors the server's rules; delivery shares the queue,
 * retries and accounting with spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <stdlib.h>
#include <string.h>

/* Records score payloads (bodies without resourceSpans) separately from spans. */
typedef struct {
    capture cap;
    cJSON *scores;
    int retry_first;
} score_capture;

static llmobs_export_result record(const char *body, size_t len, const char *ct, uint32_t items,
                                   void *ud)
{
    score_capture *sc = ud;
    cJSON *req = cJSON_ParseWithLength(body, len);
    if (cJSON_GetObjectItem(req, "resourceSpans")) {
        cJSON_Delete(req);
        return capture_export(body, len, ct, items, &sc->cap);
    }
    pthread_mutex_lock(&sc->cap.mu);
    sc->cap.calls++;
    llmobs_export_result r = LLMOBS_EXPORT_OK;
    if (sc->retry_first > 0) {
        sc->retry_first--;
        r = LLMOBS_EXPORT_RETRY;
    }
    cJSON_AddItemToArray(sc->scores, req);
    pthread_mutex_unlock(&sc->cap.mu);
    return r;
}

static llmobs_client *client_for(score_capture *sc, const char *sample_rate)
{
    memset(sc, 0, sizeof *sc);
    capture_init(&sc->cap);
    sc->scores = cJSON_CreateArray();
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set_export_callback(o, record, sc);
    llmobs_options_set(o, "environment", "prod");
    if (sample_rate) llmobs_options_set(o, "sample_rate", sample_rate);
    return llmobs_client_new(o, NULL);
}

static void done(score_capture *sc, llmobs_client *c)
{
    llmobs_shutdown(c, 5000);
    cJSON_Delete(sc->scores);
    capture_destroy(&sc->cap);
}

static const char *TRACE = "0123456789abcdef0123456789abcdef";

static void numeric_score_is_sent_as_create_score_request(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, NULL);
    llmobs_score *s = llmobs_score_new("accuracy", NULL);
    assert_int_equal(llmobs_score_set_numeric(s, 0.75), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_trace_id(s, "0123456789ABCDEF0123456789ABCDEF"), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_observation_id(s, "eee19b7ec3c1b174"), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_comment(s, "judge says ok"), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_metadata_json(s, "{\"judge\":\"gpt-4o\"}"), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_id(s, "score-1"), LLMOBS_OK);
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 1);
    cJSON *b = cJSON_GetArrayItem(sc.scores, 0);
    assert_string_equal(cJSON_GetObjectItem(b, "id")->valuestring, "score-1");
    assert_string_equal(cJSON_GetObjectItem(b, "traceId")->valuestring, TRACE); /* lowercased */
    assert_string_equal(cJSON_GetObjectItem(b, "observationId")->valuestring, "eee19b7ec3c1b174");
    assert_string_equal(cJSON_GetObjectItem(b, "name")->valuestring, "accuracy");
    assert_true(cJSON_GetObjectItem(b, "value")->valuedouble == 0.75);
    assert_string_equal(cJSON_GetObjectItem(b, "dataType")->valuestring, "NUMERIC");
    assert_string_equal(cJSON_GetObjectItem(b, "environment")->valuestring, "prod");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(b, "metadata"), "judge")->valuestring, "gpt-4o");
    uint64_t exported = 0;
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(exported, 1);
    done(&sc, c);
}

static void categorical_boolean_and_text_values_have_their_json_types(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, NULL);
    llmobs_score *a = llmobs_score_new("tone", NULL);
    llmobs_score_set_categorical(a, "friendly");
    llmobs_score_set_session_id(a, "session-9");
    assert_int_equal(llmobs_score_send(c, a), LLMOBS_OK);
    llmobs_score *b = llmobs_score_new("helpful", NULL);
    llmobs_score_set_boolean(b, 7); /* any non-zero is true: sent as 1 */
    llmobs_score_set_trace_id(b, TRACE);
    assert_int_equal(llmobs_score_send(c, b), LLMOBS_OK);
    llmobs_score *t = llmobs_score_new("feedback", NULL);
    llmobs_score_set_text(t, "great answer");
    llmobs_score_set_trace_id(t, TRACE);
    assert_int_equal(llmobs_score_send(c, t), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 3);
    cJSON *x = cJSON_GetArrayItem(sc.scores, 0), *y = cJSON_GetArrayItem(sc.scores, 1),
          *z = cJSON_GetArrayItem(sc.scores, 2);
    assert_string_equal(cJSON_GetObjectItem(x, "value")->valuestring, "friendly");
    assert_string_equal(cJSON_GetObjectItem(x, "dataType")->valuestring, "CATEGORICAL");
    assert_true(cJSON_GetObjectItem(y, "value")->valuedouble == 1.0);
    assert_string_equal(cJSON_GetObjectItem(y, "dataType")->valuestring, "BOOLEAN");
    assert_string_equal(cJSON_GetObjectItem(z, "value")->valuestring, "great answer");
    assert_string_equal(cJSON_GetObjectItem(z, "dataType")->valuestring, "TEXT");
    assert_int_equal(strlen(cJSON_GetObjectItem(y, "id")->valuestring), 32);
    done(&sc, c);
}

static void invalid_scores_are_refused_with_the_rule_and_not_queued(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, NULL);
    llmobs_status st;
    assert_null(llmobs_score_new("", &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_null(llmobs_score_new(NULL, &st));

    llmobs_score *s = llmobs_score_new("x", NULL);
    assert_int_equal(llmobs_score_set_numeric(s, 1.0 / 0.0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_score_set_text(s, ""), LLMOBS_EINVAL);
    char long_text[600];
    memset(long_text, 'a', 501);
    long_text[501] = '\0';
    assert_int_equal(llmobs_score_set_text(s, long_text), LLMOBS_EINVAL);
    long_text[500] = '\0';
    assert_int_equal(llmobs_score_set_text(s, long_text), LLMOBS_OK);
    assert_int_equal(llmobs_score_set_trace_id(s, "xyz"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_score_set_environment(s, "langfuse-internal"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_score_set_metadata_json(s, "[1]"), LLMOBS_EPARSE);
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_EINVAL); /* no target */
    assert_non_null(strstr(llmobs_last_error(), "trace id or a session id"));

    s = llmobs_score_new("y", NULL);
    llmobs_score_set_trace_id(s, TRACE);
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_EINVAL); /* no value */
    s = llmobs_score_new("z", NULL);
    llmobs_score_set_numeric(s, 1);
    llmobs_score_set_session_id(s, "s");
    llmobs_score_set_observation_id(s, "eee19b7ec3c1b174");
    assert_int_equal(llmobs_score_send(c, s), LLMOBS_EINVAL); /* observation without trace */
    assert_int_equal(llmobs_score_send(NULL, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_score_set_numeric(NULL, 1), LLMOBS_EINVAL);
    llmobs_score_free(NULL);
    assert_int_equal(llmobs_score_numeric(c, "bad", NULL, "n", 1, NULL), LLMOBS_EINVAL);

    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 0);
    uint64_t items = 1;
    llmobs_stats_get(c, LLMOBS_STAT_ITEMS, &items);
    assert_int_equal(items, 0);
    done(&sc, c);
}

static void retried_score_keeps_its_id(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, NULL);
    sc.retry_first = 2;
    assert_int_equal(llmobs_score_numeric(c, TRACE, NULL, "latency_ok", 1, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 3);
    const char *id0 = cJSON_GetObjectItem(cJSON_GetArrayItem(sc.scores, 0), "id")->valuestring;
    for (int i = 1; i < 3; i++)
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetArrayItem(sc.scores, i), "id")->valuestring, id0);
    uint64_t retries = 0, exported = 0;
    llmobs_stats_get(c, LLMOBS_STAT_RETRIES, &retries);
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(retries, 2);
    assert_int_equal(exported, 1);
    done(&sc, c);
}

static void scores_and_spans_share_one_accounting(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "scored", NULL);
    char tid[33];
    llmobs_trace_id(t, tid, sizeof tid);
    llmobs_trace_end(t);
    llmobs_score_numeric(c, tid, NULL, "quality", 0.9, NULL);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    uint64_t items = 0, exported = 0;
    llmobs_stats_get(c, LLMOBS_STAT_ITEMS, &items);
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(items, 2);
    assert_int_equal(exported, 2);
    assert_int_equal(capture_count(&sc.cap), 1);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 1);
    done(&sc, c);
}

static void scores_of_sampled_out_traces_are_counted_sampled_out(void **state)
{
    (void)state;
    score_capture sc;
    llmobs_client *c = client_for(&sc, "0.0");
    assert_int_equal(llmobs_score_numeric(c, TRACE, NULL, "q", 1, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    uint64_t sampled = 0;
    llmobs_stats_dropped(c, LLMOBS_DROP_SAMPLED_OUT, &sampled);
    assert_int_equal(sampled, 1);
    assert_int_equal(cJSON_GetArraySize(sc.scores), 0);
    done(&sc, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numeric_score_is_sent_as_create_score_request),
        cmocka_unit_test(categorical_boolean_and_text_values_have_their_json_types),
        cmocka_unit_test(invalid_scores_are_refused_with_the_rule_and_not_queued),
        cmocka_unit_test(retried_score_keeps_its_id),
        cmocka_unit_test(scores_and_spans_share_one_accounting),
        cmocka_unit_test(scores_of_sampled_out_traces_are_counted_sampled_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
