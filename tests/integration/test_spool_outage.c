/* An outage with a spool loses nothing: while the backend refuses, payloads whose retry failed
 * go to the spool as soon as the queue is past its high-water mark, instead of waiting out
 * their backoff while the queue fills and drops (queue_full). When the backend answers again,
 * the spool is resent and every span arrives exactly once. A 60 s outage at 1,000 spans/s,
 * compressed: a 3 s outage at 2,000 spans/s against a queue of 1,000 items. Against a real
 * receiver on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "spool_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_ITEMS 1000
#define OUTAGE_MS 3000
#define AFTER_MS 1000

/* Ends traces (2 spans each) at `spans_per_s` for `ms`, adding their span ids to `ids`. */
static int produce(llmobs_client *c, int spans_per_s, int ms, itemset *ids)
{
    const int tick_ms = 10, per_tick = spans_per_s * tick_ms / 1000 / 2;
    int made = 0;
    int64_t start = test_mono_ms();
    for (int64_t tick = 0; tick * tick_ms < ms; tick++) {
        make_tracked(c, per_tick, 0, "o", ids, NULL);
        made += 2 * per_tick;
        int64_t wait = start + (tick + 1) * tick_ms - test_mono_ms();
        if (wait > 0) {
            struct timespec ts = {0, (long)wait * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return made;
}

static void an_outage_with_a_spool_drops_nothing_and_delivers_everything_once(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    assert_non_null(r);
    receiver_set_default(r, (recv_answer){.status = 503});
    char *dir = make_dir();
    llmobs_options *o = receiver_options(r, NULL, 100);
    llmobs_options_set(o, "debug", "false");
    assert_int_equal(llmobs_options_set(o, "spool_dir", dir), LLMOBS_OK);
    llmobs_options_set_int(o, "max_queue_items", QUEUE_ITEMS);
    llmobs_client *c = start_client(o);
    /* slower under valgrind (LLMOBS_TEST_TIME_SCALE): the same load relative to the flusher */
    int rate = (int)(2000 / test_slack_ms(1));
    itemset made = {0};
    int n = produce(c, rate, OUTAGE_MS, &made);
    receiver_set_default(r, (recv_answer){.status = 200});
    n += produce(c, rate, AFTER_MS, &made);
    assert_int_equal(llmobs_flush(c, 60000, NULL), LLMOBS_OK);
    uint64_t spooled = client_stat(c, LLMOBS_STAT_SPOOLED), queue_full = 0;
    llmobs_stats_dropped(c, LLMOBS_DROP_QUEUE_FULL, &queue_full);
    printf("[ outage ] %d spans: %llu spooled, %llu dropped (%llu queue_full)\n", n,
           (unsigned long long)spooled, (unsigned long long)client_stat(c, LLMOBS_STAT_DROPPED),
           (unsigned long long)queue_full);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    assert_true(spooled > 0);
    /* the spool drains once the backend answers again */
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, spooled, 60000));
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED) + spooled, (uint64_t)n);
    assert_balanced(c);
    llmobs_shutdown(c, 10000);
    assert_int_equal(spool_files(dir, NULL), 0);
    itemset none = {0};
    check_exactly_once(r, &made, &none);
    itemset_free(&made);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    clear_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_outage_with_a_spool_drops_nothing_and_delivers_everything_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
