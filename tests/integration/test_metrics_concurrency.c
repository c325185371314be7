/* Writers incrementing and creating children, a thread removing and clearing, and scrapers
 * (in-process renders and HTTP scrapes) all at once. Meant to run under TSan and ASan too:
 * the assertions check that no update is lost and that every exposition is well formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmobs/metrics.h"
#include "receiver.h"

#define WRITERS 4
#define ITERATIONS 20000
#define LABELS 50
#define MIN_RENDERS 200
#define MIN_SCRAPES 50
#define DEADLINE_MS 60000 /* times LLMOBS_TEST_TIME_SCALE (valgrind runs) */

typedef struct shared {
    llmobs_registry *reg;
    llmobs_family *counter, *gauge, *hist, *churn;
    atomic_int writers_left;
    atomic_long renders, scrapes, iterations;
    atomic_int failures;
    uint16_t port;
} shared;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writers run at least ITERATIONS times and until the scrapers have overlapped them enough
 * (or a deadline passes), so the race is exercised however fast the machine is. */
static bool keep_writing(shared *s, long i, double deadline)
{
    if (i < ITERATIONS) return true;
    if (mono_s() > deadline) return false;
    return atomic_load(&s->renders) < MIN_RENDERS || atomic_load(&s->scrapes) < MIN_SCRAPES;
}

static void *writer(void *arg)
{
    shared *s = arg;
    char model[32], feature[32];
    const char *const v[] = {model, feature};
    double deadline = mono_s() + (double)test_slack_ms(DEADLINE_MS) / 1000;
    long i;
    for (i = 0; keep_writing(s, i, deadline); i++) {
        snprintf(model, sizeof model, "m%ld", i % LABELS);
        snprintf(feature, sizeof feature, "f%ld", (i / LABELS) % 3);
        if (llmobs_counter_add_labels(s->counter, v, 2, 1) != LLMOBS_OK)
            atomic_fetch_add(&s->failures, 1);
        llmobs_gauge *g;
        if (llmobs_gauge_labels(s->gauge, v, 2, &g) != LLMOBS_OK) atomic_fetch_add(&s->failures, 1);
        llmobs_gauge_inc(g);
        if (llmobs_histogram_observe_labels(s->hist, v, 2, (double)(i % 7)) != LLMOBS_OK)
            atomic_fetch_add(&s->failures, 1);
        llmobs_gauge_dec(g);
        /* The churn family may be cleared under our feet; handles must stay usable. */
        llmobs_counter *c;
        if (llmobs_counter_labels(s->churn, v, 2, &c) == LLMOBS_OK) llmobs_counter_inc(c);
    }
    atomic_fetch_add(&s->iterations, i);
    atomic_fetch_sub(&s->writers_left, 1);
    return NULL;
}

static void *remover(void *arg)
{
    shared *s = arg;
    char model[32];
    const char *const v[] = {model, "f0"};
    for (int i = 0; atomic_load(&s->writers_left) > 0; i++) {
        snprintf(model, sizeof model, "m%d", i % LABELS);
        llmobs_family_remove(s->churn, v, 2); /* ENOTFOUND is fine */
        if (i % 64 == 0) llmobs_family_clear(s->churn);
    }
    return NULL;
}

static bool well_formed(const char *body, size_t len, llmobs_metrics_format fmt)
{
    if (len == 0 || body[len - 1] != '\n') return false;
    if (fmt == LLMOBS_FORMAT_OPENMETRICS && (len < 6 || strcmp(body + len - 6, "# EOF\n") != 0))
        return false;
    if (strstr(body, "\n\n")) return false;
    /* Each histogram series: the +Inf bucket equals the _count that follows. */
    for (const char *p = strstr(body, "le=\"+Inf\"} "); p; p = strstr(p + 1, "le=\"+Inf\"} ")) {
        long inf = atol(p + 11);
        const char *cnt = strstr(p, "_count{");
        if (!cnt) return false;
        const char *val = strchr(cnt, '}');
        if (!val || atol(val + 2) != inf) return false;
    }
    return true;
}

static void *renderer(void *arg)
{
    shared *s = arg;
    while (atomic_load(&s->writers_left) > 0) {
        llmobs_metrics_format fmt =
            atomic_load(&s->renders) % 2 ? LLMOBS_FORMAT_OPENMETRICS : LLMOBS_FORMAT_TEXT;
        char *body;
        size_t len;
        if (llmobs_metrics_render_string(s->reg, fmt, &body, &len) != LLMOBS_OK ||
            !well_formed(body, len, fmt))
            atomic_fetch_add(&s->failures, 1);
        llmobs_metrics_string_free(body);
        atomic_fetch_add(&s->renders, 1);
    }
    return NULL;
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static void *scraper(void *arg)
{
    shared *s = arg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", s->port);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)test_slack_ms(10000));
    while (atomic_load(&s->writers_left) > 0) {
        long code = 0;
        CURLcode rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (rc != CURLE_OK || code != 200) {
            fprintf(stderr, "scrape failed: %s, HTTP %ld\n", curl_easy_strerror(rc), code);
            atomic_fetch_add(&s->failures, 1);
        }
        atomic_fetch_add(&s->scrapes, 1);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void updates_creations_removals_and_scrapes_race_without_loss(void **state)
{
    (void)state;
    shared s = {0};
    s.reg = llmobs_registry_new(NULL);
    const char *const l[] = {"model", "feature"};
    const double b[] = {1, 2, 4};
    assert_int_equal(llmobs_counter_register(s.reg, "c_total", "c", NULL, l, 2, &s.counter), 0);
    assert_int_equal(llmobs_gauge_register(s.reg, "g", "g", NULL, l, 2, &s.gauge), 0);
    assert_int_equal(llmobs_histogram_register(s.reg, "h", "h", NULL, l, 2, b, 3, &s.hist), 0);
    assert_int_equal(llmobs_counter_register(s.reg, "churn_total", "x", NULL, l, 2, &s.churn), 0);
    llmobs_metrics_server *srv;
    assert_int_equal(llmobs_metrics_server_start(s.reg, "127.0.0.1:0", &srv), LLMOBS_OK);
    s.port = llmobs_metrics_server_port(srv);
    atomic_store(&s.writers_left, WRITERS);

    pthread_t w[WRITERS], rm, rd, sc;
    for (int i = 0; i < WRITERS; i++)
        pthread_create(&w[i], NULL, writer, &s);
    pthread_create(&rm, NULL, remover, &s);
    pthread_create(&rd, NULL, renderer, &s);
    pthread_create(&sc, NULL, scraper, &s);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    pthread_join(rm, NULL);
    pthread_join(rd, NULL);
    pthread_join(sc, NULL);
    llmobs_metrics_server_stop(srv);

    assert_int_equal(atomic_load(&s.failures), 0);
    print_message("%ld iterations, %ld renders, %ld HTTP scrapes\n", atomic_load(&s.iterations),
                  atomic_load(&s.renders), atomic_load(&s.scrapes));
    assert_true(atomic_load(&s.renders) >= MIN_RENDERS);
    assert_true(atomic_load(&s.scrapes) >= MIN_SCRAPES);
    double expected = (double)atomic_load(&s.iterations);
    /* No lost update: totals over all children equal what the writers did. */
    double total = 0, gsum = 0;
    uint64_t hcount = 0;
    char model[32], feature[32];
    const char *const v[] = {model, feature};
    for (int m = 0; m < LABELS; m++) {
        for (int f = 0; f < 3; f++) {
            snprintf(model, sizeof model, "m%d", m);
            snprintf(feature, sizeof feature, "f%d", f);
            llmobs_counter *c;
            llmobs_gauge *g;
            llmobs_histogram *h;
            double d;
            uint64_t n;
            assert_int_equal(llmobs_counter_labels(s.counter, v, 2, &c), LLMOBS_OK);
            llmobs_counter_get(c, &d);
            total += d;
            assert_int_equal(llmobs_gauge_labels(s.gauge, v, 2, &g), LLMOBS_OK);
            llmobs_gauge_get(g, &d);
            gsum += d;
            assert_int_equal(llmobs_histogram_labels(s.hist, v, 2, &h), LLMOBS_OK);
            llmobs_histogram_get(h, &n, NULL);
            hcount += n;
        }
    }
    assert_true(total == expected);
    assert_true(gsum == 0);
    assert_true((double)hcount == expected);
    assert_int_equal(llmobs_family_children(s.counter), LABELS * 3);
    llmobs_registry_free(s.reg);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(updates_creations_removals_and_scrapes_race_without_loss),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
