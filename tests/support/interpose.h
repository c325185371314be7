/* Test-only interposition of flock(), open(), openat() and clock_gettime() by symbol
 * interposition, without LD_PRELOAD: interpose.c defines those functions in the test executable
 * itself, so the statically linked library's calls (and those of shared libraries, through the
 * executable's dynamic symbols) land there first; each calls the real function (the next
 * definition, dlsym(RTLD_NEXT): libc's, or a sanitizer's interceptor) and then may
 *  - pause the calling thread at a pause point, one-shot, until the test resumes it, so that the
 *    test can act (fork, claim a file) at an exact point of a library thread's work;
 *  - count flock() calls on watched paths (and how many were refused: EWOULDBLOCK);
 *  - move CLOCK_MONOTONIC (and its COARSE, RAW and BOOTTIME variants) forward by an offset,
 *    so a test can let 30 s pass without waiting for them. Timed waits (futexes) still run on
 *    the kernel's clock: wake a waiting thread after advancing.
 * It is not part of the support library (which every test links): only the tests listed in
 * LLMOBS_TESTS_INTERPOSE (tests/CMakeLists.txt) get it. Thread-safe. */
#ifndef LLMOBS_TEST_INTERPOSE_H
#define LLMOBS_TEST_INTERPOSE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum interpose_point {
    INTERPOSE_AFTER_OPEN,  /* open()/openat() of a matching path returned a descriptor */
    INTERPOSE_AFTER_FLOCK, /* flock() taking a lock on a matching file succeeded */
} interpose_point;

/* Arms a pause point: the first thread to reach `at` for a path containing `path_part` stops
 * there (after the real call) until interpose_resume(). One-shot: it disarms when it fires. */
void interpose_pause_at(interpose_point at, const char *path_part);
/* Waits (real time) until a thread is stopped at the armed point; false after timeout_ms. */
bool interpose_wait_paused(int timeout_ms);
/* Lets the stopped thread go on (and disarms a point that did not fire). */
void interpose_resume(void);

/* Counts flock() calls on files whose path contains `path_part` (NULL: stop counting), from
 * zero. */
void interpose_watch_flock(const char *path_part);
/* flock() calls on the watched path so far, and of those the refused ones (EWOULDBLOCK). */
unsigned interpose_flock_calls(void);
unsigned interpose_flock_refused(void);

/* Moves the monotonic clocks forward by `ns` (cumulative). */
void interpose_advance_monotonic(int64_t ns);

/* Real (not advanced) monotonic milliseconds, for a test's own deadlines. */
int64_t interpose_real_mono_ms(void);

#endif
