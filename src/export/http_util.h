/* Internal: helpers the HTTP exporters share (URLs, headers, Basic auth, server messages).
 * Anything that may carry a credential is registered with the llmobs__http secret list and
 * wiped after use. Flusher thread or construction only. */
#ifndef LLMOBS_EXPORT_HTTP_UTIL_H
#define LLMOBS_EXPORT_HTTP_UTIL_H

#include "export/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Standard base64 of `len` bytes (malloc'd, NUL-terminated), or NULL on out of memory. */
char *llmobs__base64(const unsigned char *in, size_t len);
/* `a` then `b` (malloc'd). */
char *llmobs__join(const char *a, const char *b);
/* `base` without trailing slashes, then `suffix` (malloc'd). */
char *llmobs__join_path(const char *base, const char *suffix);
/* Where the authority of an http(s) URL starts and ends. */
void llmobs__url_authority(const char *url, const char **start, const char **end);
/* The URL without "user:password@", for log lines (malloc'd). */
char *llmobs__display_url(const char *url);
/* Registers the password in "user:password@" of a URL as a secret. */
bool llmobs__http_add_url_secret(llmobs__http *h, const char *url);

/* Appends "name: value" to the list (the temporary line is wiped: it may hold a credential). */
bool llmobs__header_add(struct curl_slist **list, const char *name, const char *value);
/* Content-Type: application/json, User-Agent, an empty Expect, and Content-Encoding: gzip
 * when `gzip`. */
bool llmobs__common_headers(struct curl_slist **list, bool gzip);
/* "Authorization: Basic base64(public:secret)"; registers the secret key and the token as
 * secrets of `h` first. */
bool llmobs__basic_auth_header(struct curl_slist **list, llmobs__http *h, const char *public_key,
                               const char *secret_key);

/* Copies printable text, at most `max` bytes, turning control characters into spaces, after
 * redacting the secrets `h` knows (NULL: none) from the whole text. */
void llmobs__copy_text(const llmobs__http *h, char *out, size_t cap, const char *in, size_t max);
/* The server's explanation: {"error": "..."}, {"error": {"message": ...}}, {"message": ...}
 * or, when the body is not JSON, the raw text (at most 160 bytes). */
void llmobs__server_message(const llmobs__http *h, const char *body, char *out, size_t cap);
/* Whether an error reply means "the request is too large" (split it): 413, or a 400 whose body
 * says "request body too large", as the OpenTelemetry Collector answers above its
 * max_request_body_size (Go's http.MaxBytesReader error), often in front of a backend. */
bool llmobs__reply_too_large(long status, const char *body);
/* The partialSuccess of an OTLP 2xx body (any NUL-terminated text: fuzzed in tests/fuzz):
 * rejectedSpans into *rejected, errorMessage into msg (redacted with `h`, NULL: none). */
void llmobs__otlp_partial_success(const llmobs__http *h, const char *body, uint32_t *rejected,
                                  char *msg, size_t cap);

#endif
