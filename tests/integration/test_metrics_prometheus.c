/* A real Prometheus (Debian 2.42) on loopback, with its own config and data directory, scrapes
 * the embedded endpoint; the test asserts through Prometheus' HTTP API that the target is up
 * and that the stored series carry the values and labels the SDK recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "llmobs/metrics.h"
#include "metrics/metrics.h"

#define PROMETHEUS "/usr/bin/prometheus"
#define DEADLINE_S 60

typedef struct body {
    char *p;
    size_t len;
} body;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    body *b = ud;
    char *q = realloc(b->p, b->len + sz * n + 1);
    if (!q) return 0;
    b->p = q;
    memcpy(b->p + b->len, p, sz * n);
    b->len += sz * n;
    b->p[b->len] = '\0';
    return sz * n;
}

/* GETs a Prometheus API URL and parses the JSON reply; NULL when unreachable. */
static cJSON *api_get(uint16_t port, const char *path_and_query)
{
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path_and_query);
    body b = {0};
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    cJSON *j = rc == CURLE_OK && b.p ? cJSON_Parse(b.p) : NULL;
    free(b.p);
    return j;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pause between polls of an external process; the wait itself is bounded by a deadline. */
static void poll_pause(void)
{
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* The target's health from /api/v1/targets ("up", "down", "unknown"), or NULL. */
static char *target_health(uint16_t prom_port, char *last_error, size_t cap)
{
    cJSON *j = api_get(prom_port, "/api/v1/targets");
    cJSON *active = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "activeTargets");
    char *health = NULL;
    cJSON *t = cJSON_GetArrayItem(active, 0);
    if (t) {
        cJSON *h = cJSON_GetObjectItem(t, "health"), *e = cJSON_GetObjectItem(t, "lastError");
        if (cJSON_IsString(h)) health = strdup(h->valuestring);
        if (cJSON_IsString(e)) snprintf(last_error, cap, "%s", e->valuestring);
    }
    cJSON_Delete(j);
    return health;
}

/* The largest sample value of an instant query, as a string, or NULL: series of known label
 * values start at 0 (timeout, rate_limited, cache tokens), so the first one may be a zero. */
static char *query_value_max(uint16_t prom_port, const char *promql)
{
    CURL *c = curl_easy_init();
    char *esc = curl_easy_escape(c, promql, 0);
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/query?query=%s", esc);
    curl_free(esc);
    curl_easy_cleanup(c);
    cJSON *j = api_get(prom_port, path);
    cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "result");
    char *out = NULL;
    double best = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, res)
    {
        cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "value"), 1);
        if (!cJSON_IsString(s)) continue;
        double v = atof(s->valuestring);
        if (!out || v > best || (strcmp(out, "NaN") == 0 && strcmp(s->valuestring, "NaN") != 0)) {
            free(out);
            out = strdup(s->valuestring);
            best = v;
        }
    }
    cJSON_Delete(j);
    return out;
}

/* The value of the first sample of an instant query, as a string, or NULL. */
static char *query_value(uint16_t prom_port, const char *promql)
{
    CURL *c = curl_easy_init();
    char *esc = curl_easy_escape(c, promql, 0);
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/query?query=%s", esc);
    curl_free(esc);
    curl_easy_cleanup(c);
    cJSON *j = api_get(prom_port, path);
    cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "result");
    cJSON *v = cJSON_GetObjectItem(cJSON_GetArrayItem(res, 0), "value");
    cJSON *s = cJSON_GetArrayItem(v, 1);
    char *out = cJSON_IsString(s) ? strdup(s->valuestring) : NULL;
    cJSON_Delete(j);
    return out;
}

typedef struct fixture {
    llmobs_registry *reg;
    llmobs__llm_metrics *m;
    llmobs_metrics_server *srv;
    char dir[64];
    char log[256];
    pid_t pid;
    uint16_t prom_port;
} fixture;

/* One request mix: 4 successes and 1 error, all 1.5 s long, context 30 % used. */
static void record_traffic(fixture *f)
{
    const int64_t tokens[5] = {1000, 200, 0, 0, 0};
    for (int i = 0; i < 5; i++) {
        llmobs__llm_metrics_record_generation(f->m, "gpt-4o-mini", "rag_pipeline", "openai",
                                              i == 4 ? "error" : "success", 1.5, 0.2, tokens, 0.3);
        llmobs__llm_metrics_record_cost(f->m, "gpt-4o-mini", "rag_pipeline", 0.002);
    }
}

static int group_setup(void **state)
{
    if (access(PROMETHEUS, X_OK) != 0) {
        *state = NULL;
        return 0; /* each test skips */
    }
    fixture *f = calloc(1, sizeof *f);
    f->reg = llmobs_registry_new(NULL);
    f->m = llmobs__llm_metrics_get(f->reg, NULL);
    if (!f->m) return -1;
    record_traffic(f);
    if (llmobs_metrics_server_start(f->reg, "127.0.0.1:0", &f->srv) != LLMOBS_OK) return -1;

    snprintf(f->dir, sizeof f->dir, "/tmp/llmobs_prom_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char cfg[256], data[256];
    snprintf(cfg, sizeof cfg, "%s/prometheus.yml", f->dir);
    snprintf(data, sizeof data, "%s/data", f->dir);
    snprintf(f->log, sizeof f->log, "%s/prometheus.log", f->dir);
    FILE *fp = fopen(cfg, "w");
    if (!fp) return -1;
    fprintf(fp,
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: llmobs\n"
            "    static_configs: [{targets: ['127.0.0.1:%u']}]\n",
            llmobs_metrics_server_port(f->srv));
    fclose(fp);
    f->prom_port = free_port();
    char listen[64], cfg_arg[300], data_arg[300];
    snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%u", f->prom_port);
    snprintf(cfg_arg, sizeof cfg_arg, "--config.file=%s", cfg);
    snprintf(data_arg, sizeof data_arg, "--storage.tsdb.path=%s", data);
    f->pid = fork();
    if (f->pid < 0) return -1;
    if (f->pid == 0) {
        int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(PROMETHEUS, PROMETHEUS, cfg_arg, data_arg, listen, (char *)NULL);
        _exit(127);
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    if (!f) return 0;
    kill(f->pid, SIGTERM);
    int status;
    waitpid(f->pid, &status, 0);
    llmobs_metrics_server_stop(f->srv);
    llmobs_registry_free(f->reg);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void target_is_up_and_stores_the_recorded_values(void **state)
{
    fixture *f = *state;
    if (!f) skip();
    /* Wait (with a deadline) until Prometheus reports the target up. */
    double deadline = mono_s() + DEADLINE_S;
    char *health = NULL;
    char last_error[512] = "";
    while (mono_s() < deadline) {
        free(health);
        health = target_health(f->prom_port, last_error, sizeof last_error);
        if (health && strcmp(health, "up") == 0) break;
        poll_pause();
    }
    if (!health || strcmp(health, "up") != 0)
        fprintf(stderr, "target health %s, lastError \"%s\" (log: %s)\n",
                health ? health : "(none)", last_error, f->log);
    assert_non_null(health);
    assert_string_equal(health, "up");
    assert_string_equal(last_error, "");
    free(health);

    /* Then until the first scrape's values are queryable. */
    char *requests = NULL, *bucket = NULL, *tokens_in = NULL;
    while (mono_s() < deadline) {
        free(requests);
        free(bucket);
        free(tokens_in);
        requests = query_value(f->prom_port, "sum(llm_requests_total{model=\"gpt-4o-mini\"})");
        bucket = query_value(f->prom_port, "llm_request_duration_seconds_bucket{le=\"2.0\"}");
        tokens_in = query_value(f->prom_port, "llm_tokens_total{token_type=\"input\"}");
        if (requests && bucket && tokens_in) break;
        poll_pause();
    }
    char *errors = query_value(f->prom_port, "llm_requests_total{status=\"error\"}");
    assert_non_null(requests);
    assert_string_equal(requests, "5");
    assert_non_null(bucket);
    assert_string_equal(bucket, "5"); /* canonical le="2.0" is the stored label value */
    assert_non_null(tokens_in);
    assert_string_equal(tokens_in, "5000");
    assert_non_null(errors);
    assert_string_equal(errors, "1");
    free(requests);
    free(bucket);
    free(tokens_in);
    free(errors);
}

/* The article's Grafana queries, verbatim, over traffic recorded while Prometheus scrapes. */
static const char *const dashboard[] = {
    /* P95 latency by model */
    "histogram_quantile(0.95, sum(rate(llm_request_duration_seconds_bucket{feature="
    "\"rag_pipeline\"}[5m])) by (le, model))",
    /* request rate */
    "sum(rate(llm_requests_total[5m])) by (feature, status)",
    /* error rate, percent */
    "100 * sum(rate(llm_requests_total{status=~\"error|timeout\"}[5m])) / "
    "sum(rate(llm_requests_total[5m]))",
    /* token rate per hour */
    "sum(rate(llm_tokens_total[1h])) by (model, token_type) * 3600",
    /* daily cost */
    "sum(increase(llm_cost_usd_total[24h])) by (feature)",
    /* context utilisation P95 */
    "histogram_quantile(0.95, sum(rate(llm_context_utilisation_ratio_bucket[15m])) by (le, "
    "model))",
};
#define NQ (sizeof dashboard / sizeof dashboard[0])

static void article_dashboard_queries_return_consistent_data(void **state)
{
    fixture *f = *state;
    if (!f) skip();
    double v[NQ];
    bool all = false;
    double deadline = mono_s() + DEADLINE_S;
    while (!all && mono_s() < deadline) {
        record_traffic(f); /* rates need increases between scrapes */
        all = true;
        for (size_t i = 0; i < NQ; i++) {
            char *s = query_value_max(f->prom_port, dashboard[i]);
            v[i] = s ? atof(s) : 0;
            if (!s || strcmp(s, "NaN") == 0 || !(v[i] > 0)) all = false;
            free(s);
        }
        if (!all) poll_pause();
    }
    for (size_t i = 0; i < NQ; i++)
        print_message("dashboard query %zu = %g\n", i, v[i]);
    assert_true(all);
    assert_true(v[0] > 1.0 && v[0] <= 2.0);  /* every request took 1.5 s: bucket (1, 2] */
    assert_true(v[1] > 0);                   /* requests per second */
    assert_true(v[2] >= 10 && v[2] <= 30);   /* 1 error in 5 requests: 20 % */
    assert_true(v[3] > 0);                   /* tokens per hour */
    assert_true(v[4] > 0);                   /* dollars per day */
    assert_true(v[5] > 0.25 && v[5] <= 0.5); /* 30 % context: bucket (0.25, 0.5] */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(target_is_up_and_stores_the_recorded_values),
        cmocka_unit_test(article_dashboard_queries_return_consistent_data),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    curl_global_cleanup();
    return rc;
}
