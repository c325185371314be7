/* The LLM-as-judge client against a fake judge on 127.0.0.1 speaking both API shapes
 * (OpenAI chat completions, Anthropic Messages): good verdicts, prose-wrapped and fenced JSON,
 * numbers as strings, garbage, out-of-range and missing fields, timeouts, 429 then OK, and the
 * judge's own call traced as an evaluator observation with usage and cost. */
#include "capture.h"
#include "fake_http.h"

#include <llmobs/llmobs.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct judge_state {
    pthread_mutex_t mu;
    int rate_limited_left; /* answer 429 this many times to CASE:429 */
    int server_errors_left;
} judge_state;

/* The verdict text the fake model writes, chosen by a CASE: marker in the prompt. */
static const char *verdict_for(const char *prompt, judge_state *js, int *status, int *delay,
                               char *retry_after)
{
    if (strstr(prompt, "CASE:faith-bad")) return "{\"faithfulness\": 0.9}";
    if (strstr(prompt, "CASE:faith"))
        return "{\"faithfulness\": 0.5, \"unsupported_claims\": [\"The moon is cheese\"]}";
    if (strstr(prompt, "CASE:prose"))
        return "Sure! Here is my assessment: {\"score\": 0.8, \"reasoning\": \"Mostly right.\"} "
               "Let me know if you need more.";
    if (strstr(prompt, "CASE:fenced"))
        return "The verdict:\n```json\n{\"score\": 0.9, \"reasoning\": \"Correct {and} complete."
               "\"}\n```\nThanks.";
    if (strstr(prompt, "CASE:string")) return "{\"score\": \"0.75\", \"reasoning\": \"ok\"}";
    if (strstr(prompt, "CASE:garbage")) return "I cannot rate this response, sorry.";
    if (strstr(prompt, "CASE:range")) return "{\"score\": 7, \"reasoning\": \"seven out of ten\"}";
    if (strstr(prompt, "CASE:missing")) return "{\"reasoning\": \"forgot the score\"}";
    if (strstr(prompt, "CASE:pct")) return "{\"score\": \"80%\", \"reasoning\": \"x\"}";
    if (strstr(prompt, "CASE:custom")) return "{\"helpfulness\": 0.25}";
    if (strstr(prompt, "CASE:slow")) *delay = 3000;
    if (strstr(prompt, "CASE:401")) {
        *status = 401;
        return NULL;
    }
    pthread_mutex_lock(&js->mu);
    if (strstr(prompt, "CASE:429") && js->rate_limited_left > 0) {
        js->rate_limited_left--;
        *status = 429;
        strcpy(retry_after, "0");
    }
    if (strstr(prompt, "CASE:503") && js->server_errors_left > 0) {
        js->server_errors_left--;
        *status = 503;
    }
    pthread_mutex_unlock(&js->mu);
    return "{\"score\": 1.0, \"reasoning\": \"Accurate.\"}";
}

static void judge_handler(void *ud, const fake_request *rq, fake_reply *rp)
{
    cJSON *req = cJSON_Parse(rq->body);
    const cJSON *msg = cJSON_GetArrayItem(cJSON_GetObjectItem(req, "messages"), 0);
    const cJSON *content = cJSON_GetObjectItem(msg, "content");
    const cJSON *model = cJSON_GetObjectItem(req, "model");
    const char *prompt = cJSON_IsString(content) ? content->valuestring : "";
    int status = 200, delay = 0;
    char ra[32] = "";
    const char *text = verdict_for(prompt, ud, &status, &delay, ra);
    rp->status = status;
    rp->delay_ms = delay;
    snprintf(rp->retry_after, sizeof rp->retry_after, "%s", ra);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "model", cJSON_IsString(model) ? model->valuestring : "?");
    if (status != 200) {
        cJSON_AddStringToObject(out, "error", "scripted failure");
    } else if (strcmp(rq->path, "/v1/messages") == 0) {
        cJSON *blocks = cJSON_AddArrayToObject(out, "content");
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "type", "text");
        cJSON_AddStringToObject(b, "text", text);
        cJSON_AddItemToArray(blocks, b);
        cJSON *u = cJSON_AddObjectToObject(out, "usage");
        cJSON_AddNumberToObject(u, "input_tokens", 1000);
        cJSON_AddNumberToObject(u, "output_tokens", 20);
        if (strstr(prompt, "CASE:cached")) {
            cJSON_AddNumberToObject(u, "cache_read_input_tokens", 400);
            cJSON_AddNumberToObject(u, "cache_creation_input_tokens", 100);
        }
    } else {
        cJSON *choices = cJSON_AddArrayToObject(out, "choices");
        cJSON *c = cJSON_CreateObject();
        cJSON *m = cJSON_AddObjectToObject(c, "message");
        cJSON_AddStringToObject(m, "role", "assistant");
        cJSON_AddStringToObject(m, "content", text);
        cJSON_AddItemToArray(choices, c);
        cJSON *u = cJSON_AddObjectToObject(out, "usage");
        cJSON_AddNumberToObject(u, "prompt_tokens", 1000);
        cJSON_AddNumberToObject(u, "completion_tokens", 20);
    }
    rp->body = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    cJSON_Delete(req);
}

typedef struct fx {
    judge_state js;
    fake_http *srv;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->js.mu, NULL);
    f->srv = fake_http_start(judge_handler, &f->js);
    assert_non_null(f->srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    fake_http_stop(f->srv);
    pthread_mutex_destroy(&f->js.mu);
    free(f);
    return 0;
}

static llmobs_judge *new_judge(fx *f, const char *api, const char *timeout, const char *retries)
{
    llmobs_options *o = llmobs_options_new();
    assert_int_equal(llmobs_options_set(o, "judge_api", api), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "judge_base_url", fake_http_url(f->srv)), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "judge_api_key", "sk-test-judge-key"), LLMOBS_OK);
    if (timeout) assert_int_equal(llmobs_options_set(o, "judge_timeout", timeout), LLMOBS_OK);
    if (retries) assert_int_equal(llmobs_options_set(o, "judge_max_retries", retries), LLMOBS_OK);
    llmobs_status st;
    llmobs_judge *j = llmobs_judge_new(o, &st);
    assert_non_null(j);
    return j;
}

static double accuracy(llmobs_judge *j, const char *marker, llmobs_status *st)
{
    llmobs_judgement *jm = NULL;
    *st = llmobs_judge_accuracy(j, NULL, "What is 2+2?", marker, NULL, &jm);
    double s = jm ? llmobs_judgement_score(jm) : NAN;
    if (*st != LLMOBS_OK) assert_null(jm);
    llmobs_judgement_free(jm);
    return s;
}

static void both_api_shapes_send_the_right_request_and_read_the_verdict(void **state)
{
    fx *f = *state;
    const char *apis[] = {"openai", "anthropic"};
    for (int i = 0; i < 2; i++) {
        llmobs_judge *j = new_judge(f, apis[i], NULL, NULL);
        llmobs_judgement *jm = NULL;
        assert_int_equal(llmobs_judge_accuracy(j, "Be strict.", "What is 2+2?", "4 CASE:good",
                                               "Arithmetic facts", &jm),
                         LLMOBS_OK);
        assert_true(llmobs_judgement_score(jm) == 1.0);
        assert_string_equal(llmobs_judgement_reasoning(jm), "Accurate.");
        assert_int_equal(llmobs_judgement_input_tokens(jm), 1000);
        assert_int_equal(llmobs_judgement_output_tokens(jm), 20);
        assert_int_equal(llmobs_judgement_attempts(jm), 1);
        llmobs_judgement_free(jm);
        const fake_request *rq = fake_http_request(f->srv, fake_http_count(f->srv) - 1);
        assert_string_equal(rq->method, "POST");
        cJSON *body = cJSON_Parse(rq->body);
        const char *prompt =
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(body, "messages"), 0),
                                "content")
                ->valuestring;
        /* The article's prompt with every part filled in. */
        assert_non_null(strstr(prompt, "You are an evaluation judge. Rate the following LLM "
                                       "response on a scale of 0 to 1."));
        assert_non_null(strstr(prompt, "Criteria: Be strict."));
        assert_non_null(strstr(prompt, "User Question: What is 2+2?"));
        assert_non_null(strstr(prompt, "Retrieved Context:\nArithmetic facts"));
        assert_non_null(
            strstr(prompt, "{\"score\": <float 0-1>, \"reasoning\": \"<one sentence>\"}"));
        assert_null(strstr(prompt, "{{"));
        if (i == 0) {
            assert_string_equal(rq->path, "/v1/chat/completions");
            assert_string_equal(fake_header(rq, "authorization"), "Bearer sk-test-judge-key");
            assert_string_equal(cJSON_GetObjectItem(body, "model")->valuestring, "gpt-4o-mini");
        } else {
            assert_string_equal(rq->path, "/v1/messages");
            assert_string_equal(fake_header(rq, "x-api-key"), "sk-test-judge-key");
            assert_string_equal(fake_header(rq, "anthropic-version"), "2023-06-01");
            assert_null(fake_header(rq, "authorization"));
            assert_string_equal(cJSON_GetObjectItem(body, "model")->valuestring,
                                "claude-haiku-4-5");
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(body, "max_tokens")));
        }
        cJSON_Delete(body);
        llmobs_judge_free(j);
    }
}

static void verdicts_in_prose_fences_and_strings_are_read(void **state)
{
    fx *f = *state;
    const char *apis[] = {"openai", "anthropic"};
    for (int i = 0; i < 2; i++) {
        llmobs_judge *j = new_judge(f, apis[i], NULL, NULL);
        llmobs_status st;
        assert_true(accuracy(j, "CASE:prose", &st) == 0.8);
        assert_int_equal(st, LLMOBS_OK);
        assert_true(accuracy(j, "CASE:fenced", &st) == 0.9);
        assert_int_equal(st, LLMOBS_OK);
        assert_true(accuracy(j, "CASE:string", &st) == 0.75);
        assert_int_equal(st, LLMOBS_OK);
        llmobs_judge_free(j);
    }
}

static void bad_verdicts_are_errors_never_zero(void **state)
{
    fx *f = *state;
    const char *apis[] = {"openai", "anthropic"};
    const char *cases[] = {"CASE:garbage", "CASE:range", "CASE:missing", "CASE:pct"};
    const char *why[] = {"no JSON object", "outside [0, 1]", "missing", "not a number"};
    for (int i = 0; i < 2; i++) {
        llmobs_judge *j = new_judge(f, apis[i], NULL, NULL);
        for (int k = 0; k < 4; k++) {
            llmobs_status st;
            accuracy(j, cases[k], &st);
            assert_int_equal(st, LLMOBS_EPARSE);
            if (!strstr(llmobs_last_error(), why[k]))
                fail_msg("%s: '%s' lacks '%s'", cases[k], llmobs_last_error(), why[k]);
        }
        llmobs_judge_free(j);
    }
}

static void faithfulness_uses_the_article_prompt_and_needs_claims(void **state)
{
    fx *f = *state;
    llmobs_judge *j = new_judge(f, "anthropic", NULL, NULL);
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_faithfulness(j, "The moon orbits the earth.",
                                               "The moon is cheese. CASE:faith", &jm),
                     LLMOBS_OK);
    assert_true(llmobs_judgement_score(jm) == 0.5);
    assert_int_equal(llmobs_judgement_claim_count(jm), 1);
    assert_string_equal(llmobs_judgement_claim_at(jm, 0), "The moon is cheese");
    assert_null(llmobs_judgement_claim_at(jm, 1));
    llmobs_judgement_free(jm);
    const fake_request *rq = fake_http_request(f->srv, fake_http_count(f->srv) - 1);
    assert_non_null(
        strstr(rq->body, "every factual claim in the answer is supported by the context"));
    assert_non_null(strstr(rq->body, "0.5 = some claims are supported, some are not"));
    assert_non_null(strstr(rq->body, "Context:\\nThe moon orbits the earth."));
    /* A verdict without unsupported_claims is incomplete: an error. */
    assert_int_equal(llmobs_judge_faithfulness(j, "ctx", "CASE:faith-bad", &jm), LLMOBS_EPARSE);
    assert_non_null(strstr(llmobs_last_error(), "unsupported_claims"));
    llmobs_judge_free(j);
}

static void user_templates_fill_placeholders_and_read_their_field(void **state)
{
    fx *f = *state;
    llmobs_judge *j = new_judge(f, "openai", NULL, NULL);
    const char *names[] = {"answer", "tone"};
    const char *values[] = {"Hello there CASE:custom", "friendly"};
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_template(j,
                                           "Is {{ answer }} {{tone}}? Reply {\"helpfulness\": x}",
                                           names, values, 2, "helpfulness", &jm),
                     LLMOBS_OK);
    assert_true(llmobs_judgement_score(jm) == 0.25);
    llmobs_judgement_free(jm);
    const fake_request *rq = fake_http_request(f->srv, fake_http_count(f->srv) - 1);
    assert_non_null(strstr(rq->body, "Is Hello there CASE:custom friendly?"));
    size_t before = fake_http_count(f->srv);
    assert_int_equal(llmobs_judge_template(j, "Rate {{missing}}", names, values, 2, NULL, &jm),
                     LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "{{missing}}"));
    assert_int_equal(fake_http_count(f->srv), before); /* nothing was sent */
    llmobs_judge_free(j);
}

static void rate_limits_and_server_errors_are_retried(void **state)
{
    fx *f = *state;
    f->js.rate_limited_left = 2;
    llmobs_judge *j = new_judge(f, "openai", NULL, "3");
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_accuracy(j, NULL, "q", "CASE:429", NULL, &jm), LLMOBS_OK);
    assert_int_equal(llmobs_judgement_attempts(jm), 3);
    assert_true(llmobs_judgement_score(jm) == 1.0);
    llmobs_judgement_free(jm);
    /* More 503s than retries: the call gives up with the last status. */
    f->js.server_errors_left = 10;
    llmobs_judge *j1 = new_judge(f, "anthropic", NULL, "1");
    size_t before = fake_http_count(f->srv);
    assert_int_equal(llmobs_judge_accuracy(j1, NULL, "q", "CASE:503", NULL, &jm), LLMOBS_ENETWORK);
    assert_non_null(strstr(llmobs_last_error(), "HTTP 503"));
    assert_int_equal(fake_http_count(f->srv) - before, 2);
    llmobs_judge_free(j1);
    llmobs_judge_free(j);
}

static void client_errors_are_not_retried(void **state)
{
    fx *f = *state;
    llmobs_judge *j = new_judge(f, "openai", NULL, "5");
    size_t before = fake_http_count(f->srv);
    llmobs_status st;
    accuracy(j, "CASE:401", &st);
    assert_int_equal(st, LLMOBS_ENETWORK);
    assert_non_null(strstr(llmobs_last_error(), "HTTP 401"));
    assert_null(strstr(llmobs_last_error(), "sk-test-judge-key"));
    assert_int_equal(fake_http_count(f->srv) - before, 1);
    llmobs_judge_free(j);
}

static void a_slow_judge_times_out(void **state)
{
    fx *f = *state;
    llmobs_judge *j = new_judge(f, "anthropic", "0.2", "0");
    llmobs_status st;
    accuracy(j, "CASE:slow", &st);
    assert_int_equal(st, LLMOBS_ETIMEOUT);
    llmobs_judge_free(j);
}

static void an_unreachable_judge_is_a_network_error(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fake_unused_port());
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "judge_base_url", url);
    llmobs_options_set(o, "judge_api_key", "k-unreachable");
    llmobs_options_set(o, "judge_max_retries", "0");
    llmobs_judge *j = llmobs_judge_new(o, NULL);
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_accuracy(j, NULL, "q", "a", NULL, &jm), LLMOBS_ENETWORK);
    assert_null(jm);
    llmobs_judge_free(j);
}

static void a_judge_needs_a_key(void **state)
{
    (void)state;
    unsetenv("LLMOBS_JUDGE_API_KEY");
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_judge_new(NULL, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LLMOBS_JUDGE_API_KEY"));
    setenv("LLMOBS_JUDGE_API_KEY", "from-env-key", 1);
    llmobs_judge *j = llmobs_judge_new(NULL, &st);
    assert_non_null(j);
    llmobs_judge_free(j);
    unsetenv("LLMOBS_JUDGE_API_KEY");
}

static void the_judge_call_is_traced_as_an_evaluator_with_usage_and_cost(void **state)
{
    fx *f = *state;
    capture cap;
    capture_init(&cap);
    llmobs_client *client = llmobs_client_new(capture_options(&cap, 1, 0.05), NULL);
    assert_non_null(client);
    llmobs_judge *j = new_judge(f, "openai", NULL, NULL);
    assert_int_equal(llmobs_judge_set_client(j, client, "quality"), LLMOBS_OK);
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_accuracy(j, NULL, "q", "CASE:good", NULL, &jm), LLMOBS_OK);
    /* gpt-4o-mini: 1000 input tokens at $0.15/M + 20 output at $0.60/M */
    double expect = 1000 * 0.15e-6 + 20 * 0.60e-6;
    assert_true(fabs(llmobs_judgement_cost_usd(jm) - expect) < 1e-12);
    llmobs_judgement_free(jm);
    assert_int_equal(llmobs_flush(client, 10000, NULL), LLMOBS_OK);
    assert_true(capture_wait_spans(&cap, 2, 10000) >= 2);
    pthread_mutex_lock(&cap.mu);
    const cJSON *span = find_span_by_name(cap.spans, "judge.accuracy");
    assert_non_null(span);
    assert_string_equal(span_attr_str(span, "langfuse.observation.type"), "evaluator");
    assert_string_equal(span_attr_str(span, "gen_ai.request.model"), "gpt-4o-mini");
    assert_string_equal(span_attr_str(span, "gen_ai.provider.name"), "openai");
    assert_non_null(span_attr(span, "gen_ai.usage.input_tokens"));
    const char *costs = span_attr_str(span, "langfuse.observation.cost_details");
    assert_non_null(costs);
    assert_non_null(strstr(costs, "total"));
    pthread_mutex_unlock(&cap.mu);
    double spend = 0;
    llmobs_cost_spend_feature(llmobs_client_cost_tracker(client), "quality", &spend);
    assert_true(fabs(spend - expect) < 1e-12);
    llmobs_judge_free(j);
    llmobs_shutdown(client, 5000);
    capture_destroy(&cap);
}

/* Every usage bucket the evaluator observation reports has its cost, so the parts add up to
 * the total Langfuse shows (claude-haiku-4-5: input 0.25, output 1.25, cache read 0.025,
 * cache write 0.3125 USD per million tokens). */
static void the_evaluator_cost_covers_every_usage_bucket(void **state)
{
    fx *f = *state;
    capture cap;
    capture_init(&cap);
    llmobs_client *client = llmobs_client_new(capture_options(&cap, 1, 0.05), NULL);
    assert_non_null(client);
    llmobs_judge *j = new_judge(f, "anthropic", NULL, NULL);
    assert_int_equal(llmobs_judge_set_client(j, client, "quality"), LLMOBS_OK);
    llmobs_judgement *jm = NULL;
    assert_int_equal(llmobs_judge_accuracy(j, NULL, "q", "CASE:cached", NULL, &jm), LLMOBS_OK);
    llmobs_judgement_free(jm);
    assert_int_equal(llmobs_flush(client, 10000, NULL), LLMOBS_OK);
    assert_true(capture_wait_spans(&cap, 2, 10000) >= 2);
    pthread_mutex_lock(&cap.mu);
    const cJSON *span = find_span_by_name(cap.spans, "judge.accuracy");
    assert_non_null(span);
    cJSON *usage = cJSON_Parse(span_attr_str(span, "langfuse.observation.usage_details"));
    cJSON *costs = cJSON_Parse(span_attr_str(span, "langfuse.observation.cost_details"));
    pthread_mutex_unlock(&cap.mu);
    assert_non_null(usage);
    assert_non_null(costs);
    static const char *const buckets[] = {"input", "output", "input_cached_tokens",
                                          "input_cache_creation"};
    static const double usd_per_mtok[] = {0.25, 1.25, 0.025, 0.3125};
    static const double tokens[] = {1000, 20, 400, 100};
    double sum = 0;
    for (size_t i = 0; i < 4; i++) {
        const cJSON *u = cJSON_GetObjectItem(usage, buckets[i]);
        const cJSON *c = cJSON_GetObjectItem(costs, buckets[i]);
        if (!cJSON_IsNumber(u) || !cJSON_IsNumber(c))
            fail_msg("usage or cost of bucket %s missing", buckets[i]);
        assert_true(u->valuedouble == tokens[i]);
        assert_true(fabs(c->valuedouble - tokens[i] * usd_per_mtok[i] * 1e-6) < 1e-12);
        sum += c->valuedouble;
    }
    const cJSON *total = cJSON_GetObjectItem(costs, "total");
    assert_true(cJSON_IsNumber(total));
    assert_true(fabs(total->valuedouble - sum) < 1e-12);
    cJSON_Delete(usage);
    cJSON_Delete(costs);
    llmobs_judge_free(j);
    llmobs_shutdown(client, 5000);
    capture_destroy(&cap);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(both_api_shapes_send_the_right_request_and_read_the_verdict),
        T(verdicts_in_prose_fences_and_strings_are_read),
        T(bad_verdicts_are_errors_never_zero),
        T(faithfulness_uses_the_article_prompt_and_needs_claims),
        T(user_templates_fill_placeholders_and_read_their_field),
        T(rate_limits_and_server_errors_are_retried),
        T(client_errors_are_not_retried),
        T(a_slow_judge_times_out),
        cmocka_unit_test(an_unreachable_judge_is_a_network_error),
        cmocka_unit_test(a_judge_needs_a_key),
        T(the_judge_call_is_traced_as_an_evaluator_with_usage_and_cost),
        T(the_evaluator_cost_covers_every_usage_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
