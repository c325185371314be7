/* After fork() the child gets a working flusher of its own and never re-sends the parent's
 * queue; the parent is unaffected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <llmobs/llmobs.h>

#include <cjson/cJSON.h>
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
        cmocka_unit_test(a_log_callback_reading_stats_does_not_deadlock_a_forked_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
