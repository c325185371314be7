/* After fork() the child gets a working flusher of its own and never re-sends the parent's
 * queue; the parent is unaffected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include "receiver.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static llmobs_client *file_client(const char *path)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "file");
    llmobs_options_set(o, "file_path", path);
    llmobs_options_set(o, "flush_at", "1000");
    llmobs_options_set(o, "flush_interval", "3600");
    return llmobs_client_new(o, NULL);
}

static void end_named(llmobs_client *c, const char *name, int n)
{
    for (int i = 0; i < n; i++)
        llmobs_trace_end(llmobs_trace_start(c, name, NULL));
}

/* Counts spans per name in the JSON Lines file, and fails on a repeated span id. */
static void count_spans(const char *path, int *parent, int *child)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    cJSON *seen = cJSON_CreateObject();
    char *line = NULL;
    size_t cap = 0;
    *parent = *child = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *req = cJSON_Parse(line);
        cJSON *spans = cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                cJSON_GetObjectItem(
                    cJSON_GetArrayItem(cJSON_GetObjectItem(req, "resourceSpans"), 0), "scopeSpans"),
                0),
            "spans");
        cJSON *s;
        cJSON_ArrayForEach(s, spans)
        {
            const char *id = cJSON_GetObjectItem(s, "spanId")->valuestring;
            assert_null(cJSON_GetObjectItem(seen, id));
            cJSON_AddTrueToObject(seen, id);
            const char *name = cJSON_GetObjectItem(s, "name")->valuestring;
            if (strcmp(name, "parent") == 0)
                (*parent)++;
            else if (strcmp(name, "child") == 0)
                (*child)++;
        }
        cJSON_Delete(req);
    }
    free(line);
    fclose(f);
    cJSON_Delete(seen);
}

static void children_restart_their_flushers_and_never_resend_the_parents_queue(void **state)
{
    (void)state;
    char path[] = "/tmp/llmobs-fork-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    llmobs_client *c = file_client(path);
    end_named(c, "parent", 5); /* queued, not yet sent */

    enum { CHILDREN = 3 };
    pid_t pids[CHILDREN];
    for (int k = 0; k < CHILDREN; k++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid > 0) {
            pids[k] = pid;
            end_named(c, "parent", 1); /* the parent keeps tracing between forks */
            continue;
        }
        end_named(c, "child", 3);
        uint64_t pending = 99, exported = 0, items = 0;
        llmobs_status st = llmobs_flush(c, 5000, &pending);
        llmobs_stats_get(c, LLMOBS_STAT_EXPORTED, &exported);
        llmobs_stats_get(c, LLMOBS_STAT_ITEMS, &items);
        int ok = st == LLMOBS_OK && pending == 0 && exported == 3 && items == 3;
        if (!ok)
            fprintf(stderr, "child: flush=%d pending=%llu exported=%llu items=%llu\n", (int)st,
                    (unsigned long long)pending, (unsigned long long)exported,
                    (unsigned long long)items);
        ok = ok && llmobs_shutdown(c, 5000) == LLMOBS_OK;
        _exit(ok ? 0 : 1);
    }
    for (int k = 0; k < CHILDREN; k++) {
        int status = 0;
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }

    uint64_t pending = 99;
    assert_int_equal(llmobs_flush(c, 5000, &pending), LLMOBS_OK);
    assert_int_equal(pending, 0);
    int parent = 0, child = 0;
    count_spans(path, &parent, &child);
    assert_int_equal(parent, 5 + CHILDREN);
    assert_int_equal(child, 3 * CHILDREN);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    unlink(path);
}

static void child_that_never_traces_shuts_down_without_a_thread(void **state)
{
    (void)state;
    char path[] = "/tmp/llmobs-fork-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    llmobs_client *c = file_client(path);
    end_named(c, "parent", 2);
    pid_t pid = fork();
    if (pid == 0) _exit(llmobs_shutdown(c, 1000) == LLMOBS_OK ? 0 : 1);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    int parent = 0, child = 0;
    count_spans(path, &parent, &child);
    assert_int_equal(parent, 2);
    unlink(path);
}

/* ---- children of a process whose threads are busy inside the library ---- */

typedef struct busy {
    llmobs_client *client;
    llmobs_evaluator *ev;
    llmobs_family *series;  /* counters created and removed all the time */
    llmobs_histogram *hist; /* observed all the time */
    atomic_bool stop;
} busy;

static void *create_series(void *arg)
{
    busy *b = arg;
    char name[32], old[32];
    for (unsigned i = 0; !atomic_load(&b->stop); i++) {
        snprintf(name, sizeof name, "s%u", i % 2000);
        snprintf(old, sizeof old, "s%u", (i + 1000) % 2000);
        const char *v[1] = {name}, *o[1] = {old};
        llmobs_counter_inc_labels(b->series, v, 1);
        llmobs_family_remove(b->series, o, 1);
    }
    return NULL;
}

static void *scrape(void *arg)
{
    busy *b = arg;
    while (!atomic_load(&b->stop)) {
        char *text = NULL;
        llmobs_metrics_render_string(llmobs_registry_default(), LLMOBS_FORMAT_TEXT, &text, NULL);
        llmobs_metrics_string_free(text);
    }
    return NULL;
}

static void *record_cost(void *arg)
{
    busy *b = arg;
    llmobs_cost_tracker *t = llmobs_client_cost_tracker(b->client);
    while (!atomic_load(&b->stop))
        llmobs_cost_record(t, "gpt-4o-mini", "fork", "u", 100, 10, 0, 0, 0, NULL, NULL);
    return NULL;
}

static void *record_eval(void *arg)
{
    busy *b = arg;
    while (!atomic_load(&b->stop))
        llmobs_eval_record(b->ev, "fork", "m", 0.9, -1, NULL, NULL, NULL, NULL);
    return NULL;
}

static void *observe(void *arg)
{
    busy *b = arg;
    for (unsigned i = 0; !atomic_load(&b->stop); i++)
        llmobs_histogram_observe(b->hist, (double)(i % 4));
    return NULL;
}

/* What a child does with everything the parent's threads were using at fork(). */
static int child_uses_the_library(busy *b)
{
    const char *v[1] = {"child"};
    if (llmobs_counter_inc_labels(b->series, v, 1) != LLMOBS_OK) return 2;
    char *text = NULL;
    if (llmobs_metrics_render_string(llmobs_registry_default(), LLMOBS_FORMAT_TEXT, &text, NULL) !=
        LLMOBS_OK)
        return 3;
    int found = strstr(text, "fork_series_total{s=\"child\"} 1") != NULL;
    llmobs_metrics_string_free(text);
    if (!found) return 4;
    if (llmobs_cost_record(llmobs_client_cost_tracker(b->client), "gpt-4o-mini", "child", NULL, 1,
                           1, 0, 0, 0, NULL, NULL) != LLMOBS_OK)
        return 5;
    if (llmobs_eval_record(b->ev, "child", "m", 1, -1, NULL, NULL, NULL, NULL) != LLMOBS_OK)
        return 6;
    uint64_t count = 0;
    double sum = 0;
    if (llmobs_histogram_get(b->hist, &count, &sum) != LLMOBS_OK) return 7;
    return 0;
}

/* Waits for `pid` until `deadline_ms` (monotonic); kills it when it is still running then.
 * Returns its exit status, or -1 when it hung. */
static int wait_or_kill(pid_t pid, int64_t deadline_ms)
{
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
        if (test_mono_ms() > deadline_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(1000);
    }
}

static void children_never_hang_on_locks_that_other_threads_held_at_fork(void **state)
{
    (void)state;
    char path[] = "/tmp/llmobs-fork-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static busy b;
    b.client = file_client(path);
    assert_non_null(b.client);
    b.ev = llmobs_evaluator_new(b.client, NULL, NULL);
    assert_non_null(b.ev);
    const char *label[1] = {"s"};
    assert_int_equal(llmobs_counter_register(llmobs_registry_default(), "fork_series_total",
                                             "Series made while children fork", NULL, label, 1,
                                             &b.series),
                     LLMOBS_OK);
    llmobs_family *hf;
    assert_int_equal(llmobs_histogram_register(llmobs_registry_default(), "fork_observed",
                                               "Observed while children fork", NULL, NULL, 0, NULL,
                                               0, &hf),
                     LLMOBS_OK);
    assert_int_equal(llmobs_histogram_labels(hf, NULL, 0, &b.hist), LLMOBS_OK);
    llmobs_cost_set_budget(llmobs_client_cost_tracker(b.client), "fork", 1e9);

    void *(*const fns[])(void *) = {create_series, scrape, record_cost, record_eval, observe};
    enum { NTHREADS = sizeof fns / sizeof fns[0], CHILDREN = 40 };
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, fns[i], &b), 0);
    usleep(20000);

    int hung = 0, failed = 0;
    for (int k = 0; k < CHILDREN; k++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) _exit(child_uses_the_library(&b));
        int rc = wait_or_kill(pid, test_mono_ms() + test_slack_ms(5000));
        if (rc == -1) {
            if (++hung == 3) break; /* proven; do not wait for every child */
        } else if (rc != 0) {
            fprintf(stderr, "child %d exited with %d\n", k, rc);
            failed++;
        }
    }
    atomic_store(&b.stop, true);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    if (hung) fprintf(stderr, "%d children hung (at most 3 are waited for)\n", hung);
    assert_int_equal(hung, 0);
    assert_int_equal(failed, 0);
    llmobs_evaluator_free(b.ev);
    assert_int_equal(llmobs_shutdown(b.client, 5000), LLMOBS_OK);
    unlink(path);
}

/* A log callback that reads a counter (which takes the pipeline's lock). */
static llmobs_client *logging_client;
static void log_reading_a_stat(llmobs_log_level level, const char *message, void *ud)
{
    (void)level, (void)message, (void)ud;
    uint64_t v;
    if (logging_client) llmobs_stats_get(logging_client, LLMOBS_STAT_QUEUE_ITEMS, &v);
}

/* The child's first trace restarts the flusher, building a new exporter whose constructor
 * logs: that used to run under the pipeline's lock, so this callback deadlocked the child. */
static void a_log_callback_reading_stats_does_not_deadlock_a_forked_child(void **state)
{
    (void)state;
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "otlp");
    llmobs_options_set(o, "otlp_endpoint", "http://127.0.0.1:9"); /* never reached */
    llmobs_options_set(o, "flush_at", "1000");
    llmobs_options_set(o, "flush_interval", "3600");
    llmobs_options_set_log_callback(o, log_reading_a_stat, NULL);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    logging_client = c;
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20); /* a deadlocked child dies of SIGALRM */
        llmobs_trace_end(llmobs_trace_start(c, "child", NULL));
        uint64_t items = 0;
        llmobs_stats_get(c, LLMOBS_STAT_ITEMS, &items);
        _exit(items == 1 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    logging_client = NULL;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(llmobs_shutdown(c, 1000), LLMOBS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_restart_their_flushers_and_never_resend_the_parents_queue),
        cmocka_unit_test(child_that_never_traces_shuts_down_without_a_thread),
        cmocka_unit_test(children_never_hang_on_locks_that_other_threads_held_at_fork),
        cmocka_unit_test(a_log_callback_reading_stats_does_not_deadlock_a_forked_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
