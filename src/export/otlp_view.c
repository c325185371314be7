/* A destination's view of a serialized OTLP JSON request (see otlp_view.h): one pass over the
 * text that copies it and leaves out attribute entries by key. It does not build a tree: the
 * bodies are up to max_batch_bytes, mostly long strings (input, output), which this skips
 * with memchr. */
#include "export/otlp_view.h"

#include <string.h>

/* As cJSON reads JSON (which the ingestion exporter and tests parse with): any byte up to and
 * including space separates tokens. */
static bool is_ws(char c)
{
    return (unsigned char)c <= ' ';
}

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && is_ws(*p))
        p++;
    return p;
}

/* `p` at an opening quote: past the closing one, or NULL when the string never ends. */
static const char *skip_string(const char *p, const char *e)
{
    const char *from = p + 1;
    for (;;) {
        const char *q = from < e ? memchr(from, '"', (size_t)(e - from)) : NULL;
        if (!q) return NULL;
        size_t backslashes = 0;
        for (const char *b = q; b > p + 1 && b[-1] == '\\'; b--)
            backslashes++;
        if (backslashes % 2 == 0) return q + 1;
        from = q + 1; /* an escaped quote */
    }
}

/* `p` at the first byte of a value: past its end, or NULL when the text ends first. */
static const char *skip_value(const char *p, const char *e)
{
    if (p >= e) return NULL;
    if (*p == '"') return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (p < e) {
            char c = *p;
            if (c == '"') {
                p = skip_string(p, e);
                if (!p) return NULL;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const char *q = p; /* a number, true, false or null */
    while (q < e && !is_ws(*q) && *q != ',' && *q != '}' && *q != ']')
        q++;
    return q > p ? q : NULL;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Where the JSON string body [s, s+len) (between its quotes, escapes undecoded) goes on after
 * the ASCII `prefix`, once decoded ("gen\u005fai." starts with "gen_ai." too), or NULL when it
 * does not start with it. */
static const char *match_prefix(const char *s, size_t len, const char *prefix)
{
    const char *e = s + len;
    for (; *prefix; prefix++) {
        if (s >= e) return NULL;
        char c = *s++;
        if (c == '\\') {
            if (s >= e) return NULL;
            char x = *s++;
            if (x == 'u') {
                int code = 0;
                for (int i = 0; i < 4; i++) {
                    int d = s < e ? hex_digit(*s++) : -1;
                    if (d < 0) return NULL;
                    code = code * 16 + d;
                }
                if (code >= 0x80) return NULL;
                c = (char)code;
            } else {
                static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
                const char *m = x ? strchr(from, x) : NULL;
                c = m ? to[m - from] : x; /* \" \\ \/ stand for themselves */
            }
        }
        if (c != *prefix) return NULL;
    }
    return s;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    return match_prefix(s, len, prefix) != NULL;
}

/* Whether the JSON string [q, after) (quotes included) decodes to `text`. */
static bool string_is(const char *q, const char *after, const char *text)
{
    return match_prefix(q + 1, (size_t)(after - 1 - (q + 1)), text) == after - 1;
}

/* Whether `view` keeps the attribute entry [p, e) ({"key":...,"value":...}). Anything that is
 * not such an entry is kept. */
static bool keeps(const char *p, const char *e, llmobs__otlp_view view)
{
    if (*p != '{') return true;
    p++;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e || *p != '"') return true;
        const char *name = p + 1, *name_end = skip_string(p, e);
        if (!name_end) return true;
        p = skip_ws(name_end, e);
        if (p >= e || *p != ':') return true;
        const char *v = skip_ws(p + 1, e), *v_end = skip_value(v, e);
        if (!v_end) return true;
        if (string_is(name - 1, name_end, "key") && *v == '"') {
            const char *key = v + 1;
            size_t len = (size_t)(v_end - 1 - key);
            if (view == LLMOBS__VIEW_LANGFUSE) return !has_prefix(key, len, "gen_ai.");
            if (view == LLMOBS__VIEW_GENAI) return !has_prefix(key, len, "langfuse.");
            return true;
        }
        p = skip_ws(v_end, e);
        if (p >= e || *p != ',') return true;
        p++;
    }
}

/* `p` just after the '[' of an attributes array: appends the entries `view` keeps and the ']'
 * to `out`; returns the position after the ']', or NULL on malformed text. */
static const char *filter_array(const char *p, const char *e, llmobs__otlp_view view,
                                llmobs__buf *out)
{
    bool first = true;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e) return NULL;
        if (*p == ']') {
            llmobs__buf_putc(out, ']');
            return p + 1;
        }
        const char *end = skip_value(p, e);
        if (!end) return NULL;
        if (keeps(p, end, view)) {
            if (!first) llmobs__buf_putc(out, ',');
            llmobs__buf_append(out, p, (size_t)(end - p));
            first = false;
        }
        p = skip_ws(end, e);
        if (p < e && *p == ',') {
            p++;
        } else if (p >= e || *p != ']') {
            return NULL;
        }
    }
}

bool llmobs__otlp_view_apply(const char *body, size_t len, llmobs__otlp_view view, llmobs__buf *out)
{
    if (!body || !out) return false;
    const char *p = body, *e = body + len, *copied = body;
    if (view == LLMOBS__VIEW_ALL) {
        llmobs__buf_append(out, body, len);
        return !out->oom;
    }
    /* Outside strings every '"' opens one; a string followed by ':' is a member name. */
    for (;;) {
        const char *q = p < e ? memchr(p, '"', (size_t)(e - p)) : NULL;
        if (!q) break;
        const char *after = skip_string(q, e);
        if (!after) return false;
        p = after;
        if (!string_is(q, after, "attributes")) continue;
        const char *c = skip_ws(after, e);
        if (c >= e || *c != ':') continue;
        const char *a = skip_ws(c + 1, e);
        if (a >= e || *a != '[') continue;
        llmobs__buf_append(out, copied, (size_t)(a + 1 - copied));
        p = filter_array(a + 1, e, view, out);
        if (!p) return false;
        copied = p;
    }
    llmobs__buf_append(out, copied, (size_t)(e - copied));
    return !out->oom;
}
