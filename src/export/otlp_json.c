/* OTLP/HTTP JSON serialization of a batch of spans (ExportTraceServiceRequest), with the
 * langfuse.* attributes Langfuse maps and the OpenTelemetry GenAI gen_ai.* attributes.
 * Runs on the flusher thread only. Rules: hex ids, int64 as decimal strings, enums as
 * integers, attributes as arrays of {key, value}, structured values as JSON strings. */
#include "export/otlp_json.h"
#include "core/json_valid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A string literal, without strlen. */
#define PUT_LIT(b, lit) llmobs__buf_append((b), (lit), sizeof(lit) - 1)

#define MASK_FAILED "<fully masked due to failed mask function>"

typedef struct {
    llmobs__buf *b;
    bool first;
} attr_list;

/* An attribute's key: a literal one is appended as the ready-made text `lit` (LIT_KEY: our own
 * keys, which need no escaping), any other as a JSON string (DYN_KEY). */
#define LIT_KEY(k)                                                                                 \
    NULL, "{\"key\":\"" k "\",\"value\":", sizeof("{\"key\":\"" k "\",\"value\":") - 1
#define DYN_KEY(k) (k), NULL, 0

/* The attribute helpers below are inlined where they are called, so that a literal key's
 * length is a constant there and its text is copied with a few moves: a span has about 15
 * attributes, and the copy of a length only known at run time cost as much as the rest. */
#define ATTR_INLINE static inline __attribute__((always_inline))

/* A dynamic key, out of line: rare, and apart so that no inlined copy of it sees key NULL. */
static __attribute__((noinline)) void attr_dyn_key(llmobs__buf *b, const char *key)
{
    PUT_LIT(b, "{\"key\":");
    llmobs__buf_json_string(b, key, strlen(key));
    PUT_LIT(b, ",\"value\":");
}

ATTR_INLINE void attr_key(attr_list *l, const char *key, const char *lit, size_t litlen)
{
    if (!l->first) llmobs__buf_putc(l->b, ',');
    l->first = false;
    if (lit)
        llmobs__buf_append(l->b, lit, litlen);
    else
        attr_dyn_key(l->b, key);
}

ATTR_INLINE void attr_strn(attr_list *l, const char *key, const char *lit, size_t litlen,
                           const char *v, size_t len)
{
    attr_key(l, key, lit, litlen);
    PUT_LIT(l->b, "{\"stringValue\":");
    llmobs__buf_json_string(l->b, v, len);
    PUT_LIT(l->b, "}}");
}

ATTR_INLINE void attr_str(attr_list *l, const char *key, const char *lit, size_t litlen,
                          const char *v)
{
    if (v) attr_strn(l, key, lit, litlen, v, strlen(v));
}

ATTR_INLINE void attr_int(attr_list *l, const char *key, const char *lit, size_t litlen, int64_t v)
{
    attr_key(l, key, lit, litlen);
    PUT_LIT(l->b, "{\"intValue\":");
    llmobs__buf_json_int64_string(l->b, v);
    PUT_LIT(l->b, "}}");
}

static void attr_double(attr_list *l, const char *key, const char *lit, size_t litlen, double v)
{
    if (!isfinite(v)) return; /* NaN/Inf carry no information for a backend */
    attr_key(l, key, lit, litlen);
    PUT_LIT(l->b, "{\"doubleValue\":");
    llmobs__buf_json_double(l->b, v);
    PUT_LIT(l->b, "}}");
}

ATTR_INLINE void attr_bool(attr_list *l, const char *key, const char *lit, size_t litlen, bool v)
{
    attr_key(l, key, lit, litlen);
    llmobs__buf_puts(l->b, v ? "{\"boolValue\":true}}" : "{\"boolValue\":false}}");
}

/* A cJSON tree as a JSON-string attribute (Langfuse does not decode kvlistValue). */
static void attr_cjson(attr_list *l, const char *key, const char *lit, size_t litlen,
                       const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    if (!text) {
        l->b->oom = true;
        return;
    }
    attr_str(l, key, lit, litlen, text);
    free(text);
}

/* Runs the user's mask on JSON text. Returns malloc'd JSON text, or NULL on out of memory. */
static char *apply_mask(const llmobs__serializer *ser, const char *field, const char *json)
{
    size_t cap = strlen(json) + 64;
    for (int attempt = 0; attempt < 3; attempt++) {
        char *out = malloc(cap + 1);
        if (!out) return NULL;
        size_t len = 0;
        int rc = ser->mask_fn(field, json, out, cap + 1, &len, ser->mask_ud);
        if (rc == 0 && len <= cap) {
            out[len] = '\0';
            /* strict: JSON followed by anything else is text, not JSON */
            cJSON *parsed = cJSON_ParseWithOpts(out, NULL, 1);
            if (parsed) { /* the mask returned JSON: use it as is */
                cJSON_Delete(parsed);
                return out;
            }
            llmobs__buf b = {0}; /* plain text: send it as a JSON string */
            llmobs__buf_json_string(&b, out, len);
            free(out);
            return b.oom ? NULL : b.data;
        }
        free(out);
        if (rc != 1 || len <= cap) break;
        cap = len;
    }
    llmobs__buf b = {0};
    llmobs__buf_puts(&b, "\"" MASK_FAILED "\"");
    return b.oom ? NULL : b.data;
}

/* Input/output as JSON text: plain text becomes a JSON string, then the mask runs. */
static void attr_io(attr_list *l, const llmobs__serializer *ser, const char *key, const char *lit,
                    size_t litlen, const char *field, const llmobs__span_text *text, bool is_json)
{
    const char *value = text->s;
    size_t len = text->len;
    if (!value) return;
    if (!ser->mask_fn) { /* no copy: straight into the request */
        attr_key(l, key, lit, litlen);
        PUT_LIT(l->b, "{\"stringValue\":");
        if (is_json)
            llmobs__buf_json_string(l->b, value, len);
        else /* text: the JSON string of its JSON string */
            llmobs__buf_json_string_twice(l->b, value, len);
        PUT_LIT(l->b, "}}");
        return;
    }
    llmobs__buf json = {0};
    if (is_json)
        llmobs__buf_append(&json, value, len);
    else
        llmobs__buf_json_string(&json, value, len);
    char *masked = json.oom ? NULL : apply_mask(ser, field, json.data);
    llmobs__buf_free(&json);
    if (!masked) {
        l->b->oom = true;
        return;
    }
    attr_str(l, key, lit, litlen, masked);
    free(masked);
}

/* Metadata as a JSON object string. Langfuse keeps metadata only when it parses as a JSON
 * object and drops it whole otherwise (parseMetadataAttribute; a metadata_dropped metric), so
 * whatever the mask returns that is not an object (plain text, an array, a number, the
 * failed-mask marker) goes out wrapped as {"value": <it>}. */
static void attr_metadata(attr_list *l, const llmobs__serializer *ser, const char *key,
                          const char *lit, size_t litlen, const cJSON *metadata)
{
    if (!metadata) return;
    if (!ser->mask_fn) { /* an object as printed: no mask, no copy */
        attr_cjson(l, key, lit, litlen, metadata);
        return;
    }
    char *text = cJSON_PrintUnformatted(metadata);
    char *masked = text ? apply_mask(ser, "metadata", text) : NULL;
    free(text);
    if (!masked) {
        l->b->oom = true;
        return;
    }
    cJSON *parsed = cJSON_ParseWithOpts(masked, NULL, 1);
    if (cJSON_IsObject(parsed)) {
        attr_str(l, key, lit, litlen, masked);
    } else {
        llmobs__buf w = {0};
        PUT_LIT(&w, "{\"value\":");
        llmobs__buf_puts(&w, masked);
        llmobs__buf_putc(&w, '}');
        if (w.oom)
            l->b->oom = true;
        else
            attr_strn(l, key, lit, litlen, w.data, w.len);
        llmobs__buf_free(&w);
    }
    cJSON_Delete(parsed);
    free(masked);
}

void llmobs__iso8601(int64_t unix_ns, char out[32])
{
    time_t secs = (time_t)(unix_ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06dZ", (int)(unix_ns % 1000000000 / 1000));
}

static const char *const level_names[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR"};

static const char *genai_operation(llmobs_obs_type type)
{
    switch (type) {
    case LLMOBS_OBS_GENERATION:
        return "chat";
    case LLMOBS_OBS_EMBEDDING:
        return "embeddings";
    case LLMOBS_OBS_AGENT:
        return "invoke_agent";
    case LLMOBS_OBS_TOOL:
        return "execute_tool";
    default:
        return NULL;
    }
}

static void trace_attributes(attr_list *l, const llmobs__serializer *ser, const llmobs__span *s)
{
    const llmobs__trace_attrs *t = s->trace;
    if (!t) return;
    attr_str(l, LIT_KEY("langfuse.trace.name"), t->name);
    attr_str(l, LIT_KEY("user.id"), t->user_id);
    attr_str(l, LIT_KEY("session.id"), t->session_id);
    attr_str(l, LIT_KEY("langfuse.release"), t->release);
    attr_str(l, LIT_KEY("langfuse.version"), t->version);
    attr_str(l, LIT_KEY("langfuse.environment"), t->environment);
    if (t->is_public >= 0) attr_bool(l, LIT_KEY("langfuse.trace.public"), t->is_public == 1);
    if (t->ntags) {
        attr_key(l, LIT_KEY("langfuse.trace.tags"));
        PUT_LIT(l->b, "{\"arrayValue\":{\"values\":[");
        for (size_t i = 0; i < t->ntags; i++) {
            llmobs__buf_puts(l->b, i ? ",{\"stringValue\":" : "{\"stringValue\":");
            llmobs__buf_json_string(l->b, t->tags[i], strlen(t->tags[i]));
            llmobs__buf_putc(l->b, '}');
        }
        PUT_LIT(l->b, "]}}}");
    }
    attr_metadata(l, ser, LIT_KEY("langfuse.trace.metadata"), t->metadata);
}

/* The token kind (LLMOBS_PRICE_*) of a usage key, or -1. The Langfuse names are the shared
 * static strings (llmobs__span_key), found by address without a strcmp; the names compared
 * too, for a key that is a copy. */
static int usage_kind(const char *key)
{
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (key == llmobs__usage_keys[k]) return k;
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        if (strcmp(key, llmobs__usage_keys[k]) == 0) return k;
    return -1;
}

/* Usage and cost details: a JSON object that Langfuse reads from a string attribute
 * ({"stringValue":"{\"input\":52,\"total\":99}"}), written straight into the request: the
 * keys escaped twice, the numbers as they are (digits, '.', 'e' and '-' need no escaping). */
ATTR_INLINE void details_begin(attr_list *l, const char *key, const char *lit, size_t litlen)
{
    attr_key(l, key, lit, litlen);
    PUT_LIT(l->b, "{\"stringValue\":\"{");
}

static void details_key(llmobs__buf *b, bool first, const char *key)
{
    if (!first) llmobs__buf_putc(b, ',');
    PUT_LIT(b, "\\\"");
    llmobs__buf_json_escape_twice(b, key, strlen(key));
    PUT_LIT(b, "\\\":");
}

/* Every cost is finite (its setter and the price tables check): null only keeps the text JSON
 * if one ever were not (llmobs__buf_json_double writes those as quoted strings). */
static void details_double(llmobs__buf *b, double v)
{
    if (isfinite(v))
        llmobs__buf_json_double(b, v);
    else
        PUT_LIT(b, "null");
}

ATTR_INLINE void details_end(attr_list *l)
{
    PUT_LIT(l->b, "}\"}}");
}

static void usage_attributes(attr_list *l, const llmobs__span *s)
{
    if (!s->nusage) return;
    int64_t total = -1, sum = 0;
    int64_t tokens[LLMOBS__TOKEN_KINDS]; /* as llmobs__span_usage: the first value, -1 if none */
    for (int k = 0; k < LLMOBS__TOKEN_KINDS; k++)
        tokens[k] = -1;
    details_begin(l, LIT_KEY("langfuse.observation.usage_details"));
    for (size_t i = 0; i < s->nusage; i++) {
        int k = usage_kind(s->usage[i].key);
        if (k >= 0) { /* a Langfuse bucket: neither "total" nor provider-style */
            sum += s->usage[i].value;
            if (tokens[k] < 0) tokens[k] = s->usage[i].value;
        } else if (strcmp(s->usage[i].key, LLMOBS_USAGE_TOTAL) == 0) {
            total = s->usage[i].value;
        } else if (!llmobs__usage_key_is_provider_style(s->usage[i].key)) {
            sum += s->usage[i].value; /* provider-style keys repeat the buckets: no double */
        }
        details_key(l->b, i == 0, s->usage[i].key);
        llmobs__buf_int64(l->b, s->usage[i].value);
    }
    if (total < 0) {
        details_key(l->b, false, LLMOBS_USAGE_TOTAL);
        llmobs__buf_int64(l->b, sum);
    }
    details_end(l);

    /* Semantic-convention view: input_tokens includes cached input, output_tokens includes
     * reasoning (genai-semconv); Langfuse uses usage_details above instead. */
    int64_t in = tokens[LLMOBS_PRICE_INPUT], out = tokens[LLMOBS_PRICE_OUTPUT];
    int64_t cr = tokens[LLMOBS_PRICE_CACHE_READ], cw = tokens[LLMOBS_PRICE_CACHE_WRITE];
    int64_t rs = tokens[LLMOBS_PRICE_REASONING];
    if (in >= 0 || cr >= 0 || cw >= 0)
        attr_int(l, LIT_KEY("gen_ai.usage.input_tokens"),
                 (in > 0 ? in : 0) + (cr > 0 ? cr : 0) + (cw > 0 ? cw : 0));
    if (out >= 0 || rs >= 0)
        attr_int(l, LIT_KEY("gen_ai.usage.output_tokens"), (out > 0 ? out : 0) + (rs > 0 ? rs : 0));
    if (cr >= 0) attr_int(l, LIT_KEY("gen_ai.usage.cache_read.input_tokens"), cr);
    if (cw >= 0) attr_int(l, LIT_KEY("gen_ai.usage.cache_creation.input_tokens"), cw);
    if (rs >= 0) attr_int(l, LIT_KEY("gen_ai.usage.reasoning.output_tokens"), rs);
}

/* Any cost detail sent makes Langfuse skip its own and the project's custom model prices for
 * the observation (IngestionService); send_cost=false leaves cost to Langfuse. */
static void cost_attributes(attr_list *l, const llmobs__serializer *ser, const llmobs__span *s)
{
    if (!s->ncost || !ser->send_cost) return;
    bool has_total = false;
    double sum = 0;
    details_begin(l, LIT_KEY("langfuse.observation.cost_details"));
    for (size_t i = 0; i < s->ncost; i++) {
        if (strcmp(s->cost[i].key, "total") == 0)
            has_total = true;
        else
            sum += s->cost[i].usd;
        details_key(l->b, i == 0, s->cost[i].key);
        details_double(l->b, s->cost[i].usd);
    }
    if (!has_total) {
        details_key(l->b, false, "total");
        details_double(l->b, sum);
    }
    details_end(l);
}

/* Parameters the GenAI semantic conventions type as int (genai-semconv: max_tokens, seed,
 * choice.count). Every other numeric gen_ai.request.<param> is a double (temperature, top_p,
 * top_k as in semconv v1.41.1, frequency_penalty, presence_penalty, and unknown ones), so a
 * key keeps one type whatever its value: temperature 1 is doubleValue 1, not intValue "1". */
static bool int_parameter(const char *name)
{
    static const char *const ints[] = {"max_tokens", "seed", "choice.count"};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        if (strcmp(name, ints[i]) == 0) return true;
    return false;
}

static void model_parameter_attributes(attr_list *l, const cJSON *params)
{
    if (!params) return;
    attr_cjson(l, LIT_KEY("langfuse.observation.model.parameters"), params);
    char key[160];
    for (const cJSON *p = params->child; p; p = p->next) {
        if (!p->string) continue;
        snprintf(key, sizeof key, "gen_ai.request.%s", p->string);
        if (cJSON_IsNumber(p)) {
            double v = p->valuedouble;
            if (!int_parameter(p->string))
                attr_double(l, DYN_KEY(key), v);
            else if (v == floor(v) && fabs(v) < 9e15)
                attr_int(l, DYN_KEY(key), (int64_t)v);
            /* a fractional max_tokens has no int form: only model.parameters carries it */
        } else if (cJSON_IsString(p)) {
            attr_str(l, DYN_KEY(key), p->valuestring);
        } else if (cJSON_IsBool(p)) {
            attr_bool(l, DYN_KEY(key), cJSON_IsTrue(p));
        } else if (cJSON_IsArray(p)) {
            /* string[] (stop_sequences); an array holding anything else has no AnyValue type
             * the conventions define, so only model.parameters carries it */
            bool strings = true;
            for (const cJSON *e = p->child; e && strings; e = e->next)
                strings = cJSON_IsString(e);
            if (!strings) continue;
            attr_key(l, DYN_KEY(key));
            PUT_LIT(l->b, "{\"arrayValue\":{\"values\":[");
            for (const cJSON *e = p->child; e; e = e->next) {
                llmobs__buf_puts(l->b, e == p->child ? "{\"stringValue\":" : ",{\"stringValue\":");
                llmobs__buf_json_string(l->b, e->valuestring, strlen(e->valuestring));
                llmobs__buf_putc(l->b, '}');
            }
            PUT_LIT(l->b, "]}}}");
        }
    }
}

static void span_json(llmobs__buf *b, const llmobs__serializer *ser, const llmobs__span *s)
{
    bool client_kind = s->type == LLMOBS_OBS_GENERATION || s->type == LLMOBS_OBS_EMBEDDING;
    PUT_LIT(b, "{\"traceId\":\"");
    llmobs__buf_hex(b, s->trace_id, 16);
    PUT_LIT(b, "\",\"spanId\":\"");
    llmobs__buf_hex(b, s->span_id, 8);
    llmobs__buf_putc(b, '"');
    if (s->has_parent) {
        PUT_LIT(b, ",\"parentSpanId\":\"");
        llmobs__buf_hex(b, s->parent_id, 8);
        llmobs__buf_putc(b, '"');
    }
    PUT_LIT(b, ",\"name\":");
    llmobs__buf_json_string(b, s->name, strlen(s->name));
    llmobs__buf_puts(b, client_kind ? ",\"kind\":3,\"startTimeUnixNano\":"
                                    : ",\"kind\":1,\"startTimeUnixNano\":");
    llmobs__buf_json_int64_string(b, s->start_ns);
    PUT_LIT(b, ",\"endTimeUnixNano\":");
    llmobs__buf_json_int64_string(b, s->end_ns);

    PUT_LIT(b, ",\"attributes\":[");
    attr_list l = {b, true};
    attr_str(&l, LIT_KEY("langfuse.observation.type"), llmobs_obs_type_name(s->type));
    if (s->is_root) {
        /* Every local root, also one continued from a remote parent (which keeps that
         * parentSpanId: docs/decisions.md). Langfuse v4 takes an observation as its trace's
         * root when parent_span_id is empty OR it has is_app_root (events table:
         * parent_span_id = '' OR is_app_root = true), read from the boolean attribute
         * langfuse.internal.is_app_root; the legacy path reads langfuse.internal.as_root. */
        attr_bool(&l, LIT_KEY("langfuse.internal.is_app_root"), true);
        attr_bool(&l, LIT_KEY("langfuse.internal.as_root"), true);
    }
    trace_attributes(&l, ser, s);
    attr_io(&l, ser, LIT_KEY("langfuse.observation.input"), "input", &s->input, s->input_is_json);
    attr_io(&l, ser, LIT_KEY("langfuse.observation.output"), "output", &s->output,
            s->output_is_json);
    attr_metadata(&l, ser, LIT_KEY("langfuse.observation.metadata"), s->metadata);
    if (s->level != LLMOBS_LEVEL_DEFAULT)
        attr_str(&l, LIT_KEY("langfuse.observation.level"), level_names[s->level & 3]);
    attr_str(&l, LIT_KEY("langfuse.observation.status_message"), s->status_message);
    /* gen_ai.* go to generic OTLP backends; the Langfuse destination leaves them out
     * (otlp_view.h): invoke_agent there would strip an agent's model, usage and cost. */
    attr_str(&l, LIT_KEY("gen_ai.operation.name"), genai_operation(s->type));
    attr_str(&l, LIT_KEY("gen_ai.provider.name"), s->provider);
    attr_str(&l, LIT_KEY("langfuse.observation.model.name"), s->model);
    attr_str(&l, LIT_KEY("gen_ai.request.model"), s->model);
    model_parameter_attributes(&l, s->model_params);
    usage_attributes(&l, s);
    cost_attributes(&l, ser, s);
    if (s->completion_start_ns > 0) {
        char iso[32];
        llmobs__iso8601(s->completion_start_ns, iso);
        attr_str(&l, LIT_KEY("langfuse.observation.completion_start_time"), iso);
        attr_double(&l, LIT_KEY("gen_ai.response.time_to_first_chunk"),
                    (double)(s->completion_start_ns - s->start_ns) / 1e9);
    }
    if (s->prompt_name) {
        attr_str(&l, LIT_KEY("langfuse.observation.prompt.name"), s->prompt_name);
        attr_int(&l, LIT_KEY("langfuse.observation.prompt.version"), s->prompt_version);
    }
    for (const cJSON *a = s->attributes ? s->attributes->child : NULL; a; a = a->next)
        if (cJSON_IsString(a)) attr_str(&l, DYN_KEY(a->string), a->valuestring);
    llmobs__buf_putc(b, ']');

    if (s->level == LLMOBS_LEVEL_ERROR) {
        PUT_LIT(b, ",\"status\":{\"code\":2");
        if (s->status_message) {
            PUT_LIT(b, ",\"message\":");
            llmobs__buf_json_string(b, s->status_message, strlen(s->status_message));
        }
        llmobs__buf_putc(b, '}');
    }
    llmobs__buf_putc(b, '}');
}

/* Input and output marked JSON are checked here, on the flusher, not by the setters: text that
 * does not parse goes out as a JSON string (nothing is lost) and is reported once. */
static void check_json_payloads(const llmobs__serializer *ser, llmobs__span *s)
{
    struct {
        const llmobs__span_text *text;
        bool *is_json;
        const char *field;
    } io[] = {{&s->input, &s->input_is_json, "input"}, {&s->output, &s->output_is_json, "output"}};
    for (size_t i = 0; i < 2; i++) {
        if (!*io[i].is_json || !io[i].text->s || llmobs__json_valid(io[i].text->s, io[i].text->len))
            continue;
        *io[i].is_json = false;
        if (ser->invalid_json) ser->invalid_json(ser->invalid_json_ud, io[i].field);
    }
}

void llmobs__otlp_begin(const llmobs__serializer *ser, llmobs__buf *b)
{
    PUT_LIT(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    attr_list l = {b, true};
    attr_str(&l, LIT_KEY("service.name"), ser->service_name);
    attr_str(&l, LIT_KEY("telemetry.sdk.name"), "llmobs");
    attr_str(&l, LIT_KEY("telemetry.sdk.language"), "c");
    attr_str(&l, LIT_KEY("telemetry.sdk.version"), LLMOBS_VERSION_STRING);
    llmobs__buf_puts(
        b, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"llmobs\",\"version\":\"" LLMOBS_VERSION_STRING
           "\"},\"spans\":[");
}

void llmobs__otlp_span(const llmobs__serializer *ser, llmobs__span *s, bool first, llmobs__buf *b)
{
    check_json_payloads(ser, s);
    if (!first) llmobs__buf_putc(b, ',');
    span_json(b, ser, s);
}

void llmobs__otlp_end(llmobs__buf *b)
{
    llmobs__buf_append(b, LLMOBS__OTLP_END, LLMOBS__OTLP_END_LEN);
}

void llmobs__otlp_serialize(const llmobs__serializer *ser, llmobs__span *const *spans, size_t n,
                            llmobs__buf *b)
{
    llmobs__otlp_begin(ser, b);
    for (size_t i = 0; i < n; i++)
        llmobs__otlp_span(ser, spans[i], i == 0, b);
    llmobs__otlp_end(b);
}
