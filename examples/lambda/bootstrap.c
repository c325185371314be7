/* An AWS Lambda custom runtime ("bootstrap") that traces every invocation with llmobs.
 *
 * The loop follows the Lambda Runtime API:
 *   GET  /2018-06-01/runtime/invocation/next          -> event + Lambda-Runtime-* headers
 *   (handle the event, traced)
 *   llmobs_flush(deadline - now - margin)              <- BEFORE answering: once the response
 *                                                         is posted the sandbox may freeze
 *   POST /2018-06-01/runtime/invocation/{id}/response  (or /error when the handler failed)
 * SIGTERM (sent when the environment shuts down) stops the loop, even while it waits for the
 * next event, and llmobs_shutdown flushes within LLMOBS_LAMBDA_SHUTDOWN_MS (default 300 ms).
 *
 * Environment: AWS_LAMBDA_RUNTIME_API (host:port, set by Lambda), the llmobs options
 * (LANGFUSE_*, OTEL_EXPORTER_OTLP_*, LLMOBS_*), LLMOBS_LAMBDA_FLUSH_MARGIN_MS (default 200:
 * time kept back from the invocation deadline for posting the response).
 *
 * The handler is a stand-in for an LLM call: it answers {"answer": ...}; an event containing
 * "fail": true makes it fail, which is reported to /error and marks the span level ERROR. */
#define _POSIX_C_SOURCE 200809L

#include <llmobs/llmobs.h>

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *data;
    size_t len;
} buf;

typedef struct invocation {
    char request_id[128];
    int64_t deadline_ms; /* epoch ms; 0 when the header was missing */
    buf event;
} invocation;

static atomic_int stop_requested;
static CURLM *g_multi; /* the /next request runs here so SIGTERM can wake it */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, add);
    b->len += add;
    d[b->len] = '\0';
    b->data = d;
    return add;
}

/* Copies the value of header `name` out of one "Name: value\r\n" line. */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return 0;
    const char *v = line + nl + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vl = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
    memcpy(out, v, vl);
    out[vl] = '\0';
    return 1;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    invocation *inv = ud;
    size_t len = size * n;
    char tmp[64];
    header_value(p, len, "Lambda-Runtime-Aws-Request-Id", inv->request_id, sizeof inv->request_id);
    if (header_value(p, len, "Lambda-Runtime-Deadline-Ms", tmp, sizeof tmp))
        inv->deadline_ms = strtoll(tmp, NULL, 10);
    return len;
}

static void *signal_waiter(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    if (sigwait(set, &sig) == 0) {
        atomic_store(&stop_requested, 1);
        curl_multi_wakeup(g_multi);
    }
    return NULL;
}

/* Waits for the next event. 0: got one; 1: SIGTERM arrived; -1: the Runtime API failed. */
static int next_invocation(const char *api, invocation *inv)
{
    char url[512];
    snprintf(url, sizeof url, "http://%s/2018-06-01/runtime/invocation/next", api);
    memset(inv, 0, sizeof *inv);
    CURL *e = curl_easy_init();
    if (!e) return -1;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &inv->event);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, inv);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(g_multi, e);
    int running = 1, rc = -1;
    while (running && !atomic_load(&stop_requested)) {
        if (curl_multi_perform(g_multi, &running) != CURLM_OK) break;
        if (running) curl_multi_poll(g_multi, NULL, 0, 1000, NULL); /* woken by SIGTERM */
    }
    if (atomic_load(&stop_requested)) {
        rc = 1;
    } else {
        int left = 0;
        CURLMsg *m;
        while ((m = curl_multi_info_read(g_multi, &left))) {
            long code = 0;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            if (m->msg == CURLMSG_DONE && m->data.result == CURLE_OK && code == 200 &&
                inv->request_id[0])
                rc = 0;
            else
                fprintf(stderr, "bootstrap: /next failed: %s (HTTP %ld)\n",
                        curl_easy_strerror(m->data.result), code);
        }
    }
    curl_multi_remove_handle(g_multi, e);
    curl_easy_cleanup(e);
    if (rc != 0) free(inv->event.data), inv->event.data = NULL;
    return rc;
}

static long post(const char *api, const char *path, const char *body)
{
    char url[768];
    snprintf(url, sizeof url, "http://%s/2018-06-01/runtime/%s", api, path);
    CURL *e = curl_easy_init();
    if (!e) return 0;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    buf sink = {0};
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    long code = 0;
    if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    free(sink.data);
    return code;
}

/* The traced handler. Writes the JSON response (or the error message) into `out`.
 * Returns 0 on success, -1 when the handler failed. */
static int handle(llmobs_client *client, const invocation *inv, char *trace_id, char *out,
                  size_t cap)
{
    const char *event = inv->event.data ? inv->event.data : "";
    llmobs_trace *t = llmobs_trace_start(client, "lambda-invocation", NULL);
    llmobs_trace_id(t, trace_id, 33);
    llmobs_trace_set_metadata(t, "aws_request_id", inv->request_id);
    if (llmobs_trace_set_input_json(t, event) != LLMOBS_OK) llmobs_trace_set_input(t, event);

    llmobs_obs *gen = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(gen, "gpt-4o-mini");
    llmobs_obs_set_input(gen, event);
    int failed = strstr(event, "\"fail\": true") || strstr(event, "\"fail\":true");
    if (failed) {
        snprintf(out, cap, "the model call failed (event asked for it)");
        llmobs_obs_set_level(gen, LLMOBS_LEVEL_ERROR);
        llmobs_obs_set_status_message(gen, out);
    } else {
        snprintf(out, cap, "{\"answer\":\"ok\",\"request_id\":\"%s\",\"trace_id\":\"%s\"}",
                 inv->request_id, trace_id);
        llmobs_obs_set_output_json(gen, out);
        llmobs_obs_set_usage(gen, 120, 16);
    }
    llmobs_obs_end(gen);
    llmobs_trace_set_output(t, failed ? "error" : "ok");
    llmobs_trace_end(t);
    return failed ? -1 : 0;
}

static int64_t env_ms(const char *name, int64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : dflt;
}

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !*api) {
        fprintf(stderr, "bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n");
        return 2;
    }
    int64_t margin_ms = env_ms("LLMOBS_LAMBDA_FLUSH_MARGIN_MS", 200);
    int64_t shutdown_ms = env_ms("LLMOBS_LAMBDA_SHUTDOWN_MS", 300);

    /* Block SIGTERM before any thread starts (the flusher inherits the mask), then take it
     * synchronously on a thread of our own. */
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_multi = curl_multi_init();
    pthread_t waiter;
    pthread_create(&waiter, NULL, signal_waiter, &set);

    llmobs_options *opts = llmobs_options_new();
    const char *fn = getenv("AWS_LAMBDA_FUNCTION_NAME");
    if (fn && *fn && !getenv("OTEL_SERVICE_NAME")) llmobs_options_set(opts, "service_name", fn);
    llmobs_status st = LLMOBS_OK;
    llmobs_client *client = llmobs_client_new(opts, &st); /* created once, reused warm */
    if (!client) {
        char body[512];
        snprintf(body, sizeof body, "{\"errorMessage\":\"llmobs: %s\",\"errorType\":\"InitError\"}",
                 llmobs_status_name(st));
        post(api, "init/error", body);
        return 1;
    }

    int rc = 0;
    for (;;) {
        invocation inv;
        int got = next_invocation(api, &inv);
        if (got == 1) break;
        if (got < 0) {
            rc = 1;
            break;
        }
        char trace_id[33] = "", out[1024], path[256];
        int failed = handle(client, &inv, trace_id, out, sizeof out);

        /* Flush before answering: after the response the sandbox may be frozen. */
        int64_t now_ms = llmobs_now_ns() / 1000000;
        int64_t budget = inv.deadline_ms ? inv.deadline_ms - now_ms - margin_ms : 2000;
        if (budget < 0) budget = 0;
        uint64_t pending = 0;
        llmobs_status fs = llmobs_flush(client, budget, &pending);
        int64_t took = llmobs_now_ns() / 1000000 - now_ms;
        printf("invocation %s trace %s: flush %s in %lld ms (budget %lld ms), pending %llu\n",
               inv.request_id, trace_id, llmobs_status_name(fs), (long long)took, (long long)budget,
               (unsigned long long)pending);
        fflush(stdout);

        long code;
        if (failed) {
            char body[1200];
            snprintf(body, sizeof body, "{\"errorMessage\":\"%s\",\"errorType\":\"HandlerError\"}",
                     out);
            snprintf(path, sizeof path, "invocation/%s/error", inv.request_id);
            code = post(api, path, body);
        } else {
            snprintf(path, sizeof path, "invocation/%s/response", inv.request_id);
            code = post(api, path, out);
        }
        if (code != 202) fprintf(stderr, "bootstrap: posting %s got HTTP %ld\n", path, code);
        free(inv.event.data);
    }

    int64_t t0 = llmobs_now_ns();
    llmobs_status ss = llmobs_shutdown(client, shutdown_ms);
    printf("shutdown: %s in %lld ms\n", llmobs_status_name(ss),
           (long long)((llmobs_now_ns() - t0) / 1000000));
    fflush(stdout);
    if (atomic_load(&stop_requested)) { /* the waiter is done with g_multi */
        pthread_join(waiter, NULL);
        curl_multi_cleanup(g_multi);
        curl_global_cleanup();
    }
    return rc;
}
