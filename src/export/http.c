/* The libcurl wrapper of the network exporters: one reused connection, bounded requests,
 * Retry-After and a capped response body, and no secret in any message. The multi interface
 * drives the single easy handle so that a shutdown on another thread can cut a request short
 * (the loop rechecks the interrupt deadline at least every POLL_SLICE_MS). */
#include "export/http.h"
#include "core/crc32.h"
#include "core/clock.h"
#include "core/error.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define NS_PER_MS INT64_C(1000000)
#define CONNECT_TIMEOUT_MS INT64_C(10000)
#define POLL_SLICE_MS 20
#define MAX_SECRETS 16

struct llmobs__http {
    CURLM *multi;
    CURL *easy;
    char *ca_bundle;
    bool tls_insecure;
    char *secrets[MAX_SECRETS];
    size_t nsecrets;
    atomic_int_fast64_t interrupt_deadline;
    char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    /* Not thread-safe in older libcurl, hence once; never cleaned up (we are a library and
     * the application may use curl too). */
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

llmobs__http *llmobs__http_new(const char *ca_bundle, bool tls_insecure, llmobs_status *status)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        *status = llmobs__error(LLMOBS_EINTERNAL, "http: curl_global_init failed: %s",
                                curl_easy_strerror(global_rc));
        return NULL;
    }
    llmobs__http *h = calloc(1, sizeof *h);
    if (!h) goto oom;
    atomic_init(&h->interrupt_deadline, INT64_MAX);
    h->tls_insecure = tls_insecure;
    if (ca_bundle && *ca_bundle && !(h->ca_bundle = strdup(ca_bundle))) goto oom;
    h->multi = curl_multi_init();
    h->easy = curl_easy_init();
    if (!h->multi || !h->easy) goto oom;
    *status = LLMOBS_OK;
    return h;
oom:
    llmobs__http_free(h);
    *status = llmobs__error(LLMOBS_ENOMEM, "http: out of memory");
    return NULL;
}

void llmobs__http_free(llmobs__http *h)
{
    if (!h) return;
    if (h->easy) curl_easy_cleanup(h->easy);
    if (h->multi) curl_multi_cleanup(h->multi);
    for (size_t i = 0; i < h->nsecrets; i++) {
        /* Do not leave secrets in freed memory. */
        volatile char *p = h->secrets[i];
        while (*p)
            *p++ = 0;
        free(h->secrets[i]);
    }
    free(h->ca_bundle);
    free(h);
}

bool llmobs__http_add_secret(llmobs__http *h, const char *secret)
{
    if (!secret || strlen(secret) < 4) return true;
    for (size_t i = 0; i < h->nsecrets; i++)
        if (strcmp(h->secrets[i], secret) == 0) return true;
    if (h->nsecrets == MAX_SECRETS) return false;
    char *copy = strdup(secret);
    if (!copy) return false;
    /* Longest first, so a secret containing another is redacted whole. */
    size_t i = h->nsecrets++;
    while (i > 0 && strlen(h->secrets[i - 1]) < strlen(copy)) {
        h->secrets[i] = h->secrets[i - 1];
        i--;
    }
    h->secrets[i] = copy;
    return true;
}

void llmobs__http_redact(const llmobs__http *h, char *msg)
{
    for (size_t i = 0; i < h->nsecrets; i++) {
        const char *s = h->secrets[i];
        size_t n = strlen(s);
        char *hit;
        while ((hit = strstr(msg, s)) != NULL) {
            memcpy(hit, "***", 3);
            memmove(hit + 3, hit + n, strlen(hit + n) + 1);
        }
    }
}

void llmobs__http_interrupt(llmobs__http *h, int64_t deadline_mono_ns)
{
    int64_t cur = atomic_load(&h->interrupt_deadline);
    while (deadline_mono_ns < cur &&
           !atomic_compare_exchange_weak(&h->interrupt_deadline, &cur, deadline_mono_ns)) {
    }
}

/* ---- Retry-After ------------------------------------------------------------------------- */

int64_t llmobs__http_parse_retry_after(const char *value, time_t now)
{
    while (*value == ' ' || *value == '\t')
        value++;
    if (!*value) return -1;
    if (isdigit((unsigned char)*value)) {
        int64_t s = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++) {
            if (s > INT64_C(1000000000)) return -1; /* absurd: treat as not given */
            s = s * 10 + (*p - '0');
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p) return -1;
        return s * 1000;
    }
    time_t t = curl_getdate(value, &now);
    if (t == (time_t)-1) return -1;
    if (t <= now) return 0;
    /* curl_getdate is lenient: a date centuries ahead overflowed the multiplication below
     * (found by tests/fuzz/fuzz_retry_after). Absurd, like the seconds form: not given. */
    if ((int64_t)(t - now) > INT64_C(1000000000)) return -1;
    return (int64_t)(t - now) * 1000;
}

/* ---- gzip ----------------------------------------------------------------------------------- */

#define LLMOBS__GZIP_LEVEL 1

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

bool llmobs__gzip(const char *in, size_t len, llmobs__buf *out)
{
    /* Level 1 (LLMOBS__GZIP_LEVEL): the flusher's CPU matters more than a few percent of bytes
     * (docs/decisions.md). Raw deflate (window bits -15) inside a gzip member written here
     * (RFC 1952: no name, no time, XFL 4 "fastest", OS 3 "Unix", as zlib writes it), so that
     * the trailer's CRC is llmobs__crc32's, not zlib's slower one. */
    static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
    z_stream z = {0};
    if (len > UINT32_MAX ||
        deflateInit2(&z, LLMOBS__GZIP_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    uLong bound = deflateBound(&z, (uLong)len);
    if (!llmobs__buf_reserve(out, sizeof header + bound + 8)) {
        deflateEnd(&z);
        return false;
    }
    unsigned char *start = (unsigned char *)out->data + out->len;
    memcpy(start, header, sizeof header);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = start + sizeof header;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    size_t produced = bound - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) return false;
    unsigned char *trailer = start + sizeof header + produced;
    put_le32(trailer, llmobs__crc32(0, in, len));
    put_le32(trailer + 4, (uint32_t)len);
    out->len += sizeof header + produced + 8;
    out->data[out->len] = '\0';
    return true;
}

/* ---- one request -------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    llmobs__http_response *rs = ud;
    size_t n = size * nmemb;
    if (rs->body.len + n > LLMOBS__HTTP_MAX_RESPONSE) {
        rs->body_too_large = true;
        return 0; /* stops the transfer */
    }
    llmobs__buf_append(&rs->body, data, n);
    return rs->body.oom ? 0 : n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    llmobs__http_response *rs = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        rs->retry_after_ms = -1; /* a new response (e.g. after 100 Continue) */
    } else if (n > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        char value[128];
        size_t len = n - 12 < sizeof value - 1 ? n - 12 : sizeof value - 1;
        memcpy(value, data + 12, len);
        value[len] = '\0';
        while (len && (value[len - 1] == '\r' || value[len - 1] == '\n' || value[len - 1] == ' '))
            value[--len] = '\0';
        rs->retry_after_ms = llmobs__http_parse_retry_after(value, time(NULL));
    }
    return n;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void set_error(llmobs__http *h, llmobs__http_response *rs, const char *prefix,
                      const char *detail)
{
    snprintf(rs->error, sizeof rs->error, "%s%.160s", prefix, detail);
    llmobs__http_redact(h, rs->error);
}

static bool setup(llmobs__http *h, const llmobs__http_request *rq, llmobs__http_response *rs,
                  int64_t timeout_ms)
{
    CURL *e = h->easy;
    curl_easy_reset(e); /* keeps the connection cache of the multi handle */
    h->errbuf[0] = '\0';
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, rq->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, rq->body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
    SET(CURLOPT_HTTPHEADER, rq->headers);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* a redirect must not carry our Authorization along */
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)min64(timeout_ms, CONNECT_TIMEOUT_MS));
    SET(CURLOPT_ACCEPT_ENCODING, "gzip");
    SET(CURLOPT_ERRORBUFFER, h->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, rs);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, rs);
    SET(CURLOPT_SSL_VERIFYPEER, h->tls_insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, h->tls_insecure ? 0L : 2L);
    if (h->ca_bundle) SET(CURLOPT_CAINFO, h->ca_bundle);
#undef SET
    if (rc != CURLE_OK) {
        rs->curl_code = (int)rc;
        set_error(h, rs, "http: cannot configure the request: ", curl_easy_strerror(rc));
        return false;
    }
    return true;
}

void llmobs__http_post(llmobs__http *h, const llmobs__http_request *rq, llmobs__http_response *rs)
{
    *rs = (llmobs__http_response){.retry_after_ms = -1};
    int64_t now = llmobs__mono_ns();
    int64_t deadline = min64(rq->deadline_mono_ns, atomic_load(&h->interrupt_deadline));
    if (deadline <= now) {
        rs->aborted = true;
        rs->curl_code = CURLE_OPERATION_TIMEDOUT;
        snprintf(rs->error, sizeof rs->error, "deadline passed before the request was sent");
        return;
    }
    int64_t timeout_ms = rq->timeout_ms;
    if (deadline != INT64_MAX) timeout_ms = min64(timeout_ms, (deadline - now) / NS_PER_MS + 1);
    if (timeout_ms < 1) timeout_ms = 1;
    if (!setup(h, rq, rs, timeout_ms)) return;

    CURLMcode mc = curl_multi_add_handle(h->multi, h->easy);
    if (mc != CURLM_OK) {
        rs->curl_code = CURLE_FAILED_INIT;
        set_error(h, rs, "http: ", curl_multi_strerror(mc));
        return;
    }
    CURLcode result = CURLE_OK;
    bool done = false;
    for (;;) {
        int running = 0;
        mc = curl_multi_perform(h->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy) {
                result = msg->data.result;
                done = true;
            }
        if (done || mc != CURLM_OK) break;
        now = llmobs__mono_ns();
        deadline = min64(rq->deadline_mono_ns, atomic_load(&h->interrupt_deadline));
        if (now >= deadline) {
            rs->aborted = true;
            result = CURLE_OPERATION_TIMEDOUT;
            break;
        }
        int64_t wait_ms = min64((deadline - now) / NS_PER_MS + 1, POLL_SLICE_MS);
        curl_multi_poll(h->multi, NULL, 0, (int)wait_ms, NULL);
    }
    if (mc != CURLM_OK && !done && !rs->aborted) result = CURLE_FAILED_INIT;
    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &rs->status);
    curl_multi_remove_handle(h->multi, h->easy);
    rs->curl_code = (int)result;
    if (rs->body.oom) {
        set_error(h, rs, "http: ", "out of memory reading the response");
    } else if (rs->body_too_large) {
        snprintf(rs->error, sizeof rs->error, "response body over %u bytes",
                 LLMOBS__HTTP_MAX_RESPONSE);
    } else if (rs->aborted) {
        set_error(h, rs, "", "request stopped at its deadline");
    } else if (mc != CURLM_OK) {
        set_error(h, rs, "http: ", curl_multi_strerror(mc));
    } else if (result != CURLE_OK) {
        /* curl's detail names host and port, never headers; redacted all the same. */
        set_error(h, rs, "", h->errbuf[0] ? h->errbuf : curl_easy_strerror(result));
    }
    if (!rs->body.data) llmobs__buf_append(&rs->body, "", 0);
}

void llmobs__http_response_free(llmobs__http_response *rs)
{
    llmobs__buf_free(&rs->body);
}
