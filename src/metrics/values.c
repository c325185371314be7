/* The hot path: updates and reads of counter, gauge and histogram children. Every update is
 * a few atomic operations on the child, with no lock and no allocation. */
#include "metrics/family.h"
#include "metrics/metrics.h"
#include "core/clock.h"
#include "core/error.h"

#include <math.h>
#include <sched.h>
#include <string.h>
#include <time.h>

static inline double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint64_t to_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Adds to a double stored as its bit pattern, with a CAS loop. */
static inline void atomic_add_double(_Atomic uint64_t *p, double v)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(p, &old, to_bits(from_bits(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

static inline llmobs__child *as_child(const void *h, int type)
{
    const llmobs__child *c = h;
    /* The magic encodes the type, so one compare rejects NULL-adjacent garbage and wrong types. */
    if (!c || c->magic != LLMOBS__CHILD_MAGIC + (uint32_t)type) return NULL;
    return (llmobs__child *)c;
}

static llmobs_status bad_handle(const char *what)
{
    return llmobs__error(LLMOBS_EINVAL, "%s handle is NULL or invalid", what);
}

double llmobs__child_counter_value(const llmobs__child *c)
{
    uint64_t i = atomic_load_explicit(&((llmobs__child *)c)->ival, memory_order_relaxed);
    uint64_t b = atomic_load_explicit(&((llmobs__child *)c)->bits, memory_order_relaxed);
    return (double)i + from_bits(b);
}

double llmobs__child_double(const llmobs__child *c)
{
    return from_bits(atomic_load_explicit(&((llmobs__child *)c)->bits, memory_order_relaxed));
}

/* ---- counters ---- */

static inline void counter_add(llmobs__child *c, double v)
{
    /* Whole increments (the common case: requests, tokens) take a single fetch_add. */
    if (v < 4503599627370496.0 && v == (double)(uint64_t)v)
        atomic_fetch_add_explicit(&c->ival, (uint64_t)v, memory_order_relaxed);
    else
        atomic_add_double(&c->bits, v);
}

llmobs_status llmobs_counter_labels(llmobs_family *f, const char *const *values, size_t n,
                                    llmobs_counter **out)
{
    if (!out) return llmobs__error(LLMOBS_EINVAL, "out is NULL");
    *out = NULL;
    llmobs__child *c;
    llmobs_status st = llmobs__child_get(f, LLMOBS__COUNTER, values, n, &c);
    if (st == LLMOBS_OK) *out = (llmobs_counter *)c;
    return st;
}

llmobs_status llmobs_counter_inc(llmobs_counter *counter)
{
    llmobs__child *c = as_child(counter, LLMOBS__COUNTER);
    if (!c) return bad_handle("counter");
    atomic_fetch_add_explicit(&c->ival, 1, memory_order_relaxed);
    return LLMOBS_OK;
}

llmobs_status llmobs_counter_add(llmobs_counter *counter, double amount)
{
    llmobs__child *c = as_child(counter, LLMOBS__COUNTER);
    if (!c) return bad_handle("counter");
    if (!(amount >= 0) || !isfinite(amount))
        return llmobs__error(LLMOBS_EINVAL, "counter increment must be finite and >= 0");
    counter_add(c, amount);
    return LLMOBS_OK;
}

llmobs_status llmobs_counter_get(const llmobs_counter *counter, double *out)
{
    llmobs__child *c = as_child(counter, LLMOBS__COUNTER);
    if (!c || !out) return bad_handle("counter");
    *out = llmobs__child_counter_value(c);
    return LLMOBS_OK;
}

llmobs_status llmobs_counter_add_labels(llmobs_family *f, const char *const *values, size_t n,
                                        double amount)
{
    if (!(amount >= 0) || !isfinite(amount))
        return llmobs__error(LLMOBS_EINVAL, "counter increment must be finite and >= 0");
    llmobs__child *c;
    llmobs_status st = llmobs__child_get(f, LLMOBS__COUNTER, values, n, &c);
    if (st != LLMOBS_OK) return st;
    counter_add(c, amount);
    return LLMOBS_OK;
}

llmobs_status llmobs_counter_inc_labels(llmobs_family *f, const char *const *values, size_t n)
{
    llmobs__child *c;
    llmobs_status st = llmobs__child_get(f, LLMOBS__COUNTER, values, n, &c);
    if (st != LLMOBS_OK) return st;
    atomic_fetch_add_explicit(&c->ival, 1, memory_order_relaxed);
    return LLMOBS_OK;
}

/* ---- gauges ---- */

llmobs_status llmobs_gauge_labels(llmobs_family *f, const char *const *values, size_t n,
                                  llmobs_gauge **out)
{
    if (!out) return llmobs__error(LLMOBS_EINVAL, "out is NULL");
    *out = NULL;
    llmobs__child *c;
    llmobs_status st = llmobs__child_get(f, LLMOBS__GAUGE, values, n, &c);
    if (st == LLMOBS_OK) *out = (llmobs_gauge *)c;
    return st;
}

llmobs_status llmobs_gauge_set(llmobs_gauge *gauge, double value)
{
    llmobs__child *c = as_child(gauge, LLMOBS__GAUGE);
    if (!c) return bad_handle("gauge");
    atomic_store_explicit(&c->bits, to_bits(value), memory_order_relaxed);
    return LLMOBS_OK;
}

llmobs_status llmobs_gauge_add(llmobs_gauge *gauge, double delta)
{
    llmobs__child *c = as_child(gauge, LLMOBS__GAUGE);
    if (!c) return bad_handle("gauge");
    if (isnan(delta)) return llmobs__error(LLMOBS_EINVAL, "gauge delta is NaN");
    atomic_add_double(&c->bits, delta);
    return LLMOBS_OK;
}

llmobs_status llmobs_gauge_inc(llmobs_gauge *gauge)
{
    return llmobs_gauge_add(gauge, 1.0);
}

llmobs_status llmobs_gauge_dec(llmobs_gauge *gauge)
{
    return llmobs_gauge_add(gauge, -1.0);
}

llmobs_status llmobs_gauge_get(const llmobs_gauge *gauge, double *out)
{
    llmobs__child *c = as_child(gauge, LLMOBS__GAUGE);
    if (!c || !out) return bad_handle("gauge");
    *out = llmobs__child_double(c);
    return LLMOBS_OK;
}

llmobs_status llmobs_gauge_set_labels(llmobs_family *f, const char *const *values, size_t n,
                                      double value)
{
    llmobs_gauge *g;
    llmobs_status st = llmobs_gauge_labels(f, values, n, &g);
    return st != LLMOBS_OK ? st : llmobs_gauge_set(g, value);
}

llmobs_status llmobs_gauge_add_labels(llmobs_family *f, const char *const *values, size_t n,
                                      double delta)
{
    if (isnan(delta)) return llmobs__error(LLMOBS_EINVAL, "gauge delta is NaN");
    llmobs_gauge *g;
    llmobs_status st = llmobs_gauge_labels(f, values, n, &g);
    return st != LLMOBS_OK ? st : llmobs_gauge_add(g, delta);
}

/* ---- histograms ---- */

llmobs_status llmobs_histogram_labels(llmobs_family *f, const char *const *values, size_t n,
                                      llmobs_histogram **out)
{
    if (!out) return llmobs__error(LLMOBS_EINVAL, "out is NULL");
    *out = NULL;
    llmobs__child *c;
    llmobs_status st = llmobs__child_get(f, LLMOBS__HISTOGRAM, values, n, &c);
    if (st == LLMOBS_OK) *out = (llmobs_histogram *)c;
    return st;
}

static inline size_t bucket_index(const llmobs_family *f, double v)
{
    const double *b = f->bounds;
    size_t n = f->nbounds;
    if (n <= 16) {
        size_t i = 0;
        while (i < n && v > b[i])
            i++;
        return i;
    }
    size_t lo = 0, hi = n; /* first i with v <= b[i], or n */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v <= b[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* An observation: claim a place on the hot half (one fetch_add that also says which half is
 * hot), add to that half's sum, then count the bucket. The bucket count comes last, with
 * release order, so a snapshot that sees every bucket count of a half also sees its sums. */
llmobs_status llmobs_histogram_observe(llmobs_histogram *histogram, double value)
{
    llmobs__child *c = as_child(histogram, LLMOBS__HISTOGRAM);
    if (!c) return bad_handle("histogram");
    if (isnan(value)) return llmobs__error(LLMOBS_EINVAL, "observation is NaN");
    size_t nb = c->family->nbounds;
    uint64_t n = atomic_fetch_add_explicit(&c->ival, 1, memory_order_relaxed);
    _Atomic uint64_t *h = c->buckets + (n >> 63) * LLMOBS__HALF(nb);
    atomic_add_double(&h[0], value);
    atomic_fetch_add_explicit(&h[1 + bucket_index(c->family, value)], 1, memory_order_release);
    return LLMOBS_OK;
}

/* How long a snapshot waits for observations in progress on the cold half. They take a few
 * nanoseconds unless their thread was preempted (or stopped) half-way; past this, the snapshot
 * uses what it has (its _count and buckets still agree) and the late observation is folded in
 * by a later snapshot. The wait spins, then yields, then sleeps in short steps, so a preempted
 * observer gets the CPU even where threads are scheduled unfairly (valgrind). */
#define COOLDOWN_MAX_NS INT64_C(1000000000)

static void cooldown_pause(unsigned spins)
{
    if (spins < 64) return;
    if (spins < 1024) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
}

static uint64_t read_half(_Atomic uint64_t *h, size_t nb, uint64_t *out)
{
    uint64_t total = 0;
    for (size_t i = 0; i <= nb; i++)
        total += out[i] = atomic_load_explicit(&h[i], memory_order_acquire);
    return total;
}

uint64_t llmobs__histogram_snapshot(llmobs__child *c, uint64_t *buckets, double *sum)
{
    size_t nb = c->family->nbounds;
    /* Swap halves: observations from now on go to the other half. The old value says how many
     * observations were ever started and which half was hot, now the cold one. */
    uint64_t n = atomic_fetch_add_explicit(&c->ival, LLMOBS__HOT_BIT, memory_order_acq_rel);
    uint64_t count = n & ~LLMOBS__HOT_BIT;
    _Atomic uint64_t *cold = c->buckets + (n >> 63) * LLMOBS__HALF(nb);
    _Atomic uint64_t *hot = c->buckets + ((n >> 63) ^ 1) * LLMOBS__HALF(nb);
    /* The cold half holds everything (the last snapshot folded the other half into it) once the
     * observations started on it have counted their bucket. */
    int64_t deadline = 0;
    uint64_t total;
    for (unsigned spins = 0; (total = read_half(cold + 1, nb, buckets)) < count; spins++) {
        if (spins == 64) deadline = llmobs__mono_ns() + COOLDOWN_MAX_NS;
        if (spins > 64 && llmobs__mono_ns() > deadline) break;
        cooldown_pause(spins);
    }
    *sum = from_bits(atomic_load_explicit(&cold[0], memory_order_relaxed));
    /* Fold the cold half into the hot one, so the hot half again holds everything. Exchanges,
     * not loads and stores, so an observation that finishes late on the cold half is kept. */
    for (size_t i = 1; i <= nb + 1; i++) {
        uint64_t v = atomic_exchange_explicit(&cold[i], 0, memory_order_relaxed);
        if (v) atomic_fetch_add_explicit(&hot[i], v, memory_order_relaxed);
    }
    double s = from_bits(atomic_exchange_explicit(&cold[0], 0, memory_order_relaxed));
    if (s != 0) atomic_add_double(&hot[0], s);
    return total;
}

void llmobs__histogram_fork_repair(llmobs__child *c)
{
    size_t nb = c->family->nbounds;
    uint64_t total = 0;
    for (size_t i = 0; i < 2 * LLMOBS__HALF(nb); i++)
        if (i % LLMOBS__HALF(nb) != 0) total += atomic_load(&c->buckets[i]);
    uint64_t n = atomic_load(&c->ival);
    atomic_store(&c->ival, (n & LLMOBS__HOT_BIT) | total);
}

llmobs_status llmobs_histogram_observe_labels(llmobs_family *f, const char *const *values, size_t n,
                                              double value)
{
    if (isnan(value)) return llmobs__error(LLMOBS_EINVAL, "observation is NaN");
    llmobs_histogram *h;
    llmobs_status st = llmobs_histogram_labels(f, values, n, &h);
    return st != LLMOBS_OK ? st : llmobs_histogram_observe(h, value);
}

llmobs_status llmobs_histogram_get(const llmobs_histogram *histogram, uint64_t *count, double *sum)
{
    llmobs__child *c = as_child(histogram, LLMOBS__HISTOGRAM);
    if (!c) return bad_handle("histogram");
    llmobs_family *f = c->family;
    uint64_t buckets[LLMOBS_METRICS_MAX_BUCKETS + 1];
    double s;
    pthread_mutex_lock(&f->lock);
    uint64_t total = llmobs__histogram_snapshot(c, buckets, &s);
    pthread_mutex_unlock(&f->lock);
    if (count) *count = total;
    if (sum) *sum = s;
    return LLMOBS_OK;
}
