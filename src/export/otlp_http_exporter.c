/* The OTLP/HTTP JSON exporter: POSTs each serialized batch to Langfuse's OTLP endpoint
 * ({base_url}/api/public/otel/v1/traces, Basic auth) and/or to a generic OTLP/HTTP receiver
 * (otlp_endpoint + /v1/traces, or otlp_traces_endpoint as is), and classifies each answer
 * per the OTLP rules (reference/otlp-json.md §4). Retrying, backoff and splitting are the
 * pipeline's job; this file only makes sure that a destination which already took a payload
 * never gets it again when the pipeline retries or splits it. */
#include "core/clock.h"
#include "core/error.h"
#include "export/exporter.h"
#include "export/http.h"
#include "export/http_util.h"
#include "export/otlp_view.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DESTS 2
#define SPAN_ID_LEN 16

/* Span ids of a payload a destination accepted before the pipeline split it (see
 * covered_by). */
typedef struct idset {
    char (*ids)[SPAN_ID_LEN];
    size_t n, cap;
} idset;

typedef enum dest_state {
    DEST_PENDING = 0, /* not yet delivered for the current payload */
    DEST_SENT,        /* accepted (final) */
    DEST_FAILED,      /* refused (final) */
    DEST_RETRY,       /* last attempt failed transiently */
    DEST_TOO_LARGE    /* last attempt answered 413 */
} dest_state;

typedef struct dest {
    const char *name; /* "langfuse" or "otlp" */
    uint8_t bit;      /* LLMOBS__DEST_LANGFUSE or LLMOBS__DEST_OTLP */
    char *url;
    char *scores_url;  /* POST /api/public/scores; NULL: this destination takes no scores */
    char *display_url; /* without user:password, for the log */
    struct curl_slist *headers;
    bool gzip;
    int64_t timeout_ms;
    llmobs__otlp_view view; /* what of each span it gets (otlp_view.h) */
    bool retry_500;         /* Langfuse answers transient queue/storage failures with 500 */
    /* outcome for the current payload */
    dest_state state;
    bool by_cover; /* SENT because it already accepted a payload this one is a part of */
    llmobs__export_result last;
    idset covered;
} dest;

typedef struct otlp_exporter {
    llmobs__http *http;
    llmobs__logger log;
    dest dests[MAX_DESTS];
    size_t ndests;
    /* identity of the current payload: a retry passes the same bytes again */
    uint64_t cur_id; /* the payload in hand (llmobs__payload.id); a retry has the same id */
    bool have_cur;
} otlp_exporter;

/* ---- small helpers ------------------------------------------------------------------------ */

/* OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; only "/" is added when there is no path. */
static char *traces_url(const char *url)
{
    const char *a, *e;
    llmobs__url_authority(url, &a, &e);
    return *e ? strdup(url) : llmobs__join(url, "/");
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_token_char(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* OTEL_EXPORTER_OTLP_HEADERS: "k1=v1,k2=v2" (W3C Baggage form): whitespace around keys and
 * values is trimmed and values are percent-decoded. Each value is registered as a secret,
 * since these headers usually carry credentials. */
static llmobs_status parse_otlp_headers(const char *spec, struct curl_slist **list, llmobs__http *h)
{
    char *copy = strdup(spec);
    if (!copy) return llmobs__error(LLMOBS_ENOMEM, "otlp exporter: out of memory");
    llmobs_status st = LLMOBS_OK;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        char *k = item, *v = eq ? eq + 1 : item + strlen(item);
        if (eq) *eq = '\0';
        while (isspace((unsigned char)*k))
            k++;
        for (char *end = k + strlen(k); end > k && isspace((unsigned char)end[-1]);)
            *--end = '\0';
        if (!*k && !eq) continue; /* empty element, e.g. a trailing comma */
        bool ok = *k && eq;
        for (const char *p = k; ok && *p; p++)
            ok = is_token_char((unsigned char)*p);
        if (!ok) {
            st = llmobs__error(LLMOBS_EINVAL, "option otlp_headers: bad header name '%s'", k);
            break;
        }
        while (isspace((unsigned char)*v))
            v++;
        char *w = v;
        for (const char *r = v; *r; r++) {
            if (*r == '%' && hexval((unsigned char)r[1]) >= 0 && hexval((unsigned char)r[2]) >= 0) {
                *w++ = (char)(hexval((unsigned char)r[1]) * 16 + hexval((unsigned char)r[2]));
                r += 2;
            } else {
                *w++ = *r;
            }
        }
        *w = '\0';
        while (w > v && isspace((unsigned char)w[-1]))
            *--w = '\0';
        for (const char *p = v; *p; p++)
            if (*p == '\r' || *p == '\n') {
                st = llmobs__error(LLMOBS_EINVAL,
                                   "option otlp_headers: the value of '%s' contains a line break",
                                   k);
                break;
            }
        if (st != LLMOBS_OK) break;
        if (!llmobs__http_add_secret(h, v) || !llmobs__header_add(list, k, v)) {
            st = llmobs__error(LLMOBS_ENOMEM, "otlp exporter: out of memory");
            break;
        }
    }
    memset(copy, 0, strlen(spec));
    free(copy);
    return st;
}

/* ---- span id sets ------------------------------------------------------------------------- */

/* Collects the span ids of a serialized request (the `"spanId":"<16 hex>"` fields). */
static bool scan_span_ids(const char *body, size_t len, idset *out)
{
    static const char key[] = "\"spanId\":\"";
    const size_t klen = sizeof key - 1;
    out->n = 0;
    const char *p = body, *end = body + len;
    while ((p = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
        p += klen;
        if (end - p < SPAN_ID_LEN) break;
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            void *ids = realloc(out->ids, cap * sizeof *out->ids);
            if (!ids) return false;
            out->ids = ids;
            out->cap = cap;
        }
        memcpy(out->ids[out->n++], p, SPAN_ID_LEN);
    }
    return true;
}

static bool idset_has(const idset *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (memcmp(s->ids[i], id, SPAN_ID_LEN) == 0) return true;
    return false;
}

/* True when every span of `ids` is in `covered`: the payload is a part of one the
 * destination already accepted (the pipeline split it after another destination's 413). */
static bool covered_by(const idset *covered, const idset *ids)
{
    if (!covered->n || !ids->n) return false;
    for (size_t i = 0; i < ids->n; i++)
        if (!idset_has(covered, ids->ids[i])) return false;
    return true;
}

/* ---- classifying one answer ---------------------------------------------------------------- */

/* partialSuccess of a 200 answer; the body may be empty or not JSON at all. */
void llmobs__otlp_partial_success(const llmobs__http *h, const char *body, uint32_t *rejected,
                                  char *msg, size_t cap)
{
    *rejected = 0;
    msg[0] = '\0';
    cJSON *j = cJSON_Parse(body);
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "partialSuccess");
    if (cJSON_IsObject(ps)) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(ps, "rejectedSpans");
        double v = cJSON_IsNumber(n)   ? n->valuedouble
                   : cJSON_IsString(n) ? strtod(n->valuestring, NULL)
                                       : 0;
        if (v > 0) *rejected = v > (double)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ps, "errorMessage");
        if (cJSON_IsString(m)) llmobs__copy_text(h, msg, cap, m->valuestring, 160);
    }
    cJSON_Delete(j);
}

static void classify(otlp_exporter *x, dest *d, const llmobs__http_response *rs,
                     llmobs__export_result *r)
{
    char text[200];
    *r = (llmobs__export_result){.retry_after_ms = -1, .http_status = rs->status};
    if (rs->status == 0 || rs->body_too_large) {
        /* No answer: connection refused or reset, timeout, TLS failure. Retryable, except a
         * response over the size cap, which OTLP makes a final error. */
        r->outcome = rs->body_too_large ? LLMOBS__FAILED : LLMOBS__RETRY;
        snprintf(r->message, sizeof r->message, "%s: %s", d->name, rs->error);
    } else if (rs->status >= 200 && rs->status < 300) {
        r->outcome = LLMOBS__SENT;
        llmobs__otlp_partial_success(x->http, rs->body.data, &r->rejected, text, sizeof text);
        if (text[0])
            snprintf(r->message, sizeof r->message, "%s: partial success: %s", d->name, text);
        if (!r->rejected && text[0]) {
            llmobs__http_redact(x->http, r->message);
            llmobs__log(&x->log, LLMOBS_LOG_WARN, "%s", r->message);
        }
    } else if (rs->status == 429 || rs->status == 502 || rs->status == 503 || rs->status == 504 ||
               (rs->status == 500 && d->retry_500)) {
        /* OTLP retries 429/502/503/504 only; Langfuse also answers 500 for transient failures
         * of its queue or blob storage (withMiddlewares.ts), so its 500 is retried too. */
        r->outcome = LLMOBS__RETRY;
        r->retry_after_ms = rs->retry_after_ms;
        llmobs__server_message(x->http, rs->body.data, text, sizeof text);
        snprintf(r->message, sizeof r->message, "%s: HTTP %ld: %s", d->name, rs->status, text);
    } else {
        r->outcome =
            llmobs__reply_too_large(rs->status, rs->body.data) ? LLMOBS__TOO_LARGE : LLMOBS__FAILED;
        llmobs__server_message(x->http, rs->body.data, text, sizeof text);
        snprintf(r->message, sizeof r->message, "%s: HTTP %ld: %s", d->name, rs->status, text);
    }
    llmobs__http_redact(x->http, r->message);
}

/* ---- sending ------------------------------------------------------------------------------ */

static void send_to(otlp_exporter *x, dest *d, const llmobs__payload *p, int64_t deadline,
                    llmobs__export_result *r)
{
    llmobs__buf gz = {0}, view = {0};
    const char *body = p->body;
    size_t len = p->len;
    if (p->kind == LLMOBS__ITEM_SPAN && d->view != LLMOBS__VIEW_ALL) {
        if (llmobs__otlp_view_apply(p->body, p->len, d->view, &view)) {
            body = view.data;
            len = view.len;
        } else if (view.oom) {
            llmobs__buf_free(&view);
            *r = (llmobs__export_result){.outcome = LLMOBS__RETRY, .retry_after_ms = -1};
            snprintf(r->message, sizeof r->message, "%s: out of memory", d->name);
            return;
        }
        /* else not JSON (never from this library's serializer): sent as it is */
    }
    if (d->gzip) {
        if (!llmobs__gzip(body, len, &gz)) {
            llmobs__buf_free(&gz);
            llmobs__buf_free(&view);
            *r = (llmobs__export_result){.outcome = LLMOBS__RETRY, .retry_after_ms = -1};
            snprintf(r->message, sizeof r->message, "%s: out of memory compressing", d->name);
            return;
        }
        body = gz.data;
        len = gz.len;
    }
    const char *url = p->kind == LLMOBS__ITEM_SCORE ? d->scores_url : d->url;
    llmobs__http_request rq = {url, d->headers, body, len, d->timeout_ms, deadline};
    llmobs__http_response rs;
    int64_t t0 = llmobs__mono_ns();
    llmobs__http_post(x->http, &rq, &rs);
    classify(x, d, &rs, r);
    llmobs__log(&x->log, LLMOBS_LOG_DEBUG, "%s: POST %s (%u %s, %zu bytes%s): %ld in %lld ms%s%s",
                d->name, p->kind == LLMOBS__ITEM_SCORE ? "/api/public/scores" : d->display_url,
                p->items, p->kind == LLMOBS__ITEM_SCORE ? "score" : "spans", len,
                d->gzip ? " gzip" : "", rs.status, (long long)((llmobs__mono_ns() - t0) / 1000000),
                r->message[0] ? ": " : "", r->message);
    llmobs__http_response_free(&rs);
    llmobs__buf_free(&gz);
    llmobs__buf_free(&view);
}

/* Resets the per-destination state when the pipeline hands over a new payload (not a retry of
 * the previous one: that is the same bytes again). */
static void begin_payload(otlp_exporter *x, const llmobs__payload *p)
{
    if (x->have_cur && x->cur_id == p->id) return;
    x->have_cur = true;
    x->cur_id = p->id;
    idset ids = {0};
    bool spans = p->kind == LLMOBS__ITEM_SPAN;
    bool scanned = spans && x->ndests > 1 && scan_span_ids(p->body, p->len, &ids);
    for (size_t i = 0; i < x->ndests; i++) {
        dest *d = &x->dests[i];
        d->state = DEST_PENDING;
        d->by_cover = false;
        d->last = (llmobs__export_result){.retry_after_ms = -1};
        if (!spans) {
            if (!d->scores_url) { /* not a score destination: nothing to deliver there */
                d->state = DEST_SENT;
                d->by_cover = true;
                d->last.outcome = LLMOBS__SENT;
            }
        } else if (scanned && covered_by(&d->covered, &ids)) {
            d->state = DEST_SENT; /* it already has every span of this part */
            d->by_cover = true;
            d->last.outcome = LLMOBS__SENT;
        } else {
            d->covered.n = 0;
        }
        if (p->dests && !(p->dests & d->bit)) { /* a spool file this one already took */
            d->state = DEST_SENT;
            d->by_cover = true;
            d->last.outcome = LLMOBS__SENT;
        }
    }
    free(ids.ids);
}

/* How the outcomes of several destinations combine into one for the pipeline:
 *   1. any destination failed transiently        -> RETRY (the longest Retry-After given);
 *      on the retry only destinations without a final outcome are sent to again;
 *   2. else any destination answered 413          -> TOO_LARGE: the pipeline splits, and the
 *      destinations that accepted the whole payload skip its parts (their span ids are kept);
 *   3. else any destination refused it (final)    -> FAILED: an item counts as exported only
 *      when every destination accepted it;
 *   4. else every destination accepted it         -> SENT, rejected = the largest count any
 *      destination reported in partialSuccess. */
static void combine(otlp_exporter *x, const llmobs__payload *p, llmobs__export_result *r)
{
    const dest *retry = NULL, *too_large = NULL, *failed = NULL;
    int64_t retry_after = -1;
    uint32_t rejected = 0;
    const dest *sent_msg = NULL;
    for (size_t i = 0; i < x->ndests; i++) {
        const dest *d = &x->dests[i];
        switch (d->state) {
        case DEST_RETRY:
            if (!retry) retry = d;
            if (d->last.retry_after_ms > retry_after) retry_after = d->last.retry_after_ms;
            break;
        case DEST_TOO_LARGE:
            if (!too_large) too_large = d;
            break;
        case DEST_FAILED:
            if (!failed) failed = d;
            break;
        case DEST_SENT:
            if (d->last.rejected >= rejected && d->last.message[0]) sent_msg = d;
            if (d->last.rejected > rejected) rejected = d->last.rejected;
            break;
        case DEST_PENDING:
            break;
        }
    }
    if (retry) {
        *r = retry->last;
        r->retry_after_ms = retry_after;
        /* Those without a final answer; a spooled payload goes to them only. */
        for (size_t i = 0; i < x->ndests; i++)
            if (x->dests[i].state == DEST_RETRY || x->dests[i].state == DEST_TOO_LARGE)
                r->pending_dests |= x->dests[i].bit;
    } else if (too_large) {
        *r = too_large->last;
        if (x->ndests > 1)
            for (size_t i = 0; i < x->ndests; i++)
                if (x->dests[i].state == DEST_SENT && !x->dests[i].by_cover &&
                    !scan_span_ids(p->body, p->len, &x->dests[i].covered))
                    x->dests[i].covered.n = 0; /* out of memory: parts go to it again */
    } else if (failed) {
        *r = failed->last;
    } else {
        *r = (llmobs__export_result){.outcome = LLMOBS__SENT, .retry_after_ms = -1};
        r->rejected = rejected;
        r->http_status = x->dests[0].last.http_status;
        if (sent_msg) memcpy(r->message, sent_msg->last.message, sizeof r->message);
    }
}

static void otlp_send(void *self, const llmobs__payload *p, int64_t deadline,
                      llmobs__export_result *r)
{
    otlp_exporter *x = self;
    if (p->kind == LLMOBS__ITEM_SCORE && !x->dests[0].scores_url) {
        /* Only Langfuse (dests[0] when configured) takes scores; an OTLP backend cannot. */
        *r = (llmobs__export_result){.outcome = LLMOBS__FAILED, .retry_after_ms = -1};
        snprintf(r->message, sizeof r->message,
                 "scores need a Langfuse destination (public_key and secret_key)");
        return;
    }
    begin_payload(x, p);
    for (size_t i = 0; i < x->ndests; i++) {
        dest *d = &x->dests[i];
        if (d->state == DEST_SENT || d->state == DEST_FAILED) continue;
        send_to(x, d, p, deadline, &d->last);
        switch (d->last.outcome) {
        case LLMOBS__SENT:
            d->state = DEST_SENT;
            break;
        case LLMOBS__RETRY:
            d->state = DEST_RETRY;
            break;
        case LLMOBS__TOO_LARGE:
            d->state = DEST_TOO_LARGE;
            break;
        case LLMOBS__FAILED:
            d->state = DEST_FAILED;
            break;
        }
    }
    combine(x, p, r);
    /* After a final outcome the next call is another payload even if malloc hands the
     * pipeline the same address for it. */
    if (r->outcome != LLMOBS__RETRY) x->have_cur = false;
}

static void otlp_interrupt(void *self, int64_t deadline_mono_ns)
{
    otlp_exporter *x = self;
    llmobs__http_interrupt(x->http, deadline_mono_ns);
}

static void otlp_destroy(void *self)
{
    otlp_exporter *x = self;
    for (size_t i = 0; i < x->ndests; i++) {
        free(x->dests[i].url);
        free(x->dests[i].scores_url);
        free(x->dests[i].display_url);
        curl_slist_free_all(x->dests[i].headers);
        free(x->dests[i].covered.ids);
    }
    llmobs__http_free(x->http);
    free(x);
}

/* ---- construction --------------------------------------------------------------------------- */

static llmobs_status add_langfuse(otlp_exporter *x, const llmobs_options *o)
{
    dest *d = &x->dests[x->ndests++];
    d->name = "langfuse";
    d->bit = LLMOBS__DEST_LANGFUSE;
    d->gzip = o->gzip;
    d->view = LLMOBS__VIEW_LANGFUSE;
    d->retry_500 = true;
    d->timeout_ms = (int64_t)(o->timeout_s * 1000.0 + 0.5);
    d->url = llmobs__join_path(o->base_url, "/api/public/otel/v1/traces");
    d->scores_url = llmobs__join_path(o->base_url, "/api/public/scores");
    d->display_url = d->url ? llmobs__display_url(d->url) : NULL;
    bool ok = d->url && d->scores_url && d->display_url &&
              llmobs__http_add_url_secret(x->http, o->base_url) &&
              llmobs__common_headers(&d->headers, d->gzip) &&
              llmobs__basic_auth_header(&d->headers, x->http, o->public_key, o->secret_key) &&
              llmobs__header_add(&d->headers, "x-langfuse-ingestion-version", "4") &&
              llmobs__header_add(&d->headers, "x-langfuse-sdk-name", "llmobs-c") &&
              llmobs__header_add(&d->headers, "x-langfuse-sdk-version", LLMOBS_VERSION_STRING) &&
              llmobs__header_add(&d->headers, "x-langfuse-public-key", o->public_key);
    return ok ? LLMOBS_OK : llmobs__error(LLMOBS_ENOMEM, "otlp exporter: out of memory");
}

static llmobs_status add_otlp(otlp_exporter *x, const llmobs_options *o)
{
    dest *d = &x->dests[x->ndests++];
    d->name = "otlp";
    d->bit = LLMOBS__DEST_OTLP;
    d->gzip = o->otlp_compression == 1;
    d->view = (llmobs__otlp_view)o->otlp_attributes;
    d->timeout_ms = (int64_t)(o->otlp_timeout_s + 0.5); /* the option is in milliseconds */
    d->url = *o->otlp_traces_endpoint ? traces_url(o->otlp_traces_endpoint)
                                      : llmobs__join_path(o->otlp_endpoint, "/v1/traces");
    d->display_url = d->url ? llmobs__display_url(d->url) : NULL;
    if (!d->url || !d->display_url || !llmobs__http_add_url_secret(x->http, d->url) ||
        !llmobs__common_headers(&d->headers, d->gzip))
        return llmobs__error(LLMOBS_ENOMEM, "otlp exporter: out of memory");
    return parse_otlp_headers(o->otlp_headers, &d->headers, x->http);
}

llmobs__exporter *llmobs__otlp_http_exporter_new(const llmobs_options *o, const llmobs__logger *lg,
                                                 llmobs_status *status)
{
    bool langfuse = *o->public_key && *o->secret_key;
    bool otlp = *o->otlp_endpoint || *o->otlp_traces_endpoint;
    if (!langfuse && !otlp) {
        *status = llmobs__error(
            LLMOBS_EINVAL,
            "option exporter: 'otlp' needs %s, or otlp_endpoint / otlp_traces_endpoint "
            "(OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)",
            *o->public_key ? "secret_key (LANGFUSE_SECRET_KEY)"
            : *o->secret_key
                ? "public_key (LANGFUSE_PUBLIC_KEY)"
                : "public_key and secret_key (LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY)");
        return NULL;
    }
    otlp_exporter *x = calloc(1, sizeof *x);
    llmobs__exporter *e = calloc(1, sizeof *e);
    if (!x || !e) {
        free(x);
        free(e);
        *status = llmobs__error(LLMOBS_ENOMEM, "otlp exporter: out of memory");
        return NULL;
    }
    x->log = *lg;
    x->http = llmobs__http_new(o->ca_bundle, o->tls_insecure, status);
    if (!x->http) goto fail;
    if (langfuse && (*status = add_langfuse(x, o)) != LLMOBS_OK) goto fail;
    if (otlp && (*status = add_otlp(x, o)) != LLMOBS_OK) goto fail;
    if (o->tls_insecure)
        llmobs__log(lg, LLMOBS_LOG_WARN,
                    "tls_insecure is set: TLS certificates and host names are NOT verified");
    for (size_t i = 0; i < x->ndests; i++)
        llmobs__log(lg, LLMOBS_LOG_INFO, "otlp exporter: sending to %s at %s%s", x->dests[i].name,
                    x->dests[i].display_url, x->dests[i].gzip ? " (gzip)" : "");
    *e = (llmobs__exporter){.name = "otlp",
                            .self = x,
                            .send = otlp_send,
                            .destroy = otlp_destroy,
                            .interrupt = otlp_interrupt};
    *status = LLMOBS_OK;
    return e;
fail:
    otlp_destroy(x);
    free(e);
    return NULL;
}
