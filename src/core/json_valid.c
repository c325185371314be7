#include "core/json_valid.h"

#include <string.h>

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static void skip_ws(scan *c)
{
    while (c->i < c->n &&
           (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
        c->i++;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* At '"': consumes the string. */
static bool string(scan *c)
{
    c->i++;
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i++];
        if (ch == '"') return true;
        if (ch < 0x20) return false;
        if (ch != '\\') continue;
        if (c->i >= c->n) return false;
        char e = c->s[c->i++];
        if (e == 'u') {
            for (int k = 0; k < 4; k++, c->i++)
                if (c->i >= c->n || !is_hex(c->s[c->i])) return false;
        } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
            return false;
        }
    }
    return false;
}

static size_t digits(scan *c)
{
    size_t start = c->i;
    while (c->i < c->n && is_digit(c->s[c->i]))
        c->i++;
    return c->i - start;
}

static bool number(scan *c)
{
    if (c->s[c->i] == '-') c->i++;
    if (c->i < c->n && c->s[c->i] == '0')
        c->i++;
    else if (!digits(c))
        return false;
    if (c->i < c->n && c->s[c->i] == '.') {
        c->i++;
        if (!digits(c)) return false;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-')) c->i++;
        if (!digits(c)) return false;
    }
    return true;
}

static bool literal(scan *c, const char *word)
{
    size_t k = strlen(word);
    if (c->n - c->i < k || memcmp(c->s + c->i, word, k) != 0) return false;
    c->i += k;
    return true;
}

/* A scalar at c->i (the caller skipped white space). */
static bool scalar(scan *c)
{
    if (c->i >= c->n) return false;
    switch (c->s[c->i]) {
    case '"':
        return string(c);
    case 't':
        return literal(c, "true");
    case 'f':
        return literal(c, "false");
    case 'n':
        return literal(c, "null");
    default:
        return c->s[c->i] == '-' || is_digit(c->s[c->i]) ? number(c) : false;
    }
}

/* An object member's key and colon; leaves c->i at the value. */
static bool key(scan *c)
{
    skip_ws(c);
    if (c->i >= c->n || c->s[c->i] != '"' || !string(c)) return false;
    skip_ws(c);
    if (c->i >= c->n || c->s[c->i] != ':') return false;
    c->i++;
    return true;
}

/* Iterative (an explicit stack of open containers), so depth costs no C stack. */
bool llmobs__json_valid(const char *s, size_t n)
{
    if (!s) return false;
    char open[LLMOBS__JSON_MAX_DEPTH]; /* '{' or '[' */
    size_t depth = 0;
    scan c = {s, n, 0};
    for (;;) {
        /* a value */
        skip_ws(&c);
        if (c.i < c.n && (c.s[c.i] == '{' || c.s[c.i] == '[')) {
            if (depth == LLMOBS__JSON_MAX_DEPTH) return false;
            char kind = c.s[c.i++];
            open[depth++] = kind;
            skip_ws(&c);
            if (c.i < c.n && c.s[c.i] == (kind == '{' ? '}' : ']')) {
                c.i++;
                depth--; /* empty: a complete value */
            } else {
                if (kind == '{' && !key(&c)) return false;
                continue; /* its first value */
            }
        } else if (!scalar(&c)) {
            return false;
        }
        /* after a complete value: close containers, or go on to the next value */
        for (;;) {
            skip_ws(&c);
            if (depth == 0) return c.i == c.n;
            if (c.i >= c.n) return false;
            char ch = c.s[c.i++];
            if (ch == ',') {
                if (open[depth - 1] == '{' && !key(&c)) return false;
                break;
            }
            if (ch != (open[depth - 1] == '{' ? '}' : ']')) return false;
            depth--;
        }
    }
}
