#include "fake_http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct fake_http {
    struct MHD_Daemon *daemon;
    char url[64];
    fake_handler fn;
    void *ud;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    fake_request **reqs;
    size_t n, cap;
};

typedef struct conn {
    char *body;
    size_t len, cap;
} conn;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    cJSON *o = cls;
    char lower[128];
    snprintf(lower, sizeof lower, "%s", key);
    cJSON_AddStringToObject(o, lower, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    char lower[128];
    size_t i = 0;
    for (; key[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)key[i]);
    lower[i] = 0;
    cJSON_AddStringToObject(cls, lower, value ? value : "");
    return MHD_YES;
}

static void wait_delay(fake_http *s, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0) {
    }
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **ptr)
{
    (void)version;
    fake_http *s = cls;
    conn *st = *ptr;
    if (!st) {
        *ptr = calloc(1, sizeof(conn));
        return *ptr ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (st->len + *upload_size + 1 > st->cap) {
            st->cap = (st->len + *upload_size + 1) * 2;
            st->body = realloc(st->body, st->cap);
        }
        memcpy(st->body + st->len, upload, *upload_size);
        st->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    fake_request *rq = calloc(1, sizeof *rq);
    snprintf(rq->method, sizeof rq->method, "%s", method);
    snprintf(rq->path, sizeof rq->path, "%s", url);
    rq->args = cJSON_CreateObject();
    rq->headers = cJSON_CreateObject();
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, rq->args);
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, rq->headers);
    rq->body = malloc(st->len + 1);
    if (st->len) memcpy(rq->body, st->body, st->len);
    rq->body[st->len] = 0;
    fake_reply rp = {200, NULL, "", 0};
    s->fn(s->ud, rq, &rp);
    if (rp.delay_ms > 0) wait_delay(s, rp.delay_ms);
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->reqs = realloc(s->reqs, s->cap * sizeof *s->reqs);
    }
    s->reqs[s->n++] = rq;
    pthread_mutex_unlock(&s->mu);
    char *body = rp.body ? rp.body : strdup("{}");
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (rp.retry_after[0]) MHD_add_response_header(r, "Retry-After", rp.retry_after);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rp.status, r);
    MHD_destroy_response(r);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **ptr,
                      enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    conn *st = *ptr;
    if (st) free(st->body);
    free(st);
    *ptr = NULL;
}

fake_http *fake_http_start(fake_handler fn, void *ud)
{
    fake_http *s = calloc(1, sizeof *s);
    s->fn = fn;
    s->ud = ud;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                     MHD_USE_POLL,
                                 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, completed,
                                 s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", (unsigned)info->port);
    return s;
}

void fake_http_stop(fake_http *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    MHD_stop_daemon(s->daemon);
    for (size_t i = 0; i < s->n; i++) {
        cJSON_Delete(s->reqs[i]->args);
        cJSON_Delete(s->reqs[i]->headers);
        free(s->reqs[i]->body);
        free(s->reqs[i]);
    }
    free(s->reqs);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

const char *fake_http_url(const fake_http *s)
{
    return s->url;
}

size_t fake_http_count(fake_http *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const fake_request *fake_http_request(fake_http *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const fake_request *r = i < s->n ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

const char *fake_header(const fake_request *rq, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rq->headers, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *fake_arg(const fake_request *rq, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rq->args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int fake_unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0) close(fd);
        return 1;
    }
    close(fd);
    return ntohs(a.sin_port);
}
