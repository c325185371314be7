/* The LLM metric set: one table with the names, help, labels and buckets of the reference
 * article (so its dashboards and alert rules work unchanged) plus the SDK's own health. */
#include "metrics/metrics.h"
#include "metrics/family.h"
#include "core/error.h"
#include "core/hash.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const double duration_buckets[] = {0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0};
static const double ttft_buckets[] = {0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0};
static const double cost_buckets[] = {0.0001, 0.001, 0.01, 0.05, 0.10,
                                      0.25,   0.50,  1.00, 2.50, 5.00};
static const double context_buckets[] = {0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99};
static const double export_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,    2.5,   5,    10,  30};

#define BUCKETS(a) (a), sizeof(a) / sizeof((a)[0])
#define NO_BUCKETS NULL, 0

const llmobs__llm_metric_def llmobs__llm_metric_defs[LLMOBS__LLM_FAMILY_COUNT] = {
    [LLMOBS__LLM_REQUESTS] = {"llm_requests_total",
                              LLMOBS__COUNTER,
                              "Total LLM requests",
                              NULL,
                              {"model", "feature", "status"},
                              3,
                              NO_BUCKETS},
    [LLMOBS__LLM_REQUEST_DURATION] = {"llm_request_duration_seconds",
                                      LLMOBS__HISTOGRAM,
                                      "End-to-end LLM request latency (seconds)",
                                      "seconds",
                                      {"model", "feature", "provider"},
                                      3,
                                      BUCKETS(duration_buckets)},
    [LLMOBS__LLM_TTFT] = {"llm_time_to_first_token_seconds",
                          LLMOBS__HISTOGRAM,
                          "Time from request start to first token in streaming response",
                          "seconds",
                          {"model", "feature"},
                          2,
                          BUCKETS(ttft_buckets)},
    [LLMOBS__LLM_TOKENS] = {"llm_tokens_total",
                            LLMOBS__COUNTER,
                            "Total LLM tokens consumed",
                            NULL,
                            {"model", "token_type", "feature"},
                            3,
                            NO_BUCKETS},
    [LLMOBS__LLM_COST] = {"llm_cost_usd_total",
                          LLMOBS__COUNTER,
                          "Total LLM cost in USD",
                          NULL,
                          {"model", "feature"},
                          2,
                          NO_BUCKETS},
    [LLMOBS__LLM_COST_PER_REQUEST] = {"llm_cost_per_request_usd",
                                      LLMOBS__HISTOGRAM,
                                      "Cost per individual LLM request in USD",
                                      NULL,
                                      {"model", "feature"},
                                      2,
                                      BUCKETS(cost_buckets)},
    [LLMOBS__LLM_BUDGET_REMAINING] = {"llm_daily_budget_remaining_usd",
                                      LLMOBS__GAUGE,
                                      "Remaining daily budget in USD",
                                      NULL,
                                      {"feature"},
                                      1,
                                      NO_BUCKETS},
    [LLMOBS__LLM_INFLIGHT] = {"llm_inflight_requests",
                              LLMOBS__GAUGE,
                              "Number of LLM requests currently in flight",
                              NULL,
                              {"model", "feature"},
                              2,
                              NO_BUCKETS},
    [LLMOBS__LLM_CONTEXT_UTILISATION] = {"llm_context_utilisation_ratio",
                                         LLMOBS__HISTOGRAM,
                                         "Fraction of context window used (input_tokens / "
                                         "context_window_size)",
                                         "ratio",
                                         {"model", "feature"},
                                         2,
                                         BUCKETS(context_buckets)},
    [LLMOBS__LLM_EVAL_PASS_RATE] = {"llm_eval_pass_rate",
                                    LLMOBS__GAUGE,
                                    "Rolling pass rate from LLM-as-judge evaluation",
                                    NULL,
                                    {"feature", "metric"},
                                    2,
                                    NO_BUCKETS},
    [LLMOBS__LLM_EVAL_RUNS] = {"llm_eval_runs_total",
                               LLMOBS__COUNTER,
                               "Total evaluation runs",
                               NULL,
                               {"feature", "metric", "result"},
                               3,
                               NO_BUCKETS},
    [LLMOBS__LLM_RAG_FAITHFULNESS] = {"llm_rag_faithfulness",
                                      LLMOBS__GAUGE,
                                      "Rolling faithfulness score for RAG pipeline responses",
                                      NULL,
                                      {"pipeline_version"},
                                      1,
                                      NO_BUCKETS},
    [LLMOBS__SDK_EXPORTED] = {"llmobs_exported_total",
                              LLMOBS__COUNTER,
                              "Items (traces, observations, scores) accepted by the backend",
                              NULL,
                              {NULL},
                              0,
                              NO_BUCKETS},
    [LLMOBS__SDK_DROPPED] = {"llmobs_dropped_total",
                             LLMOBS__COUNTER,
                             "Items dropped before export, by reason",
                             NULL,
                             {"reason"},
                             1,
                             NO_BUCKETS},
    [LLMOBS__SDK_QUEUE_ITEMS] = {"llmobs_queue_items",
                                 LLMOBS__GAUGE,
                                 "Items waiting in the export queue",
                                 NULL,
                                 {"client"},
                                 1,
                                 NO_BUCKETS},
    [LLMOBS__SDK_EXPORT_DURATION] = {"llmobs_export_duration_seconds",
                                     LLMOBS__HISTOGRAM,
                                     "Duration of one export request (seconds)",
                                     "seconds",
                                     {NULL},
                                     0,
                                     BUCKETS(export_buckets)},
    [LLMOBS__SDK_EXPORT_RETRIES] = {"llmobs_export_retries_total",
                                    LLMOBS__COUNTER,
                                    "Export requests retried",
                                    NULL,
                                    {NULL},
                                    0,
                                    NO_BUCKETS},
    [LLMOBS__LLM_BUDGET] = {"llm_daily_budget_usd",
                            LLMOBS__GAUGE,
                            "Configured daily budget in USD",
                            NULL,
                            {"feature"},
                            1,
                            NO_BUCKETS},
    [LLMOBS__LLM_COST_UNKNOWN_MODEL] = {"llm_cost_unknown_model_total",
                                        LLMOBS__COUNTER,
                                        "Generations whose model has no price (cost recorded as 0)",
                                        NULL,
                                        {"model"},
                                        1,
                                        NO_BUCKETS},
    [LLMOBS__SDK_QUEUE_CAPACITY] = {"llmobs_queue_capacity_items",
                                    LLMOBS__GAUGE,
                                    "Configured bound of the export queue in items",
                                    NULL,
                                    {"client"},
                                    1,
                                    NO_BUCKETS},
    [LLMOBS__SDK_EXPORT_FAILURES] = {"llmobs_export_failures_total",
                                     LLMOBS__COUNTER,
                                     "Export attempts that failed (retryable or final)",
                                     NULL,
                                     {NULL},
                                     0,
                                     NO_BUCKETS},
    [LLMOBS__SDK_SPOOL_ITEMS] = {"llmobs_spool_items_total",
                                 LLMOBS__COUNTER,
                                 "Items through the disk spool: spooled, resent, evicted, rejected",
                                 NULL,
                                 {"outcome"},
                                 1,
                                 NO_BUCKETS},
    [LLMOBS__SDK_SPOOL_CORRUPT] = {"llmobs_spool_corrupt_files_total",
                                   LLMOBS__COUNTER,
                                   "Spool files found corrupt or truncated and moved aside",
                                   NULL,
                                   {NULL},
                                   0,
                                   NO_BUCKETS},
};

const char *const llmobs__token_type_names[LLMOBS__TOKEN_TYPE_COUNT] = {
    "input", "output", "cache_read", "cache_write", "reasoning"};

static llmobs_status register_def(llmobs_registry *r, const llmobs__llm_metric_def *d,
                                  llmobs_family **out)
{
    switch (d->type) {
    case LLMOBS__COUNTER:
        return llmobs_counter_register(r, d->name, d->help, d->unit, d->labels, d->nlabels, out);
    case LLMOBS__GAUGE:
        return llmobs_gauge_register(r, d->name, d->help, d->unit, d->labels, d->nlabels, out);
    default:
        return llmobs_histogram_register(r, d->name, d->help, d->unit, d->labels, d->nlabels,
                                         d->bounds, d->nbounds, out);
    }
}

/* ---- bound children ------------------------------------------------------------------------
 * Recording a generation touches up to ten families under the same (model, feature) labels.
 * Instead of a label-hash lookup per family, one lookup finds the tuple's entry, whose slots
 * hold the children already bound (filled on first use; a child removed by
 * llmobs_family_remove/clear is noticed by its `removed` flag and looked up anew). Entries are
 * never freed before the metric set, so readers take no lock; insertions take the cache lock.
 * A full cache (or a status outside the four) falls back to the per-family lookup. */

enum {
    S_REQUESTS = 0, /* 4: one per request status */
    S_DURATION = 4,
    S_TTFT,
    S_TOKENS, /* LLMOBS__TOKEN_TYPE_COUNT */
    S_CONTEXT = S_TOKENS + LLMOBS__TOKEN_TYPE_COUNT,
    S_COST,
    S_COST_PER_REQUEST,
    S_INFLIGHT,
    S_COUNT
};

enum { K_GENERATION = 1, K_MODEL_FEATURE = 2, K_DROP_REASON = 3, K_CLIENT = 4 };

typedef struct llm_series {
    uint64_t hash;
    int kind;
    char *a, *b, *c; /* label values of the key; NULL when the kind has fewer */
    size_t len[3];   /* their lengths; NO_STR for NULL */
    _Atomic(llmobs__child *) child[S_COUNT];
    /* K_GENERATION: the entry of the same model and feature with the provider its generations
     * last ended with, when that differs from this one's (see generation_entry). */
    _Atomic(struct llm_series *) sibling;
} llm_series;

#define SERIES_SLOTS 1024 /* power of two; filled to half at most */
#define NO_STR SIZE_MAX   /* the length of a NULL label value */

struct llmobs__llm_cache {
    /* Insertions take the registry's attach lock, which the fork handler takes too. */
    pthread_mutex_t *lock;
    size_t n;
    _Atomic(llm_series *) slots[SERIES_SLOTS];
    _Atomic(llmobs__child *) nolabel[LLMOBS__LLM_FAMILY_COUNT];
    /* The generation entry the last model set found (llmobs__llm_metrics_inflight_up), tried
     * before a lookup: a service's generations mostly share their labels. */
    _Atomic(llm_series *) last_generation;
};

static const char *const request_statuses[4] = {"success", "error", "timeout", "rate_limited"};

/* Adds a label value of length `len` (NO_STR: NULL) to the hash `h`. Every lookup of an ended
 * generation hashes its labels, so they are read eight bytes a step (the last step a load
 * ending at the value's end, overlapping the previous one; shorter values in two overlapping
 * 4-byte loads or three single bytes), never a byte at a time. The length goes in first, so
 * NULL, "" and the split between values all count. Not for hostile input: a caller choosing
 * label values can only make its own lookups longer. */
static uint64_t str_hash(uint64_t h, const char *s, size_t len)
{
    h = llmobs__hash_mix(h, (uint64_t)len);
    if (!s) return h;
    if (len >= 8) {
        const char *end = s + len - 8;
        for (; s < end; s += 8)
            h = llmobs__hash_mix(h, llmobs__load64(s));
        h = llmobs__hash_mix(h, llmobs__load64(end));
    } else if (len >= 4) {
        h = llmobs__hash_mix(h, llmobs__load32(s) | llmobs__load32(s + len - 4) << 32);
    } else if (len > 0) {
        h = llmobs__hash_mix(h, (uint64_t)(unsigned char)s[0] |
                                    (uint64_t)(unsigned char)s[len / 2] << 8 |
                                    (uint64_t)(unsigned char)s[len - 1] << 16);
    }
    return h;
}

static bool same(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Whether `n` bytes at x and y are equal: label values are short, so up to 16 bytes in two
 * overlapping loads rather than a call. */
static bool bytes_equal(const char *x, const char *y, size_t n)
{
    if (n >= 8 && n <= 16)
        return llmobs__load64(x) == llmobs__load64(y) &&
               llmobs__load64(x + n - 8) == llmobs__load64(y + n - 8);
    if (n >= 4 && n < 8)
        return llmobs__load32(x) == llmobs__load32(y) &&
               llmobs__load32(x + n - 4) == llmobs__load32(y + n - 4);
    if (n > 16) return memcmp(x, y, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return false;
    return true;
}

/* Whether the key value `x` (length `lx`) is `y` (length `ly`). */
static bool same_len(const char *x, size_t lx, const char *y, size_t ly)
{
    return lx == ly && (lx == NO_STR || bytes_equal(x, y, lx));
}

static bool is_key(const llm_series *e, uint64_t h, int kind, const char *const v[3],
                   const size_t len[3])
{
    return e->hash == h && e->kind == kind && same_len(e->a, e->len[0], v[0], len[0]) &&
           same_len(e->b, e->len[1], v[1], len[1]) && same_len(e->c, e->len[2], v[2], len[2]);
}

static void series_free(llm_series *e)
{
    if (!e) return;
    free(e->a);
    free(e->b);
    free(e->c);
    free(e);
}

static char *dup_len(const char *s, size_t len)
{
    if (!s) return NULL;
    char *d = malloc(len + 1);
    if (d) memcpy(d, s, len + 1);
    return d;
}

/* The entry of a label tuple, created on first use; NULL when the cache is full or out of
 * memory (callers then take the per-family path). */
static llm_series *series(llmobs__llm_metrics *m, int kind, const char *a, const char *b,
                          const char *c)
{
    struct llmobs__llm_cache *k = m->cache;
    if (!k) return NULL;
    const char *const v[3] = {a, b, c};
    const size_t len[3] = {a ? strlen(a) : NO_STR, b ? strlen(b) : NO_STR, c ? strlen(c) : NO_STR};
    uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)kind;
    for (int i = 0; i < 3; i++)
        h = str_hash(h, v[i], len[i]);
    h ^= h >> 33; /* the finaliser of MurmurHash3: every bit reaches the slot's */
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    size_t mask = SERIES_SLOTS - 1, i = (size_t)h & mask;
    for (;; i = (i + 1) & mask) {
        llm_series *e = atomic_load_explicit(&k->slots[i], memory_order_acquire);
        if (!e) break;
        if (is_key(e, h, kind, v, len)) return e;
    }
    pthread_mutex_lock(k->lock);
    llm_series *found = NULL;
    for (;; i = (i + 1) & mask) { /* continue the probe: only later slots can have filled */
        llm_series *e = atomic_load_explicit(&k->slots[i], memory_order_relaxed);
        if (!e) break;
        if (is_key(e, h, kind, v, len)) {
            found = e;
            break;
        }
    }
    if (!found && k->n < SERIES_SLOTS / 2) {
        llm_series *e = calloc(1, sizeof *e);
        if (e) {
            *e = (llm_series){.hash = h, .kind = kind, .len = {len[0], len[1], len[2]}};
            e->a = dup_len(a, len[0]);
            e->b = dup_len(b, len[1]);
            e->c = dup_len(c, len[2]);
        }
        if (e && (!a || e->a) && (!b || e->b) && (!c || e->c)) {
            atomic_store_explicit(&k->slots[i], e, memory_order_release);
            k->n++;
            found = e;
        } else {
            series_free(e);
        }
    }
    pthread_mutex_unlock(k->lock);
    return found;
}

/* Whether `c` is the series of exactly these label values. */
static bool child_is_for(const llmobs__child *c, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->values[i], values[i]) != 0) return false;
    return true;
}

static llmobs_status bind_child(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot, int fam,
                                const char *const *values, size_t n, llmobs__child **out);

/* The child of family `fam` for these values: from the slot when bound and alive (inline: the
 * path of every update), else looked up (and bound). `slot` NULL: not cached. */
static inline llmobs_status bound(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot, int fam,
                                  const char *const *values, size_t n, llmobs__child **out)
{
    llmobs__child *c = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;
    if (c && !atomic_load_explicit(&c->removed, memory_order_acquire)) {
        *out = c;
        return LLMOBS_OK;
    }
    return bind_child(m, slot, fam, values, n, out);
}

__attribute__((noinline)) static llmobs_status bind_child(llmobs__llm_metrics *m,
                                                          _Atomic(llmobs__child *) *slot, int fam,
                                                          const char *const *values, size_t n,
                                                          llmobs__child **out)
{
    llmobs__child *c;
    llmobs_family *f = m->f[fam];
    llmobs_status st = llmobs__child_get(f, f->type, values, n, &c);
    if (st != LLMOBS_OK) return st;
    /* Never bind the overflow series that a family at its cap hands out instead: every
     * observation that lands there must go through the guard, which counts it. */
    if (slot && child_is_for(c, values, n)) atomic_store_explicit(slot, c, memory_order_release);
    *out = c;
    return LLMOBS_OK;
}

static bool is_bound(_Atomic(llmobs__child *) *slot)
{
    llmobs__child *c = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;
    return c && !atomic_load_explicit(&c->removed, memory_order_acquire);
}

static _Atomic(llmobs__child *) *slot_of(llm_series *e, int slot)
{
    return e ? &e->child[slot] : NULL;
}

static _Atomic(llmobs__child *) *nolabel_slot(llmobs__llm_metrics *m, int fam)
{
    return m->cache ? &m->cache->nolabel[fam] : NULL;
}

/* The same checks, errors and effects as llmobs_*_labels + the update, with a bound child. */
static llmobs_status counter_add(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot, int fam,
                                 const char *const *v, size_t n, double amount)
{
    if (!(amount >= 0) || !isfinite(amount))
        return llmobs_counter_add_labels(m->f[fam], v, n, amount);
    llmobs__child *c;
    llmobs_status st = bound(m, slot, fam, v, n, &c);
    return st != LLMOBS_OK ? st : llmobs_counter_add((llmobs_counter *)c, amount);
}

static llmobs_status histogram_observe(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot,
                                       int fam, const char *const *v, size_t n, double value)
{
    if (isnan(value)) return llmobs_histogram_observe_labels(m->f[fam], v, n, value);
    llmobs__child *c;
    llmobs_status st = bound(m, slot, fam, v, n, &c);
    return st != LLMOBS_OK ? st : llmobs_histogram_observe((llmobs_histogram *)c, value);
}

static llmobs_status gauge_set(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot, int fam,
                               const char *const *v, size_t n, double value)
{
    llmobs__child *c;
    llmobs_status st = bound(m, slot, fam, v, n, &c);
    return st != LLMOBS_OK ? st : llmobs_gauge_set((llmobs_gauge *)c, value);
}

static llmobs_status gauge_add(llmobs__llm_metrics *m, _Atomic(llmobs__child *) *slot, int fam,
                               const char *const *v, size_t n, double delta)
{
    if (isnan(delta)) return llmobs_gauge_add_labels(m->f[fam], v, n, delta);
    llmobs__child *c;
    llmobs_status st = bound(m, slot, fam, v, n, &c);
    return st != LLMOBS_OK ? st : llmobs_gauge_add((llmobs_gauge *)c, delta);
}

static struct llmobs__llm_cache *cache_new(llmobs_registry *r)
{
    struct llmobs__llm_cache *k = calloc(1, sizeof *k);
    if (k) k->lock = &r->attach_lock;
    return k;
}

static void cache_free(struct llmobs__llm_cache *k)
{
    if (!k) return;
    for (size_t i = 0; i < SERIES_SLOTS; i++)
        series_free(atomic_load(&k->slots[i]));
    free(k);
}

/* Registers the whole set in a registry (the registry's attachment hook). */
static void *create_set(llmobs_registry *r, llmobs_status *status)
{
    llmobs__llm_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        *status = llmobs__error(LLMOBS_ENOMEM, "out of memory");
        return NULL;
    }
    m->cache = cache_new(r); /* optional: without it every update looks up */
    for (size_t i = 0; i < LLMOBS__LLM_FAMILY_COUNT; i++) {
        llmobs_status st = register_def(r, &llmobs__llm_metric_defs[i], &m->f[i]);
        if (st != LLMOBS_OK) {
            cache_free(m->cache);
            free(m); /* families already registered stay; a retry finds them */
            *status = st;
            return NULL;
        }
    }
    *status = LLMOBS_OK;
    return m;
}

llmobs__llm_metrics *llmobs__llm_metrics_get(llmobs_registry *r, llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    llmobs__error_clear();
    if (!llmobs__registry_valid(r)) {
        st = llmobs__error(LLMOBS_EINVAL, "registry is NULL");
        if (status) *status = st;
        return NULL;
    }
    /* The definition table's address is the set's key: one set per registry. */
    return llmobs__registry_attachment(r, llmobs__llm_metric_defs, create_set,
                                       llmobs__llm_metrics_free, status);
}

void llmobs__llm_metrics_free(void *ud)
{
    llmobs__llm_metrics *m = ud;
    if (m) cache_free(m->cache);
    free(m);
}

static const char *or_unknown(const char *s)
{
    return s ? s : "unknown";
}

static llmobs_status first_error(llmobs_status a, llmobs_status b)
{
    return a != LLMOBS_OK ? a : b;
}

static int status_index(const char *status)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(status, request_statuses[i]) == 0) return i;
    return -1;
}

/* Label values known in advance are exported at 0 from the first use of their other labels
 * (Prometheus' instrumentation guidelines), so rate() and ratio queries have series before
 * the first error, cache hit or failed eval. */
static const char *const eval_results[] = {"pass", "fail", "error"};

/* Whether `f` can take `k` more series below its cap: zeros never go to the overflow series
 * (they would count as overflowed observations). */
static bool room_for(const llmobs_family *f, size_t k)
{
    return atomic_load(&f->nchildren) + k <= atomic_load(&f->max_children);
}

static void zero_request_series(llmobs__llm_metrics *m, const char *model, const char *feature)
{
    if (!room_for(m->f[LLMOBS__LLM_REQUESTS], 4) || !room_for(m->f[LLMOBS__LLM_TOKENS], 5)) return;
    for (size_t i = 0; i < sizeof request_statuses / sizeof *request_statuses; i++) {
        const char *req[] = {model, feature, request_statuses[i]};
        llmobs_counter_add_labels(m->f[LLMOBS__LLM_REQUESTS], req, 3, 0);
    }
    for (int i = 0; i < LLMOBS__TOKEN_TYPE_COUNT; i++) {
        const char *tk[] = {model, llmobs__token_type_names[i], feature};
        llmobs_counter_add_labels(m->f[LLMOBS__LLM_TOKENS], tk, 3, 0);
    }
}

/* llm_cost_usd_total and llm_cost_per_request_usd{model,feature}, with the slots of `e` (an
 * entry of these model and feature labels, or NULL). */
static llmobs_status record_cost(llmobs__llm_metrics *m, llm_series *e, const char *const mf[2],
                                 double usd)
{
    llmobs_status st = counter_add(m, slot_of(e, S_COST), LLMOBS__LLM_COST, mf, 2, usd);
    return first_error(st, histogram_observe(m, slot_of(e, S_COST_PER_REQUEST),
                                             LLMOBS__LLM_COST_PER_REQUEST, mf, 2, usd));
}

/* A generation's cost to record with its other metrics: under these labels (model NULL: none). */
typedef struct {
    const char *model, *feature;
    double usd;
} gen_cost;

/* The generation entry of these labels through a remembered one: `*slot` when it is that
 * entry (three short compares), else a lookup, then remembered in `*slot`. */
static inline llm_series *remembered_generation(llmobs__llm_metrics *m, _Atomic(llm_series *) *slot,
                                                const char *model, const char *feature,
                                                const char *provider)
{
    llm_series *e = atomic_load_explicit(slot, memory_order_acquire);
    if (e && same(e->a, model) && same(e->b, feature) && same(e->c, provider)) return e;
    e = series(m, K_GENERATION, model, feature, provider);
    if (e) atomic_store_explicit(slot, e, memory_order_release);
    return e;
}

/* The entry of a generation's labels, starting from `bound`, the one found when its model was
 * set (llmobs__llm_metrics_inflight_up), or NULL. Usually that is it. A provider set after the
 * model (llmobs_obs_set_from_response sets the model first) is found through the bound entry's
 * sibling, which remembers the last such provider. Else a lookup. */
static llm_series *generation_entry(llmobs__llm_metrics *m, const llm_series *bound,
                                    const char *model, const char *feature, const char *provider)
{
    /* Entries are never freed before the set and their links are atomic: the cast is safe. */
    llm_series *b = (llm_series *)(uintptr_t)bound;
    if (!b || b->kind != K_GENERATION || !same(b->a, model) || !same(b->b, feature))
        return series(m, K_GENERATION, model, feature, provider);
    return same(b->c, provider) ? b
                                : remembered_generation(m, &b->sibling, model, feature, provider);
}

/* `bound`: the entry found when the generation's model was set (llmobs__llm_metrics_
 * inflight_up), or NULL. */
static llmobs_status record_gen(llmobs__llm_metrics *m, const llm_series *bound, const char *model,
                                const char *feature, const char *provider, const char *status,
                                double duration_s, double ttft_s, const int64_t *tokens,
                                double ctx_ratio, const gen_cost *cost)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    model = or_unknown(model);
    feature = or_unknown(feature);
    provider = or_unknown(provider);
    status = or_unknown(status);
    /* The generation's entry, where every family below binds its child. */
    llm_series *e = generation_entry(m, bound, model, feature, provider);
    llmobs_status st = LLMOBS_OK;
    const char *req[] = {model, feature, status};
    int si = status_index(status);
    _Atomic(llmobs__child *) *rslot = si >= 0 ? slot_of(e, S_REQUESTS + si) : NULL;
    /* A new series in the family means a new (model, feature) may have appeared: zero its
     * siblings. A concurrent creation elsewhere only makes this run once more (adding 0). A
     * bound series was created long ago. */
    bool was_bound = is_bound(rslot);
    size_t before = was_bound ? 0 : llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]);
    st = first_error(st, counter_add(m, rslot, LLMOBS__LLM_REQUESTS, req, 3, 1));
    if (!was_bound && llmobs_family_children(m->f[LLMOBS__LLM_REQUESTS]) != before)
        zero_request_series(m, model, feature);
    if (duration_s >= 0) {
        const char *dur[] = {model, feature, provider};
        st = first_error(st, histogram_observe(m, slot_of(e, S_DURATION),
                                               LLMOBS__LLM_REQUEST_DURATION, dur, 3, duration_s));
    }
    const char *mf[] = {model, feature};
    if (ttft_s >= 0)
        st = first_error(st,
                         histogram_observe(m, slot_of(e, S_TTFT), LLMOBS__LLM_TTFT, mf, 2, ttft_s));
    for (int i = 0; tokens && i < LLMOBS__TOKEN_TYPE_COUNT; i++) {
        bool always = i == LLMOBS__TOKENS_INPUT || i == LLMOBS__TOKENS_OUTPUT;
        if (tokens[i] < 0 || (!always && tokens[i] == 0)) continue;
        const char *tk[] = {model, llmobs__token_type_names[i], feature};
        st = first_error(st, counter_add(m, slot_of(e, S_TOKENS + i), LLMOBS__LLM_TOKENS, tk, 3,
                                         (double)tokens[i]));
    }
    if (ctx_ratio >= 0)
        st = first_error(st, histogram_observe(m, slot_of(e, S_CONTEXT),
                                               LLMOBS__LLM_CONTEXT_UTILISATION, mf, 2, ctx_ratio));
    if (cost && cost->model) {
        /* Usually the generation's own labels (the cost tracker folded both alike): its entry.
         * Otherwise (the tracker's tables changed in between) a lookup under the cost's. */
        const char *cmf[] = {or_unknown(cost->model), or_unknown(cost->feature)};
        bool own = same(cmf[0], model) && same(cmf[1], feature);
        llm_series *ce = own ? e : series(m, K_MODEL_FEATURE, cmf[0], cmf[1], NULL);
        st = first_error(st, record_cost(m, ce, own ? mf : cmf, cost->usd));
    }
    return st;
}

llmobs_status llmobs__llm_metrics_record_generation(llmobs__llm_metrics *m, const char *model,
                                                    const char *feature, const char *provider,
                                                    const char *status, double duration_s,
                                                    double ttft_s, const int64_t *tokens,
                                                    double ctx_ratio)
{
    return record_gen(m, NULL, model, feature, provider, status, duration_s, ttft_s, tokens,
                      ctx_ratio, NULL);
}

void llmobs__llm_metrics_on_generation_cost(llmobs__llm_metrics *m, const llmobs__generation *g,
                                            const char *cost_model, const char *cost_feature)
{
    int64_t tokens[LLMOBS__TOKEN_TYPE_COUNT];
    for (int i = 0; i < LLMOBS__TOKEN_TYPE_COUNT; i++)
        tokens[i] = g->tokens[i] > 0 ? g->tokens[i] : 0;
    double ttft =
        g->completion_start_ns > 0 ? (double)(g->completion_start_ns - g->start_ns) / 1e9 : -1;
    double ctx = -1;
    if (g->model && g->context_window > 0) {
        int64_t prompt = tokens[LLMOBS__TOKENS_INPUT] + tokens[LLMOBS__TOKENS_CACHE_READ] +
                         tokens[LLMOBS__TOKENS_CACHE_WRITE];
        ctx = (double)prompt / (double)g->context_window;
    }
    gen_cost cost = {cost_model, cost_feature, g->cost[LLMOBS_COST_TOTAL]};
    record_gen(m, g->bound, g->label_model ? g->label_model : g->model,
               g->label_feature ? g->label_feature : g->feature, g->provider, g->status,
               (double)(g->end_ns - g->start_ns) / 1e9, ttft >= 0 ? ttft : -1, tokens, ctx, &cost);
}

void *llmobs__llm_metrics_inflight_up(void *ud, const char *model, const char *feature,
                                      const char *provider, const void **bound_entry)
{
    llmobs__llm_metrics *m = ud;
    const char *v[2] = {model, feature};
    llmobs__child *c = NULL;
    /* The generation's entry (model, feature, provider as they are now): its in-flight slot
     * here, all its other families when the generation ends under the same labels. */
    llm_series *e = model && feature && m->cache
                        ? remembered_generation(m, &m->cache->last_generation, model, feature,
                                                or_unknown(provider))
                        : NULL;
    if (bound_entry) *bound_entry = e;
    if (bound(m, slot_of(e, S_INFLIGHT), LLMOBS__LLM_INFLIGHT, v, 2, &c) != LLMOBS_OK) return NULL;
    llmobs_gauge_inc((llmobs_gauge *)c);
    return c;
}

void llmobs__llm_metrics_inflight_down(void *m, void *series)
{
    (void)m;
    llmobs_gauge_dec(series);
}

llmobs_status llmobs__llm_metrics_inflight(llmobs__llm_metrics *m, const char *model,
                                           const char *feature, double delta)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *mf[] = {or_unknown(model), or_unknown(feature)};
    llm_series *e = series(m, K_MODEL_FEATURE, mf[0], mf[1], NULL);
    return gauge_add(m, slot_of(e, S_INFLIGHT), LLMOBS__LLM_INFLIGHT, mf, 2, delta);
}

llmobs_status llmobs__llm_metrics_record_cost(llmobs__llm_metrics *m, const char *model,
                                              const char *feature, double usd)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *mf[] = {or_unknown(model), or_unknown(feature)};
    return record_cost(m, series(m, K_MODEL_FEATURE, mf[0], mf[1], NULL), mf, usd);
}

llmobs_status llmobs__llm_metrics_budget_remaining(llmobs__llm_metrics *m, const char *feature,
                                                   double usd)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *f[] = {or_unknown(feature)};
    return llmobs_gauge_set_labels(m->f[LLMOBS__LLM_BUDGET_REMAINING], f, 1, usd);
}

llmobs_status llmobs__llm_metrics_record_eval(llmobs__llm_metrics *m, const char *feature,
                                              const char *metric, const char *result,
                                              double pass_rate)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *fm[] = {or_unknown(feature), or_unknown(metric)};
    const char *fmr[] = {fm[0], fm[1], or_unknown(result)};
    size_t before = llmobs_family_children(m->f[LLMOBS__LLM_EVAL_RUNS]);
    llmobs_status st = llmobs_counter_add_labels(m->f[LLMOBS__LLM_EVAL_RUNS], fmr, 3, 1);
    bool fresh = llmobs_family_children(m->f[LLMOBS__LLM_EVAL_RUNS]) != before &&
                 room_for(m->f[LLMOBS__LLM_EVAL_RUNS], 3);
    for (size_t i = 0; fresh && i < sizeof eval_results / sizeof *eval_results; i++) {
        const char *zero[] = {fm[0], fm[1], eval_results[i]};
        llmobs_counter_add_labels(m->f[LLMOBS__LLM_EVAL_RUNS], zero, 3, 0);
    }
    if (pass_rate >= 0)
        st = first_error(
            st, llmobs_gauge_set_labels(m->f[LLMOBS__LLM_EVAL_PASS_RATE], fm, 2, pass_rate));
    return st;
}

llmobs_status llmobs__llm_metrics_rag_faithfulness(llmobs__llm_metrics *m,
                                                   const char *pipeline_version, double score)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *v[] = {or_unknown(pipeline_version)};
    return llmobs_gauge_set_labels(m->f[LLMOBS__LLM_RAG_FAITHFULNESS], v, 1, score);
}

llmobs_status llmobs__llm_metrics_exported(llmobs__llm_metrics *m, uint64_t items)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    return counter_add(m, nolabel_slot(m, LLMOBS__SDK_EXPORTED), LLMOBS__SDK_EXPORTED, NULL, 0,
                       (double)items);
}

llmobs_status llmobs__llm_metrics_dropped(llmobs__llm_metrics *m, const char *reason,
                                          uint64_t items)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *r[] = {or_unknown(reason)};
    llm_series *e = series(m, K_DROP_REASON, r[0], NULL, NULL);
    /* a reason's entry uses its first slot */
    return counter_add(m, slot_of(e, 0), LLMOBS__SDK_DROPPED, r, 1, (double)items);
}

llmobs_status llmobs__llm_metrics_queue_items(llmobs__llm_metrics *m, const char *client,
                                              double items)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *v[1] = {client ? client : "unknown"};
    llm_series *e = series(m, K_CLIENT, v[0], NULL, NULL); /* a client's entry: first slot */
    return gauge_set(m, slot_of(e, 0), LLMOBS__SDK_QUEUE_ITEMS, v, 1, items);
}

llmobs_status llmobs__llm_metrics_queue_capacity(llmobs__llm_metrics *m, const char *client,
                                                 double items)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    const char *v[1] = {client ? client : "unknown"};
    return llmobs_gauge_set_labels(m->f[LLMOBS__SDK_QUEUE_CAPACITY], v, 1, items);
}

void llmobs__llm_metrics_forget_client(llmobs__llm_metrics *m, const char *client)
{
    if (!m || !client) return;
    const char *v[1] = {client};
    /* Quietly: this runs on the client's failure path, which reports llmobs_last_error(). */
    llmobs__family_remove(m->f[LLMOBS__SDK_QUEUE_ITEMS], v, 1);
    llmobs__family_remove(m->f[LLMOBS__SDK_QUEUE_CAPACITY], v, 1);
}

llmobs_status llmobs__llm_metrics_export_duration(llmobs__llm_metrics *m, double seconds)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    return histogram_observe(m, nolabel_slot(m, LLMOBS__SDK_EXPORT_DURATION),
                             LLMOBS__SDK_EXPORT_DURATION, NULL, 0, seconds);
}

llmobs_status llmobs__llm_metrics_export_retries(llmobs__llm_metrics *m, uint64_t retries)
{
    if (!m) return llmobs__error(LLMOBS_EINVAL, "llm metrics are NULL");
    return counter_add(m, nolabel_slot(m, LLMOBS__SDK_EXPORT_RETRIES), LLMOBS__SDK_EXPORT_RETRIES,
                       NULL, 0, (double)retries);
}
