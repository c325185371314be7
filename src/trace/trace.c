/* Traces and observations: the caller-thread half of tracing. Calls here copy, allocate and
 * take the trace's own lock; the only cross-thread hand-off is the tracer's enqueue hook.
 * What the client composes around tracing (the pipeline, the metrics, the cost tracker) is
 * reached only through the hooks of trace/tracer.h. */
#include "core/clock.h"
#include "core/error.h"
#include "core/ids.h"
#include "trace/context.h"
#include "trace/span.h"
#include "trace/tracer.h"

#include "core/lock.h"
#include <stdlib.h>
#include <string.h>

#define LLMOBS__INLINE_OBS 4

struct llmobs_obs {
    struct llmobs_trace *trace;
    struct llmobs_obs *next; /* the trace's list of child handles, freed with the trace */
    uint8_t span_id[8];
    llmobs__span *rec; /* being built; NULL once ended or when the trace is not recorded */
    bool ended;
    bool is_generation;
    bool metrics_only; /* generation of an unrecorded trace: feeds metrics and cost only */
    void *inflight;    /* token of the tracer's inflight_up, undone at the end */
    const void *bound; /* what inflight_up bound: the ended generation's record carries it */
};

struct llmobs_trace {
    llmobs__tracer *tracer;
    llmobs__lock mu; /* short: core/lock.h */
    bool recording;
    llmobs_drop_reason drop_reason; /* when not recording */
    uint8_t trace_id[16];
    struct llmobs_obs root;
    size_t open; /* child observations started and not yet ended */
    size_t pins; /* scopes (context.c) holding this trace's memory */
    struct llmobs_obs *children;
    /* The first child handles live here rather than in allocations of their own. */
    struct llmobs_obs inline_obs[LLMOBS__INLINE_OBS];
    size_t ninline;
    /* Copy on write, guarded by mu: ended spans share it (each holds a reference) and a
     * setter that finds it shared changes a private copy, so a snapshot never changes. */
    llmobs__trace_attrs *attrs;
};

/* ---- lifetime ---------------------------------------------------------------------------- */

/* Traces are freed by the thread that ends them last, usually the one that started them, but
 * calloc bypasses glibc's per-thread cache: a kept trace costs a memset instead. Their
 * attribute snapshots are freed by whichever thread frees the last span that refers to them,
 * the flusher for a recorded trace. */
#define TRACES_KEPT_BYTES ((size_t)64 << 10)

void llmobs__tracer_recyclers_init(llmobs__tracer *t)
{
    llmobs__span_home_init(&t->spans);
    llmobs__recycler_init(&t->traces, TRACES_KEPT_BYTES);
    llmobs__recycler_init(&t->attrs, TRACES_KEPT_BYTES);
}

void llmobs__tracer_recyclers_fini(llmobs__tracer *t)
{
    llmobs__span_home_fini(&t->spans);
    llmobs__recycler_destroy(&t->traces, free);
    llmobs__recycler_destroy(&t->attrs, free);
}

static void trace_free(llmobs_trace *t)
{
    for (struct llmobs_obs *o = t->children, *next; o; o = next) {
        next = o->next;
        llmobs__span_free(o->rec);
        if (o < t->inline_obs || o >= t->inline_obs + LLMOBS__INLINE_OBS) free(o);
    }
    llmobs__span_free(t->root.rec);
    llmobs__trace_attrs_unref(t->attrs);
    llmobs__lock_destroy(&t->mu);
    if (!llmobs__recycler_give(&t->tracer->traces, t, sizeof *t)) free(t);
}

/* ---- starting ---------------------------------------------------------------------------- */

static llmobs__span *span_new(llmobs_trace *t, const uint8_t span_id[8], llmobs_obs_type type,
                              const char *name)
{
    llmobs__span *s = llmobs__span_new(&t->tracer->spans);
    if (!s) return NULL;
    if (!llmobs__span_set_string(s, &s->name, name)) {
        llmobs__span_free(s);
        return NULL;
    }
    s->hdr.kind = LLMOBS__ITEM_SPAN;
    s->hdr.ops = &llmobs__span_ops;
    memcpy(s->trace_id, t->trace_id, 16);
    memcpy(s->span_id, span_id, 8);
    s->type = type;
    s->level = LLMOBS_LEVEL_DEFAULT;
    s->start_ns = llmobs__wall_ns();
    return s;
}

static void set_status(llmobs_status *out, llmobs_status st)
{
    if (out) *out = st;
}

static llmobs_trace *trace_start(llmobs_client *c, const char *name, const uint8_t *trace_id,
                                 const uint8_t *parent_span_id, llmobs_status *status)
{
    /* The trace's reference on the client, dropped when the trace finishes. */
    llmobs__tracer *tr = llmobs__tracer_of(c);
    llmobs_status ref = tr->ref_running(tr->owner, "llmobs_trace_start");
    if (ref != LLMOBS_OK) {
        set_status(status, ref);
        return NULL;
    }
    llmobs_trace *t = llmobs__recycler_take(&tr->traces);
    if (t)
        memset(t, 0, sizeof *t);
    else if (!(t = calloc(1, sizeof *t)))
        goto oom;
    llmobs__lock_init(&t->mu);
    t->tracer = tr;
    /* Kept even when the trace is not recorded: generations of every trace feed the metrics
     * and the cost tracker, which need the feature (trace name) and user. */
    if (!(t->attrs = llmobs__trace_attrs_new(&tr->attrs, name))) goto oom;
    if (trace_id)
        memcpy(t->trace_id, trace_id, 16);
    else
        llmobs__random_id(t->trace_id, 16);
    t->root.trace = t;
    t->recording = tr->enabled && llmobs__sampled(t->trace_id, tr->opts->sample_rate);
    if (t->recording) llmobs__random_id(t->root.span_id, 8); /* else on demand: span_id_of */
    t->drop_reason = tr->enabled ? LLMOBS_DROP_SAMPLED_OUT : LLMOBS_DROP_DISABLED;
    const llmobs_options *o = tr->opts;
    /* The client's, not copies: see llmobs__trace_attrs.release_borrowed. */
    if (*o->environment) {
        t->attrs->environment = o->environment;
        t->attrs->environment_borrowed = true;
    }
    if (*o->release) {
        t->attrs->release = o->release;
        t->attrs->release_borrowed = true;
    }
    if (t->recording) {
        t->root.rec = span_new(t, t->root.span_id, LLMOBS_OBS_SPAN, name);
        if (!t->root.rec) goto oom;
        t->root.rec->is_root = true;
        if (parent_span_id) {
            memcpy(t->root.rec->parent_id, parent_span_id, 8);
            t->root.rec->has_parent = true;
        }
    }
    set_status(status, LLMOBS_OK);
    return t;
oom:
    if (t) trace_free(t);
    llmobs__tracer_release(tr);
    set_status(status, llmobs__error(LLMOBS_ENOMEM, "trace_start: out of memory"));
    return NULL;
}

static bool check_start_args(llmobs_client *c, const char *name, llmobs_status *status)
{
    if (!c || !name || !*name) {
        set_status(status, llmobs__error(LLMOBS_EINVAL, "trace_start: NULL client or empty name"));
        return false;
    }
    return true;
}

llmobs_trace *llmobs_trace_start(llmobs_client *c, const char *name, llmobs_status *status)
{
    if (!check_start_args(c, name, status)) return NULL;
    return trace_start(c, name, NULL, NULL, status);
}

llmobs_trace *llmobs_trace_start_with_id(llmobs_client *c, const char *name, const char *trace_id,
                                         const char *parent_span_id, llmobs_status *status)
{
    if (!check_start_args(c, name, status)) return NULL;
    uint8_t tid[16], pid[8];
    if (!llmobs__parse_hex_id(trace_id, tid, 16)) {
        set_status(status,
                   llmobs__error(LLMOBS_EINVAL, "trace id must be 32 hex digits, not all zero"));
        return NULL;
    }
    bool has_parent = parent_span_id && *parent_span_id;
    if (has_parent && !llmobs__parse_hex_id(parent_span_id, pid, 8)) {
        set_status(status, llmobs__error(LLMOBS_EINVAL,
                                         "parent span id must be 16 hex digits, not all zero"));
        return NULL;
    }
    return trace_start(c, name, tid, has_parent ? pid : NULL, status);
}

llmobs_trace *llmobs_trace_start_traceparent(llmobs_client *c, const char *name,
                                             const char *traceparent, llmobs_status *status)
{
    if (!check_start_args(c, name, status)) return NULL;
    /* version-traceid-parentid-flags; version ff is invalid; future versions may append. */
    char tid[33], pid[17];
    uint8_t tb[16], pb[8];
    if (!traceparent || strlen(traceparent) < 55 || traceparent[2] != '-' ||
        traceparent[35] != '-' || traceparent[52] != '-' || strncmp(traceparent, "ff", 2) == 0 ||
        (strncmp(traceparent, "00", 2) == 0 && traceparent[55] != '\0')) {
        set_status(status, llmobs__error(LLMOBS_EINVAL, "malformed traceparent"));
        return NULL;
    }
    memcpy(tid, traceparent + 3, 32);
    tid[32] = '\0';
    memcpy(pid, traceparent + 36, 16);
    pid[16] = '\0';
    if (!llmobs__parse_hex_id(tid, tb, 16) || !llmobs__parse_hex_id(pid, pb, 8)) {
        set_status(status, llmobs__error(LLMOBS_EINVAL, "traceparent has an invalid id"));
        return NULL;
    }
    return trace_start(c, name, tb, pb, status);
}

llmobs_obs *llmobs_obs_start(llmobs_trace *t, llmobs_obs *parent, llmobs_obs_type type,
                             const char *name, llmobs_status *status)
{
    /* The calling thread's current scope fills what the caller left NULL. */
    llmobs_obs *current = llmobs__scope_top();
    if (!t) t = parent ? parent->trace : current ? current->trace : NULL;
    if (!parent && t && current && current->trace == t && current != &t->root) parent = current;
    if (!t || !name || !*name || (unsigned)type > LLMOBS_OBS_GUARDRAIL) {
        set_status(status,
                   llmobs__error(LLMOBS_EINVAL, "obs_start: NULL trace, empty name or bad type"));
        return NULL;
    }
    if (parent && parent->trace != t) {
        set_status(status,
                   llmobs__error(LLMOBS_EINVAL, "obs_start: parent belongs to another trace"));
        return NULL;
    }
    uint8_t span_id[8] = {0};
    if (t->recording) llmobs__random_id(span_id, 8); /* else on demand: span_id_of */
    bool is_generation = type == LLMOBS_OBS_GENERATION;
    llmobs__span *rec = NULL;
    if (t->recording || is_generation) { /* t->recording never changes after start */
        /* A generation of an unrecorded trace is never exported: it needs no name. */
        if (!(rec = span_new(t, span_id, type, t->recording ? name : NULL))) goto oom;
        memcpy(rec->parent_id, parent ? parent->span_id : t->root.span_id, 8);
        rec->has_parent = true;
    }
    llmobs__lock_take(&t->mu);
    struct llmobs_obs *o =
        t->ninline < LLMOBS__INLINE_OBS ? &t->inline_obs[t->ninline++] : calloc(1, sizeof *o);
    if (o) {
        *o = (struct llmobs_obs){.trace = t,
                                 .next = t->children,
                                 .rec = rec,
                                 .is_generation = is_generation,
                                 .metrics_only = !t->recording};
        memcpy(o->span_id, span_id, 8);
        t->children = o;
        t->open++;
    }
    llmobs__lock_release(&t->mu);
    if (!o) goto oom;
    set_status(status, LLMOBS_OK);
    return o;
oom:
    llmobs__span_free(rec);
    set_status(status, llmobs__error(LLMOBS_ENOMEM, "obs_start: out of memory"));
    return NULL;
}

/* ---- scopes (context.c) ---------------------------------------------------------------- */

llmobs_trace *llmobs__obs_trace(const llmobs_obs *o)
{
    return o->trace;
}

llmobs_client *llmobs__trace_client(const llmobs_trace *t)
{
    return llmobs__tracer_client(t->tracer);
}

void llmobs__trace_pin(llmobs_trace *t)
{
    llmobs__lock_take(&t->mu);
    t->pins++;
    llmobs__lock_release(&t->mu);
}

void llmobs__trace_unpin(llmobs_trace *t)
{
    llmobs__lock_take(&t->mu);
    t->pins--;
    bool finished = t->root.ended && t->open == 0 && t->pins == 0;
    llmobs__tracer *tr = t->tracer;
    llmobs__lock_release(&t->mu);
    if (finished) {
        trace_free(t);
        llmobs__tracer_release(tr);
    }
}

/* ---- setters ----------------------------------------------------------------------------- */

/* Locks the observation's trace and returns its record, or sets *st: ESTATE when ended,
 * OK with NULL when the trace is not recorded (setters then do nothing). */
static llmobs__span *obs_lock(llmobs_obs *o, llmobs_status *st, const char *fn)
{
    if (!o) {
        *st = llmobs__error(LLMOBS_EINVAL, "%s: NULL observation", fn);
        return NULL;
    }
    llmobs__lock_take(&o->trace->mu);
    if (o->ended) {
        llmobs__lock_release(&o->trace->mu);
        *st = llmobs__error(LLMOBS_ESTATE, "%s: observation already ended", fn);
        return NULL;
    }
    if (!o->rec) {
        llmobs__lock_release(&o->trace->mu);
        *st = LLMOBS_OK;
        return NULL;
    }
    *st = LLMOBS_OK;
    return o->rec;
}

static void obs_unlock(llmobs_obs *o)
{
    llmobs__lock_release(&o->trace->mu);
}

/* obs_lock for content (input, output, metadata, parameters): never kept for a generation
 * that only feeds metrics, so an unrecorded trace copies no payloads. */
static llmobs__span *content_lock(llmobs_obs *o, llmobs_status *st, const char *fn)
{
    llmobs__span *s = obs_lock(o, st, fn);
    if (s && o->metrics_only) {
        obs_unlock(o);
        return NULL;
    }
    return s;
}

/* A span's own string field (its byte count kept, see llmobs__span.str_bytes). */
static llmobs_status span_string(llmobs__span *s, char **field, const char *value)
{
    return llmobs__span_set_string(s, field, value) ? LLMOBS_OK
                                                    : llmobs__error(LLMOBS_ENOMEM, "out of memory");
}

static llmobs_status obs_set_io(llmobs_obs *o, const char *value, bool output, bool is_json,
                                const char *fn)
{
    if (!value) return llmobs__error(LLMOBS_EINVAL, "%s: NULL value", fn);
    /* JSON is copied, not parsed: the flusher checks it (export/otlp_json.c). */
    llmobs_status st;
    llmobs__span *s = content_lock(o, &st, fn);
    if (!s) return st;
    if (!llmobs__span_set_text(s, output ? &s->output : &s->input, value))
        st = llmobs__error(LLMOBS_ENOMEM, "out of memory");
    else if (output)
        s->output_is_json = is_json;
    else
        s->input_is_json = is_json;
    obs_unlock(o);
    return st;
}

llmobs_status llmobs_obs_set_input(llmobs_obs *o, const char *text)
{
    return obs_set_io(o, text, false, false, "llmobs_obs_set_input");
}

llmobs_status llmobs_obs_set_output(llmobs_obs *o, const char *text)
{
    return obs_set_io(o, text, true, false, "llmobs_obs_set_output");
}

llmobs_status llmobs_obs_set_input_json(llmobs_obs *o, const char *json)
{
    return obs_set_io(o, json, false, true, "llmobs_obs_set_input_json");
}

llmobs_status llmobs_obs_set_output_json(llmobs_obs *o, const char *json)
{
    return obs_set_io(o, json, true, true, "llmobs_obs_set_output_json");
}

/* Parses a JSON object for metadata-like fields; EPARSE for anything but an object. */
static llmobs_status parse_object(const char *json, cJSON **out, const char *fn)
{
    if (!json) return llmobs__error(LLMOBS_EINVAL, "%s: NULL value", fn);
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return llmobs__error(LLMOBS_EPARSE, "%s: expected a JSON object", fn);
    }
    *out = obj;
    return LLMOBS_OK;
}

/* Sets obj[key] = item (taking ownership), creating obj when NULL. */
static llmobs_status object_put(cJSON **obj, const char *key, cJSON *item)
{
    if (!item) return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    if (!*obj && !(*obj = cJSON_CreateObject())) {
        cJSON_Delete(item);
        return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    }
    if (cJSON_GetObjectItemCaseSensitive(*obj, key)) {
        cJSON_ReplaceItemInObjectCaseSensitive(*obj, key, item);
    } else if (!cJSON_AddItemToObject(*obj, key, item)) {
        cJSON_Delete(item);
        return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    }
    return LLMOBS_OK;
}

llmobs_status llmobs_obs_set_metadata_json(llmobs_obs *o, const char *json)
{
    cJSON *obj = NULL;
    llmobs_status st = parse_object(json, &obj, "llmobs_obs_set_metadata_json");
    if (st != LLMOBS_OK) return st;
    llmobs__span *s = content_lock(o, &st, "llmobs_obs_set_metadata_json");
    if (!s) {
        cJSON_Delete(obj);
        return st;
    }
    cJSON_Delete(s->metadata);
    s->metadata = obj;
    obs_unlock(o);
    return LLMOBS_OK;
}

llmobs_status llmobs_obs_set_metadata(llmobs_obs *o, const char *key, const char *value)
{
    if (!key || !value)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_metadata: NULL key or value");
    llmobs_status st;
    llmobs__span *s = content_lock(o, &st, "llmobs_obs_set_metadata");
    if (!s) return st;
    st = object_put(&s->metadata, key, cJSON_CreateString(value));
    obs_unlock(o);
    return st;
}

llmobs_status llmobs__obs_set_attribute(llmobs_obs *o, const char *key, const char *value)
{
    if (!key || !*key || !value)
        return llmobs__error(LLMOBS_EINVAL, "set_attribute: NULL key or value");
    llmobs_status st;
    llmobs__span *s = content_lock(o, &st, "set_attribute");
    if (!s) return st;
    st = object_put(&s->attributes, key, cJSON_CreateString(value));
    obs_unlock(o);
    return st;
}

llmobs_obs *llmobs__trace_root(llmobs_trace *t)
{
    return t ? &t->root : NULL;
}

llmobs_status llmobs_obs_set_level(llmobs_obs *o, llmobs_level level)
{
    if ((unsigned)level > LLMOBS_LEVEL_ERROR)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_level: level out of range");
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_level");
    if (!s) return st;
    s->level = level;
    obs_unlock(o);
    return LLMOBS_OK;
}

#define STRING_SETTER(fn_name, field)                                                              \
    llmobs_status fn_name(llmobs_obs *o, const char *value)                                        \
    {                                                                                              \
        if (!value) return llmobs__error(LLMOBS_EINVAL, #fn_name ": NULL value");                  \
        llmobs_status st;                                                                          \
        llmobs__span *s = obs_lock(o, &st, #fn_name);                                              \
        if (!s) return st;                                                                         \
        st = span_string(s, &s->field, value);                                                     \
        obs_unlock(o);                                                                             \
        return st;                                                                                 \
    }

STRING_SETTER(llmobs_obs_set_status_message, status_message)

/* The model names the llm_inflight_requests series, so a generation counts as in flight
 * from the moment its model is known (usually right before the call) until it ends. */
llmobs_status llmobs_obs_set_model(llmobs_obs *o, const char *model)
{
    if (!model) return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_model: NULL value");
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_model");
    if (!s) return st;
    st = span_string(s, &s->model, model);
    llmobs__tracer *tr = o->trace->tracer;
    if (st == LLMOBS_OK && o->is_generation && !o->inflight && tr->inflight_up) {
        llmobs_trace *t = o->trace;
        o->inflight = tr->inflight_up(tr->inflight_ud, model,
                                      t->attrs->feature ? t->attrs->feature : t->attrs->name,
                                      s->provider, &o->bound);
    }
    obs_unlock(o);
    return st;
}
STRING_SETTER(llmobs_obs_set_provider, provider)

static llmobs_status set_time(llmobs_obs *o, int64_t unix_ns, bool completion, const char *fn)
{
    if (unix_ns <= 0) return llmobs__error(LLMOBS_EINVAL, "%s: time must be > 0 ns", fn);
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, fn);
    if (!s) return st;
    if (completion)
        s->completion_start_ns = unix_ns;
    else
        s->start_ns = unix_ns;
    obs_unlock(o);
    return LLMOBS_OK;
}

llmobs_status llmobs_obs_set_start_time(llmobs_obs *o, int64_t unix_ns)
{
    return set_time(o, unix_ns, false, "llmobs_obs_set_start_time");
}

llmobs_status llmobs_obs_set_completion_start_time(llmobs_obs *o, int64_t unix_ns)
{
    return set_time(o, unix_ns, true, "llmobs_obs_set_completion_start_time");
}

llmobs_status llmobs_obs_set_model_parameter(llmobs_obs *o, const char *key, const char *json_value)
{
    if (!key || !*key || !json_value)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_model_parameter: NULL key or value");
    cJSON *v = cJSON_Parse(json_value);
    if (!v)
        return llmobs__error(LLMOBS_EPARSE,
                             "llmobs_obs_set_model_parameter: value of '%s' is not JSON", key);
    llmobs_status st;
    llmobs__span *s = content_lock(o, &st, "llmobs_obs_set_model_parameter");
    if (!s) {
        cJSON_Delete(v);
        return st;
    }
    st = object_put(&s->model_params, key, v);
    obs_unlock(o);
    return st;
}

/* `shared`: `key` is one of llmobs__usage_keys. A span keeps every key of that content as the
 * shared string (llmobs__span_key), so such a key is found by its address and never copied. */
static llmobs_status usage_put(llmobs__span *s, const char *key, bool shared, int64_t value)
{
    for (size_t i = 0; i < s->nusage; i++)
        if (s->usage[i].key == key || (!shared && strcmp(s->usage[i].key, key) == 0)) {
            s->usage[i].value = value;
            return LLMOBS_OK;
        }
    if (s->nusage == LLMOBS__MAX_USAGE)
        return llmobs__error(LLMOBS_ELIMIT, "at most %d usage keys", LLMOBS__MAX_USAGE);
    char *k = shared ? (char *)(uintptr_t)key : llmobs__span_key(key);
    if (!k) return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    llmobs__span_count_key(s, k);
    s->usage[s->nusage++] = (llmobs__usage){k, value};
    return LLMOBS_OK;
}

/* Once per client: a provider's own usage key is a custom bucket to llmobs (not priced, not
 * in the token metrics), which is rarely what the caller meant. */
static void warn_provider_style_key(llmobs_obs *o, const char *key)
{
    llmobs__tracer *tr = o->trace->tracer;
    if (!llmobs__usage_key_is_provider_style(key) || atomic_exchange(&tr->warned_usage_keys, true))
        return;
    llmobs__log(tr->log, LLMOBS_LOG_WARN,
                "usage key '%s' is a provider's name: llmobs keeps it as a custom bucket (not "
                "priced, not in llm_tokens_total, not in the total). Use \"input\", \"output\", "
                "\"" LLMOBS_USAGE_CACHE_READ "\", \"" LLMOBS_USAGE_CACHE_WRITE
                "\", \"" LLMOBS_USAGE_REASONING "\" or llmobs_obs_set_from_response. Logged once.",
                key);
}

llmobs_status llmobs_obs_set_usage_detail(llmobs_obs *o, const char *key, int64_t value)
{
    if (!key || !*key || value < 0 || value > LLMOBS__MAX_TOKENS)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_obs_set_usage_detail: empty key, or value negative or "
                             "above %lld",
                             (long long)LLMOBS__MAX_TOKENS);
    if (o) warn_provider_style_key(o, key);
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_usage_detail");
    if (!s) return st;
    st = usage_put(s, key, false, value);
    obs_unlock(o);
    return st;
}

llmobs_status llmobs_obs_set_usage(llmobs_obs *o, int64_t input_tokens, int64_t output_tokens)
{
    /* Capped so that sums of token counts never overflow (negative intValues on the wire). */
    if (input_tokens < 0 || output_tokens < 0 || input_tokens > LLMOBS__MAX_TOKENS ||
        output_tokens > LLMOBS__MAX_TOKENS)
        return llmobs__error(LLMOBS_EINVAL,
                             "llmobs_obs_set_usage: token count negative or above %lld",
                             (long long)LLMOBS__MAX_TOKENS);
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_usage");
    if (!s) return st;
    st = usage_put(s, llmobs__usage_keys[LLMOBS_PRICE_INPUT], true, input_tokens);
    if (st == LLMOBS_OK)
        st = usage_put(s, llmobs__usage_keys[LLMOBS_PRICE_OUTPUT], true, output_tokens);
    obs_unlock(o);
    return st;
}

llmobs_status llmobs_obs_set_cost_detail(llmobs_obs *o, const char *key, double usd)
{
    if (!key || !*key || !(usd >= 0) || usd > 1e12)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_cost_detail: empty key or bad amount");
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_cost_detail");
    if (!s) return st;
    size_t i = 0;
    while (i < s->ncost && strcmp(s->cost[i].key, key) != 0)
        i++;
    if (i < s->ncost) {
        s->cost[i].usd = usd;
    } else if (s->ncost == LLMOBS__MAX_COST) {
        st = llmobs__error(LLMOBS_ELIMIT, "at most %d cost keys", LLMOBS__MAX_COST);
    } else {
        char *k = llmobs__span_key(key);
        if (!k)
            st = llmobs__error(LLMOBS_ENOMEM, "out of memory");
        else {
            llmobs__span_count_key(s, k);
            s->cost[s->ncost++] = (llmobs__cost){k, usd};
        }
    }
    obs_unlock(o);
    return st;
}

llmobs_status llmobs_obs_set_prompt(llmobs_obs *o, const char *name, int32_t version)
{
    if (!name || !*name || version < 1)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_set_prompt: empty name or version < 1");
    /* Langfuse keeps a prompt link on GENERATION observations only (canLinkPrompt in its OTel
     * ingestion) and drops it silently on any other type: refuse it here instead. The type
     * never changes after start, so it is read without the lock. */
    if (o && !o->is_generation)
        return llmobs__error(LLMOBS_EUNSUPPORTED,
                             "llmobs_obs_set_prompt: Langfuse links prompts to generations only; "
                             "this observation is not a generation");
    llmobs_status st;
    llmobs__span *s = obs_lock(o, &st, "llmobs_obs_set_prompt");
    if (!s) return st;
    st = span_string(s, &s->prompt_name, name);
    if (st == LLMOBS_OK) s->prompt_version = version;
    obs_unlock(o);
    return st;
}

/* ---- trace setters ----------------------------------------------------------------------- */

/* Locks the trace for an attribute change; NULL with *st set when there is nothing to do. */
static llmobs__trace_attrs *attrs_lock(llmobs_trace *t, llmobs_status *st, const char *fn)
{
    if (!t) {
        *st = llmobs__error(LLMOBS_EINVAL, "%s: NULL trace", fn);
        return NULL;
    }
    *st = LLMOBS_OK;
    llmobs__lock_take(&t->mu);
    if (atomic_load(&t->attrs->refs) > 1) { /* ended spans hold this one: change a copy */
        llmobs__trace_attrs *copy = llmobs__trace_attrs_clone(t->attrs);
        if (!copy) {
            llmobs__lock_release(&t->mu);
            *st = llmobs__error(LLMOBS_ENOMEM, "%s: out of memory", fn);
            return NULL;
        }
        llmobs__trace_attrs_unref(t->attrs);
        t->attrs = copy;
    }
    /* Private now (one reference): it is about to change, so its cached size goes. */
    atomic_store_explicit(&t->attrs->footprint, 0, memory_order_relaxed);
    return t->attrs;
}

/* `borrowed`: the field's flag when it may point at the client's options, else NULL. */
#define TRACE_STRING_SETTER(fn_name, field, borrowed)                                              \
    llmobs_status fn_name(llmobs_trace *t, const char *value)                                      \
    {                                                                                              \
        if (!value) return llmobs__error(LLMOBS_EINVAL, #fn_name ": NULL value");                  \
        llmobs_status st;                                                                          \
        llmobs__trace_attrs *a = attrs_lock(t, &st, #fn_name);                                     \
        if (!a) return st;                                                                         \
        st = llmobs__trace_attrs_set(&a->field, borrowed, value);                                  \
        llmobs__lock_release(&t->mu);                                                              \
        return st;                                                                                 \
    }

TRACE_STRING_SETTER(llmobs_trace_set_feature, feature, NULL)
TRACE_STRING_SETTER(llmobs_trace_set_user_id, user_id, NULL)
TRACE_STRING_SETTER(llmobs_trace_set_session_id, session_id, NULL)
TRACE_STRING_SETTER(llmobs_trace_set_release, release, &a->release_borrowed)
TRACE_STRING_SETTER(llmobs_trace_set_version, version, NULL)

llmobs_status llmobs_trace_set_environment(llmobs_trace *t, const char *value)
{
    if (!value) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_environment: NULL value");
    llmobs_status st = llmobs__check_environment("llmobs_trace_set_environment", value);
    if (st != LLMOBS_OK) return st;
    llmobs__trace_attrs *a = attrs_lock(t, &st, "llmobs_trace_set_environment");
    if (!a) return st;
    st = llmobs__trace_attrs_set(&a->environment, &a->environment_borrowed, value);
    llmobs__lock_release(&t->mu);
    return st;
}

llmobs_status llmobs_trace_add_tag(llmobs_trace *t, const char *tag)
{
    if (!tag || !*tag) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_add_tag: empty tag");
    llmobs_status st;
    llmobs__trace_attrs *a = attrs_lock(t, &st, "llmobs_trace_add_tag");
    if (!a) return st;
    for (size_t i = 0; i < a->ntags; i++)
        if (strcmp(a->tags[i], tag) == 0) goto out; /* tags are a set */
    char **tags = realloc(a->tags, (a->ntags + 1) * sizeof *tags);
    char *copy = strdup(tag);
    if (tags) a->tags = tags;
    if (!tags || !copy) {
        free(copy);
        st = llmobs__error(LLMOBS_ENOMEM, "out of memory");
        goto out;
    }
    a->tags[a->ntags++] = copy;
out:
    llmobs__lock_release(&t->mu);
    return st;
}

llmobs_status llmobs_trace_set_public(llmobs_trace *t, int is_public)
{
    llmobs_status st;
    llmobs__trace_attrs *a = attrs_lock(t, &st, "llmobs_trace_set_public");
    if (!a) return st;
    a->is_public = is_public ? 1 : 0;
    llmobs__lock_release(&t->mu);
    return LLMOBS_OK;
}

llmobs_status llmobs_trace_set_metadata_json(llmobs_trace *t, const char *json)
{
    cJSON *obj = NULL;
    llmobs_status st = parse_object(json, &obj, "llmobs_trace_set_metadata_json");
    if (st != LLMOBS_OK) return st;
    llmobs__trace_attrs *a = attrs_lock(t, &st, "llmobs_trace_set_metadata_json");
    if (!a) {
        cJSON_Delete(obj);
        return st;
    }
    cJSON_Delete(a->metadata);
    a->metadata = obj;
    llmobs__lock_release(&t->mu);
    return LLMOBS_OK;
}

llmobs_status llmobs_trace_set_metadata(llmobs_trace *t, const char *key, const char *value)
{
    if (!key || !value)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_metadata: NULL key or value");
    llmobs_status st;
    llmobs__trace_attrs *a = attrs_lock(t, &st, "llmobs_trace_set_metadata");
    if (!a) return st;
    st = object_put(&a->metadata, key, cJSON_CreateString(value));
    llmobs__lock_release(&t->mu);
    return st;
}

llmobs_status llmobs_trace_set_input(llmobs_trace *t, const char *text)
{
    return t ? llmobs_obs_set_input(&t->root, text)
             : llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_input: NULL trace");
}

llmobs_status llmobs_trace_set_output(llmobs_trace *t, const char *text)
{
    return t ? llmobs_obs_set_output(&t->root, text)
             : llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_output: NULL trace");
}

llmobs_status llmobs_trace_set_input_json(llmobs_trace *t, const char *json)
{
    return t ? llmobs_obs_set_input_json(&t->root, json)
             : llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_input_json: NULL trace");
}

llmobs_status llmobs_trace_set_output_json(llmobs_trace *t, const char *json)
{
    return t ? llmobs_obs_set_output_json(&t->root, json)
             : llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_output_json: NULL trace");
}

llmobs_status llmobs_trace_set_start_time(llmobs_trace *t, int64_t unix_ns)
{
    return t ? llmobs_obs_set_start_time(&t->root, unix_ns)
             : llmobs__error(LLMOBS_EINVAL, "llmobs_trace_set_start_time: NULL trace");
}

/* ---- ids ----------------------------------------------------------------------------------- */

/* An observation's span id. A recorded trace's are drawn at start (its spans carry them); an
 * unrecorded trace's only here, when first asked for (for propagation or logs): nothing else
 * needs them. The id never changes once drawn, so the caller reads it after the lock. */
static const uint8_t *span_id_of(const llmobs_obs *obs)
{
    static const uint8_t none[8] = {0};
    llmobs_obs *o = (llmobs_obs *)(uintptr_t)obs; /* the handle is const to callers only */
    llmobs__lock_take(&o->trace->mu);
    if (memcmp(o->span_id, none, 8) == 0) llmobs__random_id(o->span_id, 8); /* never all zero */
    llmobs__lock_release(&o->trace->mu);
    return o->span_id;
}

static llmobs_status write_hex(const uint8_t *bytes, size_t n, char *buf, size_t cap,
                               const char *fn)
{
    if (!buf) return llmobs__error(LLMOBS_EINVAL, "%s: NULL buffer", fn);
    if (cap < 2 * n + 1)
        return llmobs__error(LLMOBS_ELIMIT, "%s: buffer needs %zu bytes", fn, 2 * n + 1);
    llmobs__hex(bytes, n, buf);
    return LLMOBS_OK;
}

static llmobs_status write_traceparent(const llmobs_trace *t, const uint8_t span_id[8], char *buf,
                                       size_t cap, const char *fn)
{
    if (!buf) return llmobs__error(LLMOBS_EINVAL, "%s: NULL buffer", fn);
    if (cap < 56) return llmobs__error(LLMOBS_ELIMIT, "%s: buffer needs 56 bytes", fn);
    memcpy(buf, "00-", 3);
    llmobs__hex(t->trace_id, 16, buf + 3);
    buf[35] = '-';
    llmobs__hex(span_id, 8, buf + 36);
    memcpy(buf + 52, t->recording ? "-01" : "-00", 4);
    return LLMOBS_OK;
}

llmobs_status llmobs_trace_id(const llmobs_trace *t, char *buf, size_t cap)
{
    if (!t) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_id: NULL trace");
    return write_hex(t->trace_id, 16, buf, cap, "llmobs_trace_id");
}

llmobs_status llmobs_trace_span_id(const llmobs_trace *t, char *buf, size_t cap)
{
    if (!t) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_span_id: NULL trace");
    return write_hex(span_id_of(&t->root), 8, buf, cap, "llmobs_trace_span_id");
}

llmobs_status llmobs_trace_traceparent(const llmobs_trace *t, char *buf, size_t cap)
{
    if (!t) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_traceparent: NULL trace");
    return write_traceparent(t, span_id_of(&t->root), buf, cap, "llmobs_trace_traceparent");
}

int llmobs_trace_is_sampled(const llmobs_trace *t)
{
    return t && t->recording;
}

llmobs_status llmobs_obs_id(const llmobs_obs *o, char *buf, size_t cap)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_id: NULL observation");
    return write_hex(span_id_of(o), 8, buf, cap, "llmobs_obs_id");
}

llmobs_status llmobs_obs_traceparent(const llmobs_obs *o, char *buf, size_t cap)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_traceparent: NULL observation");
    return write_traceparent(o->trace, span_id_of(o), buf, cap, "llmobs_obs_traceparent");
}

/* ---- ending -------------------------------------------------------------------------------- */

/* "A generation ended": the record is built once from the span, priced once, and handed to
 * every observer; the priced cost details go onto a span that is exported. The span is
 * exclusively owned here and no lock is held. */
static void generation_ended(llmobs__tracer *tr, llmobs__span *s, const void *bound, bool exported)
{
    llmobs__generation g;
    llmobs__span_generation(s, &g);
    g.bound = bound;
    if (tr->price) tr->price(tr->price_ud, &g);
    if (exported && g.priced && g.price_known) llmobs__span_attach_cost(s, &g);
    for (size_t i = 0; i < tr->nobservers; i++)
        tr->observers[i].on_generation(tr->observers[i].ud, &g);
}

static llmobs_status obs_end(llmobs_obs *o, int64_t end_ns, const char *fn)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "%s: NULL observation", fn);
    if (end_ns < 0) return llmobs__error(LLMOBS_EINVAL, "%s: negative end time", fn);
    llmobs_trace *t = o->trace;
    bool is_root = o == &t->root;
    llmobs__lock_take(&t->mu);
    if (o->ended) {
        llmobs__lock_release(&t->mu);
        return llmobs__error(LLMOBS_ESTATE, "%s: already ended", fn);
    }
    o->ended = true;
    llmobs__span *s = o->rec;
    o->rec = NULL;
    llmobs_status st = LLMOBS_OK;
    if (s) {
        s->end_ns = s->type == LLMOBS_OBS_EVENT ? s->start_ns : end_ns ? end_ns : llmobs__wall_ns();
        if (s->end_ns < s->start_ns) s->end_ns = s->start_ns;
        atomic_fetch_add(&t->attrs->refs, 1);
        s->trace = t->attrs;
    }
    if (!is_root) t->open--;
    bool finished = t->root.ended && t->open == 0 && t->pins == 0;
    /* Read before unlocking: once unlocked, another thread may finish and free the trace,
     * and drop the trace's reference on the client (the last one after llmobs_shutdown):
     * this call takes its own reference while the trace's still holds. */
    llmobs__tracer *tr = t->tracer;
    llmobs__tracer_hold(tr);
    llmobs_drop_reason not_recorded = t->drop_reason;
    bool metrics_only = o->metrics_only;
    void *inflight = o->inflight;
    const void *bound = o->bound;
    llmobs__lock_release(&t->mu);

    if (inflight) tr->inflight_down(tr->inflight_ud, inflight);
    if (s && st == LLMOBS_OK && s->type == LLMOBS_OBS_GENERATION)
        generation_ended(tr, s, bound, !metrics_only);
    if (!s || metrics_only) {
        llmobs__span_free(s);
        tr->count_dropped(tr->sink_ud, not_recorded, 1);
    } else if (st != LLMOBS_OK) {
        llmobs__span_free(s);
        tr->count_dropped(tr->sink_ud, LLMOBS_DROP_INVALID, 1);
    } else {
        tr->enqueue(tr->sink_ud, &s->hdr);
    }
    if (finished) {
        trace_free(t);
        llmobs__tracer_release(tr); /* the trace's */
    }
    llmobs__tracer_release(tr); /* this call's */
    return st;
}

llmobs_status llmobs_obs_end(llmobs_obs *o)
{
    return obs_end(o, 0, "llmobs_obs_end");
}

llmobs_status llmobs_obs_end_at(llmobs_obs *o, int64_t end_unix_ns)
{
    if (end_unix_ns <= 0)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_obs_end_at: time must be > 0");
    return obs_end(o, end_unix_ns, "llmobs_obs_end_at");
}

llmobs_status llmobs_trace_end(llmobs_trace *t)
{
    if (!t) return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_end: NULL trace");
    return obs_end(&t->root, 0, "llmobs_trace_end");
}

llmobs_status llmobs_trace_end_at(llmobs_trace *t, int64_t end_unix_ns)
{
    if (!t || end_unix_ns <= 0)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_trace_end_at: NULL trace or time <= 0");
    return obs_end(&t->root, end_unix_ns, "llmobs_trace_end_at");
}
