/* JSON text given to the API (metadata, input/output of traces and observations, score
 * metadata), then serialized by the flusher into OTLP JSON that must parse. */
#include "fuzz.h"

#include <cjson/cJSON.h>
#include <llmobs/llmobs.h>

static llmobs_export_result check_body(const char *body, size_t len, const char *ct, uint32_t items,
                                       void *ud)
{
    (void)ct, (void)items, (void)ud;
    cJSON *j = cJSON_ParseWithLength(body, len);
    FUZZ_CHECK(j != NULL); /* whatever the input, the request is valid JSON */
    cJSON_Delete(j);
    return LLMOBS_EXPORT_OK;
}

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
        llmobs_options_set(o, "exporter", "callback");
        llmobs_options_set_export_callback(o, check_body, NULL);
        llmobs_options_set(o, "flush_at", "1");
        c = llmobs_client_new(o, NULL);
        FUZZ_CHECK(c != NULL);
        atexit(shutdown_client);
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = fuzz_string(data, size);
    llmobs_client *c = client();
    llmobs_trace *t = llmobs_trace_start(c, "fuzz", NULL);
    llmobs_trace_set_metadata_json(t, json);
    llmobs_trace_set_input_json(t, json);
    llmobs_trace_set_output_json(t, json);
    llmobs_trace_set_input(t, json);
    llmobs_trace_set_metadata(t, json, json);
    llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, json, NULL);
    llmobs_obs_set_metadata_json(g, json);
    llmobs_obs_set_input_json(g, json);
    llmobs_obs_set_output_json(g, json);
    llmobs_obs_set_model(g, json);
    llmobs_obs_set_status_message(g, json);
    llmobs_obs_end(g);
    llmobs_trace_end(t);
    llmobs_score *sc = llmobs_score_new("fuzz", NULL);
    llmobs_score_set_metadata_json(sc, json);
    llmobs_score_set_comment(sc, json);
    llmobs_score_free(sc);
    /* Wait for the flusher: a serializer crash is tied to its input, and the items are freed
     * within the input (else libFuzzer's per-input leak check runs on every input). */
    llmobs_flush(c, 5000, NULL);
    free(json);
    return 0;
}
