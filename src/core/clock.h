/* Internal: clocks. Wall time for timestamps on the wire, monotonic time for deadlines. */
#ifndef LLMOBS_CORE_CLOCK_H
#define LLMOBS_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t llmobs__wall_ns(void);
int64_t llmobs__mono_ns(void);
/* An absolute CLOCK_MONOTONIC time as a timespec, for pthread_cond_timedwait
 * on condition variables created with llmobs__cond_init_monotonic. */
struct timespec llmobs__mono_deadline(int64_t mono_ns);
int llmobs__cond_init_monotonic(void *cond);

#endif
