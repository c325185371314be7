/* llmobs-eval experiment: every item of a Langfuse dataset or JSON Lines file goes through a
 * shell command (item input JSON on stdin, output on stdout, exit status = item error), traced
 * as a Langfuse experiment run and scored; the per-evaluator results are compared with an
 * earlier run kept in a small local results file. See docs/eval.md. */
#include "experiment_cmd.h"

#include <llmobs/llmobs.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    X_OK_EXIT = 0,
    X_REGRESSION = 1,
    X_USAGE = 2,
    X_CONFIG = 3,
    X_LANGFUSE = 4,
    X_BAD_DATASET = 5,
    X_EVALUATOR = 6,
    X_BASELINE = 8,
    X_ALL_ITEMS_FAILED = 9 /* 7 is llmobs-eval's metrics-delivery failure */
};

#define MAX_OUTPUT (8u << 20)
#define MAX_EVALUATORS 8
#define MAX_RUNS_KEPT 200

const char LLMOBS_EXPERIMENT_USAGE[] =
    "  llmobs-eval experiment (--dataset NAME | --file items.jsonl) --run NAME --command 'CMD'\n"
    "                         [--evaluator judge|exact_match|contains]... [--threshold T]\n"
    "                         [--concurrency N] [--item-timeout S] [--description TEXT]\n"
    "                         [--compare-to RUN] [--max-regression D]\n"
    "                         [--results FILE] [--link-run-items on|off|auto]\n";

static const char HELP[] =
    "experiment: runs CMD (with /bin/sh -c) once per dataset item: the item's input as JSON on\n"
    "  stdin, its output on stdout, a non-zero exit status marks the item failed; TRACEPARENT,\n"
    "  LLMOBS_EXPERIMENT_RUN and LLMOBS_EXPERIMENT_ITEM_ID are set for it. Each item is a trace\n"
    "  with the langfuse.experiment.* attributes, scored by the evaluators (default: judge).\n"
    "  Prints mean, pass rate and errors per evaluator, records the run in the results file\n"
    "  (default .llmobs-experiments.json) and compares it with --compare-to RUN or else the\n"
    "  previous run of the same dataset: a mean or pass rate lower by more than\n"
    "  --max-regression (default 0.05) fails.\n"
    "exit codes: 0 ok; 1 regression beyond --max-regression; 2 usage; 3 configuration (missing\n"
    "  keys); 4 Langfuse unreachable or refused; 5 dataset unreadable, not found or without a\n"
    "  valid item; 6 an evaluator failed on every item; 8 --compare-to run not found or\n"
    "  results file unusable; 9 every item failed (the same codes as the other modes: 7, a\n"
    "  metrics-delivery failure, does not apply here).\n";

typedef struct xargs {
    const char *dataset, *file, *run, *command, *description, *compare_to, *results;
    const char *evaluators[MAX_EVALUATORS];
    int nevaluators;
    double threshold, item_timeout, max_regression;
    long concurrency;
    int link;
} xargs;

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "llmobs-eval experiment: %s%s%s\n\nusage:\n%s\n%s", msg, arg ? ": " : "",
            arg ? arg : "", LLMOBS_EXPERIMENT_USAGE, HELP);
    return X_USAGE;
}

static bool number(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, xargs *a)
{
    *a = (xargs){.threshold = -1,
                 .item_timeout = 300,
                 .max_regression = 0.05,
                 .concurrency = 4,
                 .link = -1,
                 .results = ".llmobs-experiments.json"};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "-h") || !strcmp(k, "--help")) {
            printf("usage:\n%s\n%s", LLMOBS_EXPERIMENT_USAGE, HELP);
            return X_OK_EXIT;
        }
        if (!strcmp(k, "--version")) {
            printf("llmobs-eval %s\n", llmobs_version());
            return X_OK_EXIT;
        }
        if (i + 1 >= argc) return usage("missing value for", k);
        const char *v = argv[++i];
        double d;
        if (!strcmp(k, "--dataset"))
            a->dataset = v;
        else if (!strcmp(k, "--file"))
            a->file = v;
        else if (!strcmp(k, "--run"))
            a->run = v;
        else if (!strcmp(k, "--command"))
            a->command = v;
        else if (!strcmp(k, "--description"))
            a->description = v;
        else if (!strcmp(k, "--compare-to"))
            a->compare_to = v;
        else if (!strcmp(k, "--results"))
            a->results = v;
        else if (!strcmp(k, "--evaluator")) {
            if (strcmp(v, "judge") && strcmp(v, "exact_match") && strcmp(v, "contains"))
                return usage("unknown evaluator", v);
            if (a->nevaluators == MAX_EVALUATORS) return usage("too many evaluators", v);
            for (int j = 0; j < a->nevaluators; j++)
                if (!strcmp(a->evaluators[j], v)) return usage("evaluator given twice", v);
            a->evaluators[a->nevaluators++] = v;
        } else if (!strcmp(k, "--threshold")) {
            if (!number(v, 0, 1, &a->threshold)) return usage("--threshold must be in [0, 1]", v);
        } else if (!strcmp(k, "--max-regression")) {
            if (!number(v, 0, 1, &a->max_regression))
                return usage("--max-regression must be in [0, 1]", v);
        } else if (!strcmp(k, "--item-timeout")) {
            if (!number(v, 0, 1e6, &a->item_timeout))
                return usage("--item-timeout must be a number of seconds >= 0", v);
        } else if (!strcmp(k, "--concurrency")) {
            if (!number(v, 1, 64, &d) || d != floor(d))
                return usage("--concurrency must be an integer in [1, 64]", v);
            a->concurrency = (long)d;
        } else if (!strcmp(k, "--link-run-items")) {
            if (!strcmp(v, "on"))
                a->link = 1;
            else if (!strcmp(v, "off"))
                a->link = 0;
            else if (!strcmp(v, "auto"))
                a->link = -1;
            else
                return usage("--link-run-items must be on, off or auto", v);
        } else {
            return usage("unknown argument", k);
        }
    }
    if (!a->dataset == !a->file) return usage("give exactly one of --dataset and --file", NULL);
    if (!a->run || !*a->run) return usage("--run NAME is required", NULL);
    if (!a->command || !*a->command) return usage("--command CMD is required", NULL);
    if (!a->nevaluators) a->evaluators[a->nevaluators++] = "judge";
    return -1;
}

/* ---- the command, per item ------------------------------------------------------------------ */

typedef struct cmd_ctx {
    const char *command, *run;
    atomic_ulong done;
    unsigned long total_hint;
} cmd_ctx;

/* environ plus the item's variables; the strings in extra are owned by the caller. */
static char **child_env(char *const *extra, size_t nextra)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + nextra + 1, sizeof *env);
    if (!env) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < nextra && !replaced; j++) {
            size_t len = strcspn(extra[j], "=");
            replaced = !strncmp(environ[i], extra[j], len + 1);
        }
        if (!replaced) env[k++] = environ[i];
    }
    for (size_t j = 0; j < nextra; j++)
        env[k++] = extra[j];
    return env;
}

static int item_fail(llmobs_experiment_item *item, const char *fmt, const char *detail)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, detail);
    llmobs_experiment_item_set_error(item, msg);
    return 1;
}

static int run_command(llmobs_experiment_item *item, void *ud)
{
    cmd_ctx *c = ud;
    const char *input = llmobs_experiment_item_input(item);
    char tp[64] = "";
    llmobs_trace_traceparent(llmobs_experiment_item_trace(item), tp, sizeof tp);
    char *extra[3] = {NULL, NULL, NULL};
    const char *id = llmobs_experiment_item_id(item);
    size_t cap = strlen(id) + strlen(c->run) + 64;
    for (int i = 0; i < 3; i++)
        extra[i] = malloc(cap);
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    char **env = NULL;
    pid_t pid = -1;
    char *out = NULL;
    size_t out_len = 0;
    int rc = 1;
    if (!extra[0] || !extra[1] || !extra[2]) {
        rc = item_fail(item, "%s", "out of memory");
        goto done;
    }
    snprintf(extra[0], cap, "TRACEPARENT=%s", tp);
    snprintf(extra[1], cap, "LLMOBS_EXPERIMENT_RUN=%s", c->run);
    snprintf(extra[2], cap, "LLMOBS_EXPERIMENT_ITEM_ID=%s", id);
    if (!(env = child_env(extra, 3)) || pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC)) {
        rc = item_fail(item, "cannot start the command: %s", strerror(errno));
        goto done;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    /* Its own process group, so a deadline kills the command's children too. */
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t dfl;
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {"/bin/sh", "-c", (char *)c->command, NULL};
    int err = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in_pipe[0]);
    close(out_pipe[1]);
    in_pipe[0] = out_pipe[1] = -1;
    if (err) {
        pid = -1;
        rc = item_fail(item, "cannot start the command: %s", strerror(err));
        goto done;
    }
    fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    size_t in_len = strlen(input), in_off = 0;
    bool too_large = false, timed_out = false;
    out = malloc(MAX_OUTPUT + 1);
    if (!out) {
        rc = item_fail(item, "%s", "out of memory");
        goto done;
    }
    while (out_pipe[0] >= 0) {
        struct pollfd p[2] = {{out_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
        nfds_t np = in_pipe[1] >= 0 ? 2 : 1;
        int64_t left = llmobs_experiment_item_remaining_ms(item);
        if (left == 0) {
            timed_out = true;
            break;
        }
        int r = poll(p, np, left < 0 || left > 1000 ? 1000 : (int)left);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        if (np == 2 && p[1].revents) {
            ssize_t w =
                (p[1].revents & POLLOUT) ? write(in_pipe[1], input + in_off, in_len - in_off) : -1;
            if (w > 0) in_off += (size_t)w;
            if (w < 0 && errno == EAGAIN) continue;
            if (w < 0 || in_off == in_len) { /* done, or the command stopped reading */
                close(in_pipe[1]);
                in_pipe[1] = -1;
            }
        }
        if (p[0].revents) {
            char buf[65536];
            ssize_t n = read(out_pipe[0], buf, sizeof buf);
            if (n > 0) {
                size_t take = out_len + (size_t)n > MAX_OUTPUT ? MAX_OUTPUT - out_len : (size_t)n;
                memcpy(out + out_len, buf, take);
                out_len += take;
                if (take < (size_t)n) too_large = true;
            } else if (n == 0 || errno != EINTR) {
                close(out_pipe[0]);
                out_pipe[0] = -1;
            }
        }
    }
    if (timed_out) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    out[out_len] = '\0';
    while (out_len && (out[out_len - 1] == '\n' || out[out_len - 1] == '\r'))
        out[--out_len] = '\0';
    if (timed_out) {
        rc = item_fail(item, "the command was killed at the item deadline%s", "");
    } else if (WIFSIGNALED(status)) {
        char sig[32];
        snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
        rc = item_fail(item, "the command was killed by signal %s", sig);
    } else if (WEXITSTATUS(status) != 0) {
        char code[32];
        snprintf(code, sizeof code, "%d", WEXITSTATUS(status));
        rc = item_fail(item, "the command exited with status %s", code);
    } else if (too_large) {
        rc = item_fail(item, "the command wrote more than %s bytes", "8 MiB");
    } else {
        cJSON *j = out_len ? cJSON_Parse(out) : NULL;
        if (j)
            llmobs_experiment_item_set_output_json(item, out);
        else
            llmobs_experiment_item_set_output(item, out);
        cJSON_Delete(j);
        rc = 0;
    }
done:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    for (int i = 0; i < 2; i++) {
        if (in_pipe[i] >= 0) close(in_pipe[i]);
        if (out_pipe[i] >= 0) close(out_pipe[i]);
    }
    free(out);
    free(env);
    for (int i = 0; i < 3; i++)
        free(extra[i]);
    unsigned long d = atomic_fetch_add(&c->done, 1) + 1;
    if (d % 10 == 0) fprintf(stderr, "ran %lu item(s)\n", d);
    return rc;
}

/* ---- built-in scorers --------------------------------------------------------------------- */

/* A JSON text as comparable text: a string's value, anything else compact; trimmed. */
static char *norm_text(const char *json, bool is_json_text)
{
    if (!json) return NULL;
    char *t = NULL;
    cJSON *v = is_json_text ? cJSON_Parse(json) : NULL;
    if (cJSON_IsString(v))
        t = strdup(v->valuestring);
    else if (v)
        t = cJSON_PrintUnformatted(v);
    else
        t = strdup(json);
    cJSON_Delete(v);
    if (!t) return NULL;
    char *s = t;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    memmove(t, s, n);
    t[n] = '\0';
    return t;
}

static int compare_scorer(const llmobs_experiment_item *item, double *score, bool contains)
{
    const char *expected_json = llmobs_experiment_item_expected_output(item);
    if (!expected_json) return 1; /* nothing to compare with: an evaluator error */
    char *expected = norm_text(expected_json, true);
    /* The output is JSON when the command printed JSON, text otherwise: try both. */
    char *output = norm_text(llmobs_experiment_item_output(item), true);
    int rc = 1;
    if (expected && output) {
        *score =
            contains ? (strcasestr(output, expected) != NULL) : (strcmp(output, expected) == 0);
        rc = 0;
    }
    free(expected);
    free(output);
    return rc;
}

static int exact_match(const llmobs_experiment_item *item, double *score, void *ud)
{
    (void)ud;
    return compare_scorer(item, score, false);
}

static int contains(const llmobs_experiment_item *item, double *score, void *ud)
{
    (void)ud;
    return compare_scorer(item, score, true);
}

/* ---- results file ------------------------------------------------------------------------- */

static cJSON *read_results(const char *path, bool *corrupt)
{
    *corrupt = false;
    FILE *f = fopen(path, "r");
    if (!f) return cJSON_CreateObject();
    char *text = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 65536 + 1 > cap) {
            char *g = realloc(text, cap = cap * 2 + 65536 + 1);
            if (!g) break;
            text = g;
        }
        size_t n = fread(text + len, 1, 65536, f);
        len += n;
        if (n == 0) break;
    }
    fclose(f);
    if (text) text[len] = '\0';
    cJSON *r = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "runs"))) {
        cJSON_Delete(r);
        *corrupt = true;
        return NULL;
    }
    return r;
}

static bool write_results(const char *path, cJSON *root)
{
    char *text = cJSON_Print(root);
    if (!text) return false;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    bool ok = false;
    if (tmp) {
        snprintf(tmp, n, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (f) {
            ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
            ok = fclose(f) == 0 && ok;
            ok = ok && rename(tmp, path) == 0;
            if (!ok) unlink(tmp);
        }
    }
    free(tmp);
    free(text);
    return ok;
}

/* The latest run of `key` (named `name` when given). */
static const cJSON *find_run(const cJSON *runs, const char *key, const char *name)
{
    const cJSON *found = NULL, *r;
    cJSON_ArrayForEach(r, runs)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(r, "dataset");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "run");
        if (!cJSON_IsString(k) || strcmp(k->valuestring, key)) continue;
        if (name && (!cJSON_IsString(n) || strcmp(n->valuestring, name))) continue;
        found = r;
    }
    return found;
}

static double num_or_nan(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void fmt(char *buf, size_t cap, double v)
{
    if (isfinite(v))
        snprintf(buf, cap, "%.3f", v);
    else
        snprintf(buf, cap, "-");
}

/* Prints the comparison; returns the number of regressions. */
static int compare(const cJSON *base, const cJSON *current, double max_regression)
{
    const cJSON *bevs = cJSON_GetObjectItemCaseSensitive(base, "evaluators");
    const cJSON *cevs = cJSON_GetObjectItemCaseSensitive(current, "evaluators");
    const cJSON *bn = cJSON_GetObjectItemCaseSensitive(base, "run");
    printf("\ncompared with run %s (max regression %.3f):\n",
           cJSON_IsString(bn) ? bn->valuestring : "?", max_regression);
    printf("%-16s %8s %8s %8s %10s %10s %8s  %s\n", "evaluator", "mean0", "mean", "delta",
           "pass_rate0", "pass_rate", "delta", "verdict");
    int regressions = 0;
    const cJSON *ce;
    cJSON_ArrayForEach(ce, cevs)
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(ce, "name")->valuestring;
        const cJSON *be = NULL, *it;
        cJSON_ArrayForEach(it, bevs)
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
            if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) be = it;
        }
        if (!be) {
            printf("%-16s (not in the baseline run)\n", name);
            continue;
        }
        double m0 = num_or_nan(be, "mean"), m = num_or_nan(ce, "mean");
        double p0 = num_or_nan(be, "pass_rate"), p = num_or_nan(ce, "pass_rate");
        /* A regression is a drop beyond the tolerance; an evaluator that scored nothing now
         * but did before has dropped all the way. */
        double dm = isfinite(m0) ? (isfinite(m) ? m - m0 : -INFINITY) : NAN;
        double dp = isfinite(p0) ? (isfinite(p) ? p - p0 : -INFINITY) : NAN;
        bool bad = (isfinite(m0) && -dm > max_regression + 1e-9) ||
                   (isfinite(p0) && -dp > max_regression + 1e-9);
        regressions += bad;
        char a[4][16], d1[16], d2[16];
        fmt(a[0], 16, m0), fmt(a[1], 16, m), fmt(a[2], 16, p0), fmt(a[3], 16, p);
        snprintf(d1, sizeof d1, isfinite(dm) ? "%+.3f" : "-", dm);
        snprintf(d2, sizeof d2, isfinite(dp) ? "%+.3f" : "-", dp);
        printf("%-16s %8s %8s %8s %10s %10s %8s  %s\n", name, a[0], a[1], d1, a[2], a[3], d2,
               bad ? "REGRESSION" : "ok");
    }
    return regressions;
}

/* ---- main --------------------------------------------------------------------------------- */

static int exit_for_load_error(llmobs_status st, bool dataset)
{
    if (st == LLMOBS_ENOTFOUND || st == LLMOBS_EIO) return X_BAD_DATASET;
    if (!dataset) return st == LLMOBS_EPARSE ? X_BAD_DATASET : X_CONFIG;
    return X_LANGFUSE;
}

static void print_table(llmobs_experiment *x)
{
    uint64_t c[11] = {0};
    for (int i = 0; i < 11; i++)
        llmobs_experiment_count(x, (llmobs_experiment_counter)i, &c[i]);
    printf("items %llu: %llu succeeded, %llu failed, %llu timed out; %llu malformed and %llu "
           "archived skipped\n",
           (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2],
           (unsigned long long)c[3], (unsigned long long)c[4], (unsigned long long)c[5]);
    if (c[8] || c[9])
        printf("dataset run items linked: %llu (%llu failed)\n", (unsigned long long)c[8],
               (unsigned long long)c[9]);
    printf("%-16s %8s %10s %8s %8s\n", "evaluator", "mean", "pass_rate", "scored", "errors");
    for (size_t i = 0; i < llmobs_experiment_evaluator_count(x); i++) {
        const char *name;
        double mean, pass;
        uint64_t scored, errors;
        llmobs_experiment_evaluator_result(x, i, &name, &mean, &pass, &scored, &errors);
        char m[16], p[16];
        fmt(m, sizeof m, mean);
        fmt(p, sizeof p, pass);
        printf("%-16s %8s %10s %8llu %8llu\n", name, m, p, (unsigned long long)scored,
               (unsigned long long)errors);
    }
}

static void print_failures(const cJSON *summary)
{
    const cJSON *fails = cJSON_GetObjectItemCaseSensitive(summary, "failures"), *f;
    int n = 0;
    cJSON_ArrayForEach(f, fails)
    {
        if (n++ == 20) {
            fprintf(stderr, "llmobs-eval: ... and %d more failure(s)\n",
                    cJSON_GetArraySize(fails) - 20);
            break;
        }
        fprintf(stderr, "llmobs-eval: item %s: %s\n",
                cJSON_GetObjectItemCaseSensitive(f, "item")->valuestring,
                cJSON_GetObjectItemCaseSensitive(f, "reason")->valuestring);
    }
}

static int finish(const xargs *a, llmobs_experiment *x)
{
    cJSON *summary = cJSON_Parse(llmobs_experiment_summary_json(x));
    if (!summary) {
        fprintf(stderr, "llmobs-eval: out of memory\n");
        return X_CONFIG;
    }
    print_table(x);
    print_failures(summary);
    const char *key = a->dataset ? a->dataset : a->file;
    int rc = X_OK_EXIT;
    bool corrupt;
    cJSON *root = read_results(a->results, &corrupt);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
    if (corrupt) {
        fprintf(stderr, "llmobs-eval: %s is not a results file ({\"runs\": [...]})\n", a->results);
        if (a->compare_to) rc = X_BASELINE;
    } else {
        const cJSON *base = find_run(runs, key, a->compare_to);
        if (base) {
            if (compare(base, summary, a->max_regression)) rc = X_REGRESSION;
        } else if (a->compare_to) {
            fprintf(stderr, "llmobs-eval: no run %s of %s in %s\n", a->compare_to, key, a->results);
            rc = X_BASELINE;
        } else {
            printf("\nno earlier run of %s in %s: nothing to compare\n", key, a->results);
        }
    }
    /* Record this run (a corrupt file is left alone). */
    if (!corrupt) {
        cJSON *entry = cJSON_CreateObject();
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON_AddStringToObject(entry, "dataset", key);
        cJSON_AddStringToObject(entry, "run", a->run);
        cJSON_AddStringToObject(entry, "time", when);
        const char *copy[] = {"experiment_id", "dataset_id", "counts", "evaluators"};
        for (size_t i = 0; i < 4; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, copy[i]);
            if (v) cJSON_AddItemToObject(entry, copy[i], cJSON_Duplicate(v, 1));
        }
        cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "runs");
        if (!r) r = cJSON_AddArrayToObject(root, "runs");
        cJSON_AddItemToArray(r, entry);
        while (cJSON_GetArraySize(r) > MAX_RUNS_KEPT)
            cJSON_DeleteItemFromArray(r, 0);
        if (!write_results(a->results, root))
            fprintf(stderr, "llmobs-eval: cannot write %s: %s\n", a->results, strerror(errno));
    }
    cJSON_Delete(root);
    /* Worse than a regression: nothing ran, or an evaluator never worked. */
    uint64_t ok = 0;
    llmobs_experiment_count(x, LLMOBS_EXPERIMENT_SUCCEEDED, &ok);
    if (!ok) {
        fprintf(stderr, "llmobs-eval: every item failed\n");
        rc = X_ALL_ITEMS_FAILED;
    } else {
        for (size_t i = 0; i < llmobs_experiment_evaluator_count(x); i++) {
            const char *name;
            uint64_t scored, errors;
            llmobs_experiment_evaluator_result(x, i, &name, NULL, NULL, &scored, &errors);
            if (!scored && errors) {
                fprintf(stderr, "llmobs-eval: evaluator %s failed on every item\n", name);
                rc = X_EVALUATOR;
            }
        }
    }
    cJSON_Delete(summary);
    return rc;
}

int llmobs_eval_experiment(int argc, char **argv)
{
    xargs a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) return rc;
    signal(SIGPIPE, SIG_IGN); /* a command that does not read its stdin */

    const char *pk = getenv("LANGFUSE_PUBLIC_KEY"), *sk = getenv("LANGFUSE_SECRET_KEY");
    if (a.dataset && (!pk || !*pk || !sk || !*sk)) {
        fprintf(stderr, "llmobs-eval: --dataset needs LANGFUSE_PUBLIC_KEY and "
                        "LANGFUSE_SECRET_KEY\n");
        return X_CONFIG;
    }
    llmobs_judge *judge = NULL;
    for (int i = 0; i < a.nevaluators; i++)
        if (!strcmp(a.evaluators[i], "judge") && !(judge = llmobs_judge_new(NULL, NULL))) {
            fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
            return X_CONFIG;
        }
    llmobs_status st;
    llmobs_client *client = llmobs_client_new(NULL, &st);
    if (!client) {
        fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
        llmobs_judge_free(judge);
        return X_CONFIG;
    }
    llmobs_experiment *x = llmobs_experiment_new(client, a.run, &st);
    if (!x) {
        fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
        llmobs_shutdown(client, 1000);
        llmobs_judge_free(judge);
        return X_CONFIG;
    }
    st = a.dataset ? llmobs_experiment_set_dataset(x, a.dataset)
                   : llmobs_experiment_set_file(x, a.file);
    if (st == LLMOBS_OK && a.description) st = llmobs_experiment_set_description(x, a.description);
    if (st == LLMOBS_OK) st = llmobs_experiment_set_concurrency(x, (int32_t)a.concurrency);
    if (st == LLMOBS_OK) st = llmobs_experiment_set_item_timeout(x, a.item_timeout);
    if (st == LLMOBS_OK) st = llmobs_experiment_set_link_run_items(x, a.link);
    for (int i = 0; i < a.nevaluators && st == LLMOBS_OK; i++) {
        const char *e = a.evaluators[i];
        if (!strcmp(e, "judge"))
            st = llmobs_experiment_add_judge(x, "accuracy", judge, NULL, a.threshold);
        else
            st = llmobs_experiment_add_scorer(x, e, !strcmp(e, "contains") ? contains : exact_match,
                                              NULL, a.threshold >= 0 ? a.threshold : 1.0);
    }
    cmd_ctx ctx = {.command = a.command, .run = a.run};
    atomic_init(&ctx.done, 0);
    if (st == LLMOBS_OK) {
        st = llmobs_experiment_run(x, run_command, &ctx);
        if (st != LLMOBS_OK) {
            fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
            rc = exit_for_load_error(st, a.dataset != NULL);
        }
    } else {
        fprintf(stderr, "llmobs-eval: %s\n", llmobs_last_error());
        rc = X_CONFIG;
    }
    uint64_t pending = 0, dropped = 0;
    llmobs_flush(client, 30000, &pending);
    llmobs_stats_get(client, LLMOBS_STAT_DROPPED, &dropped);
    if (pending || dropped)
        fprintf(stderr, "llmobs-eval: %llu trace/score item(s) not delivered\n",
                (unsigned long long)(pending + dropped));
    if (rc < 0) rc = finish(&a, x);
    llmobs_experiment_free(x);
    llmobs_shutdown(client, 5000);
    llmobs_judge_free(judge);
    return rc;
}
