/* Internal: setting the per-thread error detail returned by llmobs_last_error(). */
#ifndef LLMOBS_CORE_ERROR_H
#define LLMOBS_CORE_ERROR_H

#include "llmobs/common.h"

/* Records a detail message for the calling thread. */
void llmobs__error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void llmobs__error_clear(void);
/* strerror(err) for any thread: the text stays valid until the thread's next call. */
const char *llmobs__strerror(int err);

static inline llmobs_status llmobs__error_status(llmobs_status status)
{
    return status;
}

/* Records a detail message for the calling thread and evaluates to `status` unchanged. A macro
 * rather than a function so that the static analyzers (scripts/analyze.sh) see the value: after
 * `st = llmobs__error(LLMOBS_ENOMEM, ...)`, `st != LLMOBS_OK` on that path (neither analyzer
 * follows a call into status.c, and clang's does not look into variadic functions at all). The
 * status goes through a function so that a use as a statement is not an unused value. */
#define llmobs__error(status, ...) (llmobs__error_set(__VA_ARGS__), llmobs__error_status(status))

#endif
