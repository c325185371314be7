/* llmobs/trace.h: traces and observations (spans, generations, events, ...).
 * Thread-safety: every call is safe from any thread; calls on the same handle are serialized
 * internally. Handle lifetime: a trace handle and the observation handles under it stay valid
 * until the trace and every observation under it have ended (also across llmobs_shutdown);
 * ending an already-ended handle within that time returns LLMOBS_ESTATE. */
#ifndef LLMOBS_TRACE_H
#define LLMOBS_TRACE_H

#include "llmobs/client.h"
#include "llmobs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_trace llmobs_trace;
typedef struct llmobs_obs llmobs_obs;

/** Langfuse observation types. */
typedef enum llmobs_obs_type {
    LLMOBS_OBS_SPAN = 0,
    LLMOBS_OBS_GENERATION = 1,
    LLMOBS_OBS_EVENT = 2,
    LLMOBS_OBS_AGENT = 3,
    LLMOBS_OBS_TOOL = 4,
    LLMOBS_OBS_CHAIN = 5,
    LLMOBS_OBS_RETRIEVER = 6,
    LLMOBS_OBS_EMBEDDING = 7,
    LLMOBS_OBS_EVALUATOR = 8,
    LLMOBS_OBS_GUARDRAIL = 9
} llmobs_obs_type;

/** The Langfuse name of a type ("generation"); "span" if out of range. */
LLMOBS_API const char *llmobs_obs_type_name(llmobs_obs_type type);

typedef enum llmobs_level {
    LLMOBS_LEVEL_DEBUG = 0,
    LLMOBS_LEVEL_DEFAULT = 1,
    LLMOBS_LEVEL_WARNING = 2,
    LLMOBS_LEVEL_ERROR = 3
} llmobs_level;

/* Usage keys (Langfuse's names). Buckets are disjoint: "input" excludes cached input,
 * "output" excludes reasoning; "total" defaults to their sum. Any other key is passed on. */
#define LLMOBS_USAGE_INPUT "input"
#define LLMOBS_USAGE_OUTPUT "output"
#define LLMOBS_USAGE_CACHE_READ "input_cached_tokens"
#define LLMOBS_USAGE_CACHE_WRITE "input_cache_creation"
#define LLMOBS_USAGE_REASONING "output_reasoning_tokens"
#define LLMOBS_USAGE_TOTAL "total"

/* ---- traces ---------------------------------------------------------------------------- */

/** Starts a trace (its root span) named `name`, timestamped now, with a random id. Returns
 * NULL only for a NULL client or name, or ENOMEM (reason in *status, optional). A disabled or
 * sampled-out client still returns a working handle whose items are counted as dropped. */
LLMOBS_API llmobs_trace *llmobs_trace_start(llmobs_client *client, const char *name,
                                            llmobs_status *status);

/** Starts a trace continuing a W3C `traceparent` ("00-<32 hex>-<16 hex>-<2 hex>"): same trace
 * id, the root span's parent is the remote span. An invalid header is LLMOBS_EINVAL. */
LLMOBS_API llmobs_trace *llmobs_trace_start_traceparent(llmobs_client *client, const char *name,
                                                        const char *traceparent,
                                                        llmobs_status *status);

/** Starts a trace with a given 32-hex `trace_id` and optional 16-hex `parent_span_id`
 * (NULL or "" for none). Ids must be lowercase hex and not all zero. */
LLMOBS_API llmobs_trace *llmobs_trace_start_with_id(llmobs_client *client, const char *name,
                                                    const char *trace_id,
                                                    const char *parent_span_id,
                                                    llmobs_status *status);

/** The `feature` label of this trace's LLM metrics and cost (default: the trace name). */
LLMOBS_API llmobs_status llmobs_trace_set_feature(llmobs_trace *trace, const char *feature);
LLMOBS_API llmobs_status llmobs_trace_set_user_id(llmobs_trace *trace, const char *user_id);
LLMOBS_API llmobs_status llmobs_trace_set_session_id(llmobs_trace *trace, const char *session_id);
LLMOBS_API llmobs_status llmobs_trace_add_tag(llmobs_trace *trace, const char *tag);
LLMOBS_API llmobs_status llmobs_trace_set_release(llmobs_trace *trace, const char *release);
LLMOBS_API llmobs_status llmobs_trace_set_version(llmobs_trace *trace, const char *version);
/** Environment of this trace: 1-40 characters of [a-z0-9-_], not starting with "langfuse" (the
 * names Langfuse stores unchanged); any other is LLMOBS_EINVAL. */
LLMOBS_API llmobs_status llmobs_trace_set_environment(llmobs_trace *trace, const char *environment);
LLMOBS_API llmobs_status llmobs_trace_set_public(llmobs_trace *trace, int is_public);
/** Replaces the trace metadata with a JSON object (LLMOBS_EPARSE if not an object). The trace
 * metadata travels on every span of the trace, and Langfuse v4 merges it over each
 * observation's metadata: on the same key the trace's value wins in every observation
 * (docs/export.md). */
LLMOBS_API llmobs_status llmobs_trace_set_metadata_json(llmobs_trace *trace, const char *json);
/** Sets one trace metadata key to a string value (same merge rule as above). */
LLMOBS_API llmobs_status llmobs_trace_set_metadata(llmobs_trace *trace, const char *key,
                                                   const char *value);
/** Input/output of the trace (its root span): plain text, sent as a JSON string. */
LLMOBS_API llmobs_status llmobs_trace_set_input(llmobs_trace *trace, const char *text);
LLMOBS_API llmobs_status llmobs_trace_set_output(llmobs_trace *trace, const char *text);
/** Input/output as JSON text, sent as the JSON value it is. Copied, not parsed, on the calling
 * thread (a large payload costs one copy); the flusher checks it, and text that is not valid
 * JSON goes out as a JSON string instead, counted in LLMOBS_STAT_INVALID_JSON and logged
 * (docs/decisions.md). */
LLMOBS_API llmobs_status llmobs_trace_set_input_json(llmobs_trace *trace, const char *json);
LLMOBS_API llmobs_status llmobs_trace_set_output_json(llmobs_trace *trace, const char *json);

/** Overrides the trace's start time (ns since the epoch; default: when started). */
LLMOBS_API llmobs_status llmobs_trace_set_start_time(llmobs_trace *trace, int64_t unix_ns);

/** Writes the 32-hex trace id (33 bytes with NUL) into `buf`. */
LLMOBS_API llmobs_status llmobs_trace_id(const llmobs_trace *trace, char *buf, size_t cap);
/** Writes the 16-hex id of the trace's root span (17 bytes with NUL). */
LLMOBS_API llmobs_status llmobs_trace_span_id(const llmobs_trace *trace, char *buf, size_t cap);
/** Writes a W3C traceparent for the root span (56 bytes with NUL) to propagate downstream. */
LLMOBS_API llmobs_status llmobs_trace_traceparent(const llmobs_trace *trace, char *buf, size_t cap);
/** 1 if the trace is recorded (client enabled and trace sampled in), else 0. */
LLMOBS_API int llmobs_trace_is_sampled(const llmobs_trace *trace);

/** Ends the trace's root span now and hands it to the queue. LLMOBS_ESTATE if already ended. */
LLMOBS_API llmobs_status llmobs_trace_end(llmobs_trace *trace);
/** Ends the trace with an explicit end time (ns since the epoch). */
LLMOBS_API llmobs_status llmobs_trace_end_at(llmobs_trace *trace, int64_t end_unix_ns);

/* ---- observations ---------------------------------------------------------------------- */

/** Starts an observation of `type` under `parent` of `trace`. `parent` must belong to
 * `trace`. A NULL `parent` means the calling thread's current observation when it belongs to
 * `trace` (llmobs/context.h), else the trace's root span; a NULL `trace` means the parent's
 * trace, else the current trace. Returns NULL only for bad arguments (no trace at all) or
 * ENOMEM. */
LLMOBS_API llmobs_obs *llmobs_obs_start(llmobs_trace *trace, llmobs_obs *parent,
                                        llmobs_obs_type type, const char *name,
                                        llmobs_status *status);

LLMOBS_API llmobs_status llmobs_obs_set_input(llmobs_obs *obs, const char *text);
LLMOBS_API llmobs_status llmobs_obs_set_output(llmobs_obs *obs, const char *text);
/** Input/output as JSON text: as llmobs_trace_set_input_json (checked on the flusher). */
LLMOBS_API llmobs_status llmobs_obs_set_input_json(llmobs_obs *obs, const char *json);
LLMOBS_API llmobs_status llmobs_obs_set_output_json(llmobs_obs *obs, const char *json);
/** Replaces the observation's metadata with a JSON object (LLMOBS_EPARSE if not an object);
 * llmobs_obs_set_metadata sets one key to a string value. Langfuse v4 stores an observation's
 * metadata merged with its trace's, and on the same key the *trace's* value wins: use keys the
 * trace metadata does not use when the observation's value must survive (docs/export.md). */
LLMOBS_API llmobs_status llmobs_obs_set_metadata_json(llmobs_obs *obs, const char *json);
LLMOBS_API llmobs_status llmobs_obs_set_metadata(llmobs_obs *obs, const char *key,
                                                 const char *value);
LLMOBS_API llmobs_status llmobs_obs_set_level(llmobs_obs *obs, llmobs_level level);
LLMOBS_API llmobs_status llmobs_obs_set_status_message(llmobs_obs *obs, const char *message);
/** Overrides the start time (ns since the epoch; default: when started). */
LLMOBS_API llmobs_status llmobs_obs_set_start_time(llmobs_obs *obs, int64_t unix_ns);
/** Time of the first streamed token (ns since the epoch): Langfuse's completion start time. */
LLMOBS_API llmobs_status llmobs_obs_set_completion_start_time(llmobs_obs *obs, int64_t unix_ns);
/** Model name as requested, e.g. "gpt-4o". */
LLMOBS_API llmobs_status llmobs_obs_set_model(llmobs_obs *obs, const char *model);
/** Provider, e.g. "openai", "anthropic" (gen_ai.provider.name). */
LLMOBS_API llmobs_status llmobs_obs_set_provider(llmobs_obs *obs, const char *provider);
/** One model parameter; `json_value` is JSON text ("0.2", "256", "\"auto\"", "true"). */
LLMOBS_API llmobs_status llmobs_obs_set_model_parameter(llmobs_obs *obs, const char *key,
                                                        const char *json_value);
/** Input and output tokens (LLMOBS_USAGE_INPUT / _OUTPUT); negative values are EINVAL. */
LLMOBS_API llmobs_status llmobs_obs_set_usage(llmobs_obs *obs, int64_t input_tokens,
                                              int64_t output_tokens);
/** One usage bucket by key (see LLMOBS_USAGE_*); setting a key again replaces it. */
LLMOBS_API llmobs_status llmobs_obs_set_usage_detail(llmobs_obs *obs, const char *key,
                                                     int64_t value);
/** One cost bucket in USD ("input", "output", "total", ...). */
LLMOBS_API llmobs_status llmobs_obs_set_cost_detail(llmobs_obs *obs, const char *key, double usd);
/** Links a generation to a Langfuse prompt (name and version >= 1). Langfuse keeps prompt
 * links on generations only, so on any other observation type this returns
 * LLMOBS_EUNSUPPORTED and records nothing. */
LLMOBS_API llmobs_status llmobs_obs_set_prompt(llmobs_obs *obs, const char *name, int32_t version);

/** Writes the 16-hex observation id (17 bytes with NUL). */
LLMOBS_API llmobs_status llmobs_obs_id(const llmobs_obs *obs, char *buf, size_t cap);
/** Writes a W3C traceparent naming this observation as the parent (56 bytes with NUL). */
LLMOBS_API llmobs_status llmobs_obs_traceparent(const llmobs_obs *obs, char *buf, size_t cap);

/** Ends the observation now and hands it to the queue exactly once. LLMOBS_ESTATE if already
 * ended. An event observation ends at its start time. */
LLMOBS_API llmobs_status llmobs_obs_end(llmobs_obs *obs);
/** Ends with an explicit end time (ns since the epoch). */
LLMOBS_API llmobs_status llmobs_obs_end_at(llmobs_obs *obs, int64_t end_unix_ns);

/* ---- ids ----------------------------------------------------------------------------- */

/** Deterministic ids as Langfuse computes them: the first 16 (trace) or 8 (observation) bytes
 * of SHA-256(seed), as lowercase hex. `buf` needs 33 / 17 bytes. */
LLMOBS_API llmobs_status llmobs_trace_id_from_seed(const char *seed, char *buf, size_t cap);
LLMOBS_API llmobs_status llmobs_obs_id_from_seed(const char *seed, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
