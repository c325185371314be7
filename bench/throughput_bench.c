/* Delivered throughput: spans per second that a local bench_receiver counts, for 1M spans sent
 * by one llmobs client (OTLP/HTTP JSON, optionally gzip), and the process's peak RSS.
 *
 * The producer thread makes traced LLM calls (3 spans each, ~200-byte inputs and outputs) as
 * fast as it can but backs off while more than 50,000 items wait in the queue, so the figure is
 * the export pipeline's capacity, not the queue-full drop rate. Time runs from the first call
 * to llmobs_flush returning; spans/s = spans the receiver counted / that time.
 *
 * --ceiling measures the receiver itself: a real 512-span llmobs batch (captured with a
 * callback exporter) is POSTed back to back over one keep-alive connection by a trivial
 * blocking client, plain and gzipped.
 *
 * Usage: bench_throughput --endpoint http://127.0.0.1:PORT [--spans N] [--runs N] [--gzip]
 *        bench_throughput --endpoint http://127.0.0.1:PORT --ceiling [--seconds S]
 */
#include "bench_util.h"
#include "llmobs/llmobs.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <zlib.h>

/* ---- receiver counters over HTTP ------------------------------------------------------- */

typedef struct sbuf {
    char d[1024];
    size_t n;
} sbuf;

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    sbuf *b = ud;
    size_t n = sz * nm, room = sizeof b->d - 1 - b->n;
    memcpy(b->d + b->n, p, n < room ? n : room);
    b->n += n < room ? n : room;
    b->d[b->n] = 0;
    return n;
}

static uint64_t receiver_stat(const char *endpoint, const char *key)
{
    char url[512];
    snprintf(url, sizeof url, "%s/stats", endpoint);
    sbuf b = {.n = 0};
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "bench_throughput: GET %s: %s\n", url, curl_easy_strerror(rc));
        exit(1);
    }
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(b.d, k);
    return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

/* ---- throughput ------------------------------------------------------------------------ */

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU time (user + sys, all threads of this process: producer and flusher) per delivered span
 * of the last run, in microseconds: unlike spans/s, it hardly depends on how much of the
 * machine other processes take. */
static double last_cpu_us_per_span;

static double one_run(const char *endpoint, long spans, int gzip, double rss_curve[10])
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "otlp");
    llmobs_options_set(o, "otlp_endpoint", endpoint);
    llmobs_options_set(o, "service_name", "bench");
    if (gzip) llmobs_options_set(o, "otlp_compression", "gzip");
    llmobs_status st;
    llmobs_client *c = llmobs_client_new(o, &st);
    if (!c) {
        fprintf(stderr, "bench_throughput: %s %s\n", llmobs_status_name(st), llmobs_last_error());
        exit(1);
    }
    uint64_t before = receiver_stat(endpoint, "spans");
    long calls = (spans + 2) / 3;
    double cpu0 = cpu_seconds();
    int64_t t0 = bench_now_ns();
    for (long i = 0; i < calls; i++) {
        if ((i & 255) == 0) {
            uint64_t q = 0;
            llmobs_stats_get(c, LLMOBS_STAT_QUEUE_ITEMS, &q);
            while (q > 50000) {
                struct timespec ts = {0, 100000};
                nanosleep(&ts, NULL);
                llmobs_stats_get(c, LLMOBS_STAT_QUEUE_ITEMS, &q);
            }
        }
        traced_call(c);
        if (rss_curve && (i + 1) % (calls / 10) == 0 && (i + 1) / (calls / 10) <= 10)
            rss_curve[(i + 1) / (calls / 10) - 1] = bench_rss_mib();
    }
    uint64_t pending = 0;
    llmobs_flush(c, 300000, &pending);
    int64_t t1 = bench_now_ns();
    double cpu1 = cpu_seconds();
    uint64_t got = receiver_stat(endpoint, "spans") - before;
    uint64_t dropped = 0, exported = 0;
    llmobs_stats_get(c, LLMOBS_STAT_DROPPED, &dropped);
    llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
    if (dropped || pending || got != (uint64_t)calls * 3)
        fprintf(stderr,
                "bench_throughput: WARNING: sent %ld spans, receiver counted %llu, exported %llu, "
                "dropped %llu, pending %llu\n",
                calls * 3, (unsigned long long)got, (unsigned long long)exported,
                (unsigned long long)dropped, (unsigned long long)pending);
    llmobs_shutdown(c, 10000);
    last_cpu_us_per_span = got ? (cpu1 - cpu0) * 1e6 / (double)got : 0;
    return (double)got / ((double)(t1 - t0) / 1e9);
}

/* ---- receiver ceiling ------------------------------------------------------------------ */

typedef struct capture {
    char *body;
    size_t len;
    uint32_t items;
} capture;

static llmobs_export_result capture_cb(const char *body, size_t len, const char *ct, uint32_t items,
                                       void *ud)
{
    (void)ct;
    capture *cap = ud;
    if (items > cap->items) {
        free(cap->body);
        cap->body = malloc(len);
        memcpy(cap->body, body, len);
        cap->len = len;
        cap->items = items;
    }
    return LLMOBS_EXPORT_OK;
}

static char *gzip_body(const char *in, size_t n, size_t *out_len)
{
    z_stream z = {0};
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* POSTs `body` back to back for `seconds`; returns requests per second. */
static double blast(int port, const char *body, size_t blen, int gz, double seconds)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench_throughput: connect");
        exit(1);
    }
    char hdr[256];
    int h = snprintf(hdr, sizeof hdr,
                     "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\n%sContent-Length: %zu\r\n\r\n",
                     gz ? "Content-Encoding: gzip\r\n" : "", blen);
    char *req = malloc((size_t)h + blen);
    memcpy(req, hdr, (size_t)h);
    memcpy(req + h, body, blen);
    size_t rlen = (size_t)h + blen;
    long reqs = 0;
    int64_t t0 = bench_now_ns(), end = t0 + (int64_t)(seconds * 1e9), t1;
    char resp[4096];
    do {
        for (size_t off = 0; off < rlen;) {
            ssize_t w = send(fd, req + off, rlen - off, MSG_NOSIGNAL);
            if (w <= 0) {
                perror("bench_throughput: send");
                exit(1);
            }
            off += (size_t)w;
        }
        /* the receiver's reply is small: read until the headers and the "{}" body arrived */
        size_t got = 0;
        for (;;) {
            ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
            if (r <= 0) {
                perror("bench_throughput: recv");
                exit(1);
            }
            got += (size_t)r;
            resp[got] = 0;
            char *e = strstr(resp, "\r\n\r\n");
            if (e && got >= (size_t)(e - resp) + 4 + 2) break;
        }
        reqs++;
        t1 = bench_now_ns();
    } while (t1 < end);
    close(fd);
    free(req);
    return (double)reqs / ((double)(t1 - t0) / 1e9);
}

static void ceiling(const char *endpoint, double seconds, int runs)
{
    capture cap = {0};
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set_export_callback(o, capture_cb, &cap);
    llmobs_options_set(o, "flush_at", "512");
    llmobs_options_set(o, "service_name", "bench");
    llmobs_client *c = llmobs_client_new(o, NULL);
    for (int i = 0; i < 171; i++)
        traced_call(c);
    llmobs_flush(c, 30000, NULL);
    llmobs_shutdown(c, 10000);
    int port = atoi(strrchr(endpoint, ':') + 1);
    size_t glen = 0;
    char *gz = gzip_body(cap.body, cap.len, &glen);
    uint64_t s0 = receiver_stat(endpoint, "spans");
    for (int g = 0; g < 2; g++) {
        double *v = malloc((size_t)runs * sizeof *v);
        for (int r = 0; r < runs; r++)
            v[r] =
                blast(port, g ? gz : cap.body, g ? glen : cap.len, g, seconds) * (double)cap.items;
        char extra[160];
        snprintf(extra, sizeof extra, "\"batch_items\":%u,\"body_bytes\":%zu", cap.items,
                 g ? glen : cap.len);
        bench_emit_impl("bench_receiver", g ? "receiver.ceiling.gzip" : "receiver.ceiling",
                        g ? "receiver's own ceiling (gzip bodies), 1 keep-alive connection"
                          : "receiver's own ceiling (plain bodies), 1 keep-alive connection",
                        "spans/s", v, (size_t)runs, 1, "per-run", extra);
        free(v);
    }
    /* the receiver must have counted every span of every request it answered */
    if (receiver_stat(endpoint, "spans") == s0)
        fprintf(stderr, "bench_throughput: WARNING: receiver counted no spans\n");
    free(gz);
    free(cap.body);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL;
    long spans = 1000000;
    int runs = 3, gzip = 0, do_ceiling = 0;
    double seconds = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
            endpoint = argv[++i];
        else if (strcmp(argv[i], "--spans") == 0 && i + 1 < argc)
            spans = atol(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--gzip") == 0)
            gzip = 1;
        else if (strcmp(argv[i], "--ceiling") == 0)
            do_ceiling = 1;
    }
    if (!endpoint) {
        fprintf(stderr, "usage: bench_throughput --endpoint http://127.0.0.1:PORT ...\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (do_ceiling) {
        ceiling(endpoint, seconds, runs);
        return 0;
    }
    double rss0 = bench_rss_mib();
    double *v = malloc((size_t)runs * sizeof *v), curve[10] = {0};
    double *cpu = malloc((size_t)runs * sizeof *cpu);
    for (int r = 0; r < runs; r++) {
        v[r] = one_run(endpoint, spans, gzip, curve);
        cpu[r] = last_cpu_us_per_span;
    }
    bench_emit(gzip ? "trace.cpu_per_span.gzip" : "trace.cpu_per_span",
               gzip ? "CPU time per delivered span (user+sys, producer + flusher), gzip"
                    : "CPU time per delivered span (user+sys, producer + flusher)",
               "us/span", cpu, (size_t)runs, 1, "per-run", NULL);
    if (!gzip) {
        for (int r = 0; r < runs; r++)
            cpu[r] *= 3; /* 3 spans per traced call */
        bench_emit("trace.cpu_per_call",
                   "CPU time per delivered traced LLM call (whole client process)", "us/call", cpu,
                   (size_t)runs, 1, "per-run", NULL);
    }
    free(cpu);
    char extra[512];
    int n = snprintf(extra, sizeof extra,
                     "\"spans\":%ld,\"peak_rss_mib\":%.1f,\"rss_before_mib\":%.1f,"
                     "\"rss_curve_mib\":[",
                     spans, bench_peak_rss_mib(), rss0);
    for (int i = 0; i < 10; i++)
        n += snprintf(extra + n, sizeof extra - (size_t)n, "%s%.1f", i ? "," : "", curve[i]);
    snprintf(extra + n, sizeof extra - (size_t)n, "]");
    char label[128];
    snprintf(label, sizeof label, "delivered to local receiver, %ld spans%s", spans,
             gzip ? ", gzip" : "");
    bench_emit(gzip ? "trace.throughput.gzip" : "trace.throughput", label, "spans/s", v,
               (size_t)runs, 1, "per-run", extra);
    if (!gzip) {
        /* the same runs counted in traced calls (3 spans each), comparable with peers whose
         * unit is different (Langfuse JS sends 6 ingestion events per traced call) */
        for (int r = 0; r < runs; r++)
            v[r] /= 3;
        bench_emit("trace.throughput.calls", "delivered traced LLM calls per second (1 producer)",
                   "calls/s", v, (size_t)runs, 1, "per-run", NULL);
    }
    /* peak RSS as its own row, so the table shows it */
    double rss = bench_peak_rss_mib();
    bench_emit(gzip ? "trace.peak_rss.gzip" : "trace.peak_rss",
               gzip ? "peak RSS of the process for those runs, gzip"
                    : "peak RSS of the process for those runs",
               "MiB", &rss, 1, 1, "per-process", NULL);
    free(v);
    curl_global_cleanup();
    return 0;
}
