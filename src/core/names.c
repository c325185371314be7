/* Names of the public enums that travel on the wire, at the bottom so that tracing and the
 * serializers both read them without knowing each other. */
#include "llmobs/trace.h"

static const char *const type_names[] = {
    [LLMOBS_OBS_SPAN] = "span",           [LLMOBS_OBS_GENERATION] = "generation",
    [LLMOBS_OBS_EVENT] = "event",         [LLMOBS_OBS_AGENT] = "agent",
    [LLMOBS_OBS_TOOL] = "tool",           [LLMOBS_OBS_CHAIN] = "chain",
    [LLMOBS_OBS_RETRIEVER] = "retriever", [LLMOBS_OBS_EMBEDDING] = "embedding",
    [LLMOBS_OBS_EVALUATOR] = "evaluator", [LLMOBS_OBS_GUARDRAIL] = "guardrail",
};

const char *llmobs_obs_type_name(llmobs_obs_type type)
{
    if ((unsigned)type >= sizeof type_names / sizeof *type_names) return "span";
    return type_names[type];
}

/* trace.c accepts types up to LLMOBS_OBS_GUARDRAIL: every one of them has a name here. */
_Static_assert(sizeof type_names / sizeof *type_names == LLMOBS_OBS_GUARDRAIL + 1,
               "a name for every observation type");
