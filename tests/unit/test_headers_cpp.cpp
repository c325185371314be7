// The public headers compile as C++ and the API is usable from C++ without casts.
#include <llmobs/llmobs.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static int failures = 0;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static llmobs_export_result collect(const char *body, size_t len, const char *, uint32_t items,
                                    void *ud)
{
    auto *out = static_cast<std::vector<std::string> *>(ud);
    out->emplace_back(body, len);
    return items > 0 ? LLMOBS_EXPORT_OK : LLMOBS_EXPORT_FAIL;
}

int main()
{
    std::vector<std::string> batches;
    llmobs_options *opts = llmobs_options_new();
    CHECK(llmobs_options_set_export_callback(opts, collect, &batches) == LLMOBS_OK);
    llmobs_status st = LLMOBS_EINTERNAL;
    llmobs_client *client = llmobs_client_new(opts, &st);
    CHECK(client != nullptr && st == LLMOBS_OK);

    llmobs_trace *trace = llmobs_trace_start(client, "cpp", nullptr);
    llmobs_obs *gen = llmobs_obs_start(trace, nullptr, LLMOBS_OBS_GENERATION, "answer", nullptr);
    CHECK(llmobs_obs_set_model(gen, "gpt-4o") == LLMOBS_OK);
    CHECK(llmobs_obs_set_usage(gen, 3, 4) == LLMOBS_OK);
    CHECK(llmobs_obs_end(gen) == LLMOBS_OK);
    CHECK(llmobs_trace_end(trace) == LLMOBS_OK);
    uint64_t pending = 1;
    CHECK(llmobs_flush(client, 5000, &pending) == LLMOBS_OK && pending == 0);
    CHECK(batches.size() == 1 && batches[0].find("\"name\":\"answer\"") != std::string::npos);
    CHECK(std::strcmp(llmobs_status_name(LLMOBS_EINVAL), "LLMOBS_EINVAL") == 0);
    CHECK(std::strcmp(llmobs_version(), LLMOBS_VERSION_STRING) == 0);
    CHECK(llmobs_shutdown(client, 5000) == LLMOBS_OK);
    return failures == 0 ? 0 : 1;
}
