#include "receiver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define MAX_SCRIPT 64

typedef struct answer_slot {
    int status;
    char *retry_after;
    char *body;
    int delay_ms;
    recv_drop drop;
    bool echo_auth;
} answer_slot;

struct receiver {
    struct MHD_Daemon *daemon;
    int port;
    char url[64];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled on every change */
    bool stopping;
    answer_slot script[MAX_SCRIPT];
    size_t script_head, script_len;
    answer_slot dflt;
    int max_spans;
    recv_responder responder;
    void *responder_ud;
    recv_request **reqs;
    size_t nreqs, cap;
    size_t inflight;
    size_t spans_accepted;
    size_t connections, open_connections;
    bool faults_on;
    recv_faults faults;
    char *fault_retry_after;
    uint64_t rng;       /* draws the fault of each request, in arrival order */
    uint64_t event_rng; /* draws per-event answers, so they do not shift the faults' sequence */
};

/* One TCP connection (MHD's socket context): the last request on it answered 2xx, until the
 * client sends another request on the connection, which tells that it read that answer. */
typedef struct socket_state {
    recv_request *answered;
} socket_state;

typedef struct conn_state {
    socket_state *socket;
    int fault;
    recv_request *q;
    answer_slot a;
    bool scripted;
    char *raw;
    size_t raw_len, raw_cap;
    bool recorded;
} conn_state;

int64_t test_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t test_slack_ms(int64_t ms)
{
    const char *s = getenv("LLMOBS_TEST_TIME_SCALE");
    long scale = s && *s ? strtol(s, NULL, 10) : 1;
    return ms * (scale > 1 ? scale : 1);
}

static struct timespec mono_in(int64_t at_ms)
{
    struct timespec ts = {(time_t)(at_ms / 1000), (long)(at_ms % 1000) * 1000000};
    return ts;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static answer_slot slot_from(recv_answer a)
{
    return (answer_slot){
        a.status, dup_or_null(a.retry_after), dup_or_null(a.body), a.delay_ms, a.drop, a.echo_auth};
}

static void slot_free(answer_slot *s)
{
    free(s->retry_after);
    free(s->body);
    *s = (answer_slot){0};
}

/* ---- parsing helpers ---------------------------------------------------------------------- */

static bool gunzip(const char *in, size_t len, char **out, size_t *out_len)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 32) != Z_OK) return false;
    size_t cap = len * 4 + 64, n = 0;
    char *buf = malloc(cap + 1);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    int rc = Z_OK;
    while (buf && rc == Z_OK) {
        if (n == cap) {
            char *b = realloc(buf, cap * 2 + 1);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
        z.next_out = (Bytef *)buf + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || !buf) {
        free(buf);
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return true;
}

static int count_spans_json(const cJSON *req)
{
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(req, "resourceSpans");
    if (!cJSON_IsArray(rs)) return -1;
    int n = 0;
    const cJSON *r, *ss, *sp;
    cJSON_ArrayForEach(r, rs)
    {
        cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(r, "scopeSpans"))
        {
            cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(ss, "spans")) n++;
        }
    }
    return n;
}

int otlp_count_spans(const char *json, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(json, len);
    int n = count_spans_json(j);
    cJSON_Delete(j);
    return n;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    cJSON *h = cls;
    char name[128];
    size_t i = 0;
    for (; key[i] && i + 1 < sizeof name; i++)
        name[i] = (char)tolower((unsigned char)key[i]);
    name[i] = '\0';
    cJSON_DeleteItemFromObjectCaseSensitive(h, name);
    cJSON_AddStringToObject(h, name, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    cJSON *a = cls;
    cJSON_DeleteItemFromObjectCaseSensitive(a, key);
    cJSON_AddStringToObject(a, key, value ? value : "");
    return MHD_YES;
}

const char *recv_arg(const recv_request *q, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(q->args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *recv_header(const recv_request *q, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(q->headers, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the handler ------------------------------------------------------------------------ */

static void record(receiver *r, conn_state *st, int status)
{
    recv_request *q = st->q;
    q->status = status;
    q->fault = st->fault;
    q->end_ms = test_mono_ms();
    pthread_mutex_lock(&r->mu);
    if (r->nreqs == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        recv_request **p = realloc(r->reqs, cap * sizeof *p);
        if (!p) abort();
        r->reqs = p;
        r->cap = cap;
    }
    r->reqs[r->nreqs++] = q;
    if (status >= 200 && status < 300 && q->spans > 0) r->spans_accepted += (size_t)q->spans;
    if (st->socket && status >= 200 && status < 300 && !q->reply_lost) st->socket->answered = q;
    r->inflight--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    st->q = NULL;
    st->recorded = true;
}

static void decode_body(conn_state *st)
{
    recv_request *q = st->q;
    q->wire_len = st->raw_len;
    const char *enc = recv_header(q, "content-encoding");
    q->gunzip_ok = true;
    if (enc && strcmp(enc, "gzip") == 0) {
        if (!gunzip(st->raw ? st->raw : "", st->raw_len, &q->body, &q->len)) {
            q->gunzip_ok = false;
            q->body = NULL;
        }
    }
    if (!q->body) {
        q->body = malloc(st->raw_len + 1);
        if (!q->body) abort();
        if (st->raw_len) memcpy(q->body, st->raw, st->raw_len);
        q->body[st->raw_len] = '\0';
        q->len = st->raw_len;
    }
    q->spans = otlp_count_spans(q->body, q->len);
}

/* Waits `ms` or until the receiver stops. */
static void delay(receiver *r, int ms)
{
    int64_t until = test_mono_ms() + ms;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping && test_mono_ms() < until) {
        struct timespec ts = mono_in(until);
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    pthread_mutex_unlock(&r->mu);
}

/* A draw in [0, 1000) from a seeded generator (r->mu held). */
static int draw_per_mille(uint64_t *rng)
{
    *rng ^= *rng << 13; /* xorshift64 */
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return (int)(*rng % 1000);
}

/* Draws the fault of a new request and the answer that goes with it (r->mu held). */
static int draw_fault(receiver *r, answer_slot *a)
{
    int u = draw_per_mille(&r->rng), acc = 0, f = RECV_FAULT_NONE;
    for (int i = 1; i < RECV_FAULT_COUNT && f == RECV_FAULT_NONE; i++) {
        acc += r->faults.per_mille[i];
        if (u < acc) f = i;
    }
    *a = (answer_slot){0};
    switch (f) {
    case RECV_FAULT_500:
        a->status = 500;
        break;
    case RECV_FAULT_503:
        a->status = 503;
        break;
    case RECV_FAULT_429:
        a->status = 429;
        a->retry_after = dup_or_null(r->fault_retry_after);
        break;
    case RECV_FAULT_413:
        a->status = 413;
        break;
    case RECV_FAULT_SLOW:
        a->delay_ms = r->faults.slow_ms;
        break;
    case RECV_FAULT_RESET_HEADERS:
        a->drop = RECV_DROP_AT_HEADERS;
        break;
    case RECV_FAULT_RESET_BODY:
        a->drop = RECV_DROP_MID_BODY;
        break;
    case RECV_FAULT_RESET_AFTER:
        a->drop = RECV_DROP_AFTER_BODY;
        break;
    case RECV_FAULT_ACCEPT_RESET:
        a->drop = RECV_DROP_AFTER_ACCEPT;
        break;
    case RECV_FAULT_TIMEOUT:
        a->delay_ms = r->faults.timeout_ms;
        a->drop = RECV_DROP_AFTER_BODY;
        break;
    default:
        break;
    }
    return f;
}

/* ---- ingestion requests in fault mode ------------------------------------------------------- */

char *recv_ingestion_reply(size_t n, char *const *ids, const int *status,
                           const char *const *messages)
{
    cJSON *reply = cJSON_CreateObject();
    cJSON *ok = cJSON_AddArrayToObject(reply, "successes");
    cJSON *errors = cJSON_AddArrayToObject(reply, "errors");
    for (size_t i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", ids[i]);
        cJSON_AddNumberToObject(item, "status", status[i]);
        if (status[i] >= 200 && status[i] < 300) {
            cJSON_AddItemToArray(ok, item);
            continue;
        }
        const char *m = messages && messages[i] ? messages[i]
                        : status[i] >= 500      ? "Internal Server Error"
                                                : "Invalid request data";
        cJSON_AddStringToObject(item, "message", m);
        cJSON_AddItemToArray(errors, item);
    }
    char *text = cJSON_PrintUnformatted(reply);
    cJSON_Delete(reply);
    if (!text) abort();
    return text;
}

/* Records the event ids of an ingestion request (statuses 0 until answered). */
static void read_events(recv_request *q)
{
    if (strcmp(q->path, RECV_INGESTION_PATH) != 0) return;
    cJSON *j = cJSON_ParseWithLength(q->body, q->len);
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(j, "batch");
    int n = cJSON_IsArray(batch) ? cJSON_GetArraySize(batch) : 0;
    if (n > 0) {
        q->event_ids = calloc((size_t)n, sizeof *q->event_ids);
        q->event_status = calloc((size_t)n, sizeof *q->event_status);
        if (!q->event_ids || !q->event_status) abort();
        const cJSON *ev;
        cJSON_ArrayForEach(ev, batch)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "id");
            q->event_ids[q->nevents] = strdup(cJSON_IsString(id) ? id->valuestring : "");
            if (!q->event_ids[q->nevents]) abort();
            q->nevents++;
        }
    }
    cJSON_Delete(j);
}

/* Accepts every event of an ingestion request, or under RECV_FAULT_207 draws each one's
 * answer. */
static void answer_events(receiver *r, recv_request *q, int fault)
{
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < q->nevents; i++) {
        int st = 201;
        if (fault == RECV_FAULT_207) {
            int u = draw_per_mille(&r->event_rng), e5 = r->faults.event_5xx_per_mille;
            if (u < e5)
                st = u % 2 ? 503 : 500;
            else if (u < e5 + r->faults.event_4xx_per_mille)
                st = u % 2 ? 404 : 400;
        }
        q->event_status[i] = st;
    }
    pthread_mutex_unlock(&r->mu);
}

void receiver_set_faults(receiver *r, const recv_faults *f)
{
    pthread_mutex_lock(&r->mu);
    free(r->fault_retry_after);
    r->fault_retry_after = NULL;
    r->faults_on = f != NULL;
    if (f) {
        r->faults = *f;
        r->faults.retry_after = NULL;
        r->fault_retry_after = dup_or_null(f->retry_after);
        r->rng = f->seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
        r->event_rng = f->seed * UINT64_C(0xBF58476D1CE4E5B9) + 2;
    }
    pthread_mutex_unlock(&r->mu);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)version;
    receiver *r = cls;
    conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        recv_request *q = calloc(1, sizeof *q);
        if (!st || !q) abort();
        st->q = q;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        st->socket = ci ? ci->socket_context : NULL;
        q->start_ms = test_mono_ms();
        snprintf(q->method, sizeof q->method, "%s", method);
        snprintf(q->path, sizeof q->path, "%s", url);
        q->headers = cJSON_CreateObject();
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, q->headers);
        q->args = cJSON_CreateObject();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, q->args);
        pthread_mutex_lock(&r->mu);
        r->inflight++;
        if (st->socket) st->socket->answered = NULL; /* the client read the previous answer */
        if (r->script_len) {
            st->a = r->script[r->script_head];
            st->scripted = true;
            r->script_head = (r->script_head + 1) % MAX_SCRIPT;
            r->script_len--;
        } else if (r->faults_on) {
            st->fault = draw_fault(r, &st->a);
        } else {
            st->a = (answer_slot){r->dflt.status,
                                  dup_or_null(r->dflt.retry_after),
                                  dup_or_null(r->dflt.body),
                                  r->dflt.delay_ms,
                                  r->dflt.drop,
                                  r->dflt.echo_auth};
        }
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        *con_cls = st;
        if (st->a.drop == RECV_DROP_AT_HEADERS) {
            decode_body(st);
            record(r, st, 0);
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (st->recorded) return MHD_NO;
    if (*upload_data_size) {
        if (st->a.drop == RECV_DROP_MID_BODY) {
            decode_body(st);
            record(r, st, 0);
            return MHD_NO;
        }
        if (st->raw_len + *upload_data_size > st->raw_cap) {
            size_t cap = (st->raw_len + *upload_data_size) * 2;
            char *p = realloc(st->raw, cap);
            if (!p) abort();
            st->raw = p;
            st->raw_cap = cap;
        }
        memcpy(st->raw + st->raw_len, upload_data, *upload_data_size);
        st->raw_len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    decode_body(st);
    recv_request *q = st->q;
    int status = st->a.status ? st->a.status : 200;
    pthread_mutex_lock(&r->mu);
    int max_spans = r->max_spans;
    recv_responder responder = st->scripted ? NULL : r->responder;
    void *responder_ud = r->responder_ud;
    bool per_event = r->faults_on && !st->scripted && !responder;
    pthread_mutex_unlock(&r->mu);
    if (per_event) read_events(q);
    if (!st->a.status && max_spans && q->spans > max_spans) status = 413;
    if (st->a.delay_ms) delay(r, st->a.delay_ms);
    if (st->a.drop == RECV_DROP_AFTER_BODY) {
        record(r, st, 0);
        return MHD_NO;
    }
    if (st->a.drop == RECV_DROP_AFTER_ACCEPT) {
        answer_events(r, q, RECV_FAULT_NONE);
        q->reply_lost = true;
        record(r, st, 200);
        return MHD_NO;
    }
    char echo[1024];
    char *computed = responder ? responder(q, &status, responder_ud) : NULL;
    if (q->nevents && status >= 200 && status < 300) {
        answer_events(r, q, st->fault);
        computed = recv_ingestion_reply(q->nevents, q->event_ids, q->event_status, NULL);
        status = 207;
    }
    const char *body = computed ? computed : st->a.body ? st->a.body : "{}";
    if (st->a.echo_auth) {
        const char *auth = recv_header(q, "authorization");
        snprintf(echo, sizeof echo, "{\"error\":\"bad credentials: %s\"}", auth ? auth : "");
        body = echo;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (st->a.retry_after) MHD_add_response_header(resp, "Retry-After", st->a.retry_after);
    /* Recorded before queueing, so a client that sees the answer sees the record too. */
    record(r, st, status);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    free(computed);
    return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)toe;
    receiver *r = cls;
    conn_state *st = *con_cls;
    if (!st) return;
    if (!st->recorded) { /* the client went away mid-request */
        decode_body(st);
        record(r, st, 0);
    }
    free(st->raw);
    slot_free(&st->a);
    free(st);
    *con_cls = NULL;
}

/* A client that gives up on a request (its timeout) closes the connection, whether or not
 * the answer was already on its way: the server cannot tell if it was read. So a 2xx answer
 * that is the last on a connection closed without another request is recorded reply_lost,
 * however fast it was sent. (A client closing after reading the answer is counted too: the
 * record is an upper bound.) */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    receiver *r = cls;
    pthread_mutex_lock(&r->mu);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        r->connections++;
        r->open_connections++;
        *socket_context = calloc(1, sizeof(socket_state));
        if (!*socket_context) abort();
    } else {
        socket_state *s = *socket_context;
        if (s && s->answered) s->answered->reply_lost = true;
        free(s);
        *socket_context = NULL;
        r->open_connections--;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

size_t receiver_connection_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->connections;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* ---- lifecycle and queries ------------------------------------------------------------------ */

receiver *receiver_start(int port)
{
    return receiver_start_tls(port, NULL, NULL);
}

receiver *receiver_start_tls(int port, const char *cert_pem, const char *key_pem)
{
    receiver *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &attr);
    pthread_condattr_destroy(&attr);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    if (cert_pem) flags |= MHD_USE_TLS;
    /* TLS options are only legal on a TLS daemon: pass them through an option array that
     * ends early without a certificate. */
    struct MHD_OptionItem tls[] = {
        {cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)(uintptr_t)cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key_pem},
        {MHD_OPTION_END, 0, NULL}};
    r->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_ARRAY, tls, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_NOTIFY_COMPLETED, completed, r, MHD_OPTION_NOTIFY_CONNECTION, on_connection, r,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
    if (!r->daemon) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : port;
    snprintf(r->url, sizeof r->url, "%s://127.0.0.1:%d", cert_pem ? "https" : "http", r->port);
    return r;
}

void receiver_stop(receiver *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    MHD_stop_daemon(r->daemon);
    for (size_t i = 0; i < r->nreqs; i++) {
        cJSON_Delete(r->reqs[i]->headers);
        cJSON_Delete(r->reqs[i]->args);
        free(r->reqs[i]->body);
        for (size_t k = 0; k < r->reqs[i]->nevents; k++)
            free(r->reqs[i]->event_ids[k]);
        free(r->reqs[i]->event_ids);
        free(r->reqs[i]->event_status);
        free(r->reqs[i]);
    }
    free(r->reqs);
    while (r->script_len) {
        slot_free(&r->script[r->script_head]);
        r->script_head = (r->script_head + 1) % MAX_SCRIPT;
        r->script_len--;
    }
    slot_free(&r->dflt);
    free(r->fault_retry_after);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int receiver_port(const receiver *r)
{
    return r->port;
}

const char *receiver_url(const receiver *r)
{
    return r->url;
}

void receiver_push(receiver *r, recv_answer a)
{
    pthread_mutex_lock(&r->mu);
    if (r->script_len == MAX_SCRIPT) abort();
    r->script[(r->script_head + r->script_len++) % MAX_SCRIPT] = slot_from(a);
    pthread_mutex_unlock(&r->mu);
}

void receiver_set_default(receiver *r, recv_answer a)
{
    answer_slot s = slot_from(a);
    pthread_mutex_lock(&r->mu);
    slot_free(&r->dflt);
    r->dflt = s;
    pthread_mutex_unlock(&r->mu);
}

void receiver_set_responder(receiver *r, recv_responder fn, void *ud)
{
    pthread_mutex_lock(&r->mu);
    r->responder = fn;
    r->responder_ud = ud;
    pthread_mutex_unlock(&r->mu);
}

void receiver_set_max_spans(receiver *r, int max_spans)
{
    pthread_mutex_lock(&r->mu);
    r->max_spans = max_spans;
    pthread_mutex_unlock(&r->mu);
}

size_t receiver_request_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->nreqs;
    pthread_mutex_unlock(&r->mu);
    return n;
}

const recv_request *receiver_request(receiver *r, size_t i)
{
    pthread_mutex_lock(&r->mu);
    const recv_request *q = i < r->nreqs ? r->reqs[i] : NULL;
    pthread_mutex_unlock(&r->mu);
    return q;
}

static size_t wait_for(receiver *r, const size_t *counter, size_t n, int timeout_ms)
{
    int64_t until = test_mono_ms() + timeout_ms;
    pthread_mutex_lock(&r->mu);
    while (*counter < n && test_mono_ms() < until) {
        struct timespec ts = mono_in(until);
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    size_t got = *counter;
    pthread_mutex_unlock(&r->mu);
    return got;
}

size_t receiver_wait_requests(receiver *r, size_t n, int timeout_ms)
{
    return wait_for(r, &r->nreqs, n, timeout_ms);
}

size_t receiver_wait_inflight(receiver *r, size_t n, int timeout_ms)
{
    return wait_for(r, &r->inflight, n, timeout_ms);
}

size_t receiver_wait_open_connections(receiver *r, size_t n, int timeout_ms)
{
    int64_t until = test_mono_ms() + timeout_ms;
    pthread_mutex_lock(&r->mu);
    while (r->open_connections > n && test_mono_ms() < until) {
        struct timespec ts = mono_in(until);
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    size_t got = r->open_connections;
    pthread_mutex_unlock(&r->mu);
    return got;
}

size_t receiver_wait_spans(receiver *r, size_t n, int timeout_ms)
{
    return wait_for(r, &r->spans_accepted, n, timeout_ms);
}

size_t receiver_span_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->spans_accepted;
    pthread_mutex_unlock(&r->mu);
    return n;
}

cJSON *receiver_accepted_spans(receiver *r)
{
    cJSON *out = cJSON_CreateArray();
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->nreqs; i++) {
        const recv_request *q = r->reqs[i];
        if (q->status < 200 || q->status >= 300) continue;
        cJSON *j = cJSON_ParseWithLength(q->body, q->len);
        const cJSON *rs, *ss, *sp;
        cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(j, "resourceSpans"))
        {
            cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
            {
                cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(ss, "spans"))
                    cJSON_AddItemToArray(out, cJSON_Duplicate(sp, 1));
            }
        }
        cJSON_Delete(j);
    }
    pthread_mutex_unlock(&r->mu);
    return out;
}
