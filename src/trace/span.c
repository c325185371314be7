#include "trace/span.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool name_is_inline(const llmobs__trace_attrs *a)
{
    return a->name == a->name_inline;
}

void llmobs__trace_attrs_clear(llmobs__trace_attrs *a)
{
    if (!name_is_inline(a)) free(a->name);
    free(a->feature);
    free(a->user_id);
    free(a->session_id);
    if (!a->release_borrowed) free(a->release);
    free(a->version);
    if (!a->environment_borrowed) free(a->environment);
    for (size_t i = 0; i < a->ntags; i++)
        free(a->tags[i]);
    free(a->tags);
    cJSON_Delete(a->metadata);
    llmobs__recycler *home = a->home;
    memset(a, 0, offsetof(llmobs__trace_attrs, name_inline));
    a->home = home;
    a->is_public = -1;
    atomic_init(&a->footprint, 0);
}

llmobs__trace_attrs *llmobs__trace_attrs_new(llmobs__recycler *home, const char *name)
{
    llmobs__trace_attrs *a = home ? llmobs__recycler_take(home) : NULL;
    if (a)
        memset(a, 0, offsetof(llmobs__trace_attrs, name_inline));
    else if (!(a = calloc(1, sizeof *a)))
        return NULL;
    a->home = home;
    a->is_public = -1;
    atomic_init(&a->footprint, 0);
    atomic_init(&a->refs, 1);
    size_t len = name ? strlen(name) + 1 : 0;
    if (len && len <= sizeof a->name_inline) {
        a->name = memcpy(a->name_inline, name, len);
    } else if (len && !(a->name = strdup(name))) {
        llmobs__trace_attrs_unref(a);
        return NULL;
    }
    return a;
}

llmobs__trace_attrs *llmobs__trace_attrs_clone(const llmobs__trace_attrs *src)
{
    llmobs__trace_attrs *a = llmobs__trace_attrs_new(src->home, src->name);
    if (!a) return NULL;
    a->is_public = src->is_public;
    a->feature = dup_or_null(src->feature);
    a->user_id = dup_or_null(src->user_id);
    a->session_id = dup_or_null(src->session_id);
    a->release = src->release_borrowed ? src->release : dup_or_null(src->release);
    a->release_borrowed = src->release_borrowed;
    a->version = dup_or_null(src->version);
    a->environment = src->environment_borrowed ? src->environment : dup_or_null(src->environment);
    a->environment_borrowed = src->environment_borrowed;
    a->metadata = src->metadata ? cJSON_Duplicate(src->metadata, 1) : NULL;
    bool ok = (!src->feature || a->feature) && (!src->user_id || a->user_id) &&
              (!src->session_id || a->session_id) && (!src->release || a->release) &&
              (!src->version || a->version) && (!src->environment || a->environment) &&
              (!src->metadata || a->metadata);
    if (ok && src->ntags) {
        a->tags = calloc(src->ntags, sizeof *a->tags);
        ok = a->tags != NULL;
        for (size_t i = 0; ok && i < src->ntags; i++, a->ntags++)
            ok = (a->tags[i] = strdup(src->tags[i])) != NULL;
    }
    if (!ok) {
        llmobs__trace_attrs_unref(a);
        return NULL;
    }
    return a;
}

llmobs_status llmobs__trace_attrs_set(char **field, bool *borrowed, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    if (!borrowed || !*borrowed) free(*field);
    if (borrowed) *borrowed = false;
    *field = copy;
    return LLMOBS_OK;
}

void llmobs__trace_attrs_unref(llmobs__trace_attrs *a)
{
    if (a && atomic_fetch_sub(&a->refs, 1) == 1) {
        llmobs__trace_attrs_clear(a);
        if (!a->home || !llmobs__recycler_give(a->home, a, sizeof *a)) free(a);
    }
}

static const char total_key[] = "total";

static const char *static_key(const char *key)
{
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (llmobs__usage_keys[k] &&
            (key == llmobs__usage_keys[k] || strcmp(key, llmobs__usage_keys[k]) == 0))
            return llmobs__usage_keys[k];
    return key == total_key || strcmp(key, total_key) == 0 ? total_key : NULL;
}

char *llmobs__span_key(const char *key)
{
    if (!key) return NULL;
    const char *shared = static_key(key);
    return shared ? (char *)(uintptr_t)shared : strdup(key);
}

void llmobs__span_key_free(char *key)
{
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (key == llmobs__usage_keys[k]) return;
    if (key != total_key) free(key);
}

/* Whether `p` lies in the span's inline pool: freed with it. */
static bool in_pool(const llmobs__span *s, const char *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)s->pool;
    return a >= lo && a < lo + sizeof s->pool;
}

/* Block sizes of the string classes (llmobs__span_home). */
static const size_t string_class_size[LLMOBS__STRING_CLASSES] = {128, 192,  256,  384,  512,
                                                                 768, 1024, 1536, 2048, 4096};

/* The class of a string of `len` bytes (with its NUL) of a span with a home; -1: none. */
static int string_class(const llmobs__span *s, size_t len)
{
    if (!s->home) return -1;
    for (int c = 0; c < LLMOBS__STRING_CLASSES; c++)
        if (len <= string_class_size[c]) return c;
    return -1;
}

/* The heap bytes a string of `len` bytes takes outside the pool: its block, or itself. */
static size_t heap_bytes(const llmobs__span *s, size_t len)
{
    int c = string_class(s, len);
    return c < 0 ? len : string_class_size[c];
}

static char *string_alloc(llmobs__span *s, size_t len)
{
    int c = string_class(s, len);
    if (c < 0) return malloc(len);
    char *p = llmobs__recycler_take(&s->home->strings[c]);
    return p ? p : malloc(string_class_size[c]);
}

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Frees p, a string of `len` bytes with its NUL; 0: not known, measured here (after the pool
 * check: short strings are mostly in the pool and need no measuring). */
static void span_string_free(llmobs__span *s, char *p, size_t len)
{
    if (!p || in_pool(s, p)) return;
    int c = string_class(s, len ? len : strlen(p) + 1); /* the class it was allocated in */
    if (c < 0 || !llmobs__recycler_give(&s->home->strings[c], p, string_class_size[c])) free(p);
}

/* Frees everything the span points to. */
static void span_clear(llmobs__span *s)
{
    span_string_free(s, s->name, 0);
    span_string_free(s, s->status_message, 0);
    span_string_free(s, s->input.s, s->input.len + 1);
    span_string_free(s, s->output.s, s->output.len + 1);
    cJSON_Delete(s->metadata);
    cJSON_Delete(s->model_params);
    span_string_free(s, s->model, 0);
    span_string_free(s, s->provider, 0);
    for (size_t i = 0; i < s->nusage; i++)
        llmobs__span_key_free(s->usage[i].key);
    for (size_t i = 0; i < s->ncost; i++)
        llmobs__span_key_free(s->cost[i].key);
    span_string_free(s, s->prompt_name, 0);
    cJSON_Delete(s->attributes);
    llmobs__trace_attrs_unref(s->trace);
}

void llmobs__span_home_init(llmobs__span_home *h)
{
    llmobs__recycler_init(&h->spans, LLMOBS__SPANS_KEPT_BYTES);
    for (int c = 0; c < LLMOBS__STRING_CLASSES; c++)
        llmobs__recycler_init(&h->strings[c], LLMOBS__STRINGS_KEPT_BYTES);
}

void llmobs__span_home_fini(llmobs__span_home *h)
{
    llmobs__recycler_destroy(&h->spans, free);
    for (int c = 0; c < LLMOBS__STRING_CLASSES; c++)
        llmobs__recycler_destroy(&h->strings[c], free);
}

llmobs__span *llmobs__span_new(llmobs__span_home *home)
{
    llmobs__span *s = home ? llmobs__recycler_take(&home->spans) : NULL;
    if (s)
        memset(s, 0, offsetof(llmobs__span, usage)); /* the arrays are read up to their counts */
    else if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->home = home;
    return s;
}

void llmobs__span_free(llmobs__span *s)
{
    if (!s) return;
    span_clear(s);
    if (!s->home || !llmobs__recycler_give(&s->home->spans, s, sizeof *s)) free(s);
}

static void span_item_free(llmobs__item *item)
{
    llmobs__span_free((llmobs__span *)item);
}

static size_t span_item_size(const llmobs__item *item)
{
    return llmobs__span_footprint((const llmobs__span *)item);
}

const llmobs__item_ops llmobs__span_ops = {NULL, span_item_size, span_item_free};

int64_t llmobs__span_usage(const llmobs__span *s, const char *key)
{
    for (size_t i = 0; i < s->nusage; i++)
        if (strcmp(s->usage[i].key, key) == 0) return s->usage[i].value;
    return -1;
}

/* Heap bytes of a cJSON tree: its nodes and their strings (malloc overhead aside). Iterative
 * over siblings, recursive over depth: every tree here comes from cJSON_Parse, which limits
 * nesting to CJSON_NESTING_LIMIT (1000), so the depth is bounded.
 * NOLINTNEXTLINE(misc-no-recursion) */
size_t llmobs__json_footprint(const cJSON *j)
{
    size_t n = 0;
    for (; j; j = j->next) {
        n += sizeof *j + slen(j->string) + slen(j->valuestring);
        if (j->child) n += llmobs__json_footprint(j->child);
    }
    return n;
}

size_t llmobs__trace_attrs_footprint(const llmobs__trace_attrs *a)
{
    if (!a) return 0;
    /* Cached: every span of a trace is charged its snapshot, which rarely changes. The
     * client's release and environment (borrowed) are not the snapshot's memory. */
    size_t cached = atomic_load_explicit(&a->footprint, memory_order_relaxed);
    if (cached) return cached;
    size_t n = sizeof *a + (name_is_inline(a) ? 0 : slen(a->name)) + slen(a->feature) +
               slen(a->user_id) + slen(a->session_id) +
               (a->release_borrowed ? 0 : slen(a->release)) + slen(a->version) +
               (a->environment_borrowed ? 0 : slen(a->environment)) + a->ntags * sizeof *a->tags +
               llmobs__json_footprint(a->metadata);
    for (size_t i = 0; i < a->ntags; i++)
        n += slen(a->tags[i]);
    /* The cast drops const for the cache only: see llmobs__trace_attrs.footprint. */
    atomic_store_explicit(&((llmobs__trace_attrs *)(uintptr_t)a)->footprint, n,
                          memory_order_relaxed);
    return n;
}

size_t llmobs__span_footprint(const llmobs__span *s)
{
    /* Real sizes, so max_queue_bytes bounds memory. The trace snapshot is shared by the
     * trace's spans but each span's export carries a copy of it, so each span is charged it. */
    size_t n = sizeof *s + s->str_bytes;
    if (s->metadata) n += llmobs__json_footprint(s->metadata);
    if (s->model_params) n += llmobs__json_footprint(s->model_params);
    if (s->attributes) n += llmobs__json_footprint(s->attributes);
    return n + llmobs__trace_attrs_footprint(s->trace);
}

/* Replaces *field, a string of `old` bytes with its NUL (0: not known), by a copy of the `len`
 * bytes (with its NUL; 0: NULL) at value. */
static bool replace_string(llmobs__span *s, char **field, size_t old, const char *value, size_t len)
{
    char *copy = NULL;
    if (value && len <= sizeof s->pool - s->pool_used) {
        copy = s->pool + s->pool_used;
        s->pool_used += len;
    } else if (value) {
        if (!(copy = string_alloc(s, len))) return false;
        s->str_bytes += heap_bytes(s, len); /* the pool is in sizeof *s */
    }
    if (copy) memcpy(copy, value, len);
    if (*field && !in_pool(s, *field)) {
        if (!old) old = strlen(*field) + 1;
        s->str_bytes -= heap_bytes(s, old);
    }
    span_string_free(s, *field, old);
    *field = copy;
    return true;
}

bool llmobs__span_set_string(llmobs__span *s, char **field, const char *value)
{
    return replace_string(s, field, 0, value, slen(value));
}

bool llmobs__span_set_text(llmobs__span *s, llmobs__span_text *field, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    if (!replace_string(s, &field->s, field->s ? field->len + 1 : 0, value, value ? len + 1 : 0))
        return false;
    field->len = len;
    return true;
}

void llmobs__span_count_key(llmobs__span *s, const char *key)
{
    s->str_bytes += slen(key);
}

void llmobs__span_truncate(llmobs__span *s)
{
    s->truncated = true;
    llmobs__span_text *fields[] = {&s->input, &s->output};
    for (size_t i = 0; i < 2; i++) /* on ENOMEM the field is cleared: left out */
        if (fields[i]->s && !llmobs__span_set_text(s, fields[i], LLMOBS__TRUNCATED_MARKER))
            llmobs__span_set_text(s, fields[i], NULL);
    s->input_is_json = s->output_is_json = false;
    cJSON_Delete(s->metadata);
    s->metadata = cJSON_CreateObject();
    if (s->metadata) cJSON_AddStringToObject(s->metadata, "truncated", LLMOBS__TRUNCATED_MARKER);
    /* The trace snapshot is shared with other spans: this span drops its reference to the
     * metadata by carrying a copy without it. */
    if (s->trace && s->trace->metadata) {
        llmobs__trace_attrs *copy = llmobs__trace_attrs_clone(s->trace);
        if (copy) {
            cJSON_Delete(copy->metadata);
            copy->metadata = NULL;
            llmobs__trace_attrs_unref(s->trace);
            s->trace = copy;
        }
    }
}

static bool contains(const char *haystack, const char *needle)
{
    return haystack && strcasestr(haystack, needle) != NULL;
}

const char *llmobs__request_status(const llmobs__span *s)
{
    if (s->level != LLMOBS_LEVEL_ERROR) return "success";
    const char *m = s->status_message;
    if (contains(m, "timeout") || contains(m, "timed out") || contains(m, "deadline"))
        return "timeout";
    if (contains(m, "429") || contains(m, "rate limit") || contains(m, "rate_limit") ||
        contains(m, "ratelimit"))
        return "rate_limited";
    return "error";
}

static int cost_kind_of_key(const char *key)
{
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++) /* the shared keys first: no strcmp */
        if (key == llmobs__usage_keys[k]) return k;
    if (key == total_key) return LLMOBS_COST_TOTAL;
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (strcmp(llmobs__usage_keys[k], key) == 0) return k;
    return strcmp(key, "total") == 0 ? LLMOBS_COST_TOTAL : -1;
}

void llmobs__span_generation(const llmobs__span *s, llmobs__generation *g)
{
    const llmobs__trace_attrs *a = s->trace;
    *g = (llmobs__generation){
        .model = s->model,
        .provider = s->provider,
        .feature = a && a->feature ? a->feature
                   : a             ? a->name
                                   : NULL,
        .user = a ? a->user_id : NULL,
        .status = llmobs__request_status(s),
        .start_ns = s->start_ns,
        .end_ns = s->end_ns,
        .completion_start_ns = s->completion_start_ns,
    };
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        g->tokens[k] = -1;
    for (size_t i = 0; i < s->nusage; i++) {
        int k = cost_kind_of_key(s->usage[i].key);
        if (k >= 0 && k < LLMOBS__TOKEN_KINDS) g->tokens[k] = s->usage[i].value;
    }
    if (!s->ncost) return;
    /* The caller's own cost details, as the recorded amount: their total, else their sum. */
    double sum = 0;
    bool has_total = false;
    for (size_t i = 0; i < s->ncost; i++) {
        int k = cost_kind_of_key(s->cost[i].key);
        if (k == LLMOBS_COST_TOTAL)
            has_total = true;
        else
            sum += s->cost[i].usd;
        if (k >= 0) g->cost[k] = s->cost[i].usd;
    }
    if (!has_total) g->cost[LLMOBS_COST_TOTAL] = sum;
    g->caller_cost = true;
}

llmobs_status llmobs__span_attach_cost(llmobs__span *s, const llmobs__generation *g)
{
    size_t before = s->ncost;
    for (int k = 0; k < LLMOBS_COST_KIND_COUNT; k++) {
        if (k < LLMOBS__TOKEN_KINDS && g->tokens[k] < 0) continue;
        /* The shared static keys (llmobs__span_key would find them): nothing to copy. */
        const char *key = k < LLMOBS__TOKEN_KINDS ? llmobs__usage_keys[k] : total_key;
        char *copy = s->ncost < LLMOBS__MAX_COST ? (char *)(uintptr_t)key : NULL;
        if (!copy) {
            while (s->ncost > before)
                llmobs__span_key_free(s->cost[--s->ncost].key);
            return LLMOBS_ENOMEM;
        }
        s->cost[s->ncost++] = (llmobs__cost){copy, g->cost[k]};
    }
    return LLMOBS_OK;
}

bool llmobs__usage_key_is_provider_style(const char *key)
{
    static const char *const keys[] = {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i]) == 0) return true;
    return false;
}
