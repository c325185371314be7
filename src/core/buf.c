#include "core/buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void llmobs__buf_free(llmobs__buf *b)
{
    free(b->data);
    *b = (llmobs__buf){0};
}

bool llmobs__buf_reserve(llmobs__buf *b, size_t extra)
{
    if (b->oom) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void llmobs__buf_append(llmobs__buf *b, const void *data, size_t len)
{
    if (!llmobs__buf_reserve(b, len)) return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void llmobs__buf_puts(llmobs__buf *b, const char *s)
{
    llmobs__buf_append(b, s, strlen(s));
}

void llmobs__buf_putc(llmobs__buf *b, char c)
{
    llmobs__buf_append(b, &c, 1);
}

void llmobs__buf_printf(llmobs__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        llmobs__buf_append(b, small, (size_t)n);
        return;
    }
    if (!llmobs__buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t llmobs__utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c == 0xE0)
        n = 3, lo = 0xA0;
    else if (c == 0xED)
        n = 3, hi = 0x9F; /* no UTF-16 surrogates */
    else if (c >= 0xE1 && c <= 0xEF)
        n = 3;
    else if (c == 0xF0)
        n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        n = 4;
    else if (c == 0xF4)
        n = 4, hi = 0x8F;
    else
        return 0;
    if (avail < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return n;
}

void llmobs__buf_json_string(llmobs__buf *b, const char *str, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* Worst case 6 bytes per input byte plus quotes; reserve once for the common case. */
    if (!llmobs__buf_reserve(b, len + 2)) return;
    llmobs__buf_putc(b, '"');
    size_t run = 0; /* start of a run of bytes copied verbatim */
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        size_t n = c < 0x80 ? 1 : llmobs__utf8_seq_len(s + i, len - i);
        if (n > 1) {
            i += n;
            continue;
        }
        llmobs__buf_append(b, s + run, i - run);
        switch (c) {
        case '"':
            llmobs__buf_append(b, "\\\"", 2);
            break;
        case '\\':
            llmobs__buf_append(b, "\\\\", 2);
            break;
        case '\n':
            llmobs__buf_append(b, "\\n", 2);
            break;
        case '\r':
            llmobs__buf_append(b, "\\r", 2);
            break;
        case '\t':
            llmobs__buf_append(b, "\\t", 2);
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                llmobs__buf_append(b, esc, 6);
            } else {
                llmobs__buf_append(b, "\xEF\xBF\xBD", 3); /* invalid UTF-8 byte: U+FFFD */
            }
        }
        i++;
        run = i;
    }
    llmobs__buf_append(b, s + run, i - run);
    llmobs__buf_putc(b, '"');
}

void llmobs__buf_json_int64_string(llmobs__buf *b, int64_t v)
{
    llmobs__buf_printf(b, "\"%lld\"", (long long)v);
}

void llmobs__buf_json_double(llmobs__buf *b, double v)
{
    if (isnan(v)) {
        llmobs__buf_puts(b, "\"NaN\"");
    } else if (isinf(v)) {
        llmobs__buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
        /* Shortest of %.15g/%.17g that round-trips; '.' is forced by the C locale that
         * printf uses unless the application called setlocale, so normalise ',' to '.'. */
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%.15g", v);
        if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.17g", v);
        for (char *p = tmp; *p; p++)
            if (*p == ',') *p = '.';
        llmobs__buf_puts(b, tmp);
    }
}

void llmobs__buf_hex(llmobs__buf *b, const uint8_t *bytes, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!llmobs__buf_reserve(b, 2 * n)) return;
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = hex[bytes[i] >> 4];
        b->data[b->len++] = hex[bytes[i] & 15];
    }
    b->data[b->len] = '\0';
}
