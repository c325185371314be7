/* llmobs/common.h: status codes, version, logging and shared types.
 * Everything in this header is thread-safe. */
#ifndef LLMOBS_COMMON_H
#define LLMOBS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LLMOBS_BUILDING)
#define LLMOBS_API __attribute__((visibility("default")))
#else
#define LLMOBS_API
#endif

#define LLMOBS_VERSION_MAJOR 0
#define LLMOBS_VERSION_MINOR 1
#define LLMOBS_VERSION_PATCH 0
#define LLMOBS_VERSION_STRING "0.1.0"

/** The library's version string ("MAJOR.MINOR.PATCH"); static storage. */
LLMOBS_API const char *llmobs_version(void);

/** Result of every fallible call. Append-only: values never change meaning. */
typedef enum llmobs_status {
    LLMOBS_OK = 0,
    LLMOBS_EINVAL = 1,    /* a NULL or malformed argument */
    LLMOBS_ENOMEM = 2,    /* an allocation failed */
    LLMOBS_ESTATE = 3,    /* wrong state: ended twice, used after shutdown */
    LLMOBS_ETIMEOUT = 4,  /* a deadline passed before the work finished */
    LLMOBS_EFULL = 5,     /* a bounded queue or table is full; the item was counted as dropped */
    LLMOBS_EIO = 6,       /* file or socket I/O failed */
    LLMOBS_ENOTFOUND = 7, /* no such key, model or item */
    LLMOBS_EEXIST = 8,    /* already exists with a different definition */
    LLMOBS_ELIMIT = 9,    /* a configured limit (cardinality, size) refused the request */
    LLMOBS_EUNSUPPORTED = 10, /* not supported in this build or configuration */
    LLMOBS_ENETWORK = 11,     /* a network request failed */
    LLMOBS_EPARSE = 12,       /* input text could not be parsed */
    LLMOBS_EBUDGET = 13,      /* the call would exceed a budget */
    LLMOBS_EINTERNAL = 14     /* a bug in llmobs; please report it */
} llmobs_status;

/** A one-line English description of a status; static storage, never NULL. */
LLMOBS_API const char *llmobs_status_str(llmobs_status status);
/** The enum name of a status ("LLMOBS_EINVAL"); static storage, never NULL. */
LLMOBS_API const char *llmobs_status_name(llmobs_status status);

/** Detail of the last error returned on the calling thread (names the key, field or
 * line at fault), or "" when the last call succeeded. Valid until the next llmobs call
 * on the same thread. */
LLMOBS_API const char *llmobs_last_error(void);

typedef enum llmobs_log_level {
    LLMOBS_LOG_DEBUG = 0,
    LLMOBS_LOG_INFO = 1,
    LLMOBS_LOG_WARN = 2,
    LLMOBS_LOG_ERROR = 3
} llmobs_log_level;

/** Log callback: receives a preformatted line without trailing newline. Called from
 * whichever thread logs (caller threads for argument errors, the flusher thread for export
 * outcomes); never called while an llmobs lock is held. Secrets never appear in `message`. */
typedef void (*llmobs_log_fn)(llmobs_log_level level, const char *message, void *userdata);

/** Current wall-clock time, nanoseconds since the Unix epoch (UTC). */
LLMOBS_API int64_t llmobs_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif
