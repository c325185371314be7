/* LLM-as-judge over libcurl: the article's accuracy and faithfulness prompts (and user
 * templates) sent to an OpenAI-compatible /v1/chat/completions or the Anthropic Messages API,
 * with retries of 429/5xx inside a deadline, and the judge's own call traced as an `evaluator`
 * observation with usage and cost. */
#include "core/clock.h"
#include "core/error.h"
#include "core/options.h"
#include "eval/eval.h"
#include "llmobs/cost.h"
#include "llmobs/trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JUDGE_MAX_TOKENS 512
#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS 10000

enum { API_OPENAI = 0, API_ANTHROPIC = 1 };

static const char DEFAULT_CRITERIA[] =
    "Is the response accurate, helpful, and free of hallucinations?";

/* The article's prompts, with {{...}} placeholders. */
static const char ACCURACY_PROMPT[] =
    "You are an evaluation judge. Rate the following LLM response on a scale of 0 to 1.\n"
    "\n"
    "Criteria: {{criteria}}\n"
    "\n"
    "User Question: {{question}}\n"
    "LLM Response: {{response}}\n"
    "{{context_block}}\n"
    "\n"
    "Respond with ONLY a JSON object: {\"score\": <float 0-1>, \"reasoning\": \"<one "
    "sentence>\"}";

static const char FAITHFULNESS_PROMPT[] =
    "Given the following retrieved context and LLM answer, assess whether\n"
    "every factual claim in the answer is supported by the context.\n"
    "\n"
    "Context:\n"
    "{{context}}\n"
    "\n"
    "Answer:\n"
    "{{answer}}\n"
    "\n"
    "Score from 0 to 1 where:\n"
    "1.0 = every claim is fully supported by the context\n"
    "0.5 = some claims are supported, some are not\n"
    "0.0 = the answer contains claims not found in the context (hallucinations)\n"
    "\n"
    "Respond with ONLY JSON: {\"faithfulness\": <float 0-1>, \"unsupported_claims\": [<list of "
    "strings>]}";

struct llmobs_judge {
    int api;
    char *url;
    char *model;
    double timeout_s, deadline_s;
    int64_t max_retries;
    CURL *curl;
    struct curl_slist *headers;
    llmobs_client *client;
    char *feature;
    uint64_t rng;
};

static char *join_url(const char *base, const char *path_after_v1)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    bool has_v1 = n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0;
    size_t cap = n + strlen(path_after_v1) + 8;
    char *u = malloc(cap);
    if (u) snprintf(u, cap, "%.*s%s%s", (int)n, base, has_v1 ? "" : "/v1", path_after_v1);
    return u;
}

llmobs_judge *llmobs_judge_new(llmobs_options *opts, llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_judge *j = NULL;
    if (!opts && !(opts = llmobs_options_new())) {
        st = llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
        goto fail;
    }
    if ((st = llmobs__options_apply_env(opts)) != LLMOBS_OK) goto fail;
    if (!*opts->judge_api_key) {
        st = llmobs__error(LLMOBS_EINVAL, "judge: no API key: set the option judge_api_key or "
                                          "the environment variable LLMOBS_JUDGE_API_KEY");
        goto fail;
    }
    if (!(j = calloc(1, sizeof *j))) {
        st = llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
        goto fail;
    }
    j->api = opts->judge_api;
    const char *base = *opts->judge_base_url     ? opts->judge_base_url
                       : j->api == API_ANTHROPIC ? "https://api.anthropic.com"
                                                 : "https://api.openai.com";
    const char *model = *opts->judge_model        ? opts->judge_model
                        : j->api == API_ANTHROPIC ? "claude-haiku-4-5"
                                                  : "gpt-4o-mini";
    j->url = join_url(base, j->api == API_ANTHROPIC ? "/messages" : "/chat/completions");
    j->model = strdup(model);
    j->feature = strdup("llm-judge");
    j->timeout_s = opts->judge_timeout_s;
    j->deadline_s = opts->judge_deadline_s;
    j->max_retries = opts->judge_max_retries;
    j->rng = (uint64_t)llmobs__mono_ns() | 1;
    j->curl = curl_easy_init();
    j->headers = curl_slist_append(NULL, "Content-Type: application/json");
    size_t cap = strlen(opts->judge_api_key) + 32;
    char *line = malloc(cap);
    if (line) {
        snprintf(line, cap, j->api == API_ANTHROPIC ? "x-api-key: %s" : "Authorization: Bearer %s",
                 opts->judge_api_key);
        struct curl_slist *h = curl_slist_append(j->headers, line);
        if (h) j->headers = h;
        memset(line, 0, strlen(line));
        free(line);
    }
    if (j->api == API_ANTHROPIC) {
        struct curl_slist *h = curl_slist_append(j->headers, "anthropic-version: 2023-06-01");
        if (h) j->headers = h;
    }
    if (!j->url || !j->model || !j->feature || !j->curl || !j->headers || !line) {
        st = llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
        goto fail;
    }
    llmobs_options_free(opts);
    llmobs__error_clear();
    if (status) *status = LLMOBS_OK;
    return j;
fail:
    llmobs_judge_free(j);
    llmobs_options_free(opts);
    if (status) *status = st;
    return NULL;
}

void llmobs_judge_free(llmobs_judge *j)
{
    if (!j) return;
    if (j->curl) curl_easy_cleanup(j->curl);
    curl_slist_free_all(j->headers);
    free(j->url);
    free(j->model);
    free(j->feature);
    free(j);
}

llmobs_status llmobs_judge_set_client(llmobs_judge *j, llmobs_client *client, const char *feature)
{
    if (!j) return llmobs__error(LLMOBS_EINVAL, "llmobs_judge_set_client: NULL judge");
    char *f = strdup(feature && *feature ? feature : "llm-judge");
    if (!f) return llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
    free(j->feature);
    j->feature = f;
    j->client = client;
    return LLMOBS_OK;
}

/* Expands {{name}} placeholders (whitespace inside the braces is ignored). */
static llmobs_status expand(const char *tpl, const char *const *names, const char *const *values,
                            size_t n, llmobs__buf *out)
{
    const char *p = tpl;
    for (const char *open; (open = strstr(p, "{{"));) {
        const char *close = strstr(open + 2, "}}");
        if (!close) break;
        llmobs__buf_append(out, p, (size_t)(open - p));
        const char *a = open + 2, *b = close;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t i = 0;
        while (i < n && !(names[i] && strlen(names[i]) == (size_t)(b - a) &&
                          strncmp(names[i], a, (size_t)(b - a)) == 0))
            i++;
        if (i == n)
            return llmobs__error(LLMOBS_EINVAL, "judge template: no value for {{%.*s}}",
                                 (int)(b - a), a);
        llmobs__buf_puts(out, values[i] ? values[i] : "");
        p = close + 2;
    }
    llmobs__buf_puts(out, p);
    llmobs__buf_putc(out, '\0');
    return out->oom ? llmobs__error(LLMOBS_ENOMEM, "judge template: out of memory") : LLMOBS_OK;
}

static char *request_body(const llmobs_judge *j, const char *prompt)
{
    llmobs__buf b = {0};
    llmobs__buf_puts(&b, "{\"model\":");
    llmobs__buf_json_string(&b, j->model, strlen(j->model));
    llmobs__buf_printf(&b,
                       ",\"max_tokens\":%d,\"temperature\":0,\"messages\":[{\"role\":\"user\","
                       "\"content\":",
                       JUDGE_MAX_TOKENS);
    llmobs__buf_json_string(&b, prompt, strlen(prompt));
    llmobs__buf_puts(&b, "}]}");
    llmobs__buf_putc(&b, '\0');
    if (b.oom) {
        llmobs__buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int64_t backoff_ms(llmobs_judge *j, int attempt, int64_t retry_after_ms)
{
    if (retry_after_ms >= 0) return retry_after_ms;
    int64_t cap = BACKOFF_BASE_MS << (attempt < 10 ? attempt : 10);
    if (cap > BACKOFF_CAP_MS) cap = BACKOFF_CAP_MS;
    j->rng ^= j->rng << 13, j->rng ^= j->rng >> 7, j->rng ^= j->rng << 17;
    return (int64_t)(j->rng % (uint64_t)(cap + 1)); /* full jitter */
}

/* Sends the prompt with retries; on success fills *reply. *attempts gets the HTTP attempts. */
static llmobs_status call_model(llmobs_judge *j, const char *body, llmobs__judge_reply *reply,
                                int *attempts)
{
    int64_t deadline = llmobs__mono_ns() + (int64_t)(j->deadline_s * 1e9);
    char last[300] = "";
    llmobs_status last_st = LLMOBS_ENETWORK;
    for (int attempt = 0;; attempt++) {
        int64_t remaining_ms = (deadline - llmobs__mono_ns()) / 1000000;
        if (remaining_ms <= 0)
            return llmobs__error(LLMOBS_ETIMEOUT,
                                 "judge: deadline of %gs passed after %d "
                                 "attempt(s)%s%s",
                                 j->deadline_s, attempt, *last ? "; last: " : "", last);
        int64_t timeout_ms = (int64_t)(j->timeout_s * 1000);
        if (timeout_ms > remaining_ms) timeout_ms = remaining_ms;
        llmobs__ehttp_response rs;
        llmobs_status st =
            llmobs__ehttp(j->curl, "POST", j->url, j->headers, body, timeout_ms, &rs);
        *attempts = attempt + 1;
        if (st == LLMOBS_OK && rs.status >= 200 && rs.status < 300) {
            st = llmobs__judge_reply_parse(j->api, rs.body.data ? rs.body.data : "", reply);
            llmobs__ehttp_response_free(&rs);
            return st;
        }
        if (st == LLMOBS_OK) {
            snprintf(last, sizeof last, "HTTP %ld from %s: %.200s", rs.status, j->url,
                     rs.body.data ? rs.body.data : "");
            last_st = LLMOBS_ENETWORK;
        } else {
            snprintf(last, sizeof last, "%s: %s", j->url, rs.error);
            last_st = st;
        }
        bool retry = st != LLMOBS_OK || llmobs__ehttp_retryable(rs.status);
        int64_t delay = backoff_ms(j, attempt, rs.retry_after_ms);
        llmobs__ehttp_response_free(&rs);
        if (!retry) return llmobs__error(LLMOBS_ENETWORK, "judge: %s", last);
        if (attempt >= j->max_retries)
            return llmobs__error(last_st, "judge: gave up after %d attempt(s): %s", attempt + 1,
                                 last);
        if (llmobs__mono_ns() + delay * 1000000 >= deadline)
            return llmobs__error(LLMOBS_ETIMEOUT,
                                 "judge: deadline of %gs leaves no time to "
                                 "retry: %s",
                                 j->deadline_s, last);
        sleep_ms(delay);
    }
}

/* The evaluator observation of one judge call (when a client is set). */
static void trace_call(llmobs_judge *j, const char *kind, const char *prompt,
                       const llmobs__judge_reply *reply, llmobs_status st, llmobs_judgement *jm,
                       int64_t start_ns)
{
    if (!j->client) return;
    llmobs_trace *t = llmobs_trace_start(j->client, "llm-judge", NULL);
    if (!t) return;
    llmobs_trace_set_start_time(t, start_ns);
    llmobs_trace_set_feature(t, j->feature);
    char name[64];
    snprintf(name, sizeof name, "judge.%s", kind);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_EVALUATOR, name, NULL);
    if (o) {
        llmobs_obs_set_start_time(o, start_ns);
        llmobs_obs_set_model(o, reply && *reply->model ? reply->model : j->model);
        llmobs_obs_set_provider(o, j->api == API_ANTHROPIC ? "anthropic" : "openai");
        llmobs_obs_set_model_parameter(o, "temperature", "0");
        llmobs_obs_set_input(o, prompt);
        if (reply && reply->text) llmobs_obs_set_output(o, reply->text);
        if (reply && reply->input_tokens >= 0 && reply->output_tokens >= 0) {
            llmobs_obs_set_usage(o, reply->input_tokens, reply->output_tokens);
            if (reply->cache_read_tokens > 0)
                llmobs_obs_set_usage_detail(o, LLMOBS_USAGE_CACHE_READ, reply->cache_read_tokens);
            if (reply->cache_write_tokens > 0)
                llmobs_obs_set_usage_detail(o, LLMOBS_USAGE_CACHE_WRITE, reply->cache_write_tokens);
            llmobs_cost_tracker *ct = llmobs_client_cost_tracker(j->client);
            const char *model = *reply->model ? reply->model : j->model;
            double cost[LLMOBS_COST_KIND_COUNT];
            if (llmobs_cost_compute(ct, model, reply->input_tokens, reply->output_tokens,
                                    reply->cache_read_tokens, reply->cache_write_tokens, 0, NULL,
                                    cost) == LLMOBS_OK &&
                llmobs_cost_record(ct, model, j->feature, NULL, reply->input_tokens,
                                   reply->output_tokens, reply->cache_read_tokens,
                                   reply->cache_write_tokens, 0, NULL, cost) == LLMOBS_OK) {
                /* A cost for every usage bucket reported, so the parts add up to the total
                 * (the cache buckets are priced apart from input) and Langfuse shows them. */
                llmobs_obs_set_cost_detail(o, LLMOBS_USAGE_INPUT, cost[LLMOBS_COST_INPUT]);
                llmobs_obs_set_cost_detail(o, LLMOBS_USAGE_OUTPUT, cost[LLMOBS_COST_OUTPUT]);
                if (reply->cache_read_tokens > 0)
                    llmobs_obs_set_cost_detail(o, LLMOBS_USAGE_CACHE_READ,
                                               cost[LLMOBS_COST_CACHE_READ]);
                if (reply->cache_write_tokens > 0)
                    llmobs_obs_set_cost_detail(o, LLMOBS_USAGE_CACHE_WRITE,
                                               cost[LLMOBS_COST_CACHE_WRITE]);
                llmobs_obs_set_cost_detail(o, "total", cost[LLMOBS_COST_TOTAL]);
                if (jm) jm->cost_usd = cost[LLMOBS_COST_TOTAL];
            }
        }
        if (st != LLMOBS_OK) {
            llmobs_obs_set_level(o, LLMOBS_LEVEL_ERROR);
            llmobs_obs_set_status_message(o, llmobs_last_error());
        } else if (jm) {
            llmobs_obs_set_metadata_json(o, jm->json);
        }
        llmobs_obs_end(o);
    }
    llmobs_trace_end(t);
}

static llmobs_status judge(llmobs_judge *j, const char *kind, const char *prompt, const char *field,
                           bool need_reasoning, bool need_claims, llmobs_judgement **out)
{
    int64_t start = llmobs_now_ns();
    char *body = request_body(j, prompt);
    if (!body) return llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
    llmobs__judge_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.input_tokens = reply.output_tokens = -1;
    int attempts = 0;
    llmobs_judgement *jm = NULL;
    llmobs_status st = call_model(j, body, &reply, &attempts);
    free(body);
    if (st == LLMOBS_OK)
        st = llmobs_judge_parse(reply.text, field, need_reasoning, need_claims, &jm);
    if (jm) {
        snprintf(jm->model, sizeof jm->model, "%s", *reply.model ? reply.model : j->model);
        jm->input_tokens = reply.input_tokens;
        jm->output_tokens = reply.output_tokens;
        jm->attempts = attempts;
    }
    /* Keep the error detail across tracing (which clears it on success). */
    char detail[512];
    snprintf(detail, sizeof detail, "%s", st == LLMOBS_OK ? "" : llmobs_last_error());
    trace_call(j, kind, prompt, reply.text ? &reply : NULL, st, jm, start);
    llmobs__judge_reply_free(&reply);
    if (st != LLMOBS_OK) return llmobs__error(st, "%s", detail);
    llmobs__error_clear();
    *out = jm;
    return LLMOBS_OK;
}

llmobs_status llmobs_judge_accuracy(llmobs_judge *j, const char *criteria, const char *question,
                                    const char *response, const char *context,
                                    llmobs_judgement **out)
{
    if (!j || !question || !response || !out)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_judge_accuracy: NULL argument");
    *out = NULL;
    llmobs__buf ctx = {0}, prompt = {0};
    if (context && *context) {
        llmobs__buf_puts(&ctx, "Retrieved Context:\n");
        llmobs__buf_puts(&ctx, context);
    }
    llmobs__buf_putc(&ctx, '\0');
    const char *names[] = {"criteria", "question", "response", "context_block"};
    const char *values[] = {criteria && *criteria ? criteria : DEFAULT_CRITERIA, question, response,
                            ctx.data};
    llmobs_status st = ctx.oom ? LLMOBS_ENOMEM : expand(ACCURACY_PROMPT, names, values, 4, &prompt);
    if (st == LLMOBS_OK) st = judge(j, "accuracy", prompt.data, "score", true, false, out);
    llmobs__buf_free(&ctx);
    llmobs__buf_free(&prompt);
    return st;
}

llmobs_status llmobs_judge_faithfulness(llmobs_judge *j, const char *context, const char *answer,
                                        llmobs_judgement **out)
{
    if (!j || !context || !answer || !out)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_judge_faithfulness: NULL argument");
    *out = NULL;
    llmobs__buf prompt = {0};
    const char *names[] = {"context", "answer"};
    const char *values[] = {context, answer};
    llmobs_status st = expand(FAITHFULNESS_PROMPT, names, values, 2, &prompt);
    if (st == LLMOBS_OK)
        st = judge(j, "faithfulness", prompt.data, "faithfulness", false, true, out);
    llmobs__buf_free(&prompt);
    return st;
}

llmobs_status llmobs_judge_template(llmobs_judge *j, const char *template_text,
                                    const char *const *names, const char *const *values, size_t n,
                                    const char *score_field, llmobs_judgement **out)
{
    if (!j || !template_text || !out || (n && (!names || !values)))
        return llmobs__error(LLMOBS_EINVAL, "llmobs_judge_template: NULL argument");
    *out = NULL;
    llmobs__buf prompt = {0};
    llmobs_status st = expand(template_text, names, values, n, &prompt);
    if (st == LLMOBS_OK)
        st = judge(j, "custom", prompt.data, score_field && *score_field ? score_field : "score",
                   false, false, out);
    llmobs__buf_free(&prompt);
    return st;
}
