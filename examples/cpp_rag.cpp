// A RAG request traced with the C++ RAII wrapper: every scope ends its observation, also on
// early returns. Without Langfuse keys it writes OTLP JSON lines to llmobs-export.jsonl.
#include <llmobs/llmobs.hpp>

#include <cstdio>
#include <string>
#include <vector>

static std::vector<std::string> retrieve(llmobs::Trace &trace, const std::string &question)
{
    llmobs::Observation span = trace.observation(LLMOBS_OBS_RETRIEVER, "retrieve");
    span.input(question.c_str());
    std::vector<std::string> docs = {"Passwords are reset under Settings > Security.",
                                     "Support is open 9-17 CET."};
    span.output_json("[\"doc-17\",\"doc-42\"]");
    return docs; // `span` ends here
}

static bool answer(llmobs::Trace &trace, const std::vector<std::string> &docs, std::string &out)
{
    llmobs::Observation gen = trace.generation("answer");
    gen.model("gpt-4o");
    gen.provider("openai");
    gen.model_parameter("temperature", "0.2");
    if (docs.empty()) {
        gen.fail("no context retrieved");
        return false; // `gen` still ends exactly once
    }
    gen.input(("Context: " + docs.front()).c_str());
    out = "Open Settings, then Security, then Reset password.";
    gen.output(out.c_str());
    gen.usage(412, 23);
    return true;
}

int main()
{
    llmobs::Client client; // options from the environment
    if (!client.valid()) {
        std::fprintf(stderr, "llmobs: %s: %s\n", client.status().str(),
                     llmobs::last_error().c_str());
        return 1;
    }
    std::string reply;
    {
        llmobs::Trace trace = client.trace("rag");
        trace.user_id("user-42");
        trace.input("How do I reset my password?");
        auto docs = retrieve(trace, "How do I reset my password?");
        if (answer(trace, docs, reply)) trace.output(reply.c_str());
        std::printf("trace %s\n", trace.id().c_str());
    } // the trace ends here
    uint64_t pending = 0;
    llmobs::Status st = client.flush(5000, &pending);
    std::printf("flush: %s, pending %llu\n", st.name(), (unsigned long long)pending);
    return client.shutdown(5000) ? 0 : 1;
}
