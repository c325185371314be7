/* Internal: logging through the user's callback or stderr. Never call with a lock held. */
#ifndef LLMOBS_CORE_LOG_H
#define LLMOBS_CORE_LOG_H

#include "llmobs/common.h"

#include <stdbool.h>

typedef struct llmobs__logger {
    llmobs_log_fn fn;
    void *userdata;
    bool debug;
} llmobs__logger;

void llmobs__log(const llmobs__logger *lg, llmobs_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
