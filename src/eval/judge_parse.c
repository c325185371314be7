/* Reading a judge model's reply: the text and usage out of an OpenAI or Anthropic response,
 * then the verdict object out of the text. Models wrap JSON in prose or ``` fences and write
 * numbers as strings; all of that is accepted. A missing field or a score outside [0, 1] is an
 * error, never a silent 0. */
#include "core/error.h"
#include "eval/eval.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCAN_ATTEMPTS 256

static int64_t int_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (int64_t)v->valuedouble : -1;
}

static llmobs_status parse_openai(const cJSON *root, llmobs__buf *text, llmobs__judge_reply *out)
{
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(choices, 0), "message");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
    if (!cJSON_IsString(content))
        return llmobs__error(LLMOBS_EPARSE, "judge reply: no choices[0].message.content");
    llmobs__buf_puts(text, content->valuestring);
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    out->input_tokens = int_field(usage, "prompt_tokens");
    out->output_tokens = int_field(usage, "completion_tokens");
    int64_t cached = int_field(cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details"),
                               "cached_tokens");
    if (cached > 0 && out->input_tokens >= cached) {
        out->cache_read_tokens = cached;
        out->input_tokens -= cached; /* disjoint buckets: input excludes cached input */
    }
    return LLMOBS_OK;
}

static llmobs_status parse_anthropic(const cJSON *root, llmobs__buf *text, llmobs__judge_reply *out)
{
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
    const cJSON *block;
    bool any = false;
    cJSON_ArrayForEach(block, content)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(block, "type");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(block, "text");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "text") == 0 && cJSON_IsString(t)) {
            llmobs__buf_puts(text, t->valuestring);
            any = true;
        }
    }
    if (!any) return llmobs__error(LLMOBS_EPARSE, "judge reply: no text block in content[]");
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    out->input_tokens = int_field(usage, "input_tokens");
    out->output_tokens = int_field(usage, "output_tokens");
    int64_t cr = int_field(usage, "cache_read_input_tokens");
    int64_t cw = int_field(usage, "cache_creation_input_tokens");
    out->cache_read_tokens = cr > 0 ? cr : 0;
    out->cache_write_tokens = cw > 0 ? cw : 0;
    return LLMOBS_OK;
}

llmobs_status llmobs__judge_reply_parse(int api, const char *body, llmobs__judge_reply *out)
{
    memset(out, 0, sizeof *out);
    out->input_tokens = out->output_tokens = -1;
    cJSON *root = cJSON_Parse(body);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return llmobs__error(LLMOBS_EPARSE, "judge reply: the response body is not JSON");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (cJSON_IsString(model)) snprintf(out->model, sizeof out->model, "%s", model->valuestring);
    llmobs__buf text = {0};
    llmobs_status st =
        api == 1 ? parse_anthropic(root, &text, out) : parse_openai(root, &text, out);
    cJSON_Delete(root);
    llmobs__buf_putc(&text, '\0');
    if (st == LLMOBS_OK && text.oom) st = llmobs__error(LLMOBS_ENOMEM, "judge reply: no memory");
    if (st != LLMOBS_OK) {
        llmobs__buf_free(&text);
        return st;
    }
    out->text = text.data;
    return LLMOBS_OK;
}

void llmobs__judge_reply_free(llmobs__judge_reply *r)
{
    if (r) {
        free(r->text);
        r->text = NULL;
    }
}

/* Parses an object starting exactly at p (trailing text allowed); NULL if it is not one. */
static cJSON *object_at(const char *p, size_t len)
{
    cJSON *o = cJSON_ParseWithLengthOpts(p, len, NULL, 0);
    if (cJSON_IsObject(o)) return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *keep_if_has(cJSON *o, const char *field, cJSON **any)
{
    if (!o) return NULL;
    if (cJSON_GetObjectItemCaseSensitive(o, field)) return o;
    if (!*any)
        *any = o;
    else
        cJSON_Delete(o);
    return NULL;
}

/* Objects inside ``` fences first (the model's declared answer), then any object in the text. */
cJSON *llmobs__judge_find_object(const char *text, const char *field)
{
    cJSON *any = NULL, *found = NULL;
    for (const char *p = strstr(text, "```"); p && !found;) {
        const char *start = strchr(p + 3, '\n');
        if (!start) break;
        const char *end = strstr(start, "```");
        if (!end) break;
        const char *q = start;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q < end && *q == '{') found = keep_if_has(object_at(q, (size_t)(end - q)), field, &any);
        p = strstr(end + 3, "```");
    }
    int attempts = 0;
    for (const char *p = strchr(text, '{'); p && !found && attempts < MAX_SCAN_ATTEMPTS;
         p = strchr(p + 1, '{'), attempts++)
        found = keep_if_has(object_at(p, strlen(p)), field, &any);
    if (found) {
        cJSON_Delete(any);
        return found;
    }
    if (any) {
        /* An object without the field: report it as such rather than "no JSON". */
        return any;
    }
    return NULL;
}

llmobs_status llmobs__judge_read_score(const cJSON *obj, const char *field, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    double d;
    if (!v) return llmobs__error(LLMOBS_EPARSE, "judge verdict: field \"%s\" is missing", field);
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        char *end;
        while (isspace((unsigned char)*s))
            s++;
        errno = 0;
        d = strtod(s, &end);
        while (end != s && isspace((unsigned char)*end))
            end++;
        if (end == s || *end || errno)
            return llmobs__error(LLMOBS_EPARSE, "judge verdict: \"%s\" is not a number: \"%.40s\"",
                                 field, v->valuestring);
    } else {
        return llmobs__error(LLMOBS_EPARSE, "judge verdict: \"%s\" is not a number", field);
    }
    if (!isfinite(d) || d < 0 || d > 1)
        return llmobs__error(LLMOBS_EPARSE, "judge verdict: \"%s\" = %g is outside [0, 1]", field,
                             d);
    *out = d;
    return LLMOBS_OK;
}

static llmobs_judgement *judgement_new(void)
{
    llmobs_judgement *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->input_tokens = j->output_tokens = -1;
    j->cost_usd = -1;
    j->attempts = 1;
    return j;
}

static llmobs_status read_claims(const cJSON *obj, llmobs_judgement *j)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "unsupported_claims");
    if (!cJSON_IsArray(arr))
        return llmobs__error(LLMOBS_EPARSE,
                             "judge verdict: \"unsupported_claims\" is missing or not an array");
    int n = cJSON_GetArraySize(arr);
    j->claims = calloc((size_t)n + 1, sizeof *j->claims);
    if (!j->claims) return llmobs__error(LLMOBS_ENOMEM, "judge verdict: out of memory");
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        if (!cJSON_IsString(c))
            return llmobs__error(LLMOBS_EPARSE,
                                 "judge verdict: \"unsupported_claims\" holds a non-string");
        if (!(j->claims[j->nclaims++] = strdup(c->valuestring)))
            return llmobs__error(LLMOBS_ENOMEM, "judge verdict: out of memory");
    }
    return LLMOBS_OK;
}

llmobs_status llmobs_judge_parse(const char *reply_text, const char *score_field,
                                 int require_reasoning, int require_claims, llmobs_judgement **out)
{
    if (!reply_text || !out)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_judge_parse: NULL argument");
    *out = NULL;
    if (!score_field || !*score_field) score_field = "score";
    cJSON *obj = llmobs__judge_find_object(reply_text, score_field);
    if (!obj)
        return llmobs__error(LLMOBS_EPARSE, "judge verdict: no JSON object in the reply: \"%.80s\"",
                             reply_text);
    llmobs_judgement *j = judgement_new();
    llmobs_status st = j ? LLMOBS_OK : llmobs__error(LLMOBS_ENOMEM, "judge verdict: no memory");
    if (st == LLMOBS_OK) st = llmobs__judge_read_score(obj, score_field, &j->score);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "reasoning");
    if (st == LLMOBS_OK && require_reasoning && !cJSON_IsString(r))
        st =
            llmobs__error(LLMOBS_EPARSE, "judge verdict: \"reasoning\" is missing or not a string");
    if (st == LLMOBS_OK && !(j->reasoning = strdup(cJSON_IsString(r) ? r->valuestring : "")))
        st = llmobs__error(LLMOBS_ENOMEM, "judge verdict: no memory");
    if (st == LLMOBS_OK && require_claims) st = read_claims(obj, j);
    if (st == LLMOBS_OK && !(j->json = cJSON_PrintUnformatted(obj)))
        st = llmobs__error(LLMOBS_ENOMEM, "judge verdict: no memory");
    cJSON_Delete(obj);
    if (st != LLMOBS_OK) {
        llmobs_judgement_free(j);
        return st;
    }
    llmobs__error_clear();
    *out = j;
    return LLMOBS_OK;
}

double llmobs_judgement_score(const llmobs_judgement *j)
{
    return j ? j->score : NAN;
}

const char *llmobs_judgement_reasoning(const llmobs_judgement *j)
{
    return j && j->reasoning ? j->reasoning : "";
}

size_t llmobs_judgement_claim_count(const llmobs_judgement *j)
{
    return j ? j->nclaims : 0;
}

const char *llmobs_judgement_claim_at(const llmobs_judgement *j, size_t i)
{
    return j && i < j->nclaims ? j->claims[i] : NULL;
}

const char *llmobs_judgement_json(const llmobs_judgement *j)
{
    return j && j->json ? j->json : "";
}

const char *llmobs_judgement_model(const llmobs_judgement *j)
{
    return j ? j->model : "";
}

int64_t llmobs_judgement_input_tokens(const llmobs_judgement *j)
{
    return j ? j->input_tokens : -1;
}

int64_t llmobs_judgement_output_tokens(const llmobs_judgement *j)
{
    return j ? j->output_tokens : -1;
}

double llmobs_judgement_cost_usd(const llmobs_judgement *j)
{
    return j ? j->cost_usd : -1;
}

int32_t llmobs_judgement_attempts(const llmobs_judgement *j)
{
    return j ? j->attempts : 0;
}

void llmobs_judgement_free(llmobs_judgement *j)
{
    if (!j) return;
    for (size_t i = 0; i < j->nclaims; i++)
        free(j->claims[i]);
    free(j->claims);
    free(j->reasoning);
    free(j->json);
    free(j);
}
