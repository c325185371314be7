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
// Errors: no exceptions. Every fallible call returns llmobs::Status, which converts to true on
// success ([[nodiscard]] where ignoring it loses data: option setters, flush, shutdown,
// scores; attribute setters may be ignored); status.name()/str() describe it and
// llmobs::last_error() names the argument or key at fault. Constructors report through valid() and
// status().
//
// Strings: every string parameter takes a const char *, a std::string or a std::string_view
// (llmobs::Str); a string_view is copied to add the terminating NUL.
//
// Exceptions of the application: a Trace or Observation destroyed while an exception unwinds
// the stack ends at level ERROR with status message "exited by an exception". To record the
// exception's what(), run the code through llmobs::observe(observation, fn) (or
// ObservationScope::run), which catches, records and rethrows.
#ifndef LLMOBS_LLMOBS_HPP
#define LLMOBS_LLMOBS_HPP

#include "llmobs/llmobs.h"

#include <cstdint>
#include <exception>
#include <string>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace llmobs
{

/** A string argument: a const char * (NULL passes through), a std::string or a
 * std::string_view (copied, to add the NUL). Lives until the end of the full expression. */
class Str
{
  public:
    Str(const char *s) noexcept : p_(s) {}
    Str(const std::string &s) noexcept : p_(s.c_str()) {}
    Str(std::string_view s) : copy_(s), p_(copy_.c_str()) {}
    Str(std::nullptr_t) noexcept : p_(nullptr) {}
    Str(const Str &) = delete;
    Str &operator=(const Str &) = delete;
    const char *c_str() const noexcept
    {
        return p_;
    }

  private:
    std::string copy_;
    const char *p_;
};

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

    [[nodiscard]] Status set(const Str &key, const Str &value) noexcept
    {
        return h_ ? Status(llmobs_options_set(h_, key.c_str(), value.c_str()))
                  : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set(const Str &key, const char *value) noexcept
    {
        return set(key, Str(value));
    }
    /** Numeric and boolean options in their typed forms (same validation). */
    [[nodiscard]] Status set(const Str &key, int64_t value) noexcept
    {
        return h_ ? Status(llmobs_options_set_int(h_, key.c_str(), value)) : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set(const Str &key, int value) noexcept
    {
        return set(key, static_cast<int64_t>(value));
    }
    [[nodiscard]] Status set(const Str &key, double value) noexcept
    {
        return h_ ? Status(llmobs_options_set_double(h_, key.c_str(), value))
                  : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set(const Str &key, bool value) noexcept
    {
        return h_ ? Status(llmobs_options_set_bool(h_, key.c_str(), value ? 1 : 0))
                  : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set_mask_callback(llmobs_mask_fn fn, void *userdata) noexcept
    {
        return h_ ? Status(llmobs_options_set_mask_callback(h_, fn, userdata))
                  : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set_registry(llmobs_registry *registry) noexcept
    {
        return h_ ? Status(llmobs_options_set_registry(h_, registry)) : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set_export_callback(llmobs_export_fn fn, void *userdata) noexcept
    {
        return h_ ? Status(llmobs_options_set_export_callback(h_, fn, userdata))
                  : Status(LLMOBS_ESTATE);
    }
    [[nodiscard]] Status set_log_callback(llmobs_log_fn fn, void *userdata) noexcept
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

namespace detail
{
// Exceptions in flight when an object was made: more at destruction means unwinding.
inline int uncaught() noexcept
{
    return std::uncaught_exceptions();
}
constexpr const char *kUnwound = "exited by an exception";
} // namespace detail

/** A started observation (span, generation, ...). Ends in its destructor (at level ERROR when
 * an exception unwinds through it). */
class Observation
{
  public:
    Observation() noexcept = default;
    ~Observation()
    {
        if (h_ && detail::uncaught() > uncaught_) (void)fail_if_unset(detail::kUnwound);
        (void)end();
    }
    Observation(Observation &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), trace_(std::exchange(o.trace_, nullptr)),
          status_(o.status_), id_(std::move(o.id_)), uncaught_(o.uncaught_), failed_(o.failed_)
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
            uncaught_ = o.uncaught_;
            failed_ = o.failed_;
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
    /** A W3C traceparent naming this observation as the parent ("" once ended). */
    std::string traceparent() const
    {
        char buf[64];
        return h_ && llmobs_obs_traceparent(h_, buf, sizeof buf) == LLMOBS_OK ? buf : "";
    }

    Status input(const Str &text) noexcept
    {
        return call(llmobs_obs_set_input, text);
    }
    Status output(const Str &text) noexcept
    {
        return call(llmobs_obs_set_output, text);
    }
    Status input_json(const Str &json) noexcept
    {
        return call(llmobs_obs_set_input_json, json);
    }
    Status output_json(const Str &json) noexcept
    {
        return call(llmobs_obs_set_output_json, json);
    }
    Status model(const Str &model) noexcept
    {
        return call(llmobs_obs_set_model, model);
    }
    Status provider(const Str &p) noexcept
    {
        return call(llmobs_obs_set_provider, p);
    }
    Status status_message(const Str &m) noexcept
    {
        return call(llmobs_obs_set_status_message, m);
    }
    Status metadata(const Str &key, const Str &value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_metadata(h_, key.c_str(), value.c_str()))
                  : Status(LLMOBS_ESTATE);
    }
    /** Replaces the metadata with a JSON object. */
    Status metadata_json(const Str &json) noexcept
    {
        return call(llmobs_obs_set_metadata_json, json);
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
    /** One usage bucket (LLMOBS_USAGE_*). */
    Status usage_detail(const Str &key, int64_t value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_usage_detail(h_, key.c_str(), value))
                  : Status(LLMOBS_ESTATE);
    }
    /** One cost bucket in USD ("input", "output", "total", ...). */
    Status cost_detail(const Str &key, double usd) noexcept
    {
        return h_ ? Status(llmobs_obs_set_cost_detail(h_, key.c_str(), usd))
                  : Status(LLMOBS_ESTATE);
    }
    Status model_parameter(const Str &key, const Str &json_value) noexcept
    {
        return h_ ? Status(llmobs_obs_set_model_parameter(h_, key.c_str(), json_value.c_str()))
                  : Status(LLMOBS_ESTATE);
    }
    /** Links a generation to a Langfuse prompt (name, version >= 1). */
    Status prompt(const Str &name, int32_t version) noexcept
    {
        return h_ ? Status(llmobs_obs_set_prompt(h_, name.c_str(), version))
                  : Status(LLMOBS_ESTATE);
    }
    /** Time of the first streamed token, ns since the epoch (default: now). */
    Status completion_start(int64_t unix_ns = llmobs_now_ns()) noexcept
    {
        return h_ ? Status(llmobs_obs_set_completion_start_time(h_, unix_ns))
                  : Status(LLMOBS_ESTATE);
    }
    Status start_time(int64_t unix_ns) noexcept
    {
        return h_ ? Status(llmobs_obs_set_start_time(h_, unix_ns)) : Status(LLMOBS_ESTATE);
    }
    /** Model, usage buckets and finish reason from a provider's response body (JSON text;
     * see llmobs_obs_set_from_response). */
    Status from_response(const Str &json,
                         llmobs_response_format format = LLMOBS_RESPONSE_AUTO) noexcept
    {
        return h_ ? Status(llmobs_obs_set_from_response(h_, format, json.c_str(), nullptr))
                  : Status(LLMOBS_ESTATE);
    }
    /** Marks the observation as failed: level ERROR and `message` as status message. */
    Status fail(const Str &message) noexcept
    {
        Status s = level(LLMOBS_LEVEL_ERROR);
        if (s) failed_ = true;
        return s ? status_message(message) : s;
    }

    /** A child observation under this one. */
    inline Observation child(llmobs_obs_type type, const Str &name) noexcept;
    Observation span(const Str &name) noexcept
    {
        return child(LLMOBS_OBS_SPAN, name);
    }
    Observation generation(const Str &name) noexcept
    {
        return child(LLMOBS_OBS_GENERATION, name);
    }
    /** A child event (a point in time: it ends at its start). */
    Observation event(const Str &name) noexcept
    {
        return child(LLMOBS_OBS_EVENT, name);
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
    friend class ObservationScope;
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
            if (!trace_) trace_ = llmobs_current_trace();
        } else {
            trace_ = nullptr;
        }
    }
    Status call(llmobs_status (*fn)(llmobs_obs *, const char *), const Str &s) noexcept
    {
        return h_ ? Status(fn(h_, s.c_str())) : Status(LLMOBS_ESTATE);
    }
    // An explicit fail() (for example with what()) wins over the generic unwinding message.
    Status fail_if_unset(const char *message) noexcept
    {
        return failed_ ? Status(LLMOBS_OK) : fail(message);
    }

    llmobs_obs *h_ = nullptr;
    llmobs_trace *trace_ = nullptr; // the trace this observation belongs to, while open
    Status status_ = LLMOBS_ESTATE;
    std::string id_;
    int uncaught_ = detail::uncaught();
    bool failed_ = false;
};

/** A started trace (its root span). Ends in its destructor (at level ERROR when an exception
 * unwinds through it). */
class Trace
{
  public:
    Trace() noexcept = default;
    ~Trace()
    {
        // The root span has no level setter: the trace records the failure in its metadata.
        if (h_ && detail::uncaught() > uncaught_) (void)metadata("error", detail::kUnwound);
        (void)end();
    }
    Trace(Trace &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), status_(o.status_), id_(std::move(o.id_)),
          span_id_(std::move(o.span_id_)), client_(o.client_), uncaught_(o.uncaught_)
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
            client_ = o.client_;
            uncaught_ = o.uncaught_;
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
    bool sampled() const noexcept
    {
        return llmobs_trace_is_sampled(h_) != 0;
    }

    Status user_id(const Str &v) noexcept
    {
        return call(llmobs_trace_set_user_id, v);
    }
    Status session_id(const Str &v) noexcept
    {
        return call(llmobs_trace_set_session_id, v);
    }
    Status feature(const Str &v) noexcept
    {
        return call(llmobs_trace_set_feature, v);
    }
    Status tag(const Str &v) noexcept
    {
        return call(llmobs_trace_add_tag, v);
    }
    Status release(const Str &v) noexcept
    {
        return call(llmobs_trace_set_release, v);
    }
    Status version(const Str &v) noexcept
    {
        return call(llmobs_trace_set_version, v);
    }
    Status environment(const Str &v) noexcept
    {
        return call(llmobs_trace_set_environment, v);
    }
    Status set_public(bool is_public) noexcept
    {
        return h_ ? Status(llmobs_trace_set_public(h_, is_public ? 1 : 0)) : Status(LLMOBS_ESTATE);
    }
    Status input(const Str &v) noexcept
    {
        return call(llmobs_trace_set_input, v);
    }
    Status output(const Str &v) noexcept
    {
        return call(llmobs_trace_set_output, v);
    }
    Status input_json(const Str &v) noexcept
    {
        return call(llmobs_trace_set_input_json, v);
    }
    Status output_json(const Str &v) noexcept
    {
        return call(llmobs_trace_set_output_json, v);
    }
    Status metadata(const Str &key, const Str &value) noexcept
    {
        return h_ ? Status(llmobs_trace_set_metadata(h_, key.c_str(), value.c_str()))
                  : Status(LLMOBS_ESTATE);
    }
    /** Replaces the trace metadata with a JSON object. */
    Status metadata_json(const Str &json) noexcept
    {
        return call(llmobs_trace_set_metadata_json, json);
    }

    /** A numeric score on this trace (kept valid after end(): it uses the id). */
    [[nodiscard]] Status score(const Str &name, double value, const Str &comment = nullptr) noexcept
    {
        if (!client_ || id_.empty()) return LLMOBS_ESTATE;
        return llmobs_score_numeric(client_, id_.c_str(), nullptr, name.c_str(), value,
                                    comment.c_str());
    }
    /** A numeric score on one observation of this trace. */
    [[nodiscard]] Status score(const Observation &obs, const Str &name, double value,
                               const Str &comment = nullptr) noexcept
    {
        if (!client_ || id_.empty() || obs.id().empty()) return LLMOBS_ESTATE;
        return llmobs_score_numeric(client_, id_.c_str(), obs.id().c_str(), name.c_str(), value,
                                    comment.c_str());
    }

    /** An observation under the root span. Check valid() or status() on the result. */
    Observation observation(llmobs_obs_type type, const Str &name) noexcept
    {
        if (!h_) return Observation();
        return Observation(h_, nullptr, type, name.c_str());
    }
    Observation span(const Str &name) noexcept
    {
        return observation(LLMOBS_OBS_SPAN, name);
    }
    Observation generation(const Str &name) noexcept
    {
        return observation(LLMOBS_OBS_GENERATION, name);
    }
    Observation event(const Str &name) noexcept
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
    explicit Trace(llmobs_trace *h, llmobs_status st, llmobs_client *client) noexcept
        : h_(h), status_(st), client_(client)
    {
        if (!h_) return;
        char buf[33];
        if (llmobs_trace_id(h_, buf, sizeof buf) == LLMOBS_OK) id_ = buf;
        if (llmobs_trace_span_id(h_, buf, sizeof buf) == LLMOBS_OK) span_id_ = buf;
    }
    Status call(llmobs_status (*fn)(llmobs_trace *, const char *), const Str &s) noexcept
    {
        return h_ ? Status(fn(h_, s.c_str())) : Status(LLMOBS_ESTATE);
    }

    llmobs_trace *h_ = nullptr;
    Status status_ = LLMOBS_ESTATE;
    std::string id_, span_id_;
    llmobs_client *client_ = nullptr;
    int uncaught_ = detail::uncaught();
};

inline Observation Observation::child(llmobs_obs_type type, const Str &name) noexcept
{
    if (!h_) return Observation();
    return Observation(trace_, h_, type, name.c_str());
}

/** Makes a trace or an observation current on this thread (llmobs/context.h) for the
 * lifetime of this object; does not end it. Not movable: scopes are left in reverse order. */
class Scope
{
  public:
    explicit Scope(Trace &t) noexcept : trace_(t.get())
    {
        status_ = llmobs_scope_enter_trace(trace_);
        if (!status_) trace_ = nullptr;
    }
    explicit Scope(Observation &o) noexcept : obs_(o.get())
    {
        status_ = llmobs_scope_enter(obs_);
        if (!status_) obs_ = nullptr;
    }
    ~Scope()
    {
        if (obs_) (void)llmobs_scope_leave(obs_);
        if (trace_) (void)llmobs_scope_leave_trace(trace_);
    }
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;
    /** Why entering failed (LLMOBS_OK when it did not). */
    Status status() const noexcept
    {
        return status_;
    }

  private:
    llmobs_trace *trace_ = nullptr;
    llmobs_obs *obs_ = nullptr;
    Status status_ = LLMOBS_OK;
};

/** Runs `fn()` with `obs` current. If fn throws, `obs` is marked failed (level ERROR, status
 * message = the exception's what(), or "unknown exception") and the exception is rethrown.
 * Returns what fn returns. */
template <typename F> decltype(auto) observe(Observation &obs, F &&fn)
{
    Scope scope(obs);
    try {
        return std::forward<F>(fn)();
    } catch (const std::exception &e) {
        (void)obs.fail(e.what());
        throw;
    } catch (...) {
        (void)obs.fail("unknown exception");
        throw;
    }
}

/** An observation that is current on this thread while this object lives, started under the
 * current observation (or `trace`'s root span) and ended in the destructor. Left by an
 * exception, it ends at level ERROR ("exited by an exception"); run(fn) records what(). */
class ObservationScope
{
  public:
    /** Starts under the calling thread's current observation of the current trace. */
    ObservationScope(llmobs_obs_type type, const Str &name) noexcept
        : obs_(nullptr, nullptr, type, name.c_str()), scope_(obs_)
    {
    }
    /** Starts in `trace`: under the current observation if it belongs to `trace`, else
     * under the root span. */
    ObservationScope(Trace &trace, llmobs_obs_type type, const Str &name) noexcept
        : obs_(trace.get(), nullptr, type, name.c_str()), scope_(obs_)
    {
    }
    ObservationScope(const ObservationScope &) = delete;
    ObservationScope &operator=(const ObservationScope &) = delete;
    ~ObservationScope() = default; // scope_ is left before obs_ ends (reverse declaration order)

    Observation &observation() noexcept
    {
        return obs_;
    }
    Observation *operator->() noexcept
    {
        return &obs_;
    }
    bool valid() const noexcept
    {
        return obs_.valid();
    }
    Status status() const noexcept
    {
        return obs_.valid() ? scope_.status() : obs_.status();
    }
    /** Runs fn(); an exception marks the observation failed with what() and propagates. */
    template <typename F> decltype(auto) run(F &&fn)
    {
        try {
            return std::forward<F>(fn)();
        } catch (const std::exception &e) {
            (void)obs_.fail(e.what());
            throw;
        } catch (...) {
            (void)obs_.fail("unknown exception");
            throw;
        }
    }

  private:
    Observation obs_;
    Scope scope_;
};

/** Sets an attribute of this thread's current trace (see llmobs_current_trace_set). */
[[nodiscard]] inline Status update_current_trace(const Str &attribute, const Str &value) noexcept
{
    return llmobs_current_trace_set(attribute.c_str(), value.c_str());
}
/** A numeric score on this thread's current trace. */
[[nodiscard]] inline Status score_current_trace(const Str &name, double value,
                                                const Str &comment = nullptr) noexcept
{
    return llmobs_current_trace_score_numeric(name.c_str(), value, comment.c_str());
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

    Trace trace(const Str &name) noexcept
    {
        if (!h_) return Trace(nullptr, LLMOBS_ESTATE, nullptr);
        llmobs_status st = LLMOBS_OK;
        llmobs_trace *t = llmobs_trace_start(h_, name.c_str(), &st);
        return Trace(t, t ? LLMOBS_OK : st, h_);
    }
    /** Continues a distributed trace from a W3C traceparent header. */
    Trace trace(const Str &name, const Str &traceparent) noexcept
    {
        if (!h_) return Trace(nullptr, LLMOBS_ESTATE, nullptr);
        llmobs_status st = LLMOBS_OK;
        llmobs_trace *t =
            llmobs_trace_start_traceparent(h_, name.c_str(), traceparent.c_str(), &st);
        return Trace(t, t ? LLMOBS_OK : st, h_);
    }

    /** Waits up to `timeout_ms` for everything queued; `*pending` gets what is left. */
    [[nodiscard]] Status flush(int64_t timeout_ms, uint64_t *pending = nullptr) noexcept
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
    [[nodiscard]] Status score_numeric(const Str &trace_id, const Str &name, double value,
                                       const Str &observation_id = nullptr,
                                       const Str &comment = nullptr) noexcept
    {
        return h_ ? Status(llmobs_score_numeric(h_, trace_id.c_str(), observation_id.c_str(),
                                                name.c_str(), value, comment.c_str()))
                  : Status(LLMOBS_ESTATE);
    }
    /** Reads the number of items dropped for `reason` (0 after shutdown). */
    uint64_t dropped(llmobs_drop_reason reason) const noexcept
    {
        uint64_t v = 0;
        if (h_) (void)llmobs_stats_dropped(h_, reason, &v);
        return v;
    }
    llmobs_cost_tracker *cost_tracker() const noexcept
    {
        return llmobs_client_cost_tracker(h_);
    }
    /** Flushes within `timeout_ms`, stops the flusher and frees the client (once). */
    [[nodiscard]] Status shutdown(int64_t timeout_ms) noexcept
    {
        if (!h_) return LLMOBS_ESTATE;
        return llmobs_shutdown(std::exchange(h_, nullptr), timeout_ms);
    }

  private:
    llmobs_client *h_ = nullptr;
    Status status_ = LLMOBS_ESTATE;
    int64_t timeout_ms_;
};

/* ---- metrics (llmobs/metrics.h) ----------------------------------------------------------- */

namespace detail
{
inline std::vector<const char *> c_strs(std::initializer_list<Str> values)
{
    std::vector<const char *> out;
    out.reserve(values.size());
    for (const Str &v : values)
        out.push_back(v.c_str());
    return out;
}
} // namespace detail

/** A counter family; labels(...) finds or creates a child (keep it for hot paths). An
 * unlabelled family's inc()/add() go to its only child. Handles belong to the registry. */
class Counter
{
  public:
    class Child
    {
      public:
        Child(llmobs_counter *c = nullptr, Status st = LLMOBS_EINVAL) noexcept : c_(c), st_(st) {}
        Status status() const noexcept
        {
            return st_;
        }
        Status inc() noexcept
        {
            return llmobs_counter_inc(c_);
        }
        Status add(double amount) noexcept
        {
            return llmobs_counter_add(c_, amount);
        }
        double value() const noexcept
        {
            double v = 0;
            (void)llmobs_counter_get(c_, &v);
            return v;
        }

      private:
        llmobs_counter *c_;
        Status st_;
    };
    Counter(llmobs_family *f = nullptr, Status st = LLMOBS_ESTATE) noexcept : f_(f), st_(st) {}
    Status status() const noexcept
    {
        return st_;
    }
    llmobs_family *get() const noexcept
    {
        return f_;
    }
    Child labels(std::initializer_list<Str> values) const
    {
        auto v = detail::c_strs(values);
        llmobs_counter *c = nullptr;
        llmobs_status st = llmobs_counter_labels(f_, v.data(), v.size(), &c);
        return Child(c, st);
    }
    Status inc() const
    {
        return labels({}).inc();
    }
    Status add(double amount) const
    {
        return labels({}).add(amount);
    }

  private:
    llmobs_family *f_;
    Status st_;
};

/** A gauge family (see Counter). */
class Gauge
{
  public:
    class Child
    {
      public:
        Child(llmobs_gauge *g = nullptr, Status st = LLMOBS_EINVAL) noexcept : g_(g), st_(st) {}
        Status status() const noexcept
        {
            return st_;
        }
        Status set(double v) noexcept
        {
            return llmobs_gauge_set(g_, v);
        }
        Status add(double d) noexcept
        {
            return llmobs_gauge_add(g_, d);
        }
        Status inc() noexcept
        {
            return llmobs_gauge_inc(g_);
        }
        Status dec() noexcept
        {
            return llmobs_gauge_dec(g_);
        }
        double value() const noexcept
        {
            double v = 0;
            (void)llmobs_gauge_get(g_, &v);
            return v;
        }

      private:
        llmobs_gauge *g_;
        Status st_;
    };
    Gauge(llmobs_family *f = nullptr, Status st = LLMOBS_ESTATE) noexcept : f_(f), st_(st) {}
    Status status() const noexcept
    {
        return st_;
    }
    llmobs_family *get() const noexcept
    {
        return f_;
    }
    Child labels(std::initializer_list<Str> values) const
    {
        auto v = detail::c_strs(values);
        llmobs_gauge *g = nullptr;
        llmobs_status st = llmobs_gauge_labels(f_, v.data(), v.size(), &g);
        return Child(g, st);
    }
    Status set(double v) const
    {
        return labels({}).set(v);
    }

  private:
    llmobs_family *f_;
    Status st_;
};

/** A histogram family (see Counter). */
class Histogram
{
  public:
    class Child
    {
      public:
        Child(llmobs_histogram *h = nullptr, Status st = LLMOBS_EINVAL) noexcept : h_(h), st_(st) {}
        Status status() const noexcept
        {
            return st_;
        }
        Status observe(double v) noexcept
        {
            return llmobs_histogram_observe(h_, v);
        }
        uint64_t count() const noexcept
        {
            uint64_t n = 0;
            (void)llmobs_histogram_get(h_, &n, nullptr);
            return n;
        }
        double sum() const noexcept
        {
            double v = 0;
            (void)llmobs_histogram_get(h_, nullptr, &v);
            return v;
        }

      private:
        llmobs_histogram *h_;
        Status st_;
    };
    Histogram(llmobs_family *f = nullptr, Status st = LLMOBS_ESTATE) noexcept : f_(f), st_(st) {}
    Status status() const noexcept
    {
        return st_;
    }
    llmobs_family *get() const noexcept
    {
        return f_;
    }
    Child labels(std::initializer_list<Str> values) const
    {
        auto v = detail::c_strs(values);
        llmobs_histogram *h = nullptr;
        llmobs_status st = llmobs_histogram_labels(f_, v.data(), v.size(), &h);
        return Child(h, st);
    }
    Status observe(double v) const
    {
        return labels({}).observe(v);
    }

  private:
    llmobs_family *f_;
    Status st_;
};

/** A metrics registry: Registry() owns a new one (freed in the destructor);
 * Registry::process_default() wraps the process-wide default without owning it. */
class Registry
{
  public:
    Registry() noexcept
    {
        llmobs_status st = LLMOBS_OK;
        h_ = llmobs_registry_new(&st);
        st_ = h_ ? Status(LLMOBS_OK) : Status(st);
        owned_ = h_ != nullptr;
    }
    static Registry process_default() noexcept
    {
        return Registry(llmobs_registry_default());
    }
    ~Registry()
    {
        if (owned_) llmobs_registry_free(h_);
    }
    Registry(Registry &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), st_(o.st_), owned_(std::exchange(o.owned_, false))
    {
    }
    Registry &operator=(Registry &&o) noexcept
    {
        if (this != &o) {
            if (owned_) llmobs_registry_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            st_ = o.st_;
            owned_ = std::exchange(o.owned_, false);
        }
        return *this;
    }
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;

    llmobs_registry *get() const noexcept
    {
        return h_;
    }
    Status status() const noexcept
    {
        return st_;
    }
    Counter counter(const Str &name, const Str &help, std::initializer_list<Str> labels = {},
                    const Str &unit = nullptr)
    {
        auto l = detail::c_strs(labels);
        llmobs_family *f = nullptr;
        llmobs_status st = llmobs_counter_register(h_, name.c_str(), help.c_str(), unit.c_str(),
                                                   l.data(), l.size(), &f);
        return Counter(f, st);
    }
    Gauge gauge(const Str &name, const Str &help, std::initializer_list<Str> labels = {},
                const Str &unit = nullptr)
    {
        auto l = detail::c_strs(labels);
        llmobs_family *f = nullptr;
        llmobs_status st = llmobs_gauge_register(h_, name.c_str(), help.c_str(), unit.c_str(),
                                                 l.data(), l.size(), &f);
        return Gauge(f, st);
    }
    /** Empty `bounds`: the Prometheus default buckets. */
    Histogram histogram(const Str &name, const Str &help, std::initializer_list<Str> labels = {},
                        const std::vector<double> &bounds = {}, const Str &unit = nullptr)
    {
        auto l = detail::c_strs(labels);
        llmobs_family *f = nullptr;
        llmobs_status st = llmobs_histogram_register(
            h_, name.c_str(), help.c_str(), unit.c_str(), l.data(), l.size(),
            bounds.empty() ? nullptr : bounds.data(), bounds.size(), &f);
        return Histogram(f, st);
    }
    /** The exposition text ("" on error). */
    std::string render(llmobs_metrics_format format = LLMOBS_FORMAT_TEXT) const
    {
        char *text = nullptr;
        size_t len = 0;
        if (llmobs_metrics_render_string(h_, format, &text, &len) != LLMOBS_OK) return "";
        std::string out(text, len);
        llmobs_metrics_string_free(text);
        return out;
    }

  private:
    explicit Registry(llmobs_registry *borrowed) noexcept : h_(borrowed), st_(LLMOBS_OK) {}
    llmobs_registry *h_ = nullptr;
    Status st_ = LLMOBS_ESTATE;
    bool owned_ = false;
};

/** The scrape endpoint (GET /metrics) for a registry; stopped in the destructor. */
class MetricsServer
{
  public:
    MetricsServer(const Registry &registry, const Str &addr, const Str &token = nullptr) noexcept
    {
        st_ = llmobs_metrics_server_start_token(registry.get(), addr.c_str(), token.c_str(), &h_);
    }
    ~MetricsServer()
    {
        llmobs_metrics_server_stop(h_);
    }
    MetricsServer(const MetricsServer &) = delete;
    MetricsServer &operator=(const MetricsServer &) = delete;
    Status status() const noexcept
    {
        return st_;
    }
    uint16_t port() const noexcept
    {
        return llmobs_metrics_server_port(h_);
    }

  private:
    llmobs_metrics_server *h_ = nullptr;
    Status st_;
};

} // namespace llmobs

#endif
