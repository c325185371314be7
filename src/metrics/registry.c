/* Registries, families and children: registration with validation, the lock-free child
 * lookup, the cardinality guard, removal and clearing. */
#include "metrics/family.h"
#include "metrics/metrics.h"
#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 200
static const char tomb_sentinel;
#define TOMB ((llmobs__child *)(uintptr_t)&tomb_sentinel)

static const double default_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* ---- registries ---- */

/* fork(): every registry lock is taken before it, in the library's lock order (core/atfork.h),
 * so the child gets consistent families and tables and no lock held by a thread that does not
 * exist there. */
static void fork_lock_collectors(void *ud)
{
    pthread_mutex_lock(&((llmobs_registry *)ud)->collectors_lock);
}

static void fork_unlock_collectors(void *ud, bool child)
{
    (void)child;
    pthread_mutex_unlock(&((llmobs_registry *)ud)->collectors_lock);
}

static void fork_lock_all(void *ud)
{
    llmobs_registry *r = ud;
    pthread_mutex_lock(&r->attach_lock);
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfamilies; i++)
        pthread_mutex_lock(&r->families[i]->lock);
}

static void fork_unlock_all(void *ud, bool child)
{
    llmobs_registry *r = ud;
    for (size_t i = r->nfamilies; i-- > 0;) {
        llmobs_family *f = r->families[i];
        if (child && f->type == LLMOBS__HISTOGRAM) {
            for (llmobs__child *c = f->head; c; c = c->next)
                llmobs__histogram_fork_repair(c);
            for (llmobs__child *c = f->dead; c; c = c->dead_next)
                llmobs__histogram_fork_repair(c); /* handles of removed series still work */
        }
        pthread_mutex_unlock(&f->lock);
    }
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_unlock(&r->attach_lock);
}

llmobs_registry *llmobs__registry_alloc(void)
{
    llmobs_registry *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->magic = LLMOBS__REGISTRY_MAGIC;
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->attach_lock, NULL);
    pthread_mutex_init(&r->collectors_lock, NULL);
    llmobs__atfork_add(&r->fork_collectors, LLMOBS__FORK_RANK_COLLECTORS, fork_lock_collectors,
                       fork_unlock_collectors, r);
    llmobs__atfork_add(&r->fork_locks, LLMOBS__FORK_RANK_REGISTRY, fork_lock_all, fork_unlock_all,
                       r);
    return r;
}

llmobs_registry *llmobs_registry_new(llmobs_status *status)
{
    llmobs_registry *r = llmobs__registry_alloc();
    llmobs_status st = r ? LLMOBS_OK : llmobs__error(LLMOBS_ENOMEM, "registry: out of memory");
    if (status) *status = st;
    return r;
}

bool llmobs__registry_valid(const llmobs_registry *r)
{
    return r && r->magic == LLMOBS__REGISTRY_MAGIC;
}

static void child_free(llmobs__child *c)
{
    if (!c) return;
    for (size_t i = 0; c->values && i < c->family->nlabels; i++)
        free(c->values[i]);
    free(c->values);
    free(c->label_text);
    c->magic = 0;
    free(c);
}

static void family_free(llmobs_family *f)
{
    llmobs__child *c = f->head;
    while (c) {
        llmobs__child *next = c->next;
        child_free(c);
        c = next;
    }
    c = f->dead;
    while (c) {
        llmobs__child *next = c->dead_next;
        child_free(c);
        c = next;
    }
    free(atomic_load(&f->table));
    llmobs__table *t = f->retired;
    while (t) {
        llmobs__table *next = t->retired_next;
        free(t);
        t = next;
    }
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    for (size_t i = 0; f->le && i < f->nbounds; i++)
        free(f->le[i]);
    free(f->labels);
    free(f->le);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f->unit);
    free(f->help_text);
    free(f->help_om);
    pthread_mutex_destroy(&f->lock);
    f->magic = 0;
    free(f);
}

void llmobs_registry_free(llmobs_registry *r)
{
    if (!llmobs__registry_valid(r) || r->is_default) return;
    llmobs__atfork_remove(&r->fork_collectors);
    llmobs__atfork_remove(&r->fork_locks);
    for (size_t i = 0; i < r->nfamilies; i++)
        family_free(r->families[i]);
    free(r->families);
    for (size_t i = 0; i < LLMOBS__MAX_ATTACHMENTS; i++) {
        void *data = atomic_load(&r->attached[i].data);
        if (data) r->attached[i].free(data);
    }
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->attach_lock);
    pthread_mutex_destroy(&r->collectors_lock);
    r->magic = 0;
    free(r);
}

/* ---- attachments ---- */

void *llmobs__registry_attachment(llmobs_registry *r, const void *key,
                                  void *(*create)(llmobs_registry *r, llmobs_status *status),
                                  void (*free_fn)(void *data), llmobs_status *status)
{
    llmobs_status st = LLMOBS_OK;
    for (size_t i = 0; i < LLMOBS__MAX_ATTACHMENTS; i++) {
        void *data = atomic_load_explicit(&r->attached[i].data, memory_order_acquire);
        if (data && r->attached[i].key == key) {
            if (status) *status = LLMOBS_OK;
            return data;
        }
    }
    pthread_mutex_lock(&r->attach_lock);
    void *data = NULL;
    size_t i = 0;
    for (; i < LLMOBS__MAX_ATTACHMENTS && atomic_load(&r->attached[i].data); i++)
        if (r->attached[i].key == key) data = atomic_load(&r->attached[i].data);
    if (!data && i == LLMOBS__MAX_ATTACHMENTS)
        st = llmobs__error(LLMOBS_ELIMIT, "at most %d attachments per registry",
                           LLMOBS__MAX_ATTACHMENTS);
    else if (!data && (data = create(r, &st))) {
        r->attached[i].key = key;
        r->attached[i].free = free_fn;
        atomic_store_explicit(&r->attached[i].data, data, memory_order_release);
    }
    pthread_mutex_unlock(&r->attach_lock);
    if (status) *status = st;
    return data;
}

/* ---- collectors ---- */

llmobs_status llmobs__registry_add_collector(llmobs_registry *r, void (*fn)(void *), void *ud)
{
    if (!llmobs__registry_valid(r) || !fn)
        return llmobs__error(LLMOBS_EINVAL, "add_collector: bad argument");
    pthread_mutex_lock(&r->collectors_lock);
    llmobs_status st = LLMOBS_OK;
    if (r->ncollectors == LLMOBS__MAX_COLLECTORS)
        st = llmobs__error(LLMOBS_ELIMIT, "at most %d collectors per registry",
                           LLMOBS__MAX_COLLECTORS);
    else
        r->collectors[r->ncollectors].fn = fn, r->collectors[r->ncollectors++].ud = ud;
    pthread_mutex_unlock(&r->collectors_lock);
    return st;
}

void llmobs__registry_remove_collector(llmobs_registry *r, void (*fn)(void *), void *ud)
{
    if (!llmobs__registry_valid(r)) return;
    pthread_mutex_lock(&r->collectors_lock);
    for (size_t i = 0; i < r->ncollectors; i++)
        if (r->collectors[i].fn == fn && r->collectors[i].ud == ud) {
            r->collectors[i] = r->collectors[--r->ncollectors];
            break;
        }
    pthread_mutex_unlock(&r->collectors_lock);
}

void llmobs__registry_run_collectors(llmobs_registry *r)
{
    pthread_mutex_lock(&r->collectors_lock);
    for (size_t i = 0; i < r->ncollectors; i++)
        r->collectors[i].fn(r->collectors[i].ud);
    pthread_mutex_unlock(&r->collectors_lock);
}

/* ---- validation ---- */

static bool valid_metric_name(const char *s)
{
    if (!s || !*s || strlen(s) > NAME_MAX_LEN) return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (p != s && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static bool valid_label_name(const char *s)
{
    if (!s || !*s || strlen(s) > NAME_MAX_LEN) return false;
    if (s[0] == '_' && s[1] == '_') return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (p != s && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The sample and family names a family occupies, for collision checks. */
static size_t occupied_names(int type, const char *base, char out[4][NAME_MAX_LEN + 16])
{
    static const char *const hist_suffix[] = {"", "_bucket", "_sum", "_count"};
    if (type == LLMOBS__COUNTER) {
        snprintf(out[0], sizeof out[0], "%s", base);
        snprintf(out[1], sizeof out[1], "%s_total", base);
        return 2;
    }
    if (type == LLMOBS__GAUGE) {
        snprintf(out[0], sizeof out[0], "%s", base);
        return 1;
    }
    for (size_t i = 0; i < 4; i++)
        snprintf(out[i], sizeof out[i], "%s%s", base, hist_suffix[i]);
    return 4;
}

static bool names_collide(int ta, const char *a, int tb, const char *b)
{
    char na[4][NAME_MAX_LEN + 16], nb[4][NAME_MAX_LEN + 16];
    size_t ka = occupied_names(ta, a, na), kb = occupied_names(tb, b, nb);
    for (size_t i = 0; i < ka; i++)
        for (size_t j = 0; j < kb; j++)
            if (strcmp(na[i], nb[j]) == 0) return true;
    return false;
}

static bool collides_with_builtin(llmobs_registry *r, int type, const char *base)
{
    const llmobs__registry_section *sec = atomic_load(&r->section);
    char n[4][NAME_MAX_LEN + 16];
    size_t k = occupied_names(type, base, n);
    for (size_t i = 0; i < k; i++) {
        if (strcmp(n[i], "llmobs_metrics_cardinality_overflow_total") == 0 ||
            strcmp(n[i], "llmobs_metrics_cardinality_overflow") == 0)
            return true;
        if (sec && sec->name_taken(n[i])) return true;
    }
    return false;
}

bool llmobs__family_names_taken(const llmobs_family *f, bool (*taken)(const char *name))
{
    char n[4][NAME_MAX_LEN + 16];
    size_t k = occupied_names(f->type, f->name, n);
    for (size_t i = 0; i < k; i++)
        if (taken(n[i])) return true;
    return false;
}

/* ---- family construction ---- */

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static char *escaped(const char *s, bool quote)
{
    llmobs__buf b = {0};
    llmobs__escape(&b, s, quote);
    llmobs__buf_append(&b, "", 0); /* ensure a terminated buffer for empty strings */
    if (b.oom) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

static llmobs__table *table_new(size_t cap)
{
    llmobs__table *t = calloc(1, sizeof *t + cap * sizeof t->slots[0]);
    if (!t) return NULL;
    t->mask = cap - 1;
    for (size_t i = 0; i < cap; i++)
        atomic_init(&t->slots[i], NULL);
    return t;
}

static llmobs_status child_create_locked(llmobs_family *f, uint64_t h, const char *const *values,
                                         llmobs__child **out);
static uint64_t hash_values(const char *const *values, size_t n);

static llmobs_family *family_new(int type, const char *base, const char *help, const char *unit,
                                 const char *const *labels, size_t nlabels, const double *bounds,
                                 size_t nbounds)
{
    llmobs_family *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->magic = LLMOBS__FAMILY_MAGIC;
    f->type = type;
    pthread_mutex_init(&f->lock, NULL);
    atomic_init(&f->max_children, LLMOBS_METRICS_DEFAULT_MAX_CHILDREN);
    f->name = strdup(base);
    f->name_len = strlen(base);
    f->help = dup_or_empty(help);
    f->unit = dup_or_empty(unit);
    f->help_text = escaped(help ? help : "", false);
    f->help_om = escaped(help ? help : "", true);
    f->labels = calloc(nlabels ? nlabels : 1, sizeof *f->labels);
    atomic_init(&f->table, table_new(16));
    if (!f->name || !f->help || !f->unit || !f->help_text || !f->help_om || !f->labels ||
        !atomic_load(&f->table))
        goto fail;
    for (size_t i = 0; i < nlabels; i++) {
        f->labels[i] = strdup(labels[i]);
        if (!f->labels[i]) goto fail;
        f->nlabels = i + 1;
    }
    if (type == LLMOBS__HISTOGRAM) {
        f->bounds = calloc(nbounds, sizeof *f->bounds);
        f->le = calloc(nbounds, sizeof *f->le);
        if (!f->bounds || !f->le) goto fail;
        f->nbounds = nbounds;
        for (size_t i = 0; i < nbounds; i++) {
            char num[LLMOBS__NUM_MAX];
            f->bounds[i] = bounds[i];
            if (bounds[i] < 0) f->negative_bound = true;
            llmobs__fmt_le(num, bounds[i]);
            f->le[i] = strdup(num);
            if (!f->le[i]) goto fail;
        }
    }
    if (nlabels == 0) {
        /* A family without labels has exactly one series, visible from the start. */
        llmobs__child *c;
        if (child_create_locked(f, hash_values(NULL, 0), NULL, &c) != LLMOBS_OK) goto fail;
    }
    return f;
fail:
    family_free(f);
    return NULL;
}

static bool same_definition(const llmobs_family *f, int type, const char *help, const char *unit,
                            const char *const *labels, size_t nlabels, const double *bounds,
                            size_t nbounds)
{
    if (f->type != type || !str_eq(f->help, help) || !str_eq(f->unit, unit) ||
        f->nlabels != nlabels)
        return false;
    for (size_t i = 0; i < nlabels; i++)
        if (strcmp(f->labels[i], labels[i]) != 0) return false;
    if (type == LLMOBS__HISTOGRAM) {
        if (f->nbounds != nbounds) return false;
        for (size_t i = 0; i < nbounds; i++)
            if (f->bounds[i] != bounds[i]) return false;
    }
    return true;
}

static llmobs_status validate(int type, const char *name, const char *help, const char *unit,
                              const char *const *labels, size_t nlabels, const double *bounds,
                              size_t nbounds, char *base, size_t *nb_out)
{
    if (!valid_metric_name(name))
        return llmobs__error(LLMOBS_EINVAL, "invalid metric name \"%s\"", name ? name : "(null)");
    if (!help) return llmobs__error(LLMOBS_EINVAL, "help of %s is NULL", name);
    size_t n = strlen(name);
    memcpy(base, name, n + 1);
    if (type == LLMOBS__COUNTER && ends_with(name, n, "_total")) {
        n -= strlen("_total");
        base[n] = '\0';
        if (n == 0) return llmobs__error(LLMOBS_EINVAL, "invalid metric name \"%s\"", name);
    }
    if (unit && *unit) {
        char suffix[NAME_MAX_LEN + 2];
        snprintf(suffix, sizeof suffix, "_%s", unit);
        if (strlen(unit) > NAME_MAX_LEN || !ends_with(base, n, suffix) ||
            strlen(base) == strlen(suffix))
            return llmobs__error(LLMOBS_EINVAL, "unit \"%s\" is not a suffix of %s", unit, base);
    }
    if (nlabels > LLMOBS_METRICS_MAX_LABELS)
        return llmobs__error(LLMOBS_EINVAL, "%s: more than %d labels", name,
                             LLMOBS_METRICS_MAX_LABELS);
    if (nlabels && !labels) return llmobs__error(LLMOBS_EINVAL, "%s: label_names is NULL", name);
    for (size_t i = 0; i < nlabels; i++) {
        if (!valid_label_name(labels[i]))
            return llmobs__error(LLMOBS_EINVAL, "%s: invalid label name \"%s\"", name,
                                 labels[i] ? labels[i] : "(null)");
        if (type == LLMOBS__HISTOGRAM && strcmp(labels[i], "le") == 0)
            return llmobs__error(LLMOBS_EINVAL, "%s: label name \"le\" is reserved", name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(labels[i], labels[j]) == 0)
                return llmobs__error(LLMOBS_EINVAL, "%s: duplicate label \"%s\"", name, labels[i]);
    }
    *nb_out = nbounds;
    if (type != LLMOBS__HISTOGRAM) return LLMOBS_OK;
    if (nbounds && !bounds) return llmobs__error(LLMOBS_EINVAL, "%s: bounds is NULL", name);
    if (nbounds && isinf(bounds[nbounds - 1]) && bounds[nbounds - 1] > 0) *nb_out = --nbounds;
    if (nbounds > LLMOBS_METRICS_MAX_BUCKETS)
        return llmobs__error(LLMOBS_EINVAL, "%s: more than %d buckets", name,
                             LLMOBS_METRICS_MAX_BUCKETS);
    for (size_t i = 0; i < nbounds; i++) {
        if (!isfinite(bounds[i]))
            return llmobs__error(LLMOBS_EINVAL, "%s: bucket bound %zu is not finite", name, i);
        if (i && !(bounds[i] > bounds[i - 1]))
            return llmobs__error(LLMOBS_EINVAL, "%s: bucket bounds not strictly increasing", name);
    }
    return LLMOBS_OK;
}

static llmobs_status family_register(llmobs_registry *r, int type, const char *name,
                                     const char *help, const char *unit, const char *const *labels,
                                     size_t nlabels, const double *bounds, size_t nbounds,
                                     llmobs_family **out)
{
    llmobs__error_clear();
    if (out) *out = NULL;
    if (!llmobs__registry_valid(r)) return llmobs__error(LLMOBS_EINVAL, "registry is NULL");
    if (!out) return llmobs__error(LLMOBS_EINVAL, "out is NULL");
    if (type == LLMOBS__HISTOGRAM && !bounds && nbounds == 0) {
        bounds = default_bounds;
        nbounds = sizeof default_bounds / sizeof default_bounds[0];
    }
    char base[NAME_MAX_LEN + 1];
    llmobs_status st =
        validate(type, name, help, unit, labels, nlabels, bounds, nbounds, base, &nbounds);
    if (st != LLMOBS_OK) return st;

    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->nfamilies; i++) {
        llmobs_family *f = r->families[i];
        if (!names_collide(type, base, f->type, f->name)) continue;
        if (strcmp(f->name, base) == 0 &&
            same_definition(f, type, help, unit, labels, nlabels, bounds, nbounds)) {
            *out = f;
            pthread_mutex_unlock(&r->lock);
            return LLMOBS_OK;
        }
        pthread_mutex_unlock(&r->lock);
        return llmobs__error(LLMOBS_EEXIST, "%s is already registered with another definition",
                             name);
    }
    if (collides_with_builtin(r, type, base)) {
        pthread_mutex_unlock(&r->lock);
        return llmobs__error(LLMOBS_EEXIST, "%s is a name llmobs renders itself", name);
    }
    if (r->nfamilies == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        llmobs_family **fams = realloc(r->families, cap * sizeof(llmobs_family *));
        if (!fams) {
            pthread_mutex_unlock(&r->lock);
            return llmobs__error(LLMOBS_ENOMEM, "out of memory registering %s", name);
        }
        r->families = fams;
        r->cap = cap;
    }
    llmobs_family *f = family_new(type, base, help, unit, labels, nlabels, bounds, nbounds);
    if (!f) {
        pthread_mutex_unlock(&r->lock);
        return llmobs__error(LLMOBS_ENOMEM, "out of memory registering %s", name);
    }
    f->registry = r;
    r->families[r->nfamilies++] = f;
    pthread_mutex_unlock(&r->lock);
    *out = f;
    return LLMOBS_OK;
}

llmobs_status llmobs_counter_register(llmobs_registry *r, const char *name, const char *help,
                                      const char *unit, const char *const *labels, size_t n,
                                      llmobs_family **out)
{
    return family_register(r, LLMOBS__COUNTER, name, help, unit, labels, n, NULL, 0, out);
}

llmobs_status llmobs_gauge_register(llmobs_registry *r, const char *name, const char *help,
                                    const char *unit, const char *const *labels, size_t n,
                                    llmobs_family **out)
{
    return family_register(r, LLMOBS__GAUGE, name, help, unit, labels, n, NULL, 0, out);
}

llmobs_status llmobs_histogram_register(llmobs_registry *r, const char *name, const char *help,
                                        const char *unit, const char *const *labels, size_t n,
                                        const double *bounds, size_t n_bounds, llmobs_family **out)
{
    return family_register(r, LLMOBS__HISTOGRAM, name, help, unit, labels, n, bounds, n_bounds,
                           out);
}

llmobs_status llmobs_buckets_linear(double start, double width, size_t count, double *out)
{
    if (!out || count == 0 || !isfinite(start) || !isfinite(width) || !(width > 0))
        return llmobs__error(LLMOBS_EINVAL, "linear buckets need out, count > 0, width > 0");
    for (size_t i = 0; i < count; i++)
        out[i] = start + (double)i * width;
    if (!isfinite(out[count - 1])) return llmobs__error(LLMOBS_EINVAL, "linear buckets overflow");
    return LLMOBS_OK;
}

llmobs_status llmobs_buckets_exponential(double start, double factor, size_t count, double *out)
{
    if (!out || count == 0 || !isfinite(start) || !isfinite(factor) || !(start > 0) ||
        !(factor > 1))
        return llmobs__error(LLMOBS_EINVAL,
                             "exponential buckets need out, count > 0, start > 0, factor > 1");
    double v = start;
    for (size_t i = 0; i < count; i++) {
        out[i] = v;
        v *= factor;
    }
    if (!isfinite(out[count - 1]))
        return llmobs__error(LLMOBS_EINVAL, "exponential buckets overflow");
    return LLMOBS_OK;
}

/* ---- family-wide operations ---- */

static bool family_valid(const llmobs_family *f)
{
    return f && f->magic == LLMOBS__FAMILY_MAGIC;
}

llmobs_status llmobs_family_set_max_children(llmobs_family *f, size_t max)
{
    if (!family_valid(f)) return llmobs__error(LLMOBS_EINVAL, "family is NULL");
    atomic_store(&f->max_children, max);
    return LLMOBS_OK;
}

uint64_t llmobs_family_refused_total(const llmobs_family *f)
{
    return family_valid(f) ? atomic_load(&((llmobs_family *)f)->refused) : 0;
}

size_t llmobs_family_children(const llmobs_family *f)
{
    return family_valid(f) ? atomic_load(&((llmobs_family *)f)->nchildren) : 0;
}

/* ---- children ---- */

/* A word-at-a-time multiplicative hash: the labelled hot path hashes every lookup, so it must
 * cost a few cycles per 8 bytes (byte-wise FNV cost ~1 ns per byte). Collisions only cost a
 * compare; the values themselves are always compared. */
static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint64_t hash_values(const char *const *values, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ull ^ n;
    for (size_t i = 0; i < n; i++) {
        const char *s = values[i];
        size_t len = strlen(s);
        size_t total = len;
        uint64_t w = 0;
        for (; len > 8; s += 8, len -= 8) {
            memcpy(&w, s, 8);
            h = hash_step(h, w);
        }
        /* The tail is read with whole loads (overlapping when needed), never assembled byte by
         * byte on the stack: that stalls store forwarding and tripled the lookup time. */
        if (total >= 8) {
            memcpy(&w, s + len - 8, 8);
        } else if (len >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, s, 4);
            memcpy(&hi, s + len - 4, 4);
            w = (uint64_t)lo | ((uint64_t)hi << 32);
        } else if (len > 0) {
            const unsigned char *u = (const unsigned char *)s;
            w = (uint64_t)u[0] | ((uint64_t)u[len / 2] << 8) | ((uint64_t)u[len - 1] << 16);
        }
        h = hash_step(h, w ^ ((uint64_t)(total + 1) << 56));
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

static bool values_equal(const llmobs__child *c, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->values[i], values[i]) != 0) return false;
    return true;
}

/* Lock-free: a reader may race insertions (it then misses and retries under the lock) and
 * removals (it may return a child being removed, which stays allocated). */
static llmobs__child *table_find(llmobs__table *t, uint64_t h, const char *const *values, size_t n,
                                 size_t *slot)
{
    size_t i = (size_t)h & t->mask;
    for (size_t probes = 0; probes <= t->mask; probes++, i = (i + 1) & t->mask) {
        llmobs__child *c = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (!c) return NULL;
        if (c == TOMB) continue;
        if (c->hash == h && values_equal(c, values, n)) {
            if (slot) *slot = i;
            return c;
        }
    }
    return NULL;
}

static void table_put(llmobs__table *t, llmobs__child *c)
{
    size_t i = (size_t)c->hash & t->mask;
    for (;;) {
        llmobs__child *s = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (!s) {
            t->used++;
            atomic_store_explicit(&t->slots[i], c, memory_order_release);
            return;
        }
        i = (i + 1) & t->mask;
    }
}

/* Keeps the load (live + tombstones) at most 1/2 by publishing a rebuilt table. */
static llmobs_status table_reserve_locked(llmobs_family *f)
{
    llmobs__table *t = atomic_load_explicit(&f->table, memory_order_relaxed);
    if ((t->used + 1) * 2 <= t->mask + 1) return LLMOBS_OK;
    size_t live = atomic_load(&f->nchildren) + 1, cap = 16;
    while (cap < live * 4)
        cap *= 2;
    llmobs__table *nt = table_new(cap);
    if (!nt) return LLMOBS_ENOMEM;
    for (llmobs__child *c = f->head; c; c = c->next)
        table_put(nt, c);
    atomic_store_explicit(&f->table, nt, memory_order_release);
    t->retired_next = f->retired;
    f->retired = t;
    return LLMOBS_OK;
}

static char *label_text_build(const llmobs_family *f, const char *const *values, size_t *len)
{
    llmobs__buf b = {0};
    for (size_t i = 0; i < f->nlabels; i++) {
        if (i) llmobs__buf_append(&b, ",", 1);
        llmobs__buf_puts(&b, f->labels[i]);
        llmobs__buf_append(&b, "=\"", 2);
        llmobs__escape(&b, values[i], true);
        llmobs__buf_append(&b, "\"", 1);
    }
    llmobs__buf_append(&b, "", 0);
    if (b.oom) {
        free(b.data);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

static llmobs_status child_create_locked(llmobs_family *f, uint64_t h, const char *const *values,
                                         llmobs__child **out)
{
    size_t nb = f->type == LLMOBS__HISTOGRAM ? 2 * LLMOBS__HALF(f->nbounds) : 0;
    llmobs__child *c = calloc(1, sizeof *c + nb * sizeof c->buckets[0]);
    if (!c) return LLMOBS_ENOMEM;
    c->magic = LLMOBS__CHILD_MAGIC + (uint32_t)f->type;
    c->type = (uint32_t)f->type;
    c->family = f;
    c->hash = h;
    c->values = calloc(f->nlabels ? f->nlabels : 1, sizeof *c->values);
    if (!c->values) goto fail;
    for (size_t i = 0; i < f->nlabels; i++) {
        c->values[i] = strdup(values[i]);
        if (!c->values[i]) goto fail;
    }
    c->label_text = label_text_build(f, values, &c->label_len);
    if (!c->label_text) goto fail;
    if (table_reserve_locked(f) != LLMOBS_OK) goto fail;
    table_put(atomic_load_explicit(&f->table, memory_order_relaxed), c);
    c->prev = f->tail;
    if (f->tail)
        f->tail->next = c;
    else
        f->head = c;
    f->tail = c;
    atomic_fetch_add(&f->nchildren, 1);
    *out = c;
    return LLMOBS_OK;
fail:
    child_free(c);
    return LLMOBS_ENOMEM;
}

static llmobs_status check_values(const llmobs_family *f, const char *const *values, size_t n)
{
    if (n != f->nlabels)
        return llmobs__error(LLMOBS_EINVAL, "%s: %zu label values given, %zu expected", f->name, n,
                             f->nlabels);
    if (n && !values) return llmobs__error(LLMOBS_EINVAL, "%s: label values are NULL", f->name);
    for (size_t i = 0; i < n; i++)
        if (!values[i])
            return llmobs__error(LLMOBS_EINVAL, "%s: label value %zu is NULL", f->name, i);
    return LLMOBS_OK;
}

llmobs_status llmobs__child_get(llmobs_family *f, int type, const char *const *values, size_t n,
                                llmobs__child **out)
{
    if (!family_valid(f) || f->type != type)
        return llmobs__error(LLMOBS_EINVAL, "family is NULL or of another type");
    llmobs_status st = check_values(f, values, n);
    if (st != LLMOBS_OK) return st;
    uint64_t h = hash_values(values, n);
    llmobs__child *c =
        table_find(atomic_load_explicit(&f->table, memory_order_acquire), h, values, n, NULL);
    if (c) {
        *out = c;
        return LLMOBS_OK;
    }
    pthread_mutex_lock(&f->lock);
    c = table_find(atomic_load_explicit(&f->table, memory_order_relaxed), h, values, n, NULL);
    if (!c) {
        if (atomic_load(&f->nchildren) >= atomic_load(&f->max_children)) {
            /* At the cap: the observation lands in the one overflow series (every label
             * LLMOBS_METRICS_OVERFLOW), which is created past the cap, and is counted. */
            const char *ov[LLMOBS_METRICS_MAX_LABELS];
            for (size_t i = 0; i < f->nlabels; i++)
                ov[i] = LLMOBS_METRICS_OVERFLOW;
            uint64_t oh = hash_values(ov, f->nlabels);
            c = table_find(atomic_load_explicit(&f->table, memory_order_relaxed), oh, ov,
                           f->nlabels, NULL);
            if (!c) st = child_create_locked(f, oh, ov, &c);
            if (st == LLMOBS_OK) atomic_fetch_add(&f->refused, 1);
        } else {
            st = child_create_locked(f, h, values, &c);
        }
    }
    pthread_mutex_unlock(&f->lock);
    if (st != LLMOBS_OK) return llmobs__error(st, "%s: out of memory creating a child", f->name);
    *out = c;
    return LLMOBS_OK;
}

static void retire_child_locked(llmobs_family *f, llmobs__child *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        f->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        f->tail = c->prev;
    c->prev = c->next = NULL;
    atomic_store_explicit(&c->removed, true, memory_order_release);
    c->dead_next = f->dead;
    f->dead = c;
    atomic_fetch_sub(&f->nchildren, 1);
}

bool llmobs__family_remove(llmobs_family *f, const char *const *values, size_t n)
{
    if (!family_valid(f) || n != f->nlabels || (n && !values)) return false;
    for (size_t i = 0; i < n; i++)
        if (!values[i]) return false;
    uint64_t h = hash_values(values, n);
    pthread_mutex_lock(&f->lock);
    llmobs__table *t = atomic_load_explicit(&f->table, memory_order_relaxed);
    size_t slot = 0;
    llmobs__child *c = table_find(t, h, values, n, &slot);
    if (c) {
        atomic_store_explicit(&t->slots[slot], TOMB, memory_order_release);
        retire_child_locked(f, c);
    }
    pthread_mutex_unlock(&f->lock);
    return c != NULL;
}

llmobs_status llmobs_family_remove(llmobs_family *f, const char *const *values, size_t n)
{
    llmobs__error_clear();
    if (!family_valid(f)) return llmobs__error(LLMOBS_EINVAL, "family is NULL");
    llmobs_status st = check_values(f, values, n);
    if (st != LLMOBS_OK) return st;
    if (!llmobs__family_remove(f, values, n))
        return llmobs__error(LLMOBS_ENOTFOUND, "%s: no child with these labels", f->name);
    return LLMOBS_OK;
}

llmobs_status llmobs_family_clear(llmobs_family *f)
{
    llmobs__error_clear();
    if (!family_valid(f)) return llmobs__error(LLMOBS_EINVAL, "family is NULL");
    llmobs__table *nt = table_new(16);
    if (!nt) return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    pthread_mutex_lock(&f->lock);
    llmobs__table *t = atomic_load_explicit(&f->table, memory_order_relaxed);
    atomic_store_explicit(&f->table, nt, memory_order_release);
    t->retired_next = f->retired;
    f->retired = t;
    while (f->head)
        retire_child_locked(f, f->head);
    llmobs_status st = LLMOBS_OK;
    if (f->nlabels == 0) {
        llmobs__child *c;
        st = child_create_locked(f, hash_values(NULL, 0), NULL, &c);
    }
    pthread_mutex_unlock(&f->lock);
    if (st != LLMOBS_OK) return llmobs__error(st, "%s: out of memory", f->name);
    return LLMOBS_OK;
}
