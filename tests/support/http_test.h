/* Test support for the network exporter tests: a thread-safe log recorder, client options
 * pointed at a receiver, and waits on the client's counters with a deadline. */
#ifndef LLMOBS_TEST_HTTP_TEST_H
#define LLMOBS_TEST_HTTP_TEST_H

#include "receiver.h"

#include <llmobs/llmobs.h>
#include <pthread.h>

typedef struct logcap {
    pthread_mutex_t mu;
    char **lines;
    int *levels;
    size_t n, cap;
} logcap;

void logcap_init(logcap *lc);
void logcap_destroy(logcap *lc);
/* llmobs_log_fn recording every line into the logcap passed as userdata. */
void logcap_fn(llmobs_log_level level, const char *message, void *userdata);
/* Number of lines containing `needle` (at `min_level` or above). */
size_t logcap_count(logcap *lc, const char *needle, llmobs_log_level min_level);
size_t logcap_lines(logcap *lc);
/* Copy of line i (caller frees) or NULL. */
char *logcap_line(logcap *lc, size_t i);

#define TEST_PUBLIC_KEY "pk-lf-1234567890"
#define TEST_SECRET_KEY "sk-lf-TOPSECRET-0987654321"

/* Options exporting to Langfuse at `r` (NULL: set base_url yourself; keys above), debug logging
 * into `lc` (may be NULL), flush_at and a 60 s interval so only flush_at and llmobs_flush trigger
 * batches. */
llmobs_options *receiver_options(receiver *r, logcap *lc, int flush_at);

/* Polls a client counter until it reaches `at_least` or `timeout_ms` passes. */
bool wait_stat(llmobs_client *c, llmobs_stat stat, uint64_t at_least, int timeout_ms);

/* Ends `n` traces, each a root span with one generation child (2n spans in all). */
void make_traces(llmobs_client *c, int n);

/* Unsets LANGFUSE_* and OTEL_* variables so the environment cannot add a destination. */
void clear_env(void);

#endif
