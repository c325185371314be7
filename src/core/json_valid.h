/* Internal: a syntax check of JSON text (RFC 8259) that allocates nothing, for payloads the
 * caller marks as JSON: the flusher checks them, the caller's thread only copies them. */
#ifndef LLMOBS_CORE_JSON_VALID_H
#define LLMOBS_CORE_JSON_VALID_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting accepted, as cJSON's CJSON_NESTING_LIMIT. */
#define LLMOBS__JSON_MAX_DEPTH 1000

/* Whether s[0..n) is exactly one JSON value, with optional white space around it. Strict:
 * no comments, no trailing commas, no leading '+', '.5' or '1.'; strings are not checked for
 * valid UTF-8 (as cJSON). */
bool llmobs__json_valid(const char *s, size_t n);

#endif
