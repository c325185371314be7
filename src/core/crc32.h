/* Internal: CRC-32 as gzip (and zlib's crc32) computes it: polynomial 0x04C11DB7, bit-reflected,
 * register preset to all ones and inverted at the end. */
#ifndef LLMOBS_CORE_CRC32_H
#define LLMOBS_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of `len` bytes at `p`, continuing `crc` (0 to start; the result of a previous
 * call to append), as zlib's crc32(crc, p, len). On x86-64 CPUs with carry-less multiply
 * (PCLMULQDQ) and SSE4.1 it folds 64 bytes per step, about 25 times fewer instructions than
 * zlib 1.2's table-driven loop; elsewhere it is zlib's crc32. */
uint32_t llmobs__crc32(uint32_t crc, const void *p, size_t len);

#endif
