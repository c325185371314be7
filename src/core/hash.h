/* Internal: the word loads and the mixing step of the library's string hashes (the cost
 * tracker's name tables, the LLM metric set's label-tuple cache): eight bytes a step. */
#ifndef LLMOBS_CORE_HASH_H
#define LLMOBS_CORE_HASH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t llmobs__load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t llmobs__load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static inline uint64_t llmobs__hash_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    return h ^ (h >> 32);
}

#endif
