/* Test support: a real OTLP/HTTP receiver on 127.0.0.1 (libmicrohttpd, a thread per
 * connection) that records every request and answers as scripted: any status, Retry-After,
 * body, a delay, or a dropped connection; or with seeded random faults, where it also answers
 * Langfuse's ingestion API per event (207). All functions are thread-safe; waits take a
 * deadline and never sleep blindly. */
#ifndef LLMOBS_TEST_RECEIVER_H
#define LLMOBS_TEST_RECEIVER_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum recv_drop {
    RECV_DROP_NONE = 0,
    RECV_DROP_AT_HEADERS,  /* close the connection once the request headers arrived */
    RECV_DROP_MID_BODY,    /* close it when the first bytes of the body arrive */
    RECV_DROP_AFTER_BODY,  /* read the whole request, then close without answering */
    RECV_DROP_AFTER_ACCEPT /* accept the request (recorded 200, reply_lost), then close
                              without answering: the one case where a client must resend
                              what the server already has */
} recv_drop;

typedef struct recv_answer {
    int status;              /* 0: 200, or 413 when over the span limit */
    const char *retry_after; /* Retry-After header value; NULL: none (copied) */
    const char *body;        /* NULL: "{}" (copied) */
    int delay_ms;            /* wait before answering; receiver_stop cuts it short */
    recv_drop drop;
    bool echo_auth; /* answer {"error":"bad credentials: <the Authorization header>"} */
} recv_answer;

typedef struct recv_request {
    char method[16];
    char path[512];
    cJSON *headers; /* object: lowercase name -> value */
    cJSON *args;    /* object: decoded query arguments (the path has none) */
    char *body;     /* after gunzip when Content-Encoding: gzip; NUL-terminated */
    size_t len;
    size_t wire_len;  /* bytes as received */
    bool gunzip_ok;   /* false when the body claimed gzip and did not decode */
    int status;       /* status answered; 0 when the connection was dropped */
    int spans;        /* spans in the OTLP JSON body; -1 if it did not parse */
    int64_t start_ms; /* monotonic ms: headers arrived */
    int64_t end_ms;   /* monotonic ms: answered or dropped */
    /* Accepted (2xx) but the client may not have read the reply: it was never sent, or the
     * client closed the connection after it without sending another request there (as a
     * client that timed out does). Atomic: set when the connection closes, which may be after
     * the test read the records. */
    atomic_bool reply_lost;
    int fault; /* the recv_fault drawn for it (RECV_FAULT_NONE when scripted) */
    /* In fault mode, an ingestion request (a {"batch":[...]} body on RECV_INGESTION_PATH):
     * the envelope id of each event and what the receiver did with it: 201 accepted (also when
     * the reply was then lost), the per-event error of a 207 (5xx or 4xx), or 0 when the
     * request was not answered 2xx. nevents is 0 for other requests. */
    size_t nevents;
    char **event_ids;
    int *event_status;
} recv_request;

#define RECV_INGESTION_PATH "/api/public/ingestion"

/* Random faults: each request without a scripted answer draws one, with these rates (per
 * mille), from a generator seeded with `seed`, so a failing run can be repeated. */
typedef enum recv_fault {
    RECV_FAULT_NONE = 0,
    RECV_FAULT_500,           /* Langfuse's transient failure: its destination retries; a
                                 generic OTLP destination drops the items (rejected) */
    RECV_FAULT_503,           /* retryable */
    RECV_FAULT_429,           /* retryable, with Retry-After: retry_after */
    RECV_FAULT_413,           /* too large: split, or dropped (too_large) for one item */
    RECV_FAULT_SLOW,          /* 200 after slow_ms */
    RECV_FAULT_RESET_HEADERS, /* connection closed when the headers arrived */
    RECV_FAULT_RESET_BODY,    /* connection closed when the body starts */
    RECV_FAULT_RESET_AFTER,   /* whole request read, closed unanswered, not accepted */
    RECV_FAULT_ACCEPT_RESET,  /* accepted, then closed unanswered (reply lost) */
    RECV_FAULT_TIMEOUT,       /* no answer for timeout_ms, then closed, not accepted */
    RECV_FAULT_207,           /* ingestion: 207 with per-event errors (see recv_faults); other
                                 paths: a plain 200 */
    RECV_FAULT_COUNT
} recv_fault;

typedef struct recv_faults {
    unsigned seed;
    int per_mille[RECV_FAULT_COUNT]; /* index: recv_fault; NONE is ignored */
    int slow_ms;
    int timeout_ms;          /* make it longer than the client's request timeout */
    const char *retry_after; /* for 429 (copied); NULL: none */
    /* RECV_FAULT_207: each event of the batch independently gets a 5xx error (500 or 503)
     * with event_5xx_per_mille, a 4xx error (400 or 404) with event_4xx_per_mille, else 201.
     * Every other 2xx answer to an ingestion request is a 207 accepting all of its events, as
     * Langfuse answers. */
    int event_5xx_per_mille, event_4xx_per_mille;
} recv_faults;

typedef struct receiver receiver;

/* Starts on `port` (0: any free port). NULL if the port cannot be bound. */
receiver *receiver_start(int port);
/* The same over HTTPS with a PEM certificate and key (strings). */
receiver *receiver_start_tls(int port, const char *cert_pem, const char *key_pem);
/* Stops the server (delays are cut short) and frees every recorded request. NULL-safe. */
void receiver_stop(receiver *r);
int receiver_port(const receiver *r);
/* "http://127.0.0.1:<port>" (https for receiver_start_tls) */
const char *receiver_url(const receiver *r);

/* Scripted answers for the next requests, in arrival order; then the default answer. */
void receiver_push(receiver *r, recv_answer a);
void receiver_set_default(receiver *r, recv_answer a);
/* Turns random faults on (NULL: off). */
void receiver_set_faults(receiver *r, const recv_faults *f);
/* Computes the answer to a request that has no scripted answer (receiver_push): returns the
 * body (malloc'd; freed by the receiver) and may change *status (preset to the default
 * answer's status, 200 when unset). Runs on the receiver's threads, concurrently. */
typedef char *(*recv_responder)(const recv_request *q, int *status, void *ud);
void receiver_set_responder(receiver *r, recv_responder fn, void *ud);

/* The body of a Langfuse ingestion reply (the 207 of POST /api/public/ingestion) for events
 * ids[0..n) answered status[i]: 2xx in "successes", others in "errors" with messages[i] (NULL,
 * or messages NULL: a text for the status). malloc'd. */
char *recv_ingestion_reply(size_t n, char *const *ids, const int *status,
                           const char *const *messages);

/* Answer 413 to requests carrying more than `max_spans` spans (0: no limit). */
void receiver_set_max_spans(receiver *r, int max_spans);

/* Requests recorded (answered or dropped), in the order they ended. The pointer stays valid
 * until receiver_stop. */
size_t receiver_request_count(receiver *r);
const recv_request *receiver_request(receiver *r, size_t i);
const char *recv_header(const recv_request *q, const char *name);
/* A decoded query argument of the request; NULL when absent. */
const char *recv_arg(const recv_request *q, const char *name);

/* Wait until at least n requests are recorded / n are being handled / n spans were accepted
 * (answered 2xx), or timeout_ms passes; each returns the count it saw last. */
size_t receiver_wait_requests(receiver *r, size_t n, int timeout_ms);
size_t receiver_wait_inflight(receiver *r, size_t n, int timeout_ms);
size_t receiver_wait_spans(receiver *r, size_t n, int timeout_ms);
/* TCP connections accepted so far. */
size_t receiver_connection_count(receiver *r);
/* Wait until at most n connections are open, or timeout_ms passes; returns the number open.
 * A request's reply_lost is final once its connection closed. */
size_t receiver_wait_open_connections(receiver *r, size_t n, int timeout_ms);
/* Spans in requests answered 2xx. */
size_t receiver_span_count(receiver *r);
/* A new array with a copy of every span of every request answered 2xx, in order. */
cJSON *receiver_accepted_spans(receiver *r);

/* Number of spans in an OTLP JSON ExportTraceServiceRequest; -1 if it is not one. */
int otlp_count_spans(const char *json, size_t len);

/* Checks a span (and, for the request, its envelope) against the OTLP JSON rules of
 * reference/otlp-json.md: lowercase hex ids of the right length, int64 as decimal strings,
 * integer kind, attributes as [{key,value}] with one AnyValue each. On failure writes the
 * reason into `why` and returns false. */
bool otlp_check_span(const cJSON *span, char *why, size_t cap);
bool otlp_check_request(const cJSON *req, char *why, size_t cap);
/* The Langfuse attribute rules every llmobs span must meet: langfuse.observation.type is
 * one of Langfuse's types; JSON-valued langfuse.* attributes are JSON strings. */
bool langfuse_check_span(const cJSON *span, char *why, size_t cap);

/* Monotonic milliseconds, for measuring. */
int64_t test_mono_ms(void);
/* Slack for timing assertions (how late a deadline may be met): `ms` times the factor in
 * LLMOBS_TEST_TIME_SCALE (default 1), which the valgrind runs of scripts/test.sh raise. */
int64_t test_slack_ms(int64_t ms);

#endif
