/* CRC-32 for the gzip trailer of request bodies. zlib 1.2's crc32 reads the data through tables,
 * about 4 instructions a byte: with gzip on it was a tenth of the flusher's work. Where the CPU
 * multiplies without carries (PCLMULQDQ, every x86-64 since 2010), the whole 16-byte blocks are
 * folded instead (Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
 * Instruction", Intel, 2009): four 128-bit lanes run over the data 64 bytes a step, are folded
 * into one, reduced to 64 bits and then to the 32-bit CRC by Barrett reduction. zlib does the
 * rest (under 64 bytes, the last 0..15 bytes, other CPUs). */
#include "core/crc32.h"

#include <zlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LLMOBS__CRC_FOLD 1

/* Constants of the reflected polynomial, from the paper: x^(4*128+32) and x^(4*128-32) mod P
 * (k1, k2: a lane across 64 bytes), x^(128+32) and x^(128-32) mod P (k3, k4: across 16 bytes),
 * x^64 mod P (k5: 128 to 64 bits), then P itself and mu = floor(x^64 / P) for the reduction;
 * all bit-reflected, shifted left by one. */
#define K1 0x0154442bd4LL
#define K2 0x01c6e41596LL
#define K3 0x01751997d0LL
#define K4 0x00ccaa009eLL
#define K5 0x0163cd6124LL
#define POLY 0x01db710641LL
#define MU 0x01f7011641LL

#define TARGET __attribute__((target("pclmul,sse4.1")))

TARGET static inline __m128i load(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x carried 128 bits further (its halves times the constants in k), plus the next block. */
TARGET static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
    __m128i lo = _mm_clmulepi64_si128(x, k, 0x00), hi = _mm_clmulepi64_si128(x, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The CRC register (not inverted) after `len` bytes at p: len >= 64, a multiple of 16. */
TARGET static uint32_t fold_blocks(const unsigned char *p, size_t len, uint32_t reg)
{
    const __m128i k12 = _mm_set_epi64x(K2, K1), k34 = _mm_set_epi64x(K4, K3);
    __m128i a = _mm_xor_si128(load(p), _mm_cvtsi32_si128((int)reg));
    __m128i b = load(p + 16), c = load(p + 32), d = load(p + 48);
    for (p += 64, len -= 64; len >= 64; p += 64, len -= 64) {
        a = fold(a, k12, load(p));
        b = fold(b, k12, load(p + 16));
        c = fold(c, k12, load(p + 32));
        d = fold(d, k12, load(p + 48));
    }
    a = fold(a, k34, b);
    a = fold(a, k34, c);
    a = fold(a, k34, d);
    for (; len >= 16; p += 16, len -= 16)
        a = fold(a, k34, load(p));
    /* 128 to 64 bits: the low half times k4 into the high half, then the low 32 bits of that
     * times k5 into the rest. */
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
    a = _mm_xor_si128(_mm_srli_si128(a, 8), _mm_clmulepi64_si128(a, k34, 0x10));
    __m128i rest = _mm_srli_si128(a, 4);
    a = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a, low32), _mm_set_epi64x(0, K5), 0x00),
                      rest);
    /* Barrett: q = low32(a) * mu, then a ^= low32(q) * P leaves the CRC in bits 32..63. */
    const __m128i pm = _mm_set_epi64x(MU, POLY);
    __m128i q = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(a, low32), pm, 0x10), low32);
    a = _mm_xor_si128(a, _mm_clmulepi64_si128(q, pm, 0x00));
    return (uint32_t)_mm_extract_epi32(a, 1);
}

static int can_fold(void)
{
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#endif

uint32_t llmobs__crc32(uint32_t crc, const void *p, size_t len)
{
    const unsigned char *b = p;
    if (len == 0) return crc; /* zlib's crc32 of a NULL buffer is 0, whatever crc was */
#ifdef LLMOBS__CRC_FOLD
    if (len >= 64 && can_fold()) {
        size_t n = len & ~(size_t)15;
        crc = ~fold_blocks(b, n, ~crc); /* zlib's value is the inverted register */
        b += n;
        len -= n;
    }
#endif
    return (uint32_t)crc32_z(crc, b, len);
}
