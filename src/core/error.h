/* Internal: setting the per-thread error detail returned by llmobs_last_error(). */
#ifndef LLMOBS_CORE_ERROR_H
#define LLMOBS_CORE_ERROR_H

#include "llmobs/common.h"

/* Records a detail message for the calling thread and returns `status` unchanged. */
llmobs_status llmobs__error(llmobs_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void llmobs__error_clear(void);

#endif
