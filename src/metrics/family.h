/* Internal to src/metrics/: the layout of registries, families and children, shared by the
 * registry, the renderer and the process metrics. Other modules include metrics.h instead. */
#ifndef LLMOBS_METRICS_FAMILY_H
#define LLMOBS_METRICS_FAMILY_H

#include "core/atfork.h"
#include "core/buf.h"
#include "llmobs/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

enum { LLMOBS__COUNTER = 1, LLMOBS__GAUGE = 2, LLMOBS__HISTOGRAM = 3 };

#define LLMOBS__FAMILY_MAGIC 0x4c4f4246u   /* "FBOL" */
#define LLMOBS__CHILD_MAGIC 0x4c4f4243u    /* "CBOL" */
#define LLMOBS__REGISTRY_MAGIC 0x4c4f4252u /* "RBOL" */

typedef struct llmobs__child {
    uint32_t magic; /* LLMOBS__CHILD_MAGIC + type while alive */
    uint32_t type;
    struct llmobs_family *family;
    uint64_t hash;
    char **values;    /* raw label values as given (lookup identity) */
    char *label_text; /* `a="x",b="y"`: escaped, UTF-8 repaired; "" without labels */
    size_t label_len;
    struct llmobs__child *prev, *next; /* live list in creation order (family lock) */
    struct llmobs__child *dead_next;   /* removed children, freed with the registry */
    _Atomic bool removed; /* set when removed: a cached handle must be looked up anew */
    /* counter: integral increments; histogram: observations started (bits 0-62) and the index
     * of the hot half (bit 63), see values.c */
    _Atomic uint64_t ival;
    _Atomic uint64_t bits; /* counter: fractional part; gauge: value */
    /* histogram: two halves of LLMOBS__HALF(nbounds) words each: the bits of the sum, then the
     * non-cumulative counts of the nbounds + 1 buckets (+Inf last). The sum comes first so that
     * it shares a cache line with `ival` and the low buckets. */
    _Atomic uint64_t buckets[];
} llmobs__child;

#define LLMOBS__HALF(nbounds) ((nbounds) + 2)
#define LLMOBS__HOT_BIT (UINT64_C(1) << 63)

/* Open-addressing table of child pointers. Readers probe it without a lock; writers
 * (family lock held) insert, tombstone, or publish a rebuilt table. Retired tables are
 * kept until the registry is freed so a reader never touches freed memory. */
typedef struct llmobs__table {
    size_t mask;
    size_t used; /* live + tombstones */
    struct llmobs__table *retired_next;
    _Atomic(llmobs__child *) slots[];
} llmobs__table;

struct llmobs_family {
    uint32_t magic;
    int type;
    struct llmobs_registry *registry;
    char *name; /* counters: without the `_total` suffix */
    size_t name_len;
    char *help;
    char *unit;      /* "" when none */
    char *help_text; /* escaped for text 0.0.4 */
    char *help_om;   /* escaped for OpenMetrics */
    char **labels;
    size_t nlabels;
    double *bounds;
    size_t nbounds;
    char **le; /* canonical le strings, nbounds entries */
    bool negative_bound;
    pthread_mutex_t lock;
    _Atomic(llmobs__table *) table;
    llmobs__table *retired;
    llmobs__child *head, *tail;
    llmobs__child *dead;
    _Atomic size_t nchildren;
    _Atomic size_t max_children;
    _Atomic uint64_t refused;
};

#define LLMOBS__MAX_COLLECTORS 32
#define LLMOBS__MAX_ATTACHMENTS 4

/* A part that renders its own samples after the families (the process metrics, process.c):
 * while it is on, the names it renders are refused to families. */
typedef struct llmobs__registry_section {
    void (*render)(llmobs__buf *b, llmobs_metrics_format fmt);
    bool (*name_taken)(const char *name);
} llmobs__registry_section;

struct llmobs_registry {
    uint32_t magic;
    bool is_default;
    pthread_mutex_t lock; /* family list; held by renders */
    struct llmobs_family **families;
    size_t nfamilies, cap;
    _Atomic(const llmobs__registry_section *) section; /* NULL: none */
    /* Sets of families that live as long as the registry (the LLM metric set), created once
     * per key by llmobs__registry_attachment and freed by their hook with the registry. */
    pthread_mutex_t attach_lock;
    struct {
        const void *key;
        _Atomic(void *) data;
        void (*free)(void *data);
    } attached[LLMOBS__MAX_ATTACHMENTS];
    pthread_mutex_t collectors_lock; /* held while collectors run, so removal waits for them */
    llmobs__atfork fork_collectors;  /* takes collectors_lock across fork() */
    llmobs__atfork fork_locks;       /* takes attach_lock, lock and every family's lock */
    struct {
        void (*fn)(void *ud);
        void *ud;
    } collectors[LLMOBS__MAX_COLLECTORS];
    size_t ncollectors;
};

/* Registry and children (registry.c, values.c). */
bool llmobs__registry_valid(const llmobs_registry *r);
llmobs_registry *llmobs__registry_alloc(void);
/* The data attached to `r` under `key`, created by `create` on first use (under the attach
 * lock; NULL with *status set on failure, and the next call tries again); `free_fn` frees it
 * with the registry. Lock-free once created. */
void *llmobs__registry_attachment(llmobs_registry *r, const void *key,
                                  void *(*create)(llmobs_registry *r, llmobs_status *status),
                                  void (*free_fn)(void *data), llmobs_status *status);
/* Whether a family's sample or family names include one that `taken` claims. */
bool llmobs__family_names_taken(const llmobs_family *f, bool (*taken)(const char *name));
/* Finds or creates the child of `f` (which must be of `type`) for these label values:
 * lock-free when it exists, under the family lock when it is created. */
llmobs_status llmobs__child_get(llmobs_family *f, int type, const char *const *values, size_t n,
                                llmobs__child **out);
/* llmobs_family_remove without touching llmobs_last_error() (for cleanup paths that must keep
 * the error being reported). Returns whether a child was removed. */
bool llmobs__family_remove(llmobs_family *f, const char *const *values, size_t n);
double llmobs__child_counter_value(const llmobs__child *c);
double llmobs__child_double(const llmobs__child *c); /* gauge value */
/* A consistent snapshot of a histogram child: `buckets` (nbounds + 1 non-cumulative counts)
 * and `sum` describe the same observations, as in the Go client: the observers' hot half is
 * swapped, the snapshot waits for observations still finishing on the now cold half, reads it
 * and folds it back into the hot one. The caller holds the family lock (one snapshot at a
 * time per child). Observers never wait. Returns the count (the buckets' total). */
uint64_t llmobs__histogram_snapshot(llmobs__child *c, uint64_t *buckets, double *sum);
/* In a forked child: observations that other threads had started but not finished at fork()
 * never finish there; forget them so snapshots do not wait for them. Family lock held. */
void llmobs__histogram_fork_repair(llmobs__child *c);

/* The output buffer is core/buf.h's (out of memory latches in `oom`). */

/* Numbers, independent of the locale. Each returns the length written (< 40 bytes). */
#define LLMOBS__NUM_MAX 40
size_t llmobs__fmt_double(char *out, double v); /* shortest round-trip, +Inf -Inf NaN */
size_t llmobs__fmt_le(char *out, double v);     /* OpenMetrics canonical: 1.0 0.1 1e+06 */
size_t llmobs__fmt_u64(char *out, uint64_t v);
/* Parses a number written by llmobs__fmt_double (used by its round-trip check). */
double llmobs__parse_double(const char *s);

/* Escapes `s` (repairing invalid UTF-8 to U+FFFD) into `b`: label values escape \ " and
 * LF; help text escapes \ and LF, plus " when `quote` is set (OpenMetrics). */
void llmobs__escape(llmobs__buf *b, const char *s, bool quote);

/* Family metadata lines (HELP/TYPE, plus UNIT in OpenMetrics). `type` is an LLMOBS__ enum. */
void llmobs__render_header(llmobs__buf *b, llmobs_metrics_format fmt, int type, const char *name,
                           const char *unit, const char *help_escaped);
/* One sample line: name suffix{labels} value. `labels` may be "". */
void llmobs__render_sample(llmobs__buf *b, const char *name, const char *suffix, const char *labels,
                           size_t labels_len, double value);

/* Linux process metrics, rendered at scrape time (process.c): the section that
 * llmobs_registry_set_process_metrics turns on, and the default registry has on. */
extern const llmobs__registry_section llmobs__process_section;

#endif
