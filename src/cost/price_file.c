/* The JSON price file: {"models": {"<name>": {"input": 3, "output": 15, ...}}}, all or
 * nothing. Format documented in docs/cost.md. */
#include "cost/cost.h"
#include "core/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const price_fields[LLMOBS_PRICE_KIND_COUNT] = {
    [LLMOBS_PRICE_INPUT] = "input",           [LLMOBS_PRICE_OUTPUT] = "output",
    [LLMOBS_PRICE_CACHE_READ] = "cache_read", [LLMOBS_PRICE_CACHE_WRITE] = "cache_write",
    [LLMOBS_PRICE_REASONING] = "reasoning",
};

/* 1-based line of text[pos]. */
static int line_at(const char *text, size_t len, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos && i < len; i++)
        if (text[i] == '\n') line++;
    return line;
}

/* Position just after the first occurrence of the JSON key `"name"` (followed by ':') at or
 * after `from`; `len` (the text length) when absent. cJSON keeps no positions, so semantic
 * errors are located by finding the key in the text: exact for names without escapes. */
static size_t find_key(const char *text, size_t len, size_t from, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = from; i + n + 2 <= len; i++) {
        if (text[i] != '"' || memcmp(text + i + 1, name, n) != 0 || text[i + n + 1] != '"')
            continue;
        size_t j = i + n + 2;
        while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
            j++;
        if (j < len && text[j] == ':') return i + 1;
    }
    return len;
}

typedef struct {
    const char *text;
    size_t len;
    const char *origin;
} src_ctx;

static llmobs_status field_error(const src_ctx *c, const char *model, const char *field,
                                 const char *rule)
{
    size_t pos = find_key(c->text, c->len, 0, "models");
    if (model) pos = find_key(c->text, c->len, pos < c->len ? pos : 0, model);
    if (field && pos < c->len) pos = find_key(c->text, c->len, pos, field);
    if (pos < c->len)
        return llmobs__error(LLMOBS_EPARSE, "price file %s: line %d: model '%s' field '%s': %s",
                             c->origin, line_at(c->text, c->len, pos), model ? model : "",
                             field ? field : "", rule);
    return llmobs__error(LLMOBS_EPARSE, "price file %s: model '%s' field '%s': %s", c->origin,
                         model ? model : "", field ? field : "", rule);
}

static int field_index(const char *name)
{
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++)
        if (strcmp(price_fields[k], name) == 0) return k;
    return -1;
}

/* Fills `p` from one model object. Missing cache prices default to the input price, a missing
 * reasoning price to the output price (how providers bill what they do not price apart). */
static llmobs_status parse_model(const src_ctx *c, const cJSON *m, llmobs__price *p)
{
    if (!cJSON_IsObject(m)) return field_error(c, m->string, NULL, "expected an object");
    if (!*m->string) return field_error(c, m->string, NULL, "model name must not be empty");
    bool seen[LLMOBS_PRICE_KIND_COUNT] = {false};
    p->context_window = 0;
    for (const cJSON *f = m->child; f; f = f->next) {
        int k = field_index(f->string);
        if (k >= 0) {
            if (seen[k]) return field_error(c, m->string, f->string, "duplicate field");
            if (!cJSON_IsNumber(f) || !isfinite(f->valuedouble) || f->valuedouble < 0)
                return field_error(c, m->string, f->string,
                                   "expected a number >= 0 (USD per 1M tokens)");
            p->usd_per_mtok[k] = f->valuedouble;
            seen[k] = true;
        } else if (strcmp(f->string, "context_window") == 0) {
            double v = f->valuedouble;
            if (!cJSON_IsNumber(f) || !isfinite(v) || v < 0 || v > 1e12 || v != floor(v))
                return field_error(c, m->string, f->string, "expected an integer >= 0 (tokens)");
            p->context_window = (int64_t)v;
        } else if (strcmp(f->string, "source") != 0 && strcmp(f->string, "date") != 0) {
            return field_error(c, m->string, f->string,
                               "unknown field (expected input, output, cache_read, cache_write, "
                               "reasoning, context_window, source, date)");
        } else if (!cJSON_IsString(f)) {
            return field_error(c, m->string, f->string, "expected a string");
        }
    }
    if (!seen[LLMOBS_PRICE_INPUT]) return field_error(c, m->string, "input", "missing");
    if (!seen[LLMOBS_PRICE_OUTPUT]) return field_error(c, m->string, "output", "missing");
    if (!seen[LLMOBS_PRICE_CACHE_READ])
        p->usd_per_mtok[LLMOBS_PRICE_CACHE_READ] = p->usd_per_mtok[LLMOBS_PRICE_INPUT];
    if (!seen[LLMOBS_PRICE_CACHE_WRITE])
        p->usd_per_mtok[LLMOBS_PRICE_CACHE_WRITE] = p->usd_per_mtok[LLMOBS_PRICE_INPUT];
    if (!seen[LLMOBS_PRICE_REASONING])
        p->usd_per_mtok[LLMOBS_PRICE_REASONING] = p->usd_per_mtok[LLMOBS_PRICE_OUTPUT];
    p->model = strdup(m->string);
    return p->model ? LLMOBS_OK : llmobs__error(LLMOBS_ENOMEM, "price file: out of memory");
}

void llmobs__price_list_free(llmobs__price *list, size_t n)
{
    if (!list) return;
    for (size_t i = 0; i < n; i++)
        free((char *)list[i].model);
    free(list);
}

static llmobs_status parse_root(const src_ctx *c, const cJSON *root, llmobs__price **out,
                                size_t *nout)
{
    if (!cJSON_IsObject(root))
        return llmobs__error(LLMOBS_EPARSE, "price file %s: top level must be an object",
                             c->origin);
    const cJSON *models = NULL;
    for (const cJSON *f = root->child; f; f = f->next) {
        if (strcmp(f->string, "models") == 0) {
            models = f;
        } else if (strcmp(f->string, "version") == 0) {
            if (!cJSON_IsNumber(f) || f->valuedouble != 1)
                return llmobs__error(
                    LLMOBS_EPARSE, "price file %s: line %d: field 'version': expected 1", c->origin,
                    line_at(c->text, c->len, find_key(c->text, c->len, 0, "version")));
        } else if (strcmp(f->string, "comment") != 0) {
            return llmobs__error(LLMOBS_EPARSE,
                                 "price file %s: line %d: unknown top-level field '%s' (expected "
                                 "models, version, comment)",
                                 c->origin,
                                 line_at(c->text, c->len, find_key(c->text, c->len, 0, f->string)),
                                 f->string);
        }
    }
    if (!models || !cJSON_IsObject(models))
        return llmobs__error(LLMOBS_EPARSE, "price file %s: field 'models': expected an object",
                             c->origin);
    size_t n = (size_t)cJSON_GetArraySize(models);
    llmobs__price *list = calloc(n ? n : 1, sizeof *list);
    if (!list) return llmobs__error(LLMOBS_ENOMEM, "price file: out of memory");
    size_t i = 0;
    for (const cJSON *m = models->child; m; m = m->next, i++) {
        for (const cJSON *earlier = models->child; earlier != m; earlier = earlier->next)
            if (strcmp(earlier->string, m->string) == 0) {
                llmobs__price_list_free(list, i);
                return field_error(c, m->string, NULL, "model listed twice");
            }
        llmobs_status st = parse_model(c, m, &list[i]);
        if (st != LLMOBS_OK) {
            llmobs__price_list_free(list, i);
            return st;
        }
    }
    *out = list;
    *nout = n;
    return LLMOBS_OK;
}

llmobs_status llmobs__price_file_parse(const char *text, size_t len, const char *origin,
                                       llmobs__price **out, size_t *nout)
{
    src_ctx c = {text, len, origin ? origin : "(memory)"};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t pos = end && end >= text ? (size_t)(end - text) : 0;
        size_t bol = pos;
        while (bol > 0 && text[bol - 1] != '\n')
            bol--;
        return llmobs__error(LLMOBS_EPARSE, "price file %s: line %d column %zu: invalid JSON",
                             c.origin, line_at(text, len, pos), pos - bol + 1);
    }
    for (size_t pos = (size_t)(end - text); pos < len; pos++)
        if (text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\r' && text[pos] != '\n') {
            cJSON_Delete(root);
            return llmobs__error(LLMOBS_EPARSE, "price file %s: line %d: text after the JSON value",
                                 c.origin, line_at(text, len, pos));
        }
    llmobs_status st = parse_root(&c, root, out, nout);
    cJSON_Delete(root);
    return st;
}
