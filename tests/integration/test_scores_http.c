/* Scores over HTTP: POST /api/public/scores on the Langfuse destination with the same auth and
 * headers as spans, retried with the same id, never sent to an OTLP-only backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "receiver.h"

#include <llmobs/llmobs.h>
#include <string.h>

static const char *TRACE = "0123456789abcdef0123456789abcdef";

static void score_is_posted_to_the_scores_endpoint_with_auth(void **state)
{
    (void)state;
    clear_env();
    receiver *r = receiver_start(0);
    llmobs_client *c = llmobs_client_new(receiver_options(r, NULL, 100), NULL);
    assert_non_null(c);
    assert_int_equal(llmobs_score_numeric(c, TRACE, "eee19b7ec3c1b174", "faithfulness", 0.9, "ok"),
                     LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 1);
    const recv_request *q = receiver_request(r, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/api/public/scores");
    assert_non_null(strstr(recv_header(q, "authorization"), "Basic "));
    assert_non_null(strstr(recv_header(q, "content-type"), "application/json"));
    cJSON *body = cJSON_Parse(q->body);
    assert_string_equal(cJSON_GetObjectItem(body, "name")->valuestring, "faithfulness");
    assert_string_equal(cJSON_GetObjectItem(body, "traceId")->valuestring, TRACE);
    assert_string_equal(cJSON_GetObjectItem(body, "observationId")->valuestring,
                        "eee19b7ec3c1b174");
    cJSON_Delete(body);
    uint64_t exported = 0;
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    assert_int_equal(exported, 1);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void score_retried_after_503_keeps_its_id(void **state)
{
    (void)state;
    clear_env();
    receiver *r = receiver_start(0);
    receiver_push(r, (recv_answer){.status = 503, .retry_after = "0"});
    llmobs_client *c = llmobs_client_new(receiver_options(r, NULL, 100), NULL);
    assert_int_equal(llmobs_score_numeric(c, TRACE, NULL, "accuracy", 1, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 2);
    cJSON *a = cJSON_Parse(receiver_request(r, 0)->body),
          *b = cJSON_Parse(receiver_request(r, 1)->body);
    assert_string_equal(cJSON_GetObjectItem(a, "id")->valuestring,
                        cJSON_GetObjectItem(b, "id")->valuestring);
    cJSON_Delete(a);
    cJSON_Delete(b);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void scores_without_a_langfuse_destination_are_rejected_and_logged(void **state)
{
    (void)state;
    clear_env();
    receiver *r = receiver_start(0);
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "otlp_endpoint", receiver_url(r));
    llmobs_options_set_log_callback(o, logcap_fn, &lc);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    assert_int_equal(llmobs_score_numeric(c, TRACE, NULL, "accuracy", 1, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(receiver_request_count(r), 0);
    uint64_t rejected = 0;
    llmobs_stats_dropped(c, LLMOBS_DROP_REJECTED, &rejected);
    assert_int_equal(rejected, 1);
    assert_true(logcap_count(&lc, "Langfuse destination", LLMOBS_LOG_ERROR) >= 1);
    llmobs_shutdown(c, 5000);
    logcap_destroy(&lc);
    receiver_stop(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(score_is_posted_to_the_scores_endpoint_with_auth),
        cmocka_unit_test(score_retried_after_503_keeps_its_id),
        cmocka_unit_test(scores_without_a_langfuse_destination_are_rejected_and_logged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
