/* llmobs/score.h: scores (quality judgements) on traces, observations and sessions, sent to
 * Langfuse by the client's flusher thread. A score handle is used by one thread at a time;
 * llmobs_score_send is thread-safe. */
#ifndef LLMOBS_SCORE_H
#define LLMOBS_SCORE_H

#include "llmobs/client.h"
#include "llmobs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_score llmobs_score;

/** Score data types (Langfuse's ScoreDataType). */
typedef enum llmobs_score_type {
    LLMOBS_SCORE_NUMERIC = 0,
    LLMOBS_SCORE_BOOLEAN = 1,
    LLMOBS_SCORE_CATEGORICAL = 2,
    LLMOBS_SCORE_TEXT = 3
} llmobs_score_type;

/** A new score named `name` (non-empty). Set a value and a target, then llmobs_score_send.
 * NULL on bad name or ENOMEM (*status, optional). */
LLMOBS_API llmobs_score *llmobs_score_new(const char *name, llmobs_status *status);
/** Frees a score that was not sent. NULL-safe. */
LLMOBS_API void llmobs_score_free(llmobs_score *score);

/** Values: exactly one kind; the last call wins. Numeric values must be finite. */
LLMOBS_API llmobs_status llmobs_score_set_numeric(llmobs_score *score, double value);
LLMOBS_API llmobs_status llmobs_score_set_boolean(llmobs_score *score, int value);
LLMOBS_API llmobs_status llmobs_score_set_categorical(llmobs_score *score, const char *value);
/** Text value: 1 to 500 characters. */
LLMOBS_API llmobs_status llmobs_score_set_text(llmobs_score *score, const char *value);

/** Targets: a trace (32 hex), an observation of that trace (16 hex, needs the trace id), or a
 * session id; at least one of trace or session. */
LLMOBS_API llmobs_status llmobs_score_set_trace_id(llmobs_score *score, const char *trace_id);
LLMOBS_API llmobs_status llmobs_score_set_observation_id(llmobs_score *score,
                                                         const char *observation_id);
LLMOBS_API llmobs_status llmobs_score_set_session_id(llmobs_score *score, const char *session_id);

LLMOBS_API llmobs_status llmobs_score_set_comment(llmobs_score *score, const char *comment);
/** Metadata as a JSON object (LLMOBS_EPARSE otherwise). */
LLMOBS_API llmobs_status llmobs_score_set_metadata_json(llmobs_score *score, const char *json);
/** Environment ([a-z0-9-_]+, not starting with "langfuse"); default: the client's. */
LLMOBS_API llmobs_status llmobs_score_set_environment(llmobs_score *score, const char *env);
/** Langfuse score-config id. */
LLMOBS_API llmobs_status llmobs_score_set_config_id(llmobs_score *score, const char *config_id);
/** Client-chosen id: sending the same id twice updates one score (idempotent retries).
 * Default: a random 32-hex id chosen at send time and kept across the flusher's retries. */
LLMOBS_API llmobs_status llmobs_score_set_id(llmobs_score *score, const char *id);

/** Validates the score as the Langfuse server would and queues it for delivery. Always takes
 * ownership of `score` (freed even on error). Errors: LLMOBS_EINVAL with the rule in
 * llmobs_last_error() (nothing is queued); LLMOBS_EFULL when the queue is full (counted as
 * dropped, reason queue_full). Scores of sampled-out traces are counted as sampled_out. */
LLMOBS_API llmobs_status llmobs_score_send(llmobs_client *client, llmobs_score *score);

/** Convenience: a numeric score on a trace (and optionally one of its observations; NULL for
 * none), with an optional comment. */
LLMOBS_API llmobs_status llmobs_score_numeric(llmobs_client *client, const char *trace_id,
                                              const char *observation_id, const char *name,
                                              double value, const char *comment);

#ifdef __cplusplus
}
#endif
#endif
