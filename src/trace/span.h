/* Internal: the record of one ended observation (or a trace's root span) as it travels from
 * the caller's thread through the queue to the serializer. Immutable once queued. */
#ifndef LLMOBS_TRACE_SPAN_H
#define LLMOBS_TRACE_SPAN_H

#include "core/generation.h"
#include "core/recycle.h"
#include "export/item.h"
#include "llmobs/trace.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Trace-level attributes. The trace keeps a mutable copy; each ended span takes a reference
 * to an immutable snapshot, so attributes set later do not race with serialization. */
typedef struct llmobs__trace_attrs {
    atomic_int refs;
    char *name;
    char *feature; /* metric label; NULL = the trace name */
    char *user_id;
    char *session_id;
    char *release;
    char *version;
    char *environment;
    char **tags;
    size_t ntags;
    int is_public;   /* -1 unset, 0, 1 */
    cJSON *metadata; /* object or NULL */
    /* llmobs__trace_attrs_footprint, computed on first use once shared (0 = not yet): a
     * shared snapshot never changes, and a private one is reset by every change. */
    _Atomic size_t footprint;
    /* Where a released snapshot goes for reuse (the tracer's recycler; NULL: freed). */
    llmobs__recycler *home;
    /* `release` and `environment` point at the client's options, not at copies of their own,
     * until a setter replaces them (llmobs__trace_attrs_set): the options outlive every span,
     * since a client frees its pipeline, and the spans in it, first. */
    bool release_borrowed, environment_borrowed;
    /* The name, when it fits (most do): no allocation of its own. */
    char name_inline[48];
} llmobs__trace_attrs;

/* Attributes named `name` (copied; NULL: none) with one reference, kept by `home` when it has
 * a set to give (NULL: allocated); NULL when out of memory. */
llmobs__trace_attrs *llmobs__trace_attrs_new(llmobs__recycler *home, const char *name);
llmobs__trace_attrs *llmobs__trace_attrs_clone(const llmobs__trace_attrs *src);
/* Sets *field, one of a's strings, to a copy of `value` (NULL: unset), freeing the old value
 * unless it was the client's (`*borrowed`, then cleared; `borrowed` NULL: the field never
 * borrows). ENOMEM leaves the field as it was. */
llmobs_status llmobs__trace_attrs_set(char **field, bool *borrowed, const char *value);
/* Frees what the attributes point to and resets them (unset, no name); `home` stays. */
void llmobs__trace_attrs_clear(llmobs__trace_attrs *a);
/* Drops a reference; the last one clears the attributes and gives them to their home. */
void llmobs__trace_attrs_unref(llmobs__trace_attrs *a);

/* Usage and cost keys: the Langfuse names (llmobs__usage_keys, "total") are shared static
 * strings (see llmobs__span_key), any other key is the span's own copy. */
typedef struct llmobs__usage {
    char *key;
    int64_t value;
} llmobs__usage;

typedef struct llmobs__cost {
    char *key;
    double usd;
} llmobs__cost;

#define LLMOBS__MAX_USAGE 16
#define LLMOBS__MAX_COST 8
/* The largest token count a usage key takes: the sum of all of a span's keys (the default
 * total, the gen_ai.* token attributes) then always fits in an int64. */
#define LLMOBS__MAX_TOKENS (INT64_MAX / (LLMOBS__MAX_USAGE + 1))
/* Bytes of a span's inline pool for short strings (see llmobs__span.pool). */
#define LLMOBS__SPAN_POOL 96
/* Where a tracer's spans and their longer strings go when freed, for the next ones (core/
 * recycle.h): the spans, and string blocks in LLMOBS__STRING_CLASSES sizes from 128 bytes to
 * 4 KB (a string takes the smallest block that holds it; a longer one is an allocation of its
 * own). At most LLMOBS__SPANS_KEPT_BYTES of spans and LLMOBS__STRINGS_KEPT_BYTES of blocks of
 * each size are kept: enough for the burst a flusher frees at once at high rates. */
#define LLMOBS__STRING_CLASSES 10
#define LLMOBS__SPANS_KEPT_BYTES ((size_t)2 << 20)
#define LLMOBS__STRINGS_KEPT_BYTES ((size_t)256 << 10)
/* A payload (input or output) and its strlen: measured once, when it is set, not again when it
 * is sent and freed. Set with llmobs__span_set_text only, which keeps the two together. */
typedef struct llmobs__span_text {
    char *s;
    size_t len;
} llmobs__span_text;

typedef struct llmobs__span_home {
    llmobs__recycler spans;
    llmobs__recycler strings[LLMOBS__STRING_CLASSES];
} llmobs__span_home;

void llmobs__span_home_init(llmobs__span_home *h);
/* Frees what `h` keeps; nothing may free a span of `h` afterwards. */
void llmobs__span_home_fini(llmobs__span_home *h);

typedef struct llmobs__span {
    llmobs__item hdr; /* first: queued as an item */
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    bool has_parent;
    bool is_root;
    llmobs_obs_type type;
    char *name;
    int64_t start_ns;
    int64_t end_ns;
    int64_t completion_start_ns; /* 0 = not set */
    llmobs_level level;
    char *status_message;
    llmobs__span_text input; /* text, JSON when input_is_json */
    llmobs__span_text output;
    bool input_is_json;
    bool output_is_json;
    cJSON *metadata;     /* object or NULL */
    cJSON *model_params; /* object or NULL */
    char *model;
    char *provider;
    size_t nusage; /* entries of usage[] in use */
    size_t ncost;  /* entries of cost[] in use */
    char *prompt_name;
    int32_t prompt_version;     /* 0 = not set */
    llmobs__trace_attrs *trace; /* snapshot taken at end */
    bool truncated;             /* content replaced by LLMOBS__TRUNCATED_MARKER */
    cJSON *attributes; /* object of extra string span attributes (llmobs__obs_set_attribute),
                          sent as they are; NULL when none */
    size_t str_bytes;  /* heap bytes of the strings above (their blocks' sizes) and the key
                          copies, kept as they are set (llmobs__span_set_string), so the
                          footprint costs no strlen */
    /* Short strings (names, model, provider) are copied here instead of into an allocation of
     * their own: a traced call then allocates a span, not a span and five strings. Bump-only;
     * a string that does not fit (or replaces one) goes to the heap. */
    size_t pool_used;
    llmobs__span_home *home; /* where the span and its strings go back (NULL: freed) */
    /* The arrays last: read only up to nusage, ncost and pool_used, so a recycled span
     * clears the fields above and leaves these as they are (llmobs__span_new). */
    llmobs__usage usage[LLMOBS__MAX_USAGE];
    llmobs__cost cost[LLMOBS__MAX_COST];
    char pool[LLMOBS__SPAN_POOL];
} llmobs__span;

/* A zeroed span: one kept by `home` when it has one, else a new allocation; NULL when out of
 * memory. llmobs__span_free gives it back to `home` (NULL: none). */
llmobs__span *llmobs__span_new(llmobs__span_home *home);

/* Replaces one of the span's own string fields by a copy of `value` (NULL clears it), keeping
 * str_bytes; false when out of memory (the field is then unchanged). The copy goes to the
 * span's pool when it fits. Fields set this way are released by llmobs__span_free only. */
bool llmobs__span_set_string(llmobs__span *s, char **field, const char *value);
/* The same for the input or the output, keeping its length. */
bool llmobs__span_set_text(llmobs__span *s, llmobs__span_text *field, const char *value);
/* Adds a usage or cost key copy's bytes to str_bytes (llmobs__span_key). */
void llmobs__span_count_key(llmobs__span *s, const char *key);

/* Langfuse's SDKs' marker for content dropped because the event was too large. */
#define LLMOBS__TRUNCATED_MARKER "<truncated due to size exceeding limit>"

/* Replaces the span's input, output and metadata (the payloads that make a span large) by the
 * marker; the trace-level metadata it carries too. Flusher thread only (it owns the span). */
void llmobs__span_truncate(llmobs__span *s);

void llmobs__span_free(llmobs__span *s);

/* Prefetches for the flusher, which reads each span first in memory last written on the
 * caller's core: a span's fields and short strings, then, once those have arrived, its
 * payloads and trace snapshot. Serializing span i while spans i+1 and i+2 arrive overlaps the
 * transfers with work, instead of stalling on each (~10 % of the CPU per delivered span,
 * docs/benchmarks.md). A hint: no effect on what is read. */
static inline void llmobs__span_prefetch(const llmobs__span *s)
{
    for (size_t off = 0; off < offsetof(llmobs__span, usage); off += 64)
        __builtin_prefetch((const char *)s + off);
    __builtin_prefetch(s->pool);
    __builtin_prefetch(s->pool + 64);
}

static inline void llmobs__span_prefetch_text(const llmobs__span_text *t)
{
    /* the first 512 bytes: the hardware prefetcher follows a longer payload's sequential read */
    for (size_t off = 0; t->s && off < t->len && off < 512; off += 64)
        __builtin_prefetch(t->s + off);
}

static inline void llmobs__span_prefetch_payloads(const llmobs__span *s)
{
    llmobs__span_prefetch_text(&s->input);
    llmobs__span_prefetch_text(&s->output);
    if (s->trace) __builtin_prefetch(s->trace);
}

/* The item interface of a span (serialized in batches, so no serialize). */
extern const llmobs__item_ops llmobs__span_ops;
/* A usage or cost key for a span: the shared static string for a Langfuse name, else a copy
 * (NULL when out of memory). llmobs__span_key_free releases either. */
char *llmobs__span_key(const char *key);
void llmobs__span_key_free(char *key);
/* Usage keys as providers name them ("prompt_tokens", "input_tokens", ...): kept as custom
 * buckets, but left out of the computed total (they repeat the standard buckets). */
bool llmobs__usage_key_is_provider_style(const char *key);

/* Sets one extra string span attribute `key` on an observation (replacing a previous value),
 * sent verbatim by the OTLP serializer: for attributes a backend reads that have no public
 * setter (the langfuse.experiment.* attributes of src/eval/experiment.c). Same rules as the
 * public setters: EINVAL for NULL arguments, ESTATE once ended, a no-op when not recorded. */
llmobs_status llmobs__obs_set_attribute(llmobs_obs *o, const char *key, const char *value);
/* The handle of a trace's root span, for the observation setters (valid as the trace). */
llmobs_obs *llmobs__trace_root(llmobs_trace *t);
/* Sum of a usage key's value, or -1 when absent. */
int64_t llmobs__span_usage(const llmobs__span *s, const char *key);
/* Heap bytes a queued span holds (its strings, cJSON trees and trace snapshot): what the
 * queue charges against max_queue_bytes. */
size_t llmobs__span_footprint(const llmobs__span *s);
size_t llmobs__json_footprint(const cJSON *j);
size_t llmobs__trace_attrs_footprint(const llmobs__trace_attrs *a);

/* success | error | timeout | rate_limited, from the level and the status message. */
const char *llmobs__request_status(const llmobs__span *s);
/* Fills the "generation ended" record from an ended span and its trace snapshot (its strings
 * point into the span). The caller's own cost details, if any, become its cost. */
void llmobs__span_generation(const llmobs__span *s, llmobs__generation *g);
/* Writes priced amounts into the span's cost details under the usage key names (only the
 * kinds whose usage is present, plus "total"). All or nothing; ENOMEM leaves none. */
llmobs_status llmobs__span_attach_cost(llmobs__span *s, const llmobs__generation *g);

#endif
