#include "http_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

void logcap_init(logcap *lc)
{
    memset(lc, 0, sizeof *lc);
    pthread_mutex_init(&lc->mu, NULL);
}

void logcap_destroy(logcap *lc)
{
    for (size_t i = 0; i < lc->n; i++)
        free(lc->lines[i]);
    free(lc->lines);
    free(lc->levels);
    pthread_mutex_destroy(&lc->mu);
}

void logcap_fn(llmobs_log_level level, const char *message, void *userdata)
{
    logcap *lc = userdata;
    pthread_mutex_lock(&lc->mu);
    if (lc->n == lc->cap) {
        lc->cap = lc->cap ? lc->cap * 2 : 64;
        lc->lines = realloc(lc->lines, lc->cap * sizeof *lc->lines);
        lc->levels = realloc(lc->levels, lc->cap * sizeof *lc->levels);
        if (!lc->lines || !lc->levels) abort();
    }
    lc->levels[lc->n] = (int)level;
    lc->lines[lc->n++] = strdup(message);
    pthread_mutex_unlock(&lc->mu);
}

size_t logcap_count(logcap *lc, const char *needle, llmobs_log_level min_level)
{
    size_t n = 0;
    pthread_mutex_lock(&lc->mu);
    for (size_t i = 0; i < lc->n; i++)
        if (lc->levels[i] >= (int)min_level && strstr(lc->lines[i], needle)) n++;
    pthread_mutex_unlock(&lc->mu);
    return n;
}

size_t logcap_lines(logcap *lc)
{
    pthread_mutex_lock(&lc->mu);
    size_t n = lc->n;
    pthread_mutex_unlock(&lc->mu);
    return n;
}

char *logcap_line(logcap *lc, size_t i)
{
    pthread_mutex_lock(&lc->mu);
    char *s = i < lc->n ? strdup(lc->lines[i]) : NULL;
    pthread_mutex_unlock(&lc->mu);
    return s;
}

llmobs_options *receiver_options(receiver *r, logcap *lc, int flush_at)
{
    llmobs_options *o = llmobs_options_new();
    if (r) llmobs_options_set(o, "base_url", receiver_url(r));
    llmobs_options_set(o, "public_key", TEST_PUBLIC_KEY);
    llmobs_options_set(o, "secret_key", TEST_SECRET_KEY);
    llmobs_options_set_int(o, "flush_at", flush_at);
    llmobs_options_set_double(o, "flush_interval", 60);
    llmobs_options_set(o, "debug", "true");
    if (lc) llmobs_options_set_log_callback(o, logcap_fn, lc);
    return o;
}

bool wait_stat(llmobs_client *c, llmobs_stat stat, uint64_t at_least, int timeout_ms)
{
    int64_t until = test_mono_ms() + timeout_ms;
    for (;;) {
        uint64_t v = 0;
        llmobs_stats_get(c, stat, &v);
        if (v >= at_least) return true;
        if (test_mono_ms() >= until) return false;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

void make_traces(llmobs_client *c, int n)
{
    for (int i = 0; i < n; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "request", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "llm", NULL);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_usage(g, 10, 20);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
}

void clear_env(void)
{
    static const char *const prefixes[] = {"LANGFUSE_", "OTEL_", "LLMOBS_EXPORTER", "LLMOBS_GZIP"};
    for (;;) {
        bool removed = false;
        for (char **e = environ; e && *e && !removed; e++)
            for (size_t p = 0; p < sizeof prefixes / sizeof *prefixes; p++)
                if (strncmp(*e, prefixes[p], strlen(prefixes[p])) == 0) {
                    char name[256];
                    size_t len = strcspn(*e, "=");
                    snprintf(name, sizeof name, "%.*s", (int)len, *e);
                    unsetenv(name);
                    removed = true;
                    break;
                }
        if (!removed) break;
    }
}
