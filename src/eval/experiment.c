/* Golden-dataset experiments: items from a Langfuse dataset (GET /api/public/v2/datasets/{name},
 * paginated GET /api/public/dataset-items) or a JSON Lines file; each item runs the user's task
 * on a worker thread, traced as the root observation of its own trace with the
 * langfuse.experiment.* attributes (Langfuse v4 links it to the experiment from them); the
 * evaluators' scores go on that trace through the client; for Langfuse v2/v3 the run item is
 * linked with POST /api/public/dataset-run-items. Network reads and links are blocking calls on
 * the caller's and the workers' threads (the experiment is the caller's work, as judging is). */
#include "trace/tracer.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ids.h"
#include "eval/eval.h"
#include "llmobs/experiment.h"
#include "llmobs/score.h"
#include "trace/span.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONCURRENCY 64
#define MAX_FAILURES_KEPT 1000
#define MAX_ERROR_BYTES 4096 /* of an item's error message */
#define PAGE_LIMIT 50
#define MAX_PAGES 100000
#define HTTP_TIMEOUT_MS 30000
#define HTTP_ATTEMPTS 3
#define NCOUNTERS 11
#define TRACE_NAME "experiment-item-run"

typedef struct evaluator {
    char *name;
    llmobs_experiment_scorer_fn fn;
    void *ud;
    llmobs_judge *judge;
    char *criteria;
    double threshold; /* < 0: no pass rate */
    pthread_mutex_t judge_mu;
    /* results, guarded by the experiment's mu */
    double sum;
    uint64_t scored, passed, errors;
} evaluator;

struct llmobs_experiment {
    llmobs_client *client;
    char *run, *description, *metadata_json;
    char *dataset, *file, *dataset_version;
    char *base_url, *public_key, *secret_key;
    int32_t concurrency;
    double item_timeout_s;
    int link_mode;
    evaluator **evs;
    size_t nevs;
    char id[17];
    bool ran;
    char *dataset_id;
    cJSON *items; /* normalized: {"id", "input", "expected_output"?, "metadata"?, "version"?} */
    bool from_langfuse;
    pthread_mutex_t mu; /* counters, evaluator results, failures */
    uint64_t counts[NCOUNTERS];
    cJSON *failures;
    char *summary;
    /* during run */
    llmobs_experiment_task_fn task;
    void *task_ud;
    atomic_size_t next;
    bool link;
};

struct llmobs_experiment_item {
    llmobs_experiment *x;
    const char *id;
    char *input, *expected, *metadata;
    char *output;
    bool output_is_json;
    char *error;
    llmobs_trace *trace;
    int64_t deadline_ns; /* monotonic; 0: none */
};

static void set_status(llmobs_status *out, llmobs_status st)
{
    if (out) *out = st;
}

static llmobs_status dup_into(char **field, const char *value, const char *fn)
{
    char *copy = value && *value ? strdup(value) : NULL;
    if (value && *value && !copy) return llmobs__error(LLMOBS_ENOMEM, "%s: out of memory", fn);
    free(*field);
    *field = copy;
    return LLMOBS_OK;
}

static void count(llmobs_experiment *x, llmobs_experiment_counter c, uint64_t n)
{
    pthread_mutex_lock(&x->mu);
    x->counts[c] += n;
    pthread_mutex_unlock(&x->mu);
}

/* Records why an item (or the run) failed; the first MAX_FAILURES_KEPT are kept. */
static void report(llmobs_experiment *x, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(llmobs_experiment *x, const char *item, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&x->mu);
    if (x->failures && cJSON_GetArraySize(x->failures) < MAX_FAILURES_KEPT) {
        cJSON *f = cJSON_CreateObject();
        if (f) {
            cJSON_AddStringToObject(f, "item", item ? item : "");
            cJSON_AddStringToObject(f, "reason", reason);
            cJSON_AddItemToArray(x->failures, f);
        }
    }
    pthread_mutex_unlock(&x->mu);
}

/* ---- configuration ------------------------------------------------------------------------ */

llmobs_experiment *llmobs_experiment_new(llmobs_client *client, const char *run_name,
                                         llmobs_status *status)
{
    if (!client || !run_name || !*run_name) {
        set_status(status, llmobs__error(LLMOBS_EINVAL,
                                         "llmobs_experiment_new: NULL client or empty run name"));
        return NULL;
    }
    llmobs_experiment *x = calloc(1, sizeof *x);
    if (!x || !(x->run = strdup(run_name)) || !(x->failures = cJSON_CreateArray())) {
        if (x) free(x->run);
        free(x);
        set_status(status, llmobs__error(LLMOBS_ENOMEM, "llmobs_experiment_new: out of memory"));
        return NULL;
    }
    x->client = client;
    x->concurrency = 4;
    x->item_timeout_s = 300;
    x->link_mode = -1;
    uint8_t id[8];
    llmobs__random_id(id, sizeof id);
    llmobs__hex(id, sizeof id, x->id);
    pthread_mutex_init(&x->mu, NULL);
    set_status(status, LLMOBS_OK);
    return x;
}

static void evaluator_free(evaluator *e)
{
    if (!e) return;
    free(e->name);
    free(e->criteria);
    pthread_mutex_destroy(&e->judge_mu);
    free(e);
}

void llmobs_experiment_free(llmobs_experiment *x)
{
    if (!x) return;
    for (size_t i = 0; i < x->nevs; i++)
        evaluator_free(x->evs[i]);
    free(x->evs);
    char *strings[] = {x->run,        x->description,     x->metadata_json, x->dataset,
                       x->file,       x->dataset_version, x->base_url,      x->public_key,
                       x->secret_key, x->dataset_id,      x->summary};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        free(strings[i]);
    cJSON_Delete(x->items);
    cJSON_Delete(x->failures);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

#define CHECK_X(fn)                                                                                \
    do {                                                                                           \
        if (!x) return llmobs__error(LLMOBS_EINVAL, fn ": NULL experiment");                       \
        if (x->ran) return llmobs__error(LLMOBS_ESTATE, fn ": the experiment already ran");        \
    } while (0)

llmobs_status llmobs_experiment_set_dataset(llmobs_experiment *x, const char *name)
{
    CHECK_X("llmobs_experiment_set_dataset");
    if (!name || !*name) return llmobs__error(LLMOBS_EINVAL, "set_dataset: empty name");
    llmobs_status st = dup_into(&x->dataset, name, "set_dataset");
    if (st == LLMOBS_OK) dup_into(&x->file, NULL, "set_dataset");
    return st;
}

llmobs_status llmobs_experiment_set_file(llmobs_experiment *x, const char *path)
{
    CHECK_X("llmobs_experiment_set_file");
    if (!path || !*path) return llmobs__error(LLMOBS_EINVAL, "set_file: empty path");
    llmobs_status st = dup_into(&x->file, path, "set_file");
    if (st == LLMOBS_OK) dup_into(&x->dataset, NULL, "set_file");
    return st;
}

llmobs_status llmobs_experiment_set_dataset_version(llmobs_experiment *x, const char *iso_time)
{
    CHECK_X("llmobs_experiment_set_dataset_version");
    return dup_into(&x->dataset_version, iso_time, "set_dataset_version");
}

llmobs_status llmobs_experiment_set_langfuse(llmobs_experiment *x, const char *base_url,
                                             const char *public_key, const char *secret_key)
{
    CHECK_X("llmobs_experiment_set_langfuse");
    llmobs_status st = dup_into(&x->base_url, base_url, "set_langfuse");
    if (st == LLMOBS_OK) st = dup_into(&x->public_key, public_key, "set_langfuse");
    if (st == LLMOBS_OK) st = dup_into(&x->secret_key, secret_key, "set_langfuse");
    return st;
}

llmobs_status llmobs_experiment_set_description(llmobs_experiment *x, const char *text)
{
    CHECK_X("llmobs_experiment_set_description");
    return dup_into(&x->description, text, "set_description");
}

llmobs_status llmobs_experiment_set_metadata_json(llmobs_experiment *x, const char *json)
{
    CHECK_X("llmobs_experiment_set_metadata_json");
    if (!json) return dup_into(&x->metadata_json, NULL, "set_metadata_json");
    cJSON *o = cJSON_Parse(json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return llmobs__error(LLMOBS_EPARSE, "set_metadata_json: not a JSON object");
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) return llmobs__error(LLMOBS_ENOMEM, "set_metadata_json: out of memory");
    free(x->metadata_json);
    x->metadata_json = text;
    return LLMOBS_OK;
}

llmobs_status llmobs_experiment_set_concurrency(llmobs_experiment *x, int32_t n)
{
    CHECK_X("llmobs_experiment_set_concurrency");
    if (n < 1 || n > MAX_CONCURRENCY)
        return llmobs__error(LLMOBS_EINVAL, "set_concurrency: %d is not in [1, %d]", (int)n,
                             MAX_CONCURRENCY);
    x->concurrency = n;
    return LLMOBS_OK;
}

llmobs_status llmobs_experiment_set_item_timeout(llmobs_experiment *x, double seconds)
{
    CHECK_X("llmobs_experiment_set_item_timeout");
    if (!isfinite(seconds) || seconds < 0 || seconds > 1e7)
        return llmobs__error(LLMOBS_EINVAL, "set_item_timeout: not a number of seconds >= 0");
    x->item_timeout_s = seconds;
    return LLMOBS_OK;
}

llmobs_status llmobs_experiment_set_link_run_items(llmobs_experiment *x, int mode)
{
    CHECK_X("llmobs_experiment_set_link_run_items");
    if (mode < -1 || mode > 1)
        return llmobs__error(LLMOBS_EINVAL, "set_link_run_items: mode must be -1, 0 or 1");
    x->link_mode = mode;
    return LLMOBS_OK;
}

static llmobs_status add_evaluator(llmobs_experiment *x, evaluator *e, const char *name,
                                   const char *fn)
{
    for (size_t i = 0; i < x->nevs; i++)
        if (!strcmp(x->evs[i]->name, name)) {
            evaluator_free(e);
            return llmobs__error(LLMOBS_EEXIST, "%s: an evaluator named %s exists", fn, name);
        }
    evaluator **grown = realloc(x->evs, (x->nevs + 1) * sizeof(evaluator *));
    if (!grown || !(e->name = strdup(name))) {
        if (grown) x->evs = grown;
        evaluator_free(e);
        return llmobs__error(LLMOBS_ENOMEM, "%s: out of memory", fn);
    }
    x->evs = grown;
    x->evs[x->nevs++] = e;
    return LLMOBS_OK;
}

static evaluator *evaluator_new(double threshold)
{
    evaluator *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->threshold = threshold;
    pthread_mutex_init(&e->judge_mu, NULL);
    return e;
}

llmobs_status llmobs_experiment_add_scorer(llmobs_experiment *x, const char *name,
                                           llmobs_experiment_scorer_fn fn, void *userdata,
                                           double threshold)
{
    CHECK_X("llmobs_experiment_add_scorer");
    if (!name || !*name || !fn)
        return llmobs__error(LLMOBS_EINVAL, "add_scorer: empty name or NULL function");
    if (isnan(threshold) || threshold > 1)
        return llmobs__error(LLMOBS_EINVAL, "add_scorer: threshold must be <= 1");
    evaluator *e = evaluator_new(threshold < 0 ? -1 : threshold);
    if (!e) return llmobs__error(LLMOBS_ENOMEM, "add_scorer: out of memory");
    e->fn = fn;
    e->ud = userdata;
    return add_evaluator(x, e, name, "add_scorer");
}

llmobs_status llmobs_experiment_add_judge(llmobs_experiment *x, const char *name,
                                          llmobs_judge *judge, const char *criteria,
                                          double threshold)
{
    CHECK_X("llmobs_experiment_add_judge");
    if (!name || !*name || !judge)
        return llmobs__error(LLMOBS_EINVAL, "add_judge: empty name or NULL judge");
    if (isnan(threshold) || threshold > 1)
        return llmobs__error(LLMOBS_EINVAL, "add_judge: threshold must be <= 1");
    evaluator *e = evaluator_new(threshold < 0 ? LLMOBS_EVAL_DEFAULT_THRESHOLD : threshold);
    if (!e) return llmobs__error(LLMOBS_ENOMEM, "add_judge: out of memory");
    e->judge = judge;
    if (criteria && *criteria && !(e->criteria = strdup(criteria))) {
        evaluator_free(e);
        return llmobs__error(LLMOBS_ENOMEM, "add_judge: out of memory");
    }
    return add_evaluator(x, e, name, "add_judge");
}

/* ---- loading items -------------------------------------------------------------------------- */

/* Adds a normalized copy of `src` to x->items, or counts it as malformed with the reason. */
static void add_item(llmobs_experiment *x, const cJSON *src, const char *default_id,
                     const char *where)
{
    const char *why = NULL;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(src, "id");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(src, "input");
    const cJSON *expected = cJSON_GetObjectItemCaseSensitive(src, "expected_output");
    if (!expected) expected = cJSON_GetObjectItemCaseSensitive(src, "expectedOutput");
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(src, "metadata");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(src, "version");
    if (!cJSON_IsObject(src))
        why = "not a JSON object";
    else if (id && (!cJSON_IsString(id) || !*id->valuestring))
        why = "\"id\" must be a non-empty string";
    else if (!id && !default_id)
        why = "no \"id\"";
    else if (!input)
        why = "no \"input\"";
    if (why) {
        count(x, LLMOBS_EXPERIMENT_MALFORMED, 1);
        report(x, id && cJSON_IsString(id) ? id->valuestring : default_id, "malformed item, %s: %s",
               where, why);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddStringToObject(o, "id", id ? id->valuestring : default_id) &&
              cJSON_AddItemToObject(o, "input", cJSON_Duplicate(input, 1));
    if (ok && expected && !cJSON_IsNull(expected))
        ok = cJSON_AddItemToObject(o, "expected_output", cJSON_Duplicate(expected, 1));
    if (ok && metadata && !cJSON_IsNull(metadata))
        ok = cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(metadata, 1));
    if (ok && cJSON_IsString(version))
        ok = cJSON_AddStringToObject(o, "version", version->valuestring);
    if (!ok || !cJSON_AddItemToArray(x->items, o)) {
        cJSON_Delete(o);
        count(x, LLMOBS_EXPERIMENT_MALFORMED, 1);
        report(x, default_id, "item (%s) dropped: out of memory", where);
    }
}

static llmobs_status load_file(llmobs_experiment *x)
{
    FILE *f = fopen(x->file, "r");
    if (!f)
        return llmobs__error(LLMOBS_EIO, "experiment: cannot open %s: %s", x->file,
                             llmobs__strerror(errno));
    const char *base = strrchr(x->file, '/');
    base = base ? base + 1 : x->file;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p) continue;
        char id[512], where[600];
        snprintf(id, sizeof id, "%s:%ld", base, lineno);
        snprintf(where, sizeof where, "%s:%ld", x->file, lineno);
        cJSON *o = cJSON_Parse(p);
        add_item(x, o, id, where);
        cJSON_Delete(o);
    }
    bool failed = ferror(f) != 0;
    free(line);
    fclose(f);
    if (failed) return llmobs__error(LLMOBS_EIO, "experiment: cannot read %s", x->file);
    if (cJSON_GetArraySize(x->items) == 0)
        return llmobs__error(LLMOBS_ENOTFOUND, "experiment: %s has no valid item", x->file);
    return LLMOBS_OK;
}

typedef struct lf_conn {
    CURL *curl;
    struct curl_slist *headers;
    const char *base; /* without trailing slashes: base_len */
    size_t base_len;
} lf_conn;

/* One request with retries of 408/429/5xx and connection failures (backoff 200 ms doubling,
 * or Retry-After up to 5 s). On LLMOBS_OK, *rs holds a response of any status. */
static llmobs_status lf_request(lf_conn *c, const char *method, const char *url, const char *body,
                                llmobs__ehttp_response *rs)
{
    llmobs_status st = LLMOBS_OK;
    for (int attempt = 0; attempt < HTTP_ATTEMPTS; attempt++) {
        if (attempt) llmobs__ehttp_response_free(rs);
        st = llmobs__ehttp(c->curl, method, url, c->headers, body, HTTP_TIMEOUT_MS, rs);
        long status = st == LLMOBS_OK ? rs->status : 0;
        if (!llmobs__ehttp_retryable(status) || attempt + 1 == HTTP_ATTEMPTS) break;
        int64_t wait_ms = rs->retry_after_ms >= 0 ? rs->retry_after_ms : 200LL << attempt;
        if (wait_ms > 5000) wait_ms = 5000;
        struct timespec ts = {(time_t)(wait_ms / 1000), (long)(wait_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return st;
}

static char *lf_url(lf_conn *c, const char *path, const char *escaped_tail)
{
    size_t cap = c->base_len + strlen(path) + (escaped_tail ? strlen(escaped_tail) : 0) + 1;
    char *u = malloc(cap);
    if (u)
        snprintf(u, cap, "%.*s%s%s", (int)c->base_len, c->base, path,
                 escaped_tail ? escaped_tail : "");
    return u;
}

/* GETs `url` and parses a JSON object; errors name `what`. */
static llmobs_status lf_get_json(lf_conn *c, const char *url, const char *what, cJSON **out)
{
    llmobs__ehttp_response rs;
    llmobs_status st = lf_request(c, "GET", url, NULL, &rs);
    *out = NULL;
    if (st != LLMOBS_OK) {
        st = llmobs__error(st, "cannot reach Langfuse at %.*s: %s", (int)c->base_len, c->base,
                           rs.error);
    } else if (rs.status != 200) {
        bool auth = rs.status == 401 || rs.status == 403;
        st = llmobs__error(auth               ? LLMOBS_EINVAL
                           : rs.status == 404 ? LLMOBS_ENOTFOUND
                                              : LLMOBS_ENETWORK,
                           "Langfuse %s: HTTP %ld%s: %.200s", what, rs.status,
                           auth ? " (check LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY)" : "",
                           rs.body.data ? rs.body.data : "");
    } else {
        *out = cJSON_Parse(rs.body.data ? rs.body.data : "");
        if (!cJSON_IsObject(*out)) {
            cJSON_Delete(*out);
            *out = NULL;
            st = llmobs__error(LLMOBS_EPARSE, "Langfuse %s: the reply is not a JSON object", what);
        }
    }
    llmobs__ehttp_response_free(&rs);
    return st;
}

static llmobs_status load_dataset(llmobs_experiment *x, lf_conn *c)
{
    char *name = curl_easy_escape(c->curl, x->dataset, 0);
    char *version = x->dataset_version ? curl_easy_escape(c->curl, x->dataset_version, 0) : NULL;
    char *url = name ? lf_url(c, "/api/public/v2/datasets/", name) : NULL;
    llmobs_status st;
    cJSON *ds = NULL;
    if (!url) {
        st = llmobs__error(LLMOBS_ENOMEM, "experiment: out of memory");
        goto out;
    }
    st = lf_get_json(c, url, "GET /api/public/v2/datasets/{name}", &ds);
    free(url);
    url = NULL;
    if (st != LLMOBS_OK) goto out;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ds, "id");
    if (!cJSON_IsString(id) || !*id->valuestring) {
        st = llmobs__error(LLMOBS_EPARSE, "Langfuse dataset %s: no id in the reply", x->dataset);
        goto out;
    }
    if ((st = dup_into(&x->dataset_id, id->valuestring, "experiment")) != LLMOBS_OK) goto out;
    for (long page = 1; page <= MAX_PAGES; page++) {
        char tail[4096];
        int n = snprintf(tail, sizeof tail, "?datasetName=%s&page=%ld&limit=%d%s%s", name, page,
                         PAGE_LIMIT, version ? "&version=" : "", version ? version : "");
        if (n < 0 || (size_t)n >= sizeof tail) {
            st = llmobs__error(LLMOBS_EINVAL, "experiment: dataset name too long");
            goto out;
        }
        if (!(url = lf_url(c, "/api/public/dataset-items", tail))) {
            st = llmobs__error(LLMOBS_ENOMEM, "experiment: out of memory");
            goto out;
        }
        cJSON *p = NULL;
        st = lf_get_json(c, url, "GET /api/public/dataset-items", &p);
        free(url);
        url = NULL;
        if (st != LLMOBS_OK) goto out;
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(p, "data");
        if (!cJSON_IsArray(data)) {
            cJSON_Delete(p);
            st = llmobs__error(LLMOBS_EPARSE, "Langfuse dataset-items page %ld: no data array",
                               page);
            goto out;
        }
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, data)
        {
            char where[64];
            snprintf(where, sizeof where, "page %ld, item %d", page, ++i);
            const cJSON *status = cJSON_GetObjectItemCaseSensitive(it, "status");
            if (cJSON_IsString(status) && !strcmp(status->valuestring, "ARCHIVED")) {
                count(x, LLMOBS_EXPERIMENT_ARCHIVED, 1);
                continue;
            }
            add_item(x, it, NULL, where);
        }
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(p, "meta"), "totalPages");
        bool last = cJSON_GetArraySize(data) == 0 ||
                    (cJSON_IsNumber(total) ? (double)page >= total->valuedouble
                                           : cJSON_GetArraySize(data) < PAGE_LIMIT);
        cJSON_Delete(p);
        if (last) break;
    }
    if (cJSON_GetArraySize(x->items) == 0)
        st = llmobs__error(LLMOBS_ENOTFOUND, "experiment: Langfuse dataset %s has no valid item",
                           x->dataset);
out:
    cJSON_Delete(ds);
    curl_free(name);
    curl_free(version);
    return st;
}

/* ---- one item ------------------------------------------------------------------------------ */

/* Text of a JSON value for a prompt: a string as is, anything else as compact JSON. */
static char *as_text(const char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    char *t = v && cJSON_IsString(v) ? strdup(v->valuestring) : json ? strdup(json) : NULL;
    cJSON_Delete(v);
    return t;
}

static double now_s(void)
{
    return (double)llmobs__mono_ns() / 1e9;
}

static llmobs_status run_judge(evaluator *e, const llmobs_experiment_item *it, double *score,
                               char **comment)
{
    char *question = as_text(it->input), *expected = as_text(it->expected);
    char *response = it->output_is_json ? as_text(it->output) : strdup(it->output);
    char *criteria = NULL;
    const char *base = e->criteria ? e->criteria
                                   : "Is the response accurate, helpful, and free of "
                                     "hallucinations?";
    if (expected) {
        size_t cap = strlen(base) + strlen(expected) + 64;
        if ((criteria = malloc(cap)))
            snprintf(criteria, cap, "%s It must agree with this expected answer: %s", base,
                     expected);
    }
    llmobs_status st = LLMOBS_ENOMEM;
    if (question && response && (!expected || criteria)) {
        llmobs_judgement *jm = NULL;
        pthread_mutex_lock(&e->judge_mu);
        st = llmobs_judge_accuracy(e->judge, criteria ? criteria : e->criteria, question, response,
                                   NULL, &jm);
        pthread_mutex_unlock(&e->judge_mu);
        if (st == LLMOBS_OK) {
            *score = llmobs_judgement_score(jm);
            const char *r = llmobs_judgement_reasoning(jm);
            *comment = r && *r ? strdup(r) : NULL;
        }
        llmobs_judgement_free(jm);
    } else {
        llmobs__error(LLMOBS_ENOMEM, "judge: out of memory");
    }
    free(question);
    free(expected);
    free(response);
    free(criteria);
    return st;
}

static void evaluate(llmobs_experiment *x, llmobs_experiment_item *it, const char *trace_id)
{
    for (size_t i = 0; i < x->nevs; i++) {
        evaluator *e = x->evs[i];
        double score = NAN;
        char *comment = NULL;
        const char *why = NULL;
        if (e->judge) {
            if (run_judge(e, it, &score, &comment) != LLMOBS_OK) why = llmobs_last_error();
        } else if (e->fn(it, &score, e->ud) != 0) {
            why = "the scorer returned an error";
        }
        if (!why && !isfinite(score)) why = "the score is not a finite number";
        if (!why && e->threshold >= 0 && (score < 0 || score > 1))
            why = "the score is not in [0, 1]";
        if (why) {
            report(x, it->id, "evaluator %s: %s", e->name, why);
            pthread_mutex_lock(&x->mu);
            e->errors++;
            x->counts[LLMOBS_EXPERIMENT_SCORE_ERRORS]++;
            pthread_mutex_unlock(&x->mu);
            free(comment);
            continue;
        }
        llmobs_status st =
            trace_id ? llmobs_score_numeric(x->client, trace_id, NULL, e->name, score, comment)
                     : LLMOBS_ESTATE;
        if (st != LLMOBS_OK)
            report(x, it->id, "score %s not sent: %s", e->name,
                   trace_id ? llmobs_last_error() : "the item has no trace");
        pthread_mutex_lock(&x->mu);
        e->sum += score;
        e->scored++;
        if (e->threshold >= 0 && score >= e->threshold) e->passed++;
        x->counts[st == LLMOBS_OK ? LLMOBS_EXPERIMENT_SCORES_SENT
                                  : LLMOBS_EXPERIMENT_SCORE_ERRORS]++;
        pthread_mutex_unlock(&x->mu);
        free(comment);
    }
}

static void link_run_item(llmobs_experiment *x, lf_conn *c, const llmobs_experiment_item *it,
                          const char *trace_id, const char *root_id)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "runName", x->run);
    if (x->description) cJSON_AddStringToObject(b, "runDescription", x->description);
    if (x->metadata_json) cJSON_AddItemToObject(b, "metadata", cJSON_Parse(x->metadata_json));
    cJSON_AddStringToObject(b, "datasetItemId", it->id);
    cJSON_AddStringToObject(b, "traceId", trace_id);
    cJSON_AddStringToObject(b, "observationId", root_id);
    if (x->dataset_version) cJSON_AddStringToObject(b, "datasetVersion", x->dataset_version);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    char *url = lf_url(c, "/api/public/dataset-run-items", NULL);
    llmobs__ehttp_response rs;
    memset(&rs, 0, sizeof rs);
    llmobs_status st = body && url ? lf_request(c, "POST", url, body, &rs) : LLMOBS_ENOMEM;
    if (st == LLMOBS_OK && rs.status >= 200 && rs.status < 300) {
        count(x, LLMOBS_EXPERIMENT_LINKED, 1);
    } else {
        count(x, LLMOBS_EXPERIMENT_LINK_ERRORS, 1);
        if (st == LLMOBS_OK)
            report(x, it->id, "POST /api/public/dataset-run-items: HTTP %ld: %.200s", rs.status,
                   rs.body.data ? rs.body.data : "");
        else
            report(x, it->id, "POST /api/public/dataset-run-items: %s",
                   st == LLMOBS_ENOMEM ? "out of memory" : rs.error);
    }
    llmobs__ehttp_response_free(&rs);
    free(url);
    free(body);
}

static char *print_or_null(const cJSON *v)
{
    return v ? cJSON_PrintUnformatted(v) : NULL;
}

/* The langfuse.experiment.* attributes of the item's root observation. */
static void set_experiment_attributes(llmobs_experiment *x, llmobs_obs *root,
                                      const llmobs_experiment_item *it, const char *version,
                                      const char *root_id)
{
    const char *kv[][2] = {
        {"langfuse.experiment.id", x->id},
        {"langfuse.experiment.name", x->run},
        {"langfuse.experiment.description", x->description},
        {"langfuse.experiment.metadata", x->metadata_json},
        {"langfuse.experiment.dataset.id", x->dataset_id},
        {"langfuse.experiment.item.id", it->id},
        {"langfuse.experiment.item.version", version ? version : x->dataset_version},
        {"langfuse.experiment.item.expected_output", it->expected},
        {"langfuse.experiment.item.metadata", it->metadata},
        {"langfuse.experiment.item.root_observation_id", root_id},
    };
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
        if (kv[i][1] && llmobs__obs_set_attribute(root, kv[i][0], kv[i][1]) != LLMOBS_OK)
            report(x, it->id, "attribute %s not set: %s", kv[i][0], llmobs_last_error());
}

static void run_item(llmobs_experiment *x, lf_conn *c, const cJSON *src)
{
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(src, "version");
    llmobs_experiment_item it = {
        .x = x,
        .id = cJSON_GetObjectItemCaseSensitive(src, "id")->valuestring,
        .input = print_or_null(cJSON_GetObjectItemCaseSensitive(src, "input")),
        .expected = print_or_null(cJSON_GetObjectItemCaseSensitive(src, "expected_output")),
        .metadata = print_or_null(cJSON_GetObjectItemCaseSensitive(src, "metadata")),
    };
    char trace_id[33] = "", root_id[17] = "";
    llmobs_status st;
    it.trace = llmobs_trace_start(x->client, TRACE_NAME, &st);
    if (!it.input || !it.trace) {
        count(x, LLMOBS_EXPERIMENT_TRACE_ERRORS, 1);
        count(x, LLMOBS_EXPERIMENT_FAILED, 1);
        report(x, it.id, "trace not started: %s", it.input ? llmobs_last_error() : "out of memory");
        llmobs_trace_end(it.trace);
        goto out;
    }
    llmobs_obs *root = llmobs__trace_root(it.trace);
    llmobs_trace_id(it.trace, trace_id, sizeof trace_id);
    llmobs_trace_span_id(it.trace, root_id, sizeof root_id);
    llmobs_trace_set_input_json(it.trace, it.input);
    set_experiment_attributes(x, root, &it, cJSON_IsString(version) ? version->valuestring : NULL,
                              root_id);

    double start = now_s();
    if (x->item_timeout_s > 0)
        it.deadline_ns = llmobs__mono_ns() + (int64_t)(x->item_timeout_s * 1e9);
    int rc = x->task(&it, x->task_ud);
    bool late = llmobs_experiment_item_remaining_ms(&it) == 0;
    /* Past the deadline the item is timed out whatever the task says (a task that gives up
     * at the deadline reports an error too). */
    llmobs_experiment_counter outcome = LLMOBS_EXPERIMENT_SUCCEEDED;
    if (late) {
        outcome = LLMOBS_EXPERIMENT_TIMED_OUT;
        report(x, it.id, "task timed out: it returned after %.3f s (item timeout %.3f s)%s%s",
               now_s() - start, x->item_timeout_s, it.error ? ": " : "", it.error ? it.error : "");
    } else if (rc != 0 || it.error) {
        outcome = LLMOBS_EXPERIMENT_FAILED;
        report(x, it.id, "task failed: %s", it.error ? it.error : "it returned non-zero");
    }
    if (it.output) {
        if (it.output_is_json)
            llmobs_trace_set_output_json(it.trace, it.output);
        else
            llmobs_trace_set_output(it.trace, it.output);
    }
    if (outcome != LLMOBS_EXPERIMENT_SUCCEEDED) {
        llmobs_obs_set_level(root, LLMOBS_LEVEL_ERROR);
        llmobs_obs_set_status_message(root, it.error ? it.error
                                            : outcome == LLMOBS_EXPERIMENT_TIMED_OUT
                                                ? "item timed out"
                                                : "task failed");
    }
    llmobs_trace *t = it.trace;
    it.trace = NULL; /* scorers must not touch an ended trace */
    if (llmobs_trace_end(t) != LLMOBS_OK) {
        count(x, LLMOBS_EXPERIMENT_TRACE_ERRORS, 1);
        report(x, it.id, "trace not ended: %s", llmobs_last_error());
    }
    count(x, outcome, 1);
    if (outcome == LLMOBS_EXPERIMENT_SUCCEEDED && !it.output) {
        /* Scorers get "" rather than NULL: a task may legitimately produce nothing. */
        it.output = strdup("");
    }
    if (outcome == LLMOBS_EXPERIMENT_SUCCEEDED && it.output) evaluate(x, &it, trace_id);
    if (x->link) link_run_item(x, c, &it, trace_id, root_id);
out:
    free(it.input);
    free(it.expected);
    free(it.metadata);
    free(it.output);
    free(it.error);
}

typedef struct worker {
    llmobs_experiment *x;
    lf_conn conn;
    pthread_t thread;
    bool started;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    llmobs_experiment *x = w->x;
    size_t n = (size_t)cJSON_GetArraySize(x->items);
    for (;;) {
        size_t i = atomic_fetch_add(&x->next, 1);
        if (i >= n) break;
        run_item(x, &w->conn, cJSON_GetArrayItem(x->items, (int)i));
    }
    return NULL;
}

/* ---- run ---------------------------------------------------------------------------------- */

static const char *first_set(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : NULL;
}

llmobs_status llmobs_experiment_run(llmobs_experiment *x, llmobs_experiment_task_fn task,
                                    void *userdata)
{
    CHECK_X("llmobs_experiment_run");
    if (!task) return llmobs__error(LLMOBS_EINVAL, "llmobs_experiment_run: NULL task");
    if (!x->dataset && !x->file)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_experiment_run: no dataset and no file");
    x->ran = true;
    x->task = task;
    x->task_ud = userdata;
    if (!(x->items = cJSON_CreateArray()))
        return llmobs__error(LLMOBS_ENOMEM, "experiment: out of memory");
    const llmobs_options *o = llmobs__tracer_of(x->client)->opts;
    const char *base = first_set(x->base_url, o->base_url);
    const char *pk = first_set(x->public_key, o->public_key);
    const char *sk = first_set(x->secret_key, o->secret_key);
    x->from_langfuse = x->dataset != NULL;
    x->link = x->from_langfuse &&
              (x->link_mode == 1 ||
               (x->link_mode == -1 && o->exporter == LLMOBS__EXPORTER_LANGFUSE_INGESTION));
    if (x->from_langfuse && (!base || !pk || !sk))
        return llmobs__error(LLMOBS_EINVAL, "experiment: reading a Langfuse dataset needs a base "
                                            "URL and LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY");
    size_t base_len = base ? strlen(base) : 0;
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    int32_t nw = x->concurrency < 1 ? 1 : x->concurrency; /* >= 1: the caller is worker 0 */
    worker *ws = calloc((size_t)nw, sizeof *ws);
    if (!ws) return llmobs__error(LLMOBS_ENOMEM, "experiment: out of memory");
    llmobs_status st = LLMOBS_OK;
    for (int32_t i = 0; i < nw; i++) {
        ws[i].x = x;
        ws[i].conn.base = base;
        ws[i].conn.base_len = base_len;
        if (!x->from_langfuse) continue;
        ws[i].conn.curl = curl_easy_init();
        ws[i].conn.headers = curl_slist_append(NULL, "Content-Type: application/json");
        if (ws[i].conn.headers)
            ws[i].conn.headers = llmobs__ehttp_basic_auth(ws[i].conn.headers, pk, sk);
        if (!ws[i].conn.curl || !ws[i].conn.headers)
            st = llmobs__error(LLMOBS_ENOMEM, "experiment: out of memory");
    }
    if (st == LLMOBS_OK) st = x->from_langfuse ? load_dataset(x, &ws[0].conn) : load_file(x);
    if (st == LLMOBS_OK) {
        size_t n = (size_t)cJSON_GetArraySize(x->items);
        count(x, LLMOBS_EXPERIMENT_ITEMS, n);
        atomic_store(&x->next, 0);
        /* Fewer threads than asked when pthread_create fails: the items still all run. */
        for (int32_t i = 1; i < nw && (size_t)i < n; i++)
            ws[i].started = pthread_create(&ws[i].thread, NULL, work, &ws[i]) == 0;
        work(&ws[0]); /* the caller's thread is a worker too */
        for (int32_t i = 1; i < nw; i++)
            if (ws[i].started) pthread_join(ws[i].thread, NULL);
    }
    for (int32_t i = 0; i < nw; i++) {
        if (ws[i].conn.curl) curl_easy_cleanup(ws[i].conn.curl);
        curl_slist_free_all(ws[i].conn.headers);
    }
    free(ws);
    return st;
}

/* ---- item accessors ----------------------------------------------------------------------- */

const char *llmobs_experiment_item_id(const llmobs_experiment_item *it)
{
    return it ? it->id : NULL;
}

const char *llmobs_experiment_item_input(const llmobs_experiment_item *it)
{
    return it ? it->input : NULL;
}

const char *llmobs_experiment_item_expected_output(const llmobs_experiment_item *it)
{
    return it ? it->expected : NULL;
}

const char *llmobs_experiment_item_metadata(const llmobs_experiment_item *it)
{
    return it ? it->metadata : NULL;
}

const char *llmobs_experiment_item_output(const llmobs_experiment_item *it)
{
    return it ? it->output : NULL;
}

llmobs_trace *llmobs_experiment_item_trace(llmobs_experiment_item *it)
{
    return it ? it->trace : NULL;
}

int64_t llmobs_experiment_item_remaining_ms(const llmobs_experiment_item *it)
{
    if (!it || !it->deadline_ns) return -1;
    /* Rounded up: 0 only once the deadline has passed, the moment run counts the item as
     * timed out (a task that stops at 0 and returns is timed out, never merely failed). */
    int64_t left = it->deadline_ns - llmobs__mono_ns();
    return left > 0 ? (left + 999999) / 1000000 : 0;
}

static llmobs_status set_output(llmobs_experiment_item *it, const char *value, bool is_json,
                                const char *fn)
{
    if (!it || !value) return llmobs__error(LLMOBS_EINVAL, "%s: NULL item or value", fn);
    if (is_json) {
        cJSON *v = cJSON_Parse(value);
        if (!v) return llmobs__error(LLMOBS_EPARSE, "%s: not valid JSON", fn);
        cJSON_Delete(v);
    }
    char *copy = strdup(value);
    if (!copy) return llmobs__error(LLMOBS_ENOMEM, "%s: out of memory", fn);
    free(it->output);
    it->output = copy;
    it->output_is_json = is_json;
    return LLMOBS_OK;
}

llmobs_status llmobs_experiment_item_set_output(llmobs_experiment_item *it, const char *text)
{
    return set_output(it, text, false, "llmobs_experiment_item_set_output");
}

llmobs_status llmobs_experiment_item_set_output_json(llmobs_experiment_item *it, const char *json)
{
    return set_output(it, json, true, "llmobs_experiment_item_set_output_json");
}

llmobs_status llmobs_experiment_item_set_error(llmobs_experiment_item *it, const char *message)
{
    if (!it) return llmobs__error(LLMOBS_EINVAL, "llmobs_experiment_item_set_error: NULL item");
    const char *m = message && *message ? message : "task error";
    /* It becomes the root observation's status message: a few KiB say what went wrong. */
    size_t n = strnlen(m, MAX_ERROR_BYTES);
    if (n == MAX_ERROR_BYTES) /* cut: not inside a UTF-8 sequence */
        while (n && ((unsigned char)m[n] & 0xC0) == 0x80)
            n--;
    char *copy = strndup(m, n);
    if (!copy) return llmobs__error(LLMOBS_ENOMEM, "set_error: out of memory");
    free(it->error);
    it->error = copy;
    return LLMOBS_OK;
}

/* ---- results ------------------------------------------------------------------------------ */

llmobs_status llmobs_experiment_count(const llmobs_experiment *x, llmobs_experiment_counter which,
                                      uint64_t *out)
{
    if (!x || !out || (unsigned)which >= NCOUNTERS)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_experiment_count: bad argument");
    *out = x->counts[which];
    return LLMOBS_OK;
}

size_t llmobs_experiment_evaluator_count(const llmobs_experiment *x)
{
    return x ? x->nevs : 0;
}

static void evaluator_numbers(const llmobs_experiment *x, const evaluator *e, double *mean,
                              double *pass_rate)
{
    uint64_t items = x->counts[LLMOBS_EXPERIMENT_ITEMS];
    *mean = e->scored ? e->sum / (double)e->scored : NAN;
    *pass_rate = e->threshold >= 0 && items ? (double)e->passed / (double)items : NAN;
}

llmobs_status llmobs_experiment_evaluator_result(const llmobs_experiment *x, size_t i,
                                                 const char **name, double *mean, double *pass_rate,
                                                 uint64_t *scored, uint64_t *errors)
{
    if (!x) return llmobs__error(LLMOBS_EINVAL, "evaluator_result: NULL experiment");
    if (i >= x->nevs)
        return llmobs__error(LLMOBS_ENOTFOUND, "evaluator_result: no evaluator %zu", i);
    const evaluator *e = x->evs[i];
    double m, p;
    evaluator_numbers(x, e, &m, &p);
    if (name) *name = e->name;
    if (mean) *mean = m;
    if (pass_rate) *pass_rate = p;
    if (scored) *scored = e->scored;
    if (errors) *errors = e->errors;
    return LLMOBS_OK;
}

static const char *const counter_names[NCOUNTERS] = {
    "items",       "succeeded",    "failed", "timed_out",   "malformed",   "archived",
    "scores_sent", "score_errors", "linked", "link_errors", "trace_errors"};

static void add_number(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

const char *llmobs_experiment_summary_json(llmobs_experiment *x)
{
    if (!x) return NULL;
    cJSON *s = cJSON_CreateObject();
    if (!s) return NULL;
    cJSON_AddStringToObject(s, "experiment_id", x->id);
    cJSON_AddStringToObject(s, "run", x->run);
    if (x->dataset)
        cJSON_AddStringToObject(s, "dataset", x->dataset);
    else if (x->file)
        cJSON_AddStringToObject(s, "file", x->file);
    if (x->dataset_id) cJSON_AddStringToObject(s, "dataset_id", x->dataset_id);
    cJSON *counts = cJSON_AddObjectToObject(s, "counts");
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < NCOUNTERS; i++)
        cJSON_AddNumberToObject(counts, counter_names[i], (double)x->counts[i]);
    cJSON *evs = cJSON_AddArrayToObject(s, "evaluators");
    for (size_t i = 0; i < x->nevs; i++) {
        const evaluator *e = x->evs[i];
        double m, p;
        evaluator_numbers(x, e, &m, &p);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->name);
        add_number(o, "mean", m);
        add_number(o, "pass_rate", p);
        add_number(o, "threshold", e->threshold >= 0 ? e->threshold : NAN);
        cJSON_AddNumberToObject(o, "scored", (double)e->scored);
        cJSON_AddNumberToObject(o, "errors", (double)e->errors);
        cJSON_AddItemToArray(evs, o);
    }
    cJSON_AddItemToObject(s, "failures", cJSON_Duplicate(x->failures, 1));
    pthread_mutex_unlock(&x->mu);
    char *text = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    if (!text) return NULL;
    free(x->summary);
    x->summary = text;
    return x->summary;
}

const char *llmobs_experiment_id(const llmobs_experiment *x)
{
    return x ? x->id : NULL;
}
