/* The calling thread's stack of scopes: which trace and observation are current. A plain
 * thread-local array (no allocation, nothing to free at thread exit); each entry pins its
 * trace so the entered handle stays valid until the scope is left. */
#include "core/error.h"
#include "llmobs/context.h"
#include "trace/context.h"
#include "trace/span.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    llmobs_obs *obs; /* the entered observation, or the trace's root span */
    bool is_trace;
} scope_entry;

static _Thread_local scope_entry stack[LLMOBS_SCOPE_MAX_DEPTH];
static _Thread_local size_t depth;

llmobs_obs *llmobs__scope_top(void)
{
    return depth ? stack[depth - 1].obs : NULL;
}

static llmobs_status push(llmobs_obs *obs, bool is_trace, const char *fn)
{
    if (depth == LLMOBS_SCOPE_MAX_DEPTH)
        return llmobs__error(LLMOBS_ELIMIT, "%s: %d scopes already open on this thread", fn,
                             LLMOBS_SCOPE_MAX_DEPTH);
    llmobs__trace_pin(llmobs__obs_trace(obs));
    stack[depth++] = (scope_entry){obs, is_trace};
    return LLMOBS_OK;
}

static llmobs_status pop(const llmobs_obs *obs, bool is_trace, const char *fn)
{
    if (!depth) return llmobs__error(LLMOBS_ESTATE, "%s: no scope is open on this thread", fn);
    const scope_entry *top = &stack[depth - 1];
    if (top->obs != obs || top->is_trace != is_trace)
        return llmobs__error(LLMOBS_ESTATE, "%s: not the innermost scope of this thread", fn);
    depth--;
    llmobs__trace_unpin(llmobs__obs_trace(obs));
    return LLMOBS_OK;
}

llmobs_status llmobs_scope_enter_trace(llmobs_trace *trace)
{
    if (!trace) return llmobs__error(LLMOBS_EINVAL, "llmobs_scope_enter_trace: NULL trace");
    return push(llmobs__trace_root(trace), true, "llmobs_scope_enter_trace");
}

llmobs_status llmobs_scope_enter(llmobs_obs *obs)
{
    if (!obs) return llmobs__error(LLMOBS_EINVAL, "llmobs_scope_enter: NULL observation");
    return push(obs, false, "llmobs_scope_enter");
}

llmobs_status llmobs_scope_leave_trace(llmobs_trace *trace)
{
    if (!trace) return llmobs__error(LLMOBS_EINVAL, "llmobs_scope_leave_trace: NULL trace");
    return pop(llmobs__trace_root(trace), true, "llmobs_scope_leave_trace");
}

llmobs_status llmobs_scope_leave(llmobs_obs *obs)
{
    if (!obs) return llmobs__error(LLMOBS_EINVAL, "llmobs_scope_leave: NULL observation");
    return pop(obs, false, "llmobs_scope_leave");
}

size_t llmobs_scope_depth(void)
{
    return depth;
}

llmobs_trace *llmobs_current_trace(void)
{
    return depth ? llmobs__obs_trace(stack[depth - 1].obs) : NULL;
}

llmobs_obs *llmobs_current_observation(void)
{
    return depth && !stack[depth - 1].is_trace ? stack[depth - 1].obs : NULL;
}

/* ---- helpers on the current trace ----------------------------------------------------------- */

static llmobs_status set_public(llmobs_trace *t, const char *v)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) return llmobs_trace_set_public(t, 1);
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) return llmobs_trace_set_public(t, 0);
    return llmobs__error(LLMOBS_EINVAL, "llmobs_current_trace_set: public must be true or false");
}

static const struct {
    const char *name;
    llmobs_status (*set)(llmobs_trace *, const char *);
} trace_attributes[] = {
    {"user_id", llmobs_trace_set_user_id},
    {"session_id", llmobs_trace_set_session_id},
    {"feature", llmobs_trace_set_feature},
    {"release", llmobs_trace_set_release},
    {"version", llmobs_trace_set_version},
    {"environment", llmobs_trace_set_environment},
    {"tag", llmobs_trace_add_tag},
    {"public", set_public},
    {"input", llmobs_trace_set_input},
    {"output", llmobs_trace_set_output},
    {"input_json", llmobs_trace_set_input_json},
    {"output_json", llmobs_trace_set_output_json},
    {"metadata_json", llmobs_trace_set_metadata_json},
};

#define METADATA_PREFIX "metadata."

llmobs_status llmobs_current_trace_set(const char *attribute, const char *value)
{
    if (!attribute || !value)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_current_trace_set: NULL attribute or value");
    llmobs_trace *t = llmobs_current_trace();
    if (!t) return llmobs__error(LLMOBS_ESTATE, "llmobs_current_trace_set: no current trace");
    if (strncmp(attribute, METADATA_PREFIX, strlen(METADATA_PREFIX)) == 0 &&
        attribute[strlen(METADATA_PREFIX)])
        return llmobs_trace_set_metadata(t, attribute + strlen(METADATA_PREFIX), value);
    for (size_t i = 0; i < sizeof trace_attributes / sizeof *trace_attributes; i++)
        if (strcmp(attribute, trace_attributes[i].name) == 0)
            return trace_attributes[i].set(t, value);
    return llmobs__error(LLMOBS_ENOTFOUND, "llmobs_current_trace_set: unknown attribute '%.64s'",
                         attribute);
}

llmobs_status llmobs_current_trace_score(llmobs_score *score, int on_observation)
{
    if (!score) return llmobs__error(LLMOBS_EINVAL, "llmobs_current_trace_score: NULL score");
    llmobs_trace *t = llmobs_current_trace();
    if (!t) {
        llmobs_score_free(score);
        return llmobs__error(LLMOBS_ESTATE, "llmobs_current_trace_score: no current trace");
    }
    char tid[33], oid[17];
    llmobs_status st = llmobs_trace_id(t, tid, sizeof tid);
    if (st == LLMOBS_OK) st = llmobs_score_set_trace_id(score, tid);
    llmobs_obs *o = llmobs_current_observation();
    if (st == LLMOBS_OK && on_observation && o) {
        st = llmobs_obs_id(o, oid, sizeof oid);
        if (st == LLMOBS_OK) st = llmobs_score_set_observation_id(score, oid);
    }
    if (st != LLMOBS_OK) {
        llmobs_score_free(score);
        return st;
    }
    return llmobs_score_send(llmobs__trace_client(t), score);
}

llmobs_status llmobs_current_trace_score_numeric(const char *name, double value,
                                                 const char *comment)
{
    if (!llmobs_current_trace())
        return llmobs__error(LLMOBS_ESTATE, "llmobs_current_trace_score_numeric: no current trace");
    llmobs_status st;
    llmobs_score *sc = llmobs_score_new(name, &st);
    if (!sc) return st;
    if ((st = llmobs_score_set_numeric(sc, value)) != LLMOBS_OK ||
        (comment && (st = llmobs_score_set_comment(sc, comment)) != LLMOBS_OK)) {
        llmobs_score_free(sc);
        return st;
    }
    return llmobs_current_trace_score(sc, 0);
}
