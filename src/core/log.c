#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void llmobs__log(const llmobs__logger *lg, llmobs_log_level level, const char *fmt, ...)
{
    if (!lg || (level == LLMOBS_LOG_DEBUG && !lg->debug)) return;
    if (!lg->fn && level == LLMOBS_LOG_INFO && !lg->debug) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (lg->fn)
        lg->fn(level, line, lg->userdata);
    else
        fprintf(stderr, "llmobs %s: %s\n", level_names[level & 3], line);
}
