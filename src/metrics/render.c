/* Exposition: renders a registry as Prometheus text 0.0.4 or OpenMetrics 1.0.0 into one
 * growing buffer (no allocation per sample), and content negotiation on Accept. */
#include "metrics/family.h"
#include "metrics/metrics.h"
#include "core/error.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_name[] = {"", "counter", "gauge", "histogram"};

void llmobs__render_header(llmobs__buf *b, llmobs_metrics_format fmt, int type, const char *name,
                           const char *unit, const char *help_escaped)
{
    const char *suffix = (fmt == LLMOBS_FORMAT_TEXT && type == LLMOBS__COUNTER) ? "_total" : "";
    if (fmt == LLMOBS_FORMAT_OPENMETRICS) {
        llmobs__buf_puts(b, "# TYPE ");
        llmobs__buf_puts(b, name);
        llmobs__buf_append(b, " ", 1);
        llmobs__buf_puts(b, type_name[type]);
        llmobs__buf_append(b, "\n", 1);
        if (unit && *unit) {
            llmobs__buf_puts(b, "# UNIT ");
            llmobs__buf_puts(b, name);
            llmobs__buf_append(b, " ", 1);
            llmobs__buf_puts(b, unit);
            llmobs__buf_append(b, "\n", 1);
        }
    }
    if (help_escaped && *help_escaped) {
        llmobs__buf_puts(b, "# HELP ");
        llmobs__buf_puts(b, name);
        llmobs__buf_puts(b, suffix);
        llmobs__buf_append(b, " ", 1);
        llmobs__buf_puts(b, help_escaped);
        llmobs__buf_append(b, "\n", 1);
    }
    if (fmt == LLMOBS_FORMAT_TEXT) {
        llmobs__buf_puts(b, "# TYPE ");
        llmobs__buf_puts(b, name);
        llmobs__buf_puts(b, suffix);
        llmobs__buf_append(b, " ", 1);
        llmobs__buf_puts(b, type_name[type]);
        llmobs__buf_append(b, "\n", 1);
    }
}

static void sample_start(llmobs__buf *b, const char *name, size_t name_len, const char *suffix,
                         const char *labels, size_t labels_len)
{
    llmobs__buf_append(b, name, name_len);
    llmobs__buf_puts(b, suffix);
    if (labels_len) {
        llmobs__buf_append(b, "{", 1);
        llmobs__buf_append(b, labels, labels_len);
        llmobs__buf_append(b, "}", 1);
    }
    llmobs__buf_append(b, " ", 1);
}

static void put_double_line(llmobs__buf *b, double v)
{
    char num[LLMOBS__NUM_MAX];
    size_t n = llmobs__fmt_double(num, v);
    num[n++] = '\n';
    llmobs__buf_append(b, num, n);
}

static void put_u64_line(llmobs__buf *b, uint64_t v)
{
    char num[LLMOBS__NUM_MAX];
    size_t n = llmobs__fmt_u64(num, v);
    num[n++] = '\n';
    llmobs__buf_append(b, num, n);
}

void llmobs__render_sample(llmobs__buf *b, const char *name, const char *suffix, const char *labels,
                           size_t labels_len, double value)
{
    sample_start(b, name, strlen(name), suffix, labels, labels_len);
    put_double_line(b, value);
}

static void render_histogram_child(llmobs__buf *b, llmobs_metrics_format fmt,
                                   const llmobs_family *f, llmobs__child *c)
{
    /* One consistent snapshot (family lock held): _count, _sum and the buckets describe the
     * same observations even while other threads observe. */
    uint64_t counts[LLMOBS_METRICS_MAX_BUCKETS + 1];
    double sum;
    llmobs__histogram_snapshot(c, counts, &sum);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= f->nbounds; i++) {
        cumulative += counts[i];
        llmobs__buf_append(b, f->name, f->name_len);
        llmobs__buf_append(b, "_bucket{", 8);
        if (c->label_len) {
            llmobs__buf_append(b, c->label_text, c->label_len);
            llmobs__buf_append(b, ",", 1);
        }
        llmobs__buf_append(b, "le=\"", 4);
        llmobs__buf_puts(b, i < f->nbounds ? f->le[i] : "+Inf");
        llmobs__buf_append(b, "\"} ", 3);
        put_u64_line(b, cumulative);
    }
    /* OpenMetrics forbids _sum when a bucket threshold is negative, and _count goes with it. */
    if (fmt == LLMOBS_FORMAT_OPENMETRICS && f->negative_bound) return;
    sample_start(b, f->name, f->name_len, "_sum", c->label_text, c->label_len);
    put_double_line(b, sum);
    sample_start(b, f->name, f->name_len, "_count", c->label_text, c->label_len);
    put_u64_line(b, cumulative);
}

static void render_family(llmobs__buf *b, llmobs_metrics_format fmt, llmobs_family *f)
{
    llmobs__render_header(b, fmt, f->type, f->name, f->unit,
                          fmt == LLMOBS_FORMAT_OPENMETRICS ? f->help_om : f->help_text);
    pthread_mutex_lock(&f->lock);
    for (llmobs__child *c = f->head; c; c = c->next) {
        switch (f->type) {
        case LLMOBS__COUNTER:
            sample_start(b, f->name, f->name_len, "_total", c->label_text, c->label_len);
            put_double_line(b, llmobs__child_counter_value(c));
            break;
        case LLMOBS__GAUGE:
            sample_start(b, f->name, f->name_len, "", c->label_text, c->label_len);
            put_double_line(b, llmobs__child_double(c));
            break;
        default:
            render_histogram_child(b, fmt, f, c);
            break;
        }
    }
    pthread_mutex_unlock(&f->lock);
}

/* The cardinality guard's overflows, one series per family that overflowed. */
static void render_refused(llmobs__buf *b, llmobs_metrics_format fmt, llmobs_registry *r)
{
    bool any = false;
    for (size_t i = 0; i < r->nfamilies; i++) {
        uint64_t n = atomic_load(&r->families[i]->refused);
        if (!n) continue;
        if (!any) {
            llmobs__render_header(b, fmt, LLMOBS__COUNTER, "llmobs_metrics_cardinality_overflow",
                                  NULL,
                                  "Observations of new label sets past the per-family series "
                                  "cap, recorded in the family's overflow series.");
            any = true;
        }
        llmobs__buf_puts(b, "llmobs_metrics_cardinality_overflow_total{family=\"");
        llmobs__buf_puts(b, r->families[i]->name); /* metric names need no escaping */
        if (r->families[i]->type == LLMOBS__COUNTER) llmobs__buf_puts(b, "_total");
        llmobs__buf_puts(b, "\"} ");
        put_u64_line(b, n);
    }
}

static llmobs_status render(llmobs_registry *r, llmobs_metrics_format fmt, llmobs__buf *b)
{
    llmobs__error_clear();
    if (!llmobs__registry_valid(r)) return llmobs__error(LLMOBS_EINVAL, "registry is NULL");
    if (fmt != LLMOBS_FORMAT_TEXT && fmt != LLMOBS_FORMAT_OPENMETRICS)
        return llmobs__error(LLMOBS_EINVAL, "unknown format %d", (int)fmt);
    llmobs__registry_run_collectors(r); /* values computed at scrape time */
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfamilies; i++)
        render_family(b, fmt, r->families[i]);
    render_refused(b, fmt, r);
    pthread_mutex_unlock(&r->lock);
    const llmobs__registry_section *sec = atomic_load(&r->section);
    if (sec) sec->render(b, fmt); /* the process metrics, when on */
    if (fmt == LLMOBS_FORMAT_OPENMETRICS) llmobs__buf_puts(b, "# EOF\n");
    llmobs__buf_append(b, "", 0); /* an empty registry still yields a terminated string */
    if (b->oom) {
        free(b->data);
        b->data = NULL;
        return llmobs__error(LLMOBS_ENOMEM, "out of memory rendering metrics");
    }
    return LLMOBS_OK;
}

llmobs_status llmobs_metrics_render(llmobs_registry *r, llmobs_metrics_format fmt, char *buf,
                                    size_t cap, size_t *needed)
{
    if (needed) *needed = 0;
    if (!buf && cap) return llmobs__error(LLMOBS_EINVAL, "buf is NULL");
    llmobs__buf b = {0};
    llmobs_status st = render(r, fmt, &b);
    if (st != LLMOBS_OK) return st;
    if (needed) *needed = b.len;
    if (cap <= b.len) {
        if (cap) buf[0] = '\0';
        free(b.data);
        return llmobs__error(LLMOBS_ELIMIT, "buffer of %zu bytes too small, %zu needed", cap,
                             b.len + 1);
    }
    memcpy(buf, b.data, b.len + 1);
    free(b.data);
    return LLMOBS_OK;
}

llmobs_status llmobs_metrics_render_string(llmobs_registry *r, llmobs_metrics_format fmt,
                                           char **out, size_t *len)
{
    if (len) *len = 0;
    if (!out) return llmobs__error(LLMOBS_EINVAL, "out is NULL");
    *out = NULL;
    llmobs__buf b = {0};
    llmobs_status st = render(r, fmt, &b);
    if (st != LLMOBS_OK) return st;
    *out = b.data;
    if (len) *len = b.len;
    return LLMOBS_OK;
}

void llmobs_metrics_string_free(char *s)
{
    free(s);
}

const char *llmobs_metrics_content_type(llmobs_metrics_format fmt)
{
    return fmt == LLMOBS_FORMAT_OPENMETRICS
               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
               : "text/plain; version=0.0.4; charset=utf-8";
}

/* Case-insensitive compare of [s, s+n) with a NUL-terminated word. */
static bool token_is(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k) return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != word[i]) return false;
    return true;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Parses one media range "type/sub;param=v;q=0.5" into its kind and q value. */
static void media_range(const char *s, const char *e, int *kind, double *q)
{
    enum { OTHER = 0, OM = 1, TEXT = 2, ANY = 3 };
    const char *semi = memchr(s, ';', (size_t)(e - s));
    const char *te = semi ? semi : e, *ts = s;
    trim(&ts, &te);
    *q = 1.0;
    bool version_ok = true;
    const char *version = NULL;
    size_t version_len = 0;
    for (const char *p = semi; p && p < e;) {
        const char *ps = p + 1;
        const char *pe = memchr(ps, ';', (size_t)(e - ps));
        if (!pe) pe = e;
        const char *eq = memchr(ps, '=', (size_t)(pe - ps));
        if (eq) {
            const char *ks = ps, *ke = eq, *vs = eq + 1, *ve = pe;
            trim(&ks, &ke);
            trim(&vs, &ve);
            if (token_is(ks, (size_t)(ke - ks), "q")) {
                char tmp[16] = {0};
                size_t n = (size_t)(ve - vs) < sizeof tmp - 1 ? (size_t)(ve - vs) : sizeof tmp - 1;
                memcpy(tmp, vs, n);
                *q = llmobs__parse_double(tmp);
                if (!(*q >= 0)) *q = 0;
            } else if (token_is(ks, (size_t)(ke - ks), "version")) {
                version = vs;
                version_len = (size_t)(ve - vs);
            }
        }
        p = pe < e ? pe : NULL;
    }
    if (token_is(ts, (size_t)(te - ts), "application/openmetrics-text")) {
        *kind = OM;
        if (version) version_ok = token_is(version, version_len, "1.0.0");
    } else if (token_is(ts, (size_t)(te - ts), "text/plain")) {
        *kind = TEXT;
        if (version) version_ok = token_is(version, version_len, "0.0.4");
    } else if (token_is(ts, (size_t)(te - ts), "*/*") ||
               token_is(ts, (size_t)(te - ts), "text/*")) {
        *kind = ANY;
    } else {
        *kind = OTHER;
    }
    if (!version_ok) *kind = OTHER;
}

llmobs_metrics_format llmobs_metrics_format_for_accept(const char *accept)
{
    if (!accept) return LLMOBS_FORMAT_TEXT;
    double best_om = 0, best_text = 0;
    const char *end = accept + strlen(accept);
    for (const char *s = accept; s < end;) {
        const char *e = memchr(s, ',', (size_t)(end - s));
        if (!e) e = end;
        int kind;
        double q;
        media_range(s, e, &kind, &q);
        if (kind == 1 && q > best_om) best_om = q;
        if ((kind == 2 || kind == 3) && q > best_text) best_text = q;
        s = e + 1;
    }
    return best_om > 0 && best_om >= best_text ? LLMOBS_FORMAT_OPENMETRICS : LLMOBS_FORMAT_TEXT;
}

llmobs_status llmobs_metrics_render_for_accept(llmobs_registry *r, const char *accept, char **body,
                                               size_t *len, const char **content_type)
{
    if (content_type) *content_type = NULL;
    if (!body || !content_type) return llmobs__error(LLMOBS_EINVAL, "body or content_type NULL");
    llmobs_metrics_format fmt = llmobs_metrics_format_for_accept(accept);
    llmobs_status st = llmobs_metrics_render_string(r, fmt, body, len);
    if (st == LLMOBS_OK) *content_type = llmobs_metrics_content_type(fmt);
    return st;
}
