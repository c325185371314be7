/* Loud, fail-soft configuration (issue 17): what a misconfigured client logs at the default
 * level, and what strict=true turns into creation errors. Real sockets: a port held by a
 * listening socket, a local receiver answering 503, a port with nothing listening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "receiver.h"

#include <llmobs/llmobs.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    pthread_mutex_t mu;
    char lines[64][512];
    llmobs_log_level levels[64];
    int n;
} log_sink;

static void sink_fn(llmobs_log_level level, const char *message, void *ud)
{
    log_sink *s = ud;
    pthread_mutex_lock(&s->mu);
    if (s->n < 64) {
        snprintf(s->lines[s->n], sizeof s->lines[0], "%s", message);
        s->levels[s->n++] = level;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Lines at WARN or above containing `needle`. */
static int loud_lines(log_sink *s, const char *needle)
{
    int k = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++)
        if (s->levels[i] >= LLMOBS_LOG_WARN && strstr(s->lines[i], needle)) k++;
    pthread_mutex_unlock(&s->mu);
    return k;
}

static void dump(log_sink *s)
{
    for (int i = 0; i < s->n; i++)
        fprintf(stderr, "  log[%d] level %d: %s\n", i, (int)s->levels[i], s->lines[i]);
}

static llmobs_options *quiet_options(log_sink *s)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set_log_callback(o, sink_fn, s);
    /* Nothing from the environment may choose a destination. */
    llmobs_options_set(o, "otlp_endpoint", "");
    llmobs_options_set(o, "file_path", "/nonexistent-dir/should-not-be-written.jsonl");
    return o;
}

static void creation_failure_is_logged_at_the_default_level(void **state)
{
    (void)state;
    log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *o = quiet_options(&s);
    llmobs_options_set(o, "exporter", "callback"); /* without a callback: cannot work */
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(o, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    if (loud_lines(&s, "client not created") != 1) dump(&s);
    assert_int_equal(loud_lines(&s, "client not created"), 1);
    assert_int_equal(loud_lines(&s, "llmobs_options_set_export_callback"), 1);
    /* llmobs_last_error() still says why, too. */
    assert_non_null(strstr(llmobs_last_error(), "callback"));
}

static void half_set_keys_warn_naming_the_missing_variable_and_disable_export(void **state)
{
    (void)state;
    const char *keys[2][2] = {{"public_key", "LANGFUSE_SECRET_KEY"},
                              {"secret_key", "LANGFUSE_PUBLIC_KEY"}};
    for (int i = 0; i < 2; i++) {
        log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
        llmobs_options *o = quiet_options(&s);
        llmobs_options_set(o, keys[i][0], "k-1");
        llmobs_status st;
        llmobs_client *c = llmobs_client_new(o, &st);
        assert_non_null(c);
        if (loud_lines(&s, keys[i][1]) != 1) dump(&s);
        assert_int_equal(loud_lines(&s, keys[i][1]), 1);
        assert_int_equal(loud_lines(&s, "disabled"), 1);
        llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
        assert_int_equal(llmobs_trace_is_sampled(t), 0);
        llmobs_trace_end(t);
        uint64_t disabled = 0;
        assert_int_equal(llmobs_stats_dropped(c, LLMOBS_DROP_DISABLED, &disabled), LLMOBS_OK);
        assert_int_equal(disabled, 1);
        llmobs_shutdown(c, 1000);
        assert_int_equal(access("/nonexistent-dir/should-not-be-written.jsonl", F_OK), -1);
    }
}

static void strict_makes_half_set_keys_a_creation_error(void **state)
{
    (void)state;
    log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *o = quiet_options(&s);
    llmobs_options_set(o, "secret_key", "sk-1");
    llmobs_options_set(o, "strict", "true");
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(o, &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LANGFUSE_PUBLIC_KEY"));
}

/* A listening socket on an ephemeral loopback port, to make "address already in use". */
static int hold_port(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static void a_metrics_port_in_use_is_logged_and_tracing_keeps_working(void **state)
{
    (void)state;
    int port;
    int fd = hold_port(&port);
    char addr[32];
    snprintf(addr, sizeof addr, ":%d", port);
    log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *o = quiet_options(&s);
    llmobs_options_set(o, "exporter", "none");
    llmobs_options_set(o, "metrics_addr", addr);
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    assert_non_null(c);
    if (loud_lines(&s, "Address already in use") != 1) dump(&s);
    assert_int_equal(loud_lines(&s, "Address already in use"), 1);
    assert_int_equal(loud_lines(&s, addr), 1);
    /* Tracing and cost still work. */
    llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    llmobs_obs_set_model(g, "gpt-4o");
    llmobs_obs_set_usage(g, 1000, 1000);
    assert_int_equal(llmobs_obs_end(g), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    double spent = 0;
    assert_int_equal(llmobs_cost_spend_total(llmobs_client_cost_tracker(c), &spent), LLMOBS_OK);
    assert_true(spent > 0);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 1000);

    llmobs_options *strict = quiet_options(&s);
    llmobs_options_set(strict, "exporter", "none");
    llmobs_options_set(strict, "metrics_addr", addr);
    llmobs_options_set(strict, "strict", "true");
    assert_null(llmobs_client_new(strict, &st));
    assert_int_equal(st, LLMOBS_EIO);
    assert_non_null(strstr(llmobs_last_error(), "Address already in use"));
    close(fd);
}

static void export_failures_are_logged_on_first_occurrence_then_rate_limited(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    assert_non_null(r);
    receiver_set_default(r, (recv_answer){.status = 503, .retry_after = "1"});
    log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *o = quiet_options(&s);
    llmobs_options_set(o, "public_key", "pk-lf-1");
    llmobs_options_set(o, "secret_key", "sk-lf-1");
    llmobs_options_set(o, "base_url", receiver_url(r));
    llmobs_options_set(o, "flush_at", "1");
    llmobs_options_set(o, "max_retries", "1000");
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    /* Attempts fail (503, Retry-After: 1 s) well before the retry window (120 s) ends. */
    assert_true(receiver_wait_requests(r, 3, 20000) >= 3);
    if (loud_lines(&s, "HTTP 503") != 1) dump(&s);
    assert_int_equal(loud_lines(&s, "HTTP 503"), 1);
    assert_int_equal(loud_lines(&s, "langfuse"), 1);
    /* Shutting down with the item still undelivered: dropped, and the count is logged. */
    llmobs_shutdown(c, 200);
    if (loud_lines(&s, "1 items not delivered") != 1) dump(&s);
    assert_int_equal(loud_lines(&s, "1 items not delivered"), 1);
    receiver_stop(r);
}

static void a_connection_failure_is_logged_when_it_first_happens(void **state)
{
    (void)state;
    int port;
    int fd = hold_port(&port);
    close(fd); /* nothing listens there now: connection refused */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    log_sink s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *o = quiet_options(&s);
    llmobs_options_set(o, "public_key", "pk-lf-1");
    llmobs_options_set(o, "secret_key", "sk-lf-1");
    llmobs_options_set(o, "base_url", url);
    llmobs_options_set(o, "flush_at", "1");
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    /* The first attempt fails at once; the retry window (120 s) is far from over. */
    uint64_t pending = 0;
    (void)llmobs_flush(c, 1500, &pending);
    assert_int_equal(pending, 1);
    if (loud_lines(&s, "retrying") != 1) dump(&s);
    assert_int_equal(loud_lines(&s, "retrying"), 1);
    assert_int_equal(loud_lines(&s, "langfuse: "), 1);
    llmobs_shutdown(c, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(creation_failure_is_logged_at_the_default_level),
        cmocka_unit_test(half_set_keys_warn_naming_the_missing_variable_and_disable_export),
        cmocka_unit_test(strict_makes_half_set_keys_a_creation_error),
        cmocka_unit_test(a_metrics_port_in_use_is_logged_and_tracing_keeps_working),
        cmocka_unit_test(export_failures_are_logged_on_first_occurrence_then_rate_limited),
        cmocka_unit_test(a_connection_failure_is_logged_when_it_first_happens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
