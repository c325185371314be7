/* Internal: a small libcurl client owned by one flusher thread. One easy handle on one multi
 * handle, reused for every request so connections stay alive between batches. Only
 * llmobs__http_interrupt may be called from another thread.
 *
 * Secrets: the caller registers every secret value (keys, Authorization tokens, header values)
 * with llmobs__http_add_secret; every message this module produces, and every message the
 * caller passes through llmobs__http_redact, has them replaced by "***". CURLOPT_VERBOSE is
 * never set, so curl itself never prints headers. */
#ifndef LLMOBS_EXPORT_HTTP_H
#define LLMOBS_EXPORT_HTTP_H

#include "core/buf.h"
#include "core/log.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* OTLP: clients MUST cap parsed responses at 4 MiB and treat larger ones as errors. */
#define LLMOBS__HTTP_MAX_RESPONSE (4u << 20) /* 4 MiB */

typedef struct llmobs__http llmobs__http;

typedef struct llmobs__http_request {
    const char *url;
    const struct curl_slist *headers; /* "Name: value" lines, sent as they are */
    const char *body;
    size_t len;
    int64_t timeout_ms;       /* whole request; the connect phase gets at most 10 s of it */
    int64_t deadline_mono_ns; /* hard end of the request (INT64_MAX: none) */
} llmobs__http_request;

typedef struct llmobs__http_response {
    long status;            /* final HTTP status; 0 when no response arrived */
    int64_t retry_after_ms; /* from Retry-After (seconds or HTTP-date); -1 when absent */
    llmobs__buf body;       /* at most LLMOBS__HTTP_MAX_RESPONSE bytes, NUL-terminated */
    bool body_too_large;    /* the response body went over the cap (transfer stopped) */
    bool aborted;           /* stopped at the deadline or by llmobs__http_interrupt */
    int curl_code;          /* CURLcode of the transfer */
    char error[200];        /* transport error text, secrets redacted; "" when none */
} llmobs__http_response;

/* `ca_bundle` (NULL or "" for the system store) and `tls_insecure` (verification off) apply
 * to every request. Returns NULL on failure with *status set. */
llmobs__http *llmobs__http_new(const char *ca_bundle, bool tls_insecure, llmobs_status *status);
void llmobs__http_free(llmobs__http *h);

/* Registers a value that must never appear in a message (copied; values shorter than 4
 * bytes are ignored, as redacting them would mangle ordinary text). */
bool llmobs__http_add_secret(llmobs__http *h, const char *secret);
/* Replaces every registered secret in `msg` (NUL-terminated, edited in place) with "***". */
void llmobs__http_redact(const llmobs__http *h, char *msg);

/* Makes the request in flight, and later ones, end by `deadline_mono_ns` (if earlier than
 * their own deadline). Thread-safe: used by shutdown from the application's thread. */
void llmobs__http_interrupt(llmobs__http *h, int64_t deadline_mono_ns);

/* POSTs the body and fills `rs` (free it with llmobs__http_response_free). Returns by the
 * request's deadline or the interrupt deadline, whichever is earlier. */
void llmobs__http_post(llmobs__http *h, const llmobs__http_request *rq, llmobs__http_response *rs);
void llmobs__http_response_free(llmobs__http_response *rs);

/* Retry-After value: delay-seconds or an HTTP-date, as milliseconds from `now` (a past date
 * gives 0). -1 when the value is neither. */
int64_t llmobs__http_parse_retry_after(const char *value, time_t now);

/* gzip-compresses `len` bytes of `in` into `out` (appended). False on failure or ENOMEM. */
bool llmobs__gzip(const char *in, size_t len, llmobs__buf *out);

#endif
