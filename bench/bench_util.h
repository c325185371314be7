/* Shared helpers of the llmobs benchmarks: clocks, percentiles, and the JSON-lines output that
 * bench/report.py turns into the results table. Every figure is printed as one line:
 *   {"id":"...","impl":"llmobs","unit":"ns/op","median":..,"p99":..,"n":..,"threads":..}
 * where median and p99 are over `n` samples (per-operation times or per-run figures; the
 * `what` field says which). */
#ifndef LLMOBS_BENCH_UTIL_H
#define LLMOBS_BENCH_UTIL_H

#include "llmobs/llmobs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts `v` and returns the nearest-rank percentile `p` (0..100). */
static inline double bench_pct(double *v, size_t n, double p)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof v[0], bench_cmp_double);
    size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

static inline long bench_cores(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Peak resident set size of this process in MiB. */
static inline double bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Current resident set size in MiB (/proc/self/statm). */
static inline double bench_rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* Prints one figure; `samples` is sorted in place. `what` is "per-op" or "per-run". */
static inline void bench_emit_impl(const char *impl, const char *id, const char *label,
                                   const char *unit, double *samples, size_t n, int threads,
                                   const char *what, const char *extra_json)
{
    double p99 = bench_pct(samples, n, 99), med = bench_pct(samples, n, 50);
    printf("{\"id\":\"%s\",\"label\":\"%s\",\"impl\":\"%s\",\"unit\":\"%s\",\"median\":%.6g,"
           "\"p99\":%.6g,\"n\":%zu,\"threads\":%d,\"samples\":\"%s\",\"cores\":%ld%s%s}\n",
           id, label, impl, unit, med, p99, n, threads, what, bench_cores(), extra_json ? "," : "",
           extra_json ? extra_json : "");
    fflush(stdout);
}

#define bench_emit(...) bench_emit_impl("llmobs", __VA_ARGS__)

/* The traced LLM call every benchmark measures: a trace with a retrieval span and a
 * generation (model, usage, ~200-byte input and output), all ended. */
static const char INPUT[] =
    "What is the refund policy for annual plans purchased through the partner store? The "
    "customer bought in March, used the product for two months and now asks for a prorated "
    "refund of the remaining ten months.";
static const char OUTPUT[] =
    "Annual plans bought through partner stores are refunded by the partner. Prorated refunds "
    "are possible within 90 days of purchase; after that, the remaining months are credited to "
    "the account instead. Contact the partner store with the order id.";

static inline void traced_call(llmobs_client *c)
{
    llmobs_trace *t = llmobs_trace_start(c, "rag_query", NULL);
    llmobs_obs *r = llmobs_obs_start(t, NULL, LLMOBS_OBS_RETRIEVER, "retrieval", NULL);
    llmobs_obs_set_input(r, INPUT);
    llmobs_obs_set_output(r, OUTPUT);
    llmobs_obs_end(r);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(g, "gpt-4o-mini");
    llmobs_obs_set_input(g, INPUT);
    llmobs_obs_set_output(g, OUTPUT);
    llmobs_obs_set_usage(g, 52, 47);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
}

#endif
