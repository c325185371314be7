/* Locale-independent number formatting, escaping and the growing output buffer used by the
 * exposition renderer. */
#include "metrics/family.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t llmobs__fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

double llmobs__parse_double(const char *s)
{
    pthread_once(&c_locale_once, c_locale_init);
    if (c_locale) return strtod_l(s, NULL, c_locale);
    return strtod(s, NULL);
}

/* Shortest decimal digits of a finite, non-zero |v|: writes the significant digits (no
 * trailing zeros) to `digits` and returns their count; `*exp10` is the decimal exponent of
 * the first digit. printf's %e output is normalised so a locale's radix character (which may
 * be several bytes) cannot leak into the result. */
static size_t shortest_digits(double v, char *digits, int *exp10)
{
    char tmp[64], norm[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        /* tmp = d<radix>ddddde±XX; rebuild as d.dddde±XX */
        size_t nd = 0, j = 0;
        const char *p = tmp;
        while (*p && (*p < '0' || *p > '9'))
            p++;
        digits[nd++] = *p++;
        while (*p && *p != 'e') {
            if (*p >= '0' && *p <= '9') digits[nd++] = *p;
            p++;
        }
        int e = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
        norm[j++] = digits[0];
        norm[j++] = '.';
        for (size_t i = 1; i < nd; i++)
            norm[j++] = digits[i];
        j += (size_t)snprintf(norm + j, sizeof norm - j, "e%d", e);
        norm[j] = '\0';
        if (llmobs__parse_double(norm) == v || prec == 17) {
            while (nd > 1 && digits[nd - 1] == '0')
                nd--;
            digits[nd] = '\0';
            *exp10 = e;
            return nd;
        }
    }
    return 0; /* unreachable: prec 17 always returns */
}

/* Go's strconv 'g' with shortest precision: exponent form when exp < -4 || exp >= 21
 * (`sci_limit`), else fixed notation. */
static size_t layout(char *out, double v, int sci_limit, bool force_point)
{
    char digits[32];
    int e = 0;
    size_t n = 0;
    if (v < 0) {
        out[n++] = '-';
        v = -v;
    }
    size_t nd = shortest_digits(v, digits, &e);
    bool has_point = false;
    if (e < -4 || e >= sci_limit) {
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, digits + 1, nd - 1);
            n += nd - 1;
        }
        int ae = e < 0 ? -e : e;
        out[n++] = 'e';
        out[n++] = e < 0 ? '-' : '+';
        if (ae < 10) out[n++] = '0';
        char eb[8];
        size_t el = llmobs__fmt_u64(eb, (uint64_t)ae);
        memcpy(out + n, eb, el);
        n += el;
        has_point = true; /* an exponent counts as a float marker */
    } else if (e >= 0) {
        size_t ip = (size_t)e + 1;
        for (size_t i = 0; i < ip; i++)
            out[n++] = i < nd ? digits[i] : '0';
        if (nd > ip) {
            out[n++] = '.';
            memcpy(out + n, digits + ip, nd - ip);
            n += nd - ip;
            has_point = true;
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -e - 1; i++)
            out[n++] = '0';
        memcpy(out + n, digits, nd);
        n += nd;
        has_point = true;
    }
    if (force_point && !has_point) {
        out[n++] = '.';
        out[n++] = '0';
    }
    out[n] = '\0';
    return n;
}

static size_t special(char *out, double v)
{
    const char *s = isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

size_t llmobs__fmt_double(char *out, double v)
{
    if (!isfinite(v)) return special(out, v);
    if (v == 0) {
        memcpy(out, "0", 2);
        return 1;
    }
    /* Whole numbers below 2^53 print as integers, never with an exponent. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        size_t n = 0;
        if (v < 0) out[n++] = '-';
        return n + llmobs__fmt_u64(out + n, (uint64_t)fabs(v));
    }
    return layout(out, v, 21, false);
}

size_t llmobs__fmt_le(char *out, double v)
{
    if (!isfinite(v)) return special(out, v);
    if (v == 0) {
        memcpy(out, "0.0", 4);
        return 3;
    }
    return layout(out, v, 6, true);
}

/* Length of the valid UTF-8 sequence at `s`, or 0 if the bytes there are not one. */
void llmobs__escape(llmobs__buf *b, const char *s, bool quote)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p;
    while (*p) {
        const char *rep = NULL;
        size_t adv = 1;
        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '\n')
            rep = "\\n";
        else if (*p == '"' && quote)
            rep = "\\\"";
        else if (*p >= 0x80) {
            /* The string is NUL-terminated and NUL is never a continuation byte, so the
             * check stops at the terminator whatever `avail` says. */
            adv = llmobs__utf8_seq_len(p, 4);
            if (adv == 0) {
                rep = "\xef\xbf\xbd";
                adv = 1;
            }
        }
        if (rep) {
            llmobs__buf_append(b, (const char *)run, (size_t)(p - run));
            llmobs__buf_puts(b, rep);
            p += adv;
            run = p;
        } else {
            p += adv;
        }
    }
    llmobs__buf_append(b, (const char *)run, (size_t)(p - run));
}
