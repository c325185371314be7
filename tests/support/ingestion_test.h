/* Test support for the legacy ingestion exporter: a Langfuse /api/public/ingestion stand-in
 * (a receiver responder answering 207 per event, with scripted per-event failures), the
 * events a receiver got, and the OpenAPI schema check (tests/support/ingestion_schema.py). */
#ifndef LLMOBS_TEST_INGESTION_TEST_H
#define LLMOBS_TEST_INGESTION_TEST_H

#include "http_test.h"
#include "receiver.h"

#include <cjson/cJSON.h>
#include <pthread.h>

#define INGESTION_PATH RECV_INGESTION_PATH
#define MAX_EVENT_RULES 16

/* The per-event status the stand-in answers for an event id: statuses[k] on the k-th time the
 * id arrives (0 or past the list: 201), with `message` for errors. */
typedef struct event_rule {
    char id[128];
    int statuses[4];
    const char *message;
    int seen;
} event_rule;

typedef struct ingestion_server {
    pthread_mutex_t mu;
    event_rule rules[MAX_EVENT_RULES];
    size_t nrules;
    int request_status[8]; /* whole-request status of the k-th request (0: answer per event) */
    size_t requests;
} ingestion_server;

void ingestion_server_init(ingestion_server *s);
void ingestion_server_destroy(ingestion_server *s);
/* Adds a rule (before the client sends). */
void ingestion_rule(ingestion_server *s, const char *event_id, int first, int second,
                    const char *message);
/* The recv_responder: 207 {"successes":[...], "errors":[...]} for every event of the batch. */
char *ingestion_respond(const recv_request *q, int *status, void *ud);

/* Options for exporter=langfuse-ingestion at `r` (see receiver_options). */
llmobs_options *ingestion_options(receiver *r, logcap *lc, int flush_at);
/* A new array with every event of every request to INGESTION_PATH (in order). With `answered`
 * only requests answered 2xx. */
cJSON *ingestion_events(receiver *r, bool answered);
/* The event of `type` whose body.id is `body_id` among `events` (borrowed), or NULL. */
const cJSON *find_event(const cJSON *events, const char *type, const char *body_id);
/* How many of `events` have envelope id `id`. */
int count_event_id(const cJSON *events, const char *id);

/* Every request body `r` recorded on INGESTION_PATH, one per line (malloc'd). */
char *ingestion_requests_text(receiver *r);
/* Runs the schema validator on `lines` (one request body per line). Returns its exit status;
 * its output goes to `out`. It spawns python3: call it once the client and the receiver have
 * stopped, with no other thread running. */
int ingestion_schema_check(const char *lines, char *out, size_t cap);

#endif
