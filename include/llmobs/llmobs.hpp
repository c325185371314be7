// llmobs/llmobs.hpp: a header-only C++17 RAII wrapper over the C API (llmobs/llmobs.h).
// Thread-safety is that of the C API; one wrapper object is used by one thread at a time
// (the handles it wraps may be shared through .get()).
//
// Ownership: Client, Trace and Observation own their handle and are move-only. A Trace or
// Observation ends in its destructor unless end() was called; a Client shuts down in its
// destructor unless shutdown() was called. A moved-from object owns nothing: its destructor
// does nothing and its calls return LLMOBS_ESTATE. Move-assigning onto an object that still
// owns a handle first ends (or shuts down) that handle.
//
// Errors: no exceptions. Every fallible call returns llmobs::Status, which converts to true
// on success; status.name()/str() describe it and llmobs::last_error() names the argument or
// key at fault. Constructors report through valid() and status().
#ifndef LLMOBS_LLMOBS_HPP
#define LLMOBS_LLMOBS_HPP

#include "llmobs/llmobs.h"

#include <cstdint>
#include <string>
#include <utility>

namespace llmobs
{

/** An llmobs_status with helpers; true when LLMOBS_OK. */
class Status
{
  public:
    constexpr Status(llmobs_status code = LLMOBS_OK) noexcept : code_(code) {}
    constexpr bool ok() const noexcept
    {
        return code_ == LLMOBS_OK;
    }
    constexpr explicit operator bool() const noexcept
    {
        return ok();
    }
    constexpr llmobs_status code() const noexcept
    {
        return code_;
    }
    const char *name() const noexcept
    {
        return llmobs_status_name(code_);
    }
    const char *str() const noexcept
    {
        return llmobs_status_str(code_);
    }
    friend constexpr bool operator==(Status a, Status b) noexcept
    {
        return a.code_ == b.code_;
    }
    friend constexpr bool operator!=(Status a, Status b) noexcept
    {
        return a.code_ != b.code_;
    }

  private:
    llmobs_status code_;
};

/** Detail of the last error on this thread (see llmobs_last_error). */
inline std::string last_error()
{
    return llmobs_last_error();
}

/** Options built before a Client takes them; frees them if never handed over. */
class Options
{
  public:
    Options() noexcept : h_(llmobs_options_new()) {}
    ~Options()
    {
        llmobs_options_free(h_);
    }
    Options(Options &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Options &operator=(Options &&o) noexcept
    {
        if (this != &o) {
            llmobs_options_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Options(const Options &) = delete;
    Options &operator=(const Options &) = delete;

    Status set(const char *key, const char *value) noexcept
    {
        return h_ ? Status(llmobs_options_set(h_, key, value)) : Status(LLMOBS_ESTATE);
    }
    Status set(const char *key, const std::string &value) noexcept
    {
        return set(key, value.c_str());
    }
    Status set_export_callback(llmobs_export_fn fn, void *userdata) noexcept
    {
        return h_ ? Status(llmobs_options_set_export_callback(h_, fn, userdata))
                  : Status(LLMOBS_ESTATE);
    }
    Status set_log_callback(llmobs_log_fn fn, void *userdata) noexcept
    {
        return h_ ? Status(llmobs_options_set_log_callback(h_, fn, userdata))
                  : Status(LLMOBS_ESTATE);
    }
    llmobs_options *get() const noexcept
    {
        return h_;
    }
    /** Gives up ownership (the caller frees or hands the options over). */
    llmobs_options *release() noexcept
    {
        return std::exchange(h_, nullptr);
    }

  private:
    llmobs_options *h_;
};

class Trace;

/** A started observation (span, generation, ...). Ends in its destructor. */
class Observation
{
  public:
    Observation() noexcept = default;
    ~Observation()
    {
        (void)end();
    }
    Observation(Observation &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), trace_(std::exchange(o.trace_, nullptr)),
          status_(o.status_), id_(std::move(o.id_))
    {
    }
    Observation &operator=(Observation &&o) noexcept
    {
        if (this != &o) {
            (void)end();
            h_ = std::exchange(o.h_, nullptr);
            trace_ = std::exchange(o.trace_, nullptr);
            status_ = o.status_;
            id_ = std::move(o.id_);
        }
        return *this;
    }
    Observation(const Observation &) = delete;
    Observation &operator=(const Observation &) = delete;

    /** True while this object owns a started, not yet ended observation. */
    bool valid() const noexcept
    {
        return h_ != nullptr;
    }
    /** Why the start failed (LLMOBS_OK when it did not). */
    Status status() const noexcept
    {
        return status_;
    }
    llmobs_obs *get() const noexcept
    {
        return h_;
    }
    /** The 16-hex observation id (kept after end()). */
    const std::string &id() const noexcept
    {
        return id_;
    }

    Status input(const char *text) noexcept
    {
        return call(llmobs_obs_set_input, text);
    }
    Status output(const char *text) noexcept
    {
        return call(llmobs_obs_set_output, text);
    }
    Status input_json(const char *json) noexcept
    {
        return call(llmobs_obs_set_input_json, json);
    }
    Status output_json(const char *json) noexcept
    {
        return call(llmobs_obs_set_output_json, json);
    }
    Status model(const char *model) noexcept
    {
        return call(llmobs_obs_set_model, model);
    }
    Status provider(const char *p) noexcept
    {
        return call(llmobs_obs_set_provider, p);
    }
    Status status_message(const char *m) noexcept
    {
        return call(llmobs_obs_set_status_message, m);
    }
    Status metadata(const char *key, const char *value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_metadata(h_, key, value)) : Status(LLMOBS_ESTATE);
    }
    Status level(llmobs_level level) noexcept
    {
        return h_ ? Status(llmobs_obs_set_level(h_, level)) : Status(LLMOBS_ESTATE);
    }
    Status usage(int64_t input_tokens, int64_t output_tokens) noexcept
    {
        return h_ ? Status(llmobs_obs_set_usage(h_, input_tokens, output_tokens))
                  : Status(LLMOBS_ESTATE);
    }
    Status usage_detail(const char *key, int64_t value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_usage_detail(h_, key, value)) : Status(LLMOBS_ESTATE);
    }
    Status model_parameter(const char *key, const char *json_value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_model_parameter(h_, key, json_value))
                  : Status(LLMOBS_ESTATE);
    }
    /** Marks the observation as failed: level ERROR and `message` as status message. */
    Status fail(const char *message) noexcept
    {
        Status s = level(LLMOBS_LEVEL_ERROR);
        return s ? status_message(message) : s;
    }

    /** A child observation under this one. */
    inline Observation child(llmobs_obs_type type, const char *name) noexcept;
    Observation span(const char *name) noexcept
    {
        return child(LLMOBS_OBS_SPAN, name);
    }
    Observation generation(const char *name) noexcept
    {
        return child(LLMOBS_OBS_GENERATION, name);
    }

    /** Ends the observation now (once); afterwards this object owns nothing. */
    Status end() noexcept
    {
        if (!h_) return LLMOBS_ESTATE;
        llmobs_obs *h = std::exchange(h_, nullptr);
        trace_ = nullptr;
        return llmobs_obs_end(h);
    }

  private:
    friend class Trace;
    Observation(llmobs_trace *trace, llmobs_obs *parent, llmobs_obs_type type,
                const char *name) noexcept
        : trace_(trace)
    {
        llmobs_status st = LLMOBS_OK;
        h_ = llmobs_obs_start(trace, parent, type, name, &st);
        status_ = h_ ? Status(LLMOBS_OK) : Status(st);
        if (h_) {
            char buf[17];
            if (llmobs_obs_id(h_, buf, sizeof buf) == LLMOBS_OK) id_ = buf;
        } else {
            trace_ = nullptr;
        }
    }
    Status call(llmobs_status (*fn)(llmobs_obs *, const char *), const char *s) noexcept
    {
        return h_ ? Status(fn(h_, s)) : Status(LLMOBS_ESTATE);
    }

    llmobs_obs *h_ = nullptr;
    llmobs_trace *trace_ = nullptr; // the trace this observation belongs to, while open
    Status status_ = LLMOBS_ESTATE;
    std::string id_;
};

/** A started trace (its root span). Ends in its destructor. */
class Trace
{
  public:
    Trace() noexcept = default;
    ~Trace()
    {
        (void)end();
    }
    Trace(Trace &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), status_(o.status_), id_(std::move(o.id_)),
          span_id_(std::move(o.span_id_))
    {
    }
    Trace &operator=(Trace &&o) noexcept
    {
        if (this != &o) {
            (void)end();
            h_ = std::exchange(o.h_, nullptr);
            status_ = o.status_;
            id_ = std::move(o.id_);
            span_id_ = std::move(o.span_id_);
        }
        return *this;
    }
    Trace(const Trace &) = delete;
    Trace &operator=(const Trace &) = delete;

    bool valid() const noexcept
    {
        return h_ != nullptr;
    }
    Status status() const noexcept
    {
        return status_;
    }
    llmobs_trace *get() const noexcept
    {
        return h_;
    }
    /** The 32-hex trace id and the 16-hex root span id (kept after end()). */
    const std::string &id() const noexcept
    {
        return id_;
    }
    const std::string &span_id() const noexcept
    {
        return span_id_;
    }
    /** A W3C traceparent for the root span ("" once ended). */
    std::string traceparent() const
    {
        char buf[64];
        return h_ && llmobs_trace_traceparent(h_, buf, sizeof buf) == LLMOBS_OK ? buf : "";
    }

    Status user_id(const char *v) noexcept
    {
        return call(llmobs_trace_set_user_id, v);
    }
    Status session_id(const char *v) noexcept
    {
        return call(llmobs_trace_set_session_id, v);
    }
    Status feature(const char *v) noexcept
    {
        return call(llmobs_trace_set_feature, v);
    }
    Status tag(const char *v) noexcept
    {
        return call(llmobs_trace_add_tag, v);
    }
    Status input(const char *v) noexcept
    {
        return call(llmobs_trace_set_input, v);
    }
    Status output(const char *v) noexcept
    {
        return call(llmobs_trace_set_output, v);
    }
    Status metadata(const char *key, const char *value) noexcept
    {
        return h_ ? Status(llmobs_trace_set_metadata(h_, key, value)) : Status(LLMOBS_ESTATE);
    }

    /** An observation under the root span. Check valid() or status() on the result. */
    Observation observation(llmobs_obs_type type, const char *name) noexcept
    {
        if (!h_) return Observation();
        return Observation(h_, nullptr, type, name);
    }
    Observation span(const char *name) noexcept
    {
        return observation(LLMOBS_OBS_SPAN, name);
    }
    Observation generation(const char *name) noexcept
    {
        return observation(LLMOBS_OBS_GENERATION, name);
    }
    Observation event(const char *name) noexcept
    {
        return observation(LLMOBS_OBS_EVENT, name);
    }

    /** Ends the trace's root span now (once); afterwards this object owns nothing. */
    Status end() noexcept
    {
        if (!h_) return LLMOBS_ESTATE;
        return llmobs_trace_end(std::exchange(h_, nullptr));
    }

  private:
    friend class Client;
    explicit Trace(llmobs_trace *h, llmobs_status st) noexcept : h_(h), status_(st)
    {
        if (!h_) return;
        char buf[33];
        if (llmobs_trace_id(h_, buf, sizeof buf) == LLMOBS_OK) id_ = buf;
        if (llmobs_trace_span_id(h_, buf, sizeof buf) == LLMOBS_OK) span_id_ = buf;
    }
    Status call(llmobs_status (*fn)(llmobs_trace *, const char *), const char *s) noexcept
    {
        return h_ ? Status(fn(h_, s)) : Status(LLMOBS_ESTATE);
    }

    llmobs_trace *h_ = nullptr;
    Status status_ = LLMOBS_ESTATE;
    std::string id_, span_id_;
};

inline Observation Observation::child(llmobs_obs_type type, const char *name) noexcept
{
    if (!h_) return Observation();
    return Observation(trace_, h_, type, name);
}

/** A client (flusher thread). Shuts down in its destructor with `shutdown_timeout_ms`. */
class Client
{
  public:
    /** Takes the options (NULL-equivalent when empty: defaults and environment). */
    explicit Client(Options opts = Options(), int64_t shutdown_timeout_ms = 5000) noexcept
        : timeout_ms_(shutdown_timeout_ms)
    {
        llmobs_status st = LLMOBS_OK;
        h_ = llmobs_client_new(opts.release(), &st);
        status_ = h_ ? Status(LLMOBS_OK) : Status(st);
    }
    ~Client()
    {
        (void)shutdown(timeout_ms_);
    }
    Client(Client &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), status_(o.status_), timeout_ms_(o.timeout_ms_)
    {
    }
    Client &operator=(Client &&o) noexcept
    {
        if (this != &o) {
            (void)shutdown(timeout_ms_);
            h_ = std::exchange(o.h_, nullptr);
            status_ = o.status_;
            timeout_ms_ = o.timeout_ms_;
        }
        return *this;
    }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    bool valid() const noexcept
    {
        return h_ != nullptr;
    }
    Status status() const noexcept
    {
        return status_;
    }
    llmobs_client *get() const noexcept
    {
        return h_;
    }

    Trace trace(const char *name) noexcept
    {
        if (!h_) return Trace(nullptr, LLMOBS_ESTATE);
        llmobs_status st = LLMOBS_OK;
        llmobs_trace *t = llmobs_trace_start(h_, name, &st);
        return Trace(t, t ? LLMOBS_OK : st);
    }
    /** Continues a distributed trace from a W3C traceparent header. */
    Trace trace(const char *name, const char *traceparent) noexcept
    {
        if (!h_) return Trace(nullptr, LLMOBS_ESTATE);
        llmobs_status st = LLMOBS_OK;
        llmobs_trace *t = llmobs_trace_start_traceparent(h_, name, traceparent, &st);
        return Trace(t, t ? LLMOBS_OK : st);
    }

    /** Waits up to `timeout_ms` for everything queued; `*pending` gets what is left. */
    Status flush(int64_t timeout_ms, uint64_t *pending = nullptr) noexcept
    {
        return h_ ? Status(llmobs_flush(h_, timeout_ms, pending)) : Status(LLMOBS_ESTATE);
    }
    /** Reads a delivery counter (0 after shutdown). */
    uint64_t stat(llmobs_stat which) const noexcept
    {
        uint64_t v = 0;
        if (h_) (void)llmobs_stats_get(h_, which, &v);
        return v;
    }
    Status score_numeric(const std::string &trace_id, const char *name, double value,
                         const char *observation_id = nullptr,
                         const char *comment = nullptr) noexcept
    {
        return h_ ? Status(llmobs_score_numeric(h_, trace_id.c_str(), observation_id, name, value,
                                                comment))
                  : Status(LLMOBS_ESTATE);
    }
    llmobs_cost_tracker *cost_tracker() const noexcept
    {
        return llmobs_client_cost_tracker(h_);
    }
    /** Flushes within `timeout_ms`, stops the flusher and frees the client (once). */
    Status shutdown(int64_t timeout_ms) noexcept
    {
        if (!h_) return LLMOBS_ESTATE;
        return llmobs_shutdown(std::exchange(h_, nullptr), timeout_ms);
    }

  private:
    llmobs_client *h_ = nullptr;
    Status status_ = LLMOBS_ESTATE;
    int64_t timeout_ms_;
};

} // namespace llmobs

#endif
