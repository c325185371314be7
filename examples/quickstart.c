/* The smallest useful program: one traced LLM call, flushed before exit.
 * Without Langfuse keys it writes OTLP JSON lines to llmobs-export.jsonl. */
#include <llmobs/llmobs.h>

#include <stdio.h>

int main(void)
{
    llmobs_status st;
    llmobs_client *client = llmobs_client_new(NULL, &st); /* options from the environment */
    if (!client) {
        fprintf(stderr, "llmobs: %s: %s\n", llmobs_status_str(st), llmobs_last_error());
        return 1;
    }
    llmobs_trace *trace = llmobs_trace_start(client, "support_chat", NULL);
    llmobs_trace_set_user_id(trace, "user-42");

    llmobs_obs *gen = llmobs_obs_start(trace, NULL, LLMOBS_OBS_GENERATION, "answer", NULL);
    llmobs_obs_set_model(gen, "gpt-4o");
    llmobs_obs_set_input(gen, "How do I reset my password?");
    /* ... call the model here ... */
    llmobs_obs_set_output(gen, "Open Settings, then Security, then Reset password.");
    llmobs_obs_set_usage(gen, 52, 47);
    llmobs_obs_end(gen);

    llmobs_trace_end(trace);
    uint64_t pending = 0;
    llmobs_flush(client, 5000, &pending);
    printf("pending after flush: %llu\n", (unsigned long long)pending);
    return llmobs_shutdown(client, 5000) == LLMOBS_OK ? 0 : 1;
}
