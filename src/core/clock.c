#include "core/clock.h"
#include "llmobs/common.h"

#include <pthread.h>

int64_t llmobs__wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t llmobs__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t llmobs__mono_coarse_ns(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#else
    return llmobs__mono_ns();
#endif
}

int64_t llmobs_now_ns(void)
{
    return llmobs__wall_ns();
}

struct timespec llmobs__mono_deadline(int64_t mono_ns)
{
    struct timespec ts = {.tv_sec = mono_ns / 1000000000, .tv_nsec = mono_ns % 1000000000};
    return ts;
}

int llmobs__cond_init_monotonic(void *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init((pthread_cond_t *)cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

int64_t llmobs__ms_to_ns(int64_t ms)
{
    const int64_t k = 1000000;
    if (ms > INT64_MAX / k) return INT64_MAX;
    if (ms < INT64_MIN / k) return INT64_MIN;
    return ms * k;
}

int64_t llmobs__s_to_ns(double s)
{
    double ns = s * 1e9;
    if (ns != ns) return 0;
    /* 2^63 is exactly representable; anything at or above it does not fit. */
    if (ns >= 9223372036854775808.0) return INT64_MAX;
    if (ns <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)ns;
}

int64_t llmobs__add_ns(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}
