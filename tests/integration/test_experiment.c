/* Experiments (include/llmobs/experiment.h, `llmobs-eval experiment`) against a Langfuse
 * stand-in on 127.0.0.1 (tests/support/receiver.c with a responder) that serves a dataset in
 * two pages, a fake OpenAI judge, and records the OTLP spans, scores and dataset run items:
 * every item traced once with the langfuse.experiment.* attributes, its scores on its trace,
 * malformed items and failing tasks counted, the regression gate failing and passing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "files.h"
#include "http_test.h"
#include "receiver.h"

#include <llmobs/llmobs.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Tasks run on worker threads, where cmocka's asserts must not run: they count surprises
 * here, and the tests assert it is 0 afterwards. */
static atomic_int surprises;

/* ---- the stand-in ------------------------------------------------------------------------- */

typedef struct standin {
    atomic_int dataset_status; /* status of GET /api/public/v2/datasets/{name}; 0: 200 */
    atomic_int garbage_pages;  /* answer dataset-items with a body that is not a page */
} standin;

static cJSON *item(const char *id, const char *status, cJSON *input, cJSON *expected,
                   cJSON *metadata)
{
    cJSON *o = cJSON_CreateObject();
    if (id) cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddItemToObject(o, "input", input);
    cJSON_AddItemToObject(o, "expectedOutput", expected ? expected : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "metadata", metadata ? metadata : cJSON_CreateNull());
    cJSON_AddNullToObject(o, "sourceTraceId");
    cJSON_AddNullToObject(o, "sourceObservationId");
    cJSON_AddStringToObject(o, "datasetId", "ds-1");
    cJSON_AddStringToObject(o, "datasetName", "golden");
    cJSON_AddStringToObject(o, "createdAt", "2026-12-01T00:00:00.000Z");
    cJSON_AddStringToObject(o, "updatedAt", "2026-12-01T00:00:00.000Z");
    cJSON_AddArrayToObject(o, "mediaReferences");
    return o;
}

/* Page 1: item-1, an archived item, an item without id; page 2: item-3, a number, item-4. */
static char *items_page(int page)
{
    cJSON *p = cJSON_CreateObject(), *data = cJSON_AddArrayToObject(p, "data");
    if (page == 1) {
        cJSON *q = cJSON_CreateObject();
        cJSON_AddStringToObject(q, "question", "2+2?");
        cJSON *md = cJSON_CreateObject();
        cJSON_AddStringToObject(md, "topic", "math");
        cJSON_AddItemToArray(data, item("item-1", "ACTIVE", q, cJSON_CreateString("4"), md));
        cJSON_AddItemToArray(data,
                             item("item-2", "ARCHIVED", cJSON_CreateString("old"), NULL, NULL));
        cJSON_AddItemToArray(data, item(NULL, "ACTIVE", cJSON_CreateString("no id"), NULL, NULL));
    } else if (page == 2) {
        cJSON_AddItemToArray(data,
                             item("item-3", "ACTIVE", cJSON_CreateString("Capital of France?"),
                                  cJSON_CreateString("Paris"), NULL));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(42));
        cJSON_AddItemToArray(data, item("item-4", "ACTIVE", cJSON_CreateString("BAD question"),
                                        cJSON_CreateString("x"), NULL));
    }
    cJSON *meta = cJSON_AddObjectToObject(p, "meta");
    cJSON_AddNumberToObject(meta, "page", page);
    cJSON_AddNumberToObject(meta, "limit", 50);
    cJSON_AddNumberToObject(meta, "totalItems", 6);
    cJSON_AddNumberToObject(meta, "totalPages", 2);
    char *s = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    return s;
}

/* The judge fails answers containing "BAD". */
static char *judge_reply(const char *body)
{
    bool bad = strstr(body, "BAD") != NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(c, "message");
    cJSON_AddStringToObject(m, "content",
                            bad ? "{\"score\": 0.2, \"reasoning\": \"wrong\"}"
                                : "{\"score\": 0.9, \"reasoning\": \"right\"}");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "choices"), c);
    char *s = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return s;
}

/* Accepts every event of an ingestion batch. */
static char *ingestion_ok(const char *body)
{
    cJSON *b = cJSON_Parse(body);
    const cJSON *batch = cJSON_GetObjectItem(b, "batch"), *e;
    size_t n = 0;
    char *ids[64];
    int status[64];
    cJSON_ArrayForEach(e, batch) if (n < 64)
    {
        ids[n] = cJSON_GetObjectItem(e, "id")->valuestring;
        status[n++] = 201;
    }
    char *r = recv_ingestion_reply(n, ids, status, NULL);
    cJSON_Delete(b);
    return r;
}

static char *respond(const recv_request *q, int *status, void *ud)
{
    standin *s = ud;
    if (!strcmp(q->method, "GET") && !strcmp(q->path, "/api/public/v2/datasets/golden")) {
        int st = atomic_load(&s->dataset_status);
        if (st) {
            *status = st;
            return strdup("{\"message\":\"no\"}");
        }
        return strdup("{\"id\":\"ds-1\",\"name\":\"golden\",\"description\":null,\"metadata\":"
                      "null,\"inputSchema\":null,\"expectedOutputSchema\":null,\"projectId\":"
                      "\"p\",\"createdAt\":\"2026-12-01T00:00:00.000Z\",\"updatedAt\":"
                      "\"2026-12-01T00:00:00.000Z\"}");
    }
    if (!strcmp(q->method, "GET") && !strcmp(q->path, "/api/public/dataset-items")) {
        if (atomic_load(&s->garbage_pages)) return strdup("[1,2,3]");
        const char *page = recv_arg(q, "page");
        return items_page(page ? atoi(page) : 0);
    }
    if (!strcmp(q->method, "GET")) {
        *status = 404;
        return strdup("{}");
    }
    if (!strcmp(q->path, "/v1/chat/completions")) return judge_reply(q->body);
    if (!strcmp(q->path, RECV_INGESTION_PATH)) {
        *status = 207;
        return ingestion_ok(q->body);
    }
    return strdup("{}"); /* OTLP spans, scores, dataset run items */
}

typedef struct fx {
    receiver *r;
    standin s;
    char dir[64];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    atomic_store(&surprises, 0);
    clear_env();
    f->r = receiver_start(0);
    assert_non_null(f->r);
    receiver_set_responder(f->r, respond, &f->s);
    snprintf(f->dir, sizeof f->dir, "/tmp/llmobs-experiment-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    setenv("LLMOBS_JUDGE_BASE_URL", receiver_url(f->r), 1);
    setenv("LLMOBS_JUDGE_API_KEY", "judge-key", 1);
    setenv("LLMOBS_JUDGE_MAX_RETRIES", "0", 1);
    unsetenv("LLMOBS_JUDGE_API");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    assert_int_equal(atomic_load(&surprises), 0);
    receiver_stop(f->r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *attr(const cJSON *span, const char *key)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(span, "attributes"))
    {
        if (strcmp(cJSON_GetObjectItem(a, "key")->valuestring, key)) continue;
        const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "value"), "stringValue");
        return cJSON_IsString(v) ? v->valuestring : NULL;
    }
    return NULL;
}

static const cJSON *span_of_item(const cJSON *spans, const char *item_id, int *n)
{
    const cJSON *found = NULL, *s;
    *n = 0;
    cJSON_ArrayForEach(s, spans)
    {
        const char *v = attr(s, "langfuse.experiment.item.id");
        if (v && !strcmp(v, item_id)) {
            found = s;
            (*n)++;
        }
    }
    return found;
}

/* JSON texts equal as values. */
static void assert_json_equal(const char *a, const char *b)
{
    assert_non_null(a);
    cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
    assert_non_null(x);
    assert_true(cJSON_Compare(x, y, 1));
    cJSON_Delete(x);
    cJSON_Delete(y);
}

static uint64_t counter(llmobs_experiment *x, llmobs_experiment_counter c)
{
    uint64_t v = 99999;
    assert_int_equal(llmobs_experiment_count(x, c, &v), LLMOBS_OK);
    return v;
}

/* The task of the C tests: answers the expected output, except for "BAD" inputs. */
static int answer(llmobs_experiment_item *it, void *ud)
{
    (void)ud;
    const char *in = llmobs_experiment_item_input(it);
    const char *exp = llmobs_experiment_item_expected_output(it);
    if (!llmobs_experiment_item_trace(it) || !in || !llmobs_experiment_item_id(it))
        atomic_fetch_add(&surprises, 1);
    if (strstr(in, "BAD")) return llmobs_experiment_item_set_output(it, "BAD answer") != LLMOBS_OK;
    return llmobs_experiment_item_set_output_json(it, exp ? exp : "null") != LLMOBS_OK;
}

static int exact(const llmobs_experiment_item *it, double *score, void *ud)
{
    (void)ud;
    const char *out = llmobs_experiment_item_output(it);
    const char *exp = llmobs_experiment_item_expected_output(it);
    if (!exp) return 1;
    *score = out && !strcmp(out, exp);
    return 0;
}

static llmobs_client *client_for(fx *f, const char *exporter)
{
    llmobs_options *o = receiver_options(f->r, NULL, 100);
    llmobs_options_set(o, "debug", "false");
    if (exporter) llmobs_options_set(o, "exporter", exporter);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    return c;
}

/* The properties and required fields of `schema` in tests/data/langfuse/openapi.yml. */
static int schema_fields(const char *schema, char props[][32], int *nprops, char req[][32],
                         int *nreq)
{
    char path[1024], line[1024], head[64];
    snprintf(path, sizeof path, "%s/tests/data/langfuse/openapi.yml", getenv("LLMOBS_SOURCE_DIR"));
    snprintf(head, sizeof head, "%s:", schema);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    enum { NONE, IN, PROPS, REQ } where = NONE;
    *nprops = *nreq = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        int indent = (int)strspn(line, " ");
        const char *t = line + indent;
        if (!*t) continue;
        if (indent <= 4) {
            if (where != NONE) break;
            if (indent == 4 && !strcmp(t, head)) where = IN;
            continue;
        }
        if (where == NONE) continue;
        if (indent == 6)
            where = !strcmp(t, "properties:") ? PROPS : !strcmp(t, "required:") ? REQ : IN;
        else if (where == PROPS && indent == 8 && t[strlen(t) - 1] == ':' && *nprops < 16)
            snprintf(props[(*nprops)++], 32, "%.*s", (int)strlen(t) - 1, t);
        else if (where == REQ && indent == 8 && t[0] == '-' && *nreq < 16)
            snprintf(req[(*nreq)++], 32, "%s", t + 2);
    }
    fclose(f);
    return *nprops;
}

/* ---- C API -------------------------------------------------------------------------------- */

static void every_item_is_traced_once_with_the_experiment_attributes_and_scored(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, NULL);
    llmobs_judge *judge = llmobs_judge_new(NULL, NULL);
    assert_non_null(judge);
    llmobs_experiment *x = llmobs_experiment_new(c, "prompt-v2", NULL);
    assert_non_null(x);
    assert_int_equal(llmobs_experiment_set_dataset(x, "golden"), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_set_description(x, "new prompt"), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_set_metadata_json(x, "{\"model\": \"gpt-4o\"}"), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_set_concurrency(x, 2), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_add_scorer(x, "exact", exact, NULL, 1), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_add_judge(x, "accuracy", judge, NULL, -1), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);

    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_ITEMS), 3);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SUCCEEDED), 3);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_MALFORMED), 2);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_ARCHIVED), 1);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SCORES_SENT), 6);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SCORE_ERRORS), 0);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_LINKED), 0); /* OTLP: no run-item links */

    /* Reads: the dataset, then both pages by name with basic auth. */
    int pages = 0;
    for (size_t i = 0; i < receiver_request_count(f->r); i++) {
        const recv_request *q = receiver_request(f->r, i);
        assert_string_not_equal(q->path, "/api/public/dataset-run-items");
        if (strcmp(q->path, "/api/public/dataset-items")) continue;
        pages++;
        assert_string_equal(recv_arg(q, "datasetName"), "golden");
        assert_int_equal(atoi(recv_arg(q, "page")), pages);
        assert_non_null(strstr(recv_header(q, "authorization"), "Basic "));
    }
    assert_int_equal(pages, 2);

    cJSON *spans = receiver_accepted_spans(f->r);
    assert_int_equal(cJSON_GetArraySize(spans), 3);
    const char *ids[] = {"item-1", "item-3", "item-4"};
    const char *expected[] = {"\"4\"", "\"Paris\"", "\"x\""};
    char trace_ids[3][33];
    for (int i = 0; i < 3; i++) {
        int n;
        const cJSON *s = span_of_item(spans, ids[i], &n);
        assert_int_equal(n, 1);
        char why[256];
        if (!otlp_check_span(s, why, sizeof why)) fail_msg("%s", why);
        assert_string_equal(cJSON_GetObjectItem(s, "name")->valuestring, "experiment-item-run");
        assert_null(cJSON_GetObjectItem(s, "parentSpanId"));
        const char *experiment_id = attr(s, "langfuse.experiment.id");
        assert_string_equal(experiment_id, llmobs_experiment_id(x));
        assert_int_equal(strlen(experiment_id), 16);
        assert_string_equal(attr(s, "langfuse.experiment.name"), "prompt-v2");
        assert_string_equal(attr(s, "langfuse.experiment.description"), "new prompt");
        assert_json_equal(attr(s, "langfuse.experiment.metadata"), "{\"model\":\"gpt-4o\"}");
        assert_string_equal(attr(s, "langfuse.experiment.dataset.id"), "ds-1");
        assert_json_equal(attr(s, "langfuse.experiment.item.expected_output"), expected[i]);
        assert_string_equal(attr(s, "langfuse.experiment.item.root_observation_id"),
                            cJSON_GetObjectItem(s, "spanId")->valuestring);
        snprintf(trace_ids[i], 33, "%s", cJSON_GetObjectItem(s, "traceId")->valuestring);
    }
    int n;
    const cJSON *s1 = span_of_item(spans, "item-1", &n);
    assert_json_equal(attr(s1, "langfuse.experiment.item.metadata"), "{\"topic\":\"math\"}");
    assert_json_equal(attr(s1, "langfuse.observation.input"), "{\"question\":\"2+2?\"}");
    assert_json_equal(attr(s1, "langfuse.observation.output"), "\"4\"");
    assert_null(attr(span_of_item(spans, "item-3", &n), "langfuse.experiment.item.metadata"));

    /* Scores: both evaluators on each item's trace. */
    int per_trace[3][2] = {{0}};
    for (size_t i = 0; i < receiver_request_count(f->r); i++) {
        const recv_request *q = receiver_request(f->r, i);
        if (strcmp(q->path, "/api/public/scores")) continue;
        cJSON *b = cJSON_Parse(q->body);
        const char *tid = cJSON_GetObjectItem(b, "traceId")->valuestring;
        const char *name = cJSON_GetObjectItem(b, "name")->valuestring;
        double v = cJSON_GetObjectItem(b, "value")->valuedouble;
        bool found = false;
        for (int k = 0; k < 3; k++) {
            if (strcmp(tid, trace_ids[k])) continue;
            found = true;
            int e = !strcmp(name, "accuracy");
            per_trace[k][e]++;
            if (e)
                assert_true(fabs(v - (k == 2 ? 0.2 : 0.9)) < 1e-9);
            else
                assert_true(v == (k == 2 ? 0 : 1));
        }
        assert_true(found);
        cJSON_Delete(b);
    }
    for (int k = 0; k < 3; k++) {
        assert_int_equal(per_trace[k][0], 1);
        assert_int_equal(per_trace[k][1], 1);
    }

    const char *name;
    double mean, pass;
    uint64_t scored, errors;
    assert_int_equal(llmobs_experiment_evaluator_count(x), 2);
    assert_int_equal(
        llmobs_experiment_evaluator_result(x, 1, &name, &mean, &pass, &scored, &errors), LLMOBS_OK);
    assert_string_equal(name, "accuracy");
    assert_true(fabs(mean - 2.0 / 3) < 1e-9);
    assert_true(fabs(pass - 2.0 / 3) < 1e-9);
    assert_int_equal(scored, 3);
    assert_int_equal(errors, 0);
    cJSON *sum = cJSON_Parse(llmobs_experiment_summary_json(x));
    assert_non_null(sum);
    assert_string_equal(cJSON_GetObjectItem(sum, "dataset_id")->valuestring, "ds-1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "failures")), 2); /* malformed */
    cJSON_Delete(sum);
    cJSON_Delete(spans);
    llmobs_experiment_free(x);
    llmobs_judge_free(judge);
    llmobs_shutdown(c, 5000);
}

static void legacy_exporter_links_every_item_as_a_dataset_run_item(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, "langfuse-ingestion");
    llmobs_experiment *x = llmobs_experiment_new(c, "legacy-run", NULL);
    llmobs_experiment_set_dataset(x, "golden");
    llmobs_experiment_set_description(x, "v3 server");
    llmobs_experiment_set_dataset_version(x, "2026-12-01T00:00:00Z");
    llmobs_experiment_add_scorer(x, "exact", exact, NULL, 1);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_LINKED), 3);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_LINK_ERRORS), 0);
    /* Every body is a CreateDatasetRunItemRequest of the Langfuse OpenAPI definition. */
    char props[16][32], req[16][32];
    int nprops, nreq;
    assert_true(schema_fields("CreateDatasetRunItemRequest", props, &nprops, req, &nreq) >= 6);
    assert_true(nreq >= 2);
    int links = 0;
    bool item_seen[5] = {false};
    for (size_t i = 0; i < receiver_request_count(f->r); i++) {
        const recv_request *q = receiver_request(f->r, i);
        if (!strcmp(q->path, "/api/public/dataset-items"))
            assert_string_equal(recv_arg(q, "version"), "2026-12-01T00:00:00Z");
        if (strcmp(q->path, "/api/public/dataset-run-items")) continue;
        links++;
        assert_string_equal(q->method, "POST");
        cJSON *b = cJSON_Parse(q->body);
        const cJSON *p;
        cJSON_ArrayForEach(p, b)
        {
            bool known = false;
            for (int k = 0; k < nprops; k++)
                known |= !strcmp(p->string, props[k]);
            if (!known) fail_msg("property %s is not in CreateDatasetRunItemRequest", p->string);
        }
        for (int k = 0; k < nreq; k++)
            if (!cJSON_GetObjectItem(b, req[k])) fail_msg("required %s missing", req[k]);
        assert_string_equal(cJSON_GetObjectItem(b, "runName")->valuestring, "legacy-run");
        assert_string_equal(cJSON_GetObjectItem(b, "runDescription")->valuestring, "v3 server");
        assert_int_equal(strlen(cJSON_GetObjectItem(b, "traceId")->valuestring), 32);
        assert_int_equal(strlen(cJSON_GetObjectItem(b, "observationId")->valuestring), 16);
        const char *item_id = cJSON_GetObjectItem(b, "datasetItemId")->valuestring;
        assert_int_equal(strncmp(item_id, "item-", 5), 0);
        item_seen[item_id[5] - '0'] = true;
        cJSON_Delete(b);
    }
    assert_int_equal(links, 3);
    assert_true(item_seen[1] && item_seen[3] && item_seen[4]);
    llmobs_experiment_free(x);
    llmobs_shutdown(c, 5000);
}

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int inside, max_inside, calls;
} gate;

/* Fails "BAD" inputs, sets an error on "France", and holds each call until two run at once
 * (or 5 s pass), recording the most seen together. */
static int picky(llmobs_experiment_item *it, void *ud)
{
    gate *g = ud;
    pthread_mutex_lock(&g->mu);
    g->calls++;
    if (++g->inside > g->max_inside) g->max_inside = g->inside;
    pthread_cond_broadcast(&g->cv);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    while (g->max_inside < 2 && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
        ;
    g->inside--;
    pthread_mutex_unlock(&g->mu);
    const char *in = llmobs_experiment_item_input(it);
    if (strstr(in, "BAD")) return 7;
    if (strstr(in, "France")) { /* a long message, cut to 4 KiB between characters */
        static char msg[17 + 2 * 5000 + 1];
        strcpy(msg, "no capital today!"); /* odd: byte 4096 is inside an é */
        for (int i = 0; i < 5000; i++)
            memcpy(msg + 17 + 2 * i, "\xc3\xa9", 3); /* é */
        return llmobs_experiment_item_set_error(it, msg), 0;
    }
    return llmobs_experiment_item_set_output_json(it, "\"4\"") != LLMOBS_OK;
}

static void failing_tasks_and_malformed_items_are_counted_within_the_concurrency(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, NULL);
    const char *path =
        test_write_file(f->dir, "items.jsonl",
                        "{\"input\": \"2+2\", \"expected_output\": \"4\"}\n"
                        "\n"
                        "not json at all\n"
                        "[1, 2]\n"
                        "{\"expected_output\": \"no input\"}\n"
                        "{\"input\": \"x\", \"id\": 17}\n"
                        "{\"input\": \"BAD\", \"id\": \"bad\"}\n"
                        "{\"input\": \"France\", \"id\": \"fr\", \"expectedOutput\": \"Paris\"}\n"
                        "{\"input\": \"2+2 again\", \"metadata\": {\"k\": 1}}\n"
                        "{\"input\": \"truncated\"\n");
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
    llmobs_experiment *x = llmobs_experiment_new(c, "file-run", NULL);
    assert_int_equal(llmobs_experiment_set_file(x, path), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_set_concurrency(x, 2), LLMOBS_OK);
    llmobs_experiment_add_scorer(x, "exact", exact, NULL, 1);
    assert_int_equal(llmobs_experiment_run(x, picky, &g), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(g.calls, 4);
    assert_int_equal(g.max_inside, 2); /* concurrent, and never more than asked */
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_ITEMS), 4);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SUCCEEDED), 2);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_FAILED), 2);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_MALFORMED), 5);
    /* One item without an expected output: an evaluator error, no score. */
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SCORES_SENT), 1);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SCORE_ERRORS), 1);
    cJSON *spans = receiver_accepted_spans(f->r);
    assert_int_equal(cJSON_GetArraySize(spans), 4); /* failed items are traced too */
    int n;
    const cJSON *fr = span_of_item(spans, "fr", &n);
    assert_int_equal(n, 1);
    assert_string_equal(attr(fr, "langfuse.observation.level"), "ERROR");
    const char *sm = attr(fr, "langfuse.observation.status_message");
    assert_int_equal(strncmp(sm, "no capital today!\xc3\xa9", 19), 0);
    assert_int_equal(strlen(sm), 4095); /* 4096 would split the last é */
    assert_string_equal(sm + 4093, "\xc3\xa9");
    assert_non_null(span_of_item(spans, "items.jsonl:1", &n));
    assert_null(span_of_item(spans, "items.jsonl:6", &n)); /* id 17: malformed */
    cJSON *sum = cJSON_Parse(llmobs_experiment_summary_json(x));
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(sum, "failures"));
    assert_non_null(strstr(text, "items.jsonl:3: not a JSON object"));
    assert_non_null(strstr(text, "no \\\"input\\\""));
    assert_non_null(strstr(text, "no capital today"));
    assert_non_null(strstr(text, "it returned non-zero"));
    free(text);
    cJSON_Delete(sum);
    double pass;
    llmobs_experiment_evaluator_result(x, 0, NULL, NULL, &pass, NULL, NULL);
    assert_true(fabs(pass - 0.25) < 1e-9); /* failed items do not pass */
    cJSON_Delete(spans);
    llmobs_experiment_free(x);
    llmobs_shutdown(c, 5000);
}

static int slow(llmobs_experiment_item *it, void *ud)
{
    (void)ud;
    int64_t left = llmobs_experiment_item_remaining_ms(it);
    if (left <= 0 || left > 200) atomic_fetch_add(&surprises, 1);
    if (strstr(llmobs_experiment_item_input(it), "slow")) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        if (llmobs_experiment_item_remaining_ms(it) != 0) atomic_fetch_add(&surprises, 1);
    }
    return llmobs_experiment_item_set_output_json(it, "\"done\"") != LLMOBS_OK;
}

static void an_item_past_its_deadline_is_timed_out_and_not_scored(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, NULL);
    const char *path = test_write_file(f->dir, "t.jsonl",
                                       "{\"input\": \"slow\", \"expected_output\": \"done\"}\n"
                                       "{\"input\": \"fast\", \"expected_output\": \"done\"}\n");
    llmobs_experiment *x = llmobs_experiment_new(c, "t", NULL);
    llmobs_experiment_set_file(x, path);
    llmobs_experiment_set_item_timeout(x, 0.2);
    llmobs_experiment_add_scorer(x, "exact", exact, NULL, 1);
    assert_int_equal(llmobs_experiment_run(x, slow, NULL), LLMOBS_OK);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_TIMED_OUT), 1);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SUCCEEDED), 1);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_SCORES_SENT), 1);
    assert_non_null(strstr(llmobs_experiment_summary_json(x), "task timed out"));
    llmobs_experiment_free(x);
    llmobs_shutdown(c, 5000);
}

/* A task that works until no time is left and then gives up (as the CLI's command runner
 * does) is timed out, never merely failed: remaining_ms says 0 only once run, too, counts the
 * deadline as passed (it used to round down and say 0 up to a millisecond early). */
static int until_no_time_is_left(llmobs_experiment_item *it, void *ud)
{
    (void)ud;
    while (llmobs_experiment_item_remaining_ms(it) > 0)
        ;
    llmobs_experiment_item_set_error(it, "gave up at the deadline");
    return 1;
}

static void a_task_that_stops_when_no_time_is_left_is_timed_out(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, NULL);
    char items[20 * 16 + 1] = "";
    for (int i = 0; i < 20; i++)
        strcat(items, "{\"input\": \"x\"}\n");
    const char *path = test_write_file(f->dir, "d.jsonl", items);
    llmobs_experiment *x = llmobs_experiment_new(c, "d", NULL);
    llmobs_experiment_set_file(x, path);
    llmobs_experiment_set_item_timeout(x, 0.01);
    assert_int_equal(llmobs_experiment_run(x, until_no_time_is_left, NULL), LLMOBS_OK);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_TIMED_OUT), 20);
    assert_int_equal(counter(x, LLMOBS_EXPERIMENT_FAILED), 0);
    llmobs_experiment_free(x);
    llmobs_shutdown(c, 5000);
}

static void unreadable_datasets_fail_the_run_with_a_reason(void **state)
{
    fx *f = *state;
    llmobs_client *c = client_for(f, NULL);
    llmobs_experiment *x = llmobs_experiment_new(c, "r", NULL);
    llmobs_experiment_set_dataset(x, "golden");
    atomic_store(&f->s.dataset_status, 404);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_ENOTFOUND);
    assert_non_null(strstr(llmobs_last_error(), "HTTP 404"));
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_ESTATE); /* runs once */
    llmobs_experiment_free(x);

    atomic_store(&f->s.dataset_status, 401);
    x = llmobs_experiment_new(c, "r", NULL);
    llmobs_experiment_set_dataset(x, "golden");
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_EINVAL);
    assert_non_null(strstr(llmobs_last_error(), "LANGFUSE_SECRET_KEY"));
    llmobs_experiment_free(x);

    atomic_store(&f->s.dataset_status, 0);
    atomic_store(&f->s.garbage_pages, 1);
    x = llmobs_experiment_new(c, "r", NULL);
    llmobs_experiment_set_dataset(x, "golden");
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_EPARSE);
    llmobs_experiment_free(x);

    x = llmobs_experiment_new(c, "r", NULL);
    llmobs_experiment_set_dataset(x, "golden");
    llmobs_experiment_set_langfuse(x, "http://127.0.0.1:1", NULL, NULL);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_ENETWORK);
    llmobs_experiment_free(x);

    x = llmobs_experiment_new(c, "r", NULL);
    llmobs_experiment_set_file(x, "/nonexistent/items.jsonl");
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_EIO);
    llmobs_experiment_free(x);
    llmobs_flush(c, 5000, NULL);
    assert_int_equal(receiver_span_count(f->r), 0); /* nothing ran */
    llmobs_shutdown(c, 5000);
}

static void garbage_arguments_are_refused(void **state)
{
    fx *f = *state;
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_experiment_new(NULL, "r", &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    llmobs_client *c = client_for(f, NULL);
    assert_null(llmobs_experiment_new(c, "", &st));
    assert_null(llmobs_experiment_new(c, NULL, NULL));
    llmobs_experiment_free(NULL);
    llmobs_experiment *x = llmobs_experiment_new(c, "r", NULL);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_EINVAL); /* no items */
    assert_int_equal(llmobs_experiment_set_dataset(x, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_file(x, ""), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_metadata_json(x, "[1]"), LLMOBS_EPARSE);
    assert_int_equal(llmobs_experiment_set_metadata_json(x, "{"), LLMOBS_EPARSE);
    assert_int_equal(llmobs_experiment_set_concurrency(x, 0), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_concurrency(x, 65), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_item_timeout(x, -1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_item_timeout(x, NAN), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_link_run_items(x, 2), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_add_scorer(x, "s", NULL, NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_add_scorer(x, "s", exact, NULL, 1.5), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_add_scorer(x, "s", exact, NULL, 1), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_add_scorer(x, "s", exact, NULL, 1), LLMOBS_EEXIST);
    assert_int_equal(llmobs_experiment_add_judge(x, "j", NULL, NULL, 1), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_set_file(x, "/dev/null"), LLMOBS_OK);
    assert_int_equal(llmobs_experiment_run(x, NULL, NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_run(x, answer, NULL), LLMOBS_ENOTFOUND); /* no items */
    assert_int_equal(llmobs_experiment_count(x, (llmobs_experiment_counter)99, NULL),
                     LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_evaluator_result(x, 5, NULL, NULL, NULL, NULL, NULL),
                     LLMOBS_ENOTFOUND);
    assert_int_equal(llmobs_experiment_evaluator_result(NULL, 0, NULL, NULL, NULL, NULL, NULL),
                     LLMOBS_EINVAL);
    assert_null(llmobs_experiment_summary_json(NULL));
    assert_null(llmobs_experiment_id(NULL));
    assert_null(llmobs_experiment_item_input(NULL));
    assert_null(llmobs_experiment_item_trace(NULL));
    assert_int_equal(llmobs_experiment_item_remaining_ms(NULL), -1);
    assert_int_equal(llmobs_experiment_item_set_output(NULL, "x"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_item_set_error(NULL, "x"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_experiment_evaluator_count(NULL), 0);
    llmobs_experiment_free(x);
    llmobs_shutdown(c, 5000);
}

/* ---- llmobs-eval experiment ---------------------------------------------------------------- */

/* The CLI's output, shown whole when the expected text is missing from it. */
#define assert_in(text, expected)                                                                  \
    do {                                                                                           \
        if (!strstr((text), (expected)))                                                           \
            fail_msg("missing \"%s\" in %s:\n%s", (expected), #text, (text));                      \
    } while (0)

static int run_cli(fx *f, const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/tools/llmobs-eval' experiment %s >out 2>err", f->dir,
             getenv("LLMOBS_BUILD_DIR"), args);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc));
    const char *names[] = {"out", "err"};
    char **bufs[] = {out, err};
    for (int i = 0; i < 2; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        char *b = calloc(1, 1 << 20);
        size_t n = fread(b, 1, (1 << 20) - 1, fp);
        b[n] = 0;
        fclose(fp);
        *bufs[i] = b;
    }
    return WEXITSTATUS(rc);
}

static void use_langfuse_env(fx *f)
{
    setenv("LANGFUSE_BASE_URL", receiver_url(f->r), 1);
    setenv("LANGFUSE_PUBLIC_KEY", TEST_PUBLIC_KEY, 1);
    setenv("LANGFUSE_SECRET_KEY", TEST_SECRET_KEY, 1);
}

static const char QA[] = "{\"input\": {\"q\": \"2+2\"}, \"expected_output\": \"4\"}\n"
                         "{\"input\": {\"q\": \"capital of France\"}, \"expected_output\": "
                         "\"Paris\"}\n"
                         "{\"input\": {\"q\": \"colour of the sky\"}, \"expected_output\": "
                         "\"blue\"}\n"
                         "{\"input\": {\"q\": \"3*3\"}, \"expected_output\": \"9\"}\n";

/* good.sh answers all four; worse.sh gets the sky wrong (exact match 0.75). */
static const char GOOD[] = "in=$(cat)\n"
                           "case \"$in\" in\n"
                           "*2+2*) echo 4;; *France*) echo '\"Paris\"';;\n"
                           "*sky*) echo blue;; *3*) echo 9;;\n"
                           "esac\n";
static const char WORSE[] = "in=$(cat)\n"
                            "case \"$in\" in\n"
                            "*2+2*) echo 4;; *France*) echo Paris;;\n"
                            "*sky*) echo green;; *3*) echo 9;;\n"
                            "esac\n";

static void cli_gate_fails_on_a_regression_and_passes_otherwise(void **state)
{
    fx *f = *state;
    use_langfuse_env(f);
    test_write_file(f->dir, "qa.jsonl", QA);
    test_write_file(f->dir, "good.sh", GOOD);
    test_write_file(f->dir, "worse.sh", WORSE);
    char *out, *err;
    const char *base = "--file qa.jsonl --evaluator exact_match --evaluator judge ";
    char args[1024];
    snprintf(args, sizeof args, "%s --run base --command 'sh good.sh'", base);
    int rc = run_cli(f, args, &out, &err);
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    assert_in(out, "items 4: 4 succeeded, 0 failed");
    assert_in(out, "exact_match         1.000      1.000        4        0");
    assert_in(out, "accuracy            0.900      1.000        4        0");
    assert_in(out, "nothing to compare");
    free(out), free(err);

    /* Worse than the previous run (base) by 0.25: fails at the default 0.05 tolerance. */
    snprintf(args, sizeof args, "%s --run worse --command 'sh worse.sh'", base);
    assert_int_equal(run_cli(f, args, &out, &err), 1);
    assert_in(out, "compared with run base");
    assert_in(out, "exact_match         1.000    0.750   -0.250      1.000      0.750 "
                   "  -0.250  REGRESSION");
    assert_in(out, "accuracy            0.900    0.900   +0.000      1.000      1.000 "
                   "  +0.000  ok");
    free(out), free(err);
    /* The same drop within --max-regression 0.25 passes. */
    snprintf(args, sizeof args,
             "%s --run worse2 --command 'sh worse.sh' --compare-to base "
             "--max-regression 0.25",
             base);
    rc = run_cli(f, args, &out, &err);
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    free(out), free(err);
    /* Better than the previous run (worse2): an improvement is no regression. */
    snprintf(args, sizeof args, "%s --run fixed --command 'sh good.sh'", base);
    assert_int_equal(run_cli(f, args, &out, &err), 0);
    assert_in(out, "compared with run worse2");
    assert_in(out, "+0.250  ok");
    free(out), free(err);
    /* Against a named run: worse vs base fails, good vs worse passes. */
    snprintf(args, sizeof args, "%s --run w3 --command 'sh worse.sh' --compare-to base", base);
    assert_int_equal(run_cli(f, args, &out, &err), 1);
    free(out), free(err);
    snprintf(args, sizeof args, "%s --run g3 --command 'sh good.sh' --compare-to w3", base);
    assert_int_equal(run_cli(f, args, &out, &err), 0);
    free(out), free(err);
    snprintf(args, sizeof args, "%s --run g4 --command 'sh good.sh' --compare-to nope", base);
    assert_int_equal(run_cli(f, args, &out, &err), 8);
    assert_in(err, "no run nope");
    free(out), free(err);

    /* Every run was recorded, with its evaluators. */
    char path[128];
    snprintf(path, sizeof path, "%s/.llmobs-experiments.json", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[1 << 16];
    buf[fread(buf, 1, sizeof buf - 1, fp)] = 0;
    fclose(fp);
    cJSON *res = cJSON_Parse(buf);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(res, "runs")), 7);
    cJSON_Delete(res);
    /* Spans: 7 runs of 4 items, each traced once. */
    assert_int_equal(receiver_wait_spans(f->r, 28, 5000), 28);
    test_write_file(f->dir, ".llmobs-experiments.json", "garbage");
    snprintf(args, sizeof args, "%s --run g5 --command 'sh good.sh' --compare-to base", base);
    assert_int_equal(run_cli(f, args, &out, &err), 8);
    assert_in(err, "is not a results file");
    free(out), free(err);
}

static void cli_counts_failing_commands_and_malformed_items(void **state)
{
    fx *f = *state;
    use_langfuse_env(f);
    test_write_file(f->dir, "items.jsonl",
                    "{\"input\": \"ok\", \"expected_output\": \"ok\"}\n"
                    "{oops\n"
                    "{\"input\": \"fail\", \"expected_output\": \"x\"}\n"
                    "{\"input\": \"sleep\", \"expected_output\": \"x\"}\n");
    test_write_file(f->dir, "cmd.sh",
                    "in=$(cat)\n"
                    "case \"$in\" in\n"
                    "*fail*) echo broken >&2; exit 3;;\n"
                    "*sleep*) sleep 30; echo late;;\n"
                    "*) echo ok;;\n"
                    "esac\n");
    char *out, *err;
    int64_t t0 = test_mono_ms();
    int rc = run_cli(f,
                     "--file items.jsonl --run r --command 'sh cmd.sh' --evaluator exact_match "
                     "--item-timeout 1",
                     &out, &err);
    int64_t took = test_mono_ms() - t0;
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    assert_true(took < test_slack_ms(15000)); /* the sleeping command was killed */
    assert_in(out, "items 3: 1 succeeded, 1 failed, 1 timed out; 1 malformed");
    assert_in(out, "exact_match         1.000      0.333        1        0");
    assert_in(err, "items.jsonl:2: not a JSON object");
    assert_in(err, "the command exited with status 3");
    assert_in(err, "killed at the item deadline");
    free(out), free(err);
    /* Every item failing is an error of its own. */
    test_write_file(f->dir, "bad.sh", "cat >/dev/null; exit 1\n");
    assert_int_equal(run_cli(f,
                             "--file items.jsonl --run r2 --command 'sh bad.sh' --evaluator "
                             "exact_match --item-timeout 5",
                             &out, &err),
                     9);
    assert_in(err, "every item failed");
    free(out), free(err);
    /* The command reads the item input JSON and sees the item's variables. */
    test_write_file(f->dir, "echo.sh",
                    "cat >&2; echo \" $LLMOBS_EXPERIMENT_RUN $LLMOBS_EXPERIMENT_ITEM_ID "
                    "${TRACEPARENT%%-*}\" >&2; echo\n");
    assert_int_equal(run_cli(f,
                             "--file items.jsonl --run r3 --command 'sh echo.sh' --evaluator "
                             "exact_match --concurrency 1",
                             &out, &err),
                     0);
    assert_in(err, "\"ok\" r3 items.jsonl:1 00");
    free(out), free(err);
}

static void cli_reads_a_langfuse_dataset_and_reports_its_errors(void **state)
{
    fx *f = *state;
    test_write_file(f->dir, "good.sh",
                    "in=$(cat)\ncase \"$in\" in *2+2*) echo 4;; *France*) echo Paris;; "
                    "*) echo other;; esac\n");
    char *out, *err;
    const char *args = "--dataset golden --run lf --command 'sh good.sh' --evaluator exact_match";
    assert_int_equal(run_cli(f, args, &out, &err), 3); /* no keys */
    assert_in(err, "LANGFUSE_PUBLIC_KEY");
    free(out), free(err);
    use_langfuse_env(f);
    int rc = run_cli(f, args, &out, &err);
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    assert_in(out, "items 3: 3 succeeded, 0 failed, 0 timed out; 2 malformed and 1 "
                   "archived");
    assert_in(out, "exact_match         0.667      0.667        3        0");
    cJSON *spans = receiver_accepted_spans(f->r);
    assert_int_equal(cJSON_GetArraySize(spans), 3);
    int n;
    const cJSON *s = span_of_item(spans, "item-3", &n);
    assert_int_equal(n, 1);
    assert_string_equal(attr(s, "langfuse.experiment.name"), "lf");
    assert_string_equal(attr(s, "langfuse.experiment.dataset.id"), "ds-1");
    assert_json_equal(attr(s, "langfuse.observation.output"), "\"Paris\"");
    cJSON_Delete(spans);
    free(out), free(err);
    atomic_store(&f->s.dataset_status, 404);
    assert_int_equal(run_cli(f, args, &out, &err), 5);
    free(out), free(err);
    atomic_store(&f->s.dataset_status, 401);
    assert_int_equal(run_cli(f, args, &out, &err), 4);
    free(out), free(err);
    atomic_store(&f->s.dataset_status, 0);
    assert_int_equal(run_cli(f, "--dataset golden --run x", &out, &err), 2);
    free(out), free(err);
    assert_int_equal(run_cli(f, "--file a --dataset b --run x --command c", &out, &err), 2);
    free(out), free(err);
    unsetenv("LLMOBS_JUDGE_API_KEY");
    assert_int_equal(run_cli(f, "--dataset golden --run x --command cat", &out, &err), 3);
    assert_in(err, "LLMOBS_JUDGE_API_KEY");
    free(out), free(err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(every_item_is_traced_once_with_the_experiment_attributes_and_scored),
        T(legacy_exporter_links_every_item_as_a_dataset_run_item),
        T(failing_tasks_and_malformed_items_are_counted_within_the_concurrency),
        T(an_item_past_its_deadline_is_timed_out_and_not_scored),
        T(a_task_that_stops_when_no_time_is_left_is_timed_out),
        T(unreadable_datasets_fail_the_run_with_a_reason),
        T(garbage_arguments_are_refused),
        T(cli_gate_fails_on_a_regression_and_passes_otherwise),
        T(cli_counts_failing_commands_and_malformed_items),
        T(cli_reads_a_langfuse_dataset_and_reports_its_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
