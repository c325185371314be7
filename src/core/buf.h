/* Internal: a growable byte buffer with JSON helpers. Out of memory is sticky: after a
 * failed growth every append is a no-op and `oom` stays set, so callers check once at the end. */
#ifndef LLMOBS_CORE_BUF_H
#define LLMOBS_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct llmobs__buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} llmobs__buf;

void llmobs__buf_free(llmobs__buf *b);
/* The growth path of llmobs__buf_reserve (out of line: rare). */
bool llmobs__buf_grow(llmobs__buf *b, size_t extra);

/* Room for `extra` more bytes plus the NUL terminator; false when out of memory. The appends
 * are inline (the flusher makes ~30 per span, most of a literal's known length, which the
 * compiler then copies with a few moves); growing is not. */
static inline bool llmobs__buf_reserve(llmobs__buf *b, size_t extra)
{
    /* b->data: for gcc -fanalyzer, which does not follow that a buffer with capacity has data
     * (the test costs about 1% of the flusher's serialization) */
    if (!b->oom && b->data && b->len + extra + 1 <= b->cap) return true;
    return llmobs__buf_grow(b, extra);
}

/* Appends `len` bytes and keeps the data NUL-terminated (callers read it as a string). */
static inline void llmobs__buf_append(llmobs__buf *b, const void *data, size_t len)
{
    if (!llmobs__buf_reserve(b, len)) return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static inline void llmobs__buf_putc(llmobs__buf *b, char c)
{
    if (!llmobs__buf_reserve(b, 1)) return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void llmobs__buf_puts(llmobs__buf *b, const char *s);
void llmobs__buf_printf(llmobs__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `s` (length `len`) as a quoted JSON string: escapes quotes, backslashes and control
 * characters, and replaces every invalid UTF-8 sequence with U+FFFD. */
void llmobs__buf_json_string(llmobs__buf *b, const char *s, size_t len);
/* Appends the JSON string whose text is the JSON string of `s`: what
 * llmobs__buf_json_string of a buffer holding llmobs__buf_json_string(s) appends, in one pass. */
void llmobs__buf_json_string_twice(llmobs__buf *b, const char *s, size_t len);
/* Appends what llmobs__buf_json_string_twice appends between its quotes and their escapes: the
 * text of `s` escaped twice, for a string inside JSON text that is itself a JSON string. */
void llmobs__buf_json_escape_twice(llmobs__buf *b, const char *s, size_t len);
/* Appends a decimal int64 (123, -5), without printf. */
void llmobs__buf_int64(llmobs__buf *b, int64_t v);
/* Appends a quoted decimal int64 ("123"), as OTLP JSON wants 64-bit integers. */
void llmobs__buf_json_int64_string(llmobs__buf *b, int64_t v);
/* Appends a JSON number for a double; non-finite values become the strings OTLP allows. */
void llmobs__buf_json_double(llmobs__buf *b, double v);
/* Appends lowercase hex of `n` bytes. */
void llmobs__buf_hex(llmobs__buf *b, const uint8_t *bytes, size_t n);

/* Length of the longest valid UTF-8 prefix sequence at s (1..4), or 0 if invalid there. */
size_t llmobs__utf8_seq_len(const unsigned char *s, size_t avail);

#endif
