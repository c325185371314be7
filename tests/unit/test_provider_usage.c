/* Provider usage helpers (llmobs/provider.h) on recorded real-shaped responses in
 * tests/data/provider (field layouts from each provider's public API reference): model,
 * disjoint usage buckets, finish reason; and the provider-style usage key warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    capture cap;
    llmobs_client *client;
    pthread_mutex_t mu;
    char warnings[8][512];
    int nwarnings;
} fixture;

static void log_fn(llmobs_log_level level, const char *message, void *ud)
{
    fixture *f = ud;
    pthread_mutex_lock(&f->mu);
    if (level >= LLMOBS_LOG_WARN && f->nwarnings < 8)
        snprintf(f->warnings[f->nwarnings++], sizeof f->warnings[0], "%s", message);
    pthread_mutex_unlock(&f->mu);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    capture_init(&f->cap);
    llmobs_options *o = capture_options(&f->cap, 1000, 60);
    llmobs_options_set_log_callback(o, log_fn, f);
    f->client = llmobs_client_new(o, NULL);
    assert_non_null(f->client);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    llmobs_shutdown(f->client, 5000);
    capture_destroy(&f->cap);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return 0;
}

static char *read_data(const char *name)
{
    const char *src = getenv("LLMOBS_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/provider/%s", src ? src : ".", name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

/* Ends a generation filled from `file` and returns its exported span. */
static const cJSON *generation_from(fixture *f, const char *file, llmobs_response_format format,
                                    llmobs_response_format *detected)
{
    llmobs_trace *t = llmobs_trace_start(f->client, file, NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    assert_int_equal(llmobs_obs_set_from_response(g, format, read_data(file), detected), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(f->client, 5000, NULL), LLMOBS_OK);
    const cJSON *s, *found = NULL;
    cJSON_ArrayForEach(s, f->cap.spans)
    {
        const cJSON *name = cJSON_GetObjectItem(s, "name");
        if (strcmp(name->valuestring, "gen") == 0) found = s;
    }
    assert_non_null(found);
    return found;
}

/* usage_details as a parsed object (caller frees). */
static cJSON *usage_of(const cJSON *span)
{
    const char *u = span_attr_str(span, "langfuse.observation.usage_details");
    assert_non_null(u);
    cJSON *j = cJSON_Parse(u);
    assert_non_null(j);
    return j;
}

static int64_t num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

static int64_t int_attr(const cJSON *span, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(span_attr(span, key), "intValue");
    if (cJSON_IsString(v)) return strtoll(v->valuestring, NULL, 10);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

static void openai_chat_splits_cached_tokens_out_of_prompt_tokens(void **state)
{
    fixture *f = *state;
    llmobs_response_format got = LLMOBS_RESPONSE_AUTO;
    const cJSON *s = generation_from(f, "openai_chat.json", LLMOBS_RESPONSE_AUTO, &got);
    assert_int_equal(got, LLMOBS_RESPONSE_OPENAI_CHAT);
    assert_string_equal(span_attr_str(s, "langfuse.observation.model.name"), "gpt-4o-2024-08-06");
    cJSON *u = usage_of(s);
    assert_int_equal(num(u, LLMOBS_USAGE_INPUT), 1117 - 1024);
    assert_int_equal(num(u, LLMOBS_USAGE_CACHE_READ), 1024);
    assert_int_equal(num(u, LLMOBS_USAGE_OUTPUT), 46);
    assert_int_equal(num(u, LLMOBS_USAGE_REASONING), 0);
    assert_int_equal(num(u, LLMOBS_USAGE_TOTAL), 1163);
    cJSON_Delete(u);
    /* The semantic-convention view adds cached input back: prompt_tokens again. */
    assert_int_equal(int_attr(s, "gen_ai.usage.input_tokens"), 1117);
    assert_non_null(
        strstr(span_attr_str(s, "langfuse.observation.metadata"), "\"finish_reason\":\"stop\""));
}

static void openai_chat_splits_reasoning_out_of_completion_tokens(void **state)
{
    fixture *f = *state;
    const cJSON *s =
        generation_from(f, "openai_chat_reasoning.json", LLMOBS_RESPONSE_OPENAI_CHAT, NULL);
    cJSON *u = usage_of(s);
    assert_int_equal(num(u, LLMOBS_USAGE_INPUT), 250);
    assert_int_equal(num(u, LLMOBS_USAGE_OUTPUT), 1900 - 1792);
    assert_int_equal(num(u, LLMOBS_USAGE_REASONING), 1792);
    assert_int_equal(num(u, LLMOBS_USAGE_TOTAL), 2150);
    cJSON_Delete(u);
    assert_int_equal(int_attr(s, "gen_ai.usage.output_tokens"), 1900);
    assert_non_null(strstr(span_attr_str(s, "langfuse.observation.metadata"), "\"length\""));
}

static void openai_responses_maps_input_and_output_details(void **state)
{
    fixture *f = *state;
    llmobs_response_format got = LLMOBS_RESPONSE_AUTO;
    const cJSON *s = generation_from(f, "openai_responses.json", LLMOBS_RESPONSE_AUTO, &got);
    assert_int_equal(got, LLMOBS_RESPONSE_OPENAI_RESPONSES);
    assert_string_equal(span_attr_str(s, "langfuse.observation.model.name"), "o4-mini-2025-04-16");
    cJSON *u = usage_of(s);
    assert_int_equal(num(u, LLMOBS_USAGE_INPUT), 256);
    assert_int_equal(num(u, LLMOBS_USAGE_CACHE_READ), 1280);
    assert_int_equal(num(u, LLMOBS_USAGE_OUTPUT), 188);
    assert_int_equal(num(u, LLMOBS_USAGE_REASONING), 512);
    assert_int_equal(num(u, LLMOBS_USAGE_TOTAL), 2236);
    cJSON_Delete(u);
    assert_non_null(strstr(span_attr_str(s, "langfuse.observation.metadata"), "\"completed\""));
}

static void openai_responses_incomplete_reports_the_reason(void **state)
{
    fixture *f = *state;
    const cJSON *s =
        generation_from(f, "openai_responses_incomplete.json", LLMOBS_RESPONSE_AUTO, NULL);
    assert_non_null(strstr(span_attr_str(s, "langfuse.observation.metadata"),
                           "\"finish_reason\":\"max_output_tokens\""));
}

static void anthropic_buckets_are_already_disjoint(void **state)
{
    fixture *f = *state;
    llmobs_response_format got = LLMOBS_RESPONSE_AUTO;
    const cJSON *s = generation_from(f, "anthropic_messages.json", LLMOBS_RESPONSE_AUTO, &got);
    assert_int_equal(got, LLMOBS_RESPONSE_ANTHROPIC_MESSAGES);
    assert_string_equal(span_attr_str(s, "langfuse.observation.model.name"),
                        "claude-sonnet-4-20250514");
    assert_string_equal(span_attr_str(s, "gen_ai.provider.name"), "anthropic");
    cJSON *u = usage_of(s);
    assert_int_equal(num(u, LLMOBS_USAGE_INPUT), 21);
    assert_int_equal(num(u, LLMOBS_USAGE_CACHE_READ), 9540);
    assert_int_equal(num(u, LLMOBS_USAGE_CACHE_WRITE), 1880);
    assert_int_equal(num(u, LLMOBS_USAGE_OUTPUT), 393);
    assert_int_equal(num(u, LLMOBS_USAGE_TOTAL), 21 + 9540 + 1880 + 393);
    cJSON_Delete(u);
    assert_non_null(strstr(span_attr_str(s, "langfuse.observation.metadata"), "\"end_turn\""));
}

static void bad_bodies_set_nothing(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "bad", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    assert_int_equal(llmobs_obs_set_from_response(g, LLMOBS_RESPONSE_AUTO, "[1,2]", NULL),
                     LLMOBS_EPARSE);
    assert_int_equal(llmobs_obs_set_from_response(g, LLMOBS_RESPONSE_AUTO, "{\"a\":1}", NULL),
                     LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_obs_set_from_response(g, LLMOBS_RESPONSE_ANTHROPIC_MESSAGES,
                                                  "{\"model\":\"m\",\"usage\":{}}", NULL),
                     LLMOBS_EPARSE);
    assert_int_equal(llmobs_obs_set_from_response(g, (llmobs_response_format)9, "{}", NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_from_response(NULL, LLMOBS_RESPONSE_AUTO, "{}", NULL),
                     LLMOBS_EINVAL);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(f->client, 5000, NULL), LLMOBS_OK);
    const cJSON *s = find_span_by_name(f->cap.spans, "gen");
    assert_null(span_attr_str(s, "langfuse.observation.model.name"));
    assert_null(span_attr_str(s, "langfuse.observation.usage_details"));
    assert_string_equal(llmobs_response_format_name(LLMOBS_RESPONSE_OPENAI_CHAT), "openai_chat");
    assert_string_equal(llmobs_response_format_name((llmobs_response_format)-1), "unknown");
}

static void provider_style_usage_keys_warn_once_and_never_double_the_total(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "keys", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    llmobs_obs_set_model(g, "gpt-4o");
    assert_int_equal(llmobs_obs_set_usage(g, 100, 50), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "prompt_tokens", 100), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "completion_tokens", 50), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "total_tokens", 150), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "audio_input", 7), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(f->client, 5000, NULL), LLMOBS_OK);
    pthread_mutex_lock(&f->mu);
    int about_keys = 0;
    for (int i = 0; i < f->nwarnings; i++)
        if (strstr(f->warnings[i], "provider's name")) {
            about_keys++;
            assert_non_null(strstr(f->warnings[i], "'prompt_tokens'"));
        }
    assert_int_equal(about_keys, 1); /* once, for three provider-style keys */
    pthread_mutex_unlock(&f->mu);
    cJSON *u = usage_of(find_span_by_name(f->cap.spans, "gen"));
    assert_int_equal(num(u, "prompt_tokens"), 100);             /* kept as given */
    assert_int_equal(num(u, LLMOBS_USAGE_TOTAL), 100 + 50 + 7); /* not 307 */
    cJSON_Delete(u);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(openai_chat_splits_cached_tokens_out_of_prompt_tokens),
        T(openai_chat_splits_reasoning_out_of_completion_tokens),
        T(openai_responses_maps_input_and_output_details),
        T(openai_responses_incomplete_reports_the_reason),
        T(anthropic_buckets_are_already_disjoint),
        T(bad_bodies_set_nothing),
        T(provider_style_usage_keys_warn_once_and_never_double_the_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
