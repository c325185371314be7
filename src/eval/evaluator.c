/* The evaluator: rolling windows (last N results, of which only the last T seconds count) per
 * (feature, metric) for pass rates and per pipeline version for faithfulness, feeding the eval
 * metrics, with an optional score to Langfuse for the judged trace. Memory is bounded: at most
 * eval_max_windows windows of eval_window results each. */
#include "core/atfork.h"
#include "trace/tracer.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/options.h"
#include "eval/eval.h"
#include "llmobs/score.h"
#include "metrics/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

typedef struct sample {
    int64_t t_ns;
    double v; /* pass windows: 1 pass / 0 fail; faithfulness windows: the score */
} sample;

typedef struct window {
    struct window *next; /* hash chain */
    char *key;           /* "feature\0metric" or "pipeline_version" (kind in `faith`) */
    size_t key_len;
    bool faith;
    sample *ring;
    size_t head, count; /* head: the oldest sample */
    uint64_t pass, fail, error;
} window;

struct llmobs_evaluator {
    pthread_mutex_t mu;
    llmobs__atfork fork; /* takes mu across fork() */
    llmobs_client *client;
    llmobs_registry *registry;
    llmobs_clock_fn clock;
    void *clock_ud;
    double threshold;
    size_t max_results;
    int64_t max_age_ns; /* 0: no time limit */
    size_t max_windows, nwindows;
    window *buckets[NBUCKETS];
};

static int64_t default_clock(void *ud)
{
    (void)ud;
    return llmobs__mono_ns();
}

static llmobs_status apply_window(llmobs_evaluator *ev, int64_t max_results, double max_seconds)
{
    if (max_results < 1 || max_results > 100000 || !isfinite(max_seconds) || max_seconds < 0)
        return llmobs__error(LLMOBS_EINVAL,
                             "eval window: max_results in [1, 100000], max_seconds >= 0");
    ev->max_results = (size_t)max_results;
    ev->max_age_ns = (int64_t)(max_seconds * 1e9);
    return LLMOBS_OK;
}

static void expire(const llmobs_evaluator *ev, window *w, int64_t now);
static double mean(const llmobs_evaluator *ev, const window *w);

/* At every scrape of the registry: expire every window and refresh its gauge, so a pass rate
 * or faithfulness whose results all aged out disappears instead of keeping its last value.
 * Runs under the registry's collector lock, then takes ev->mu; nothing takes them the other
 * way round (collectors are added and removed without holding ev->mu). */
static void collect(void *ud)
{
    llmobs_evaluator *ev = ud;
    pthread_mutex_lock(&ev->mu);
    llmobs__llm_metrics *m = ev->registry ? llmobs__llm_metrics_get(ev->registry, NULL) : NULL;
    int64_t now = ev->clock(ev->clock_ud);
    for (size_t i = 0; m && i < NBUCKETS; i++)
        for (window *w = ev->buckets[i]; w; w = w->next) {
            expire(ev, w, now);
            const char *labels[2] = {w->key, w->key + strlen(w->key) + 1};
            llmobs_family *f =
                m->f[w->faith ? LLMOBS__LLM_RAG_FAITHFULNESS : LLMOBS__LLM_EVAL_PASS_RATE];
            size_t n = w->faith ? 1 : 2;
            if (w->count)
                llmobs_gauge_set_labels(f, labels, n, mean(ev, w));
            else
                llmobs_family_remove(f, labels, n);
        }
    pthread_mutex_unlock(&ev->mu);
}

static void fork_lock(void *ud)
{
    pthread_mutex_lock(&((llmobs_evaluator *)ud)->mu);
}

static void fork_unlock(void *ud, bool child)
{
    (void)child;
    pthread_mutex_unlock(&((llmobs_evaluator *)ud)->mu);
}

llmobs_evaluator *llmobs_evaluator_new(llmobs_client *client, llmobs_options *opts,
                                       llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_options *own = opts;
    if (!own && !client && !(own = llmobs_options_new())) {
        st = llmobs__error(LLMOBS_ENOMEM, "evaluator: out of memory");
        goto fail;
    }
    if (own && (st = llmobs__options_apply_env(own)) != LLMOBS_OK) goto fail;
    const llmobs_options *o = own ? own : llmobs__tracer_of(client)->opts;
    llmobs_evaluator *ev = calloc(1, sizeof *ev);
    if (!ev) {
        st = llmobs__error(LLMOBS_ENOMEM, "evaluator: out of memory");
        goto fail;
    }
    pthread_mutex_init(&ev->mu, NULL);
    llmobs__atfork_add(&ev->fork, LLMOBS__FORK_RANK_EVALUATOR, fork_lock, fork_unlock, ev);
    ev->client = client;
    ev->registry = llmobs__eval_default_registry();
    ev->clock = default_clock;
    ev->threshold = o->eval_threshold;
    ev->max_windows = (size_t)o->eval_max_windows;
    apply_window(ev, o->eval_window, o->eval_window_s);
    llmobs__registry_add_collector(ev->registry, collect, ev);
    llmobs_options_free(own);
    llmobs__error_clear();
    if (status) *status = LLMOBS_OK;
    return ev;
fail:
    llmobs_options_free(own);
    if (status) *status = st;
    return NULL;
}

static void window_free(window *w)
{
    free(w->key);
    free(w->ring);
    free(w);
}

void llmobs_evaluator_free(llmobs_evaluator *ev)
{
    if (!ev) return;
    llmobs__registry_remove_collector(ev->registry, collect, ev);
    llmobs__atfork_remove(&ev->fork);
    for (size_t i = 0; i < NBUCKETS; i++)
        for (window *w = ev->buckets[i], *next; w; w = next) {
            next = w->next;
            window_free(w);
        }
    pthread_mutex_destroy(&ev->mu);
    free(ev);
}

llmobs_status llmobs_evaluator_set_registry(llmobs_evaluator *ev, llmobs_registry *registry)
{
    if (!ev) return llmobs__error(LLMOBS_EINVAL, "llmobs_evaluator_set_registry: NULL evaluator");
    llmobs__registry_remove_collector(ev->registry, collect, ev);
    pthread_mutex_lock(&ev->mu);
    ev->registry = registry;
    pthread_mutex_unlock(&ev->mu);
    if (registry) llmobs__registry_add_collector(registry, collect, ev);
    return LLMOBS_OK;
}

llmobs_status llmobs_evaluator_set_clock(llmobs_evaluator *ev, llmobs_clock_fn now_ns, void *ud)
{
    if (!ev || !now_ns)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_evaluator_set_clock: NULL argument");
    pthread_mutex_lock(&ev->mu);
    ev->clock = now_ns;
    ev->clock_ud = ud;
    pthread_mutex_unlock(&ev->mu);
    return LLMOBS_OK;
}

/* Re-rings `w` to the evaluator's capacity, keeping its newest samples. */
/* Moves w's newest samples (at most `cap`) into `ring`, which replaces its ring. */
static void window_move(window *w, sample *ring, size_t cap, size_t old_cap)
{
    size_t keep = w->count < cap ? w->count : cap;
    for (size_t i = 0; i < keep; i++)
        ring[i] = w->ring[(w->head + (w->count - keep) + i) % old_cap];
    free(w->ring);
    w->ring = ring;
    w->head = 0;
    w->count = keep;
}

/* Gives every window a ring of ev->max_results samples, all or nothing: the new rings are
 * allocated before any window changes, so on ENOMEM every window keeps its ring intact. */
static bool resize_windows(llmobs_evaluator *ev, size_t old_cap)
{
    sample **rings = calloc(ev->nwindows + 1, sizeof(sample *));
    if (!rings) return false;
    size_t made = 0;
    for (; made < ev->nwindows; made++)
        if (!(rings[made] = malloc(ev->max_results * sizeof(sample)))) break;
    bool ok = made == ev->nwindows;
    size_t k = 0;
    for (size_t i = 0; ok && i < NBUCKETS; i++)
        for (window *w = ev->buckets[i]; w && k < made; w = w->next, k++)
            if (rings[k]) window_move(w, rings[k], ev->max_results, old_cap); /* k < made */
    for (k = 0; !ok && k < made; k++)
        free(rings[k]);
    free(rings);
    return ok;
}

llmobs_status llmobs_evaluator_set_window(llmobs_evaluator *ev, int64_t max_results,
                                          double max_seconds)
{
    if (!ev) return llmobs__error(LLMOBS_EINVAL, "llmobs_evaluator_set_window: NULL evaluator");
    pthread_mutex_lock(&ev->mu);
    size_t old_cap = ev->max_results;
    int64_t old_age = ev->max_age_ns;
    llmobs_status st = apply_window(ev, max_results, max_seconds);
    if (st == LLMOBS_OK && ev->max_results != old_cap && !resize_windows(ev, old_cap)) {
        ev->max_results = old_cap; /* the window stays as it was */
        ev->max_age_ns = old_age;
        st = LLMOBS_ENOMEM;
    }
    pthread_mutex_unlock(&ev->mu);
    if (st == LLMOBS_ENOMEM) return llmobs__error(st, "eval window: out of memory");
    return st;
}

static size_t hash_key(const char *k, size_t n, bool faith)
{
    uint64_t h = faith ? 1469598103934665603ull ^ 0xfa : 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    return (size_t)(h % NBUCKETS);
}

/* Packs "a\0b" into buf (heap when long); returns its length. */
static char *make_key(const char *a, const char *b, size_t *len)
{
    size_t la = strlen(a), lb = b ? strlen(b) + 1 : 0;
    char *k = malloc(la + lb + 1);
    if (!k) return NULL;
    memcpy(k, a, la + 1);
    if (b) memcpy(k + la + 1, b, lb);
    *len = la + lb;
    return k;
}

/* Finds the window; creates it when `create`. Caller holds the lock. *st gets ELIMIT/ENOMEM. */
static window *find_window(llmobs_evaluator *ev, const char *a, const char *b, bool faith,
                           bool create, llmobs_status *st)
{
    size_t len;
    char *key = make_key(a, b, &len);
    if (!key) {
        *st = LLMOBS_ENOMEM;
        return NULL;
    }
    size_t hb = hash_key(key, len, faith);
    for (window *w = ev->buckets[hb]; w; w = w->next)
        if (w->faith == faith && w->key_len == len && memcmp(w->key, key, len) == 0) {
            free(key);
            return w;
        }
    if (!create) {
        free(key);
        *st = LLMOBS_ENOTFOUND;
        return NULL;
    }
    if (ev->nwindows >= ev->max_windows) {
        free(key);
        *st = LLMOBS_ELIMIT;
        return NULL;
    }
    window *w = calloc(1, sizeof *w);
    if (!w || !(w->ring = malloc(ev->max_results * sizeof *w->ring))) {
        free(w);
        free(key);
        *st = LLMOBS_ENOMEM;
        return NULL;
    }
    w->key = key;
    w->key_len = len;
    w->faith = faith;
    w->next = ev->buckets[hb];
    ev->buckets[hb] = w;
    ev->nwindows++;
    return w;
}

/* Drops samples older than the window. A sample exactly max_age old still counts. */
static void expire(const llmobs_evaluator *ev, window *w, int64_t now)
{
    if (ev->max_age_ns <= 0) return;
    while (w->count && now - w->ring[w->head].t_ns > ev->max_age_ns) {
        w->head = (w->head + 1) % ev->max_results;
        w->count--;
    }
}

static void push(const llmobs_evaluator *ev, window *w, int64_t now, double v)
{
    if (w->count == ev->max_results) {
        w->ring[w->head] = (sample){now, v};
        w->head = (w->head + 1) % ev->max_results;
        return;
    }
    w->ring[(w->head + w->count) % ev->max_results] = (sample){now, v};
    w->count++;
}

static double mean(const llmobs_evaluator *ev, const window *w)
{
    if (!w->count) return NAN;
    double sum = 0;
    for (size_t i = 0; i < w->count; i++)
        sum += w->ring[(w->head + i) % ev->max_results].v;
    return sum / (double)w->count;
}

static bool valid_name(const char *s)
{
    return s && *s;
}

static llmobs_status send_score(llmobs_evaluator *ev, const char *name, double value,
                                const char *trace_id, const char *observation_id,
                                const char *comment)
{
    if (!trace_id || !*trace_id || !ev->client) return LLMOBS_OK;
    return llmobs_score_numeric(ev->client, trace_id,
                                observation_id && *observation_id ? observation_id : NULL, name,
                                value, comment && *comment ? comment : NULL);
}

llmobs_status llmobs_eval_record_error(llmobs_evaluator *ev, const char *feature,
                                       const char *metric, const char *reason)
{
    if (!ev || !valid_name(feature) || !valid_name(metric))
        return llmobs__error(LLMOBS_EINVAL, "llmobs_eval_record_error: NULL evaluator or empty "
                                            "feature/metric");
    (void)reason;
    llmobs_status st = LLMOBS_OK;
    pthread_mutex_lock(&ev->mu);
    window *w = find_window(ev, feature, metric, false, true, &st);
    if (w) w->error++;
    llmobs_status mst = llmobs__eval_metrics_run(ev->registry, feature, metric, "error", NAN);
    pthread_mutex_unlock(&ev->mu);
    if (st != LLMOBS_OK)
        return llmobs__error(st, "eval %s/%s: %s", feature, metric,
                             st == LLMOBS_ELIMIT ? "eval_max_windows reached" : "out of memory");
    return mst;
}

llmobs_status llmobs_eval_record(llmobs_evaluator *ev, const char *feature, const char *metric,
                                 double score, double threshold, const char *trace_id,
                                 const char *observation_id, const char *comment, int *passed)
{
    if (!ev || !valid_name(feature) || !valid_name(metric))
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_eval_record: NULL evaluator or empty feature/metric");
    if (!isfinite(score) || score < 0 || score > 1) {
        llmobs_eval_record_error(ev, feature, metric, "score outside [0, 1]");
        return llmobs__error(LLMOBS_EINVAL,
                             "eval %s/%s: score %g is not in [0, 1] (counted as "
                             "result=\"error\")",
                             feature, metric, score);
    }
    if (isnan(threshold) || threshold > 1)
        return llmobs__error(LLMOBS_EINVAL, "eval %s/%s: threshold must be <= 1", feature, metric);
    llmobs_status st = LLMOBS_OK;
    pthread_mutex_lock(&ev->mu);
    bool ok = score >= (threshold < 0 ? ev->threshold : threshold);
    int64_t now = ev->clock(ev->clock_ud);
    window *w = find_window(ev, feature, metric, false, true, &st);
    double rate = NAN;
    if (w) {
        expire(ev, w, now);
        push(ev, w, now, ok ? 1 : 0);
        ok ? w->pass++ : w->fail++;
        rate = mean(ev, w);
    }
    llmobs_status mst =
        llmobs__eval_metrics_run(ev->registry, feature, metric, ok ? "pass" : "fail", rate);
    pthread_mutex_unlock(&ev->mu);
    if (passed) *passed = ok;
    if (st != LLMOBS_OK)
        return llmobs__error(st, "eval %s/%s: %s", feature, metric,
                             st == LLMOBS_ELIMIT ? "eval_max_windows reached, pass rate not kept"
                                                 : "out of memory");
    llmobs_status sst = send_score(ev, metric, score, trace_id, observation_id, comment);
    return sst != LLMOBS_OK ? sst : mst;
}

llmobs_status llmobs_eval_record_faithfulness(llmobs_evaluator *ev, const char *pipeline_version,
                                              double score, const char *trace_id,
                                              const char *observation_id, const char *comment)
{
    if (!ev || !valid_name(pipeline_version))
        return llmobs__error(LLMOBS_EINVAL, "llmobs_eval_record_faithfulness: NULL evaluator or "
                                            "empty pipeline_version");
    if (!isfinite(score) || score < 0 || score > 1)
        return llmobs__error(LLMOBS_EINVAL, "faithfulness %g is not in [0, 1]", score);
    llmobs_status st = LLMOBS_OK, mst = LLMOBS_OK;
    pthread_mutex_lock(&ev->mu);
    int64_t now = ev->clock(ev->clock_ud);
    window *w = find_window(ev, pipeline_version, NULL, true, true, &st);
    if (w) {
        expire(ev, w, now);
        push(ev, w, now, score);
        w->pass++;
        mst = llmobs__eval_metrics_faithfulness(ev->registry, pipeline_version, mean(ev, w));
    }
    pthread_mutex_unlock(&ev->mu);
    if (st != LLMOBS_OK)
        return llmobs__error(st, "faithfulness %s: %s", pipeline_version,
                             st == LLMOBS_ELIMIT ? "eval_max_windows reached" : "out of memory");
    llmobs_status sst = send_score(ev, "faithfulness", score, trace_id, observation_id, comment);
    return sst != LLMOBS_OK ? sst : mst;
}

static llmobs_status read_window(llmobs_evaluator *ev, const char *a, const char *b, bool faith,
                                 double *value, int64_t *n)
{
    llmobs_status st = LLMOBS_OK;
    pthread_mutex_lock(&ev->mu);
    window *w = find_window(ev, a, b, faith, false, &st);
    if (w) {
        expire(ev, w, ev->clock(ev->clock_ud));
        if (value) *value = mean(ev, w);
        if (n) *n = (int64_t)w->count;
        /* Keep the gauge in step with what a reader sees (expiry happens on reads too). */
        if (faith) {
            if (w->count) llmobs__eval_metrics_faithfulness(ev->registry, a, mean(ev, w));
        }
    }
    pthread_mutex_unlock(&ev->mu);
    if (st != LLMOBS_OK)
        return llmobs__error(st, "no eval results for %s%s%s", a, b ? "/" : "", b ? b : "");
    return LLMOBS_OK;
}

llmobs_status llmobs_eval_pass_rate(llmobs_evaluator *ev, const char *feature, const char *metric,
                                    double *rate, int64_t *n)
{
    if (!ev || !feature || !metric)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_eval_pass_rate: NULL argument");
    return read_window(ev, feature, metric, false, rate, n);
}

llmobs_status llmobs_eval_faithfulness(llmobs_evaluator *ev, const char *pipeline_version,
                                       double *mean_out, int64_t *n)
{
    if (!ev || !pipeline_version)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_eval_faithfulness: NULL argument");
    return read_window(ev, pipeline_version, NULL, true, mean_out, n);
}

llmobs_status llmobs_eval_counts(llmobs_evaluator *ev, const char *feature, const char *metric,
                                 uint64_t *pass, uint64_t *fail, uint64_t *error)
{
    if (!ev || !feature || !metric)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_eval_counts: NULL argument");
    llmobs_status st = LLMOBS_OK;
    pthread_mutex_lock(&ev->mu);
    window *w = find_window(ev, feature, metric, false, false, &st);
    if (w) {
        if (pass) *pass = w->pass;
        if (fail) *fail = w->fail;
        if (error) *error = w->error;
    }
    pthread_mutex_unlock(&ev->mu);
    if (st != LLMOBS_OK) return llmobs__error(st, "no eval results for %s/%s", feature, metric);
    return LLMOBS_OK;
}
