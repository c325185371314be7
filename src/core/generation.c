/* The vocabulary of the "generation ended" record (core/generation.h). */
#include "core/generation.h"
#include "llmobs/trace.h"

const char *const llmobs__usage_keys[LLMOBS__TOKEN_KINDS] = {
    [LLMOBS_PRICE_INPUT] = LLMOBS_USAGE_INPUT,
    [LLMOBS_PRICE_OUTPUT] = LLMOBS_USAGE_OUTPUT,
    [LLMOBS_PRICE_CACHE_READ] = LLMOBS_USAGE_CACHE_READ,
    [LLMOBS_PRICE_CACHE_WRITE] = LLMOBS_USAGE_CACHE_WRITE,
    [LLMOBS_PRICE_REASONING] = LLMOBS_USAGE_REASONING,
};
