#include "trace/span.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void llmobs__trace_attrs_clear(llmobs__trace_attrs *a)
{
    free(a->name);
    free(a->feature);
    free(a->user_id);
    free(a->session_id);
    free(a->release);
    free(a->version);
    free(a->environment);
    for (size_t i = 0; i < a->ntags; i++)
        free(a->tags[i]);
    free(a->tags);
    cJSON_Delete(a->metadata);
    memset(a, 0, sizeof *a);
    a->is_public = -1;
}

llmobs__trace_attrs *llmobs__trace_attrs_clone(const llmobs__trace_attrs *src)
{
    llmobs__trace_attrs *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->is_public = src->is_public;
    a->name = dup_or_null(src->name);
    a->feature = dup_or_null(src->feature);
    a->user_id = dup_or_null(src->user_id);
    a->session_id = dup_or_null(src->session_id);
    a->release = dup_or_null(src->release);
    a->version = dup_or_null(src->version);
    a->environment = dup_or_null(src->environment);
    a->metadata = src->metadata ? cJSON_Duplicate(src->metadata, 1) : NULL;
    bool ok = (!src->name || a->name) && (!src->feature || a->feature) &&
              (!src->user_id || a->user_id) && (!src->session_id || a->session_id) &&
              (!src->release || a->release) && (!src->version || a->version) &&
              (!src->environment || a->environment) && (!src->metadata || a->metadata);
    if (ok && src->ntags) {
        a->tags = calloc(src->ntags, sizeof *a->tags);
        ok = a->tags != NULL;
        for (size_t i = 0; ok && i < src->ntags; i++, a->ntags++)
            ok = (a->tags[i] = strdup(src->tags[i])) != NULL;
    }
    if (!ok) {
        llmobs__trace_attrs_clear(a);
        free(a);
        return NULL;
    }
    atomic_init(&a->refs, 1); /* the caller's reference, once the copy is complete */
    return a;
}

void llmobs__trace_attrs_unref(llmobs__trace_attrs *a)
{
    if (a && atomic_fetch_sub(&a->refs, 1) == 1) {
        llmobs__trace_attrs_clear(a);
        free(a);
    }
}

void llmobs__span_free(llmobs__span *s)
{
    if (!s) return;
    free(s->name);
    free(s->status_message);
    free(s->input);
    free(s->output);
    cJSON_Delete(s->metadata);
    cJSON_Delete(s->model_params);
    free(s->model);
    free(s->provider);
    for (size_t i = 0; i < s->nusage; i++)
        free(s->usage[i].key);
    for (size_t i = 0; i < s->ncost; i++)
        free(s->cost[i].key);
    free(s->prompt_name);
    cJSON_Delete(s->attributes);
    llmobs__trace_attrs_unref(s->trace);
    free(s);
}

int64_t llmobs__span_usage(const llmobs__span *s, const char *key)
{
    for (size_t i = 0; i < s->nusage; i++)
        if (strcmp(s->usage[i].key, key) == 0) return s->usage[i].value;
    return -1;
}

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
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
    size_t n = sizeof *a + slen(a->name) + slen(a->feature) + slen(a->user_id) +
               slen(a->session_id) + slen(a->release) + slen(a->version) + slen(a->environment) +
               a->ntags * sizeof *a->tags + llmobs__json_footprint(a->metadata);
    for (size_t i = 0; i < a->ntags; i++)
        n += slen(a->tags[i]);
    return n;
}

size_t llmobs__span_footprint(const llmobs__span *s)
{
    /* Real sizes, so max_queue_bytes bounds memory. The trace snapshot is shared by the
     * trace's spans but each span's export carries a copy of it, so each span is charged it. */
    size_t n = sizeof *s + slen(s->name) + slen(s->status_message) + slen(s->input) +
               slen(s->output) + slen(s->model) + slen(s->provider) + slen(s->prompt_name);
    n += llmobs__json_footprint(s->metadata) + llmobs__json_footprint(s->model_params) +
         llmobs__json_footprint(s->attributes);
    n += llmobs__trace_attrs_footprint(s->trace);
    for (size_t i = 0; i < s->nusage; i++)
        n += slen(s->usage[i].key);
    for (size_t i = 0; i < s->ncost; i++)
        n += slen(s->cost[i].key);
    return n;
}

void llmobs__span_truncate(llmobs__span *s)
{
    s->truncated = true;
    char **fields[] = {&s->input, &s->output};
    for (size_t i = 0; i < 2; i++) {
        if (!*fields[i]) continue;
        free(*fields[i]);
        *fields[i] = strdup(LLMOBS__TRUNCATED_MARKER); /* NULL on ENOMEM: left out */
    }
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

bool llmobs__usage_key_is_provider_style(const char *key)
{
    static const char *const keys[] = {
        "prompt_tokens",           "completion_tokens",           "total_tokens",
        "input_tokens",            "output_tokens",               "cached_tokens",
        "reasoning_tokens",        "cache_read_input_tokens",     "cache_creation_input_tokens",
        "prompt_tokens_details",   "completion_tokens_details",
    };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i]) == 0) return true;
    return false;
}
