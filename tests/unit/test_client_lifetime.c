/* The client's lifetime at its edges: the last observation of a trace ended on one thread
 * while the root ends on another after shutdown (issue 15 item 1), calls after shutdown
 * (item 13), and timeouts too large to convert naively to nanoseconds (item 2). The race
 * tests are meant for ASan, TSan and valgrind as much as for the normal build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- item 1: ending the last child while the root ends, after shutdown ------------------ */

typedef struct ender {
    pthread_barrier_t *go;
    llmobs_obs *obs;     /* a child generation, or NULL */
    llmobs_trace *trace; /* the root, or NULL */
    llmobs_status st;
} ender;

static void *end_one(void *arg)
{
    ender *e = arg;
    pthread_barrier_wait(e->go);
    e->st = e->obs ? llmobs_obs_end(e->obs) : llmobs_trace_end(e->trace);
    return NULL;
}

/* The thread that does not finish the trace still uses the client after it unlocked the
 * trace (metrics, cost, the queue): it must hold its own reference, or the other thread
 * frees the client under it. Many rounds, so the losing interleaving happens. */
static void last_child_and_root_ending_together_after_shutdown_is_safe(void **state)
{
    (void)state;
    int rounds = getenv("LLMOBS_TEST_ROUNDS") ? atoi(getenv("LLMOBS_TEST_ROUNDS")) : 400;
    for (int i = 0; i < rounds; i++) {
        llmobs_options *o = llmobs_options_new();
        llmobs_options_set(o, "exporter", "none");
        llmobs_client *c = start_client(o);
        llmobs_trace *t = llmobs_trace_start(c, "race", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "call", NULL);
        assert_non_null(g);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_usage(g, 1000, 200);
        assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK); /* the trace keeps the client */
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        ender a = {&go, g, NULL, -1}, b = {&go, NULL, t, -1};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, end_one, &a);
        pthread_create(&tb, NULL, end_one, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&go);
        assert_int_equal(a.st, LLMOBS_OK);
        assert_int_equal(b.st, LLMOBS_OK);
        /* Released now; its counters stay readable: both spans dropped (shutdown). */
        assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 2);
        assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN), 2);
    }
}

/* ---- item 13: calls after shutdown ------------------------------------------------------- */

static void second_shutdown_is_a_no_op_returning_estate(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK); /* no trace open: released */
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_ESTATE);
    assert_int_equal(llmobs_shutdown(c, 0), LLMOBS_ESTATE);
    assert_int_equal(capture_count(&cap), 1);
    capture_destroy(&cap);
}

static void counters_stay_readable_after_shutdown_released_the_client(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    for (int i = 0; i < 3; i++)
        llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 3);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_QUEUE_ITEMS), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN), 0);
    uint64_t v;
    assert_int_equal(llmobs_stats_get(c, (llmobs_stat)99, &v), LLMOBS_EINVAL);
    capture_destroy(&cap);
}

static void new_work_after_shutdown_is_refused_with_estate(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_trace_start(c, "late", &st));
    assert_int_equal(st, LLMOBS_ESTATE);
    uint64_t pending = 99;
    assert_int_equal(llmobs_flush(c, 100, &pending), LLMOBS_ESTATE);
    assert_int_equal(pending, 0);
    assert_int_equal(
        llmobs_score_numeric(c, "0123456789abcdef0123456789abcdef", NULL, "q", 1.0, NULL),
        LLMOBS_ESTATE);
    assert_null(llmobs_client_cost_tracker(c));
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 0);
    capture_destroy(&cap);
}

/* While a trace keeps the client alive after shutdown, a score sent is counted (shutdown). */
static void a_score_sent_after_shutdown_is_counted_as_dropped(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    llmobs_trace *keeper = llmobs_trace_start(c, "keeper", NULL);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    assert_int_equal(
        llmobs_score_numeric(c, "0123456789abcdef0123456789abcdef", NULL, "q", 1.0, NULL),
        LLMOBS_ESTATE);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN), 1);
    assert_int_equal(llmobs_trace_end(keeper), LLMOBS_OK); /* releases the client */
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN), 2);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 2);
    capture_destroy(&cap);
}

typedef struct stopper {
    llmobs_client *c;
    pthread_barrier_t *go;
    llmobs_status st;
} stopper;

static void *shutdown_thread(void *arg)
{
    stopper *s = arg;
    pthread_barrier_wait(s->go);
    s->st = llmobs_shutdown(s->c, 2000);
    return NULL;
}

static void concurrent_shutdowns_shut_down_once(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        llmobs_options *o = llmobs_options_new();
        llmobs_options_set(o, "exporter", "none");
        llmobs_client *c = start_client(o);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 3);
        stopper s[3];
        pthread_t th[3];
        for (int i = 0; i < 3; i++) {
            s[i] = (stopper){c, &go, -1};
            pthread_create(&th[i], NULL, shutdown_thread, &s[i]);
        }
        int ok = 0, estate = 0;
        for (int i = 0; i < 3; i++) {
            pthread_join(th[i], NULL);
            ok += s[i].st == LLMOBS_OK;
            estate += s[i].st == LLMOBS_ESTATE;
        }
        pthread_barrier_destroy(&go);
        assert_int_equal(ok, 1);
        assert_int_equal(estate, 2);
    }
}

/* ---- item 2: huge timeouts ---------------------------------------------------------------- */

typedef struct flusher {
    llmobs_client *c;
    int64_t timeout_ms;
    llmobs_status st;
    uint64_t pending;
    int done;
    pthread_mutex_t mu;
} flusher;

static void *flush_thread(void *arg)
{
    flusher *f = arg;
    uint64_t pending = 0;
    llmobs_status st = llmobs_flush(f->c, f->timeout_ms, &pending);
    pthread_mutex_lock(&f->mu);
    f->st = st;
    f->pending = pending;
    f->done = 1;
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static int flush_done(flusher *f)
{
    pthread_mutex_lock(&f->mu);
    int d = f->done;
    pthread_mutex_unlock(&f->mu);
    return d;
}

/* INT64_MAX ms * 1e6 wrapped into the past: flush gave up at once with items pending. */
static void flush_with_int64_max_timeout_waits_for_the_items(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    int64_t timeouts[] = {INT64_MAX, INT64_MAX / 1000, INT64_MAX / 1000000 + 1};
    flusher f = {.c = c, .timeout_ms = timeouts[0], .st = -1};
    pthread_mutex_init(&f.mu, NULL);
    pthread_t th;
    pthread_create(&th, NULL, flush_thread, &f);
    assert_true(capture_wait_blocked(&cap, 1, 5000));
    int64_t until = mono_ms() + 300;
    while (mono_ms() < until && !flush_done(&f))
        sched_yield();
    assert_false(flush_done(&f)); /* still waiting: the item is not settled */
    capture_unblock(&cap);
    pthread_join(th, NULL);
    assert_int_equal(f.st, LLMOBS_OK);
    assert_int_equal(f.pending, 0);
    /* The other huge values return at once when nothing is pending, without overflow. */
    for (size_t i = 1; i < sizeof timeouts / sizeof *timeouts; i++)
        assert_int_equal(llmobs_flush(c, timeouts[i], NULL), LLMOBS_OK);
    pthread_mutex_destroy(&f.mu);
    assert_int_equal(llmobs_shutdown(c, INT64_MAX), LLMOBS_OK);
    capture_destroy(&cap);
}

typedef struct unblocker {
    capture *cap;
    int after_ms;
} unblocker;

static void *unblock_later(void *arg)
{
    unblocker *u = arg;
    capture_wait_blocked(u->cap, 1, 5000);
    int64_t until = mono_ms() + u->after_ms;
    while (mono_ms() < until)
        sched_yield();
    capture_unblock(u->cap);
    return NULL;
}

/* shutdown(INT64_MAX) dropped everything as "shutdown" at once. */
static void shutdown_with_int64_max_timeout_delivers_everything(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_client *c = start_client(capture_options(&cap, 2, 3600));
    for (int i = 0; i < 6; i++)
        llmobs_trace_end(llmobs_trace_start(c, "t", NULL));
    unblocker u = {&cap, 200};
    pthread_t th;
    pthread_create(&th, NULL, unblock_later, &u);
    assert_int_equal(llmobs_shutdown(c, INT64_MAX), LLMOBS_OK);
    pthread_join(th, NULL);
    assert_int_equal(capture_count(&cap), 6);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 6);
    capture_destroy(&cap);
}

/* ---- item 3: max_queue_bytes bounds memory ------------------------------------------------ */

static llmobs_client *bounded_client(capture *cap, const char *max_bytes)
{
    llmobs_options *o = capture_options(cap, 1, 3600);
    assert_int_equal(llmobs_options_set(o, "max_queue_bytes", max_bytes), LLMOBS_OK);
    return start_client(o);
}

/* Metadata was charged a flat 256 bytes: with 64 KiB of metadata per span a 1 MiB bound let
 * every span in. Real sizes: about 16 fit (queue plus the batch in flight), the rest are
 * queue_full. */
static void metadata_is_charged_its_real_size(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    cap.block = true;
    llmobs_client *c = bounded_client(&cap, "1048576");
    size_t big = 64 * 1024;
    char *json = malloc(big + 16);
    memcpy(json, "{\"k\":\"", 6);
    memset(json + 6, 'x', big);
    memcpy(json + 6 + big, "\"}", 3);
    for (int i = 0; i < 100; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
        llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "s", NULL);
        assert_int_equal(llmobs_obs_set_metadata_json(o, json), LLMOBS_OK);
        llmobs_obs_end(o);
        llmobs_trace_end(t);
    }
    free(json);
    uint64_t full = client_dropped(c, LLMOBS_DROP_QUEUE_FULL);
    uint64_t queued = client_stat(c, LLMOBS_STAT_QUEUE_BYTES);
    print_message("100 spans of 64 KiB metadata, 1 MiB bound: %llu queue_full, %llu bytes queued\n",
                  (unsigned long long)full, (unsigned long long)queued);
    assert_true(full >= 50); /* of 100 spans of 64 KiB, at most 16 fit (old code: none dropped) */
    assert_true(queued <= 1048576);
    capture_unblock(&cap);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    capture_destroy(&cap);
}

static void an_item_larger_than_the_whole_bound_is_too_large_not_queue_full(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = bounded_client(&cap, "1024");
    char text[4096];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
    llmobs_trace_set_input(t, text);
    llmobs_trace_end(t);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_TOO_LARGE), 1);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_QUEUE_FULL), 0);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    capture_destroy(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(last_child_and_root_ending_together_after_shutdown_is_safe),
        cmocka_unit_test(second_shutdown_is_a_no_op_returning_estate),
        cmocka_unit_test(counters_stay_readable_after_shutdown_released_the_client),
        cmocka_unit_test(new_work_after_shutdown_is_refused_with_estate),
        cmocka_unit_test(a_score_sent_after_shutdown_is_counted_as_dropped),
        cmocka_unit_test(concurrent_shutdowns_shut_down_once),
        cmocka_unit_test(flush_with_int64_max_timeout_waits_for_the_items),
        cmocka_unit_test(shutdown_with_int64_max_timeout_delivers_everything),
        cmocka_unit_test(metadata_is_charged_its_real_size),
        cmocka_unit_test(an_item_larger_than_the_whole_bound_is_too_large_not_queue_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
