/* Internal API of src/eval/: the HTTP helper shared by the judge and the eval runner, judge
 * reply parsing, the Langfuse observation reader and the metric adapter. */
#ifndef LLMOBS_EVAL_EVAL_H
#define LLMOBS_EVAL_EVAL_H

#include "core/buf.h"
#include "llmobs/eval.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- HTTP (eval_http.c) ------------------------------------------------------------------ */

typedef struct llmobs__ehttp_response {
    long status;            /* HTTP status; 0 when no response arrived */
    int64_t retry_after_ms; /* Retry-After in delay-seconds; -1 when absent */
    llmobs__buf body;       /* NUL-terminated (capped at 16 MiB) */
    bool timed_out;
    char error[256]; /* transport error text; "" when none */
} llmobs__ehttp_response;

/* One request with `curl` (reset first). `method` "GET" or "POST"; `body` NULL for none.
 * `headers` "Name: value" lines. `timeout_ms` bounds the whole transfer. Returns LLMOBS_OK
 * when a response arrived (any status), LLMOBS_ETIMEOUT or LLMOBS_ENETWORK otherwise. */
llmobs_status llmobs__ehttp(CURL *curl, const char *method, const char *url,
                            const struct curl_slist *headers, const char *body, int64_t timeout_ms,
                            llmobs__ehttp_response *rs);
void llmobs__ehttp_response_free(llmobs__ehttp_response *rs);
/* Whether a status is worth retrying: 0 (connection failure), 408, 429, 5xx. */
bool llmobs__ehttp_retryable(long status);
/* Appends "Authorization: Basic base64(user:pass)". */
struct curl_slist *llmobs__ehttp_basic_auth(struct curl_slist *h, const char *user,
                                            const char *pass);

/* ---- judge replies (judge_parse.c) -------------------------------------------------------- */

/* The reply text and usage of one API response. `api` 0 = OpenAI chat completions,
 * 1 = Anthropic Messages. The text is malloc'd into *text. */
typedef struct llmobs__judge_reply {
    char *text;
    char model[128];
    int64_t input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
} llmobs__judge_reply;
llmobs_status llmobs__judge_reply_parse(int api, const char *body, llmobs__judge_reply *out);
void llmobs__judge_reply_free(llmobs__judge_reply *r);

/* Finds the first JSON object in `text` that has `field` (fenced, bare or inside prose).
 * Returns it (caller deletes) or NULL. */
cJSON *llmobs__judge_find_object(const char *text, const char *field);
/* Reads a score: a number or a string holding only a number; must be finite and in [0, 1]. */
llmobs_status llmobs__judge_read_score(const cJSON *obj, const char *field, double *out);

struct llmobs_judgement {
    double score;
    char *reasoning;
    char **claims;
    size_t nclaims;
    char *json;
    char model[128];
    int64_t input_tokens, output_tokens;
    double cost_usd;
    int32_t attempts;
};

/* ---- Langfuse observations (observations.c) ----------------------------------------------- */

typedef struct llmobs__lf_reader {
    CURL *curl;
    char *base_url;
    struct curl_slist *headers;
    int64_t timeout_ms;
} llmobs__lf_reader;

/* Builds the URL of one page of root observations of traces named `trace_name` with io and
 * metadata (full retrieved_context), started at or after `from_iso` (NULL: any time). */
char *llmobs__lf_observations_url(const char *base_url, const char *trace_name,
                                  const char *from_iso, int limit, const char *cursor);
/* Fetches pages until `max_items` observations are collected or no cursor is left. Appends
 * the matching root observations (copies) to the array *out. *pages receives the number of
 * pages read. */
llmobs_status llmobs__lf_fetch_observations(llmobs__lf_reader *r, const char *trace_name,
                                            const char *from_iso, int page_limit, size_t max_items,
                                            cJSON *out, int *pages);

/* POSTs one CreateScoreRequest body to {base}/api/public/scores. */
llmobs_status llmobs__lf_post_score(llmobs__lf_reader *r, const char *body);

/* ---- metrics (eval_metrics.c) ----------------------------------------------------------- */

/* The default registry (llmobs_registry_default). */
llmobs_registry *llmobs__eval_default_registry(void);
/* Counts llm_eval_runs_total{feature,metric,result} and, when pass_rate >= 0 (NaN: skipped),
 * sets llm_eval_pass_rate{feature,metric}. No-op with a NULL registry. */
llmobs_status llmobs__eval_metrics_run(llmobs_registry *r, const char *feature, const char *metric,
                                       const char *result, double pass_rate);
llmobs_status llmobs__eval_metrics_faithfulness(llmobs_registry *r, const char *pipeline_version,
                                                double mean);

#endif
