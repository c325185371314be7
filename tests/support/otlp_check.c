/* OTLP JSON and Langfuse attribute rules, checked field by field (reference/otlp-json.md §2-3,
 * reference/langfuse-otel.md §3). */
#include "receiver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_lower_hex(const char *s, size_t len)
{
    if (strlen(s) != len) return false;
    bool nonzero = false;
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
        if (s[i] != '0') nonzero = true;
    }
    return nonzero;
}

static bool is_decimal_string(const cJSON *v)
{
    if (!cJSON_IsString(v) || !*v->valuestring) return false;
    const char *p = v->valuestring;
    if (*p == '-') p++;
    if (!*p) return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

static bool check_any_value(const cJSON *v, char *why, size_t cap, const char *key)
{
    if (!cJSON_IsObject(v)) return fail(why, cap, "attribute %s: value is not an object", key);
    int fields = cJSON_GetArraySize(v);
    if (fields == 0) return true; /* empty AnyValue is allowed */
    if (fields != 1) return fail(why, cap, "attribute %s: AnyValue has %d fields", key, fields);
    const cJSON *f = v->child;
    if (strcmp(f->string, "stringValue") == 0) {
        if (!cJSON_IsString(f))
            return fail(why, cap, "attribute %s: stringValue not a string", key);
    } else if (strcmp(f->string, "boolValue") == 0) {
        if (!cJSON_IsBool(f)) return fail(why, cap, "attribute %s: boolValue not a bool", key);
    } else if (strcmp(f->string, "intValue") == 0) {
        if (!is_decimal_string(f))
            return fail(why, cap, "attribute %s: intValue is not a decimal string", key);
    } else if (strcmp(f->string, "doubleValue") == 0) {
        if (!cJSON_IsNumber(f) && !cJSON_IsString(f))
            return fail(why, cap, "attribute %s: doubleValue not a number", key);
    } else if (strcmp(f->string, "arrayValue") == 0) {
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(f, "values");
        if (vals && !cJSON_IsArray(vals))
            return fail(why, cap, "attribute %s: arrayValue.values not an array", key);
        const cJSON *e;
        cJSON_ArrayForEach(e, vals) if (!check_any_value(e, why, cap, key)) return false;
    } else if (strcmp(f->string, "kvlistValue") != 0 && strcmp(f->string, "bytesValue") != 0) {
        return fail(why, cap, "attribute %s: unknown AnyValue field %s", key, f->string);
    }
    return true;
}

static bool check_attributes(const cJSON *attrs, char *why, size_t cap, const char *where)
{
    if (!attrs) return true;
    if (!cJSON_IsArray(attrs))
        return fail(why, cap, "%s: attributes is not an array of {key,value}", where);
    const cJSON *a;
    cJSON_ArrayForEach(a, attrs)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "key");
        if (!cJSON_IsString(k) || !*k->valuestring)
            return fail(why, cap, "%s: attribute without a string key", where);
        if (cJSON_GetArraySize(a) != 2)
            return fail(why, cap, "%s: attribute %s has fields besides key and value", where,
                        k->valuestring);
        if (!check_any_value(cJSON_GetObjectItemCaseSensitive(a, "value"), why, cap,
                             k->valuestring))
            return false;
    }
    return true;
}

bool otlp_check_span(const cJSON *span, char *why, size_t cap)
{
    const cJSON *v;
    v = cJSON_GetObjectItemCaseSensitive(span, "traceId");
    if (!cJSON_IsString(v) || !is_lower_hex(v->valuestring, 32))
        return fail(why, cap, "traceId is not 32 lowercase hex digits");
    v = cJSON_GetObjectItemCaseSensitive(span, "spanId");
    if (!cJSON_IsString(v) || !is_lower_hex(v->valuestring, 16))
        return fail(why, cap, "spanId is not 16 lowercase hex digits");
    v = cJSON_GetObjectItemCaseSensitive(span, "parentSpanId");
    if (v && (!cJSON_IsString(v) || (*v->valuestring && !is_lower_hex(v->valuestring, 16))))
        return fail(why, cap, "parentSpanId is neither empty nor 16 lowercase hex digits");
    v = cJSON_GetObjectItemCaseSensitive(span, "name");
    if (!cJSON_IsString(v) || !*v->valuestring) return fail(why, cap, "name missing or empty");
    v = cJSON_GetObjectItemCaseSensitive(span, "kind");
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)v->valueint || v->valueint < 0 ||
        v->valueint > 5)
        return fail(why, cap, "kind is not an integer enum 0..5");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(span, "startTimeUnixNano");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(span, "endTimeUnixNano");
    if (!is_decimal_string(st) || !is_decimal_string(en))
        return fail(why, cap, "start/endTimeUnixNano are not decimal strings");
    if (strtoull(en->valuestring, NULL, 10) < strtoull(st->valuestring, NULL, 10))
        return fail(why, cap, "span ends before it starts");
    if (!check_attributes(cJSON_GetObjectItemCaseSensitive(span, "attributes"), why, cap, "span"))
        return false;
    v = cJSON_GetObjectItemCaseSensitive(span, "status");
    if (v) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(v, "code");
        if (code && (!cJSON_IsNumber(code) || code->valueint < 0 || code->valueint > 2))
            return fail(why, cap, "status.code is not an integer 0..2");
    }
    for (const cJSON *f = span->child; f; f = f->next)
        if (strchr(f->string, '_')) return fail(why, cap, "snake_case key %s", f->string);
    return true;
}

bool otlp_check_request(const cJSON *req, char *why, size_t cap)
{
    const cJSON *rss = cJSON_GetObjectItemCaseSensitive(req, "resourceSpans");
    if (!cJSON_IsArray(rss) || !cJSON_GetArraySize(rss))
        return fail(why, cap, "resourceSpans missing or empty");
    const cJSON *rs, *ss, *sp;
    cJSON_ArrayForEach(rs, rss)
    {
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(rs, "resource");
        if (!check_attributes(cJSON_GetObjectItemCaseSensitive(res, "attributes"), why, cap,
                              "resource"))
            return false;
        const cJSON *sss = cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans");
        if (!cJSON_IsArray(sss) || !cJSON_GetArraySize(sss))
            return fail(why, cap, "scopeSpans missing or empty");
        cJSON_ArrayForEach(ss, sss)
        {
            const cJSON *spans = cJSON_GetObjectItemCaseSensitive(ss, "spans");
            if (!cJSON_IsArray(spans) || !cJSON_GetArraySize(spans))
                return fail(why, cap, "spans missing or empty");
            cJSON_ArrayForEach(sp, spans) if (!otlp_check_span(sp, why, cap)) return false;
        }
    }
    return true;
}

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

bool langfuse_check_span(const cJSON *span, char *why, size_t cap)
{
    static const char *const types[] = {"span",      "generation", "event", "embedding",
                                        "agent",     "tool",       "chain", "retriever",
                                        "guardrail", "evaluator"};
    const cJSON *t =
        cJSON_GetObjectItemCaseSensitive(attr(span, "langfuse.observation.type"), "stringValue");
    if (!cJSON_IsString(t)) return fail(why, cap, "langfuse.observation.type missing");
    bool known = false;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        known = known || strcmp(types[i], t->valuestring) == 0;
    if (!known) return fail(why, cap, "unknown langfuse.observation.type %s", t->valuestring);
    static const char *const json_keys[] = {
        "langfuse.observation.usage_details", "langfuse.observation.cost_details",
        "langfuse.observation.model.parameters", "langfuse.observation.metadata",
        "langfuse.trace.metadata"};
    for (size_t i = 0; i < sizeof json_keys / sizeof *json_keys; i++) {
        const cJSON *v = attr(span, json_keys[i]);
        if (!v) continue;
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "stringValue");
        cJSON *parsed = cJSON_IsString(s) ? cJSON_Parse(s->valuestring) : NULL;
        bool ok = cJSON_IsObject(parsed);
        cJSON_Delete(parsed);
        if (!ok) return fail(why, cap, "%s is not a JSON object string", json_keys[i]);
    }
    const cJSON *parent = cJSON_GetObjectItemCaseSensitive(span, "parentSpanId");
    bool root = !cJSON_IsString(parent) || !*parent->valuestring;
    if (root && !attr(span, "langfuse.trace.name"))
        return fail(why, cap, "root span without langfuse.trace.name");
    return true;
}
