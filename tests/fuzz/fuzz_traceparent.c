/* W3C traceparent headers given to llmobs_trace_start_traceparent. */
#include "fuzz.h"

#include <llmobs/llmobs.h>
#include <strings.h>

static llmobs_client *c;

/* Joins the flusher before exit, so leak checking sees a quiescent process. */
static void shutdown_client(void)
{
    llmobs_shutdown(c, 5000);
}

static llmobs_client *client(void)
{
    if (!c) {
        llmobs_options *o = llmobs_options_new();
        llmobs_options_set(o, "exporter", "none");
        c = llmobs_client_new(o, NULL);
        FUZZ_CHECK(c != NULL);
        atexit(shutdown_client);
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *tp = fuzz_string(data, size);
    llmobs_status st = LLMOBS_OK;
    llmobs_trace *t = llmobs_trace_start_traceparent(client(), "fuzz", tp, &st);
    if (t) {
        char id[33], back[64];
        FUZZ_CHECK(llmobs_trace_id(t, id, sizeof id) == LLMOBS_OK);
        FUZZ_CHECK(strlen(id) == 32 && strncasecmp(id, tp + 3, 32) == 0);
        FUZZ_CHECK(llmobs_trace_traceparent(t, back, sizeof back) == LLMOBS_OK);
        llmobs_trace_end(t);
    } else {
        FUZZ_CHECK(st == LLMOBS_EINVAL);
    }
    free(tp);
    return 0;
}
