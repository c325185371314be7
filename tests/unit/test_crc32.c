/* llmobs__crc32 (core/crc32.c) against zlib's crc32: every length around the block sizes of the
 * folding path, every alignment, chained calls split anywhere, and a large buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/crc32.h"

#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

static unsigned char *noise(size_t n, uint64_t seed)
{
    unsigned char *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) { /* splitmix64 bytes: no structure a fold could hide */
        seed += 0x9e3779b97f4a7c15u;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        b[i] = (unsigned char)(z ^ (z >> 31));
    }
    return b;
}

static void matches_zlib_for_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char *b = noise(600 + 16, 1);
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len <= 600; len++)
            assert_int_equal(llmobs__crc32(0, b + off, len), crc32_z(0, b + off, len));
    free(b);
}

static void continues_a_crc_split_anywhere(void **state)
{
    (void)state;
    unsigned char *b = noise(1000, 2);
    uint32_t whole = (uint32_t)crc32_z(0, b, 1000);
    for (size_t cut = 0; cut <= 1000; cut += 7) {
        uint32_t c = llmobs__crc32(0, b, cut);
        assert_int_equal(llmobs__crc32(c, b + cut, 1000 - cut), whole);
        /* and continuing zlib's value (a nonzero start) */
        assert_int_equal(llmobs__crc32((uint32_t)crc32_z(0, b, cut), b + cut, 1000 - cut), whole);
    }
    assert_int_equal(llmobs__crc32(0x12345678u, NULL, 0), 0x12345678u); /* nothing added */
    free(b);
}

static void matches_zlib_on_large_and_uniform_buffers(void **state)
{
    (void)state;
    size_t n = (size_t)3 << 20;
    unsigned char *b = noise(n, 3);
    assert_int_equal(llmobs__crc32(0, b, n), crc32_z(0, b, n));
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
    assert_int_equal(llmobs__crc32(0, b, n), crc32_z(0, b, n));
    for (size_t i = 0; i < n; i++)
        b[i] = 0xff;
    assert_int_equal(llmobs__crc32(0, b, n), crc32_z(0, b, n));
    free(b);
    /* the check value of the CRC-32 catalogue */
    assert_int_equal(llmobs__crc32(0, "123456789", 9), 0xcbf43926u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_zlib_for_every_length_and_alignment),
        cmocka_unit_test(continues_a_crc_split_anywhere),
        cmocka_unit_test(matches_zlib_on_large_and_uniform_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
