/* Micro-benchmarks of the metrics hot path and of rendering, against the targets of the
 * benchmarks issue: labelled inc <= 30 ns, pre-bound inc <= 10 ns, observe <= 40 ns,
 * render of 10,000 series <= 1.5 ms. Prints one line per case with the median of 7 runs.
 * Build: see docs/metrics.md ("Benchmarks"). */
#include "llmobs/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define RUNS 7
typedef void (*bench_fn)(void *ctx, long iters);

static double median_ns_per_op(bench_fn fn, void *ctx, long iters)
{
    double r[RUNS];
    fn(ctx, iters / 10); /* warm up */
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ns();
        fn(ctx, iters);
        r[i] = (now_ns() - t0) / (double)iters;
    }
    qsort(r, RUNS, sizeof r[0], cmp);
    return r[RUNS / 2];
}

typedef struct ctx {
    llmobs_registry *reg;
    llmobs_family *counter, *hist;
    llmobs_counter *bound;
    llmobs_histogram *bound_hist;
} ctx;

static void labelled_inc(void *p, long n)
{
    ctx *c = p;
    static const char *const v[] = {"gpt-4o-mini", "rag_pipeline"};
    for (long i = 0; i < n; i++)
        llmobs_counter_add_labels(c->counter, v, 2, 1);
}

static void bound_inc(void *p, long n)
{
    ctx *c = p;
    for (long i = 0; i < n; i++)
        llmobs_counter_inc(c->bound);
}

static void observe(void *p, long n)
{
    ctx *c = p;
    for (long i = 0; i < n; i++)
        llmobs_histogram_observe(c->bound_hist, (double)(i & 63) * 0.5);
}

static void render(void *p, long n)
{
    ctx *c = p;
    for (long i = 0; i < n; i++) {
        char *s;
        llmobs_metrics_render_string(c->reg, LLMOBS_FORMAT_TEXT, &s, NULL);
        llmobs_metrics_string_free(s);
    }
}

int main(void)
{
    ctx c = {0};
    c.reg = llmobs_registry_new(NULL);
    const char *const l[] = {"model", "feature"};
    const double b[] = {0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32};
    llmobs_counter_register(c.reg, "bench_requests_total", "Requests", NULL, l, 2, &c.counter);
    llmobs_histogram_register(c.reg, "bench_duration_seconds", "Latency", "seconds", l, 2, b, 9,
                              &c.hist);
    const char *const v[] = {"gpt-4o-mini", "rag_pipeline"};
    llmobs_counter_labels(c.counter, v, 2, &c.bound);
    llmobs_histogram_labels(c.hist, v, 2, &c.bound_hist);

    printf("labelled inc (2 labels)   %7.1f ns  (target 30)\n",
           median_ns_per_op(labelled_inc, &c, 2000000));
    printf("pre-bound inc             %7.1f ns  (target 10)\n",
           median_ns_per_op(bound_inc, &c, 10000000));
    printf("observe (9 buckets)       %7.1f ns  (target 40)\n",
           median_ns_per_op(observe, &c, 5000000));

    /* 10,000 counter series, as in the peers' render benchmark. */
    llmobs_registry *big = llmobs_registry_new(NULL);
    llmobs_family *f;
    llmobs_counter_register(big, "bench_series_total", "Series", NULL, l, 2, &f);
    char m[32], ft[32];
    const char *const vv[] = {m, ft};
    for (int i = 0; i < 10000; i++) {
        snprintf(m, sizeof m, "model-%d", i % 100);
        snprintf(ft, sizeof ft, "feature-%d", i / 100);
        llmobs_counter_add_labels(f, vv, 2, (double)i);
    }
    ctx rc = {.reg = big};
    printf("render 10,000 series      %7.3f ms  (target 1.5)\n",
           median_ns_per_op(render, &rc, 20) / 1e6);
    llmobs_registry_free(big);
    llmobs_registry_free(c.reg);
    return 0;
}
