/* Metrics hot path and rendering, with the physical floors next to them.
 *
 * Hot path (ns/op, 1 and 2 threads; on 2 threads both update the SAME child, the contended worst
 * case): counter inc by 2 label values, inc on a pre-bound child, histogram observe (9 buckets)
 * pre-bound and by label values, gauge set; floor: a plain atomic fetch-add on one shared
 * counter. Each run times a fixed number of operations per thread; the figure per run is wall
 * time / operations; median and p99 are over the runs.
 *
 * Render (ms per scrape): 10,000 counter series (2 labels) rendered as Prometheus text and as
 * OpenMetrics; floor: memcpy of the rendered text's bytes.
 *
 * --serve S: serves that 10,000-series registry on 127.0.0.1:<free port> (prints "port N"),
 * increments on one thread for S seconds while something (wrk) scrapes, then prints the
 * increments per second achieved under scraping.
 *
 * Usage: bench_metrics [--quick] | bench_metrics --serve SECONDS
 */
#include "bench_util.h"
#include "llmobs/metrics.h"

#include <pthread.h>
#include <stdatomic.h>

static int quick;
static const char *const LV[] = {"gpt-4o-mini", "rag_pipeline"};

typedef struct ctx {
    llmobs_family *counter, *hist, *gauge_f;
    llmobs_counter *bound;
    llmobs_histogram *bound_hist;
    llmobs_gauge *gauge;
    _Atomic uint64_t floor;
} ctx;

typedef void (*op_fn)(ctx *c, long n);

static void op_inc_labels(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        llmobs_counter_inc_labels(c->counter, LV, 2);
}
static void op_inc(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        llmobs_counter_inc(c->bound);
}
static void op_observe(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        llmobs_histogram_observe(c->bound_hist, (double)(i & 63) * 0.5);
}
static void op_observe_labels(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        llmobs_histogram_observe_labels(c->hist, LV, 2, (double)(i & 63) * 0.5);
}
static void op_gauge_set(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        llmobs_gauge_set(c->gauge, (double)i);
}
static void op_atomic(ctx *c, long n)
{
    for (long i = 0; i < n; i++)
        atomic_fetch_add_explicit(&c->floor, 1, memory_order_relaxed);
}

typedef struct job {
    ctx *c;
    op_fn fn;
    long n;
    pthread_barrier_t *b;
    int64_t t0, t1;
} job;

static void *job_run(void *p)
{
    job *j = p;
    pthread_barrier_wait(j->b);
    j->t0 = bench_now_ns();
    j->fn(j->c, j->n);
    j->t1 = bench_now_ns();
    return NULL;
}

static void hot(ctx *c, const char *id, const char *impl, const char *label, op_fn fn, long n,
                int threads)
{
    int runs = quick ? 3 : 15;
    if (quick) n /= 20;
    double v[15];
    fn(c, n / 10); /* warm up */
    for (int r = 0; r < runs; r++) {
        pthread_barrier_t b;
        pthread_barrier_init(&b, NULL, (unsigned)threads);
        pthread_t t[2];
        job j[2];
        for (int k = 0; k < threads; k++) {
            j[k] = (job){c, fn, n, &b, 0, 0};
            pthread_create(&t[k], NULL, job_run, &j[k]);
        }
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < threads; k++) {
            pthread_join(t[k], NULL);
            if (j[k].t0 < lo) lo = j[k].t0;
            if (j[k].t1 > hi) hi = j[k].t1;
        }
        pthread_barrier_destroy(&b);
        v[r] = (double)(hi - lo) / (double)n; /* each thread did n ops in this wall time */
    }
    char full[128];
    snprintf(full, sizeof full, "%s.t%d", id, threads);
    char lab[160];
    snprintf(lab, sizeof lab, "%s, %d thread%s", label, threads,
             threads > 1 ? "s (same child)" : "");
    bench_emit_impl(impl, full, lab, "ns/op", v, (size_t)runs, threads, "per-run", NULL);
}

static llmobs_registry *big_registry(void)
{
    llmobs_registry *big = llmobs_registry_new(NULL);
    llmobs_family *f;
    const char *const l[] = {"model", "feature"};
    llmobs_counter_register(big, "bench_series_total", "Series", NULL, l, 2, &f);
    char m[32], ft[32];
    const char *const vv[] = {m, ft};
    for (int i = 0; i < 10000; i++) {
        snprintf(m, sizeof m, "model-%d", i % 100);
        snprintf(ft, sizeof ft, "feature-%d", i / 100);
        llmobs_counter_add_labels(f, vv, 2, (double)i);
    }
    return big;
}

static void render(void)
{
    llmobs_registry *big = big_registry();
    int runs = quick ? 5 : 30;
    double v[30];
    size_t len = 0;
    for (int fmt = 0; fmt < 2; fmt++) {
        char *s;
        llmobs_metrics_render_string(big, (llmobs_metrics_format)fmt, &s, &len); /* warm up */
        llmobs_metrics_string_free(s);
        for (int r = 0; r < runs; r++) {
            int64_t t0 = bench_now_ns();
            llmobs_metrics_render_string(big, (llmobs_metrics_format)fmt, &s, &len);
            v[r] = (double)(bench_now_ns() - t0) / 1e6;
            llmobs_metrics_string_free(s);
        }
        char extra[64];
        snprintf(extra, sizeof extra, "\"bytes\":%zu", len);
        bench_emit(fmt ? "metrics.render.openmetrics" : "metrics.render.text",
                   fmt ? "render 10,000 counter series, OpenMetrics"
                       : "render 10,000 counter series, text 0.0.4",
                   "ms/scrape", v, (size_t)runs, 1, "per-run", extra);
    }
    /* floor: copying the rendered text's bytes once */
    char *s;
    llmobs_metrics_render_string(big, LLMOBS_FORMAT_TEXT, &s, &len);
    char *dst = malloc(len);
    for (int r = 0; r < runs; r++) {
        int64_t t0 = bench_now_ns();
        memcpy(dst, s, len);
        __asm__ volatile("" ::"r"(dst) : "memory");
        v[r] = (double)(bench_now_ns() - t0) / 1e6;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "\"bytes\":%zu", len);
    bench_emit_impl("floor", "metrics.render.text", "render 10,000 counter series, text 0.0.4",
                    "ms/scrape", v, (size_t)runs, 1, "per-run", extra);
    free(dst);
    llmobs_metrics_string_free(s);
    llmobs_registry_free(big);
}

static volatile int serving = 1;

static void *incrementer(void *p)
{
    llmobs_family *f = p;
    char m[32], ft[32];
    const char *const vv[] = {m, ft};
    uint64_t *count = calloc(1, sizeof *count);
    for (long i = 0; serving; i++) {
        snprintf(m, sizeof m, "model-%ld", i % 100);
        snprintf(ft, sizeof ft, "feature-%ld", (i / 100) % 100);
        llmobs_counter_inc_labels(f, vv, 2);
        (*count)++;
    }
    return count;
}

static int serve(double seconds)
{
    llmobs_registry *big = big_registry();
    llmobs_family *f;
    const char *const l[] = {"model", "feature"};
    llmobs_counter_register(big, "bench_series_total", "Series", NULL, l, 2, &f);
    llmobs_metrics_server *srv;
    if (llmobs_metrics_server_start(big, "127.0.0.1:0", &srv) != LLMOBS_OK) {
        fprintf(stderr, "bench_metrics: cannot start the scrape server: %s\n", llmobs_last_error());
        return 1;
    }
    printf("port %u\n", llmobs_metrics_server_port(srv));
    fflush(stdout);
    pthread_t t;
    pthread_create(&t, NULL, incrementer, f);
    int64_t t0 = bench_now_ns();
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    serving = 0;
    uint64_t *count;
    pthread_join(t, (void **)&count);
    double rate = (double)*count / ((double)(bench_now_ns() - t0) / 1e9);
    free(count);
    llmobs_metrics_server_stop(srv);
    bench_emit("metrics.scrape_load.inc_rate",
               "labelled incs/s on 1 thread over 10,000 series while wrk scrapes", "incs/s", &rate,
               1, 1, "per-run", NULL);
    llmobs_registry_free(big);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        if (strcmp(argv[i], "--serve") == 0 && i + 1 < argc) return serve(atof(argv[++i]));
    }
    static ctx c;
    llmobs_registry *reg = llmobs_registry_new(NULL);
    const char *const l[] = {"model", "feature"};
    const double b[] = {0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32};
    llmobs_counter_register(reg, "bench_requests_total", "Requests", NULL, l, 2, &c.counter);
    llmobs_histogram_register(reg, "bench_duration_seconds", "Latency", "seconds", l, 2, b, 9,
                              &c.hist);
    llmobs_gauge_register(reg, "bench_inflight", "Inflight", NULL, l, 2, &c.gauge_f);
    llmobs_counter_labels(c.counter, LV, 2, &c.bound);
    llmobs_histogram_labels(c.hist, LV, 2, &c.bound_hist);
    llmobs_gauge_labels(c.gauge_f, LV, 2, &c.gauge);

    for (int th = 1; th <= 2; th++) {
        hot(&c, "metrics.counter_inc_labels", "llmobs", "counter inc, 2 labels, lookup by values",
            op_inc_labels, 1000000, th);
        hot(&c, "metrics.counter_inc", "llmobs", "counter inc, pre-bound child", op_inc, 4000000,
            th);
        hot(&c, "metrics.counter_inc", "floor", "counter inc, pre-bound child", op_atomic, 4000000,
            th);
        hot(&c, "metrics.histogram_observe", "llmobs",
            "histogram observe, 9 buckets, pre-bound child", op_observe, 2000000, th);
        hot(&c, "metrics.histogram_observe_labels", "llmobs",
            "histogram observe, 9 buckets, lookup by 2 label values", op_observe_labels, 1000000,
            th);
        hot(&c, "metrics.gauge_set", "llmobs", "gauge set, pre-bound child", op_gauge_set, 4000000,
            th);
    }
    render();
    llmobs_registry_free(reg);
    return 0;
}
