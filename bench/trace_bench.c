/* Caller cost of one traced LLM call, in ns on the calling thread.
 *
 * One traced call = trace start + retrieval observation (~200-byte input and output, ended) +
 * generation (model, usage, ~200-byte input and output, ended) + trace end: 3 spans. Every call
 * is timed on its own (CLOCK_MONOTONIC around it, ~20 ns of clock cost included); the figure is
 * the median and p99 of all calls of all runs. Configurations:
 *   none        exporter=none: the flusher thread drops nothing and sends nothing
 *   otlp        exporter=otlp to a local bench_receiver (serialization + HTTP on the flusher
 *               thread compete with the caller for the 2 cores); runs are sized to fit the queue
 *               and flushed between runs, untimed
 *   sampled_out sample_rate=0
 *   disabled    enabled=false
 * each on 1 thread and on N threads (N = cores).
 *
 * Usage: bench_trace [--endpoint http://127.0.0.1:PORT] [--quick]
 */
#include "bench_util.h"
#include "llmobs/llmobs.h"

#include <pthread.h>

static int quick;

typedef struct worker {
    llmobs_client *client;
    long calls;
    double *samples;
    pthread_barrier_t *start;
} worker;

static void *work(void *p)
{
    worker *w = p;
    pthread_barrier_wait(w->start);
    for (long i = 0; i < w->calls; i++) {
        int64_t t0 = bench_now_ns();
        traced_call(w->client);
        w->samples[i] = (double)(bench_now_ns() - t0);
    }
    return NULL;
}

static llmobs_client *make_client(const char *mode, const char *endpoint)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "service_name", "bench");
    if (strcmp(mode, "otlp") == 0) {
        llmobs_options_set(o, "exporter", "otlp");
        llmobs_options_set(o, "otlp_endpoint", endpoint);
    } else {
        llmobs_options_set(o, "exporter", "none");
    }
    if (strcmp(mode, "sampled_out") == 0) llmobs_options_set(o, "sample_rate", "0");
    if (strcmp(mode, "disabled") == 0) llmobs_options_set(o, "enabled", "false");
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    if (!c) {
        fprintf(stderr, "bench_trace: client_new(%s): %s %s\n", mode, llmobs_status_name(st),
                llmobs_last_error());
        exit(1);
    }
    return c;
}

static void run(const char *mode, const char *endpoint, int threads, const char *label)
{
    llmobs_client *c = make_client(mode, endpoint);
    /* otlp: 8,000 calls (24,000 spans) per thread and run stay well below the 100,000-item
     * queue, so no call takes the cheaper queue-full path */
    long calls = strcmp(mode, "otlp") == 0 ? 8000 / threads : 20000;
    int runs = quick ? 2 : 5;
    if (quick) calls /= 10;
    size_t total = (size_t)calls * (size_t)threads * (size_t)runs;
    double *all = malloc(total * sizeof *all);
    size_t n = 0;
    for (long i = 0; i < 2000; i++)
        traced_call(c); /* warm up allocator and metric children */
    llmobs_flush(c, 30000, NULL);
    for (int r = 0; r < runs; r++) {
        pthread_barrier_t b;
        pthread_barrier_init(&b, NULL, (unsigned)threads);
        pthread_t tid[64];
        worker w[64];
        for (int k = 0; k < threads; k++) {
            w[k] = (worker){c, calls, all + n + (size_t)k * (size_t)calls, &b};
            pthread_create(&tid[k], NULL, work, &w[k]);
        }
        for (int k = 0; k < threads; k++)
            pthread_join(tid[k], NULL);
        pthread_barrier_destroy(&b);
        n += (size_t)calls * (size_t)threads;
        llmobs_flush(c, 60000, NULL); /* untimed: the next run starts with an empty queue */
    }
    uint64_t items = 0, exported = 0, dropped = 0, full = 0;
    llmobs_stats_get(c, LLMOBS_STAT_ITEMS, &items);
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    llmobs_stats_get(c, LLMOBS_STAT_DROPPED, &dropped);
    llmobs_stats_dropped(c, LLMOBS_DROP_QUEUE_FULL, &full);
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"items\":%llu,\"exported\":%llu,\"dropped\":%llu,\"dropped_queue_full\":%llu",
             (unsigned long long)items, (unsigned long long)exported, (unsigned long long)dropped,
             (unsigned long long)full);
    char id[96];
    snprintf(id, sizeof id, "trace.caller.%s.t%d", mode, threads);
    bench_emit(id, label, "ns/call", all, n, threads, "per-op", extra);
    free(all);
    llmobs_shutdown(c, 10000);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
            endpoint = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
    }
    int nt = (int)bench_cores();
    if (nt < 2) nt = 2;
    if (nt > 64) nt = 64;
    char l[128];
    run("none", NULL, 1, "traced LLM call, caller cost, exporter=none, 1 thread");
    snprintf(l, sizeof l, "traced LLM call, caller cost, exporter=none, %d threads", nt);
    run("none", NULL, nt, l);
    if (endpoint) {
        run("otlp", endpoint, 1, "traced LLM call, caller cost, OTLP to local receiver, 1 thread");
        snprintf(l, sizeof l, "traced LLM call, caller cost, OTLP to local receiver, %d threads",
                 nt);
        run("otlp", endpoint, nt, l);
    }
    run("sampled_out", NULL, 1, "sampled-out traced call (sample_rate=0), 1 thread");
    run("disabled", NULL, 1, "traced call on a disabled client (enabled=false), 1 thread");
    return 0;
}
