#define _POSIX_C_SOURCE 200809L
/* llmobs-demo: a simulated RAG service. Each request is a trace with a retrieval span and one
 * or two generations on models from the reference article's price table, with realistic
 * token counts and latencies, some streamed first tokens and a few errors. Deterministic for
 * a given --seed. Latencies are simulated with explicit start/end times, so a thousand
 * requests take well under a second; --realtime sleeps through them instead, and --rate N
 * spreads the requests over wall time at N per second (for a scraper to see rates).
 *
 * Online evaluation: a sample of the answered requests (--eval-sample, default 0.2) is judged
 * for accuracy and faithfulness, which feeds llm_eval_pass_rate, llm_eval_runs_total and
 * llm_rag_faithfulness. The judge is simulated (deterministic for a --seed) unless
 * LLMOBS_JUDGE_API_KEY is set, in which case the real LLM-as-judge (LLMOBS_JUDGE_*) is called.
 * With Langfuse keys the judgements are also sent as scores on their traces. */
#include <llmobs/llmobs.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    long requests;
    long concurrency;
    uint64_t seed;
    int realtime;
    const char *metrics_addr;
    double linger_s;
    double rate;          /* requests per second of wall time; 0 = as fast as possible */
    double eval_sample;   /* fraction of answered requests that are judged */
    int real_judge;       /* LLMOBS_JUDGE_API_KEY is set: call the real judge */
    int send_scores;      /* a Langfuse backend: judgements also go out as scores */
    llmobs_evaluator *ev; /* shared by the workers (thread-safe) */
} demo_config;

typedef struct {
    const char *model;
    const char *provider;
    int weight;
    double ms_per_output_token;
} model_profile;

/* Models of the article's price table; weights give a plausible traffic mix. */
static const model_profile models[] = {
    {"claude-sonnet-4-5", "anthropic", 30, 14.0}, {"gpt-4o", "openai", 25, 12.0},
    {"gpt-4o-mini", "openai", 20, 6.0},           {"claude-haiku-4-5", "anthropic", 15, 5.0},
    {"gemini-2.0-flash", "gcp.gemini", 10, 4.0},
};

/* splitmix64: one stream per request, so output does not depend on thread scheduling. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

static long range(uint64_t *s, long lo, long hi)
{
    return lo + (long)(uniform(s) * (double)(hi - lo + 1));
}

static const model_profile *pick_model(uint64_t *s)
{
    int total = 0;
    for (size_t i = 0; i < sizeof models / sizeof *models; i++)
        total += models[i].weight;
    int r = (int)range(s, 0, total - 1);
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        if (r < models[i].weight) return &models[i];
        r -= models[i].weight;
    }
    return &models[0];
}

static const char *const questions[] = {
    "How do I rotate my API key without downtime?",
    "What is the refund policy for annual plans?",
    "Why did my invoice double this month?",
    "How can I export my data to CSV?",
};

typedef struct {
    llmobs_client *client;
    const demo_config *cfg;
    long first, count; /* request indices handled by this worker */
    int64_t base_ns;
    int64_t start_mono_ns; /* --rate paces request i to start_mono_ns + i / rate */
    llmobs_judge *judge;   /* this worker's real judge, or NULL for the simulated one */
    long judge_errors;
} worker;

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* One generation from `start`; returns its end time. *answered tells whether it produced an
 * answer; obs_id (17 bytes, optional) receives its observation id. */
static int64_t generate(llmobs_trace *t, uint64_t *rng, const char *name, int64_t start,
                        const char *question, int realtime, int *answered, char *obs_id)
{
    const model_profile *m = pick_model(rng);
    long input = range(rng, 800, 3200), output = range(rng, 60, 600);
    long cached = uniform(rng) < 0.3 ? range(rng, 256, input / 2) : 0;
    int streamed = uniform(rng) < 0.6;
    double roll = uniform(rng);
    int64_t ttft = (int64_t)(range(rng, 150, 900)) * 1000000;
    int64_t duration = ttft + (int64_t)(m->ms_per_output_token * (double)output * 1e6);

    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, name, NULL);
    if (obs_id && llmobs_obs_id(g, obs_id, 17) != LLMOBS_OK) obs_id[0] = '\0';
    *answered = roll >= 0.05;
    llmobs_obs_set_start_time(g, start);
    llmobs_obs_set_model(g, m->model);
    llmobs_obs_set_provider(g, m->provider);
    llmobs_obs_set_model_parameter(g, "temperature", "0.2");
    llmobs_obs_set_model_parameter(g, "max_tokens", "1024");
    llmobs_obs_set_input(g, question);
    if (roll < 0.03) { /* rate limited: no tokens out */
        duration = (int64_t)range(rng, 50, 200) * 1000000;
        llmobs_obs_set_level(g, LLMOBS_LEVEL_ERROR);
        llmobs_obs_set_status_message(g, "429 rate_limit_exceeded");
        llmobs_obs_set_usage(g, input - cached, 0);
    } else if (roll < 0.05) { /* timed out mid-stream */
        duration = 30000000000LL;
        llmobs_obs_set_level(g, LLMOBS_LEVEL_ERROR);
        llmobs_obs_set_status_message(g, "timeout after 30s");
        llmobs_obs_set_usage(g, input - cached, 0);
    } else {
        llmobs_obs_set_output(g, "Here is what I found in the documentation ...");
        llmobs_obs_set_usage(g, input - cached, output);
        if (cached) llmobs_obs_set_usage_detail(g, LLMOBS_USAGE_CACHE_READ, cached);
        if (streamed) llmobs_obs_set_completion_start_time(g, start + ttft);
    }
    if (realtime) sleep_ns(duration);
    llmobs_obs_end_at(g, start + duration);
    return start + duration;
}

static const char demo_context[] =
    "kb/142: API keys are rotated by creating a second key, deploying it, then revoking the "
    "first. kb/77: Annual plans are refundable within 30 days. kb/9: Data exports are CSV.";
static const char demo_answer[] = "Here is what I found in the documentation ...";

/* The simulated judge: deterministic scores from the request's own stream, independent of
 * the trace's stream so evaluation does not change what is traced. About 85 % of answers pass
 * accuracy (>= 0.7), about 90 % faithfulness, whose mean is about 0.8: the quality alerts
 * (pass rate < 0.8, faithfulness < 0.75) stay quiet. */
static void simulated_judgement(uint64_t seed, long i, double *accuracy, double *faithfulness)
{
    uint64_t rng = (seed ^ 0x5e7a1ULL) * 2654435761ULL + (uint64_t)i * 40503ULL;
    double pass = uniform(&rng), u = uniform(&rng), f = uniform(&rng);
    *accuracy = pass < 0.85 ? 0.7 + 0.3 * u : 0.15 + 0.5 * u;
    *faithfulness = f < 0.9 ? 0.7 + 0.3 * u : 0.3 + 0.4 * u;
}

/* Online evaluation of one answered request (accuracy and faithfulness). */
static void evaluate(worker *w, long i, const char *question, const char *trace_id,
                     const char *obs_id)
{
    const demo_config *cfg = w->cfg;
    const char *tid = cfg->send_scores && *trace_id ? trace_id : NULL;
    const char *oid = tid && *obs_id ? obs_id : NULL;
    double acc = 0, faith = 0;
    const char *acc_why = "simulated judge", *faith_why = "simulated judge";
    llmobs_judgement *ja = NULL, *jf = NULL;
    int acc_ok = 1, faith_ok = 1;
    if (w->judge) {
        acc_ok = llmobs_judge_accuracy(w->judge, NULL, question, demo_answer, demo_context, &ja) ==
                 LLMOBS_OK;
        if (acc_ok) acc = llmobs_judgement_score(ja), acc_why = llmobs_judgement_reasoning(ja);
        faith_ok = llmobs_judge_faithfulness(w->judge, demo_context, demo_answer, &jf) == LLMOBS_OK;
        if (faith_ok) faith = llmobs_judgement_score(jf), faith_why = NULL;
    } else {
        simulated_judgement(cfg->seed, i, &acc, &faith);
    }
    if (acc_ok)
        llmobs_eval_record(cfg->ev, "rag_pipeline", "accuracy", acc, -1, tid, oid, acc_why, NULL);
    else
        llmobs_eval_record_error(cfg->ev, "rag_pipeline", "accuracy", llmobs_last_error());
    if (faith_ok) {
        llmobs_eval_record(cfg->ev, "rag_pipeline", "faithfulness", faith, -1, NULL, NULL, NULL,
                           NULL);
        llmobs_eval_record_faithfulness(cfg->ev, "v2", faith, tid, oid, faith_why);
    } else {
        llmobs_eval_record_error(cfg->ev, "rag_pipeline", "faithfulness", llmobs_last_error());
    }
    w->judge_errors += !acc_ok + !faith_ok;
    llmobs_judgement_free(ja);
    llmobs_judgement_free(jf);
}

static void one_request(worker *w, long i)
{
    uint64_t rng = w->cfg->seed * 1000003ULL + (uint64_t)i;
    int realtime = w->cfg->realtime;
    int64_t start = realtime ? llmobs_now_ns() : w->base_ns + (int64_t)i * 50000000;
    const char *question = questions[range(&rng, 0, 3)];

    llmobs_trace *t = llmobs_trace_start(w->client, "rag_pipeline", NULL);
    char trace_id[33] = "", obs_id[17] = "";
    if (llmobs_trace_id(t, trace_id, sizeof trace_id) != LLMOBS_OK) trace_id[0] = '\0';
    llmobs_trace_set_start_time(t, start);
    char user[32], session[32];
    snprintf(user, sizeof user, "user-%ld", range(&rng, 1, 50));
    snprintf(session, sizeof session, "session-%ld", i / 4);
    llmobs_trace_set_user_id(t, user);
    llmobs_trace_set_session_id(t, session);
    llmobs_trace_add_tag(t, "demo");
    llmobs_trace_set_metadata(t, "pipeline_version", "v2");
    llmobs_trace_set_input(t, question);

    llmobs_obs *r = llmobs_obs_start(t, NULL, LLMOBS_OBS_RETRIEVER, "vector_search", NULL);
    llmobs_obs_set_start_time(r, start);
    llmobs_obs_set_input(r, question);
    int64_t retrieval = (int64_t)range(&rng, 20, 120) * 1000000;
    if (realtime) sleep_ns(retrieval);
    llmobs_obs_set_output_json(r, "{\"documents\":[\"kb/142\",\"kb/77\",\"kb/9\"]}");
    llmobs_obs_end_at(r, start + retrieval);

    int answered = 0, checked = 0;
    int64_t end =
        generate(t, &rng, "answer", start + retrieval, question, realtime, &answered, obs_id);
    if (uniform(&rng) < 0.25) /* some requests verify their answer with a second model */
        end = generate(t, &rng, "self_check", end, question, realtime, &checked, NULL);
    llmobs_trace_set_output(t, demo_answer);
    llmobs_trace_end_at(t, end);
    /* Sampling by request index keeps the evaluated set the same for any --concurrency. */
    if (answered && w->cfg->eval_sample > 0 &&
        (double)((uint64_t)i * 0x9e3779b97f4a7c15ULL >> 11) * 0x1.0p-53 < w->cfg->eval_sample)
        evaluate(w, i, question, trace_id, obs_id);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    if (w->cfg->real_judge) w->judge = llmobs_judge_new(NULL, NULL); /* one per thread */
    for (long i = w->first; i < w->first + w->count; i++) {
        if (w->cfg->rate > 0) {
            int64_t due = w->start_mono_ns + (int64_t)((double)i / w->cfg->rate * 1e9);
            int64_t now = mono_ns();
            if (due > now) sleep_ns(due - now);
        }
        one_request(w, i);
    }
    llmobs_judge_free(w->judge);
    return NULL;
}

static const char USAGE[] =
    "usage: llmobs-demo [--requests N] [--concurrency C] [--seed S] [--realtime]\n"
    "                   [--rate REQ_PER_S] [--metrics-addr HOST:PORT] [--linger-seconds S]\n"
    "                   [--eval-sample FRACTION]\n"
    "       llmobs-demo --help | --version\n";

static const char HELP[] =
    "NAME\n"
    "    llmobs-demo - a simulated RAG service traced, priced and measured by llmobs\n"
    "\n"
    "SYNOPSIS\n"
    "    llmobs-demo [--requests N] [--concurrency C] [--seed S] [--realtime]\n"
    "                [--rate REQ_PER_S] [--metrics-addr HOST:PORT] [--linger-seconds S]\n"
    "                [--eval-sample FRACTION]\n"
    "\n"
    "DESCRIPTION\n"
    "    Each request is a trace with a retrieval span and one or two generations on the\n"
    "    models of the built-in price table, with realistic token counts, latencies, streamed\n"
    "    first tokens and a few errors. Deterministic for a given seed. Without Langfuse keys\n"
    "    or an OTLP endpoint every span is written as OTLP JSON lines to a local file. At the\n"
    "    end it flushes and prints one line: requests=N exported=N dropped=N pending=N.\n"
    "    A sample of the answered requests is judged online for accuracy and faithfulness\n"
    "    (llm_eval_pass_rate, llm_eval_runs_total, llm_rag_faithfulness): by a deterministic\n"
    "    simulated judge, or by the real LLM judge when LLMOBS_JUDGE_API_KEY is set; with\n"
    "    Langfuse keys the verdicts are also sent as scores on their traces.\n"
    "\n"
    "OPTIONS\n"
    "    --requests N          requests to simulate (default 100)\n"
    "    --concurrency C       caller threads (default 1)\n"
    "    --seed S              seed of the simulation (default 1)\n"
    "    --realtime            sleep through the simulated latencies instead of only\n"
    "                          recording them\n"
    "    --rate REQ_PER_S      spread the requests over wall time at this rate (0 = as fast\n"
    "                          as possible)\n"
    "    --metrics-addr ADDR   serve Prometheus metrics on http://ADDR/metrics\n"
    "    --linger-seconds S    keep serving metrics this long after the last request\n"
    "    --eval-sample F       fraction of answered requests judged online, in [0, 1]\n"
    "                          (default 0.2; 0 turns online evaluation off)\n"
    "    -h, --help            print this help and exit\n"
    "    --version             print the version and exit\n"
    "\n"
    "ENVIRONMENT\n"
    "    Every llmobs option (README.md, \"Configuration\"), notably LANGFUSE_BASE_URL,\n"
    "    LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY (send to Langfuse), OTEL_EXPORTER_OTLP_ENDPOINT\n"
    "    (send to an OpenTelemetry backend), LLMOBS_FILE_PATH (the local file, default\n"
    "    llmobs-export.jsonl), LLMOBS_METRICS_ADDR and LLMOBS_BUDGETS; LLMOBS_JUDGE_API,\n"
    "    LLMOBS_JUDGE_BASE_URL, LLMOBS_JUDGE_API_KEY, LLMOBS_JUDGE_MODEL (the real judge).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 the client could not start; 2 bad arguments.\n";

/* --help and --version answer wherever they appear; returns 1 when one of them was handled. */
static int print_info(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(HELP, stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("llmobs-demo %s\n", llmobs_version());
            return 1;
        }
    }
    return 0;
}

static int parse_args(int argc, char **argv, demo_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--realtime") == 0) {
            cfg->realtime = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "llmobs-demo: %s needs a value\n", a);
            return -1;
        }
        i++;
        errno = 0;
        if (strcmp(a, "--requests") == 0)
            cfg->requests = strtol(v, &end, 10);
        else if (strcmp(a, "--concurrency") == 0)
            cfg->concurrency = strtol(v, &end, 10);
        else if (strcmp(a, "--seed") == 0)
            cfg->seed = strtoull(v, &end, 10);
        else if (strcmp(a, "--linger-seconds") == 0)
            cfg->linger_s = strtod(v, &end);
        else if (strcmp(a, "--rate") == 0)
            cfg->rate = strtod(v, &end);
        else if (strcmp(a, "--eval-sample") == 0)
            cfg->eval_sample = strtod(v, &end);
        else if (strcmp(a, "--metrics-addr") == 0)
            cfg->metrics_addr = v, end = (char *)v + strlen(v);
        else {
            fprintf(stderr, "llmobs-demo: unknown flag %s\n", a);
            return -1;
        }
        if (errno || !end || *end || cfg->requests < 0 || cfg->concurrency < 1 ||
            cfg->linger_s < 0 || cfg->rate < 0 || !(cfg->eval_sample >= 0) ||
            cfg->eval_sample > 1) {
            fprintf(stderr, "llmobs-demo: bad value for %s: %s\n", a, v);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    demo_config cfg = {.requests = 100, .concurrency = 1, .seed = 1, .eval_sample = 0.2};
    if (print_info(argc, argv)) return 0;
    if (parse_args(argc, argv, &cfg) != 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    llmobs_options *opts = llmobs_options_new();
    if (cfg.metrics_addr &&
        llmobs_options_set(opts, "metrics_addr", cfg.metrics_addr) != LLMOBS_OK) {
        fprintf(stderr, "llmobs-demo: %s\n", llmobs_last_error());
        llmobs_options_free(opts);
        return 2;
    }
    llmobs_status st;
    llmobs_client *client = llmobs_client_new(opts, &st);
    if (!client) {
        fprintf(stderr, "llmobs-demo: cannot start: %s (%s)\n", llmobs_status_str(st),
                llmobs_last_error());
        return 1;
    }
    if (!getenv("LANGFUSE_PUBLIC_KEY") && !getenv("OTEL_EXPORTER_OTLP_ENDPOINT") &&
        !getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
        const char *path = getenv("LLMOBS_FILE_PATH");
        fprintf(stderr, "llmobs-demo: no Langfuse keys set; writing OTLP JSON lines to %s\n",
                path ? path : "llmobs-export.jsonl");
    }

    /* Online evaluation: the real judge when its key is set, else the simulated one. */
    const char *judge_key = getenv("LLMOBS_JUDGE_API_KEY");
    cfg.real_judge = judge_key && *judge_key;
    cfg.send_scores = getenv("LANGFUSE_PUBLIC_KEY") != NULL;
    if (cfg.real_judge) {
        llmobs_judge *probe = llmobs_judge_new(NULL, &st);
        if (!probe) {
            fprintf(stderr, "llmobs-demo: LLMOBS_JUDGE_*: %s\n", llmobs_last_error());
            llmobs_shutdown(client, 1000);
            return 2;
        }
        llmobs_judge_free(probe);
    }
    cfg.ev = llmobs_evaluator_new(client, NULL, &st);
    if (!cfg.ev) {
        fprintf(stderr, "llmobs-demo: evaluator: %s\n", llmobs_last_error());
        llmobs_shutdown(client, 1000);
        return 1;
    }
    if (cfg.eval_sample > 0)
        fprintf(stderr, "llmobs-demo: judging %.0f%% of answered requests with the %s judge\n",
                cfg.eval_sample * 100, cfg.real_judge ? "real (LLMOBS_JUDGE_*)" : "simulated");

    worker *workers = calloc((size_t)cfg.concurrency, sizeof *workers);
    pthread_t *threads = calloc((size_t)cfg.concurrency, sizeof *threads);
    if (!workers || !threads) return 1;
    int64_t base = llmobs_now_ns() - cfg.requests * 50000000LL; /* history ending now */
    int64_t start_mono = mono_ns();
    long per = cfg.requests / cfg.concurrency, extra = cfg.requests % cfg.concurrency, next = 0;
    for (long k = 0; k < cfg.concurrency; k++) {
        long n = per + (k < extra);
        workers[k] = (worker){client, &cfg, next, n, base, start_mono, NULL, 0};
        next += n;
        pthread_create(&threads[k], NULL, worker_main, &workers[k]);
    }
    long judge_errors = 0;
    for (long k = 0; k < cfg.concurrency; k++) {
        pthread_join(threads[k], NULL);
        judge_errors += workers[k].judge_errors;
    }
    if (judge_errors)
        fprintf(stderr,
                "llmobs-demo: the judge failed %ld time(s) (llm_eval_runs_total"
                "{result=\"error\"})\n",
                judge_errors);

    uint64_t pending = 0, exported = 0, dropped = 0;
    llmobs_flush(client, 30000, &pending);
    llmobs_stats_get(client, LLMOBS_STAT_EXPORTED, &exported);
    llmobs_stats_get(client, LLMOBS_STAT_DROPPED, &dropped);
    llmobs_stats_get(client, LLMOBS_STAT_PENDING, &pending);
    printf("requests=%ld exported=%" PRIu64 " dropped=%" PRIu64 " pending=%" PRIu64 "\n",
           cfg.requests, exported, dropped, pending);
    fflush(stdout); /* a supervisor reading the pipe sees it before the linger */
    if (cfg.linger_s > 0) sleep_ns((int64_t)(cfg.linger_s * 1e9));
    llmobs_evaluator_free(cfg.ev);
    llmobs_shutdown(client, 10000);
    free(workers);
    free(threads);
    return 0;
}
