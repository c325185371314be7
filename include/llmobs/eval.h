/* llmobs/eval.h: evaluation (quality drift): rolling pass-rate and faithfulness windows that feed
 * llm_eval_pass_rate, llm_eval_runs_total and llm_rag_faithfulness, and an LLM-as-judge client.
 * Thread-safety: every llmobs_evaluator / llmobs_eval_* call is thread-safe; a judge handle is
 * used by one thread at a time (create one per thread); a judgement is immutable and may be
 * read from any thread until it is freed. See docs/eval.md. */
#ifndef LLMOBS_EVAL_H
#define LLMOBS_EVAL_H

#include "llmobs/client.h"
#include "llmobs/common.h"
#include "llmobs/options.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_evaluator llmobs_evaluator;
typedef struct llmobs_judge llmobs_judge;
typedef struct llmobs_judgement llmobs_judgement;
/* Same type as in llmobs/metrics.h (a repeated identical typedef is valid C11 and C++). */
typedef struct llmobs_registry llmobs_registry;

/** The article's pass threshold: a score >= 0.7 passes. */
#define LLMOBS_EVAL_DEFAULT_THRESHOLD 0.7

/** A clock for the windows: nanoseconds on any monotonic scale. */
typedef int64_t (*llmobs_clock_fn)(void *userdata);

/* ---- evaluator: pass rates and faithfulness -------------------------------------------- */

/** Creates an evaluator. Its settings (eval_threshold, eval_window, eval_window_seconds,
 * eval_max_windows) come from `opts` (owned by the evaluator, freed even on failure;
 * environment variables fill keys not set), or, with `opts` NULL, from `client`'s options,
 * or from the defaults and the environment when both are NULL. `client` (optional, borrowed;
 * it must outlive the evaluator) is where scores go when a record names a trace. Metrics are
 * recorded in the default registry (see llmobs_evaluator_set_registry). NULL on failure with
 * the reason in *status (optional). */
LLMOBS_API llmobs_evaluator *llmobs_evaluator_new(llmobs_client *client, llmobs_options *opts,
                                                  llmobs_status *status);
/** Frees an evaluator. NULL-safe. Metric series it set stay in their registry. */
LLMOBS_API void llmobs_evaluator_free(llmobs_evaluator *ev);

/** Records metrics in `registry` instead of the default one (NULL: no metrics at all, e.g. for
 * a dry run). The registry must outlive the evaluator. */
LLMOBS_API llmobs_status llmobs_evaluator_set_registry(llmobs_evaluator *ev,
                                                       llmobs_registry *registry);
/** Replaces the window clock (default: CLOCK_MONOTONIC); for tests and replays. */
LLMOBS_API llmobs_status llmobs_evaluator_set_clock(llmobs_evaluator *ev, llmobs_clock_fn now_ns,
                                                    void *userdata);
/** Window of every pass rate and faithfulness mean: the last `max_results` results (>= 1),
 * of which only those younger than `max_seconds` count (0: no time limit). Existing windows
 * keep their newest results that fit. */
LLMOBS_API llmobs_status llmobs_evaluator_set_window(llmobs_evaluator *ev, int64_t max_results,
                                                     double max_seconds);

/** Records one judged result of `metric` (e.g. "accuracy") for `feature`: it passes when
 * `score` >= `threshold` (a negative threshold means the evaluator's default, 0.7 unless
 * configured). Counts llm_eval_runs_total{feature,metric,result=pass|fail} and sets
 * llm_eval_pass_rate{feature,metric} to the pass rate of the window. With a `trace_id` (32
 * hex; `observation_id` 16 hex or NULL) and a client, also sends a numeric score named
 * `metric` with `comment` (optional) to Langfuse. *passed (optional) receives 1 or 0.
 * A score that is not a finite number in [0, 1] is recorded as an error and returns
 * LLMOBS_EINVAL. LLMOBS_ELIMIT when eval_max_windows windows exist and this pair is new
 * (the run is still counted in llm_eval_runs_total). */
LLMOBS_API llmobs_status llmobs_eval_record(llmobs_evaluator *ev, const char *feature,
                                            const char *metric, double score, double threshold,
                                            const char *trace_id, const char *observation_id,
                                            const char *comment, int *passed);

/** Records a judging failure (judge unreachable, unparseable verdict, ...): counts
 * llm_eval_runs_total{result="error"}; the pass rate is unchanged. `reason` (optional) is
 * logged at debug level. */
LLMOBS_API llmobs_status llmobs_eval_record_error(llmobs_evaluator *ev, const char *feature,
                                                  const char *metric, const char *reason);

/** Records a RAG faithfulness score in [0, 1] for `pipeline_version`: sets
 * llm_rag_faithfulness{pipeline_version} to the mean of the window. With a trace id and a
 * client, also sends a numeric score named "faithfulness". */
LLMOBS_API llmobs_status llmobs_eval_record_faithfulness(llmobs_evaluator *ev,
                                                         const char *pipeline_version, double score,
                                                         const char *trace_id,
                                                         const char *observation_id,
                                                         const char *comment);

/** Reads the current pass rate of a pair (results older than the window are expired first)
 * and the number of results it covers. LLMOBS_ENOTFOUND for a pair never recorded; a window
 * whose results all expired gives NaN and n = 0. Either out pointer may be NULL. */
LLMOBS_API llmobs_status llmobs_eval_pass_rate(llmobs_evaluator *ev, const char *feature,
                                               const char *metric, double *rate, int64_t *n);
/** Reads the current faithfulness mean of a pipeline version, as llmobs_eval_pass_rate. */
LLMOBS_API llmobs_status llmobs_eval_faithfulness(llmobs_evaluator *ev,
                                                  const char *pipeline_version, double *mean,
                                                  int64_t *n);
/** Cumulative pass, fail and error counts of a pair since the evaluator was created (any out
 * pointer may be NULL). LLMOBS_ENOTFOUND for a pair never recorded. */
LLMOBS_API llmobs_status llmobs_eval_counts(llmobs_evaluator *ev, const char *feature,
                                            const char *metric, uint64_t *pass, uint64_t *fail,
                                            uint64_t *error);

/* ---- LLM-as-judge ------------------------------------------------------------------------ */

/** Creates a judge from `opts` (owned, freed even on failure; NULL = defaults; environment
 * variables LLMOBS_JUDGE_* fill keys not set): judge_api (openai | anthropic),
 * judge_base_url, judge_api_key (required: LLMOBS_EINVAL naming it when empty),
 * judge_model, judge_timeout, judge_deadline, judge_max_retries. */
LLMOBS_API llmobs_judge *llmobs_judge_new(llmobs_options *opts, llmobs_status *status);
/** Frees a judge. NULL-safe. */
LLMOBS_API void llmobs_judge_free(llmobs_judge *judge);

/** Traces every later judge call on `client` (borrowed; must outlive the judge; NULL turns
 * tracing off) as a trace named "llm-judge" with one `evaluator` observation carrying the
 * model, provider, prompt, reply, token usage and cost (priced by the client's cost tracker
 * and added to the spend of `feature`, default "llm-judge"). */
LLMOBS_API llmobs_status llmobs_judge_set_client(llmobs_judge *judge, llmobs_client *client,
                                                 const char *feature);

/** The article's accuracy judge: rates `response` to `question` against `criteria` (NULL:
 * "Is the response accurate, helpful, and free of hallucinations?") with optional retrieved
 * `context`; the model must answer {"score": 0..1, "reasoning": "..."}. On success *out
 * receives a judgement (free with llmobs_judgement_free). Errors: LLMOBS_EPARSE (no JSON
 * object, a missing field, a score that is not a number or a numeric string, or outside
 * [0, 1]: never read as 0), LLMOBS_ETIMEOUT (judge_timeout or judge_deadline passed),
 * LLMOBS_ENETWORK (unreachable, or an HTTP error after the retries); details in
 * llmobs_last_error(). 429, 5xx and connection failures are retried with exponential
 * backoff (honouring Retry-After) within judge_deadline. */
LLMOBS_API llmobs_status llmobs_judge_accuracy(llmobs_judge *judge, const char *criteria,
                                               const char *question, const char *response,
                                               const char *context, llmobs_judgement **out);

/** The article's RAG faithfulness judge: is every claim of `answer` supported by `context`?
 * The model must answer {"faithfulness": 0..1, "unsupported_claims": ["...", ...]}
 * (1.0 = every claim supported, 0.5 = some, 0.0 = claims not found in the context).
 * Errors as llmobs_judge_accuracy. */
LLMOBS_API llmobs_status llmobs_judge_faithfulness(llmobs_judge *judge, const char *context,
                                                   const char *answer, llmobs_judgement **out);

/** A user prompt: every {{name}} in `template_text` is replaced by the value with that name
 * (`names` and `values` hold `n` strings); a placeholder without a value is LLMOBS_EINVAL.
 * The reply must hold a JSON object whose field `score_field` (NULL: "score") is a number in
 * [0, 1]; "reasoning" is read when present. */
LLMOBS_API llmobs_status llmobs_judge_template(llmobs_judge *judge, const char *template_text,
                                               const char *const *names, const char *const *values,
                                               size_t n, const char *score_field,
                                               llmobs_judgement **out);

/** Parses a judge model's reply text as the judge calls do (JSON alone, inside prose or in a
 * ``` fence; numbers may be numeric strings): `score_field` must be a number in [0, 1];
 * with `require_reasoning`, "reasoning" must be a string; with `require_claims`,
 * "unsupported_claims" must be an array of strings. LLMOBS_EPARSE otherwise. */
LLMOBS_API llmobs_status llmobs_judge_parse(const char *reply_text, const char *score_field,
                                            int require_reasoning, int require_claims,
                                            llmobs_judgement **out);

/** The score (the value of the score field) in [0, 1]; NaN for NULL. */
LLMOBS_API double llmobs_judgement_score(const llmobs_judgement *j);
/** The "reasoning" string, "" when absent. Borrowed until llmobs_judgement_free. */
LLMOBS_API const char *llmobs_judgement_reasoning(const llmobs_judgement *j);
/** Number of "unsupported_claims" and the i-th one (NULL past the end). */
LLMOBS_API size_t llmobs_judgement_claim_count(const llmobs_judgement *j);
LLMOBS_API const char *llmobs_judgement_claim_at(const llmobs_judgement *j, size_t i);
/** The verdict object as compact JSON text. Borrowed. */
LLMOBS_API const char *llmobs_judgement_json(const llmobs_judgement *j);
/** The model that answered ("" when unknown). Borrowed. */
LLMOBS_API const char *llmobs_judgement_model(const llmobs_judgement *j);
/** Tokens the judge call used (-1 when the reply did not say). */
LLMOBS_API int64_t llmobs_judgement_input_tokens(const llmobs_judgement *j);
LLMOBS_API int64_t llmobs_judgement_output_tokens(const llmobs_judgement *j);
/** Cost of the judge call in USD as priced by the client's cost tracker; -1 when unknown
 * (no client, or a model without a price). */
LLMOBS_API double llmobs_judgement_cost_usd(const llmobs_judgement *j);
/** HTTP attempts the call took (1 without retries). */
LLMOBS_API int32_t llmobs_judgement_attempts(const llmobs_judgement *j);
/** Frees a judgement. NULL-safe. */
LLMOBS_API void llmobs_judgement_free(llmobs_judgement *j);

#ifdef __cplusplus
}
#endif
#endif
