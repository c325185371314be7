/* Scores: built on the caller's thread, validated as the Langfuse server validates them, then
 * queued with the spans, so they share the flusher, the retries and the accounting. */
#include "trace/score.h"
#include "core/error.h"
#include "core/ids.h"
#include "trace/span.h"
#include "trace/tracer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct llmobs_score {
    llmobs__score s;
};

/* gcc 12's -fanalyzer reports a double free here on the path llmobs_score_numeric ->
 * llmobs_score_send(NULL client) -> llmobs_score_free: it merges the score's separately
 * strdup'ed fields into one '<unknown>' region. Every field is freed once and replace() frees
 * only the field it overwrites; ASan, valgrind and clang's analyzer agree (test_score,
 * test_garbage_inputs). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-double-free"
#endif
static void score_destroy(llmobs__score *s)
{
    free(s->id);
    free(s->name);
    free(s->text);
    free(s->trace_id);
    free(s->observation_id);
    free(s->session_id);
    free(s->comment);
    cJSON_Delete(s->metadata);
    free(s->environment);
    free(s->config_id);
    free(s);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static void score_free(llmobs__item *item)
{
    score_destroy((llmobs__score *)item);
}

static void score_serialize(const llmobs__item *item, llmobs__buf *b)
{
    llmobs__score_serialize((const llmobs__score *)item, b);
}

static size_t score_size(const llmobs__item *item)
{
    return llmobs__score_footprint((const llmobs__score *)item);
}

static const llmobs__item_ops score_ops = {score_serialize, score_size, score_free};

llmobs_score *llmobs_score_new(const char *name, llmobs_status *status)
{
    if (!name || !*name) {
        if (status) *status = llmobs__error(LLMOBS_EINVAL, "score: name must not be empty");
        return NULL;
    }
    llmobs_score *sc = calloc(1, sizeof *sc);
    if (sc) {
        sc->s.hdr.kind = LLMOBS__ITEM_SCORE;
        sc->s.hdr.ops = &score_ops;
    }
    if (!sc || !(sc->s.name = strdup(name))) {
        free(sc);
        if (status) *status = llmobs__error(LLMOBS_ENOMEM, "score: out of memory");
        return NULL;
    }
    if (status) *status = LLMOBS_OK;
    return sc;
}

void llmobs_score_free(llmobs_score *sc)
{
    if (sc) score_destroy(&sc->s);
}

static llmobs_status replace(char **field, const char *value, const char *fn)
{
    char *copy = strdup(value);
    if (!copy) return llmobs__error(LLMOBS_ENOMEM, "%s: out of memory", fn);
    free(*field);
    *field = copy;
    return LLMOBS_OK;
}

static llmobs_status set_number(llmobs_score *sc, llmobs_score_type type, double v, const char *fn)
{
    if (!sc) return llmobs__error(LLMOBS_EINVAL, "%s: NULL score", fn);
    if (!isfinite(v)) return llmobs__error(LLMOBS_EINVAL, "%s: value must be finite", fn);
    free(sc->s.text);
    sc->s.text = NULL;
    sc->s.type = type;
    sc->s.number = v;
    sc->s.has_value = true;
    return LLMOBS_OK;
}

llmobs_status llmobs_score_set_numeric(llmobs_score *sc, double value)
{
    return set_number(sc, LLMOBS_SCORE_NUMERIC, value, "llmobs_score_set_numeric");
}

llmobs_status llmobs_score_set_boolean(llmobs_score *sc, int value)
{
    return set_number(sc, LLMOBS_SCORE_BOOLEAN, value ? 1.0 : 0.0, "llmobs_score_set_boolean");
}

/* Number of UTF-8 code points (invalid bytes count as one each, as they become U+FFFD). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++) {
        size_t k = llmobs__utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
    }
    return n;
}

static llmobs_status set_string(llmobs_score *sc, llmobs_score_type type, const char *v,
                                const char *fn)
{
    if (!sc || !v) return llmobs__error(LLMOBS_EINVAL, "%s: NULL argument", fn);
    if (!*v) return llmobs__error(LLMOBS_EINVAL, "%s: value must not be empty", fn);
    if (type == LLMOBS_SCORE_TEXT && utf8_chars(v) > 500)
        return llmobs__error(LLMOBS_EINVAL, "%s: text scores are 1 to 500 characters", fn);
    llmobs_status st = replace(&sc->s.text, v, fn);
    if (st == LLMOBS_OK) {
        sc->s.type = type;
        sc->s.has_value = true;
    }
    return st;
}

llmobs_status llmobs_score_set_categorical(llmobs_score *sc, const char *value)
{
    return set_string(sc, LLMOBS_SCORE_CATEGORICAL, value, "llmobs_score_set_categorical");
}

llmobs_status llmobs_score_set_text(llmobs_score *sc, const char *value)
{
    return set_string(sc, LLMOBS_SCORE_TEXT, value, "llmobs_score_set_text");
}

static llmobs_status set_hex(llmobs_score *sc, char **field, const char *hex, size_t bytes,
                             const char *fn)
{
    uint8_t id[16];
    if (!sc) return llmobs__error(LLMOBS_EINVAL, "%s: NULL score", fn);
    if (!llmobs__parse_hex_id(hex, id, bytes))
        return llmobs__error(LLMOBS_EINVAL, "%s: expected %zu hex digits, not all zero", fn,
                             2 * bytes);
    char lower[33];
    llmobs__hex(id, bytes, lower); /* Langfuse stores ids verbatim: always send lowercase */
    return replace(field, lower, fn);
}

llmobs_status llmobs_score_set_trace_id(llmobs_score *sc, const char *trace_id)
{
    return set_hex(sc, sc ? &sc->s.trace_id : NULL, trace_id, 16, "llmobs_score_set_trace_id");
}

llmobs_status llmobs_score_set_observation_id(llmobs_score *sc, const char *observation_id)
{
    return set_hex(sc, sc ? &sc->s.observation_id : NULL, observation_id, 8,
                   "llmobs_score_set_observation_id");
}

#define SCORE_STRING_SETTER(fn_name, field)                                                        \
    llmobs_status fn_name(llmobs_score *sc, const char *value)                                     \
    {                                                                                              \
        if (!sc || !value || !*value)                                                              \
            return llmobs__error(LLMOBS_EINVAL, #fn_name ": NULL score or empty value");           \
        return replace(&sc->s.field, value, #fn_name);                                             \
    }

SCORE_STRING_SETTER(llmobs_score_set_session_id, session_id)
SCORE_STRING_SETTER(llmobs_score_set_comment, comment)
SCORE_STRING_SETTER(llmobs_score_set_config_id, config_id)
SCORE_STRING_SETTER(llmobs_score_set_id, id)

llmobs_status llmobs_score_set_environment(llmobs_score *sc, const char *env)
{
    if (!sc || !env)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_score_set_environment: NULL argument");
    llmobs_status st = llmobs__check_environment("llmobs_score_set_environment", env);
    return st == LLMOBS_OK ? replace(&sc->s.environment, env, "llmobs_score_set_environment") : st;
}

llmobs_status llmobs_score_set_metadata_json(llmobs_score *sc, const char *json)
{
    if (!sc || !json)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_score_set_metadata_json: NULL argument");
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return llmobs__error(LLMOBS_EPARSE,
                             "llmobs_score_set_metadata_json: expected a JSON object");
    }
    cJSON_Delete(sc->s.metadata);
    sc->s.metadata = obj;
    return LLMOBS_OK;
}

static llmobs_status validate(const llmobs__score *s)
{
    if (!s->has_value) return llmobs__error(LLMOBS_EINVAL, "score '%s': no value set", s->name);
    if (!s->trace_id && !s->session_id)
        return llmobs__error(LLMOBS_EINVAL, "score '%s': needs a trace id or a session id",
                             s->name);
    if (s->observation_id && !s->trace_id)
        return llmobs__error(LLMOBS_EINVAL, "score '%s': an observation id needs its trace id",
                             s->name);
    return LLMOBS_OK;
}

static llmobs_status score_send(llmobs_client *c, llmobs_score *sc);

llmobs_status llmobs_score_send(llmobs_client *c, llmobs_score *sc)
{
    if (!c || !sc) {
        llmobs_score_free(sc);
        return llmobs__error(LLMOBS_EINVAL, "llmobs_score_send: NULL argument");
    }
    /* A reference for the whole call: a concurrent llmobs_shutdown cannot free the client
     * under it. After shutdown the score is counted as dropped (reason shutdown). */
    llmobs__tracer *tr = llmobs__tracer_of(c);
    if (!tr->try_ref(tr->owner)) {
        llmobs_score_free(sc);
        return llmobs__error(LLMOBS_ESTATE, "llmobs_score_send: the client was shut down");
    }
    llmobs_status st = score_send(c, sc);
    tr->unref(tr->owner);
    return st;
}

static llmobs_status score_send(llmobs_client *c, llmobs_score *sc)
{
    llmobs__tracer *tr = llmobs__tracer_of(c);
    if (tr->is_shut(tr->owner)) {
        tr->count_dropped(tr->sink_ud, LLMOBS_DROP_SHUTDOWN, 1);
        llmobs_score_free(sc);
        return llmobs__error(LLMOBS_ESTATE, "llmobs_score_send: the client was shut down");
    }
    llmobs__score *s = &sc->s;
    llmobs_status st = validate(s);
    if (st == LLMOBS_OK && !s->environment && *tr->opts->environment)
        st = replace(&s->environment, tr->opts->environment, "llmobs_score_send");
    if (st == LLMOBS_OK && !s->id) {
        uint8_t raw[16];
        char hex[33];
        llmobs__random_id(raw, sizeof raw);
        llmobs__hex(raw, sizeof raw, hex);
        st = replace(&s->id, hex, "llmobs_score_send");
    }
    if (st != LLMOBS_OK) {
        llmobs_score_free(sc);
        return st;
    }
    uint8_t tid[16];
    bool sampled = !s->trace_id || (llmobs__parse_hex_id(s->trace_id, tid, 16) &&
                                    llmobs__sampled(tid, tr->opts->sample_rate));
    if (!tr->enabled || !sampled) {
        tr->count_dropped(tr->sink_ud, tr->enabled ? LLMOBS_DROP_SAMPLED_OUT : LLMOBS_DROP_DISABLED,
                          1);
        llmobs_score_free(sc);
        return LLMOBS_OK;
    }
    return tr->enqueue(tr->sink_ud, &s->hdr)
               ? LLMOBS_OK
               : llmobs__error(LLMOBS_EFULL, "llmobs_score_send: queue full, score dropped");
}

llmobs_status llmobs_score_numeric(llmobs_client *c, const char *trace_id,
                                   const char *observation_id, const char *name, double value,
                                   const char *comment)
{
    llmobs_status st;
    llmobs_score *sc = llmobs_score_new(name, &st);
    if (!sc) return st;
    if ((st = llmobs_score_set_numeric(sc, value)) != LLMOBS_OK ||
        (st = llmobs_score_set_trace_id(sc, trace_id)) != LLMOBS_OK ||
        (observation_id &&
         (st = llmobs_score_set_observation_id(sc, observation_id)) != LLMOBS_OK) ||
        (comment && (st = llmobs_score_set_comment(sc, comment)) != LLMOBS_OK)) {
        llmobs_score_free(sc);
        return st;
    }
    return llmobs_score_send(c, sc);
}

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

size_t llmobs__score_footprint(const llmobs__score *s)
{
    return sizeof *s + slen(s->id) + slen(s->name) + slen(s->text) + slen(s->trace_id) +
           slen(s->observation_id) + slen(s->session_id) + slen(s->comment) + slen(s->environment) +
           slen(s->config_id) + llmobs__json_footprint(s->metadata);
}

static const char *const type_names[] = {"NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT"};

static void put_string_field(llmobs__buf *b, const char *key, const char *value)
{
    if (!value) return;
    llmobs__buf_printf(b, ",\"%s\":", key);
    llmobs__buf_json_string(b, value, strlen(value));
}

void llmobs__score_serialize(const llmobs__score *s, llmobs__buf *b)
{
    llmobs__buf_puts(b, "{\"id\":");
    llmobs__buf_json_string(b, s->id, strlen(s->id));
    put_string_field(b, "traceId", s->trace_id);
    put_string_field(b, "observationId", s->observation_id);
    put_string_field(b, "sessionId", s->session_id);
    put_string_field(b, "name", s->name);
    llmobs__buf_puts(b, ",\"value\":");
    if (s->text)
        llmobs__buf_json_string(b, s->text, strlen(s->text));
    else
        llmobs__buf_json_double(b, s->number);
    llmobs__buf_printf(b, ",\"dataType\":\"%s\"", type_names[s->type & 3]);
    put_string_field(b, "comment", s->comment);
    if (s->metadata) {
        char *text = cJSON_PrintUnformatted(s->metadata);
        if (!text)
            b->oom = true;
        else {
            llmobs__buf_puts(b, ",\"metadata\":");
            llmobs__buf_puts(b, text);
            free(text);
        }
    }
    put_string_field(b, "environment", s->environment);
    put_string_field(b, "configId", s->config_id);
    llmobs__buf_putc(b, '}');
}
