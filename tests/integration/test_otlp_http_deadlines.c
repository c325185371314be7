/* OTLP/HTTP exporter under pressure: flush and shutdown deadlines with a server that never
 * answers, many threads against a slow receiver, and secrets kept out of every log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "capture.h"
#include "receiver.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How late a deadline may be met: scheduling on a loaded machine. */
#define MARGIN_MS test_slack_ms(250)

static void
flush_returns_by_its_deadline_with_the_pending_count_when_server_never_answers(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.delay_ms = 60000});
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set(o, "timeout", "30");
    llmobs_client *c = start_client(o);
    make_traces(c, 3);
    uint64_t pending = 0;
    int64_t t0 = test_mono_ms();
    assert_int_equal(llmobs_flush(c, 300, &pending), LLMOBS_ETIMEOUT);
    int64_t elapsed = test_mono_ms() - t0;
    print_message("flush(300 ms) against a silent server returned after %lld ms\n",
                  (long long)elapsed);
    assert_true(elapsed >= 299);
    assert_true(elapsed < 300 + MARGIN_MS);
    assert_int_equal(pending, 6);
    assert_int_equal(receiver_wait_inflight(r, 1, 5000), 1); /* the request is really out */
    t0 = test_mono_ms();
    assert_int_equal(llmobs_shutdown(c, 200), LLMOBS_ETIMEOUT);
    assert_true(test_mono_ms() - t0 < 200 + MARGIN_MS);
    receiver_stop(r);
}

static void shutdown_returns_by_its_deadline_while_a_request_is_in_flight(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.delay_ms = 60000});
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set(o, "timeout", "30");
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    llmobs_flush(c, 0, NULL); /* start sending, do not wait */
    assert_int_equal(receiver_wait_inflight(r, 1, 5000), 1);
    int64_t t0 = test_mono_ms();
    assert_int_equal(llmobs_shutdown(c, 400), LLMOBS_ETIMEOUT);
    int64_t elapsed = test_mono_ms() - t0;
    print_message("shutdown(400 ms) with a request in flight returned after %lld ms\n",
                  (long long)elapsed);
    assert_true(elapsed < 400 + MARGIN_MS);
    receiver_stop(r);
}

typedef struct worker_arg {
    llmobs_client *c;
    int traces;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    make_traces(w->c, w->traces);
    return NULL;
}

static void many_threads_against_a_slow_receiver_lose_and_double_nothing(void **state)
{
    (void)state;
    enum { THREADS = 8, TRACES = 150 }; /* 2 spans per trace: 2400 spans */
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.delay_ms = 15});
    llmobs_client *c = start_client(receiver_options(r, NULL, 50));
    pthread_t th[THREADS];
    worker_arg w = {c, TRACES};
    int64_t t0 = test_mono_ms();
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, worker, &w);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(llmobs_flush(c, 60000, NULL), LLMOBS_OK);
    int64_t elapsed = test_mono_ms() - t0;
    const size_t want = (size_t)THREADS * TRACES * 2;
    print_message("%zu spans from %d threads delivered in %lld ms in %zu requests\n", want, THREADS,
                  (long long)elapsed, receiver_request_count(r));
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), want);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), want);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    assert_int_equal(receiver_span_count(r), want);
    cJSON *spans = receiver_accepted_spans(r);
    cJSON *seen = cJSON_CreateObject();
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
        if (cJSON_GetObjectItem(seen, id)) fail_msg("span %s arrived twice", id);
        cJSON_AddTrueToObject(seen, id);
    }
    assert_int_equal(cJSON_GetArraySize(seen), want);
    cJSON_Delete(seen);
    cJSON_Delete(spans);
    llmobs_shutdown(c, 5000);
    receiver_stop(r);
}

static void assert_log_free_of(logcap *lc, const char *const *secrets, size_t n)
{
    assert_true(logcap_lines(lc) > 0);
    for (size_t i = 0; i < logcap_lines(lc); i++) {
        char *line = logcap_line(lc, i);
        for (size_t k = 0; k < n; k++)
            if (strstr(line, secrets[k])) fail_msg("secret '%s' in log line: %s", secrets[k], line);
        free(line);
    }
}

static void secrets_never_appear_in_log_lines_even_at_debug_level(void **state)
{
    (void)state;
    /* Both servers echo the Authorization header back in their error message. */
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    receiver_set_default(lf, (recv_answer){.status = 401, .echo_auth = true});
    receiver_push(ot, (recv_answer){.status = 503, .echo_auth = true, .retry_after = "0"});
    receiver_set_default(ot, (recv_answer){.status = 403, .echo_auth = true});
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = receiver_options(lf, &lc, 100);
    llmobs_options_set(o, "otlp_endpoint", receiver_url(ot));
    llmobs_options_set(o, "otlp_headers", "Authorization=Bearer%20otlp-token-XYZ-123");
    llmobs_client *c = start_client(o);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 5000);
    /* the servers did see the credentials, and the messages were logged, redacted */
    assert_non_null(
        strstr(recv_header(receiver_request(ot, 0), "authorization"), "otlp-token-XYZ-123"));
    assert_true(
        logcap_count(&lc, "langfuse: HTTP 401: bad credentials: Basic ***", LLMOBS_LOG_DEBUG) >= 1);
    assert_true(logcap_count(&lc, "otlp: HTTP 403: bad credentials: ***", LLMOBS_LOG_DEBUG) >= 1);
    static const char *const secrets[] = {
        TEST_SECRET_KEY, "TOPSECRET", "cGstbGYtMTIzNDU2Nzg5MDpzay1sZi1UT1BTRUNSRVQtMDk4NzY1NDMyMQ",
        "otlp-token-XYZ-123"};
    assert_log_free_of(&lc, secrets, sizeof secrets / sizeof *secrets);
    logcap_destroy(&lc);
    receiver_stop(lf);
    receiver_stop(ot);
}

static void a_secret_straddling_the_message_cut_is_not_partly_logged(void **state)
{
    (void)state;
    /* The server's message is shortened to 160 bytes for the log; a secret starting just
     * before the cut must be redacted as a whole, not cut first and then missed. */
    char body[400];
    snprintf(body, sizeof body, "{\"message\":\"%0150d %s\"}", 0, TEST_SECRET_KEY);
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 400, .body = body});
    logcap lc;
    logcap_init(&lc);
    llmobs_client *c = start_client(receiver_options(r, &lc, 100));
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 5000);
    assert_true(logcap_count(&lc, "HTTP 400", LLMOBS_LOG_ERROR) >= 1);
    static const char *const secrets[] = {"sk-lf-T", "TOPSECRET"};
    assert_log_free_of(&lc, secrets, 2);
    logcap_destroy(&lc);
    receiver_stop(r);
}

static void secret_in_a_url_never_appears_in_log_lines(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    int port = receiver_port(r);
    receiver_stop(r); /* connection refused: curl's error text is logged */
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = receiver_options(NULL, &lc, 100);
    char url[128];
    snprintf(url, sizeof url, "http://user:url-password-777@127.0.0.1:%d/otel", port);
    llmobs_options_set(o, "otlp_endpoint", url);
    llmobs_options_set(o, "public_key", "");
    llmobs_options_set(o, "retry_deadline", "0.5");
    llmobs_client *c = start_client(o);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    assert_true(client_stat(c, LLMOBS_STAT_RETRIES) >= 1);
    llmobs_shutdown(c, 5000);
    assert_true(logcap_count(&lc, "giving up", LLMOBS_LOG_ERROR) >= 1);
    static const char *const secrets[] = {"url-password-777"};
    assert_log_free_of(&lc, secrets, 1);
    logcap_destroy(&lc);
}

static void tls_insecure_logs_one_warning(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    logcap lc;
    logcap_init(&lc);
    llmobs_options *o = receiver_options(r, &lc, 100);
    llmobs_options_set(o, "tls_insecure", "true");
    llmobs_client *c = start_client(o);
    make_traces(c, 3);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 5000);
    assert_int_equal(logcap_count(&lc, "NOT verified", LLMOBS_LOG_WARN), 1);
    logcap_destroy(&lc);
    receiver_stop(r);
}

/* A self-signed certificate for 127.0.0.1, made with the openssl tool into `dir`. */
static bool make_cert(char *dir, char **cert, char **key)
{
    if (!mkdtemp(dir)) return false;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
             ">/dev/null 2>&1",
             dir, dir);
    if (system(cmd) != 0) return false;
    char path[512];
    char **out[2] = {cert, key};
    const char *names[2] = {"cert.pem", "key.pem"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        if (!f) return false;
        *out[i] = calloc(1, 16384);
        size_t n = fread(*out[i], 1, 16383, f);
        fclose(f);
        if (!n) return false;
    }
    return true;
}

/* Delivers 1 trace to `r` with the TLS options given; returns spans exported. */
static uint64_t send_over_tls(receiver *r, const char *ca_bundle, bool insecure, logcap *lc)
{
    llmobs_options *o = receiver_options(r, lc, 100);
    if (ca_bundle) llmobs_options_set(o, "ca_bundle", ca_bundle);
    if (insecure) llmobs_options_set(o, "tls_insecure", "true");
    llmobs_options_set(o, "retry_deadline", "0.5");
    llmobs_client *c = start_client(o);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    uint64_t exported = client_stat(c, LLMOBS_STAT_EXPORTED);
    llmobs_shutdown(c, 5000);
    return exported;
}

static void tls_verifies_certificates_unless_told_otherwise(void **state)
{
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0) skip();
    char dir[] = "/tmp/llmobs-tls-XXXXXX";
    char *cert = NULL, *key = NULL;
    assert_true(make_cert(dir, &cert, &key));
    receiver *r = receiver_start_tls(0, cert, key);
    assert_non_null(r);
    logcap lc;
    logcap_init(&lc);
    /* 1. default: a self-signed certificate is refused, nothing is sent */
    assert_int_equal(send_over_tls(r, NULL, false, &lc), 0);
    assert_int_equal(receiver_span_count(r), 0);
    assert_true(logcap_count(&lc, "certificate", LLMOBS_LOG_ERROR) >= 1); /* why: logged */
    assert_int_equal(logcap_count(&lc, "NOT verified", LLMOBS_LOG_WARN), 0);
    /* 2. with the certificate as CA bundle it is trusted */
    char ca[512];
    snprintf(ca, sizeof ca, "%s/cert.pem", dir);
    assert_int_equal(send_over_tls(r, ca, false, &lc), 2);
    assert_int_equal(receiver_span_count(r), 2);
    /* 3. tls_insecure skips verification, with one warning */
    assert_int_equal(send_over_tls(r, NULL, true, &lc), 2);
    assert_int_equal(receiver_span_count(r), 4);
    assert_int_equal(logcap_count(&lc, "NOT verified", LLMOBS_LOG_WARN), 1);
    receiver_stop(r);
    logcap_destroy(&lc);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cert);
    free(key);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            flush_returns_by_its_deadline_with_the_pending_count_when_server_never_answers),
        cmocka_unit_test(shutdown_returns_by_its_deadline_while_a_request_is_in_flight),
        cmocka_unit_test(many_threads_against_a_slow_receiver_lose_and_double_nothing),
        cmocka_unit_test(secrets_never_appear_in_log_lines_even_at_debug_level),
        cmocka_unit_test(a_secret_straddling_the_message_cut_is_not_partly_logged),
        cmocka_unit_test(secret_in_a_url_never_appears_in_log_lines),
        cmocka_unit_test(tls_insecure_logs_one_warning),
        cmocka_unit_test(tls_verifies_certificates_unless_told_otherwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
