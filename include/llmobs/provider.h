/* llmobs/provider.h: filling a generation from a model provider's response.
 * Thread-safety: as the llmobs_obs_set_* calls it makes (safe from any thread). */
#ifndef LLMOBS_PROVIDER_H
#define LLMOBS_PROVIDER_H

#include "llmobs/common.h"
#include "llmobs/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Response body formats understood by llmobs_obs_set_from_response. */
typedef enum llmobs_response_format {
    LLMOBS_RESPONSE_AUTO = 0,              /* detected from the body ("object", "type") */
    LLMOBS_RESPONSE_OPENAI_CHAT = 1,       /* OpenAI Chat Completions (object chat.completion) */
    LLMOBS_RESPONSE_OPENAI_RESPONSES = 2,  /* OpenAI Responses API (object response) */
    LLMOBS_RESPONSE_ANTHROPIC_MESSAGES = 3 /* Anthropic Messages (type message) */
} llmobs_response_format;

/** The name of a format ("openai_chat"); "unknown" if out of range. */
LLMOBS_API const char *llmobs_response_format_name(llmobs_response_format format);

/** Fills `obs` from a provider's response body (JSON text, as received): model, provider
 * ("openai" / "anthropic"), usage in llmobs's disjoint buckets and the finish reason (metadata
 * key "finish_reason"). OpenAI counts cached input inside prompt_tokens / input_tokens and
 * reasoning inside completion_tokens / output_tokens: they are split out, so "input" is the
 * uncached input and "output" excludes reasoning; the provider's total is kept as "total".
 * Anthropic's input_tokens already excludes cache reads and writes. Fields the body lacks are
 * left alone. *detected (optional) receives the format used. Errors: LLMOBS_EINVAL (NULL),
 * LLMOBS_EPARSE (not a JSON object, or no usage in the format's place; nothing is set),
 * LLMOBS_ENOTFOUND (format AUTO and the body is none of the known ones), and the setters'. */
LLMOBS_API llmobs_status llmobs_obs_set_from_response(llmobs_obs *obs,
                                                      llmobs_response_format format,
                                                      const char *response_json,
                                                      llmobs_response_format *detected);

#ifdef __cplusplus
}
#endif
#endif
