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

static void prometheus_scrapes_the_endpoint_and_stores_the_llm_series(void **state)
{
    (void)state;
    if (access(PROMETHEUS, X_OK) != 0) skip();
    llmobs_registry *reg = llmobs_registry_new(NULL);
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(reg);
    assert_non_null(m);
    const int64_t tokens[5] = {1000, 200, 0, 0, 0};
    for (int i = 0; i < 5; i++)
        llmobs__llm_metrics_record_generation(m, "gpt-4o-mini", "rag_pipeline", "openai",
                                              i == 4 ? "error" : "success", 1.5, 0.2, tokens, 0.3);
    llmobs_metrics_server *srv;
    assert_int_equal(llmobs_metrics_server_start(reg, "127.0.0.1:0", &srv), LLMOBS_OK);

    char dir[] = "/tmp/llmobs_prom_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cfg[256], data[256], logf[256];
    snprintf(cfg, sizeof cfg, "%s/prometheus.yml", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(logf, sizeof logf, "%s/prometheus.log", dir);
    FILE *fp = fopen(cfg, "w");
    assert_non_null(fp);
    fprintf(fp,
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: llmobs\n"
            "    static_configs: [{targets: ['127.0.0.1:%u']}]\n",
            llmobs_metrics_server_port(srv));
    fclose(fp);
    uint16_t prom_port = free_port();
    char listen[64], cfg_arg[300], data_arg[300];
    snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%u", prom_port);
    snprintf(cfg_arg, sizeof cfg_arg, "--config.file=%s", cfg);
    snprintf(data_arg, sizeof data_arg, "--storage.tsdb.path=%s", data);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(PROMETHEUS, PROMETHEUS, cfg_arg, data_arg, listen, (char *)NULL);
        _exit(127);
    }

    /* Wait (with a deadline) until Prometheus reports the target up. */
    double deadline = mono_s() + DEADLINE_S;
    char *health = NULL;
    char last_error[512] = "";
    while (mono_s() < deadline) {
        free(health);
        health = target_health(prom_port, last_error, sizeof last_error);
        if (health && strcmp(health, "up") == 0) break;
        poll_pause();
    }
    if (!health || strcmp(health, "up") != 0)
        fprintf(stderr, "target health %s, lastError \"%s\" (log: %s)\n",
                health ? health : "(none)", last_error, logf);

    /* Then until the recorded values are queryable. */
    char *requests = NULL, *bucket = NULL, *tokens_in = NULL;
    while (health && strcmp(health, "up") == 0 && mono_s() < deadline) {
        free(requests);
        free(bucket);
        free(tokens_in);
        requests = query_value(prom_port, "sum(llm_requests_total{model=\"gpt-4o-mini\"})");
        bucket = query_value(prom_port, "llm_request_duration_seconds_bucket{le=\"2.0\"}");
        tokens_in = query_value(prom_port, "llm_tokens_total{token_type=\"input\"}");
        if (requests && bucket && tokens_in) break;
        poll_pause();
    }
    char *errors = query_value(prom_port, "llm_requests_total{status=\"error\"}");

    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    llmobs_metrics_server_stop(srv);
    llmobs_registry_free(reg);

    assert_non_null(health);
    assert_string_equal(health, "up");
    assert_string_equal(last_error, "");
    assert_non_null(requests);
    assert_string_equal(requests, "5");
    assert_non_null(bucket);
    assert_string_equal(bucket, "5");
    assert_non_null(tokens_in);
    assert_string_equal(tokens_in, "5000");
    assert_non_null(errors);
    assert_string_equal(errors, "1");
    free(health);
    free(requests);
    free(bucket);
    free(tokens_in);
    free(errors);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prometheus_scrapes_the_endpoint_and_stores_the_llm_series),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
