// The C++ RAII wrapper (llmobs/llmobs.hpp): destructors end observations exactly once, moves
// transfer ownership (a moved-from object ends nothing), and everything arrives.
#include <llmobs/llmobs.hpp>

#include <cjson/cJSON.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <set>
#include <string>
#include <utility>
#include <vector>

static int failures = 0;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

struct Span {
    std::string name, id, parent, output, level, message, trace_metadata, prompt, cost, completion;
};

struct Collector {
    std::mutex mu;
    std::vector<Span> spans;
};

static std::string attr_str(const cJSON *span, const char *key)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(span, "attributes"))
    {
        const cJSON *k = cJSON_GetObjectItem(a, "key");
        if (cJSON_IsString(k) && std::strcmp(k->valuestring, key) == 0) {
            const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "value"), "stringValue");
            return cJSON_IsString(v) ? v->valuestring : "";
        }
    }
    return "";
}

static llmobs_export_result collect(const char *body, size_t len, const char *, uint32_t, void *ud)
{
    auto *c = static_cast<Collector *>(ud);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) return LLMOBS_EXPORT_FAIL;
    std::lock_guard<std::mutex> lock(c->mu);
    const cJSON *rs, *ss, *sp;
    cJSON_ArrayForEach(rs, cJSON_GetObjectItem(root, "resourceSpans"))
    {
        cJSON_ArrayForEach(ss, cJSON_GetObjectItem(rs, "scopeSpans"))
        {
            cJSON_ArrayForEach(sp, cJSON_GetObjectItem(ss, "spans"))
            {
                const cJSON *parent = cJSON_GetObjectItem(sp, "parentSpanId");
                c->spans.push_back({cJSON_GetObjectItem(sp, "name")->valuestring,
                                    cJSON_GetObjectItem(sp, "spanId")->valuestring,
                                    cJSON_IsString(parent) ? parent->valuestring : "",
                                    attr_str(sp, "langfuse.observation.output"),
                                    attr_str(sp, "langfuse.observation.level"),
                                    attr_str(sp, "langfuse.observation.status_message"),
                                    attr_str(sp, "langfuse.trace.metadata"),
                                    attr_str(sp, "langfuse.observation.prompt.name"),
                                    attr_str(sp, "langfuse.observation.cost_details"),
                                    attr_str(sp, "langfuse.observation.completion_start_time")});
            }
        }
    }
    cJSON_Delete(root);
    return LLMOBS_EXPORT_OK;
}

static llmobs::Client make_client(Collector &col)
{
    llmobs::Options opts;
    CHECK(opts.set_export_callback(collect, &col));
    CHECK(opts.set("flush_at", "1000"));
    return llmobs::Client(std::move(opts));
}

// Exported spans by name, after a flush that must settle everything.
static std::map<std::string, std::vector<Span>> flushed(llmobs::Client &client, Collector &col)
{
    uint64_t pending = 1;
    CHECK(client.flush(10000, &pending) && pending == 0);
    std::map<std::string, std::vector<Span>> by_name;
    std::set<std::string> ids;
    std::lock_guard<std::mutex> lock(col.mu);
    for (const Span &s : col.spans) {
        CHECK(ids.insert(s.id).second); // no span exported twice
        by_name[s.name].push_back(s);
    }
    return by_name;
}

static void destructors_end_exactly_once()
{
    Collector col;
    llmobs::Client client = make_client(col);
    CHECK(client.valid() && client.status());
    std::string trace_id, gen_id;
    {
        llmobs::Trace trace = client.trace("raii");
        CHECK(trace.valid() && trace.id().size() == 32);
        trace_id = trace.id();
        llmobs::Observation gen = trace.generation("answer");
        CHECK(gen.valid() && gen.id().size() == 16);
        gen_id = gen.id();
        CHECK(gen.model("gpt-4o"));
        CHECK(gen.usage(3, 4));
        {
            llmobs::Observation child = gen.span("inner");
            CHECK(child.output("inner-out"));
        } // child ends here
        llmobs::Observation ended = trace.span("ended-early");
        CHECK(ended.end());
        CHECK(ended.end() == LLMOBS_ESTATE); // the second end is refused, nothing sent
        CHECK(!ended.valid());
        CHECK(ended.output("late") == LLMOBS_ESTATE);
    } // gen, then trace end here
    auto spans = flushed(client, col);
    CHECK(spans["raii"].size() == 1);
    CHECK(spans["answer"].size() == 1);
    CHECK(spans["inner"].size() == 1);
    CHECK(spans["ended-early"].size() == 1);
    CHECK(spans["inner"].size() == 1 && spans["inner"][0].parent == gen_id);
    CHECK(spans["inner"].size() == 1 && spans["inner"][0].output == "\"inner-out\"");
    CHECK(client.stat(LLMOBS_STAT_ITEMS) == 4);
    CHECK(client.stat(LLMOBS_STAT_EXPORTED) == 4);
    CHECK(client.stat(LLMOBS_STAT_DROPPED) == 0);
}

static void moves_transfer_ownership()
{
    Collector col;
    llmobs::Client client = make_client(col);
    {
        std::optional<llmobs::Trace> t1(client.trace("moved-trace"));
        std::string id = t1->id();
        llmobs::Trace t2(std::move(*t1));
        CHECK(!t1->valid() && t2.valid() && t2.id() == id);
        CHECK(t1->end() == LLMOBS_ESTATE); // moved-from owns nothing
        CHECK(t1->span("x").status() == LLMOBS_ESTATE);
        t1.reset(); // its destructor must not end the trace
        CHECK(t2.output("trace-after-move"));

        std::optional<llmobs::Observation> o1(t2.span("move-constructed"));
        llmobs::Observation o2(std::move(*o1));
        o1.reset();
        CHECK(o2.output("obs-after-move"));

        llmobs::Observation outer;
        {
            llmobs::Observation inner = t2.span("moved-span");
            outer = std::move(inner);
            CHECK(!inner.valid());
        } // inner's destructor must not end the span
        CHECK(outer.valid());
        CHECK(outer.output("after-move")); // still open: the moved-from destructor did nothing

        llmobs::Observation replaced = t2.span("replaced");
        replaced = t2.span("replacement"); // move-assign ends "replaced" first
        uint64_t pending = 1;
        CHECK(client.flush(10000, &pending) && pending == 0);
        {
            std::lock_guard<std::mutex> lock(col.mu);
            CHECK(col.spans.size() == 1 && col.spans[0].name == "replaced");
        }

        std::vector<llmobs::Observation> many;
        for (int i = 0; i < 40; i++)
            many.push_back(t2.span("in-vector")); // reallocations move
        many.erase(many.begin() + 3);             // shifts by moves
        CHECK(many.size() == 39);
        for (llmobs::Observation &o : many)
            CHECK(o.output("still-open"));
        many.clear();
    }
    auto spans = flushed(client, col);
    CHECK(spans["moved-trace"].size() == 1);
    CHECK(spans["moved-span"].size() == 1);
    CHECK(spans["moved-span"].size() == 1 && spans["moved-span"][0].output == "\"after-move\"");
    CHECK(spans["replaced"].size() == 1);
    CHECK(spans["replacement"].size() == 1);
    CHECK(spans["in-vector"].size() == 40);
    int with_output = 0;
    for (const Span &sp : spans["in-vector"])
        with_output += sp.output == "\"still-open\"";
    CHECK(with_output == 39);
    CHECK(spans["moved-trace"].size() == 1 &&
          spans["moved-trace"][0].output == "\"trace-after-move\"");
    CHECK(spans["move-constructed"].size() == 1 &&
          spans["move-constructed"][0].output == "\"obs-after-move\"");
    CHECK(client.stat(LLMOBS_STAT_ITEMS) == 45);
    CHECK(client.stat(LLMOBS_STAT_DROPPED) == 0);
}

static void clients_move_and_shut_down_once()
{
    Collector col;
    llmobs::Options none;
    CHECK(none.set("exporter", "none"));
    llmobs::Client outer(std::move(none));
    CHECK(outer.valid());
    {
        llmobs::Client inner = make_client(col);
        outer = std::move(inner); // outer's own client is shut down first
        CHECK(!inner.valid());
        CHECK(inner.shutdown(100) == LLMOBS_ESTATE);
    } // inner's destructor shuts nothing down
    CHECK(outer.valid());
    {
        llmobs::Trace t = outer.trace("after-client-move");
        CHECK(t.valid());
    }
    uint64_t pending = 1;
    CHECK(outer.flush(10000, &pending) && pending == 0);
    {
        std::lock_guard<std::mutex> lock(col.mu);
        CHECK(col.spans.size() == 1 && col.spans[0].name == "after-client-move");
    }
    CHECK(outer.shutdown(5000));
    CHECK(!outer.valid());
    CHECK(outer.trace("no").status() == LLMOBS_ESTATE);
}

static void errors_are_statuses_not_exceptions()
{
    Collector col;
    llmobs::Client client = make_client(col);
    llmobs::Trace bad = client.trace(nullptr);
    CHECK(!bad.valid() && bad.status() == LLMOBS_EINVAL);
    llmobs::Trace t = client.trace("errs");
    llmobs::Observation o = t.generation(nullptr);
    CHECK(!o.valid() && o.status() == LLMOBS_EINVAL);
    llmobs::Observation g = t.generation("g");
    llmobs::Status s = g.usage(-1, 0);
    CHECK(!s && s == LLMOBS_EINVAL && std::strcmp(s.name(), "LLMOBS_EINVAL") == 0);
    CHECK(!llmobs::last_error().empty());
    CHECK(g.fail("model timed out"));
    llmobs::Options bad_opts;
    CHECK(bad_opts.set("flush_at", "zero") == LLMOBS_EINVAL);
    CHECK(llmobs::last_error().find("flush_at") != std::string::npos);
    CHECK(bad_opts.set("no_such_key", "1") == LLMOBS_ENOTFOUND);
    llmobs::Trace cont = client.trace("continued", t.traceparent().c_str());
    CHECK(cont.valid() && cont.id() == t.id());
    CHECK(client.score_numeric(t.id(), "quality", 0.5));
}

static void scopes_make_observations_current_and_record_exceptions()
{
    Collector col;
    llmobs::Client client = make_client(col);
    std::string outer_id, inner_id;
    {
        llmobs::Trace trace = client.trace("scoped");
        llmobs::Scope in_trace(trace);
        CHECK(in_trace.status());
        CHECK(llmobs_current_trace() == trace.get());
        llmobs::ObservationScope outer(LLMOBS_OBS_AGENT, "outer");
        CHECK(outer.valid() && outer.status());
        outer_id = outer->id();
        CHECK(llmobs_current_observation() == outer->get());
        CHECK(llmobs::update_current_trace("user_id", "u-cpp"));
        try {
            outer.run([&] {
                llmobs::ObservationScope inner(trace, LLMOBS_OBS_TOOL, "inner");
                inner_id = inner->id();
                inner.run([] { throw std::runtime_error("tool exploded"); });
            });
            CHECK(false); // not reached
        } catch (const std::runtime_error &e) {
            CHECK(std::string(e.what()) == "tool exploded");
        }
        CHECK(llmobs_current_observation() == outer->get()); // inner's scope was left
        try {
            llmobs::ObservationScope plain(LLMOBS_OBS_SPAN, "plain-raii");
            throw 42;
        } catch (int) {
        }
        {
            llmobs::ObservationScope fine(LLMOBS_OBS_SPAN, "fine");
            CHECK(fine->output(std::string_view("ok-view")));
        }
    }
    CHECK(llmobs_current_trace() == nullptr);
    auto spans = flushed(client, col);
    CHECK(spans["inner"].size() == 1 && spans["inner"][0].parent == outer_id);
    CHECK(spans["inner"].size() == 1 && spans["inner"][0].level == "ERROR");
    CHECK(spans["inner"].size() == 1 && spans["inner"][0].message == "tool exploded");
    CHECK(spans["outer"].size() == 1 && spans["outer"][0].level == "ERROR");
    CHECK(spans["outer"].size() == 1 && spans["outer"][0].message == "tool exploded");
    CHECK(spans["plain-raii"].size() == 1 && spans["plain-raii"][0].level == "ERROR");
    CHECK(spans["plain-raii"].size() == 1 &&
          spans["plain-raii"][0].message == "exited by an exception");
    CHECK(spans["plain-raii"].size() == 1 && spans["plain-raii"][0].parent == outer_id);
    CHECK(spans["fine"].size() == 1 && spans["fine"][0].level != "ERROR");
    CHECK(spans["fine"].size() == 1 && spans["fine"][0].output == "\"ok-view\"");
}

static void an_exception_through_plain_objects_is_not_success()
{
    Collector col;
    llmobs::Client client = make_client(col);
    try {
        llmobs::Trace t = client.trace("throws");
        llmobs::Observation g = t.generation("gen");
        throw std::logic_error("x");
    } catch (const std::logic_error &) {
    }
    auto spans = flushed(client, col);
    CHECK(spans["gen"].size() == 1 && spans["gen"][0].level == "ERROR");
    CHECK(spans["throws"].size() == 1 &&
          spans["throws"][0].trace_metadata.find("exited by an exception") != std::string::npos);
}

static void wrapper_covers_the_c_api()
{
    Collector col;
    llmobs::Options opts;
    CHECK(opts.set_export_callback(collect, &col));
    CHECK(opts.set("flush_at", 1000));
    CHECK(opts.set("flush_interval", 30.0));
    CHECK(opts.set("gzip", false));
    CHECK(opts.set(std::string("release"), std::string_view("r-1xyz", 3)));
    CHECK(opts.set("flush_at", 0) == LLMOBS_EINVAL);
    llmobs::Client client(std::move(opts));
    std::string view_name = "view-trace-and-more";
    llmobs::Trace t = client.trace(std::string_view(view_name).substr(0, 10));
    CHECK(t.valid());
    CHECK(t.metadata_json("{\"k\":1}"));
    CHECK(t.release(std::string("r2")));
    llmobs::Observation g = t.generation("gen");
    CHECK(g.prompt("qa-prompt", 3));
    CHECK(g.cost_detail("input", 0.25));
    CHECK(g.usage_detail(LLMOBS_USAGE_CACHE_READ, 5));
    CHECK(g.completion_start());
    CHECK(g.metadata_json("{\"a\":[1]}"));
    CHECK(g.from_response(std::string("{\"type\":\"message\",\"model\":\"claude-x\","
                                      "\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}")));
    CHECK(g.from_response("not json") == LLMOBS_EPARSE);
    llmobs::Observation ev = g.event("tick");
    CHECK(ev.valid());
    CHECK(ev.end());
    CHECK(t.score("quality", 0.5));
    CHECK(t.score(g, "exact", 1.0, "matched"));
    CHECK(g.end());
    CHECK(t.end());
    CHECK(t.score("after-end", 0.1)); // by id: still fine
    auto spans = flushed(client, col);
    CHECK(spans["view-trace"].size() == 1);
    CHECK(spans["gen"].size() == 1 && spans["gen"][0].prompt == "qa-prompt");
    CHECK(spans["gen"].size() == 1 && spans["gen"][0].cost.find("0.25") != std::string::npos);
    CHECK(spans["gen"].size() == 1 && !spans["gen"][0].completion.empty());
    CHECK(spans["tick"].size() == 1 && spans["tick"][0].parent == g.id());
}

static void metrics_classes_wrap_the_registry()
{
    llmobs::Registry reg;
    CHECK(reg.status() && reg.get() != nullptr);
    llmobs::Counter req = reg.counter("cxx_requests_total", "Requests", {"model", "status"});
    CHECK(req.status());
    std::string model = "gpt-4o";
    auto child = req.labels({model, std::string_view("success")});
    CHECK(child.status() && child.inc() && child.add(2));
    CHECK(child.value() == 3.0);
    CHECK(!req.labels({"only-one"}).status()); // wrong label count
    llmobs::Gauge inflight = reg.gauge("cxx_inflight", "In flight");
    CHECK(inflight.set(4));
    CHECK(inflight.labels({}).value() == 4.0);
    llmobs::Histogram lat =
        reg.histogram("cxx_latency_seconds", "Latency", {}, {0.1, 1}, "seconds");
    CHECK(lat.status() && lat.observe(0.5));
    CHECK(lat.labels({}).count() == 1);
    CHECK(reg.counter("cxx_requests_total", "Other help", {"model"}).status() == LLMOBS_EEXIST);
    std::string text = reg.render();
    CHECK(text.find("cxx_requests_total{model=\"gpt-4o\",status=\"success\"} 3") !=
          std::string::npos);
    CHECK(text.find("cxx_latency_seconds_bucket{le=\"1.0\"} 1") != std::string::npos);
    llmobs::MetricsServer srv(reg, "127.0.0.1:0");
    CHECK(srv.status() && srv.port() > 0);
    llmobs::Registry def = llmobs::Registry::process_default();
    CHECK(def.get() == llmobs_registry_default());
}

int main()
{
    destructors_end_exactly_once();
    moves_transfer_ownership();
    clients_move_and_shut_down_once();
    errors_are_statuses_not_exceptions();
    scopes_make_observations_current_and_record_exceptions();
    an_exception_through_plain_objects_is_not_success();
    wrapper_covers_the_c_api();
    metrics_classes_wrap_the_registry();
    if (failures) std::fprintf(stderr, "%d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
