/* Edges of what reaches the wire or the file: a partial write never leaves a torn line in the
 * JSON Lines file, and token counts too large to sum are refused instead of wrapping into
 * negative intValues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static llmobs_client *file_client(const char *path)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "file");
    llmobs_options_set(o, "file_path", path);
    llmobs_options_set(o, "flush_at", "1000");
    llmobs_options_set(o, "flush_interval", "3600");
    llmobs_options_set(o, "max_retries", "0");
    return start_client(o);
}

/* Every line of the file is a whole JSON document; returns how many there are. */
static int whole_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lines = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        assert_int_equal(line[n - 1], '\n');
        cJSON *j = cJSON_Parse(line);
        if (!j) fail_msg("line %d is not JSON: %.60s", lines + 1, line);
        cJSON_Delete(j);
        lines++;
    }
    free(line);
    fclose(f);
    return lines;
}

static void a_partial_write_leaves_no_torn_line(void **state)
{
    (void)state;
    char path[] = "/tmp/llmobs-torn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    llmobs_client *c = file_client(path);
    llmobs_trace_end(llmobs_trace_start(c, "first", NULL));
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* The file may grow 100 bytes more: the next line's write stops part way (EFBIG). */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 100;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    llmobs_trace *t = llmobs_trace_start(c, "torn", NULL);
    llmobs_trace_set_input(t, big);
    llmobs_trace_end(t);
    llmobs_flush(c, 5000, NULL);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_RETRIES_EXHAUSTED), 1);
    /* The limit is gone: a later line lands whole, right after the first. */
    llmobs_trace_end(llmobs_trace_start(c, "after", NULL));
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    assert_int_equal(whole_lines(path), 2);
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    unlink(path);
}

static void token_counts_too_large_to_sum_are_refused(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_client *c = start_client(capture_options(&cap, 100, 3600));
    llmobs_trace *t = llmobs_trace_start(c, "t", NULL);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    assert_int_equal(llmobs_obs_set_usage(g, INT64_MAX / 2, INT64_MAX / 2), LLMOBS_EINVAL);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "input_cached_tokens", INT64_MAX),
                     LLMOBS_EINVAL);
    /* The largest accepted counts, in every key, still sum without overflow. */
    int64_t max = INT64_MAX / 17;
    assert_int_equal(llmobs_obs_set_usage(g, max, max), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "input_cached_tokens", max), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "output_reasoning_tokens", max), LLMOBS_OK);
    assert_int_equal(llmobs_obs_set_usage_detail(g, "input_cache_creation", max), LLMOBS_OK);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    pthread_mutex_lock(&cap.mu);
    const cJSON *span = find_span_by_name(cap.spans, "g");
    assert_non_null(span);
    const cJSON *attrs = cJSON_GetObjectItem(span, "attributes"), *a;
    int ints = 0;
    cJSON_ArrayForEach(a, attrs)
    {
        const cJSON *iv = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "value"), "intValue");
        if (!iv) continue;
        ints++;
        const char *text = cJSON_IsString(iv) ? iv->valuestring : NULL;
        double v = text ? strtod(text, NULL) : iv->valuedouble;
        if (v < 0) fail_msg("%s is negative", cJSON_GetObjectItem(a, "key")->valuestring);
    }
    pthread_mutex_unlock(&cap.mu);
    assert_true(ints >= 2);
    const char *usage = span_attr_str(span, "langfuse.observation.usage_details");
    assert_non_null(usage);
    assert_null(strchr(usage, '-'));
    assert_int_equal(llmobs_shutdown(c, 5000), LLMOBS_OK);
    capture_destroy(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_partial_write_leaves_no_torn_line),
        cmocka_unit_test(token_counts_too_large_to_sum_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
