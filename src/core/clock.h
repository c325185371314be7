/* Internal: clocks. Wall time for timestamps on the wire, monotonic time for deadlines. */
#ifndef LLMOBS_CORE_CLOCK_H
#define LLMOBS_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t llmobs__wall_ns(void);
int64_t llmobs__mono_ns(void);
/* The monotonic clock as of the last timer tick (CLOCK_MONOTONIC_COARSE: a few ms behind at
 * most, never ahead): for stamps that only age in seconds, on paths where a precise read
 * (~25 ns on a KVM guest, against ~4) shows. */
int64_t llmobs__mono_coarse_ns(void);
/* An absolute CLOCK_MONOTONIC time as a timespec, for pthread_cond_timedwait
 * on condition variables created with llmobs__cond_init_monotonic. */
struct timespec llmobs__mono_deadline(int64_t mono_ns);
int llmobs__cond_init_monotonic(void *cond);

/* Saturating time arithmetic: a huge timeout or Retry-After means "as late as representable",
 * never a wrapped-around negative. */
int64_t llmobs__ms_to_ns(int64_t ms);         /* ms * 1e6, clamped to [INT64_MIN, INT64_MAX] */
int64_t llmobs__s_to_ns(double s);            /* s * 1e9, clamped; NaN gives 0 */
int64_t llmobs__add_ns(int64_t a, int64_t b); /* a + b, clamped */

#endif
