/* llmobs-eval, the built binary, against a Langfuse stand-in (observation pages with cursors,
 * recording posted scores) and a fake judge on 127.0.0.1: what it reads, what it posts (every
 * score validated against CreateScoreRequest in tests/data/langfuse/openapi.yml), what it prints,
 * and its exit codes. */
#include "fake_http.h"
#include "files.h"

#include <stdatomic.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

/* ---- CreateScoreRequest from the OpenAPI file ------------------------------------------- */

typedef struct schema {
    char props[32][32];
    int nprops;
    char required[8][32];
    int nrequired;
    char types[8][32]; /* ScoreDataType enum */
    int ntypes;
} schema;

static void load_schema(schema *s)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/langfuse/openapi.yml", getenv("LLMOBS_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(s, 0, sizeof *s);
    char line[1024];
    enum { NONE, CSR, CSR_PROPS, CSR_REQ, SDT, SDT_ENUM } where = NONE;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        int indent = (int)strspn(line, " ");
        const char *t = line + indent;
        if (indent == 4 && *t) {
            where = !strcmp(t, "CreateScoreRequest:") ? CSR
                    : !strcmp(t, "ScoreDataType:")    ? SDT
                                                      : NONE;
            continue;
        }
        if (where == NONE || !*t) continue;
        if (indent == 6) {
            if (where >= SDT)
                where = !strcmp(t, "enum:") ? SDT_ENUM : SDT;
            else
                where = !strcmp(t, "properties:") ? CSR_PROPS
                        : !strcmp(t, "required:") ? CSR_REQ
                                                  : CSR;
            continue;
        }
        if (where == CSR_PROPS && indent == 8 && t[strlen(t) - 1] == ':')
            snprintf(s->props[s->nprops++], 32, "%.*s", (int)strlen(t) - 1, t);
        else if (where == CSR_REQ && indent == 8 && t[0] == '-')
            snprintf(s->required[s->nrequired++], 32, "%s", t + 2);
        else if (where == SDT_ENUM && indent == 8 && t[0] == '-')
            snprintf(s->types[s->ntypes++], 32, "%s", t + 2);
    }
    fclose(f);
    assert_true(s->nprops >= 10);
    assert_int_equal(s->nrequired, 2);
    assert_true(s->ntypes >= 4);
}

static bool in_list(char (*list)[32], int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], v)) return true;
    return false;
}

/* NULL when `body` is a valid CreateScoreRequest, else why not. */
static const char *check_score(const schema *s, const char *body)
{
    static char why[256];
    cJSON *o = cJSON_Parse(body);
    if (!cJSON_IsObject(o)) return "not a JSON object";
    const char *r = NULL;
    for (int i = 0; i < s->nrequired && !r; i++)
        if (!cJSON_GetObjectItemCaseSensitive(o, s->required[i]))
            snprintf(why, sizeof why, "required %s missing", s->required[i]), r = why;
    const cJSON *it;
    cJSON_ArrayForEach(it, o) if (!r && !in_list((char(*)[32])s->props, s->nprops, it->string))
        snprintf(why, sizeof why, "property %s not in the schema", it->string),
        r = why;
    const cJSON *name = cJSON_GetObjectItem(o, "name"), *value = cJSON_GetObjectItem(o, "value");
    const cJSON *dt = cJSON_GetObjectItem(o, "dataType");
    if (!r && (!cJSON_IsString(name) || !*name->valuestring)) r = "name must be a non-empty string";
    const char *type = cJSON_IsString(dt) ? dt->valuestring : "NUMERIC";
    if (!r && dt && !in_list((char(*)[32])s->types, s->ntypes, type)) r = "unknown dataType";
    bool numeric = !strcmp(type, "NUMERIC") || !strcmp(type, "BOOLEAN");
    if (!r && numeric && !cJSON_IsNumber(value)) r = "value must be a number for this dataType";
    if (!r && !numeric && !cJSON_IsString(value)) r = "value must be a string for this dataType";
    const char *ids[] = {"traceId", "observationId", "comment", "id", "environment"};
    for (size_t i = 0; i < 5 && !r; i++) {
        const cJSON *v = cJSON_GetObjectItem(o, ids[i]);
        if (v && !cJSON_IsString(v) && !cJSON_IsNull(v))
            snprintf(why, sizeof why, "%s must be a string", ids[i]), r = why;
    }
    cJSON_Delete(o);
    return r;
}

static void the_validator_rejects_what_the_schema_rejects(void **state)
{
    (void)state;
    schema s;
    load_schema(&s);
    assert_null(check_score(&s, "{\"name\":\"accuracy\",\"value\":0.5,\"dataType\":\"NUMERIC\","
                                "\"traceId\":\"abc\"}"));
    assert_non_null(check_score(&s, "{\"value\":0.5}"));
    assert_non_null(check_score(&s, "{\"name\":\"a\"}"));
    assert_non_null(check_score(&s, "{\"name\":\"a\",\"value\":0.5,\"trace_id\":\"x\"}"));
    assert_non_null(check_score(&s, "{\"name\":\"a\",\"value\":\"0.5\",\"dataType\":\"NUMERIC\"}"));
    assert_non_null(check_score(&s, "{\"name\":\"a\",\"value\":1,\"dataType\":\"CATEGORICAL\"}"));
}

/* ---- stand-ins --------------------------------------------------------------------------- */

static cJSON *observation(const char *id, const char *trace, bool root, const char *input,
                          const char *output, const char *context)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "traceId", trace);
    cJSON_AddStringToObject(o, "type", "SPAN");
    cJSON_AddStringToObject(o, "traceName", "rag");
    cJSON_AddBoolToObject(o, "isRootObservation", root);
    cJSON_AddStringToObject(o, "input", input);
    cJSON_AddStringToObject(o, "output", output);
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    if (context) {
        cJSON_AddStringToObject(md, "retrieved_context", context);
        cJSON_AddStringToObject(md, "pipeline_version", "v7");
    }
    return o;
}

static void langfuse_handler(void *ud, const fake_request *rq, fake_reply *rp)
{
    (void)ud;
    if (!strcmp(rq->method, "POST")) { /* scores, and any trace export */
        rp->body = strdup("{\"id\":\"s\"}");
        return;
    }
    if (strcmp(rq->path, "/api/public/v2/observations") != 0) {
        rp->status = 404;
        return;
    }
    const char *cursor = fake_arg(rq, "cursor");
    cJSON *page = cJSON_CreateObject(), *data = cJSON_AddArrayToObject(page, "data");
    cJSON *meta = cJSON_AddObjectToObject(page, "meta");
    const char *t1 = "0123456789abcdef0123456789abcde1", *t2 = "0123456789abcdef0123456789abcde2";
    const char *t3 = "0123456789abcdef0123456789abcde3", *t4 = "0123456789abcdef0123456789abcde4";
    if (!cursor) {
        cJSON_AddItemToArray(data,
                             observation("00000000000000a1", t1, true, "Q1", "good A1", NULL));
        cJSON_AddItemToArray(data,
                             observation("00000000000000b1", t1, false, "child", "BAD", NULL));
        cJSON_AddItemToArray(data,
                             observation("00000000000000a2", t2, true, "Q2", "good A2", NULL));
        cJSON_AddStringToObject(meta, "cursor", "page-2");
    } else {
        cJSON_AddItemToArray(data, observation("00000000000000a3", t3, true, "Q3", "BAD A3", NULL));
        cJSON_AddItemToArray(data,
                             observation("00000000000000a4", t4, true, "Q4", "good A4", "docs"));
        cJSON_AddNullToObject(meta, "cursor");
    }
    rp->body = cJSON_PrintUnformatted(page);
    cJSON_Delete(page);
}

/* A judge that fails answers containing "BAD" and passes the rest (both prompts). */
static void judge_handler(void *ud, const fake_request *rq, fake_reply *rp)
{
    (void)ud;
    bool bad = strstr(rq->body, "BAD") != NULL;
    const char *verdict = strstr(rq->body, "unsupported_claims")
                              ? "{\"faithfulness\": 0.5, \"unsupported_claims\": [\"x\"]}"
                          : bad ? "Verdict: {\"score\": 0.2, \"reasoning\": \"wrong\"}"
                                : "{\"score\": 0.9, \"reasoning\": \"right\"}";
    cJSON *out = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(c, "message");
    cJSON_AddStringToObject(m, "content", verdict);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "choices"), c);
    rp->body = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
}

typedef struct fx {
    fake_http *lf, *judge;
    char dir[256];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->lf = fake_http_start(langfuse_handler, NULL);
    f->judge = fake_http_start(judge_handler, NULL);
    snprintf(f->dir, sizeof f->dir, "/tmp/llmobs-eval-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    setenv("LANGFUSE_BASE_URL", fake_http_url(f->lf), 1);
    setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-test", 1);
    setenv("LANGFUSE_SECRET_KEY", "sk-lf-test", 1);
    setenv("LLMOBS_JUDGE_BASE_URL", fake_http_url(f->judge), 1);
    setenv("LLMOBS_JUDGE_API_KEY", "judge-key", 1);
    setenv("LLMOBS_JUDGE_MAX_RETRIES", "0", 1);
    unsetenv("LLMOBS_JUDGE_API");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    fake_http_stop(f->lf);
    fake_http_stop(f->judge);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Runs llmobs-eval with `args`; returns its exit code; stdout/stderr are in out/err. */
static int run(fx *f, const char *args, char **out, char **err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/tools/llmobs-eval' %s >'%s/out' 2>'%s/err'",
             getenv("LLMOBS_BUILD_DIR"), args, f->dir, f->dir);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc));
    const char *names[] = {"out", "err"};
    char **bufs[] = {out, err};
    for (int i = 0; i < 2; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        FILE *fp = fopen(path, "r");
        char *b = calloc(1, 1 << 20);
        size_t n = fread(b, 1, (1 << 20) - 1, fp);
        b[n] = 0;
        fclose(fp);
        *bufs[i] = b;
    }
    return WEXITSTATUS(rc);
}

static void production_judges_root_observations_and_posts_valid_scores(void **state)
{
    fx *f = *state;
    schema s;
    load_schema(&s);
    char *out, *err;
    int rc = run(f, "production --feature rag --sample 10 --seed 1 --print-metrics", &out, &err);
    if (rc != 0) fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, out, err);
    /* Two pages, the second asked for with the first page's cursor. */
    int gets = 0, scores = 0, accuracy = 0, faithfulness = 0;
    for (size_t i = 0; i < fake_http_count(f->lf); i++) {
        const fake_request *rq = fake_http_request(f->lf, i);
        if (!strcmp(rq->method, "GET")) {
            gets++;
            assert_string_equal(fake_header(rq, "authorization"),
                                "Basic cGstbGYtdGVzdDpzay1sZi10ZXN0");
            const char *filter = fake_arg(rq, "filter");
            assert_non_null(filter);
            assert_non_null(
                strstr(filter, "\"column\":\"traceName\",\"operator\":\"=\",\"value\":\"rag\""));
            assert_non_null(strstr(filter, "isRootObservation"));
            assert_non_null(strstr(fake_arg(rq, "fields"), "io"));
            assert_non_null(strstr(fake_arg(rq, "fields"), "metadata"));
            if (gets == 2) assert_string_equal(fake_arg(rq, "cursor"), "page-2");
        } else if (!strcmp(rq->path, "/api/public/scores")) {
            scores++;
            const char *why = check_score(&s, rq->body);
            if (why) fail_msg("score %s: %s", rq->body, why);
            cJSON *b = cJSON_Parse(rq->body);
            const char *name = cJSON_GetObjectItem(b, "name")->valuestring;
            accuracy += !strcmp(name, "accuracy");
            faithfulness += !strcmp(name, "faithfulness");
            /* Never the child observation. */
            assert_string_not_equal(cJSON_GetObjectItem(b, "observationId")->valuestring,
                                    "00000000000000b1");
            cJSON_Delete(b);
        }
    }
    assert_int_equal(gets, 2);
    assert_int_equal(accuracy, 4);
    assert_int_equal(faithfulness, 1);
    assert_int_equal(scores, 5);
    assert_non_null(strstr(out, "llm_eval_pass_rate{feature=\"rag\",metric=\"accuracy\"} 0.75"));
    assert_non_null(
        strstr(out, "llm_eval_runs_total{feature=\"rag\",metric=\"accuracy\",result=\"fail\"} 1"));
    assert_non_null(strstr(out, "llm_rag_faithfulness{pipeline_version=\"v7\"} 0.5"));
    assert_non_null(strstr(out, "accuracy"));
    assert_non_null(strstr(err, "judged 4/4"));
    free(out);
    free(err);
}

static void production_samples_at_most_n(void **state)
{
    fx *f = *state;
    char *out, *err;
    assert_int_equal(run(f, "production --feature rag --sample 2 --no-scores", &out, &err), 0);
    assert_non_null(strstr(err, "judged 2/2"));
    for (size_t i = 0; i < fake_http_count(f->lf); i++)
        assert_string_equal(fake_http_request(f->lf, i)->method, "GET");
    free(out);
    free(err);
}

static void production_exit_codes(void **state)
{
    fx *f = *state;
    char *out, *err;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fake_unused_port());
    setenv("LANGFUSE_BASE_URL", url, 1);
    assert_int_equal(run(f, "production --feature rag", &out, &err), 4);
    assert_non_null(strstr(err, "cannot reach Langfuse"));
    free(out), free(err);
    unsetenv("LANGFUSE_SECRET_KEY");
    assert_int_equal(run(f, "production --feature rag", &out, &err), 3);
    assert_non_null(strstr(err, "LANGFUSE_SECRET_KEY"));
    free(out), free(err);
    assert_int_equal(run(f, "production", &out, &err), 2);
    assert_non_null(strstr(err, "--feature"));
    free(out), free(err);
    assert_int_equal(run(f, "evaluate-everything", &out, &err), 2);
    free(out), free(err);
}

static const char GOLDEN[] = "{\"question\": \"2+2?\", \"answer\": \"4\", \"expected\": \"4\"}\n"
                             "\n"
                             "{\"question\": \"Capital of France?\", \"answer\": \"Paris\"}\n"
                             "{\"question\": \"q3\", \"answer\": \"a3\", \"context\": \"c3\"}\n"
                             "{\"question\": \"q4\", \"answer\": \"a4\"}\n"
                             "{\"question\": \"q5\", \"answer\": \"BAD\"}\n";

static void dataset_gate_passes_at_the_bar_and_fails_below(void **state)
{
    fx *f = *state;
    test_write_file(f->dir, "golden.jsonl", GOLDEN);
    char args[512], *out, *err;
    snprintf(args, sizeof args, "dataset --file '%s/golden.jsonl' --min-pass-rate 0.8", f->dir);
    int rc = run(f, args, &out, &err);
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    assert_non_null(strstr(out, "pass rate 0.800"));
    assert_non_null(strstr(out, "PASS"));
    /* The expected answer reaches the judge. */
    bool saw_expected = false;
    for (size_t i = 0; i < fake_http_count(f->judge); i++)
        if (strstr(fake_http_request(f->judge, i)->body, "expected answer: 4")) saw_expected = true;
    assert_true(saw_expected);
    free(out), free(err);
    snprintf(args, sizeof args, "dataset --file '%s/golden.jsonl' --min-pass-rate 0.81", f->dir);
    assert_int_equal(run(f, args, &out, &err), 1);
    assert_non_null(strstr(out, "FAIL"));
    free(out), free(err);
}

static void dataset_malformed_line_is_named(void **state)
{
    fx *f = *state;
    test_write_file(f->dir, "bad.jsonl",
                    "{\"question\": \"q\", \"answer\": \"a\"}\n\n{\"question\": \"q\"}\n");
    char args[512], *out, *err;
    snprintf(args, sizeof args, "dataset --file '%s/bad.jsonl'", f->dir);
    assert_int_equal(run(f, args, &out, &err), 5);
    assert_non_null(strstr(err, "bad.jsonl:3: \"answer\" (string) is missing"));
    assert_int_equal(fake_http_count(f->judge), 0); /* checked before judging anything */
    free(out), free(err);
    test_write_file(f->dir, "bad2.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\nnot json\n");
    snprintf(args, sizeof args, "dataset --file '%s/bad2.jsonl'", f->dir);
    assert_int_equal(run(f, args, &out, &err), 5);
    assert_non_null(strstr(err, "bad2.jsonl:2: not a JSON object"));
    free(out), free(err);
    snprintf(args, sizeof args, "dataset --file '%s/missing.jsonl'", f->dir);
    assert_int_equal(run(f, args, &out, &err), 5);
    free(out), free(err);
}

static void dataset_without_judge_key_or_judge(void **state)
{
    fx *f = *state;
    test_write_file(f->dir, "golden.jsonl", GOLDEN);
    char args[512], *out, *err;
    snprintf(args, sizeof args, "dataset --file '%s/golden.jsonl'", f->dir);
    unsetenv("LLMOBS_JUDGE_API_KEY");
    assert_int_equal(run(f, args, &out, &err), 3);
    assert_non_null(strstr(err, "LLMOBS_JUDGE_API_KEY"));
    free(out), free(err);
    setenv("LLMOBS_JUDGE_API_KEY", "judge-key", 1);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fake_unused_port());
    setenv("LLMOBS_JUDGE_BASE_URL", url, 1);
    assert_int_equal(run(f, args, &out, &err), 6);
    assert_non_null(strstr(err, "judge failed for every item"));
    free(out), free(err);
}

/* A Pushgateway stand-in: answers with the status in *ud (atomic: the test changes it while
 * the server's thread may read it). */
static void pushgateway_handler(void *ud, const fake_request *rq, fake_reply *rp)
{
    (void)rq;
    rp->status = atomic_load((atomic_int *)ud);
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    char *b = calloc(1, 1 << 16);
    size_t n = fread(b, 1, (1 << 16) - 1, fp);
    b[n] = 0;
    fclose(fp);
    return b;
}

static void dataset_pushes_eval_gauges_and_writes_a_textfile(void **state)
{
    fx *f = *state;
    test_write_file(f->dir, "golden.jsonl", GOLDEN);
    atomic_int status = 200;
    fake_http *pg = fake_http_start(pushgateway_handler, &status);
    char args[1024], *out, *err, prom[300];
    snprintf(prom, sizeof prom, "%s/eval.prom", f->dir);
    snprintf(args, sizeof args,
             "dataset --file '%s/golden.jsonl' --feature 'rag pipeline' --pushgateway '%s/' "
             "--textfile '%s'",
             f->dir, fake_http_url(pg), prom);
    int rc = run(f, args, &out, &err);
    if (rc != 0) fail_msg("exit %d\n%s\n%s", rc, out, err);
    free(out), free(err);
    /* One POST, grouped by job and feature (base64url: the value has a space). */
    assert_int_equal(fake_http_count(pg), 1);
    const fake_request *rq = fake_http_request(pg, 0);
    assert_string_equal(rq->method, "POST");
    assert_string_equal(rq->path, "/metrics/job/llmobs-eval/feature@base64/cmFnIHBpcGVsaW5l");
    assert_non_null(strstr(fake_header(rq, "content-type"), "version=0.0.4"));
    assert_non_null(strstr(rq->body, "# TYPE llm_eval_pass_rate gauge\n"));
    assert_non_null(
        strstr(rq->body, "llm_eval_pass_rate{feature=\"rag pipeline\",metric=\"accuracy\"} 0.8\n"));
    assert_non_null(strstr(rq->body, "llm_eval_runs_total{feature=\"rag pipeline\","));
    assert_non_null(strstr(rq->body, "llm_rag_faithfulness{pipeline_version=\"dataset\"}"));
    assert_null(strstr(rq->body, "llmobs_")); /* only the eval families */
    assert_null(strstr(rq->body, "llm_requests_total"));
    /* The textfile holds the same text; no temporary file is left behind. */
    char *text = read_all(prom);
    assert_non_null(text);
    assert_string_equal(text, rq->body);
    free(text);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", f->dir);
    assert_int_not_equal(system(cmd), 0);

    /* A --job with a plain name and a failing gateway: exit 7, the textfile still written. */
    atomic_store(&status, 500);
    snprintf(args, sizeof args,
             "dataset --file '%s/golden.jsonl' --feature rag_pipeline --job nightly "
             "--pushgateway '%s' --textfile '%s'",
             f->dir, fake_http_url(pg), prom);
    assert_int_equal(run(f, args, &out, &err), 7);
    assert_non_null(strstr(err, "HTTP 500"));
    free(out), free(err);
    assert_string_equal(fake_http_request(pg, 1)->path,
                        "/metrics/job/nightly/feature/rag_pipeline");
    text = read_all(prom);
    assert_non_null(strstr(text, "feature=\"rag_pipeline\""));
    free(text);
    fake_http_stop(pg);

    /* An unwritable textfile: exit 7 with the reason. */
    snprintf(args, sizeof args, "dataset --file '%s/golden.jsonl' --textfile '%s/no/such/x.prom'",
             f->dir, f->dir);
    assert_int_equal(run(f, args, &out, &err), 7);
    assert_non_null(strstr(err, "cannot write"));
    free(out), free(err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_validator_rejects_what_the_schema_rejects),
        T(production_judges_root_observations_and_posts_valid_scores),
        T(production_samples_at_most_n),
        T(production_exit_codes),
        T(dataset_gate_passes_at_the_bar_and_fails_below),
        T(dataset_malformed_line_is_named),
        T(dataset_without_judge_key_or_judge),
        T(dataset_pushes_eval_gauges_and_writes_a_textfile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
