/* Status names and descriptions, and the per-thread detail of the last error. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *text;
} status_table[] = {
    [LLMOBS_OK] = {"LLMOBS_OK", "success"},
    [LLMOBS_EINVAL] = {"LLMOBS_EINVAL", "invalid argument"},
    [LLMOBS_ENOMEM] = {"LLMOBS_ENOMEM", "out of memory"},
    [LLMOBS_ESTATE] = {"LLMOBS_ESTATE", "invalid state for this call"},
    [LLMOBS_ETIMEOUT] = {"LLMOBS_ETIMEOUT", "deadline passed"},
    [LLMOBS_EFULL] = {"LLMOBS_EFULL", "queue or table full"},
    [LLMOBS_EIO] = {"LLMOBS_EIO", "I/O error"},
    [LLMOBS_ENOTFOUND] = {"LLMOBS_ENOTFOUND", "not found"},
    [LLMOBS_EEXIST] = {"LLMOBS_EEXIST", "already exists with a different definition"},
    [LLMOBS_ELIMIT] = {"LLMOBS_ELIMIT", "limit reached"},
    [LLMOBS_EUNSUPPORTED] = {"LLMOBS_EUNSUPPORTED", "not supported"},
    [LLMOBS_ENETWORK] = {"LLMOBS_ENETWORK", "network error"},
    [LLMOBS_EPARSE] = {"LLMOBS_EPARSE", "parse error"},
    [LLMOBS_EBUDGET] = {"LLMOBS_EBUDGET", "budget exceeded"},
    [LLMOBS_EINTERNAL] = {"LLMOBS_EINTERNAL", "internal error"},
};

#define STATUS_COUNT (sizeof status_table / sizeof status_table[0])

const char *llmobs_status_str(llmobs_status status)
{
    if ((unsigned)status >= STATUS_COUNT) return "unknown status";
    return status_table[status].text;
}

const char *llmobs_status_name(llmobs_status status)
{
    if ((unsigned)status >= STATUS_COUNT) return "LLMOBS_UNKNOWN";
    return status_table[status].name;
}

const char *llmobs_version(void)
{
    return LLMOBS_VERSION_STRING;
}

static _Thread_local char last_error[512];

const char *llmobs_last_error(void)
{
    return last_error;
}

void llmobs__error_clear(void)
{
    last_error[0] = '\0';
}

const char *llmobs__strerror(int err)
{
    /* strerror may format into one static buffer (glibc before 2.32 did for unknown numbers);
     * strerror_r writes into this thread's. */
    static _Thread_local char buf[128];
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, sizeof buf); /* the GNU variant: may return a static string */
#else
    return strerror_r(err, buf, sizeof buf) == 0 ? buf : "unknown error";
#endif
}

void llmobs__error_set(const char *fmt, ...)
{
    /* Formatted aside first: callers often pass llmobs_last_error() itself as an argument, to
     * add context to the message of the call that failed. */
    char msg[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(last_error, msg, sizeof msg);
}
