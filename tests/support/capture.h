/* Test support: an export callback that records every batch, parsed, so tests can assert on
 * exactly what would go on the wire, and wait (with a deadline) for spans to arrive. */
#ifndef LLMOBS_TEST_CAPTURE_H
#define LLMOBS_TEST_CAPTURE_H

#include <llmobs/llmobs.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>

typedef struct capture {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cJSON *spans; /* array of every span received, in order */
    size_t batches;
    size_t calls; /* export calls, including ones answered with a failure */
    /* Behaviour knobs, read under mu on every call. */
    llmobs_export_result answer; /* what to return */
    int fail_first;              /* answer RETRY for this many calls first */
    size_t max_items;            /* answer TOO_LARGE for batches above this (0 = off) */
    size_t max_body;             /* answer TOO_LARGE for bodies above this (0 = off) */
    bool block;                  /* hold calls until unblocked */
    size_t blocked_calls;        /* calls currently held */
} capture;

void capture_init(capture *c);
void capture_destroy(capture *c);
llmobs_export_result capture_export(const char *body, size_t len, const char *content_type,
                                    uint32_t items, void *userdata);
/* Waits until at least n spans arrived or timeout_ms passes; returns the count seen. */
size_t capture_wait_spans(capture *c, size_t n, int timeout_ms);
/* Waits until at least n calls are held by `block`. */
bool capture_wait_blocked(capture *c, size_t n, int timeout_ms);
void capture_unblock(capture *c);
size_t capture_count(capture *c);

/* Options for a client exporting into `c` with flush_at/interval given. */
llmobs_options *capture_options(capture *c, int flush_at, double interval_s);

/* Client helpers: a client from options (fails the test with llmobs_last_error() if it cannot
 * be created), and counters read through the public API (failing the test on error). */
llmobs_client *start_client(llmobs_options *o);
uint64_t client_stat(llmobs_client *c, llmobs_stat s);
uint64_t client_dropped(llmobs_client *c, llmobs_drop_reason r);

/* Span helpers on parsed OTLP JSON. */
const cJSON *span_attr(const cJSON *span, const char *key); /* the AnyValue or NULL */
const char *span_attr_str(const cJSON *span, const char *key);
const cJSON *find_span_by_name(const cJSON *spans, const char *name);

#endif
