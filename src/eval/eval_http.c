/* A blocking libcurl request for the judge and the eval runner (they run on the caller's thread
 * by design: judging is the caller's work, not the flusher's). Never verbose, so headers with
 * keys are never printed. */
#include "eval/eval.h"

#include "core/error.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (16u << 20) /* 16 MiB */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    llmobs__buf *b = ud;
    size_t len = size * n;
    if (b->len + len > MAX_BODY) return 0;
    llmobs__buf_append(b, p, len);
    return b->oom ? 0 : len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    llmobs__ehttp_response *rs = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        const char *v = p + sizeof name - 1;
        while (v < p + len && isspace((unsigned char)*v))
            v++;
        if (v < p + len && isdigit((unsigned char)*v)) {
            long long s = 0;
            while (v < p + len && isdigit((unsigned char)*v) && s < 1000000)
                s = s * 10 + (*v++ - '0');
            rs->retry_after_ms = s * 1000;
        }
    }
    return len;
}

llmobs_status llmobs__ehttp(CURL *curl, const char *method, const char *url,
                            const struct curl_slist *headers, const char *body, int64_t timeout_ms,
                            llmobs__ehttp_response *rs)
{
    pthread_once(&curl_once, curl_init_once);
    memset(rs, 0, sizeof *rs);
    rs->retry_after_ms = -1;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(timeout_ms > 0 && timeout_ms < 10000 ? timeout_ms : 10000));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &rs->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, rs);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(curl);
    llmobs__buf_putc(&rs->body, '\0');
    if (rs->body.len) rs->body.len--;
    if (rc != CURLE_OK) {
        rs->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        snprintf(rs->error, sizeof rs->error, "%s", curl_easy_strerror(rc));
        return rs->timed_out ? LLMOBS_ETIMEOUT : LLMOBS_ENETWORK;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &rs->status);
    return LLMOBS_OK;
}

void llmobs__ehttp_response_free(llmobs__ehttp_response *rs)
{
    if (rs) llmobs__buf_free(&rs->body);
}

bool llmobs__ehttp_retryable(long status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

struct curl_slist *llmobs__ehttp_basic_auth(struct curl_slist *h, const char *user,
                                            const char *pass)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t lu = strlen(user), lp = strlen(pass), n = lu + 1 + lp;
    unsigned char *raw = malloc(n + 1);
    char *line = malloc(32 + (n + 2) / 3 * 4);
    if (!raw || !line) {
        free(raw);
        free(line);
        return h;
    }
    memcpy(raw, user, lu);
    raw[lu] = ':';
    memcpy(raw + lu + 1, pass, lp);
    char *o = line + sprintf(line, "Authorization: Basic ");
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (i + 1 < n ? (uint32_t)raw[i + 1] << 8 : 0) |
                     (i + 2 < n ? raw[i + 2] : 0);
        *o++ = tbl[v >> 18 & 63];
        *o++ = tbl[v >> 12 & 63];
        *o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    *o = 0;
    struct curl_slist *r = curl_slist_append(h, line);
    /* The line holds a secret: wipe it before freeing. */
    memset(line, 0, strlen(line));
    memset(raw, 0, n);
    free(line);
    free(raw);
    return r ? r : h;
}
