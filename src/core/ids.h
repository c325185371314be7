/* Internal: W3C trace/span ids, hex conversion, Langfuse's seeded ids and sampling rule. */
#ifndef LLMOBS_CORE_IDS_H
#define LLMOBS_CORE_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills `out` with random bytes from a per-thread generator seeded by getrandom(2) (reseeded
 * after fork). Never returns all zeros, so ids are always valid. */
void llmobs__random_id(uint8_t *out, size_t n);
/* Uniform random double in [0, 1) from the same generator (backoff jitter). */
double llmobs__random_unit(void);
void llmobs__hex(const uint8_t *bytes, size_t n, char *out /* 2n+1 */);
/* Parses exactly 2n lowercase or uppercase hex chars; rejects all-zero ids. */
bool llmobs__parse_hex_id(const char *s, uint8_t *out, size_t n);
/* Langfuse's rule (Python SDK, server): keep iff int(sha256(hex_trace_id)[:8], 16) /
 * 0xFFFFFFFF < rate. */
bool llmobs__sampled(const uint8_t trace_id[16], double rate);

#endif
