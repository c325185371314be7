/* Internal: SHA-256 (FIPS 180-4), for Langfuse's seeded ids and sampling rule. */
#ifndef LLMOBS_CORE_SHA256_H
#define LLMOBS_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

void llmobs__sha256(const void *data, size_t len, uint8_t out[32]);

#endif
