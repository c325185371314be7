#include "core/buf.h"
#include "core/hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void llmobs__buf_free(llmobs__buf *b)
{
    free(b->data);
    *b = (llmobs__buf){0};
}

bool llmobs__buf_grow(llmobs__buf *b, size_t extra)
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

void llmobs__buf_puts(llmobs__buf *b, const char *s)
{
    llmobs__buf_append(b, s, strlen(s));
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

/* Bytes copied as they are inside a JSON string: printable ASCII but '"' and '\\'. Everything
 * else (controls, quotes, backslashes, non-ASCII, which must be checked as UTF-8) takes the
 * slow path. */
static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Little-endian loads (core/hash.h): byte i of the string is byte i of the word. */
static uint64_t load64(const unsigned char *p)
{
    return llmobs__load64((const char *)p);
}

static uint64_t load32(const unsigned char *p)
{
    return llmobs__load32((const char *)p);
}

/* SWAR: bit 7 of each byte of the result is set exactly when that byte of w is not plain. The
 * tests run on the low 7 bits, where no sum carries into the next byte, so every byte's flag
 * is exact (not only the first one's) and overlapping loads can be mixed freely. */
static uint64_t special_bytes(uint64_t w)
{
    uint64_t low = w & (ONES * 0x7f);
    uint64_t ge_space = low + ONES * (0x80 - 0x20);            /* bit 7: low >= 0x20 */
    uint64_t not_quote = (low ^ (ONES * '"')) + ONES * 0x7f;   /* bit 7: low != '"' */
    uint64_t not_bslash = (low ^ (ONES * '\\')) + ONES * 0x7f; /* bit 7: low != '\\' */
    return (w | ~(ge_space & not_quote & not_bslash)) & HIGHS;
}

/* The index of the first flagged byte of a nonzero special_bytes mask. */
static size_t first_byte(uint64_t mask)
{
    return (size_t)__builtin_ctzll(mask) / 8;
}

/* plain_prefix of fewer than 16 bytes without a byte loop: 8..15 bytes are two overlapping
 * words, 4..7 two overlapping halves of one word (s[0..4) low, s[len-4..len) high). A byte
 * seen twice gives the same flag twice, so the first flag is the first special byte. */
static size_t short_plain_prefix(const unsigned char *s, size_t len)
{
    uint64_t m;
    if (len >= 8) {
        if ((m = special_bytes(load64(s)))) return first_byte(m);
        m = special_bytes(load64(s + len - 8));
        return m ? len - 8 + first_byte(m) : len;
    }
    if (len >= 4) {
        m = special_bytes(load32(s) | load32(s + len - 4) << 32);
        if (!m) return len;
        size_t k = first_byte(m);
        return k < 4 ? k : len - 8 + k;
    }
    size_t i = 0;
    while (i < len && plain_byte(s[i]))
        i++;
    return i;
}

/* The special bytes of a block of BLOCK bytes, as a mask that block_first turns into the index
 * of the first one: 16 bytes with SSE2 (every x86-64), else 8 (SWAR). */
#if defined(__SSE2__)
#define BLOCK 16
static uint64_t block_special(const unsigned char *p)
{
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  bslash = _mm_set1_epi8('\\');
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* signed: bytes >= 0x80 are negative, so "< 0x20" catches them too */
    __m128i special =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
    return (unsigned)_mm_movemask_epi8(special);
}

static size_t block_first(uint64_t mask)
{
    return (size_t)__builtin_ctzll(mask);
}
#else
#define BLOCK 8
static uint64_t block_special(const unsigned char *p)
{
    return special_bytes(load64(p));
}

static size_t block_first(uint64_t mask)
{
    return first_byte(mask);
}
#endif

/* The number of plain bytes s starts with. Never reads outside s[0..len): a tail shorter than
 * a block is checked as the last full block, whose first bytes are already known plain. */
static size_t plain_prefix(const unsigned char *s, size_t len)
{
    if (len < 16) return short_plain_prefix(s, len);
    uint64_t m;
    size_t i = 0;
    for (; i + BLOCK <= len; i += BLOCK)
        if ((m = block_special(s + i))) return i + block_first(m);
    if (i == len) return len;
    m = block_special(s + len - BLOCK);
    return m ? len - BLOCK + block_first(m) : len;
}

/* Appends the escaped content of a JSON string (no quotes). `twice`: the escape of the escape,
 * that is the content of the JSON string whose text is the JSON string of s (a text attribute
 * sent as a JSON-string value, without building the inner string first). Runs of plain bytes
 * are found 16 (or 8) at a time and copied with one memcpy. Inline in its two callers (`twice`
 * then a constant): most strings are short and plain, and the call was a good part of their
 * cost. */
static inline __attribute__((always_inline)) void
json_escape(llmobs__buf *b, const unsigned char *s, size_t len, bool twice)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0, i = 0; /* s[run..i) is copied verbatim */
    while (i < len) {
        i += plain_prefix(s + i, len - i);
        if (i >= len) break;
        unsigned char c = s[i];
        size_t n = c < 0x80 ? 1 : llmobs__utf8_seq_len(s + i, len - i);
        if (n > 1) {
            i += n;
            continue;
        }
        llmobs__buf_append(b, s + run, i - run);
        char esc[8];
        size_t k = 0;
        if (c >= 0x80) {
            llmobs__buf_append(b, "\xEF\xBF\xBD", 3); /* invalid UTF-8 byte: U+FFFD */
        } else {
            esc[k++] = '\\';
            if (twice) { /* the backslash itself, then the escaped character escaped */
                esc[k++] = '\\';
                if (c == '"' || c == '\\') esc[k++] = '\\';
            }
            switch (c) {
            case '"':
            case '\\':
                esc[k++] = (char)c;
                break;
            case '\n':
                esc[k++] = 'n';
                break;
            case '\r':
                esc[k++] = 'r';
                break;
            case '\t':
                esc[k++] = 't';
                break;
            default:
                esc[k++] = 'u';
                esc[k++] = '0';
                esc[k++] = '0';
                esc[k++] = hex[c >> 4];
                esc[k++] = hex[c & 15];
            }
            llmobs__buf_append(b, esc, k);
        }
        i++;
        run = i;
    }
    llmobs__buf_append(b, s + run, i - run);
}

void llmobs__buf_json_string(llmobs__buf *b, const char *str, size_t len)
{
    /* Worst case 6 bytes per input byte plus quotes; reserve once for the common case. */
    if (!llmobs__buf_reserve(b, len + 2)) return;
    if (len < 16 && short_plain_prefix((const unsigned char *)str, len) == len) {
        /* Most strings of a span are short and plain (names, types, models): one check and
         * one copy, not the escaping loop's run bookkeeping and its appends. */
        char *d = b->data + b->len;
        d[0] = '"';
        memcpy(d + 1, str, len);
        d[len + 1] = '"';
        d[len + 2] = '\0';
        b->len += len + 2;
        return;
    }
    b->data[b->len++] = '"';
    json_escape(b, (const unsigned char *)str, len, false);
    llmobs__buf_putc(b, '"');
}

void llmobs__buf_json_string_twice(llmobs__buf *b, const char *str, size_t len)
{
    if (!llmobs__buf_reserve(b, len + 6)) return;
    memcpy(b->data + b->len, "\"\\\"", 3);
    b->len += 3;
    json_escape(b, (const unsigned char *)str, len, true);
    llmobs__buf_append(b, "\\\"\"", 3);
}

void llmobs__buf_json_escape_twice(llmobs__buf *b, const char *str, size_t len)
{
    json_escape(b, (const unsigned char *)str, len, true);
}

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* The two digits of n < 100. */
static const char *pair(uint32_t n)
{
    return digit_pairs + 2 * (size_t)n;
}

/* Writes the decimal digits of u ending just before `end`, two at a time; returns the start. */
static char *decimal(char *end, uint64_t u)
{
    /* Groups of 8 digits first, so that the rest is 32-bit arithmetic: a 64-bit division by a
     * constant costs about twice a 32-bit one (nanosecond timestamps have 19 digits). */
    while (u >= 100000000) {
        uint32_t r = (uint32_t)(u % 100000000);
        u /= 100000000;
        /* all 8, leading zeros included: two halves of 4, each two pairs, independent */
        uint32_t hi = r / 10000, lo = r % 10000;
        end -= 8;
        memcpy(end, pair(hi / 100), 2);
        memcpy(end + 2, pair(hi % 100), 2);
        memcpy(end + 4, pair(lo / 100), 2);
        memcpy(end + 6, pair(lo % 100), 2);
    }
    uint32_t v = (uint32_t)u;
    while (v >= 100) {
        end -= 2;
        memcpy(end, pair(v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, pair(v), 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

void llmobs__buf_int64(llmobs__buf *b, int64_t v)
{
    char tmp[24];
    char *p = decimal(tmp + sizeof tmp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0) *--p = '-';
    llmobs__buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void llmobs__buf_json_int64_string(llmobs__buf *b, int64_t v)
{
    char tmp[24];
    tmp[sizeof tmp - 1] = '"';
    char *p = decimal(tmp + sizeof tmp - 1, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0) *--p = '-';
    *--p = '"';
    llmobs__buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

__extension__ typedef unsigned __int128 u128;

#define P5_27 UINT64_C(7450580596923828125) /* 5^27, the largest power of 5 below 2^64 */
/* 5^k for k <= 30 (the range round_digits and reads_back use). */
static const u128 pow5_table[31] = {
    1u,
    5u,
    25u,
    125u,
    625u,
    3125u,
    15625u,
    78125u,
    390625u,
    1953125u,
    9765625u,
    48828125u,
    244140625u,
    1220703125u,
    6103515625u,
    30517578125u,
    152587890625u,
    762939453125u,
    3814697265625u,
    19073486328125u,
    95367431640625u,
    476837158203125u,
    2384185791015625u,
    11920928955078125u,
    59604644775390625u,
    298023223876953125u,
    1490116119384765625u,
    P5_27,
    (u128)P5_27 * 5,
    (u128)P5_27 * 25,
    (u128)P5_27 * 125,
};

static u128 pow5(int k)
{
    return pow5_table[k];
}

/* a = m / 2^s exactly (m < 2^53, a in [1e-12, 1e9)): its `prec` significant digits rounded
 * half to even, as printf's %.<prec>g takes them, into *d, with the decimal exponent of the
 * first digit into *xo (a ~ d * 10^(xo - prec + 1)); x: a guess of that exponent. Scaling by
 * 10^k = 5^k 2^k keeps every product under 2^121 in that range. */
static void round_digits(uint64_t m, int s, int prec, int x, uint64_t *d, int *xo)
{
    uint64_t lo = 1, hi;
    for (int i = 1; i < prec; i++)
        lo *= 10;
    hi = lo * 10;
    for (;;) {
        int k = prec - 1 - x, sh = s - k; /* k >= 0 and sh >= 16 in this range */
        u128 num = (u128)m * pow5(k);
        u128 q = num >> sh, rem = num - (q << sh), half = (u128)1 << (sh - 1);
        if (q >= hi) {
            x++;
            continue;
        }
        if (q < lo) {
            x--;
            continue;
        }
        if (rem > half || (rem == half && (q & 1))) q++;
        if (q == hi) {
            q = lo;
            x++;
        }
        *d = (uint64_t)q;
        *xo = x;
        return;
    }
}

/* Whether the decimal d * 10^(x - prec + 1) reads back (correctly rounded) as m / 2^s:
 * compares d 2^s and m 10^k, both divided by 2^k. */
static bool reads_back(uint64_t m, int s, uint64_t d, int prec, int x)
{
    int k = prec - 1 - x;
    u128 scaled_d = (u128)d << (s - k), scaled_a = (u128)m * pow5(k), unit = pow5(k);
    bool below = scaled_d < scaled_a;
    u128 diff = below ? scaled_a - scaled_d : scaled_d - scaled_a;
    /* half the gap to the neighbour on that side; below 2^52 it is half as wide */
    u128 twice = diff * ((below && m == (UINT64_C(1) << 52)) ? 4 : 2);
    return twice < unit || (twice == unit && (m & 1) == 0);
}

/* The 15 significant digits of a (in [1e-12, 1e9)) with two double operations, when they read
 * back as a (Clinger's fast path: m and 10^k are exact doubles for m < 2^53 and k <= 22, so
 * m / 10^k is correctly rounded): into *d, the exponent of the first digit into *xo. x: a
 * guess of that exponent, within one. False, leaving the exact 128-bit method to decide, when
 * 10^k is not exact or when the digits do not read back (the value needs 17 digits, or the
 * product a 10^k, within 1/16 of the exact one below 2^50, rounded to the wrong neighbour).
 * Costs in whole picodollars and durations from nanoseconds take this path. */
static bool digits15_by_doubles(double a, int x, uint64_t *d, int *xo)
{
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int k = 14 - x;
    if (k < 1 || k > 21) return false;
    double t = a * p10[k];
    if (t >= 1e15) {
        k--, x++;
        t = a * p10[k];
    } else if (t < 1e14) {
        k++, x--;
        t = a * p10[k];
    }
    if (!(t >= 1e14 && t < 1e15)) return false;
    /* m reads back only if it is within 1/8 of the exact a 10^k: then it is also the nearest
     * whole number to it, the digits %.15g takes */
    uint64_t m = (uint64_t)(t + 0.5);
    if (m >= UINT64_C(1000000000000000) || (double)m / p10[k] != a) return false;
    *d = m;
    *xo = x;
    return true;
}

/* What the %.15g-else-%.17g rule of llmobs__buf_json_double prints, without printf, for 0 and
 * |v| in [1e-12, 1e9) (the digits by doubles where that is exact, else computed exactly with
 * 128-bit integers; fixed notation from 1e-4, like %g, exponent notation below). False outside
 * that range. */
static bool fast_double(llmobs__buf *b, double v)
{
    double a = fabs(v);
    if (v == 0) {
        llmobs__buf_append(b, signbit(v) ? "-0" : "0", signbit(v) ? 2 : 1);
        return true;
    }
    if (!(a >= 1e-12 && a < 1e9)) return false;
    /* a is normal here: its bits give a = m / 2^s exactly, m in [2^52, 2^53) (the implicit
     * bit set), without frexp and ldexp. Read through a union: gcc 12's -fanalyzer takes a
     * memcpy from the double for a read of uninitialized memory. */
    union {
        double d;
        uint64_t u;
    } pun = {a};
    uint64_t bits = pun.u;
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int s = 1075 - (int)(bits >> 52);
    /* a is in [2^(52-s), 2^(53-s)), so (52 - s) log10(2) is within one of the exponent of its
     * first digit: a guess that round_digits corrects, cheaper than log10 */
    int x0 = (52 - s) * 30103 / 100000, x, prec = 15;
    uint64_t d;
    if (!digits15_by_doubles(a, x0, &d, &x)) {
        round_digits(m, s, prec, x0, &d, &x);
        if (!reads_back(m, s, d, prec, x)) {
            prec = 17;
            round_digits(m, s, prec, x0, &d, &x);
        }
    }
    /* the trailing zeros off first (costs are mostly a few digits): fewer digits to write */
    int nd = prec;
    while (nd > 8 && d % 100000000 == 0)
        d /= 100000000, nd -= 8;
    while (nd > 1 && d % 10 == 0)
        d /= 10, nd--;
    char digits[20], out[48];
    decimal(digits + nd, d); /* d has exactly nd digits */
    size_t n = 0;
    if (v < 0) out[n++] = '-';
    if (x < -4) { /* d.ddde-XX */
        out[n++] = digits[0];
        if (nd > 1) out[n++] = '.';
        for (int i = 1; i < nd; i++)
            out[n++] = digits[i];
        out[n++] = 'e';
        out[n++] = '-';
        out[n++] = (char)('0' + (-x) / 10);
        out[n++] = (char)('0' + (-x) % 10);
    } else if (x >= 0) {
        for (int i = 0; i <= x; i++)
            out[n++] = i < nd ? digits[i] : '0';
        if (nd > x + 1) {
            out[n++] = '.';
            for (int i = x + 1; i < nd; i++)
                out[n++] = digits[i];
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -x - 1; i++)
            out[n++] = '0';
        for (int i = 0; i < nd; i++)
            out[n++] = digits[i];
    }
    llmobs__buf_append(b, out, n);
    return true;
}

void llmobs__buf_json_double(llmobs__buf *b, double v)
{
    if (isnan(v)) {
        llmobs__buf_puts(b, "\"NaN\"");
    } else if (isinf(v)) {
        llmobs__buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else if (!fast_double(b, v)) {
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
    char *out = b->data + b->len;
    size_t i = 0;
#if defined(__SSE2__)
    /* 8 bytes at a time (ids are 8 or 16): their nibbles, high first, as 16 bytes 0..15, each
     * plus '0', plus 'a' - '0' - 10 more when above 9 */
    const __m128i low4 = _mm_set1_epi8(15), nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'),
                  to_letter = _mm_set1_epi8('a' - '0' - 10);
    for (; i + 8 <= n; i += 8) {
        __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)(bytes + i));
        __m128i nib =
            _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), low4), _mm_and_si128(v, low4));
        __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(nib, nine), to_letter);
        _mm_storeu_si128((__m128i *)(void *)(out + 2 * i),
                         _mm_add_epi8(_mm_add_epi8(nib, zero), letter));
    }
#endif
    for (; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    b->len += 2 * n;
    b->data[b->len] = '\0';
}
