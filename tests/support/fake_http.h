/* Test support: a real HTTP server on 127.0.0.1 (libmicrohttpd, a thread per connection) whose
 * answers come from a handler function, for stand-ins that must answer by request content (a
 * fake LLM judge, a Langfuse serving pages by cursor). Every request is recorded. Thread-safe. */
#ifndef LLMOBS_TEST_FAKE_HTTP_H
#define LLMOBS_TEST_FAKE_HTTP_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct fake_request {
    char method[16];
    char path[256];
    cJSON *args;    /* object: decoded query arguments */
    cJSON *headers; /* object: lowercase name -> value */
    char *body;     /* NUL-terminated, "" when none */
} fake_request;

typedef struct fake_reply {
    int status;           /* default 200 */
    char *body;           /* malloc'd by the handler; NULL: "{}" */
    char retry_after[32]; /* "" for none */
    int delay_ms;         /* answer after this long (cut short by fake_http_stop) */
} fake_reply;

/* Called on the connection's thread for every complete request. */
typedef void (*fake_handler)(void *ud, const fake_request *rq, fake_reply *reply);

typedef struct fake_http fake_http;

fake_http *fake_http_start(fake_handler fn, void *ud);
void fake_http_stop(fake_http *s);
/* "http://127.0.0.1:<port>" */
const char *fake_http_url(const fake_http *s);

/* Recorded requests (answered), in order; valid until fake_http_stop. */
size_t fake_http_count(fake_http *s);
const fake_request *fake_http_request(fake_http *s, size_t i);
const char *fake_header(const fake_request *rq, const char *name);
const char *fake_arg(const fake_request *rq, const char *name);

/* A free 127.0.0.1 port nobody listens on (bound, then closed). */
int fake_unused_port(void);

#endif
