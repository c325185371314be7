/* The cost tracker: today's spend per feature, model and user, daily budgets with threshold
 * alerts, unknown-model accounting. One lock (core/lock.h) guards everything; callbacks
 * (alerts, log lines, hooks) are collected under it into a `pending` record and delivered after
 * it is released, on the recording thread.
 *
 * Every lookup is O(1): features, models and users are arrays (in the order llmobs_cost_*_at
 * lists them) indexed by name tables (name_table.h); the users also sit in a min-heap on
 * (spend, index), so the smallest spender -- the one a new user displaces when the set is
 * full -- is found without a scan (see user_min). Model prices are cached per model
 * name (up to PRICE_CACHE_MAX names) and re-matched when the price table changed. Names are
 * hashed once, outside the lock; an ended generation is priced and recorded in one locked pass
 * (llmobs__cost_generation) that looks each name up once. See docs/decisions.md. */
#include "cost/cost.h"
#include "core/lock.h"
#include "cost/name_table.h"
#include "core/atfork.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/options.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_PER_DAY INT64_C(86400000000000)
#define MAX_PRICE_FILE_BYTES (16 << 20) /* 16 MiB */
#define PRICE_CACHE_MAX 4096            /* model names whose price is remembered */
#define NONE LLMOBS__NAME_NONE

typedef struct {
    char *name;
    uint64_t hash; /* llmobs__name_hash(name) */
    double spent;
    double budget;  /* 0 = none */
    uint32_t fired; /* bit i: thresholds[i] already alerted today */
} feature_ent;

typedef struct {
    char *name;
    uint64_t hash;
    double spent;
    uint32_t price; /* its entry in the price cache, or NONE: not looked up yet */
} spend_ent;        /* a model */

typedef struct {
    char *name;
    uint64_t hash;
    double spent;
    uint32_t heap; /* position in the tracker's user heap */
} user_ent;

/* A user in the heap, keyed by its spend when it was last placed (see user_min). */
typedef struct {
    double spent;
    uint32_t user;
} heap_ent;

/* The price a model name resolved to (NULL: none) when the price table was at `gen`. */
typedef struct {
    char *model;
    uint64_t hash;
    const llmobs__price *price;
    uint64_t gen;
} price_ent;

typedef struct {
    char *name;
    uint64_t count;
} unknown_ent;

typedef struct {
    void *items;
    size_t n, cap;
} vec;

struct llmobs_cost_tracker {
    /* Taken once per traced generation (a second time for its in-flight metric labels when a
     * table is at its cardinality limit), always briefly. */
    llmobs__lock mu;
    llmobs__atfork fork; /* takes mu across fork() */
    llmobs__logger log;
    llmobs__cost_clock_fn clock;
    void *clock_ud;
    llmobs__cost_hooks hooks;
    llmobs_budget_alert_fn alert_fn;
    void *alert_ud;
    llmobs__price *overlay; /* file and API prices; each model name heap-owned */
    size_t noverlay;
    /* The price each seen model name resolved to, so a generation does not run the matching
     * rule; an entry older than price_gen (bumped whenever the overlay changes) is matched
     * again when next used. */
    vec prices; /* price_ent, at most PRICE_CACHE_MAX */
    llmobs__name_table price_ix;
    uint64_t price_gen;
    double thresholds[LLMOBS__COST_MAX_THRESHOLDS];
    size_t nthresholds;
    int64_t day;       /* UTC days since the epoch of the spend held */
    int64_t latest_ns; /* the latest wall time seen: days never roll back (see roll_day) */
    /* Bumped whenever feature or model entries move or go (a new day): an index found under
     * an older epoch is stale. */
    uint64_t epoch;
    vec features;                                     /* feature_ent */
    vec models;                                       /* spend_ent */
    vec users;                                        /* user_ent */
    llmobs__name_table feature_ix, model_ix, user_ix; /* name -> index in the vectors */
    heap_ent *heap; /* a min-heap of the users on (spent as of entry, index), users.n long */
    size_t heap_cap;
    /* Whether a table is at its cardinality limit, so that some name may fold into
     * LLMOBS_COST_OTHER: written under the lock whenever features.n or models.n changes, read
     * without it by llmobs__cost_metric_labels (below the limits every name is its own label). */
    _Atomic bool may_fold;
    uint64_t other_hash; /* llmobs__name_hash(LLMOBS_COST_OTHER) */
    vec unknown;         /* unknown_ent, never reset (a counter) */
    uint32_t max_users;
    double other_users;
    double total;
};

/* What a locked section leaves to do once the lock is released. */
typedef struct {
    int nalerts;
    double alert_threshold[LLMOBS__COST_MAX_THRESHOLDS];
    double alert_spent, alert_budget;
    /* Labels used: the caller's strings, alive until record() returns, or the static
     * LLMOBS_COST_OTHER; never the entries' names, which roll_day may free meanwhile. */
    const char *feature;
    const char *model;
    char *unknown_model; /* set when the model was unknown; warn when `warn` */
    bool warn;
    bool has_budget;
    double budget, remaining;
    double cost[LLMOBS_COST_KIND_COUNT];
    bool recorded;
    llmobs__logger log;
    llmobs__cost_hooks hooks;
    llmobs_budget_alert_fn alert_fn;
    void *alert_ud;
} pending;

static void prices_free(llmobs_cost_tracker *t);

/* ---- small helpers ----------------------------------------------------------------------- */

static int64_t now_ns(const llmobs_cost_tracker *t)
{
    return t->clock ? t->clock(t->clock_ud) : llmobs__wall_ns();
}

static int64_t day_of(int64_t ns)
{
    /* Unix time has no leap seconds, so UTC midnight is a multiple of 86400 s. */
    return ns >= 0 ? ns / NS_PER_DAY : -((-ns - 1) / NS_PER_DAY) - 1;
}

static bool grow(vec *v, size_t elem)
{
    if (v->n < v->cap) return true;
    size_t cap = v->cap ? v->cap * 2 : 8;
    void *p = realloc(v->items, cap * elem);
    if (!p) return false;
    v->items = p;
    v->cap = cap;
    return true;
}

static void spend_vec_clear(vec *v, llmobs__name_table *ix)
{
    spend_ent *e = v->items;
    for (size_t i = 0; i < v->n; i++)
        free(e[i].name);
    v->n = 0;
    llmobs__name_clear(ix);
}

/* After features.n or models.n changed (under the lock). */
static void may_fold_update(llmobs_cost_tracker *t)
{
    bool full =
        t->models.n >= LLMOBS__COST_MAX_MODELS || t->features.n >= LLMOBS__COST_MAX_FEATURES;
    atomic_store_explicit(&t->may_fold, full, memory_order_release);
}

/* The model entry of `name` (hash `h`), or NULL. */
static spend_ent *model_find(llmobs_cost_tracker *t, const char *name, uint64_t h)
{
    uint32_t i = llmobs__name_find(&t->model_ix, h, name);
    return i == NONE ? NULL : (spend_ent *)t->models.items + i;
}

/* Finds or adds the model `name`; beyond LLMOBS__COST_MAX_MODELS, the LLMOBS_COST_OTHER entry.
 * NULL only on ENOMEM. */
static spend_ent *model_get(llmobs_cost_tracker *t, const char *name, uint64_t h)
{
    spend_ent *e = model_find(t, name, h);
    if (e) return e;
    if (t->models.n >= LLMOBS__COST_MAX_MODELS) {
        name = LLMOBS_COST_OTHER;
        h = t->other_hash;
        if ((e = model_find(t, name, h))) return e;
    }
    char *copy = strdup(name);
    if (!copy || !grow(&t->models, sizeof(spend_ent)) ||
        !llmobs__name_insert(&t->model_ix, h, copy, (uint32_t)t->models.n)) {
        free(copy);
        return NULL;
    }
    e = (spend_ent *)t->models.items + t->models.n++;
    *e = (spend_ent){copy, h, 0, NONE};
    may_fold_update(t);
    return e;
}

static feature_ent *feature_find_h(llmobs_cost_tracker *t, const char *name, uint64_t h)
{
    uint32_t i = llmobs__name_find(&t->feature_ix, h, name);
    return i == NONE ? NULL : (feature_ent *)t->features.items + i;
}

static feature_ent *feature_find(llmobs_cost_tracker *t, const char *name)
{
    return feature_find_h(t, name, llmobs__name_hash(name));
}

static feature_ent *feature_get(llmobs_cost_tracker *t, const char *name, uint64_t h)
{
    feature_ent *e = feature_find_h(t, name, h);
    if (e) return e;
    if (t->features.n >= LLMOBS__COST_MAX_FEATURES) {
        name = LLMOBS_COST_OTHER;
        h = t->other_hash;
        if ((e = feature_find_h(t, name, h))) return e;
    }
    char *copy = strdup(name);
    if (!copy || !grow(&t->features, sizeof(feature_ent)) ||
        !llmobs__name_insert(&t->feature_ix, h, copy, (uint32_t)t->features.n)) {
        free(copy);
        return NULL;
    }
    e = (feature_ent *)t->features.items + t->features.n++;
    *e = (feature_ent){copy, h, 0, 0, 0};
    may_fold_update(t);
    return e;
}

/* ---- the users' heap ------------------------------------------------------------------------
 *
 * The smallest spender is the one a new user displaces when the set is full (ties: the lower
 * index, the entry a scan for the first minimum finds). A user's spend only grows during a day,
 * and a record must stay O(1), so the heap is lazy: each entry keeps the spend it had when it
 * was placed, a lower bound of its spend now, and a record does not touch the heap. When the
 * minimum is needed, a top whose spend grew since is re-placed with its spend now until the top
 * is current: that top is the true minimum (everyone else's spend is at least their key, which
 * is at least the top's). Each re-placement, O(log n), pays for records made since, so an
 * eviction costs O(log n) amortised. */

static bool heap_before(const heap_ent *a, const heap_ent *b)
{
    return a->spent < b->spent || (a->spent == b->spent && a->user < b->user);
}

static void heap_put(llmobs_cost_tracker *t, size_t pos, heap_ent e)
{
    t->heap[pos] = e;
    ((user_ent *)t->users.items)[e.user].heap = (uint32_t)pos;
}

/* Restores the heap order around `pos` (its key changed either way); `n`: heap size. */
static void heap_fix(llmobs_cost_tracker *t, size_t pos, size_t n)
{
    heap_ent x = t->heap[pos];
    while (pos > 0 && heap_before(&x, &t->heap[(pos - 1) / 2])) {
        heap_put(t, pos, t->heap[(pos - 1) / 2]);
        pos = (pos - 1) / 2;
    }
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(&t->heap[c + 1], &t->heap[c])) c++;
        if (!heap_before(&t->heap[c], &x)) break;
        heap_put(t, pos, t->heap[c]);
        pos = c;
    }
    heap_put(t, pos, x);
}

/* The index of the smallest spender (users.n > 0). */
static uint32_t user_min(llmobs_cost_tracker *t)
{
    const user_ent *u = t->users.items;
    for (;;) {
        heap_ent *top = &t->heap[0];
        double now = u[top->user].spent;
        if (top->spent == now) return top->user;
        top->spent = now;
        heap_fix(t, 0, t->users.n);
    }
}

/* A tracked user's spend changed by `usd`. */
static void user_spent(llmobs_cost_tracker *t, user_ent *u, double usd)
{
    u->spent += usd;
    if (!(usd >= 0)) { /* never so today (costs are >= 0), but a key must stay a lower bound */
        t->heap[u->heap].spent = u->spent;
        heap_fix(t, u->heap, t->users.n);
    }
}

static user_ent *user_find(llmobs_cost_tracker *t, const char *name, uint64_t h)
{
    uint32_t i = llmobs__name_find(&t->user_ix, h, name);
    return i == NONE ? NULL : (user_ent *)t->users.items + i;
}

static void users_clear(llmobs_cost_tracker *t)
{
    user_ent *u = t->users.items;
    for (size_t i = 0; i < t->users.n; i++)
        free(u[i].name);
    t->users.n = 0;
    llmobs__name_clear(&t->user_ix);
}

/* Moves the smallest spender to "other" (and out of the set): the last entry takes its index. */
static void user_evict_min(llmobs_cost_tracker *t)
{
    user_ent *u = t->users.items;
    size_t last = t->users.n - 1;
    uint32_t m = user_min(t);
    t->other_users += u[m].spent;
    llmobs__name_remove(&t->user_ix, u[m].hash, u[m].name);
    free(u[m].name);
    if (last > 0) {
        heap_put(t, 0, t->heap[last]);
        heap_fix(t, 0, last);
    }
    if (m != last) { /* the last entry moves down to m: a smaller index, a smaller key */
        u[m] = u[last];
        llmobs__name_move(&t->user_ix, u[m].hash, u[m].name, m);
        t->heap[u[m].heap].user = m;
        heap_fix(t, u[m].heap, last);
    }
    t->users.n = last;
}

static const char *feature_label(const char *feature)
{
    return feature && *feature ? feature : LLMOBS_COST_NO_FEATURE;
}

/* Bits of the thresholds `spent` has reached against `budget`. */
static uint32_t reached_mask(const llmobs_cost_tracker *t, double spent, double budget)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < t->nthresholds; i++)
        if (spent + LLMOBS__COST_BUDGET_EPSILON >= t->thresholds[i] * budget) mask |= 1u << i;
    return mask;
}

/* Starts a new day when the clock crossed 00:00 UTC: spend is forgotten, budgets stay,
 * thresholds re-arm. Features without a budget are dropped so memory follows one day.
 *
 * The day follows the latest wall time seen, so a clock stepped back (NTP, a VM restored) never
 * rolls the day back: across midnight that would wipe the day's spend, re-fire its alerts and
 * let llmobs_budget_check pass calls over budget. A step back of more than a day is taken as a
 * correction of a clock that was wrong, and the tracker follows it (a new day) rather than
 * waiting, possibly for years, until the clock catches up. */
static void roll_day(llmobs_cost_tracker *t)
{
    int64_t now = now_ns(t);
    bool corrected = now < t->latest_ns && (uint64_t)t->latest_ns - (uint64_t)now >
                                               (uint64_t)NS_PER_DAY; /* no overflow */
    if (now > t->latest_ns || corrected) t->latest_ns = now;
    int64_t day = day_of(t->latest_ns);
    if (day == t->day) return;
    t->day = day;
    t->epoch++; /* entries move or go below */
    feature_ent *f = t->features.items;
    size_t kept = 0;
    llmobs__name_clear(&t->feature_ix);
    for (size_t i = 0; i < t->features.n; i++) {
        if (f[i].budget > 0) {
            f[kept] = f[i];
            f[kept].spent = 0;
            f[kept].fired = 0;
            /* Cannot fail: the table held more names than this before. */
            (void)llmobs__name_insert(&t->feature_ix, f[kept].hash, f[kept].name, (uint32_t)kept);
            kept++;
        } else {
            free(f[i].name);
        }
    }
    t->features.n = kept;
    spend_vec_clear(&t->models, &t->model_ix);
    may_fold_update(t);
    users_clear(t);
    t->other_users = 0;
    t->total = 0;
}

static void lock(llmobs_cost_tracker *t)
{
    llmobs__lock_take(&t->mu);
}

static void unlock(llmobs_cost_tracker *t)
{
    llmobs__lock_release(&t->mu);
}

static void fork_lock(void *ud)
{
    lock(ud);
}

static void fork_unlock(void *ud, bool child)
{
    llmobs_cost_tracker *t = ud;
    if (child)
        llmobs__lock_reset_child(&t->mu); /* no waiter to wake: only this thread is left */
    else
        unlock(t);
}

/* ---- construction ------------------------------------------------------------------------ */

static llmobs_status add_budget_cb(const char *feature, double usd, void *ud)
{
    return llmobs_cost_set_budget(ud, feature, usd);
}

llmobs_cost_tracker *llmobs__cost_tracker_create(const llmobs_options *opts,
                                                 const llmobs__logger *log, llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_cost_tracker *t = calloc(1, sizeof *t);
    if (!t) {
        st = llmobs__error(LLMOBS_ENOMEM, "llmobs_cost_tracker_new: out of memory");
        goto out;
    }
    llmobs__lock_init(&t->mu);
    atomic_init(&t->may_fold, false);
    t->epoch = 1; /* 0 in a `found`: no entries found */
    t->other_hash = llmobs__name_hash(LLMOBS_COST_OTHER);
    llmobs__atfork_add(&t->fork, LLMOBS__FORK_RANK_COST, fork_lock, fork_unlock, t);
    t->thresholds[0] = 0.8;
    t->thresholds[1] = 0.9;
    t->thresholds[2] = 1.0;
    t->nthresholds = 3;
    t->max_users = LLMOBS__COST_DEFAULT_USERS;
    t->latest_ns = now_ns(t);
    t->day = day_of(t->latest_ns);
    if (log)
        t->log = *log;
    else if (opts)
        t->log = (llmobs__logger){opts->log_fn, opts->log_ud, opts->debug};
    if (!opts) goto out;
    if (opts->budget_thresholds && *opts->budget_thresholds) {
        st = llmobs__cost_parse_thresholds("budget_thresholds", opts->budget_thresholds,
                                           t->thresholds, &t->nthresholds);
        if (st != LLMOBS_OK) goto out;
    }
    if (opts->budgets) {
        st = llmobs__cost_parse_budgets("budgets", opts->budgets, add_budget_cb, t);
        if (st != LLMOBS_OK) goto out;
    }
    if (opts->prices_file && *opts->prices_file)
        st = llmobs_cost_load_prices_file(t, opts->prices_file);
out:
    if (st != LLMOBS_OK) {
        llmobs_cost_tracker_free(t);
        t = NULL;
    } else {
        llmobs__error_clear();
    }
    if (status) *status = st;
    return t;
}

llmobs_cost_tracker *llmobs_cost_tracker_new(llmobs_options *opts, llmobs_status *status)
{
    llmobs_options *own = NULL;
    if (!opts && !(opts = own = llmobs_options_new())) {
        if (status) *status = LLMOBS_ENOMEM;
        llmobs__error(LLMOBS_ENOMEM, "llmobs_cost_tracker_new: out of memory");
        return NULL;
    }
    llmobs_cost_tracker *t = NULL;
    llmobs_status st = llmobs__options_apply_env(opts);
    if (st == LLMOBS_OK) t = llmobs__cost_tracker_create(opts, NULL, &st);
    llmobs_options_free(own);
    if (status) *status = st;
    return t;
}

void llmobs_cost_tracker_free(llmobs_cost_tracker *t)
{
    if (!t) return;
    prices_free(t);
    llmobs__atfork_remove(&t->fork);
    llmobs__price_list_free(t->overlay, t->noverlay);
    feature_ent *f = t->features.items;
    for (size_t i = 0; i < t->features.n; i++)
        free(f[i].name);
    free(t->features.items);
    llmobs__name_table_free(&t->feature_ix);
    spend_vec_clear(&t->models, &t->model_ix);
    free(t->models.items);
    llmobs__name_table_free(&t->model_ix);
    users_clear(t);
    free(t->users.items);
    free(t->heap);
    llmobs__name_table_free(&t->user_ix);
    unknown_ent *u = t->unknown.items;
    for (size_t i = 0; i < t->unknown.n; i++)
        free(u[i].name);
    free(t->unknown.items);
    llmobs__lock_destroy(&t->mu);
    free(t);
}

llmobs_status llmobs_cost_tracker_set_log_callback(llmobs_cost_tracker *t, llmobs_log_fn fn,
                                                   void *ud)
{
    if (!t)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_tracker_set_log_callback: NULL tracker");
    lock(t);
    t->log.fn = fn;
    t->log.userdata = ud;
    unlock(t);
    return LLMOBS_OK;
}

void llmobs__cost_tracker_set_clock(llmobs_cost_tracker *t, llmobs__cost_clock_fn fn, void *ud)
{
    if (!t) return;
    lock(t);
    t->clock = fn;
    t->clock_ud = ud;
    t->latest_ns = INT64_MIN; /* a new time line: follow it from its first reading */
    unlock(t);
}

void llmobs__cost_tracker_set_hooks(llmobs_cost_tracker *t, const llmobs__cost_hooks *hooks)
{
    if (!t) return;
    lock(t);
    if (hooks)
        t->hooks = *hooks;
    else
        memset(&t->hooks, 0, sizeof t->hooks);
    unlock(t);
}

/* ---- prices ------------------------------------------------------------------------------ */

static void prices_free(llmobs_cost_tracker *t)
{
    price_ent *e = t->prices.items;
    for (size_t i = 0; i < t->prices.n; i++)
        free(e[i].model);
    free(t->prices.items);
    llmobs__name_table_free(&t->price_ix);
}

/* The price of cache entry `i`, matched again if the table changed since it was cached. */
static const llmobs__price *cached_price(llmobs_cost_tracker *t, uint32_t i)
{
    price_ent *e = (price_ent *)t->prices.items + i;
    if (e->gen != t->price_gen) {
        e->price = llmobs__price_match(t->overlay, t->noverlay, e->model);
        e->gen = t->price_gen;
    }
    return e->price;
}

/* llmobs__price_match over the overlay and the built-in table, remembered per model name
 * (`h` its hash); *slot (optional) gets the cache entry (never removed), or NONE. Under the
 * lock. */
static const llmobs__price *price_of_slot(llmobs_cost_tracker *t, const char *model, uint64_t h,
                                          uint32_t *slot)
{
    uint32_t i = llmobs__name_find(&t->price_ix, h, model);
    if (slot) *slot = i;
    if (i != NONE) return cached_price(t, i);
    const llmobs__price *p = llmobs__price_match(t->overlay, t->noverlay, model);
    if (t->prices.n < PRICE_CACHE_MAX) { /* past it, or out of memory: just not remembered */
        char *copy = strdup(model);
        i = (uint32_t)t->prices.n;
        if (copy && grow(&t->prices, sizeof(price_ent)) &&
            llmobs__name_insert(&t->price_ix, h, copy, i)) {
            ((price_ent *)t->prices.items)[t->prices.n++] = (price_ent){copy, h, p, t->price_gen};
            if (slot) *slot = i;
        } else {
            free(copy);
        }
    }
    return p;
}

static const llmobs__price *price_of_h(llmobs_cost_tracker *t, const char *model, uint64_t h)
{
    return price_of_slot(t, model, h, NULL);
}

static const llmobs__price *price_of(llmobs_cost_tracker *t, const char *model)
{
    return price_of_h(t, model, llmobs__name_hash(model));
}

/* Replaces or adds `list` (ownership taken on success) in the overlay, atomically. */
static llmobs_status merge_overlay(llmobs_cost_tracker *t, llmobs__price *list, size_t n)
{
    lock(t);
    llmobs__price *merged = calloc(t->noverlay + n + 1, sizeof *merged);
    if (!merged) {
        unlock(t);
        return llmobs__error(LLMOBS_ENOMEM, "prices: out of memory");
    }
    size_t m = 0;
    for (size_t i = 0; i < t->noverlay; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n && !replaced; j++)
            replaced = strcasecmp(t->overlay[i].model, list[j].model) == 0;
        if (replaced)
            free((char *)t->overlay[i].model);
        else
            merged[m++] = t->overlay[i];
    }
    memcpy(merged + m, list, n * sizeof *list);
    free(t->overlay);
    t->overlay = merged;
    t->noverlay = m + n;
    t->price_gen++; /* cached prices point into the old overlay: match them again */
    unlock(t);
    free(list);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_set_price(llmobs_cost_tracker *t, const char *model, double input,
                                    double output, double cache_read, double cache_write,
                                    double reasoning, int64_t context_window)
{
    if (!t || !model || !*model)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_set_price: NULL tracker or empty model");
    double v[LLMOBS_PRICE_KIND_COUNT] = {input, output, cache_read, cache_write, reasoning};
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++)
        if (!isfinite(v[k]) || (k <= LLMOBS_PRICE_OUTPUT && v[k] < 0))
            return llmobs__error(LLMOBS_EINVAL,
                                 "llmobs_cost_set_price: model '%s': price %d must be finite%s",
                                 model, k, k <= LLMOBS_PRICE_OUTPUT ? " and >= 0" : "");
    if (context_window < 0)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_set_price: negative context window");
    if (v[LLMOBS_PRICE_CACHE_READ] < 0) v[LLMOBS_PRICE_CACHE_READ] = input;
    if (v[LLMOBS_PRICE_CACHE_WRITE] < 0) v[LLMOBS_PRICE_CACHE_WRITE] = input;
    if (v[LLMOBS_PRICE_REASONING] < 0) v[LLMOBS_PRICE_REASONING] = output;
    llmobs__price *p = calloc(1, sizeof *p);
    char *name = strdup(model);
    if (!p || !name) {
        free(p);
        free(name);
        return llmobs__error(LLMOBS_ENOMEM, "llmobs_cost_set_price: out of memory");
    }
    p->model = name;
    memcpy(p->usd_per_mtok, v, sizeof v);
    p->context_window = context_window;
    llmobs_status st = merge_overlay(t, p, 1);
    if (st != LLMOBS_OK) llmobs__price_list_free(p, 1);
    return st;
}

static llmobs_status read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return llmobs__error(LLMOBS_EIO, "price file %s: cannot open: %s", path,
                             llmobs__strerror(errno));
    char *buf = malloc(MAX_PRICE_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_PRICE_FILE_BYTES + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    if (!buf) return llmobs__error(LLMOBS_ENOMEM, "price file %s: out of memory", path);
    if (err || n > MAX_PRICE_FILE_BYTES) {
        free(buf);
        return llmobs__error(
            err ? LLMOBS_EIO : LLMOBS_ELIMIT,
            err ? "price file %s: read error" : "price file %s: larger than 16 MiB", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_load_prices_file(llmobs_cost_tracker *t, const char *path)
{
    if (!t || !path || !*path)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_load_prices_file: NULL tracker or path");
    char *text = NULL;
    size_t len = 0;
    llmobs_status st = read_file(path, &text, &len);
    if (st != LLMOBS_OK) return st;
    llmobs__price *list = NULL;
    size_t n = 0;
    st = llmobs__price_file_parse(text, len, path, &list, &n);
    free(text);
    if (st == LLMOBS_OK) st = merge_overlay(t, list, n);
    if (st != LLMOBS_OK)
        llmobs__price_list_free(list, n);
    else
        llmobs__error_clear();
    return st;
}

llmobs_status llmobs_cost_resolve_model(llmobs_cost_tracker *t, const char *model, char *buf,
                                        size_t cap)
{
    if (!t || !model || !buf || !cap)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_resolve_model: NULL argument");
    buf[0] = '\0';
    lock(t);
    const llmobs__price *p = price_of(t, model);
    int n = p ? snprintf(buf, cap, "%s", p->model) : -1;
    unlock(t);
    if (n < 0) return llmobs__error(LLMOBS_ENOTFOUND, "no price for model '%s'", model);
    if ((size_t)n >= cap)
        return llmobs__error(LLMOBS_ELIMIT, "llmobs_cost_resolve_model: needs %d bytes", n + 1);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_get_price(llmobs_cost_tracker *t, const char *model,
                                    llmobs_price_kind kind, double *out)
{
    if (!t || !model || !out || (unsigned)kind >= LLMOBS_PRICE_KIND_COUNT)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_get_price: bad argument");
    lock(t);
    const llmobs__price *p = price_of(t, model);
    if (p) *out = p->usd_per_mtok[kind];
    unlock(t);
    return p ? LLMOBS_OK : llmobs__error(LLMOBS_ENOTFOUND, "no price for model '%s'", model);
}

llmobs_status llmobs_cost_context_window(llmobs_cost_tracker *t, const char *model, int64_t *out)
{
    if (!t || !model || !out)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_context_window: NULL argument");
    lock(t);
    const llmobs__price *p = price_of(t, model);
    if (p) *out = p->context_window;
    unlock(t);
    return p ? LLMOBS_OK : llmobs__error(LLMOBS_ENOTFOUND, "no price for model '%s'", model);
}

/* Effective prices under the lock: per-call override, else the table. Returns false when some
 * price had to come from the table and the model is not in it (those prices are 0). */
static bool effective_prices(llmobs_cost_tracker *t, const char *model, uint64_t model_hash,
                             const double *override, double out[LLMOBS_PRICE_KIND_COUNT])
{
    const llmobs__price *p = NULL;
    bool looked = false, known = true;
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++) {
        if (override && override[k] >= 0) {
            out[k] = override[k];
            continue;
        }
        if (!looked) {
            p = price_of_h(t, model, model_hash);
            looked = true;
        }
        out[k] = p ? p->usd_per_mtok[k] : 0;
        known = known && p;
    }
    return known;
}

static llmobs_status check_tokens(const char *fn, const int64_t tokens[LLMOBS_PRICE_KIND_COUNT],
                                  const double *prices)
{
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++) {
        if (tokens[k] < 0) return llmobs__error(LLMOBS_EINVAL, "%s: negative token count", fn);
        if (prices && !isfinite(prices[k]))
            return llmobs__error(LLMOBS_EINVAL, "%s: non-finite price override", fn);
    }
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_compute(llmobs_cost_tracker *t, const char *model, int64_t input,
                                  int64_t output, int64_t cache_read, int64_t cache_write,
                                  int64_t reasoning, const double *prices, double *cost_out)
{
    int64_t tokens[LLMOBS_PRICE_KIND_COUNT] = {input, output, cache_read, cache_write, reasoning};
    if (!t || !model)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_compute: NULL tracker or model");
    llmobs_status st = check_tokens("llmobs_cost_compute", tokens, prices);
    if (st != LLMOBS_OK) return st;
    double eff[LLMOBS_PRICE_KIND_COUNT], cost[LLMOBS_COST_KIND_COUNT];
    uint64_t h = llmobs__name_hash(model);
    lock(t);
    bool known = effective_prices(t, model, h, prices, eff);
    unlock(t);
    llmobs__price_apply(eff, tokens, cost);
    if (cost_out) memcpy(cost_out, cost, sizeof cost);
    if (!known) return llmobs__error(LLMOBS_ENOTFOUND, "no price for model '%s'", model);
    return LLMOBS_OK;
}

/* ---- recording --------------------------------------------------------------------------- */

/* Counts an unknown model (capped; beyond the cap under LLMOBS_COST_OTHER). */
static void count_unknown(llmobs_cost_tracker *t, const char *model, pending *pd)
{
    unknown_ent *u = t->unknown.items;
    const char *label = model;
    size_t i = 0;
    for (; i < t->unknown.n; i++)
        if (strcmp(u[i].name, label) == 0) break;
    if (i == t->unknown.n && t->unknown.n >= LLMOBS__COST_MAX_UNKNOWN_MODELS) {
        label = LLMOBS_COST_OTHER;
        for (i = 0; i < t->unknown.n; i++)
            if (strcmp(u[i].name, label) == 0) break;
    }
    if (i == t->unknown.n) {
        char *copy = strdup(label);
        if (!copy || !grow(&t->unknown, sizeof(unknown_ent))) {
            free(copy);
            return; /* out of memory: the count is lost, the spend (0) is not */
        }
        u = t->unknown.items;
        u[t->unknown.n++] = (unknown_ent){copy, 0};
        pd->warn = true;
    }
    u[i].count++;
    pd->unknown_model = strdup(label);
}

/* A new user's spend; `copy` (the user's name, hash `h`) is kept or freed. */
static void add_new_user_spend(llmobs_cost_tracker *t, double usd, char *copy, uint64_t h)
{
    size_t n = t->users.n;
    if (n < t->max_users && grow(&t->users, sizeof(user_ent))) {
        if (t->heap_cap < t->users.cap) {
            heap_ent *heap = realloc(t->heap, t->users.cap * sizeof *heap);
            if (heap) {
                t->heap = heap;
                t->heap_cap = t->users.cap;
            }
        }
        if (t->heap_cap > n && llmobs__name_insert(&t->user_ix, h, copy, (uint32_t)n)) {
            ((user_ent *)t->users.items)[n] = (user_ent){copy, h, usd, (uint32_t)n};
            t->users.n = n + 1;
            t->heap[n] = (heap_ent){usd, (uint32_t)n};
            heap_fix(t, n, n + 1);
            return;
        }
    }
    user_ent *min = n ? (user_ent *)t->users.items + user_min(t) : NULL;
    if (min && usd > min->spent) {
        /* Keep the bigger spender; the displaced one's spend stays accounted in "other". */
        t->other_users += min->spent;
        llmobs__name_remove(&t->user_ix, min->hash, min->name);
        free(min->name);
        /* Cannot fail: a name just left the table. */
        (void)llmobs__name_insert(&t->user_ix, h, copy, t->heap[0].user);
        min->name = copy;
        min->hash = h;
        min->spent = usd;
        t->heap[0].spent = usd; /* user_min left it on top */
        heap_fix(t, 0, n);
        return;
    }
    free(copy);
    t->other_users += usd;
}

/* Names' hashes, and the entries a caller already found under the lock (epoch: when). */
typedef struct {
    uint64_t model_hash, feature_hash, user_hash;
    uint64_t epoch; /* the locked section's; 0: no slots */
    uint32_t model_slot, feature_slot;
} found;

static found found_none(const char *model, const char *feature, const char *user)
{
    return (found){llmobs__name_hash(model),
                   llmobs__name_hash(feature),
                   user ? llmobs__name_hash(user) : 0,
                   0,
                   NONE,
                   NONE};
}

/* Adds `usd` to today's spend under the lock and fills what to deliver afterwards. `model`
 * and `feature` are the labels (feature_label applied); `fd` holds their hashes. */
static llmobs_status add_spend(llmobs_cost_tracker *t, const char *model, const char *feature,
                               const char *user, const double cost[LLMOBS_COST_KIND_COUNT],
                               pending *pd, const found *fd)
{
    double usd = cost[LLMOBS_COST_TOTAL];
    /* A caller that rolled the day over and found these entries in this locked section
     * passes its epoch: they are valid. Otherwise roll the day over and look them up. */
    bool fresh = fd->epoch == t->epoch;
    if (!fresh) roll_day(t);
    /* Everything that can fail is done before any spend changes. */
    bool track_user = user && t->max_users;
    user_ent *known_user = track_user ? user_find(t, user, fd->user_hash) : NULL;
    bool new_user = track_user && !known_user;
    char *user_copy = new_user ? strdup(user) : NULL;
    feature_ent *f = fresh && fd->feature_slot != NONE
                         ? (feature_ent *)t->features.items + fd->feature_slot
                         : feature_get(t, feature, fd->feature_hash);
    spend_ent *m = !f                                ? NULL
                   : fresh && fd->model_slot != NONE ? (spend_ent *)t->models.items + fd->model_slot
                                                     : model_get(t, model, fd->model_hash);
    if (!f || !m || (new_user && !user_copy)) {
        free(user_copy);
        return llmobs__error(LLMOBS_ENOMEM, "cost tracker: out of memory");
    }
    bool f_other = f->hash == t->other_hash && strcmp(f->name, LLMOBS_COST_OTHER) == 0;
    bool m_other = m->hash == t->other_hash && strcmp(m->name, LLMOBS_COST_OTHER) == 0;
    pd->feature = f_other ? LLMOBS_COST_OTHER : feature;
    pd->model = m_other ? LLMOBS_COST_OTHER : model;
    f->spent += usd;
    m->spent += usd;
    t->total += usd;
    if (known_user) {
        user_spent(t, known_user, usd);
    } else if (user_copy) {
        add_new_user_spend(t, usd, user_copy, fd->user_hash);
    }
    memcpy(pd->cost, cost, sizeof pd->cost);
    pd->recorded = true;
    if (f->budget > 0) {
        uint32_t crossed = reached_mask(t, f->spent, f->budget) & ~f->fired;
        f->fired |= crossed;
        for (size_t i = 0; i < t->nthresholds; i++)
            if (crossed & (1u << i)) pd->alert_threshold[pd->nalerts++] = t->thresholds[i];
        pd->has_budget = true;
        pd->budget = f->budget;
        pd->remaining = fmax(0, f->budget - f->spent);
        pd->alert_spent = f->spent;
        pd->alert_budget = f->budget;
    }
    return LLMOBS_OK;
}

static void pending_begin(llmobs_cost_tracker *t, pending *pd)
{
    /* Only what is read unconditionally; the arrays are read up to their counts. */
    pd->nalerts = 0;
    pd->feature = pd->model = NULL;
    pd->unknown_model = NULL;
    pd->warn = pd->has_budget = pd->recorded = false;
    pd->log = t->log;
    pd->hooks = t->hooks;
    pd->alert_fn = t->alert_fn;
    pd->alert_ud = t->alert_ud;
}

/* Runs, with no lock held, everything a record left to do. */
static void pending_deliver(pending *pd)
{
    if (pd->unknown_model) {
        if (pd->warn)
            llmobs__log(&pd->log, LLMOBS_LOG_WARN,
                        "cost: no price for model '%s'; its calls are counted at 0 USD (add it "
                        "with a prices file or llmobs_cost_set_price)",
                        pd->unknown_model);
        if (pd->hooks.on_unknown_model) pd->hooks.on_unknown_model(pd->hooks.ud, pd->unknown_model);
    }
    if (pd->recorded && pd->hooks.on_record) {
        pd->hooks.on_record(pd->hooks.ud, pd->model, pd->feature, pd->cost);
    }
    if (pd->recorded && pd->has_budget && pd->hooks.on_budget)
        pd->hooks.on_budget(pd->hooks.ud, pd->feature, pd->budget, pd->remaining);
    for (int i = 0; i < pd->nalerts && pd->alert_fn; i++) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "feature '%s' reached %g%% of its daily budget: %.4f of %.2f USD spent today "
                 "(UTC)",
                 pd->feature, pd->alert_threshold[i] * 100, pd->alert_spent, pd->alert_budget);
        pd->alert_fn(pd->feature, pd->alert_threshold[i], pd->alert_spent, pd->alert_budget, msg,
                     pd->alert_ud);
    }
    free(pd->unknown_model);
}

/* Prices (unless `given_cost`, recorded as is) and records one call. */
static llmobs_status record(llmobs_cost_tracker *t, const char *model, const char *feature,
                            const char *user, const int64_t *tokens, const double *prices,
                            const double *given_cost, double *cost_out)
{
    double cost[LLMOBS_COST_KIND_COUNT] = {0};
    pending pd;
    feature = feature_label(feature);
    found fd = found_none(model, feature, user); /* hashed outside the lock */
    lock(t);
    pending_begin(t, &pd);
    if (given_cost) {
        memcpy(cost, given_cost, sizeof cost);
    } else {
        double eff[LLMOBS_PRICE_KIND_COUNT];
        if (!effective_prices(t, model, fd.model_hash, prices, eff)) count_unknown(t, model, &pd);
        llmobs__price_apply(eff, tokens, cost);
    }
    llmobs_status st = add_spend(t, model, feature, user, cost, &pd, &fd);
    unlock(t);
    pending_deliver(&pd);
    if (cost_out) memcpy(cost_out, cost, sizeof cost);
    if (st == LLMOBS_OK) llmobs__error_clear();
    return st;
}

llmobs_status llmobs_cost_record(llmobs_cost_tracker *t, const char *model, const char *feature,
                                 const char *user, int64_t input, int64_t output,
                                 int64_t cache_read, int64_t cache_write, int64_t reasoning,
                                 const double *prices, double *cost_out)
{
    int64_t tokens[LLMOBS_PRICE_KIND_COUNT] = {input, output, cache_read, cache_write, reasoning};
    if (!t || !model || !*model)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_record: NULL tracker or empty model");
    llmobs_status st = check_tokens("llmobs_cost_record", tokens, prices);
    if (st != LLMOBS_OK) return st;
    return record(t, model, feature, user, tokens, prices, NULL, cost_out);
}

llmobs_status llmobs_cost_record_usd(llmobs_cost_tracker *t, const char *model, const char *feature,
                                     const char *user, double usd)
{
    if (!t || !model || !*model || !isfinite(usd) || usd < 0)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_cost_record_usd: NULL tracker, empty model or bad amount");
    double cost[LLMOBS_COST_KIND_COUNT] = {0};
    cost[LLMOBS_COST_TOTAL] = usd;
    return record(t, model, feature, user, NULL, NULL, cost, NULL);
}

/* ---- ended generations (core/generation.h) --------------------------------------------- */

/* A name the tracker keeps, or LLMOBS_COST_OTHER when a record would fold it there now. */
static const char *folded(bool kept, size_t n, size_t limit, const char *name)
{
    return kept || n < limit ? name : LLMOBS_COST_OTHER;
}

void llmobs__cost_generation(void *tracker, llmobs__generation *g)
{
    llmobs_cost_tracker *t = tracker;
    if (!t || !g) return;
    bool has_model = g->model && *g->model;
    bool want_price = !g->caller_cost && llmobs__generation_has_usage(g);
    const char *model = has_model ? g->model : "unknown";
    const char *feature = feature_label(g->feature);
    /* Hashed outside the lock. */
    found fd = found_none(model, feature, g->user);
    pending pd;
    lock(t);
    pending_begin(t, &pd);
    /* One locked pass: the day rolled over once, the entries found once and used by the
     * record below (its epoch is this one). */
    roll_day(t);
    fd.epoch = t->epoch;
    fd.model_slot = llmobs__name_find(&t->model_ix, fd.model_hash, model);
    fd.feature_slot = llmobs__name_find(&t->feature_ix, fd.feature_hash, feature);
    /* The labels of a generation that records nothing: as the cost metrics fold them now. */
    g->label_model = folded(fd.model_slot != NONE, t->models.n, LLMOBS__COST_MAX_MODELS, model);
    g->label_feature =
        folded(fd.feature_slot != NONE, t->features.n, LLMOBS__COST_MAX_FEATURES, feature);
    g->cost_recorded = false;
    const llmobs__price *p = NULL;
    if (want_price || g->model) {
        /* The one price lookup: a cached price per model name (the matching rule runs once per
         * name and price table), found through the model's spend entry when it has one. */
        spend_ent *me = fd.model_slot != NONE ? (spend_ent *)t->models.items + fd.model_slot : NULL;
        if (me && me->price != NONE)
            p = cached_price(t, me->price);
        else
            p = price_of_slot(t, model, fd.model_hash, me ? &me->price : NULL);
    }
    if (g->model) {
        const llmobs__price *w = has_model ? p : price_of(t, g->model);
        g->context_window = w ? w->context_window : 0;
    }
    if (want_price) {
        double eff[LLMOBS_PRICE_KIND_COUNT];
        int64_t tokens[LLMOBS_PRICE_KIND_COUNT];
        for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++) {
            eff[k] = p ? p->usd_per_mtok[k] : 0;
            tokens[k] = g->tokens[k] > 0 ? g->tokens[k] : 0;
        }
        llmobs__price_apply(eff, tokens, g->cost);
        g->priced = true;
        g->price_known = p != NULL;
    }
    if (g->caller_cost || g->priced) {
        if (!g->caller_cost && !g->price_known) count_unknown(t, model, &pd);
        if (add_spend(t, model, feature, g->user, g->cost, &pd, &fd) == LLMOBS_OK) {
            g->label_model = pd.model;
            g->label_feature = pd.feature;
            g->cost_recorded = true;
        }
    }
    unlock(t);
    /* The cost metrics of a generation are its caller's to record, with its other metrics. */
    pd.hooks.on_record = NULL;
    pending_deliver(&pd);
}

/* ---- metric labels ------------------------------------------------------------------------ */

void llmobs__cost_metric_labels(llmobs_cost_tracker *t, const char **model, const char **feature)
{
    if (!t || !model || !feature) return;
    const char *m = *model && **model ? *model : "unknown";
    const char *f = feature_label(*feature);
    /* Below both limits (the usual case) every name is its own label: no hashing, no lock. */
    if (!atomic_load_explicit(&t->may_fold, memory_order_acquire)) {
        *model = m;
        *feature = f;
        return;
    }
    uint64_t mh = llmobs__name_hash(m), fh = llmobs__name_hash(f);
    lock(t);
    bool m_kept = llmobs__name_find(&t->model_ix, mh, m) != NONE;
    bool f_kept = llmobs__name_find(&t->feature_ix, fh, f) != NONE;
    *model = folded(m_kept, t->models.n, LLMOBS__COST_MAX_MODELS, m);
    *feature = folded(f_kept, t->features.n, LLMOBS__COST_MAX_FEATURES, f);
    unlock(t);
}

/* ---- reading spend ----------------------------------------------------------------------- */

llmobs_status llmobs_cost_spend_feature(llmobs_cost_tracker *t, const char *feature, double *usd)
{
    if (!t || !usd) return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_spend_feature: NULL argument");
    lock(t);
    roll_day(t);
    feature_ent *f = feature_find(t, feature_label(feature));
    *usd = f ? f->spent : 0;
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_spend_model(llmobs_cost_tracker *t, const char *model, double *usd)
{
    if (!t || !model || !usd)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_spend_model: NULL argument");
    lock(t);
    roll_day(t);
    spend_ent *m = model_find(t, model, llmobs__name_hash(model));
    *usd = m ? m->spent : 0;
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_spend_user(llmobs_cost_tracker *t, const char *user, double *usd)
{
    if (!t || !user || !usd)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_spend_user: NULL argument");
    lock(t);
    roll_day(t);
    if (strcmp(user, LLMOBS_COST_OTHER) == 0) {
        *usd = t->other_users;
    } else {
        user_ent *u = user_find(t, user, llmobs__name_hash(user));
        *usd = u ? u->spent : 0;
    }
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_spend_total(llmobs_cost_tracker *t, double *usd)
{
    if (!t || !usd) return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_spend_total: NULL argument");
    lock(t);
    roll_day(t);
    *usd = t->total;
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_set_user_limit(llmobs_cost_tracker *t, uint32_t max_users)
{
    if (!t || max_users > LLMOBS__COST_MAX_USERS_LIMIT)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_cost_set_user_limit: NULL tracker or limit "
                             "above %d",
                             LLMOBS__COST_MAX_USERS_LIMIT);
    lock(t);
    t->max_users = max_users;
    /* Shrinking: the smallest spenders move to "other" until the set fits. */
    while (t->users.n > max_users)
        user_evict_min(t);
    unlock(t);
    return LLMOBS_OK;
}

static llmobs_status copy_out(const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s", name);
    if (n < 0 || (size_t)n >= cap)
        return llmobs__error(LLMOBS_ELIMIT, "buffer needs %d bytes", n + 1);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_user_at(llmobs_cost_tracker *t, size_t i, char *buf, size_t cap,
                                  double *usd)
{
    if (!t || !buf || !cap)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_user_at: NULL argument");
    llmobs_status st = LLMOBS_OK;
    lock(t);
    roll_day(t);
    user_ent *all = t->users.items;
    if (i < t->users.n) {
        st = copy_out(all[i].name, buf, cap);
        if (usd) *usd = all[i].spent;
    } else if (i == t->users.n && t->other_users > 0) {
        st = copy_out(LLMOBS_COST_OTHER, buf, cap);
        if (usd) *usd = t->other_users;
    } else {
        st = LLMOBS_ENOTFOUND;
    }
    unlock(t);
    return st;
}

llmobs_status llmobs_cost_feature_at(llmobs_cost_tracker *t, size_t i, char *buf, size_t cap,
                                     double *spent_usd, double *budget_usd)
{
    if (!t || !buf || !cap)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_feature_at: NULL argument");
    llmobs_status st = LLMOBS_ENOTFOUND;
    lock(t);
    roll_day(t);
    if (i < t->features.n) {
        feature_ent *f = (feature_ent *)t->features.items + i;
        st = copy_out(f->name, buf, cap);
        if (spent_usd) *spent_usd = f->spent;
        if (budget_usd) *budget_usd = f->budget;
    }
    unlock(t);
    return st;
}

llmobs_status llmobs_cost_unknown_model_count(llmobs_cost_tracker *t, const char *model,
                                              uint64_t *count)
{
    if (!t || !model || !count)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_unknown_model_count: NULL argument");
    *count = 0;
    lock(t);
    unknown_ent *u = t->unknown.items;
    for (size_t i = 0; i < t->unknown.n; i++)
        if (strcmp(u[i].name, model) == 0) *count = u[i].count;
    unlock(t);
    return LLMOBS_OK;
}

/* ---- budgets ----------------------------------------------------------------------------- */

llmobs_status llmobs_cost_set_budget(llmobs_cost_tracker *t, const char *feature, double daily_usd)
{
    if (!t || !feature || !*feature || !isfinite(daily_usd) || daily_usd <= 0)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_cost_set_budget: NULL tracker, empty feature or budget not "
                             "> 0");
    lock(t);
    roll_day(t);
    feature_ent *f = feature_find(t, feature);
    if (!f && t->features.n >= LLMOBS__COST_MAX_FEATURES) {
        unlock(t);
        return llmobs__error(LLMOBS_ELIMIT, "budgets: at most %d features",
                             LLMOBS__COST_MAX_FEATURES);
    }
    if (!f) f = feature_get(t, feature, llmobs__name_hash(feature));
    if (f) {
        f->budget = daily_usd;
        f->fired &= reached_mask(t, f->spent, daily_usd); /* re-arm what is no longer reached */
    }
    unlock(t);
    return f ? LLMOBS_OK : llmobs__error(LLMOBS_ENOMEM, "budgets: out of memory");
}

llmobs_status llmobs_cost_clear_budget(llmobs_cost_tracker *t, const char *feature)
{
    if (!t || !feature)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_clear_budget: NULL argument");
    lock(t);
    feature_ent *f = feature_find(t, feature);
    bool had = f && f->budget > 0;
    if (had) {
        f->budget = 0;
        f->fired = 0;
    }
    unlock(t);
    return had ? LLMOBS_OK : llmobs__error(LLMOBS_ENOTFOUND, "feature '%s' has no budget", feature);
}

llmobs_status llmobs_cost_budget(llmobs_cost_tracker *t, const char *feature, double *daily_usd)
{
    if (!t || !feature || !daily_usd)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_budget: NULL argument");
    lock(t);
    feature_ent *f = feature_find(t, feature);
    double b = f ? f->budget : 0;
    unlock(t);
    if (b <= 0) return llmobs__error(LLMOBS_ENOTFOUND, "feature '%s' has no budget", feature);
    *daily_usd = b;
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_budget_remaining(llmobs_cost_tracker *t, const char *feature, double *usd)
{
    if (!t || !feature || !usd)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_budget_remaining: NULL argument");
    lock(t);
    roll_day(t);
    feature_ent *f = feature_find(t, feature);
    bool has = f && f->budget > 0;
    if (has) *usd = fmax(0, f->budget - f->spent);
    unlock(t);
    return has ? LLMOBS_OK : llmobs__error(LLMOBS_ENOTFOUND, "feature '%s' has no budget", feature);
}

llmobs_status llmobs_cost_set_budget_thresholds(llmobs_cost_tracker *t, const double *fractions,
                                                size_t n)
{
    if (!t || !fractions || n == 0 || n > LLMOBS__COST_MAX_THRESHOLDS)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_cost_set_budget_thresholds: NULL argument or "
                             "count not in 1..%d",
                             LLMOBS__COST_MAX_THRESHOLDS);
    /* Validate through the option parser so both paths share one rule. */
    char spec[LLMOBS__COST_MAX_THRESHOLDS * 32] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(fractions[i]))
            return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_set_budget_thresholds: not finite");
        used += (size_t)snprintf(spec + used, sizeof spec - used, "%s%.17g", i ? "," : "",
                                 fractions[i]);
    }
    double parsed[LLMOBS__COST_MAX_THRESHOLDS];
    size_t count;
    llmobs_status st = llmobs__cost_parse_thresholds("budget_thresholds", spec, parsed, &count);
    if (st != LLMOBS_OK) return st;
    lock(t);
    roll_day(t);
    /* A threshold that fired today stays fired under the same value. A new one that the spend
     * already reached is not marked fired: it fires with the feature's next record (as one a
     * lowered budget leaves reached), instead of never. */
    uint32_t carry[LLMOBS__COST_MAX_THRESHOLDS] = {0}; /* old bit -> new bit */
    for (size_t i = 0; i < t->nthresholds; i++)
        for (size_t j = 0; j < count; j++)
            if (t->thresholds[i] == parsed[j]) carry[i] = 1u << j;
    feature_ent *f = t->features.items;
    for (size_t k = 0; k < t->features.n; k++) {
        uint32_t fired = 0;
        for (size_t i = 0; i < t->nthresholds; i++)
            if (f[k].fired & (1u << i)) fired |= carry[i];
        f[k].fired = fired;
    }
    memcpy(t->thresholds, parsed, count * sizeof *parsed);
    t->nthresholds = count;
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_cost_set_budget_callback(llmobs_cost_tracker *t, llmobs_budget_alert_fn fn,
                                              void *ud)
{
    if (!t) return llmobs__error(LLMOBS_EINVAL, "llmobs_cost_set_budget_callback: NULL tracker");
    lock(t);
    t->alert_fn = fn;
    t->alert_ud = ud;
    unlock(t);
    return LLMOBS_OK;
}

llmobs_status llmobs_budget_check(llmobs_cost_tracker *t, const char *feature,
                                  double estimated_cost_usd, double *remaining_usd)
{
    if (!t || !isfinite(estimated_cost_usd) || estimated_cost_usd < 0)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_budget_check: NULL tracker or estimate not a number >= 0");
    lock(t);
    roll_day(t);
    feature_ent *f = feature_find(t, feature_label(feature));
    double budget = f ? f->budget : 0, spent = f ? f->spent : 0;
    unlock(t);
    if (budget <= 0) {
        if (remaining_usd) *remaining_usd = INFINITY;
        return LLMOBS_OK;
    }
    if (remaining_usd) *remaining_usd = fmax(0, budget - spent);
    if (spent + estimated_cost_usd > budget + LLMOBS__COST_BUDGET_EPSILON)
        return llmobs__error(LLMOBS_EBUDGET,
                             "feature '%s': %.6f USD more would exceed the daily budget (%.6f of "
                             "%.6f USD spent)",
                             feature_label(feature), estimated_cost_usd, spent, budget);
    return LLMOBS_OK;
}
