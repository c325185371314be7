#include "capture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

void capture_init(capture *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->spans = cJSON_CreateArray();
    c->answer = LLMOBS_EXPORT_OK;
}

void capture_destroy(capture *c)
{
    cJSON_Delete(c->spans);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

static struct timespec deadline_in(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    return ts;
}

llmobs_export_result capture_export(const char *body, size_t len, const char *content_type,
                                    uint32_t items, void *userdata)
{
    capture *c = userdata;
    (void)content_type;
    pthread_mutex_lock(&c->mu);
    c->calls++;
    if (c->block) {
        c->blocked_calls++;
        pthread_cond_broadcast(&c->cv);
        while (c->block)
            pthread_cond_wait(&c->cv, &c->mu);
        c->blocked_calls--;
    }
    llmobs_export_result answer = c->answer;
    if (c->fail_first > 0) {
        c->fail_first--;
        answer = LLMOBS_EXPORT_RETRY;
    } else if ((c->max_items && items > c->max_items) || (c->max_body && len > c->max_body)) {
        answer = LLMOBS_EXPORT_TOO_LARGE;
    }
    if (answer == LLMOBS_EXPORT_OK) {
        cJSON *req = cJSON_ParseWithLength(body, len);
        cJSON *spans = cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                cJSON_GetObjectItem(
                    cJSON_GetArrayItem(cJSON_GetObjectItem(req, "resourceSpans"), 0), "scopeSpans"),
                0),
            "spans");
        cJSON *s;
        cJSON_ArrayForEach(s, spans) cJSON_AddItemToArray(c->spans, cJSON_Duplicate(s, 1));
        cJSON_Delete(req);
        c->batches++;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return answer;
}

size_t capture_wait_spans(capture *c, size_t n, int timeout_ms)
{
    struct timespec ts = deadline_in(timeout_ms);
    pthread_mutex_lock(&c->mu);
    while ((size_t)cJSON_GetArraySize(c->spans) < n)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
    size_t got = (size_t)cJSON_GetArraySize(c->spans);
    pthread_mutex_unlock(&c->mu);
    return got;
}

bool capture_wait_blocked(capture *c, size_t n, int timeout_ms)
{
    struct timespec ts = deadline_in(timeout_ms);
    pthread_mutex_lock(&c->mu);
    while (c->blocked_calls < n)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
    bool ok = c->blocked_calls >= n;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void capture_unblock(capture *c)
{
    pthread_mutex_lock(&c->mu);
    c->block = false;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

size_t capture_count(capture *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = (size_t)cJSON_GetArraySize(c->spans);
    pthread_mutex_unlock(&c->mu);
    return n;
}

llmobs_options *capture_options(capture *c, int flush_at, double interval_s)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set_export_callback(o, capture_export, c);
    llmobs_options_set_int(o, "flush_at", flush_at);
    llmobs_options_set_double(o, "flush_interval", interval_s);
    return o;
}

const cJSON *span_attr(const cJSON *span, const char *key)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(span, "attributes"))
    {
        const cJSON *k = cJSON_GetObjectItem(a, "key");
        if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
            return cJSON_GetObjectItem(a, "value");
    }
    return NULL;
}

const char *span_attr_str(const cJSON *span, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(span_attr(span, key), "stringValue");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *find_span_by_name(const cJSON *spans, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        const cJSON *n = cJSON_GetObjectItem(s, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return s;
    }
    return NULL;
}

llmobs_client *start_client(llmobs_options *o)
{
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    if (!c) fail_msg("client: %s", llmobs_last_error());
    return c;
}

uint64_t client_stat(llmobs_client *c, llmobs_stat s)
{
    uint64_t v = 0;
    assert_int_equal(llmobs_stats_get(c, s, &v), LLMOBS_OK);
    return v;
}

uint64_t client_dropped(llmobs_client *c, llmobs_drop_reason r)
{
    uint64_t v = 0;
    assert_int_equal(llmobs_stats_dropped(c, r, &v), LLMOBS_OK);
    return v;
}
