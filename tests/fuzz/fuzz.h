/* Fuzz targets: each defines LLVMFuzzerTestOneInput. Built with clang -fsanitize=fuzzer
 * (tests/fuzz/run.sh) they are libFuzzer fuzzers; otherwise driver.c adds a main() that runs
 * every file of the corpus directories given (the seed corpus, as a ctest test). */
#ifndef LLMOBS_FUZZ_H
#define LLMOBS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (embedded NULs end it early). Caller frees. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Fails loudly (a crash the fuzzer reports) when an invariant does not hold. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

#endif
