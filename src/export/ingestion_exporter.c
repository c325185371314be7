/* The legacy Langfuse exporter (exporter=langfuse-ingestion), for self-hosted Langfuse v2/v3
 * servers without the OTel endpoint: each batch of spans the pipeline serialized as OTLP JSON
 * is turned back into complete ingestion events (reference/langfuse-ingestion.md), one
 * `<type>-create` per observation plus a `trace-create` for each root, and a score becomes
 * one `score-create`. Events go to {base_url}/api/public/ingestion in size-capped batches.
 *
 * Every 207 reply is read per event. The exporter keeps, for the payload in hand, the state
 * of each of its events; when the pipeline retries the same payload only the events still
 * pending are sent again, under the same event ids (derived from the span ids, so the server
 * deduplicates a re-sent event). The payload's outcome: RETRY while an event is retryable,
 * with each item's state so far (accepted, refused, unsettled) for a pipeline that gives up on
 * it; else SENT with `rejected` = items (spans, scores) with at least one rejected event.
 * States learned before a 413 carry over to the parts the pipeline sends instead (halves, or
 * the one span truncated), so no accepted event is sent again. */
#include "core/clock.h"
#include "core/error.h"
#include "export/exporter.h"
#include "export/http.h"
#include "export/http_util.h"
#include "export/otlp_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Batch sizes are limited to 3.5 MB in total" (openapi.yml); max_batch_bytes may lower it. */
#define MAX_REQUEST_BYTES 3500000u
/* No server limit is known for one event; the Langfuse SDKs cap it at 1,000,000 bytes. */
#define MAX_EVENT_BYTES 1000000u
/* Room for `],"metadata":{...}}` after the events of a request. */
#define REQUEST_OVERHEAD 512u

typedef enum ev_state {
    EV_PENDING = 0, /* not yet accepted or refused */
    EV_DONE,        /* accepted (201) */
    EV_REJECTED     /* refused for good (per-event 4xx, too large, whole-request 4xx) */
} ev_state;

typedef struct event {
    char *id;   /* envelope id, stable for the payload */
    char *json; /* the whole envelope */
    size_t len;
    const char *type; /* static string */
    uint32_t item;    /* which span or score of the payload */
    ev_state state;
    bool tried; /* sent during the current send() call */
} event;

/* States of events settled before the pipeline split their payload after a 413: its parts
 * carry the same events (same ids), which must not be sent again. */
typedef struct carried {
    char *id;
    ev_state state;
} carried;

typedef struct ingestion_exporter {
    llmobs__http *http;
    llmobs__logger log;
    char *url;
    char *display_url;
    char *public_key;
    struct curl_slist *headers;
    int64_t timeout_ms;
    size_t max_request_bytes, max_event_bytes;
    /* the current payload: a retry passes the same bytes again */
    uint64_t cur_id; /* the payload in hand (llmobs__payload.id); a retry has the same id */
    bool have_cur;
    event *ev;
    size_t nev, evcap;
    uint32_t items;
    uint8_t *item_state; /* llmobs__item_state of each item, for a RETRY result */
    size_t item_cap;
    char invalid[200]; /* non-empty: the payload could not be converted */
    carried *carry;
    size_t ncarry, carrycap;
} ingestion_exporter;

/* ---- reading OTLP JSON spans ---------------------------------------------------------------- */

static const cJSON *attr(const cJSON *span, const char *key)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(span, "attributes"))
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "key");
        if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
            return cJSON_GetObjectItemCaseSensitive(a, "value");
    }
    return NULL;
}

static const char *attr_str(const cJSON *span, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(attr(span, key), "stringValue");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first of two keys that is set (preferred key first). */
static const char *attr_str2(const cJSON *span, const char *a, const char *b)
{
    const char *v = attr_str(span, a);
    return v ? v : attr_str(span, b);
}

static bool attr_bool(const cJSON *span, const char *key, bool *out)
{
    const cJSON *v = attr(span, key);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(v, "boolValue");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "stringValue");
    if (cJSON_IsBool(b))
        *out = cJSON_IsTrue(b);
    else if (cJSON_IsString(s))
        *out = strcmp(s->valuestring, "true") == 0;
    else
        return false;
    return true;
}

/* An int64 given as a decimal string (OTLP JSON) or a number. */
static bool int_value(const cJSON *v, int64_t *out)
{
    if (cJSON_IsNumber(v)) {
        *out = (int64_t)v->valuedouble;
        return true;
    }
    if (!cJSON_IsString(v) || !*v->valuestring) return false;
    char *end;
    long long n = strtoll(v->valuestring, &end, 10);
    if (*end) return false;
    *out = n;
    return true;
}

static bool attr_int(const cJSON *span, const char *key, int64_t *out)
{
    return int_value(cJSON_GetObjectItemCaseSensitive(attr(span, key), "intValue"), out);
}

/* A JSON-string attribute decoded; text that is not JSON stays a string. NULL when unset. */
static cJSON *attr_json(const cJSON *span, const char *key)
{
    const char *s = attr_str(span, key);
    if (!s) return NULL;
    cJSON *j = cJSON_Parse(s);
    return j ? j : cJSON_CreateString(s);
}

/* A nanosecond timestamp as ISO-8601 UTC with an offset ("Z"). */
static bool nanos_iso(const cJSON *v, char out[32])
{
    int64_t ns;
    if (!int_value(v, &ns) || ns < 0) return false;
    llmobs__iso8601(ns, out);
    return true;
}

/* ---- building event bodies ------------------------------------------------------------------ */

/* Observation types and the IngestionEvent they become. The OpenAPI union has span-create,
 * generation-create and event-create only (agent-create, tool-create, ... exist on the server
 * but not in the published schema), so the other types use the body that carries their data
 * and record the type in metadata.observation_type. */
static const struct {
    const char *type, *event;
} type_map[] = {
    {"span", "span-create"},
    {"generation", "generation-create"},
    {"event", "event-create"},
    {"agent", "span-create"},
    {"tool", "span-create"},
    {"chain", "span-create"},
    {"retriever", "span-create"},
    {"guardrail", "span-create"},
    {"embedding", "generation-create"},
    {"evaluator", "generation-create"},
};

static const char *event_type_for(const char *obs_type, bool has_generation_fields)
{
    const char *ev = "span-create";
    for (size_t i = 0; obs_type && i < sizeof type_map / sizeof *type_map; i++)
        if (strcmp(obs_type, type_map[i].type) == 0) ev = type_map[i].event;
    /* A span-typed observation that carries model, usage or cost data would lose it in a
     * span-create body, which has no such fields. */
    if (strcmp(ev, "span-create") == 0 && has_generation_fields) ev = "generation-create";
    return ev;
}

static bool is_native_type(const char *obs_type)
{
    return !obs_type || strcmp(obs_type, "span") == 0 || strcmp(obs_type, "generation") == 0 ||
           strcmp(obs_type, "event") == 0;
}

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v) cJSON_AddStringToObject(o, key, v);
}

static void add_json(cJSON *o, const char *key, cJSON *v)
{
    if (v) cJSON_AddItemToObject(o, key, v);
}

/* modelParameters values must be string, number, boolean or string[] (MapValue). */
static cJSON *model_parameters(const cJSON *span)
{
    cJSON *in = attr_json(span, "langfuse.observation.model.parameters");
    if (!cJSON_IsObject(in)) {
        cJSON_Delete(in);
        return NULL;
    }
    cJSON *out = cJSON_CreateObject();
    for (cJSON *p = in->child; p; p = p->next) {
        bool strings = cJSON_IsArray(p);
        const cJSON *e;
        cJSON_ArrayForEach(e, p) strings = strings && cJSON_IsString(e);
        if (cJSON_IsString(p) || cJSON_IsNumber(p) || cJSON_IsBool(p) || strings) {
            cJSON_AddItemToObject(out, p->string, cJSON_Duplicate(p, true));
        } else if (!cJSON_IsNull(p)) {
            char *text = cJSON_PrintUnformatted(p);
            if (text) cJSON_AddStringToObject(out, p->string, text);
            free(text);
        }
    }
    cJSON_Delete(in);
    return out;
}

/* usageDetails: non-negative integers; costDetails: non-negative numbers (others dropped, as
 * the server would drop them). */
static cJSON *numeric_map(const cJSON *span, const char *key, bool integers)
{
    cJSON *in = attr_json(span, key);
    if (!cJSON_IsObject(in)) {
        cJSON_Delete(in);
        return NULL;
    }
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *p = in->child; p; p = p->next) {
        if (!cJSON_IsNumber(p) || !isfinite(p->valuedouble) || p->valuedouble < 0) continue;
        if (integers && p->valuedouble != floor(p->valuedouble)) continue;
        cJSON_AddNumberToObject(out, p->string, p->valuedouble);
    }
    cJSON_Delete(in);
    return out;
}

static bool has_offset(const char *iso)
{
    size_t n = strlen(iso);
    if (n > 0 && (iso[n - 1] == 'Z' || iso[n - 1] == 'z')) return true;
    return n > 6 && (iso[n - 6] == '+' || iso[n - 6] == '-') && iso[n - 3] == ':';
}

static const char *const levels[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR"};

static const char *level_of(const cJSON *span, const cJSON *status)
{
    const char *l = attr_str(span, "langfuse.observation.level");
    for (size_t i = 0; l && i < 4; i++)
        if (strcmp(l, levels[i]) == 0) return levels[i];
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(status, "code");
    return cJSON_IsNumber(code) && code->valueint == 2 ? "ERROR" : NULL;
}

/* ---- the events of a payload ---------------------------------------------------------------- */

static void events_clear(ingestion_exporter *x)
{
    for (size_t i = 0; i < x->nev; i++) {
        free(x->ev[i].id);
        free(x->ev[i].json);
    }
    x->nev = 0;
    x->items = 0;
    x->invalid[0] = '\0';
}

/* Serializes one envelope (takes `body`) and appends it. False on out of memory. */
static bool add_event(ingestion_exporter *x, const char *type, const char *id_a, const char *id_b,
                      const char *timestamp, cJSON *body, uint32_t item)
{
    if (x->nev == x->evcap) {
        size_t cap = x->evcap ? x->evcap * 2 : 64;
        event *ev = realloc(x->ev, cap * sizeof *ev);
        if (!ev) {
            cJSON_Delete(body);
            return false;
        }
        x->ev = ev;
        x->evcap = cap;
    }
    size_t idlen = strlen(id_a) + strlen(id_b) + strlen(type) + 3;
    char *id = malloc(idlen);
    if (id) {
        if (*id_b)
            snprintf(id, idlen, "%s-%s-%s", id_a, id_b, type);
        else
            snprintf(id, idlen, "%s-%s", id_a, type);
    }
    cJSON *env = cJSON_CreateObject();
    if (env && id) {
        cJSON_AddStringToObject(env, "id", id);
        cJSON_AddStringToObject(env, "type", type);
        cJSON_AddStringToObject(env, "timestamp", timestamp);
        cJSON_AddItemToObject(env, "body", body);
        body = NULL;
    }
    char *json = env ? cJSON_PrintUnformatted(env) : NULL;
    cJSON_Delete(env);
    cJSON_Delete(body);
    if (!json || !id) {
        free(json);
        free(id);
        return false;
    }
    x->ev[x->nev++] =
        (event){.id = id, .json = json, .len = strlen(json), .type = type, .item = item};
    return true;
}

/* The trace-create of a root span. */
static cJSON *trace_body(const cJSON *span, const char *trace_id, const char *start)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", trace_id);
    cJSON_AddStringToObject(b, "timestamp", start);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(span, "name");
    const char *tname = attr_str(span, "langfuse.trace.name");
    add_str(b, "name", tname ? tname : cJSON_IsString(name) ? name->valuestring : NULL);
    add_str(b, "userId", attr_str2(span, "user.id", "langfuse.user.id"));
    add_str(b, "sessionId", attr_str2(span, "session.id", "langfuse.session.id"));
    add_str(b, "release", attr_str(span, "langfuse.release"));
    add_str(b, "version", attr_str(span, "langfuse.version"));
    add_str(b, "environment", attr_str(span, "langfuse.environment"));
    bool pub;
    if (attr_bool(span, "langfuse.trace.public", &pub)) cJSON_AddBoolToObject(b, "public", pub);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(attr(span, "langfuse.trace.tags"), "arrayValue"),
        "values");
    if (cJSON_IsArray(tags)) {
        cJSON *arr = cJSON_AddArrayToObject(b, "tags");
        const cJSON *t;
        cJSON_ArrayForEach(t, tags)
        {
            const cJSON *s = cJSON_GetObjectItemCaseSensitive(t, "stringValue");
            if (cJSON_IsString(s)) cJSON_AddItemToArray(arr, cJSON_CreateString(s->valuestring));
        }
    }
    add_json(b, "metadata", attr_json(span, "langfuse.trace.metadata"));
    /* Trace input/output: the explicit trace attributes, else the root observation's. */
    cJSON *in = attr_json(span, "langfuse.trace.input");
    cJSON *out = attr_json(span, "langfuse.trace.output");
    add_json(b, "input", in ? in : attr_json(span, "langfuse.observation.input"));
    add_json(b, "output", out ? out : attr_json(span, "langfuse.observation.output"));
    return b;
}

/* The observation body; fields depend on the event type (CreateEventBody < CreateSpanBody <
 * CreateGenerationBody). */
static cJSON *observation_body(const cJSON *span, const char *type, const char *obs_type,
                               const char *trace_id, const char *span_id, const char *parent,
                               const char *start, const char *end)
{
    bool generation = strcmp(type, "generation-create") == 0;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(span, "status");
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", span_id);
    cJSON_AddStringToObject(b, "traceId", trace_id);
    add_str(b, "parentObservationId", parent);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(span, "name");
    if (cJSON_IsString(name)) cJSON_AddStringToObject(b, "name", name->valuestring);
    cJSON_AddStringToObject(b, "startTime", start);
    if (strcmp(type, "event-create") != 0) cJSON_AddStringToObject(b, "endTime", end);
    add_str(b, "level", level_of(span, status));
    const char *sm = attr_str(span, "langfuse.observation.status_message");
    const cJSON *smsg = cJSON_GetObjectItemCaseSensitive(status, "message");
    add_str(b, "statusMessage", sm ? sm : cJSON_IsString(smsg) ? smsg->valuestring : NULL);
    add_json(b, "input", attr_json(span, "langfuse.observation.input"));
    add_json(b, "output", attr_json(span, "langfuse.observation.output"));
    cJSON *md = attr_json(span, "langfuse.observation.metadata");
    if (!is_native_type(obs_type) && (!md || cJSON_IsObject(md))) {
        if (!md) md = cJSON_CreateObject();
        if (md && !cJSON_GetObjectItemCaseSensitive(md, "observation_type"))
            cJSON_AddStringToObject(md, "observation_type", obs_type);
    }
    add_json(b, "metadata", md);
    add_str(b, "version", attr_str(span, "langfuse.version"));
    add_str(b, "environment", attr_str(span, "langfuse.environment"));
    if (!generation) return b;
    const char *cst = attr_str(span, "langfuse.observation.completion_start_time");
    if (cst && has_offset(cst)) cJSON_AddStringToObject(b, "completionStartTime", cst);
    const char *model = attr_str(span, "langfuse.observation.model.name");
    if (!model) model = attr_str2(span, "gen_ai.response.model", "gen_ai.request.model");
    add_str(b, "model", model);
    add_json(b, "modelParameters", model_parameters(span));
    add_json(b, "usageDetails", numeric_map(span, "langfuse.observation.usage_details", true));
    add_json(b, "costDetails", numeric_map(span, "langfuse.observation.cost_details", false));
    const char *prompt = attr_str(span, "langfuse.observation.prompt.name");
    int64_t pv;
    if (prompt && attr_int(span, "langfuse.observation.prompt.version", &pv)) {
        cJSON_AddStringToObject(b, "promptName", prompt);
        cJSON_AddNumberToObject(b, "promptVersion", (double)pv);
    }
    return b;
}

static bool has_generation_fields(const cJSON *span)
{
    static const char *const keys[] = {"langfuse.observation.model.name",
                                       "langfuse.observation.model.parameters",
                                       "langfuse.observation.usage_details",
                                       "langfuse.observation.cost_details",
                                       "langfuse.observation.completion_start_time",
                                       "langfuse.observation.prompt.name"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (attr(span, keys[i])) return true;
    return false;
}

/* The events of one span. False on out of memory; an unusable span is reported in `why`. */
static bool convert_span(ingestion_exporter *x, const cJSON *span, uint32_t item, char *why,
                         size_t cap)
{
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(span, "traceId");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(span, "spanId");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(span, "parentSpanId");
    char start[32], end[32];
    if (!cJSON_IsString(tid) || !*tid->valuestring || !cJSON_IsString(sid) || !*sid->valuestring ||
        !nanos_iso(cJSON_GetObjectItemCaseSensitive(span, "startTimeUnixNano"), start)) {
        snprintf(why, cap, "span %u has no trace id, span id or start time", item);
        return true;
    }
    if (!nanos_iso(cJSON_GetObjectItemCaseSensitive(span, "endTimeUnixNano"), end))
        memcpy(end, start, sizeof end);
    bool as_root = false;
    attr_bool(span, "langfuse.internal.as_root", &as_root);
    const char *parent = cJSON_IsString(pid) && *pid->valuestring ? pid->valuestring : NULL;
    /* A root continued from a remote parent: that parent is no observation of this trace. */
    if (as_root) parent = NULL;
    const char *obs_type = attr_str(span, "langfuse.observation.type");
    const char *type = event_type_for(obs_type, has_generation_fields(span));
    if (!parent && !add_event(x, "trace-create", tid->valuestring, sid->valuestring, end,
                              trace_body(span, tid->valuestring, start), item))
        return false;
    cJSON *body = observation_body(span, type, obs_type ? obs_type : "span", tid->valuestring,
                                   sid->valuestring, parent, start, end);
    return add_event(x, type, tid->valuestring, sid->valuestring, end, body, item);
}

/* Spans: an OTLP ExportTraceServiceRequest; scores: one CreateScoreRequest. */
static bool convert(ingestion_exporter *x, const llmobs__payload *p)
{
    cJSON *root = cJSON_ParseWithLength(p->body, p->len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(x->invalid, sizeof x->invalid, "payload is not a JSON object");
        return true;
    }
    bool ok = true;
    if (p->kind == LLMOBS__ITEM_SCORE) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
        char now[32];
        llmobs__iso8601(llmobs__wall_ns(), now);
        x->items = 1;
        if (!cJSON_IsString(id) || !*id->valuestring) {
            snprintf(x->invalid, sizeof x->invalid, "score without an id");
        } else {
            char *sid = strdup(id->valuestring);
            if (!sid) {
                cJSON_Delete(root);
                return false;
            }
            ok = add_event(x, "score-create", sid, "", now, root, 0);
            free(sid);
            root = NULL;
        }
        cJSON_Delete(root);
        return ok;
    }
    uint32_t item = 0;
    const cJSON *rs, *ss, *span;
    cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(root, "resourceSpans"))
    {
        cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
        {
            cJSON_ArrayForEach(span, cJSON_GetObjectItemCaseSensitive(ss, "spans"))
            {
                char why[160] = "";
                if (ok) ok = convert_span(x, span, item, why, sizeof why);
                if (why[0])
                    llmobs__log(&x->log, LLMOBS_LOG_WARN, "langfuse-ingestion: %s; rejected", why);
                item++;
            }
        }
    }
    cJSON_Delete(root);
    x->items = item; /* a span that produced no event counts as rejected (rejected_items) */
    return ok;
}

static ev_state carried_state(ingestion_exporter *x, const char *id)
{
    for (size_t i = 0; i < x->ncarry; i++)
        if (strcmp(x->carry[i].id, id) == 0) {
            ev_state st = x->carry[i].state;
            free(x->carry[i].id);
            x->carry[i] = x->carry[--x->ncarry];
            return st;
        }
    return EV_PENDING;
}

/* Keeps the settled events of a payload the pipeline is about to split. */
static void carry_settled(ingestion_exporter *x)
{
    for (size_t i = 0; i < x->nev; i++) {
        if (x->ev[i].state == EV_PENDING) continue;
        if (x->ncarry == x->carrycap) {
            size_t cap = x->carrycap ? x->carrycap * 2 : 64;
            carried *c = realloc(x->carry, cap * sizeof *c);
            if (!c) return; /* out of memory: the parts send these events again (same ids) */
            x->carry = c;
            x->carrycap = cap;
        }
        char *id = strdup(x->ev[i].id);
        if (!id) return;
        x->carry[x->ncarry++] = (carried){id, x->ev[i].state};
    }
}

static void carry_clear(ingestion_exporter *x)
{
    for (size_t i = 0; i < x->ncarry; i++)
        free(x->carry[i].id);
    x->ncarry = 0;
}

/* Converts a new payload; a retry of the current one keeps its events and their states. What
 * was carried over from a payload answered 413 holds only for its parts. */
static bool begin_payload(ingestion_exporter *x, const llmobs__payload *p)
{
    if (x->have_cur && x->cur_id == p->id) return true;
    if (!p->part) carry_clear(x);
    events_clear(x);
    x->have_cur = true;
    x->cur_id = p->id;
    if (!convert(x, p)) {
        events_clear(x);
        x->have_cur = false;
        return false;
    }
    for (size_t i = 0; i < x->nev; i++) {
        event *e = &x->ev[i];
        if (x->ncarry) e->state = carried_state(x, e->id);
        if (e->state == EV_PENDING && e->len > x->max_event_bytes) {
            e->state = EV_REJECTED;
            llmobs__log(&x->log, LLMOBS_LOG_WARN,
                        "langfuse-ingestion: event %s (%s) is %zu bytes, over the %zu-byte "
                        "event limit; rejected",
                        e->id, e->type, e->len, x->max_event_bytes);
        }
    }
    return true;
}

/* ---- sending -------------------------------------------------------------------------------- */

typedef struct attempt {
    bool retry;     /* a whole request failed transiently: stop, the pipeline backs off */
    bool too_large; /* a request was answered 413 */
    bool refused;   /* a whole request was answered 4xx (final) */
    int64_t retry_after_ms;
    long status;
    char message[224]; /* fits llmobs__export_result.message with a prefix */
} attempt;

static event *find_event(ingestion_exporter *x, const char *id)
{
    for (size_t i = 0; i < x->nev; i++)
        if (x->ev[i].tried && strcmp(x->ev[i].id, id) == 0) return &x->ev[i];
    return NULL;
}

static void note(attempt *a, long status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(attempt *a, long status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    a->status = status;
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
}

/* Applies the per-event results of a 2xx (207) reply to the events of the request. */
static void read_reply(ingestion_exporter *x, const char *body, event **req, size_t n, attempt *a)
{
    cJSON *j = cJSON_Parse(body);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "successes"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        event *e = cJSON_IsString(id) ? find_event(x, id->valuestring) : NULL;
        if (e && e->state == EV_PENDING) e->state = EV_DONE;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "errors"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "status");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(it, "message");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(it, "error");
        event *e = cJSON_IsString(id) ? find_event(x, id->valuestring) : NULL;
        long status = cJSON_IsNumber(st) ? (long)st->valuedouble : 0;
        if (!e || e->state != EV_PENDING) continue;
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
        char *errtext = err && !cJSON_IsNull(err) ? cJSON_PrintUnformatted(err) : NULL;
        size_t full_len = strlen(m) + (errtext ? strlen(errtext) : 0) + 3;
        char *full = malloc(full_len);
        char text[200], line[512];
        if (full)
            snprintf(full, full_len, "%s%s%s", m, errtext && *m ? ": " : "",
                     errtext ? errtext : "");
        llmobs__copy_text(x->http, text, sizeof text, full ? full : "(out of memory)", 160);
        free(full);
        free(errtext);
        if (status >= 500 || status == 429) {
            /* stays pending: resent under the same id when the pipeline retries */
            note(a, status, "event %s failed on the server: %ld %s", e->id, status, text);
        } else {
            e->state = EV_REJECTED;
            snprintf(line, sizeof line, "langfuse-ingestion: event %s (%s) rejected: %ld %s", e->id,
                     e->type, status, text);
            llmobs__http_redact(x->http, line);
            llmobs__log(&x->log, LLMOBS_LOG_WARN, "%s", line);
            note(a, status, "event %s rejected: %ld %s", e->id, status, text);
        }
    }
    cJSON_Delete(j);
    /* An event the reply does not mention is unconfirmed: it stays pending and is sent again
     * (its id makes that safe). */
    for (size_t i = 0; i < n; i++)
        if (req[i]->state == EV_PENDING && !a->message[0])
            note(a, 0, "event %s missing from the ingestion reply", req[i]->id);
}

/* Marks every pending event refused for good (whole-request 401/403) or only the request's. */
static void refuse(ingestion_exporter *x, event **req, size_t n, bool all)
{
    for (size_t i = 0; i < n; i++)
        if (req[i]->state == EV_PENDING) req[i]->state = EV_REJECTED;
    for (size_t i = 0; all && i < x->nev; i++)
        if (x->ev[i].state == EV_PENDING) x->ev[i].state = EV_REJECTED;
}

/* Builds and posts one request from the pending events not yet tried; false when none. */
static bool post_next(ingestion_exporter *x, int64_t deadline, event **req, attempt *a)
{
    llmobs__buf body = {0};
    size_t n = 0;
    llmobs__buf_puts(&body, "{\"batch\":[");
    for (size_t i = 0; i < x->nev; i++) {
        event *e = &x->ev[i];
        if (e->state != EV_PENDING || e->tried) continue;
        if (n && body.len + 1 + e->len + REQUEST_OVERHEAD > x->max_request_bytes) break;
        if (n) llmobs__buf_putc(&body, ',');
        llmobs__buf_append(&body, e->json, e->len);
        e->tried = true;
        req[n++] = e;
    }
    if (!n) {
        llmobs__buf_free(&body);
        return false;
    }
    llmobs__buf_printf(&body,
                       "],\"metadata\":{\"sdk_name\":\"llmobs-c\",\"sdk_version\":\"%s\","
                       "\"batch_size\":%zu,\"public_key\":",
                       LLMOBS_VERSION_STRING, n);
    llmobs__buf_json_string(&body, x->public_key, strlen(x->public_key));
    llmobs__buf_puts(&body, "}}");
    if (body.oom) {
        llmobs__buf_free(&body);
        a->retry = true;
        note(a, 0, "out of memory building a request");
        return true;
    }
    llmobs__http_request rq = {x->url, x->headers, body.data, body.len, x->timeout_ms, deadline};
    llmobs__http_response rs;
    int64_t t0 = llmobs__mono_ns();
    llmobs__http_post(x->http, &rq, &rs);
    char text[200];
    if (rs.status == 0) {
        a->retry = true;
        note(a, 0, "no answer: %s", rs.error);
    } else if (rs.status >= 200 && rs.status < 300) {
        read_reply(x, rs.body.data, req, n, a);
    } else if (llmobs__reply_too_large(rs.status, rs.body.data)) {
        a->too_large = true;
        llmobs__server_message(x->http, rs.body.data, text, sizeof text);
        note(a, rs.status, "HTTP %ld: %s", rs.status, text);
    } else if (rs.status == 429 || rs.status >= 500) {
        a->retry = true;
        if (rs.retry_after_ms > a->retry_after_ms) a->retry_after_ms = rs.retry_after_ms;
        llmobs__server_message(x->http, rs.body.data, text, sizeof text);
        note(a, rs.status, "HTTP %ld: %s", rs.status, text);
    } else {
        /* 400, 401, 403, ...: final. Credentials and suspension apply to every request. */
        a->refused = true;
        refuse(x, req, n, rs.status == 401 || rs.status == 403);
        llmobs__server_message(x->http, rs.body.data, text, sizeof text);
        note(a, rs.status, "HTTP %ld: %s", rs.status, text);
    }
    llmobs__http_redact(x->http, a->message);
    llmobs__log(&x->log, LLMOBS_LOG_DEBUG,
                "langfuse-ingestion: POST %s (%zu events, %zu bytes): %ld in %lld ms",
                x->display_url, n, body.len, rs.status,
                (long long)((llmobs__mono_ns() - t0) / 1000000));
    llmobs__http_response_free(&rs);
    llmobs__buf_free(&body);
    return true;
}

/* Fills x->item_state: an item with a rejected event, or with no event at all (the span was
 * unusable), is refused; one whose events were all accepted is accepted. Returns the refused
 * items and whether any event was accepted; false in *ok when out of memory. */
static uint32_t settle_items(ingestion_exporter *x, bool *any_done, bool *ok)
{
    if (x->items > x->item_cap) {
        uint8_t *st = realloc(x->item_state, x->items);
        if (st) {
            x->item_state = st;
            x->item_cap = x->items;
        }
    }
    uint8_t *state = x->items <= x->item_cap ? x->item_state : NULL;
    *ok = state || !x->items;
    uint32_t n = 0;
    *any_done = false;
    for (uint32_t item = 0, i = 0; item < x->items; item++) {
        bool rejected = false, seen = false, all_done = true;
        for (; i < x->nev && x->ev[i].item == item; i++) {
            seen = true;
            if (x->ev[i].state == EV_REJECTED) rejected = true;
            if (x->ev[i].state == EV_DONE) *any_done = true;
            if (x->ev[i].state != EV_DONE) all_done = false;
        }
        uint8_t st = rejected || !seen ? LLMOBS__ITEM_REFUSED
                     : all_done        ? LLMOBS__ITEM_ACCEPTED
                                       : LLMOBS__ITEM_UNSETTLED;
        if (st == LLMOBS__ITEM_REFUSED) n++;
        if (state) state[item] = st;
    }
    return n;
}

static void ingestion_send(void *self, const llmobs__payload *p, int64_t deadline,
                           llmobs__export_result *r)
{
    ingestion_exporter *x = self;
    *r = (llmobs__export_result){.retry_after_ms = -1};
    if (!begin_payload(x, p)) {
        r->outcome = LLMOBS__RETRY;
        snprintf(r->message, sizeof r->message, "langfuse-ingestion: out of memory");
        return;
    }
    if (x->invalid[0]) {
        r->outcome = LLMOBS__FAILED;
        snprintf(r->message, sizeof r->message, "langfuse-ingestion: %s", x->invalid);
        x->have_cur = false;
        return;
    }
    event **req = malloc((x->nev ? x->nev : 1) * sizeof(event *));
    if (!req) {
        r->outcome = LLMOBS__RETRY;
        snprintf(r->message, sizeof r->message, "langfuse-ingestion: out of memory");
        return;
    }
    for (size_t i = 0; i < x->nev; i++)
        x->ev[i].tried = false;
    attempt a = {.retry_after_ms = -1};
    while (!a.retry && !a.too_large) {
        if (llmobs__mono_ns() >= deadline) {
            a.retry = true;
            note(&a, 0, "deadline reached");
            break;
        }
        if (!post_next(x, deadline, req, &a)) break;
    }
    free(req);
    bool pending = false;
    for (size_t i = 0; i < x->nev; i++)
        if (x->ev[i].state == EV_PENDING) pending = true;
    r->http_status = a.status;
    snprintf(r->message, sizeof r->message, "langfuse-ingestion: %s", a.message);
    bool any_done, states_ok;
    uint32_t rejected = settle_items(x, &any_done, &states_ok);
    if (a.too_large) {
        /* The pipeline sends the parts next, or the one span truncated. */
        r->outcome = LLMOBS__TOO_LARGE;
        carry_settled(x);
    } else if (pending) {
        /* The same payload comes back, unless the pipeline gives up on it: then it counts
         * what is already settled as such. */
        r->outcome = LLMOBS__RETRY;
        r->retry_after_ms = a.retry_after_ms;
        r->item_state = states_ok ? x->item_state : NULL;
        return;
    } else {
        r->outcome = a.refused && !any_done ? LLMOBS__FAILED : LLMOBS__SENT;
        r->rejected = rejected;
        if (!rejected) r->message[0] = '\0';
    }
    x->have_cur = false;
}

static void ingestion_interrupt(void *self, int64_t deadline_mono_ns)
{
    ingestion_exporter *x = self;
    llmobs__http_interrupt(x->http, deadline_mono_ns);
}

static void ingestion_destroy(void *self)
{
    ingestion_exporter *x = self;
    events_clear(x);
    free(x->ev);
    carry_clear(x);
    free(x->carry);
    free(x->item_state);
    free(x->url);
    free(x->display_url);
    free(x->public_key);
    curl_slist_free_all(x->headers);
    llmobs__http_free(x->http);
    free(x);
}

llmobs__exporter *llmobs__ingestion_exporter_new(const llmobs_options *o, const llmobs__logger *lg,
                                                 llmobs_status *status)
{
    if (!*o->public_key || !*o->secret_key || !*o->base_url) {
        *status = llmobs__error(
            LLMOBS_EINVAL, "option exporter: 'langfuse-ingestion' needs %s",
            !*o->base_url    ? "base_url (LANGFUSE_BASE_URL)"
            : *o->public_key ? "secret_key (LANGFUSE_SECRET_KEY)"
            : *o->secret_key
                ? "public_key (LANGFUSE_PUBLIC_KEY)"
                : "public_key and secret_key (LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY)");
        return NULL;
    }
    ingestion_exporter *x = calloc(1, sizeof *x);
    llmobs__exporter *e = calloc(1, sizeof *e);
    if (!x || !e) {
        free(x);
        free(e);
        *status = llmobs__error(LLMOBS_ENOMEM, "langfuse-ingestion exporter: out of memory");
        return NULL;
    }
    x->log = *lg;
    x->timeout_ms = (int64_t)(o->timeout_s * 1000.0 + 0.5);
    x->max_request_bytes = (size_t)o->max_batch_bytes < MAX_REQUEST_BYTES
                               ? (size_t)o->max_batch_bytes
                               : MAX_REQUEST_BYTES;
    x->max_event_bytes = x->max_request_bytes - REQUEST_OVERHEAD - 16 < MAX_EVENT_BYTES
                             ? x->max_request_bytes - REQUEST_OVERHEAD - 16
                             : MAX_EVENT_BYTES;
    x->http = llmobs__http_new(o->ca_bundle, o->tls_insecure, status);
    if (!x->http) goto fail;
    x->url = llmobs__join_path(o->base_url, "/api/public/ingestion");
    x->display_url = x->url ? llmobs__display_url(x->url) : NULL;
    x->public_key = strdup(o->public_key);
    if (!x->url || !x->display_url || !x->public_key ||
        !llmobs__http_add_url_secret(x->http, o->base_url) ||
        !llmobs__common_headers(&x->headers, false) ||
        !llmobs__basic_auth_header(&x->headers, x->http, o->public_key, o->secret_key) ||
        !llmobs__header_add(&x->headers, "x-langfuse-sdk-name", "llmobs-c") ||
        !llmobs__header_add(&x->headers, "x-langfuse-sdk-version", LLMOBS_VERSION_STRING) ||
        !llmobs__header_add(&x->headers, "x-langfuse-public-key", o->public_key)) {
        *status = llmobs__error(LLMOBS_ENOMEM, "langfuse-ingestion exporter: out of memory");
        goto fail;
    }
    if (o->tls_insecure)
        llmobs__log(lg, LLMOBS_LOG_WARN,
                    "tls_insecure is set: TLS certificates and host names are NOT verified");
    llmobs__log(lg, LLMOBS_LOG_INFO,
                "langfuse-ingestion exporter: sending to %s (legacy batch API; Langfuse v4 and "
                "Langfuse Cloud no longer take traces there)",
                x->display_url);
    *e = (llmobs__exporter){.name = "langfuse-ingestion",
                            .self = x,
                            .send = ingestion_send,
                            .destroy = ingestion_destroy,
                            .interrupt = ingestion_interrupt};
    *status = LLMOBS_OK;
    return e;
fail:
    ingestion_destroy(x);
    free(e);
    return NULL;
}
