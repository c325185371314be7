/* Internal: the word loads and the mixing step of the library's string hashes (the cost
 * tracker's name tables, the LLM metric set's label-tuple cache): eight bytes a step. The
 * loads also serve the JSON escaper's word-at-a-time scan. */
#ifndef LLMOBS_CORE_HASH_H
#define LLMOBS_CORE_HASH_H

#include <stdint.h>
#include <string.h>

/* Little-endian word loads (byte i of p is byte i of the word from the low end, on every host):
 * the hashes do not care, the JSON escaper (core/buf.c) finds the first special byte by it. */
static inline uint64_t llmobs__load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static inline uint64_t llmobs__load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap32(w);
#endif
    return w;
}

static inline uint64_t llmobs__hash_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    return h ^ (h >> 32);
}

#endif
