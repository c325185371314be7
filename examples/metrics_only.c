/* Prometheus metrics without tracing: register families, record, and serve /metrics.
 *
 *   example-metrics_only [host:port] [seconds]
 *
 * Serves the default registry (with process metrics) on host:port (default 127.0.0.1:9464)
 * for the given number of seconds (default 30) while simulating LLM calls. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <llmobs/metrics.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int check(llmobs_status st, const char *what)
{
    if (st == LLMOBS_OK) return 0;
    fprintf(stderr, "%s: %s (%s)\n", what, llmobs_status_str(st), llmobs_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1:9464";
    int seconds = argc > 2 ? atoi(argv[2]) : 30;
    llmobs_registry *reg = llmobs_registry_default();

    llmobs_family *requests, *latency;
    const char *const req_labels[] = {"model", "feature", "status"};
    const char *const lat_labels[] = {"model", "feature", "provider"};
    const double buckets[] = {0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0};
    if (check(llmobs_counter_register(reg, "llm_requests_total", "Total LLM requests", NULL,
                                      req_labels, 3, &requests),
              "register requests") ||
        check(llmobs_histogram_register(reg, "llm_request_duration_seconds",
                                        "End-to-end LLM request latency (seconds)", "seconds",
                                        lat_labels, 3, buckets, 9, &latency),
              "register latency"))
        return 1;

    /* Pre-bind the children used on the hot path: each update is then a few atomics. */
    const char *const ok[] = {"gpt-4o-mini", "chat", "success"};
    const char *const lat[] = {"gpt-4o-mini", "chat", "openai"};
    llmobs_counter *ok_count;
    llmobs_histogram *ok_latency;
    if (check(llmobs_counter_labels(requests, ok, 3, &ok_count), "bind counter") ||
        check(llmobs_histogram_labels(latency, lat, 3, &ok_latency), "bind histogram"))
        return 1;

    llmobs_metrics_server *server;
    if (check(llmobs_metrics_server_start(reg, addr, &server), "start server")) return 1;
    printf("serving http://%s/metrics on port %u for %d s\n", addr,
           llmobs_metrics_server_port(server), seconds);
    fflush(stdout);

    for (int i = 0; i < seconds * 10; i++) {
        llmobs_counter_inc(ok_count);
        llmobs_histogram_observe(ok_latency, 0.2 + (double)(i % 20) * 0.1);
        if (i % 10 == 0) {
            const char *const err[] = {"gpt-4o-mini", "chat", "error"};
            llmobs_counter_add_labels(requests, err, 3, 1); /* lookup by values */
        }
        struct timespec tick = {0, 100 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    llmobs_metrics_server_stop(server);
    return 0;
}
