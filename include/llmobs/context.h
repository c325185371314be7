/* llmobs/context.h: the calling thread's current trace and observation.
 * Thread-safety: every thread has its own stack of scopes; these calls touch only the calling
 * thread's stack (and the entered handle's trace, under its lock). A new thread starts with no
 * current trace or observation: hand it one with llmobs_scope_enter / llmobs_scope_enter_trace.
 *
 * A scope makes a trace or an observation current until it is left. While one is current,
 * llmobs_obs_start(NULL, NULL, ...) starts the new observation in the current trace under the
 * current observation (an explicit trace or parent still wins), and the llmobs_current_trace_*
 * helpers below update or score the current trace without handling ids. Scopes nest: leave
 * them in reverse order of entering, on the thread that entered them. An entered handle stays
 * valid until its scope is left, even if the trace or observation has ended meanwhile (the
 * memory of a trace is released when it has ended and no scope holds it). At most
 * LLMOBS_SCOPE_MAX_DEPTH scopes are open per thread. */
#ifndef LLMOBS_CONTEXT_H
#define LLMOBS_CONTEXT_H

#include "llmobs/common.h"
#include "llmobs/score.h"
#include "llmobs/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LLMOBS_SCOPE_MAX_DEPTH 64

/** Makes `trace` current on this thread (the current observation becomes none: new
 * observations go under the trace's root span). LLMOBS_EINVAL for NULL, LLMOBS_ELIMIT when
 * LLMOBS_SCOPE_MAX_DEPTH scopes are already open on this thread. */
LLMOBS_API llmobs_status llmobs_scope_enter_trace(llmobs_trace *trace);

/** Makes `obs` and its trace current on this thread. Errors as llmobs_scope_enter_trace. */
LLMOBS_API llmobs_status llmobs_scope_enter(llmobs_obs *obs);

/** Leaves the innermost scope, which must be the one `trace` entered (LLMOBS_ESTATE
 * otherwise, and nothing is left). */
LLMOBS_API llmobs_status llmobs_scope_leave_trace(llmobs_trace *trace);

/** Leaves the innermost scope, which must be the one `obs` entered (LLMOBS_ESTATE otherwise,
 * and nothing is left). Leaving does not end the observation. */
LLMOBS_API llmobs_status llmobs_scope_leave(llmobs_obs *obs);

/** Number of scopes open on the calling thread. */
LLMOBS_API size_t llmobs_scope_depth(void);

/** The current trace of the calling thread, or NULL when no scope is open. Borrowed: valid
 * until that scope is left. */
LLMOBS_API llmobs_trace *llmobs_current_trace(void);

/** The current observation of the calling thread, or NULL when no scope is open or the
 * innermost scope is a trace's. Borrowed: valid until that scope is left. */
LLMOBS_API llmobs_obs *llmobs_current_observation(void);

/** Sets one attribute of the current trace by name: "user_id", "session_id", "feature",
 * "release", "version", "environment", "tag" (adds a tag), "public" ("true"/"false"),
 * "input" / "output" (text), "input_json" / "output_json" / "metadata_json" (JSON text) or
 * "metadata.<key>" (one metadata key). LLMOBS_ESTATE when no trace is current,
 * LLMOBS_ENOTFOUND for an unknown attribute, and the setter's own errors otherwise. */
LLMOBS_API llmobs_status llmobs_current_trace_set(const char *attribute, const char *value);

/** Sends `score` on the current trace (and, when `on_observation` is non-zero and an
 * observation is current, on that observation) through the trace's client: the trace and
 * observation ids are filled in. Always takes ownership of `score`. LLMOBS_ESTATE (score
 * freed) when no trace is current; otherwise as llmobs_score_send. */
LLMOBS_API llmobs_status llmobs_current_trace_score(llmobs_score *score, int on_observation);

/** Convenience: a numeric score named `name` on the current trace, optional comment. */
LLMOBS_API llmobs_status llmobs_current_trace_score_numeric(const char *name, double value,
                                                            const char *comment);

#ifdef __cplusplus
}
#endif
#endif
