/* A histogram read while other threads observe is one consistent snapshot: its buckets, _sum and
 * _count describe the same observations (issue 15, item 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <llmobs/metrics.h>

#include "receiver.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Observers record 1 (bucket le="2") and 3 (bucket +Inf) only, so for any consistent snapshot
 * _sum == 1 * below + 3 * above exactly (small integers are exact doubles). */
typedef struct shared {
    llmobs_histogram *h;
    atomic_bool stop;
} shared;

static void *observer(void *arg)
{
    shared *s = arg;
    for (unsigned i = 0; !atomic_load_explicit(&s->stop, memory_order_relaxed); i++)
        llmobs_histogram_observe(s->h, (i & 1) ? 3.0 : 1.0);
    return NULL;
}

static double sample(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    assert_non_null(p);
    return strtod(p + strlen(name), NULL);
}

/* Reads go on until this many saw new observations (they raced the observers), or 30 s (times
 * LLMOBS_TEST_TIME_SCALE). */
enum { RACING = 300, OBSERVERS = 2 };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts the observers and waits until they are observing. */
static void start(shared *s, pthread_t *th)
{
    for (int i = 0; i < OBSERVERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, observer, s), 0);
    uint64_t count = 0;
    while (count < 1000) {
        assert_int_equal(llmobs_histogram_get(s->h, &count, NULL), LLMOBS_OK);
        sched_yield();
    }
}

static void stop(shared *s, pthread_t *th)
{
    atomic_store(&s->stop, true);
    for (int i = 0; i < OBSERVERS; i++)
        pthread_join(th[i], NULL);
}

static void scrapes_see_sum_count_and_buckets_of_the_same_observations(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_family *f;
    const double bounds[] = {2};
    assert_int_equal(llmobs_histogram_register(r, "snap", "h", NULL, NULL, 0, bounds, 1, &f),
                     LLMOBS_OK);
    shared s = {0};
    assert_int_equal(llmobs_histogram_labels(f, NULL, 0, &s.h), LLMOBS_OK);
    pthread_t th[OBSERVERS];
    start(&s, th);
    int bad = 0, moving = 0, n = 0;
    double last = -1;
    for (int64_t end = now_ms() + test_slack_ms(30000); moving < RACING && now_ms() < end; n++) {
        char *text = NULL;
        assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &text, NULL),
                         LLMOBS_OK);
        double below = sample(text, "snap_bucket{le=\"2.0\"} ");
        double all = sample(text, "snap_bucket{le=\"+Inf\"} ");
        double sum = sample(text, "snap_sum ");
        double count = sample(text, "snap_count ");
        if (count != all || sum != below + 3 * (all - below)) {
            if (!bad) fprintf(stderr, "inconsistent scrape:\n%s", text);
            bad++;
        }
        if (count != last) moving++;
        last = count;
        llmobs_metrics_string_free(text);
    }
    stop(&s, th);
    fprintf(stderr, "%d of %d scrapes inconsistent, %d saw new observations\n", bad, n, moving);
    assert_int_equal(moving, RACING); /* the scrapes did race the observers */
    assert_int_equal(bad, 0);
    llmobs_registry_free(r);
}

static void get_returns_a_count_and_sum_of_the_same_observations(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_family *f;
    assert_int_equal(llmobs_histogram_register(r, "snap_get", "h", NULL, NULL, 0, NULL, 0, &f),
                     LLMOBS_OK);
    shared s = {0};
    assert_int_equal(llmobs_histogram_labels(f, NULL, 0, &s.h), LLMOBS_OK);
    pthread_t th[OBSERVERS];
    start(&s, th);
    int bad = 0, moving = 0, n = 0;
    uint64_t last = 0;
    for (int64_t end = now_ms() + test_slack_ms(30000); moving < RACING && now_ms() < end; n++) {
        uint64_t count = 0;
        double sum = 0;
        assert_int_equal(llmobs_histogram_get(s.h, &count, &sum), LLMOBS_OK);
        /* sum = ones + 3 * threes with ones + threes = count: (sum - count) / 2 = threes. */
        double threes = (sum - (double)count) / 2;
        if (threes < 0 || threes > (double)count || threes != (double)(uint64_t)threes) bad++;
        if (count != last) moving++;
        last = count;
    }
    stop(&s, th);
    uint64_t count = 0;
    double sum = 0;
    assert_int_equal(llmobs_histogram_get(s.h, &count, &sum), LLMOBS_OK);
    fprintf(stderr, "%d of %d reads inconsistent, %d saw new observations\n", bad, n, moving);
    assert_int_equal(moving, RACING);
    assert_int_equal(bad, 0);
    llmobs_registry_free(r);
}

static void snapshots_lose_no_observation(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_family *f;
    assert_int_equal(llmobs_histogram_register(r, "snap_total", "h", NULL, NULL, 0, NULL, 0, &f),
                     LLMOBS_OK);
    llmobs_histogram *h;
    assert_int_equal(llmobs_histogram_labels(f, NULL, 0, &h), LLMOBS_OK);
    for (int i = 0; i < 1000; i++) {
        llmobs_histogram_observe(h, 0.001 * (i % 7));
        if (i % 3 == 0) {
            char *text = NULL;
            llmobs_metrics_render_string(r, LLMOBS_FORMAT_OPENMETRICS, &text, NULL);
            llmobs_metrics_string_free(text);
        }
    }
    uint64_t count = 0;
    double sum = 0;
    assert_int_equal(llmobs_histogram_get(h, &count, &sum), LLMOBS_OK);
    assert_int_equal(count, 1000);
    double want = 0;
    for (int i = 0; i < 1000; i++)
        want += 0.001 * (i % 7);
    assert_true(sum > want - 1e-9 && sum < want + 1e-9);
    char *text = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &text, NULL), LLMOBS_OK);
    assert_non_null(strstr(text, "snap_total_count 1000\n"));
    assert_non_null(strstr(text, "snap_total_bucket{le=\"0.01\"} 1000\n"));
    llmobs_metrics_string_free(text);
    llmobs_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scrapes_see_sum_count_and_buckets_of_the_same_observations),
        cmocka_unit_test(get_returns_a_count_and_sum_of_the_same_observations),
        cmocka_unit_test(snapshots_lose_no_observation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
