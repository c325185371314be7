/* Fault injection against the real receiver: thousands of spans and scores from several
 * threads while the receiver answers with seeded random faults (5xx, 429 + Retry-After, 413,
 * slow answers, connections reset before and after the request was read, timeouts, and
 * replies lost after the request was accepted). From the receiver's own records: every item
 * created is received exactly once or counted as dropped with a matching reason; duplicates
 * only for items of requests whose reply was lost after acceptance; flush(timeout) returns by
 * its deadline. LLMOBS_FAULT_SEED=<n> repeats a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "http_test.h"
#include "itemset.h"
#include "receiver.h"

#include <llmobs/llmobs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4

static const char *const fault_names[RECV_FAULT_COUNT] = {
    "none",          "500",        "503",         "429",          "413",    "slow",
    "reset_headers", "reset_body", "reset_after", "accept_reset", "timeout"};

static unsigned seed(void)
{
    const char *s = getenv("LLMOBS_FAULT_SEED");
    return s && *s ? (unsigned)strtoul(s, NULL, 10) : 20261127u;
}

typedef struct worker {
    llmobs_client *c;
    int id, rounds, traces, scores;
    itemset spans, score_ids;
    pthread_t thread;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "w%d-%d", w->id, i);
        make_tracked(w->c, w->traces, w->scores, tag, &w->spans, &w->score_ids);
    }
    return NULL;
}

/* Ids of the items of one recorded request (spans or one score). */
static void request_ids(const recv_request *q, itemset *out)
{
    cJSON *j = cJSON_ParseWithLength(q->body, q->len);
    if (!j) return;
    if (strcmp(q->path, "/api/public/scores") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (cJSON_IsString(id)) itemset_add(out, id->valuestring);
    } else {
        const cJSON *rs, *ss, *sp;
        cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(j, "resourceSpans"))
        {
            cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
            {
                cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(ss, "spans"))
                {
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(sp, "spanId");
                    if (cJSON_IsString(id)) itemset_add(out, id->valuestring);
                }
            }
        }
    }
    cJSON_Delete(j);
}

/* On failure: every request that carried `id`. */
static void dump_requests_with(receiver *r, const char *id)
{
    size_t n = receiver_request_count(r);
    for (size_t i = 0; i < n; i++) {
        const recv_request *q = receiver_request(r, i);
        itemset ids = {0};
        request_ids(q, &ids);
        itemset_sort(&ids);
        if (itemset_count(&ids, id))
            printf(
                "  request %zu %s: fault %s, status %d, reply_lost %d, %zu items, %lld..%lld ms\n",
                i, q->path, fault_names[q->fault], q->status, q->reply_lost, ids.n,
                (long long)q->start_ms, (long long)q->end_ms);
        itemset_free(&ids);
    }
}

typedef struct outcome {
    size_t created, received_once, duplicates, missing, requests;
    size_t faults[RECV_FAULT_COUNT];
    int64_t worst_flush_overshoot_ms, final_flush_ms;
} outcome;

/* The checks every fault run ends with. */
/* `spool_lost`: items of spool files the backend refused on resend (0 without a spool). */
static void check_accounting(receiver *r, llmobs_client *c, itemset *want, outcome *o,
                             uint64_t spool_lost)
{
    itemset got = {0}, lost_reply = {0}, refused = {0}, too_large = {0};
    accepted_span_ids(r, &got);
    accepted_score_ids(r, &got);
    itemset_sort(&got);
    itemset_sort(want);
    o->requests = receiver_request_count(r);
    for (size_t i = 0; i < o->requests; i++) {
        const recv_request *q = receiver_request(r, i);
        o->faults[q->fault]++;
        if (q->reply_lost) request_ids(q, &lost_reply);
        if (q->status == 500) request_ids(q, &refused);
        if (q->status == 413) {
            itemset one = {0};
            request_ids(q, &one);
            if (one.n == 1) itemset_add(&too_large, one.ids[0]);
            itemset_free(&one);
        }
    }
    itemset_sort(&lost_reply);
    itemset_sort(&refused);
    itemset_sort(&too_large);

    /* The client's books balance and nothing is left. */
    o->created = want->n;
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), want->n);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED) + client_stat(c, LLMOBS_STAT_DROPPED) +
                         client_stat(c, LLMOBS_STAT_SPOOLED),
                     want->n);

    /* Nothing foreign arrived. */
    for (size_t i = 0; i < got.n; i++)
        if (!itemset_count(want, got.ids[i])) fail_msg("received an unknown id %s", got.ids[i]);

    size_t missing_unexplained = 0, received_though_dropped_bound = 0;
    for (size_t i = 0; i < want->n; i++) {
        const char *id = want->ids[i];
        size_t k = itemset_count(&got, id), lost = itemset_count(&lost_reply, id);
        if (k == 0) {
            o->missing++;
            if (!itemset_count(&refused, id) && !itemset_count(&too_large, id))
                missing_unexplained++;
        } else {
            o->received_once++;
            if (lost) received_though_dropped_bound++;
        }
        if (k >= 2) {
            /* The only duplicate the protocol cannot exclude: a reply lost after acceptance. */
            if (k - 1 > lost) {
                dump_requests_with(r, id);
                fail_msg("id %s received %zu times, only %zu replies lost", id, k, lost);
            }
            o->duplicates += k - 1;
        }
    }
    uint64_t d = client_stat(c, LLMOBS_STAT_DROPPED), lost = d + spool_lost;
    uint64_t d_rej = client_dropped(c, LLMOBS_DROP_REJECTED),
             d_big = client_dropped(c, LLMOBS_DROP_TOO_LARGE),
             d_ret = client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED);
    /* Every item that never arrived is counted as dropped; items counted as dropped that did
     * arrive can only be ones whose accepted request's reply was lost. */
    assert_true(o->missing <= lost);
    assert_true(lost <= o->missing + received_though_dropped_bound);
    /* ... with a reason that matches what the receiver did. */
    assert_int_equal(d, d_rej + d_big + d_ret);
    assert_true(d_rej + d_big + spool_lost <= refused.n + too_large.n);
    assert_true(d_rej <= refused.n);
    assert_true(d_big <= too_large.n);
    assert_true(missing_unexplained <= d_ret);
    itemset_free(&got);
    itemset_free(&lost_reply);
    itemset_free(&refused);
    itemset_free(&too_large);
}

static void print_outcome(const char *name, const outcome *o, llmobs_client *c)
{
    printf("%s (seed %u): %zu items, %zu requests, %zu received, %zu missing, %zu duplicates;"
           " dropped rejected=%llu too_large=%llu retries_exhausted=%llu; retries=%llu;"
           " worst flush overshoot %lld ms, final flush %lld ms\n  faults:",
           name, seed(), o->created, o->requests, o->received_once, o->missing, o->duplicates,
           (unsigned long long)client_dropped(c, LLMOBS_DROP_REJECTED),
           (unsigned long long)client_dropped(c, LLMOBS_DROP_TOO_LARGE),
           (unsigned long long)client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED),
           (unsigned long long)client_stat(c, LLMOBS_STAT_RETRIES),
           (long long)o->worst_flush_overshoot_ms, (long long)o->final_flush_ms);
    for (int i = 0; i < RECV_FAULT_COUNT; i++)
        printf(" %s=%zu", fault_names[i], o->faults[i]);
    printf("\n");
}

static void silent(llmobs_log_level level, const char *message, void *userdata)
{
    (void)level, (void)message, (void)userdata;
}

/* Requests time out after 0.5 s; up to 5 retries within 30 s (1 with a spool). */
static llmobs_client *fault_client(receiver *r, const char *spool_dir)
{
    llmobs_options *o = receiver_options(r, NULL, 50);
    llmobs_options_set(o, "debug", "false");
    llmobs_options_set_log_callback(o, silent, NULL);
    llmobs_options_set(o, "timeout", "0.5");
    llmobs_options_set(o, "max_retries", "5");
    llmobs_options_set(o, "retry_deadline", "30");
    llmobs_options_set(o, "max_batch_items", "200");
    if (spool_dir) {
        llmobs_options_set(o, "spool_dir", spool_dir);
        llmobs_options_set(o, "max_retries", "1");
    }
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    return c;
}

/* Drives THREADS workers while the main thread calls flush(150 ms) and measures how late each
 * returns; then flushes everything and checks the books. */
static void run(const char *name, const recv_faults *f, int rounds, int traces, int scores,
                const char *spool_dir)
{
    clear_env();
    receiver *r = receiver_start(0);
    receiver_set_faults(r, f);
    llmobs_client *c = fault_client(r, spool_dir);
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.c = c, .id = i, .rounds = rounds, .traces = traces, .scores = scores};
        assert_int_equal(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
    }
    outcome out = {0};
    for (int i = 0; i < 20; i++) {
        int64_t t0 = test_mono_ms();
        llmobs_flush(c, 150, NULL);
        int64_t over = test_mono_ms() - t0 - 150;
        if (over > out.worst_flush_overshoot_ms) out.worst_flush_overshoot_ms = over;
    }
    itemset want = {0};
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        for (size_t k = 0; k < w[i].spans.n; k++)
            itemset_add(&want, w[i].spans.ids[k]);
        for (size_t k = 0; k < w[i].score_ids.n; k++)
            itemset_add(&want, w[i].score_ids.ids[k]);
        itemset_free(&w[i].spans);
        itemset_free(&w[i].score_ids);
    }
    int64_t t0 = test_mono_ms();
    uint64_t pending = 1;
    assert_int_equal(llmobs_flush(c, 120000, &pending), LLMOBS_OK);
    out.final_flush_ms = test_mono_ms() - t0;
    assert_int_equal(pending, 0);
    /* A flush returns by its deadline: 100 ms of slack for scheduling on a loaded machine. */
    assert_true(out.worst_flush_overshoot_ms < 100);
    uint64_t spool_lost = 0;
    llmobs_client *next = NULL;
    if (spool_dir) {
        /* The backend recovers; a new client on the same directory drains the spool (the
         * faulty one may still be resending some files too). */
        receiver_set_faults(r, NULL);
        next = fault_client(r, spool_dir);
        uint64_t spooled = client_stat(c, LLMOBS_STAT_SPOOLED), settled = 0;
        assert_true(spooled > 0);
        int64_t until = test_mono_ms() + 60000;
        for (;;) {
            settled = 0;
            llmobs_client *both[2] = {c, next};
            for (int i = 0; i < 2; i++)
                settled += client_stat(both[i], LLMOBS_STAT_SPOOL_RESENT) +
                           client_stat(both[i], LLMOBS_STAT_SPOOL_REJECTED);
            if (settled >= spooled || test_mono_ms() >= until) break;
            receiver_wait_requests(r, receiver_request_count(r) + 1, 100);
        }
        assert_int_equal(settled, spooled);
        spool_lost = client_stat(c, LLMOBS_STAT_SPOOL_REJECTED) +
                     client_stat(next, LLMOBS_STAT_SPOOL_REJECTED);
        printf("%s: %llu items spooled, %llu resent by the faulty client, %llu by the next one,"
               " %llu refused on resend\n",
               name, (unsigned long long)spooled,
               (unsigned long long)client_stat(c, LLMOBS_STAT_SPOOL_RESENT),
               (unsigned long long)client_stat(next, LLMOBS_STAT_SPOOL_RESENT),
               (unsigned long long)spool_lost);
    }
    check_accounting(r, c, &want, &out, spool_lost);
    print_outcome(name, &out, c);
    /* The faults really happened (the run is not vacuous). */
    for (int i = 1; i < RECV_FAULT_COUNT; i++)
        if (f->per_mille[i] && !out.faults[i]) fail_msg("fault %s never drawn", fault_names[i]);
    assert_true(out.received_once > 0);
    llmobs_shutdown(c, 5000);
    llmobs_shutdown(next, 5000);
    receiver_stop(r);
    itemset_free(&want);
}

static void every_fault_at_a_few_percent(void **state)
{
    (void)state;
    recv_faults f = {
        .seed = seed(), .slow_ms = 30, .timeout_ms = 900, .retry_after = "0", .late_ms = 250};
    for (int i = 1; i < RECV_FAULT_COUNT; i++)
        f.per_mille[i] = 25; /* 25% of requests fail one way or another */
    f.per_mille[RECV_FAULT_TIMEOUT] = 5;
    run("few-percent", &f, 25, 20, 4, NULL); /* 4 threads x 25 x (40 spans + 4 scores) = 4400 */
}

static void heavy_faults(void **state)
{
    (void)state;
    recv_faults f = {
        .seed = seed() + 1, .slow_ms = 20, .timeout_ms = 900, .retry_after = "0", .late_ms = 250};
    f.per_mille[RECV_FAULT_503] = 150;
    f.per_mille[RECV_FAULT_429] = 100;
    f.per_mille[RECV_FAULT_RESET_HEADERS] = 50;
    f.per_mille[RECV_FAULT_RESET_BODY] = 50;
    f.per_mille[RECV_FAULT_RESET_AFTER] = 50;
    f.per_mille[RECV_FAULT_ACCEPT_RESET] = 100;
    f.per_mille[RECV_FAULT_500] = 20;
    f.per_mille[RECV_FAULT_413] = 30;
    run("heavy", &f, 10, 10, 3, NULL); /* 4 x 10 x (20 spans + 3 scores) = 920 */
}

/* Heavy faults with a spool and one retry: much is spooled; after the backend recovers, a new
 * client drains the spool. Every item still arrives exactly once or is counted (dropped, or
 * refused when resent from the spool), with duplicates only from lost replies. */
static void heavy_faults_with_a_spool(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/llmobs-faults-spool-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    recv_faults f = {
        .seed = seed() + 2, .slow_ms = 20, .timeout_ms = 900, .retry_after = "0", .late_ms = 250};
    f.per_mille[RECV_FAULT_503] = 200;
    f.per_mille[RECV_FAULT_429] = 100;
    f.per_mille[RECV_FAULT_RESET_HEADERS] = 50;
    f.per_mille[RECV_FAULT_RESET_AFTER] = 50;
    f.per_mille[RECV_FAULT_ACCEPT_RESET] = 100;
    f.per_mille[RECV_FAULT_500] = 20;
    run("heavy+spool", &f, 10, 10, 3, dir);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A backend that never answers: flush and shutdown still return by their deadlines, and
 * everything is counted. */
static void backend_that_never_answers(void **state)
{
    (void)state;
    clear_env();
    receiver *r = receiver_start(0);
    recv_faults f = {.seed = seed(), .timeout_ms = 10000};
    f.per_mille[RECV_FAULT_TIMEOUT] = 1000;
    receiver_set_faults(r, &f);
    llmobs_client *c = fault_client(r, NULL);
    make_tracked(c, 100, 10, "hang", NULL, NULL);
    int64_t t0 = test_mono_ms();
    uint64_t pending = 0;
    assert_int_equal(llmobs_flush(c, 300, &pending), LLMOBS_ETIMEOUT);
    int64_t flush_ms = test_mono_ms() - t0;
    assert_true(pending > 0);
    assert_true(flush_ms >= 300 && flush_ms < 400);
    /* An open trace keeps the client's counters readable after shutdown. */
    llmobs_trace *hold = llmobs_trace_start(c, "hold", NULL);
    t0 = test_mono_ms();
    llmobs_shutdown(c, 500);
    int64_t shutdown_ms = test_mono_ms() - t0;
    printf("never answers: flush(300) took %lld ms, shutdown(500) took %lld ms\n",
           (long long)flush_ms, (long long)shutdown_ms);
    assert_true(shutdown_ms < 700);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 210);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN) +
                         client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED),
                     210);
    llmobs_trace_end(hold);
    receiver_stop(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_fault_at_a_few_percent),
        cmocka_unit_test(heavy_faults),
        cmocka_unit_test(heavy_faults_with_a_spool),
        cmocka_unit_test(backend_that_never_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
