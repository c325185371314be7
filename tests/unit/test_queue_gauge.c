/* llmobs_queue_items is never left at an old queue length (issue 15). It used to be set by each
 * enqueuer after it released the queue's lock, from the length it saw under it: an enqueuer
 * preempted between the two published its old length after a newer one, and the gauge stayed
 * wrong until the next enqueue. The race is made reproducible: the process runs on one CPU and
 * the racing enqueuer is a SCHED_IDLE thread, which runs only while the main thread sleeps and
 * is preempted as soon as it wakes; when the main thread then needs the queue's lock, the idle
 * thread runs just long enough to release it, and the main thread preempts it right there (in
 * the window). Each round ends with the main thread's own enqueue and a scrape compared with
 * the queue's length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "receiver.h"
#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 300

static llmobs_client *client_on(llmobs_registry *r)
{
    llmobs_options *o = llmobs_options_new();
    /* No batch is due before llmobs_flush: the flusher never touches the queue in a round. */
    assert_int_equal(llmobs_options_set(o, "exporter", "none"), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "flush_at", "100000"), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "flush_interval", "3600"), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "max_queue_items", "100000"), LLMOBS_OK);
    llmobs_options_set_registry(o, r);
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    assert_non_null(c);
    return c;
}

static uint64_t queue_length(llmobs_client *c)
{
    uint64_t v = 0;
    assert_int_equal(llmobs_stats_get(c, LLMOBS_STAT_QUEUE_ITEMS, &v), LLMOBS_OK);
    return v;
}

/* The registry's one llmobs_queue_items sample (with or without labels); -1: absent. */
static char *scraped; /* static: see test_client_metrics.c (gcc 12 -Wdangling-pointer) */

static double gauge(llmobs_registry *r)
{
    scraped = NULL;
    assert_int_equal(llmobs_metrics_render_string(r, LLMOBS_FORMAT_TEXT, &scraped, NULL),
                     LLMOBS_OK);
    double v = -1;
    const char *name = "llmobs_queue_items";
    size_t n = strlen(name);
    for (const char *line = scraped; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == '{')) {
            const char *sp = strchr(line, ' ');
            if (sp) v = strtod(sp + 1, NULL);
        }
    llmobs_metrics_string_free(scraped);
    return v;
}

static void end_span(llmobs_client *c)
{
    llmobs_trace *t = llmobs_trace_start(c, "q", NULL);
    assert_non_null(t);
    llmobs_trace_end(t);
}

typedef struct racer {
    llmobs_client *c;
    atomic_bool stop;
    atomic_uint ended;
} racer;

static void *idle_enqueuer(void *arg)
{
    racer *rc = arg;
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp); /* best effort */
    while (!atomic_load(&rc->stop)) {
        end_span(rc->c);
        atomic_fetch_add(&rc->ended, 1);
    }
    return NULL;
}

static void gauge_never_stays_at_an_old_queue_length(void **state)
{
    (void)state;
    /* One CPU for the whole process (threads created from now on inherit it). */
    cpu_set_t saved, one;
    assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &saved)) {
            CPU_SET(cpu, &one);
            break;
        }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);

    llmobs_registry *reg = llmobs_registry_new(NULL);
    assert_non_null(reg);
    llmobs_client *c = client_on(reg);
    int raced = 0, stale = 0;
    double stale_gauge = 0;
    uint64_t stale_length = 0;
    int64_t until = test_mono_ms() + test_slack_ms(20000);
    for (int round = 0; round < ROUNDS && !stale && test_mono_ms() < until; round++) {
        racer rc = {.c = c};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, idle_enqueuer, &rc), 0);
        /* The idle thread enqueues while this one sleeps, and is preempted wherever it is. */
        struct timespec ts = {0, 20000 + (long)(round % 13) * 7000};
        nanosleep(&ts, NULL);
        end_span(c);
        atomic_store(&rc.stop, true);
        assert_int_equal(pthread_join(th, NULL), 0);
        if (atomic_load(&rc.ended)) raced++;
        uint64_t length = queue_length(c);
        double g = gauge(reg);
        if (g != (double)length) {
            stale++;
            stale_gauge = g;
            stale_length = length;
        }
        assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK); /* empties the queue */
    }
    llmobs_shutdown(c, 2000);
    llmobs_registry_free(reg);
    assert_int_equal(sched_setaffinity(0, sizeof saved, &saved), 0);
    if (stale)
        fail_msg("llmobs_queue_items stayed at %g with %llu items queued (after %d rounds of at "
                 "most %d with a "
                 "racing enqueuer)",
                 stale_gauge, (unsigned long long)stale_length, raced, ROUNDS);
    print_message("%d rounds with a racing enqueuer, gauge always current\n", raced);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gauge_never_stays_at_an_old_queue_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
