/* Fault injection against the real receiver: thousands of spans and scores from several
 * threads while the receiver answers with seeded random faults (5xx, 429 + Retry-After, 413,
 * slow answers, connections reset before and after the request was read, timeouts, and
 * replies lost after the request was accepted). From the receiver's own records: every item
 * created is received exactly once or counted as dropped with a matching reason; duplicates
 * only for items of requests whose reply was lost after acceptance; flush(timeout) returns by
 * its deadline. The legacy ingestion exporter goes through the same mix plus 207 replies with
 * per-event errors. LLMOBS_FAULT_SEED=<n> repeats a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "http_test.h"
#include "itemset.h"
#include "receiver.h"

#include <arpa/inet.h>
#include <llmobs/llmobs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define THREADS 4

static const char *const fault_names[RECV_FAULT_COUNT] = {
    "none",          "500",        "503",         "429",          "413",     "slow",
    "reset_headers", "reset_body", "reset_after", "accept_reset", "timeout", "207"};

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

typedef struct outcome {
    size_t created, received_once, duplicates, missing, requests;
    size_t faults[RECV_FAULT_COUNT];
    size_t event_5xx, event_4xx; /* per-event errors in 207 replies */
    size_t resent_after_5xx;     /* events answered 5xx and accepted on another request */
    int64_t worst_flush_overshoot_ms, final_flush_ms;
} outcome;

/* ---- what the receiver did, per unit ---------------------------------------------------------
 * A unit is what the receiver accepts or refuses on its own. Over OTLP it is an item (a span or
 * a score), keyed by its id. Over the ingestion API an item travels as one or more events (a
 * root span as a trace-create and a span-create), each accepted or refused separately in a 207
 * reply: the unit is the event, keyed "<item id> <event type>" (one key per event id). */

typedef enum fate {
    FATE_NOT_ACCEPTED = 0, /* not answered, or answered with a transient failure */
    FATE_ACCEPTED,         /* 2xx; over ingestion the event's own answer was 2xx too */
    FATE_REFUSED,          /* final: a per-event 4xx in a 207 */
    FATE_EVENT_5XX,        /* a per-event 5xx in a 207: the client must send it again */
    FATE_TOO_LARGE         /* the whole request was answered 413 */
} fate;

static const char *const fate_names[] = {"not accepted", "accepted", "refused", "event 5xx",
                                         "too large"};

/* "<item id> <event type>" for an event id "<trace id>-<span id>-<type>" or
 * "<score id>-score-create"; an id of another shape is kept whole (it then matches no item). */
static void event_unit(const char *event_id, char *out, size_t cap)
{
    static const char suffix[] = "-create";
    size_t n = strlen(event_id), sl = sizeof suffix - 1;
    const char *type = NULL;
    if (n > sl && strcmp(event_id + n - sl, suffix) == 0)
        for (const char *p = event_id + n - sl - 1; p > event_id && !type; p--)
            if (*p == '-') type = p + 1;
    const char *item = event_id, *item_end = type ? type - 1 : event_id + n;
    if (type && strcmp(type, "score-create") != 0) {
        const char *dash = memchr(event_id, '-', (size_t)(item_end - event_id));
        if (dash) item = dash + 1;
    }
    if (type)
        snprintf(out, cap, "%.*s %s", (int)(item_end - item), item, type);
    else
        snprintf(out, cap, "%s", event_id);
}

/* The item a unit belongs to, into `out`. */
static void unit_item(const char *unit, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)strcspn(unit, " "), unit);
}

typedef void (*unit_fn)(const char *unit, fate f, void *ud);

/* Calls fn for every unit of one recorded request with what the receiver did with it. */
static void each_unit(const recv_request *q, unit_fn fn, void *ud)
{
    bool ok = q->status >= 200 && q->status < 300;
    fate whole = ok ? FATE_ACCEPTED : q->status == 413 ? FATE_TOO_LARGE : FATE_NOT_ACCEPTED;
    if (q->nevents) {
        for (size_t i = 0; i < q->nevents; i++) {
            char unit[160];
            int st = q->event_status[i];
            event_unit(q->event_ids[i], unit, sizeof unit);
            fate f = whole;
            if (ok && st >= 500)
                f = FATE_EVENT_5XX;
            else if (ok && (st < 200 || st >= 300))
                f = FATE_REFUSED;
            fn(unit, f, ud);
        }
        return;
    }
    /* A 500 from Langfuse is transient (its queue or storage): retried, like a 503. */
    cJSON *j = cJSON_ParseWithLength(q->body, q->len);
    if (!j) return;
    if (strcmp(q->path, "/api/public/scores") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (cJSON_IsString(id)) fn(id->valuestring, whole, ud);
    } else {
        const cJSON *rs, *ss, *sp;
        cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(j, "resourceSpans"))
        {
            cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
            {
                cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(ss, "spans"))
                {
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(sp, "spanId");
                    if (cJSON_IsString(id)) fn(id->valuestring, whole, ud);
                }
            }
        }
    }
    cJSON_Delete(j);
}

/* The receiver's records, by unit and by item (itemsets keep repeats). */
typedef struct ledger {
    itemset seen;         /* units of every request the receiver read */
    itemset accepted;     /* a unit once per acceptance */
    itemset lost_reply;   /* a unit once per acceptance whose reply was lost */
    itemset event_5xx;    /* units answered a per-event 5xx */
    itemset refused;      /* items with a unit refused for good */
    itemset refused_seen; /* ... in a reply the client got (not lost) */
    itemset too_large;    /* items alone in a request answered 413 */
    const recv_request *q;
    itemset request_items; /* items of the request being read */
} ledger;

static void ledger_unit(const char *unit, fate f, void *ud)
{
    ledger *l = ud;
    char item[128];
    unit_item(unit, item, sizeof item);
    itemset_add(&l->seen, unit);
    itemset_add(&l->request_items, item);
    if (f == FATE_ACCEPTED) itemset_add(&l->accepted, unit);
    if (f == FATE_ACCEPTED && l->q->reply_lost) itemset_add(&l->lost_reply, unit);
    if (f == FATE_EVENT_5XX) itemset_add(&l->event_5xx, unit);
    if (f == FATE_REFUSED) itemset_add(&l->refused, item);
    if (f == FATE_REFUSED && !l->q->reply_lost) itemset_add(&l->refused_seen, item);
}

/* Distinct ids of a sorted itemset. */
static size_t distinct(const itemset *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (i == 0 || strcmp(s->ids[i], s->ids[i - 1]) != 0) n++;
    return n;
}

static void ledger_read(ledger *l, receiver *r, outcome *o)
{
    o->requests = receiver_request_count(r);
    for (size_t i = 0; i < o->requests; i++) {
        const recv_request *q = receiver_request(r, i);
        o->faults[q->fault]++;
        for (size_t k = 0; k < q->nevents; k++) {
            int st = q->event_status[k];
            if (st >= 500) o->event_5xx++;
            if (st >= 400 && st < 500) o->event_4xx++;
        }
        l->q = q;
        each_unit(q, ledger_unit, l);
        itemset_sort(&l->request_items);
        if (q->status == 413 && distinct(&l->request_items) == 1)
            itemset_add(&l->too_large, l->request_items.ids[0]);
        itemset_free(&l->request_items);
    }
    itemset *all[] = {&l->seen,    &l->accepted,     &l->lost_reply, &l->event_5xx,
                      &l->refused, &l->refused_seen, &l->too_large};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        itemset_sort(all[i]);
}

static void ledger_free(ledger *l)
{
    itemset *all[] = {&l->seen,    &l->accepted,     &l->lost_reply, &l->event_5xx,
                      &l->refused, &l->refused_seen, &l->too_large};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        itemset_free(all[i]);
}

/* On failure: every request that carried `unit`. */
typedef struct dump_state {
    const char *unit;
    int found; /* fate + 1 */
} dump_state;

static void dump_unit(const char *unit, fate f, void *ud)
{
    dump_state *d = ud;
    if (strcmp(unit, d->unit) == 0) d->found = (int)f + 1;
}

static void dump_requests_with(receiver *r, const char *unit)
{
    size_t n = receiver_request_count(r);
    for (size_t i = 0; i < n; i++) {
        const recv_request *q = receiver_request(r, i);
        dump_state d = {unit, 0};
        each_unit(q, dump_unit, &d);
        if (d.found)
            printf("  request %zu %s: fault %s, status %d, reply_lost %d, %s, %lld..%lld ms\n", i,
                   q->path, fault_names[q->fault], q->status, q->reply_lost,
                   fate_names[d.found - 1], (long long)q->start_ms, (long long)q->end_ms);
    }
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
    if (o->faults[RECV_FAULT_207])
        printf("\n  per-event errors in 207 replies: %zu 5xx (%zu of those events accepted on"
               " another request), %zu 4xx",
               o->event_5xx, o->resent_after_5xx, o->event_4xx);
    printf("\n");
}

/* The checks every fault run ends with. */
/* `spool_lost`: items of spool files the backend refused on resend (0 without a spool). */
static void check_accounting(const char *name, receiver *r, llmobs_client *c, itemset *want,
                             outcome *o, uint64_t spool_lost)
{
    ledger l = {0};
    ledger_read(&l, r, o);
    itemset_sort(want);

    /* The client's books balance and nothing is left. */
    o->created = want->n;
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), want->n);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED) + client_stat(c, LLMOBS_STAT_DROPPED) +
                         client_stat(c, LLMOBS_STAT_SPOOLED),
                     want->n);

    /* Per unit: nothing foreign was sent; a unit accepted twice only after a lost reply. An
     * item was received when each of its units was accepted. */
    itemset items_seen = {0}, incomplete = {0}, lost_items = {0};
    for (size_t i = 0; i < l.seen.n; i++) {
        const char *unit = l.seen.ids[i];
        if (i > 0 && strcmp(unit, l.seen.ids[i - 1]) == 0) continue;
        char item[128];
        unit_item(unit, item, sizeof item);
        if (!itemset_count(want, item)) fail_msg("received an unknown id %s", unit);
        size_t k = itemset_count(&l.accepted, unit), lost = itemset_count(&l.lost_reply, unit);
        itemset_add(&items_seen, item);
        if (k == 0) itemset_add(&incomplete, item);
        if (lost) itemset_add(&lost_items, item);
        if (k && itemset_count(&l.event_5xx, unit)) o->resent_after_5xx++;
        if (k >= 2) {
            /* The only duplicate the protocol cannot exclude: a reply lost after acceptance. */
            if (k - 1 > lost) {
                dump_requests_with(r, unit);
                fail_msg("%s received %zu times, only %zu replies lost", unit, k, lost);
            }
            o->duplicates += k - 1;
        }
    }
    itemset_sort(&items_seen);
    itemset_sort(&incomplete);
    itemset_sort(&lost_items);

    size_t missing_unexplained = 0, received_though_dropped_bound = 0;
    for (size_t i = 0; i < want->n; i++) {
        const char *id = want->ids[i];
        if (!itemset_count(&items_seen, id) || itemset_count(&incomplete, id)) {
            o->missing++;
            if (!itemset_count(&l.refused, id) && !itemset_count(&l.too_large, id))
                missing_unexplained++;
        } else {
            o->received_once++;
            if (itemset_count(&lost_items, id)) received_though_dropped_bound++;
        }
    }
    uint64_t d = client_stat(c, LLMOBS_STAT_DROPPED), lost = d + spool_lost;
    uint64_t d_rej = client_dropped(c, LLMOBS_DROP_REJECTED),
             d_big = client_dropped(c, LLMOBS_DROP_TOO_LARGE),
             d_ret = client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED);
    size_t refused = distinct(&l.refused), refused_seen = distinct(&l.refused_seen),
           too_large = distinct(&l.too_large);
    print_outcome(name, o, c);
    printf("  receiver: %zu items refused (%zu in replies not lost), %zu alone in a 413;"
           " %zu received items were in lost replies; %zu missing not refused\n",
           refused, refused_seen, too_large, received_though_dropped_bound, missing_unexplained);
    /* Every item that never arrived is counted as dropped; items counted as dropped that did
     * arrive can only be ones whose accepted request's reply was lost. */
    assert_true(o->missing <= lost);
    assert_true(lost <= o->missing + received_though_dropped_bound);
    /* ... with a reason that matches what the receiver did: at least as many items counted
     * rejected as were refused in replies the client got; rejected and too_large drops are
     * items the receiver refused or found too large; the other missing items ran out of
     * retries. */
    assert_int_equal(d, d_rej + d_big + d_ret);
    assert_true(d_rej + d_big + spool_lost <= refused + too_large);
    assert_true(d_rej + spool_lost >= refused_seen);
    assert_true(d_rej <= refused);
    assert_true(d_big <= too_large);
    assert_true(missing_unexplained <= d_ret);
    itemset_free(&items_seen);
    itemset_free(&incomplete);
    itemset_free(&lost_items);
    ledger_free(&l);
}

static void silent(llmobs_log_level level, const char *message, void *userdata)
{
    (void)level, (void)message, (void)userdata;
}

/* How a run's client exports, and what its workers create. */
typedef struct run_spec {
    int rounds, traces, scores; /* each thread: rounds x (2 x traces spans + scores scores) */
    const char *exporter;       /* NULL: the default (OTLP), or "langfuse-ingestion" */
    const char *spool_dir;      /* NULL: none */
    int max_retries;            /* 0: 5, or 1 with a spool */
} run_spec;

/* Requests time out after 0.5 s; up to max_retries retries within 30 s. */
static llmobs_client *fault_client(receiver *r, const run_spec *rs)
{
    llmobs_options *o = receiver_options(r, NULL, 50);
    if (rs->exporter) llmobs_options_set(o, "exporter", rs->exporter);
    llmobs_options_set(o, "debug", "false");
    llmobs_options_set_log_callback(o, silent, NULL);
    llmobs_options_set(o, "timeout", "0.5");
    llmobs_options_set_int(o, "max_retries",
                           rs->max_retries ? rs->max_retries
                           : rs->spool_dir ? 1
                                           : 5);
    llmobs_options_set(o, "retry_deadline", "30");
    llmobs_options_set(o, "max_batch_items", "200");
    if (rs->spool_dir) llmobs_options_set(o, "spool_dir", rs->spool_dir);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    return c;
}

/* Drives THREADS workers while the main thread calls flush(150 ms) and measures how late each
 * returns; then flushes everything and checks the books. */
static void run(const char *name, const recv_faults *f, const run_spec *rs)
{
    clear_env();
    receiver *r = receiver_start(0);
    receiver_set_faults(r, f);
    llmobs_client *c = fault_client(r, rs);
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){
            .c = c, .id = i, .rounds = rs->rounds, .traces = rs->traces, .scores = rs->scores};
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
    /* A flush returns by its deadline: 100 ms of slack for scheduling on a loaded
     * machine (times LLMOBS_TEST_TIME_SCALE under valgrind). */
    assert_true(out.worst_flush_overshoot_ms < test_slack_ms(100));
    uint64_t spool_lost = 0;
    llmobs_client *next = NULL;
    if (rs->spool_dir) {
        /* The backend recovers (no fault drawn: an ingestion request is still answered 207
         * per event); a new client on the same directory drains the spool (the faulty one may
         * still be resending some files too). */
        receiver_set_faults(r, &(recv_faults){.seed = f->seed});
        next = fault_client(r, rs);
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
    /* A request whose client gave up closed its connection: once only the clients' idle
     * connections are open, every such reply is recorded lost. */
    size_t open = receiver_wait_open_connections(r, next ? 2 : 1, (int)test_slack_ms(5000));
    if (open > (next ? 2u : 1u)) fail_msg("%zu connections still open", open);
    check_accounting(name, r, c, &want, &out, spool_lost);
    /* The faults really happened (the run is not vacuous). */
    for (int i = 1; i < RECV_FAULT_COUNT; i++)
        if (f->per_mille[i] && !out.faults[i]) fail_msg("fault %s never drawn", fault_names[i]);
    if (f->per_mille[RECV_FAULT_207] && rs->exporter) {
        /* ... per event too: events failed with 5xx were sent again under their ids and
         * accepted, and 4xx refusals were counted. */
        if (f->event_5xx_per_mille) assert_true(out.resent_after_5xx > 0);
        if (f->event_4xx_per_mille) {
            assert_true(out.event_4xx > 0);
            assert_true(client_dropped(c, LLMOBS_DROP_REJECTED) > 0);
        }
    }
    assert_true(out.received_once > 0);
    llmobs_shutdown(c, 5000);
    llmobs_shutdown(next, 5000);
    receiver_stop(r);
    itemset_free(&want);
}

/* Faults drawn from the run's seed plus `offset`, none until rates are set: slow answers take
 * slow_ms, timeouts 900 ms (past the client's 0.5 s), 429s say Retry-After: 0. */
static recv_faults faults(unsigned offset, int slow_ms)
{
    return (recv_faults){
        .seed = seed() + offset, .slow_ms = slow_ms, .timeout_ms = 900, .retry_after = "0"};
}

/* 25 % retryable answers (503, 429), 15 % resets, 10 % lost replies, some 500s and 413s. */
static recv_faults heavy_mix(unsigned offset)
{
    recv_faults f = faults(offset, 20);
    f.per_mille[RECV_FAULT_503] = 150;
    f.per_mille[RECV_FAULT_429] = 100;
    f.per_mille[RECV_FAULT_RESET_HEADERS] = 50;
    f.per_mille[RECV_FAULT_RESET_BODY] = 50;
    f.per_mille[RECV_FAULT_RESET_AFTER] = 50;
    f.per_mille[RECV_FAULT_ACCEPT_RESET] = 100;
    f.per_mille[RECV_FAULT_500] = 20;
    f.per_mille[RECV_FAULT_413] = 30;
    return f;
}

static void every_fault_at_a_few_percent(void **state)
{
    (void)state;
    recv_faults f = faults(0, 30);
    for (int i = 1; i < RECV_FAULT_207; i++) /* 207 is a plain 200 over OTLP */
        f.per_mille[i] = 25;                 /* 25% of requests fail one way or another */
    f.per_mille[RECV_FAULT_TIMEOUT] = 5;
    run("few-percent", &f,
        &(run_spec){
            .rounds = 25, .traces = 20, .scores = 4}); /* 4 threads x 25 x (40 spans + 4 scores) */
}

static void heavy_faults(void **state)
{
    (void)state;
    recv_faults f = heavy_mix(1);
    run("heavy", &f,
        &(run_spec){
            .rounds = 10, .traces = 10, .scores = 3}); /* 4 x 10 x (20 spans + 3 scores) = 920 */
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
    recv_faults f = faults(2, 20);
    f.per_mille[RECV_FAULT_503] = 200;
    f.per_mille[RECV_FAULT_429] = 100;
    f.per_mille[RECV_FAULT_RESET_HEADERS] = 50;
    f.per_mille[RECV_FAULT_RESET_AFTER] = 50;
    f.per_mille[RECV_FAULT_ACCEPT_RESET] = 100;
    f.per_mille[RECV_FAULT_500] = 20;
    run("heavy+spool", &f, &(run_spec){.rounds = 10, .traces = 10, .scores = 3, .spool_dir = dir});
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The legacy ingestion exporter through the same mix plus 207 replies with per-event errors:
 * each event of such a batch independently accepted, failed with a 5xx (the client must send
 * it again under the same event id) or refused with a 4xx (the client counts its item as
 * rejected). Over ingestion a whole-request 500 is retryable, not final. */
static void ingestion_with_per_event_errors(void **state)
{
    (void)state;
    recv_faults f = faults(3, 20);
    f.event_5xx_per_mille = 100; /* of the events of a 207 */
    f.event_4xx_per_mille = 20;
    for (int i = 1; i < RECV_FAULT_207; i++)
        f.per_mille[i] = 20;
    f.per_mille[RECV_FAULT_TIMEOUT] = 10;
    f.per_mille[RECV_FAULT_207] = 250;
    run("ingestion+207", &f,
        &(run_spec){
            .rounds = 25, .traces = 20, .scores = 4, .exporter = "langfuse-ingestion"}); /* 4400 */
}

/* Heavy faults over ingestion, with two retries: batches run out of retries after 207s had
 * already accepted or refused some of their items. Those items are counted as exported or
 * rejected, only the others as retries_exhausted. */
static void ingestion_heavy_faults_and_few_retries(void **state)
{
    (void)state;
    recv_faults f = heavy_mix(4);
    f.per_mille[RECV_FAULT_207] = 300; /* with the heavy mix: 15 % of requests plainly accepted */
    f.event_5xx_per_mille = 300;
    f.event_4xx_per_mille = 50;
    run("ingestion-heavy", &f,
        &(run_spec){.rounds = 10,
                    .traces = 10,
                    .scores = 3,
                    .exporter = "langfuse-ingestion",
                    .max_retries = 2}); /* 920 items */
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
    llmobs_client *c = fault_client(r, &(run_spec){0});
    make_tracked(c, 100, 10, "hang", NULL, NULL);
    int64_t t0 = test_mono_ms();
    uint64_t pending = 0;
    assert_int_equal(llmobs_flush(c, 300, &pending), LLMOBS_ETIMEOUT);
    int64_t flush_ms = test_mono_ms() - t0;
    assert_true(pending > 0);
    assert_true(flush_ms >= 300 && flush_ms < 300 + test_slack_ms(100));
    /* An open trace keeps the client's counters readable after shutdown. */
    llmobs_trace *hold = llmobs_trace_start(c, "hold", NULL);
    t0 = test_mono_ms();
    llmobs_shutdown(c, 500);
    int64_t shutdown_ms = test_mono_ms() - t0;
    printf("never answers: flush(300) took %lld ms, shutdown(500) took %lld ms\n",
           (long long)flush_ms, (long long)shutdown_ms);
    assert_true(shutdown_ms < 500 + test_slack_ms(200));
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 210);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_SHUTDOWN) +
                         client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED),
                     210);
    llmobs_trace_end(hold);
    receiver_stop(r);
}

/* A TCP connection to the receiver on loopback. */
static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* One HTTP/1.1 POST of an empty OTLP request on socket `fd`. */
static void post_raw(int fd)
{
    static const char rq[] = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    assert_int_equal(write(fd, rq, sizeof rq - 1), (ssize_t)(sizeof rq - 1));
}

/* Reads one answer of the receiver (headers and its two-byte "{}" body). */
static void read_answer(int fd)
{
    char buf[1024];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
        assert_true(k > 0);
        n += (size_t)k;
        buf[n] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        if (end && strlen(end + 4) >= 2) return;
    }
    fail_msg("no complete answer");
}

/* The oracle of the runs above: a client that gives up on a request closes its connection,
 * however fast the answer was, so the receiver records an accepted request as possibly unseen
 * (reply_lost) when its connection closed without another request, and as seen when the
 * client sent another request on the connection. */
static void a_reply_is_lost_when_the_client_hangs_up_after_it(void **state)
{
    (void)state;
    receiver *r = receiver_start(0);
    int gives_up = connect_to(receiver_port(r)), reads = connect_to(receiver_port(r));
    post_raw(gives_up); /* answered at once, never read */
    assert_int_equal(receiver_wait_requests(r, 1, 5000), 1);
    close(gives_up);
    post_raw(reads);
    read_answer(reads);
    post_raw(reads); /* proves the client read the answer before */
    read_answer(reads);
    assert_int_equal(receiver_wait_open_connections(r, 1, 5000), 1);
    assert_int_equal(receiver_request_count(r), 3);
    assert_true(receiver_request(r, 0)->reply_lost);
    assert_false(receiver_request(r, 1)->reply_lost);
    assert_false(receiver_request(r, 2)->reply_lost);
    close(reads); /* the last answer on it: the receiver cannot tell it was read */
    assert_int_equal(receiver_wait_open_connections(r, 0, 5000), 0);
    assert_true(receiver_request(r, 2)->reply_lost);
    receiver_stop(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_fault_at_a_few_percent),
        cmocka_unit_test(heavy_faults),
        cmocka_unit_test(heavy_faults_with_a_spool),
        cmocka_unit_test(ingestion_with_per_event_errors),
        cmocka_unit_test(ingestion_heavy_faults_and_few_retries),
        cmocka_unit_test(backend_that_never_answers),
        cmocka_unit_test(a_reply_is_lost_when_the_client_hangs_up_after_it),
    };
    /* LLMOBS_FAULT_TEST=<name pattern> runs only the matching cases (with LLMOBS_FAULT_SEED). */
    const char *only = getenv("LLMOBS_FAULT_TEST");
    if (only && *only) cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
