/* llmobs-eval: LLM-as-judge over production traces (from Langfuse) or a golden dataset.
 * See `llmobs-eval --help` and docs/eval.md. */
#include "eval/eval.h"
#include "experiment_cmd.h"

#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    EXIT_OK = 0,
    EXIT_BELOW_BAR = 1,
    EXIT_USAGE = 2,
    EXIT_CONFIG = 3,
    EXIT_LANGFUSE = 4,
    EXIT_BAD_FILE = 5,
    EXIT_JUDGE = 6,
    EXIT_DELIVERY = 7
};

static const char USAGE[] = "usage: llmobs-eval production --feature NAME [options]\n"
                            "       llmobs-eval dataset --file golden.jsonl [options]\n"
                            "       llmobs-eval experiment (--dataset NAME | --file F) --run NAME "
                            "--command CMD [options]\n"
                            "       llmobs-eval --help | --version\n";

static const char HELP[] =
    "NAME\n"
    "    llmobs-eval - judge LLM answers with an LLM judge and report eval metrics\n"
    "\n"
    "SYNOPSIS\n"
    "    llmobs-eval production --feature NAME [--sample N] [--since-hours H]\n"
    "                [--max-observations M] [--pipeline-version V] [--threshold T]\n"
    "                [--no-scores] [--seed S] [--print-metrics]\n"
    "                [--metrics-addr HOST:PORT [--serve-seconds S]]\n"
    "                [--pushgateway URL [--job NAME]] [--textfile PATH]\n"
    "    llmobs-eval dataset --file golden.jsonl [--min-pass-rate R] [--feature NAME]\n"
    "                [--threshold T] [--print-metrics]\n"
    "                [--pushgateway URL [--job NAME]] [--textfile PATH]\n"
    "    llmobs-eval experiment ...   (see llmobs-eval experiment --help)\n"
    "    llmobs-eval --help | --version\n"
    "\n"
    "DESCRIPTION\n"
    "    production judges a random sample of the root observations of recent traces named\n"
    "    NAME (Langfuse GET /api/public/v2/observations), for accuracy and, when\n"
    "    metadata.retrieved_context exists, for faithfulness; posts the scores back to\n"
    "    Langfuse and updates llm_eval_* and llm_rag_faithfulness.\n"
    "    dataset judges every line {\"question\", \"answer\", \"context\"?, \"expected\"?} of a\n"
    "    JSON Lines file and fails when the pass rate is below --min-pass-rate.\n"
    "    experiment runs a command on every item of a Langfuse dataset or JSON Lines file as\n"
    "    a Langfuse experiment and fails on a regression against an earlier run.\n"
    "\n"
    "OPTIONS\n"
    "    --feature NAME        trace name to sample (production); feature label of the metrics\n"
    "    --file PATH           the golden JSON Lines file (dataset)\n"
    "    --sample N            observations to judge (default 50)\n"
    "    --since-hours H       look back this many hours (default 24)\n"
    "    --max-observations M  most observations read from Langfuse (default 1000)\n"
    "    --pipeline-version V  label of llm_rag_faithfulness (default: the observation's)\n"
    "    --threshold T         pass threshold in [0, 1] (default: LLMOBS_EVAL_THRESHOLD, 0.7)\n"
    "    --min-pass-rate R     dataset: lowest passing pass rate in [0, 1] (default 0.8)\n"
    "    --no-scores           do not post scores back to Langfuse\n"
    "    --seed S              seed of the sample (default: random)\n"
    "    --print-metrics       print the eval metrics in Prometheus text format at the end\n"
    "    --metrics-addr ADDR   serve the eval metrics on http://ADDR/metrics\n"
    "    --serve-seconds S     keep serving them this long after the run\n"
    "    --pushgateway URL     push llm_eval_pass_rate, llm_eval_runs_total and\n"
    "                          llm_rag_faithfulness to a Prometheus Pushgateway, grouped by\n"
    "                          job and feature (scrape it with honor_labels: true)\n"
    "    --job NAME            the job of the pushed group (default llmobs-eval)\n"
    "    --textfile PATH       write them for node_exporter's textfile collector (PATH ends\n"
    "                          in .prom; written to a temporary file and renamed)\n"
    "    -h, --help            print this help and exit\n"
    "    --version             print the version and exit\n"
    "\n"
    "ENVIRONMENT\n"
    "    LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY    the Langfuse project\n"
    "    LLMOBS_JUDGE_API (openai|anthropic), LLMOBS_JUDGE_BASE_URL, LLMOBS_JUDGE_API_KEY,\n"
    "    LLMOBS_JUDGE_MODEL                                            the judge model\n"
    "\n"
    "EXIT STATUS\n"
    "    0 ok; 1 pass rate below --min-pass-rate; 2 usage; 3 configuration (missing key);\n"
    "    4 Langfuse unreachable or refused; 5 malformed dataset file; 6 the judge failed for\n"
    "    every item; 7 the metrics could not be pushed or written; experiment only: 1 a\n"
    "    regression beyond --max-regression, 8 no baseline run, 9 every item failed.\n";

typedef struct args {
    const char *mode;
    const char *feature;
    const char *file;
    const char *pipeline_version;
    const char *metrics_addr;
    const char *pushgateway, *job, *textfile;
    double min_pass_rate, threshold, since_hours, serve_seconds;
    long sample, max_obs;
    unsigned long seed;
    bool seeded, no_scores, print_metrics;
} args;

typedef struct tally {
    const char *metric;
    uint64_t pass, fail, error;
} tally;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "llmobs-eval: %s%s%s\n%s(llmobs-eval --help for more)\n", msg, arg ? ": " : "",
            arg ? arg : "", USAGE);
    return EXIT_USAGE;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, args *a)
{
    *a = (args){
        .min_pass_rate = 0.8, .threshold = -1, .since_hours = 24, .sample = 50, .max_obs = 1000};
    for (int i = 1; i < argc; i++) { /* --help and --version answer wherever they appear */
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(HELP, stdout);
            exit(EXIT_OK);
        }
        if (!strcmp(argv[i], "--version")) {
            printf("llmobs-eval %s\n", llmobs_version());
            exit(EXIT_OK);
        }
    }
    if (argc < 2) return usage_error("missing mode", NULL);
    a->mode = argv[1];
    if (strcmp(a->mode, "production") && strcmp(a->mode, "dataset"))
        return usage_error("unknown mode", a->mode);
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        bool flag = !strcmp(k, "--no-scores") || !strcmp(k, "--print-metrics");
        if (!flag && i + 1 >= argc) return usage_error("missing value for", k);
        const char *v = flag ? NULL : argv[++i];
        double d;
        if (!strcmp(k, "--feature"))
            a->feature = v;
        else if (!strcmp(k, "--file"))
            a->file = v;
        else if (!strcmp(k, "--pipeline-version"))
            a->pipeline_version = v;
        else if (!strcmp(k, "--metrics-addr"))
            a->metrics_addr = v;
        else if (!strcmp(k, "--pushgateway") || !strcmp(k, "--job") || !strcmp(k, "--textfile")) {
            if (!*v) return usage_error("empty value for", k);
            *(!strcmp(k, "--pushgateway") ? &a->pushgateway
              : !strcmp(k, "--job")       ? &a->job
                                          : &a->textfile) = v;
        } else if (!strcmp(k, "--no-scores"))
            a->no_scores = true;
        else if (!strcmp(k, "--print-metrics"))
            a->print_metrics = true;
        else if (!strcmp(k, "--min-pass-rate")) {
            if (!parse_double(v, 0, 1, &a->min_pass_rate))
                return usage_error("--min-pass-rate must be in [0, 1]", v);
        } else if (!strcmp(k, "--threshold")) {
            if (!parse_double(v, 0, 1, &a->threshold))
                return usage_error("--threshold must be in [0, 1]", v);
        } else if (!strcmp(k, "--since-hours")) {
            if (!parse_double(v, 0, 24 * 365, &a->since_hours))
                return usage_error("--since-hours must be a number of hours", v);
        } else if (!strcmp(k, "--serve-seconds")) {
            if (!parse_double(v, 0, 1e9, &a->serve_seconds))
                return usage_error("--serve-seconds must be >= 0", v);
        } else if (!strcmp(k, "--sample") || !strcmp(k, "--max-observations")) {
            if (!parse_double(v, 1, 1e7, &d) || d != floor(d))
                return usage_error("expected a positive integer for", k);
            *(!strcmp(k, "--sample") ? &a->sample : &a->max_obs) = (long)d;
        } else if (!strcmp(k, "--seed")) {
            if (!parse_double(v, 0, 4e9, &d)) return usage_error("bad --seed", v);
            a->seed = (unsigned long)d;
            a->seeded = true;
        } else {
            return usage_error("unknown argument", k);
        }
    }
    if (!strcmp(a->mode, "production") && (!a->feature || !*a->feature))
        return usage_error("production needs --feature NAME", NULL);
    if (!strcmp(a->mode, "dataset") && !a->file)
        return usage_error("dataset needs --file PATH", NULL);
    if (!a->feature) a->feature = "dataset";
    return -1;
}

static void progress(size_t done, size_t total, uint64_t errors)
{
    bool tty = isatty(STDERR_FILENO);
    if (tty) {
        fprintf(stderr, "\rjudged %zu/%zu (%llu errors)%s", done, total, (unsigned long long)errors,
                done == total ? "\n" : "");
    } else if (done == total || done % 10 == 0) {
        fprintf(stderr, "judged %zu/%zu (%llu errors)\n", done, total, (unsigned long long)errors);
    }
}

static void summary(const char *feature, const tally *t, size_t n)
{
    printf("%-24s %-14s %6s %6s %6s %10s\n", "feature", "metric", "pass", "fail", "error",
           "pass_rate");
    for (size_t i = 0; i < n; i++) {
        uint64_t judged = t[i].pass + t[i].fail;
        if (!judged && !t[i].error) continue;
        char rate[32] = "-";
        if (judged) snprintf(rate, sizeof rate, "%.3f", (double)t[i].pass / (double)judged);
        printf("%-24s %-14s %6llu %6llu %6llu %10s\n", feature, t[i].metric,
               (unsigned long long)t[i].pass, (unsigned long long)t[i].fail,
               (unsigned long long)t[i].error, rate);
    }
}

/* ---- delivering the eval gauges: Pushgateway and node_exporter textfile ------------------- */

static const char *const delivered_families[] = {"llm_eval_pass_rate", "llm_eval_runs_total",
                                                 "llm_rag_faithfulness"};

/* Whether a text-format line (HELP, TYPE or sample) belongs to a delivered family. */
static bool delivered_line(const char *line, size_t len)
{
    const char *name = line;
    if (len > 7 && (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)))
        name += 7;
    else if (line[0] == '#')
        return false;
    size_t n = strcspn(name, "{ \n");
    for (size_t i = 0; i < sizeof delivered_families / sizeof *delivered_families; i++)
        if (strlen(delivered_families[i]) == n && !strncmp(name, delivered_families[i], n))
            return true;
    return false;
}

/* The eval families of `reg` in the text format 0.0.4 (malloc'd), NULL on failure. */
static char *eval_exposition(llmobs_registry *reg)
{
    char *text = NULL;
    if (llmobs_metrics_render_string(reg, LLMOBS_FORMAT_TEXT, &text, NULL) != LLMOBS_OK) {
        fprintf(stderr, "llmobs-eval: cannot render metrics: %s\n", llmobs_last_error());
        return NULL;
    }
    char *out = malloc(strlen(text) + 1), *w = out;
    for (const char *p = text; out && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (delivered_line(p, len)) memcpy(w, p, len), w += len;
        p += len;
    }
    if (out) *w = '\0';
    llmobs_metrics_string_free(text);
    return out;
}

/* "/name/value" of a Pushgateway grouping key; values with characters outside [A-Za-z0-9_.-]
 * (or empty) use the base64url form "/name@base64/..." the Pushgateway decodes. */
static void grouping_segment(char *out, size_t cap, const char *name, const char *value)
{
    bool plain = *value != '\0';
    for (const char *p = value; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            plain = false;
    if (plain) {
        snprintf(out, cap, "/%s/%s", name, value);
        return;
    }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(value), o = (size_t)snprintf(out, cap, "/%s@base64/", name);
    const unsigned char *v = (const unsigned char *)value;
    for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
        uint32_t x = (uint32_t)v[i] << 16 | (i + 1 < n ? (uint32_t)v[i + 1] << 8 : 0) |
                     (i + 2 < n ? v[i + 2] : 0);
        out[o++] = b64[x >> 18 & 63];
        out[o++] = b64[x >> 12 & 63];
        out[o++] = i + 1 < n ? b64[x >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[x & 63] : '=';
    }
    if (n == 0 && o + 1 < cap) out[o++] = '='; /* the Pushgateway's empty value */
    out[o < cap ? o : cap - 1] = '\0';
}

static int push_metrics(const args *a, const char *body)
{
    const char *job = a->job ? a->job : "llmobs-eval";
    char url[2048], seg[2][700];
    grouping_segment(seg[0], sizeof seg[0], "job", job);
    grouping_segment(seg[1], sizeof seg[1], "feature", a->feature);
    size_t base = strlen(a->pushgateway);
    while (base && a->pushgateway[base - 1] == '/')
        base--;
    if ((size_t)snprintf(url, sizeof url, "%.*s/metrics%s%s", (int)base, a->pushgateway, seg[0],
                         seg[1]) >= sizeof url) {
        fprintf(stderr, "llmobs-eval: --pushgateway URL too long\n");
        return EXIT_DELIVERY;
    }
    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain; version=0.0.4");
    llmobs__ehttp_response rs = {0};
    int rc = EXIT_OK;
    /* POST replaces the pushed families within the group (job, feature) and leaves others. */
    if (!curl || !h) {
        fprintf(stderr, "llmobs-eval: out of memory\n");
        rc = EXIT_DELIVERY;
    } else if (llmobs__ehttp(curl, "POST", url, h, body, 10000, &rs) != LLMOBS_OK) {
        fprintf(stderr, "llmobs-eval: push to %s failed: %s\n", url, llmobs_last_error());
        rc = EXIT_DELIVERY;
    } else if (rs.status != 200 && rs.status != 202) {
        fprintf(stderr, "llmobs-eval: push to %s: HTTP %ld: %.300s\n", url, rs.status,
                rs.body.data ? rs.body.data : "");
        rc = EXIT_DELIVERY;
    } else {
        fprintf(stderr, "pushed eval metrics to %s\n", url);
    }
    llmobs__ehttp_response_free(&rs);
    curl_slist_free_all(h);
    if (curl) curl_easy_cleanup(curl);
    return rc;
}

/* node_exporter's textfile collector reads PATH at any moment: write a temporary file in the
 * same directory and rename it over PATH, so a scrape sees the old or the new file whole. */
static int write_textfile(const char *path, const char *body)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return EXIT_DELIVERY;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f && fputs(body, f) >= 0;
    ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "llmobs-eval: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    } else {
        fprintf(stderr, "wrote eval metrics to %s\n", path);
    }
    free(tmp);
    return ok ? EXIT_OK : EXIT_DELIVERY;
}

/* --pushgateway and --textfile; EXIT_DELIVERY when either failed. */
static int deliver_metrics(const args *a, llmobs_registry *reg)
{
    if (!a->pushgateway && !a->textfile) return EXIT_OK;
    char *body = eval_exposition(reg);
    if (!body) return EXIT_DELIVERY;
    int rc = EXIT_OK;
    if (a->pushgateway && push_metrics(a, body) != EXIT_OK) rc = EXIT_DELIVERY;
    if (a->textfile && write_textfile(a->textfile, body) != EXIT_OK) rc = EXIT_DELIVERY;
    free(body);
    return rc;
}

static void print_metrics(llmobs_registry *reg)
{
    char *text = NULL;
    if (llmobs_metrics_render_string(reg, LLMOBS_FORMAT_TEXT, &text, NULL) == LLMOBS_OK)
        fputs(text, stdout);
    llmobs_metrics_string_free(text);
}

/* Text of an input/output value: a JSON string as is, anything else as compact JSON. */
static char *as_text(const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) return NULL;
    if (cJSON_IsString(v)) return *v->valuestring ? strdup(v->valuestring) : NULL;
    return cJSON_PrintUnformatted(v);
}

static llmobs_judge *make_judge(void)
{
    llmobs_status st;
    llmobs_judge *j = llmobs_judge_new(NULL, &st);
    if (!j) fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
    return j;
}

static void judge_one(llmobs_judge *judge, llmobs_evaluator *ev, const args *a, tally *acc,
                      const char *question, const char *answer, const char *context,
                      const char *criteria, const char *trace_id, const char *obs_id, tally *faith,
                      const char *pipeline_version)
{
    llmobs_judgement *jm = NULL;
    int passed = 0;
    if (llmobs_judge_accuracy(judge, criteria, question, answer, context, &jm) == LLMOBS_OK) {
        llmobs_eval_record(ev, a->feature, "accuracy", llmobs_judgement_score(jm), a->threshold,
                           trace_id, obs_id, llmobs_judgement_reasoning(jm), &passed);
        passed ? acc->pass++ : acc->fail++;
    } else {
        fprintf(stderr, "llmobs-eval: accuracy%s%s: %s\n", trace_id ? " of trace " : "",
                trace_id ? trace_id : "", llmobs_last_error());
        llmobs_eval_record_error(ev, a->feature, "accuracy", llmobs_last_error());
        acc->error++;
    }
    llmobs_judgement_free(jm);
    if (!faith || !context || !*context) return;
    jm = NULL;
    if (llmobs_judge_faithfulness(judge, context, answer, &jm) == LLMOBS_OK) {
        double s = llmobs_judgement_score(jm);
        llmobs_eval_record(ev, a->feature, "faithfulness", s, a->threshold, NULL, NULL, NULL,
                           &passed);
        llmobs_eval_record_faithfulness(ev, pipeline_version, s, trace_id, obs_id, NULL);
        passed ? faith->pass++ : faith->fail++;
    } else {
        fprintf(stderr, "llmobs-eval: faithfulness%s%s: %s\n", trace_id ? " of trace " : "",
                trace_id ? trace_id : "", llmobs_last_error());
        llmobs_eval_record_error(ev, a->feature, "faithfulness", llmobs_last_error());
        faith->error++;
    }
    llmobs_judgement_free(jm);
}

static int serve_or_print(const args *a, llmobs_registry *reg)
{
    if (a->print_metrics) print_metrics(reg);
    int delivered = deliver_metrics(a, reg);
    if (delivered != EXIT_OK) return delivered;
    if (!a->metrics_addr) return EXIT_OK;
    llmobs_metrics_server *srv = NULL;
    if (llmobs_metrics_server_start(reg, a->metrics_addr, &srv) != LLMOBS_OK) {
        fprintf(stderr, "llmobs-eval: cannot serve metrics on %s: %s\n", a->metrics_addr,
                llmobs_last_error());
        return EXIT_USAGE;
    }
    fprintf(stderr, "serving metrics on http://%s/metrics (port %u)%s\n", a->metrics_addr,
            (unsigned)llmobs_metrics_server_port(srv),
            a->serve_seconds > 0 ? "" : " until SIGINT/SIGTERM");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!stop_requested) {
        struct timespec now, tick = {0, 100000000L};
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
        if (a->serve_seconds > 0 && el >= a->serve_seconds) break;
        nanosleep(&tick, NULL);
    }
    llmobs_metrics_server_stop(srv);
    return EXIT_OK;
}

/* ---- dataset ------------------------------------------------------------------------------ */

static const char *str_field(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads and checks every line before judging anything. */
static int load_dataset(const char *path, cJSON *items)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "llmobs-eval: cannot open %s: %s\n", path, strerror(errno));
        return EXIT_BAD_FILE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = EXIT_OK;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p) continue;
        cJSON *o = cJSON_Parse(p);
        const char *why = NULL;
        if (!cJSON_IsObject(o))
            why = "not a JSON object";
        else if (!str_field(o, "question"))
            why = "\"question\" (string) is missing";
        else if (!str_field(o, "answer"))
            why = "\"answer\" (string) is missing";
        else if (cJSON_GetObjectItemCaseSensitive(o, "context") && !str_field(o, "context"))
            why = "\"context\" must be a string";
        else if (cJSON_GetObjectItemCaseSensitive(o, "expected") && !str_field(o, "expected"))
            why = "\"expected\" must be a string";
        if (why) {
            fprintf(stderr, "llmobs-eval: %s:%ld: %s\n", path, lineno, why);
            cJSON_Delete(o);
            rc = EXIT_BAD_FILE;
            break;
        }
        cJSON_AddItemToArray(items, o);
    }
    free(line);
    fclose(f);
    if (rc == EXIT_OK && cJSON_GetArraySize(items) == 0) {
        fprintf(stderr, "llmobs-eval: %s: no items\n", path);
        rc = EXIT_BAD_FILE;
    }
    return rc;
}

static int run_dataset(const args *a)
{
    cJSON *items = cJSON_CreateArray();
    int rc = load_dataset(a->file, items);
    if (rc != EXIT_OK) {
        cJSON_Delete(items);
        return rc;
    }
    llmobs_judge *judge = make_judge();
    if (!judge) {
        cJSON_Delete(items);
        return EXIT_CONFIG;
    }
    llmobs_registry *reg = llmobs_registry_new(NULL);
    llmobs_evaluator *ev = llmobs_evaluator_new(NULL, NULL, NULL);
    llmobs_evaluator_set_registry(ev, reg);
    llmobs_evaluator_set_window(ev, 100000, 0);
    tally t[2] = {{"accuracy", 0, 0, 0}, {"faithfulness", 0, 0, 0}};
    size_t total = (size_t)cJSON_GetArraySize(items), done = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *expected = str_field(it, "expected");
        char *criteria = NULL;
        if (expected) {
            size_t cap = strlen(expected) + 200;
            criteria = malloc(cap);
            if (criteria)
                snprintf(criteria, cap,
                         "Is the response accurate, helpful, and free of hallucinations? It must "
                         "agree with this expected answer: %s",
                         expected);
        }
        judge_one(judge, ev, a, &t[0], str_field(it, "question"), str_field(it, "answer"),
                  str_field(it, "context"), criteria, NULL, NULL, &t[1],
                  a->pipeline_version ? a->pipeline_version : "dataset");
        free(criteria);
        progress(++done, total, t[0].error + t[1].error);
    }
    summary(a->feature, t, 2);
    uint64_t all = t[0].pass + t[0].fail + t[0].error;
    double rate = all ? (double)t[0].pass / (double)all : 0;
    if (t[0].error == all) {
        fprintf(stderr, "llmobs-eval: the judge failed for every item\n");
        rc = EXIT_JUDGE;
    } else {
        bool ok = rate >= a->min_pass_rate;
        printf("accuracy pass rate %.3f (errors count as failures) %s --min-pass-rate %.3f: %s\n",
               rate, ok ? ">=" : "<", a->min_pass_rate, ok ? "PASS" : "FAIL");
        rc = ok ? EXIT_OK : EXIT_BELOW_BAR;
    }
    if (a->print_metrics) print_metrics(reg);
    /* The gauges are delivered whatever the verdict: a pass rate below the bar is exactly
     * what the alert should see. */
    if (rc != EXIT_JUDGE && deliver_metrics(a, reg) != EXIT_OK && rc == EXIT_OK) rc = EXIT_DELIVERY;
    llmobs_evaluator_free(ev);
    llmobs_registry_free(reg);
    llmobs_judge_free(judge);
    cJSON_Delete(items);
    return rc;
}

/* ---- production --------------------------------------------------------------------------- */

static const char *env_first(const char *a, const char *b)
{
    const char *v = getenv(a);
    if (!v || !*v) v = b ? getenv(b) : NULL;
    return v && *v ? v : NULL;
}

static int run_production(const args *a)
{
    const char *base = env_first("LANGFUSE_BASE_URL", "LANGFUSE_HOST");
    const char *pk = env_first("LANGFUSE_PUBLIC_KEY", NULL);
    const char *sk = env_first("LANGFUSE_SECRET_KEY", NULL);
    if (!base) base = "https://cloud.langfuse.com";
    if (!pk || !sk) {
        fprintf(stderr, "llmobs-eval: production needs LANGFUSE_PUBLIC_KEY and "
                        "LANGFUSE_SECRET_KEY\n");
        return EXIT_CONFIG;
    }
    llmobs_judge *judge = make_judge();
    if (!judge) return EXIT_CONFIG;

    char from[32] = "";
    if (a->since_hours > 0) {
        time_t t = time(NULL) - (time_t)(a->since_hours * 3600);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(from, sizeof from, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    llmobs__lf_reader rd = {curl_easy_init(), strdup(base), NULL, 30000};
    rd.headers = llmobs__ehttp_basic_auth(NULL, pk, sk);
    cJSON *obs = cJSON_CreateArray();
    int pages = 0;
    llmobs_status st =
        llmobs__lf_fetch_observations(&rd, a->feature, from, 100, (size_t)a->max_obs, obs, &pages);
    int rc = EXIT_OK;
    if (st != LLMOBS_OK) {
        fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
        rc = EXIT_LANGFUSE;
        goto out;
    }
    /* Keep those with input and output, then sample without replacement. */
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(obs);
    const cJSON **pool = calloc(cap ? cap : 1, sizeof *pool);
    const cJSON *o;
    cJSON_ArrayForEach(o, obs)
    {
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "input");
        const cJSON *outv = cJSON_GetObjectItemCaseSensitive(o, "output");
        if (in && !cJSON_IsNull(in) && outv && !cJSON_IsNull(outv)) pool[n++] = o;
    }
    fprintf(stderr,
            "read %d page(s): %zu root observation(s) of traces named %s, %zu with "
            "input and output\n",
            pages, cap, a->feature, n);
    srand((unsigned)(a->seeded ? a->seed : (unsigned long)time(NULL) ^ (unsigned long)getpid()));
    size_t take = n < (size_t)a->sample ? n : (size_t)a->sample;
    for (size_t i = 0; i < take; i++) {
        size_t j = i + (size_t)rand() % (n - i);
        const cJSON *tmp = pool[i];
        pool[i] = pool[j];
        pool[j] = tmp;
    }

    llmobs_client *client = NULL;
    if (!a->no_scores) {
        llmobs_options *co = llmobs_options_new();
        llmobs_options_set(co, "base_url", base);
        llmobs_options_set(co, "public_key", pk);
        llmobs_options_set(co, "secret_key", sk);
        llmobs_options_set(co, "exporter", "otlp");
        client = llmobs_client_new(co, NULL);
        if (!client) fprintf(stderr, "llmobs-eval: scores disabled: %s\n", llmobs_last_error());
    }
    llmobs_registry *reg = llmobs_registry_new(NULL);
    llmobs_evaluator *ev = llmobs_evaluator_new(client, NULL, NULL);
    llmobs_evaluator_set_registry(ev, reg);
    llmobs_evaluator_set_window(ev, 100000, 0);
    tally t[2] = {{"accuracy", 0, 0, 0}, {"faithfulness", 0, 0, 0}};
    for (size_t i = 0; i < take; i++) {
        const cJSON *ob = pool[i];
        char *q = as_text(cJSON_GetObjectItemCaseSensitive(ob, "input"));
        char *ans = as_text(cJSON_GetObjectItemCaseSensitive(ob, "output"));
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(ob, "metadata");
        if (cJSON_IsString(md)) md = NULL; /* truncated or unparsed metadata */
        char *ctx = as_text(cJSON_GetObjectItemCaseSensitive(md, "retrieved_context"));
        const char *pv = a->pipeline_version                 ? a->pipeline_version
                         : str_field(md, "pipeline_version") ? str_field(md, "pipeline_version")
                         : str_field(ob, "version")          ? str_field(ob, "version")
                                                             : "unknown";
        judge_one(judge, ev, a, &t[0], q ? q : "", ans ? ans : "", ctx, NULL,
                  str_field(ob, "traceId"), str_field(ob, "id"), &t[1], pv);
        free(q);
        free(ans);
        free(ctx);
        progress(i + 1, take, t[0].error + t[1].error);
    }
    free(pool);
    if (client) {
        uint64_t pending = 0, dropped = 0;
        llmobs_flush(client, 30000, &pending);
        llmobs_stats_get(client, LLMOBS_STAT_DROPPED, &dropped);
        if (pending || dropped)
            fprintf(stderr, "llmobs-eval: %llu score(s) not delivered to Langfuse\n",
                    (unsigned long long)(pending + dropped));
    }
    summary(a->feature, t, 2);
    if (take && t[0].error == take) {
        fprintf(stderr, "llmobs-eval: the judge failed for every item\n");
        rc = EXIT_JUDGE;
    }
    llmobs_evaluator_free(ev);
    if (client) llmobs_shutdown(client, 5000);
    if (rc == EXIT_OK) rc = serve_or_print(a, reg);
    llmobs_registry_free(reg);
out:
    cJSON_Delete(obs);
    curl_easy_cleanup(rd.curl);
    curl_slist_free_all(rd.headers);
    free(rd.base_url);
    llmobs_judge_free(judge);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "experiment"))
        return llmobs_eval_experiment(argc - 1, argv + 1);
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    return !strcmp(a.mode, "dataset") ? run_dataset(&a) : run_production(&a);
}
