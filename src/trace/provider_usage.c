/* Provider response bodies (OpenAI Chat Completions, OpenAI Responses, Anthropic Messages) to
 * model, usage buckets and finish reason. The field layouts are those of each provider's
 * public API reference; the mapping to llmobs's disjoint buckets is in docs/decisions.md. */
#include "core/error.h"
#include "llmobs/provider.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char *const format_names[] = {"auto", "openai_chat", "openai_responses",
                                           "anthropic_messages"};

const char *llmobs_response_format_name(llmobs_response_format format)
{
    return (unsigned)format < sizeof format_names / sizeof *format_names ? format_names[format]
                                                                         : "unknown";
}

/* A non-negative integer at obj.path[0].path[1]..., or -1 when absent or not a count. */
static int64_t count_at(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b) v = cJSON_GetObjectItemCaseSensitive(v, b);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9e15) return -1;
    return (int64_t)floor(v->valuedouble);
}

static const char *string_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static llmobs_response_format detect(const cJSON *root)
{
    const char *object = string_at(root, "object"), *type = string_at(root, "type");
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    if (object && strcmp(object, "chat.completion") == 0) return LLMOBS_RESPONSE_OPENAI_CHAT;
    if (object && strcmp(object, "response") == 0) return LLMOBS_RESPONSE_OPENAI_RESPONSES;
    if (type && strcmp(type, "message") == 0) return LLMOBS_RESPONSE_ANTHROPIC_MESSAGES;
    /* Bodies trimmed by proxies or SDKs: tell them apart by their usage fields. */
    if (count_at(usage, "prompt_tokens", NULL) >= 0) return LLMOBS_RESPONSE_OPENAI_CHAT;
    if (count_at(usage, "cache_read_input_tokens", NULL) >= 0 ||
        cJSON_GetObjectItemCaseSensitive(root, "stop_reason"))
        return LLMOBS_RESPONSE_ANTHROPIC_MESSAGES;
    if (count_at(usage, "input_tokens", NULL) >= 0) return LLMOBS_RESPONSE_OPENAI_RESPONSES;
    return LLMOBS_RESPONSE_AUTO;
}

typedef struct {
    int64_t input, output, cache_read, cache_write, reasoning, total; /* -1: absent */
    const char *finish_reason;
    const char *provider;
} extracted;

static int64_t minus(int64_t whole, int64_t part)
{
    if (whole < 0) return -1;
    return part > 0 ? (whole > part ? whole - part : 0) : whole;
}

static bool extract(const cJSON *root, llmobs_response_format f, extracted *x)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "usage");
    *x = (extracted){-1, -1, -1, -1, -1, -1, NULL, NULL};
    switch (f) {
    case LLMOBS_RESPONSE_OPENAI_CHAT: {
        /* prompt_tokens includes prompt_tokens_details.cached_tokens; completion_tokens
         * includes completion_tokens_details.reasoning_tokens. */
        int64_t prompt = count_at(u, "prompt_tokens", NULL);
        int64_t completion = count_at(u, "completion_tokens", NULL);
        x->cache_read = count_at(u, "prompt_tokens_details", "cached_tokens");
        x->reasoning = count_at(u, "completion_tokens_details", "reasoning_tokens");
        x->input = minus(prompt, x->cache_read);
        x->output = minus(completion, x->reasoning);
        x->total = count_at(u, "total_tokens", NULL);
        x->provider = "openai";
        const cJSON *choice =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "choices"), 0);
        x->finish_reason = string_at(choice, "finish_reason");
        return prompt >= 0 || completion >= 0;
    }
    case LLMOBS_RESPONSE_OPENAI_RESPONSES: {
        int64_t in = count_at(u, "input_tokens", NULL), out = count_at(u, "output_tokens", NULL);
        x->cache_read = count_at(u, "input_tokens_details", "cached_tokens");
        x->reasoning = count_at(u, "output_tokens_details", "reasoning_tokens");
        x->input = minus(in, x->cache_read);
        x->output = minus(out, x->reasoning);
        x->total = count_at(u, "total_tokens", NULL);
        x->provider = "openai";
        const char *why =
            string_at(cJSON_GetObjectItemCaseSensitive(root, "incomplete_details"), "reason");
        x->finish_reason = why ? why : string_at(root, "status");
        return in >= 0 || out >= 0;
    }
    case LLMOBS_RESPONSE_ANTHROPIC_MESSAGES:
        /* input_tokens excludes cache reads and writes: the buckets are disjoint already. */
        x->input = count_at(u, "input_tokens", NULL);
        x->output = count_at(u, "output_tokens", NULL);
        x->cache_read = count_at(u, "cache_read_input_tokens", NULL);
        x->cache_write = count_at(u, "cache_creation_input_tokens", NULL);
        x->provider = "anthropic";
        x->finish_reason = string_at(root, "stop_reason");
        return x->input >= 0 || x->output >= 0;
    case LLMOBS_RESPONSE_AUTO:
        break;
    }
    return false;
}

static llmobs_status put(llmobs_obs *obs, const char *key, int64_t v, llmobs_status st)
{
    if (st != LLMOBS_OK || v < 0) return st;
    return llmobs_obs_set_usage_detail(obs, key, v);
}

llmobs_status llmobs_obs_set_from_response(llmobs_obs *obs, llmobs_response_format format,
                                           const char *response_json,
                                           llmobs_response_format *detected)
{
    if (!obs || !response_json || (unsigned)format > LLMOBS_RESPONSE_ANTHROPIC_MESSAGES)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_obs_set_from_response: NULL argument or unknown format");
    cJSON *root = cJSON_Parse(response_json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return llmobs__error(LLMOBS_EPARSE,
                             "llmobs_obs_set_from_response: the response is not a JSON object");
    }
    llmobs_response_format f = format == LLMOBS_RESPONSE_AUTO ? detect(root) : format;
    llmobs_status st = LLMOBS_OK;
    extracted x;
    if (f == LLMOBS_RESPONSE_AUTO) {
        st = llmobs__error(LLMOBS_ENOTFOUND, "llmobs_obs_set_from_response: not an OpenAI Chat "
                                             "Completions, OpenAI Responses or Anthropic "
                                             "Messages response");
    } else if (!extract(root, f, &x)) {
        st = llmobs__error(LLMOBS_EPARSE,
                           "llmobs_obs_set_from_response: no usage in this %s "
                           "response",
                           llmobs_response_format_name(f));
    } else {
        const char *model = string_at(root, "model");
        if (model) st = llmobs_obs_set_model(obs, model);
        if (st == LLMOBS_OK) st = llmobs_obs_set_provider(obs, x.provider);
        st = put(obs, LLMOBS_USAGE_INPUT, x.input, st);
        st = put(obs, LLMOBS_USAGE_OUTPUT, x.output, st);
        st = put(obs, LLMOBS_USAGE_CACHE_READ, x.cache_read, st);
        st = put(obs, LLMOBS_USAGE_CACHE_WRITE, x.cache_write, st);
        st = put(obs, LLMOBS_USAGE_REASONING, x.reasoning, st);
        st = put(obs, LLMOBS_USAGE_TOTAL, x.total, st);
        if (st == LLMOBS_OK && x.finish_reason)
            st = llmobs_obs_set_metadata(obs, "finish_reason", x.finish_reason);
    }
    if (st == LLMOBS_OK && detected) *detected = f;
    cJSON_Delete(root);
    return st;
}
