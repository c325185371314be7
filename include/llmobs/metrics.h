/* llmobs/metrics.h: Prometheus metrics (registry, counters, gauges, histograms, exposition, scrape
 * server). Every function in this header is thread-safe, except that a handle must not be used
 * after the registry or server that owns it has been freed. */
#ifndef LLMOBS_METRICS_H
#define LLMOBS_METRICS_H

#include "llmobs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A set of metric families rendered together. */
typedef struct llmobs_registry llmobs_registry;
/** A metric family (counter, gauge or histogram) with fixed label names. */
typedef struct llmobs_family llmobs_family;
/** One labelled series (child) of a counter family. */
typedef struct llmobs_counter llmobs_counter;
/** One labelled series (child) of a gauge family. */
typedef struct llmobs_gauge llmobs_gauge;
/** One labelled series (child) of a histogram family. */
typedef struct llmobs_histogram llmobs_histogram;
/** An embedded HTTP server that serves a registry on GET /metrics. */
typedef struct llmobs_metrics_server llmobs_metrics_server;

/** Exposition formats. */
typedef enum llmobs_metrics_format {
    LLMOBS_FORMAT_TEXT = 0,       /* Prometheus text format 0.0.4 */
    LLMOBS_FORMAT_OPENMETRICS = 1 /* OpenMetrics 1.0.0 text */
} llmobs_metrics_format;

/** Default maximum number of children per family (see llmobs_family_set_max_children). */
#define LLMOBS_METRICS_DEFAULT_MAX_CHILDREN 10000
/** Label value of a family's overflow series: past the family's series cap, observations of
 * new label sets land in the one series whose every label has this value (the same bucket name
 * the cost tracker folds features into, LLMOBS_COST_OTHER). */
#define LLMOBS_METRICS_OVERFLOW "__other__"
/** Maximum number of label names per family. */
#define LLMOBS_METRICS_MAX_LABELS 16
/** Maximum number of finite bucket bounds per histogram. */
#define LLMOBS_METRICS_MAX_BUCKETS 64

/* ---- registries ------------------------------------------------------------------------ */

/** The process-wide default registry, created on first use; never NULL unless memory is
 * exhausted. It renders process metrics (process_cpu_seconds_total, ...) by default.
 * It lives until the process exits; llmobs_registry_free ignores it. Thread-safe. */
LLMOBS_API llmobs_registry *llmobs_registry_default(void);

/** Creates an empty registry (process metrics off). Returns NULL on failure and sets
 * `*status` (optional) to LLMOBS_ENOMEM. Free with llmobs_registry_free. Thread-safe. */
LLMOBS_API llmobs_registry *llmobs_registry_new(llmobs_status *status);

/** Frees a registry created by llmobs_registry_new, with all its families, children and
 * every handle obtained from them. NULL and the default registry are ignored. The caller
 * must ensure no other thread uses the registry or its handles during or after the call. */
LLMOBS_API void llmobs_registry_free(llmobs_registry *registry);

/** Turns the Linux process metrics (read from /proc at scrape time) on or off for a
 * registry. While on, names of the process families cannot be registered in it.
 * Errors: LLMOBS_EINVAL (NULL registry). Thread-safe. */
LLMOBS_API llmobs_status llmobs_registry_set_process_metrics(llmobs_registry *registry,
                                                             int enabled);

/* ---- families -------------------------------------------------------------------------- */

/** Registers a counter family, or returns the existing one when `name` was already
 * registered in `registry` with an identical definition.
 * `name` must match [a-zA-Z_:][a-zA-Z0-9_:]* (at most 200 bytes, as are label names); a counter's
 * samples always carry the suffix
 * `_total` ("llm_requests" and "llm_requests_total" name the same family).
 * `help` is required (may be ""), `unit` is optional (NULL or ""; when set the name without
 * `_total` must end in "_<unit>"). `label_names` holds `n_labels` names matching
 * [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", unique. All strings are copied.
 * Errors: LLMOBS_EINVAL (bad name, label or argument), LLMOBS_EEXIST (same name, different
 * definition or type), LLMOBS_ENOMEM. Thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_register(llmobs_registry *registry, const char *name,
                                                 const char *help, const char *unit,
                                                 const char *const *label_names, size_t n_labels,
                                                 llmobs_family **out);

/** Registers a gauge family; same rules and errors as llmobs_counter_register (no suffix is
 * added to a gauge's name). Thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_register(llmobs_registry *registry, const char *name,
                                               const char *help, const char *unit,
                                               const char *const *label_names, size_t n_labels,
                                               llmobs_family **out);

/** Registers a histogram family; same rules and errors as llmobs_counter_register, plus:
 * the label name "le" is reserved; `bounds` holds `n_bounds` finite, strictly increasing
 * upper bounds (a final +Inf is accepted and ignored; the +Inf bucket is always added).
 * `bounds` NULL with `n_bounds` 0 selects the Prometheus defaults
 * (.005 .01 .025 .05 .1 .25 .5 1 2.5 5 10). At most LLMOBS_METRICS_MAX_BUCKETS bounds.
 * Thread-safe. */
LLMOBS_API llmobs_status llmobs_histogram_register(llmobs_registry *registry, const char *name,
                                                   const char *help, const char *unit,
                                                   const char *const *label_names, size_t n_labels,
                                                   const double *bounds, size_t n_bounds,
                                                   llmobs_family **out);

/** Writes `count` bounds start, start+width, ... into `out` (caller array of `count`).
 * Errors: LLMOBS_EINVAL (NULL out, count 0, width <= 0, non-finite). Thread-safe. */
LLMOBS_API llmobs_status llmobs_buckets_linear(double start, double width, size_t count,
                                               double *out);

/** Writes `count` bounds start, start*factor, ... into `out` (caller array of `count`).
 * Errors: LLMOBS_EINVAL (NULL out, count 0, start <= 0, factor <= 1, non-finite).
 * Thread-safe. */
LLMOBS_API llmobs_status llmobs_buckets_exponential(double start, double factor, size_t count,
                                                    double *out);

/** Sets the maximum number of children (label-value tuples) of a family. Past it, a lookup
 * of a new label set succeeds with the family's overflow series (every label
 * LLMOBS_METRICS_OVERFLOW, created past the cap, so a family holds at most max + 1 series)
 * and is counted (llmobs_family_refused_total, and the rendered counter
 * llmobs_metrics_cardinality_overflow_total{family}). Existing children are kept even if the
 * new maximum is lower. Errors: LLMOBS_EINVAL. Thread-safe. */
LLMOBS_API llmobs_status llmobs_family_set_max_children(llmobs_family *family, size_t max);

/** Number of lookups of new label sets that the cardinality guard sent to the overflow
 * series since the family was registered; 0 for NULL. Thread-safe. */
LLMOBS_API uint64_t llmobs_family_refused_total(const llmobs_family *family);

/** Current number of children of a family; 0 for NULL. Thread-safe. */
LLMOBS_API size_t llmobs_family_children(const llmobs_family *family);

/** Removes the child with these label values; it disappears from the next scrape. Handles
 * to it stay valid (updates to them are ignored by scrapes) until the registry is freed:
 * removed children are reclaimed only then, so remove/clear are meant for occasional
 * resets, not for churning through label values.
 * Errors: LLMOBS_EINVAL, LLMOBS_ENOTFOUND. Thread-safe. */
LLMOBS_API llmobs_status llmobs_family_remove(llmobs_family *family,
                                              const char *const *label_values, size_t n);

/** Removes every child of a family (same handle rules as llmobs_family_remove). A family
 * without labels gets a fresh zero child. Errors: LLMOBS_EINVAL. Thread-safe. */
LLMOBS_API llmobs_status llmobs_family_clear(llmobs_family *family);

/* ---- children and the hot path ---------------------------------------------------------
 * Lookup by label values (`*_labels`) is a lock-free hash lookup once the child exists and
 * allocates only when it creates the child. Updates on a child are lock-free atomics with no
 * allocation. Label values are any NUL-terminated UTF-8 (copied; invalid bytes render as
 * U+FFFD); `n` must equal the family's label count. Lookup errors: LLMOBS_EINVAL (NULL, wrong
 * family type, wrong count), LLMOBS_ENOMEM (past the cardinality
 * cap a new label set gets the overflow series, see llmobs_family_set_max_children). */

/* llmobs_last_error(): every function here sets it on failure; the lookup and update functions
 * of this section leave it untouched on success (they are the hot path), the others clear it. */

/** Finds or creates the counter child for `label_values`; `*out` stays valid until the
 * registry is freed. Thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_labels(llmobs_family *family,
                                               const char *const *label_values, size_t n,
                                               llmobs_counter **out);
/** Adds 1. Errors: LLMOBS_EINVAL (NULL). Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_inc(llmobs_counter *counter);
/** Adds `amount` (finite, >= 0). Errors: LLMOBS_EINVAL. Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_add(llmobs_counter *counter, double amount);
/** Reads the current value into `*out`. Errors: LLMOBS_EINVAL. Thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_get(const llmobs_counter *counter, double *out);
/** Looks up (or creates) the child and adds `amount` to it. Thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_add_labels(llmobs_family *family,
                                                   const char *const *label_values, size_t n,
                                                   double amount);

/** Looks up (or creates) the child and adds 1 to it. Thread-safe. */
LLMOBS_API llmobs_status llmobs_counter_inc_labels(llmobs_family *family,
                                                   const char *const *label_values, size_t n);

/** Finds or creates the gauge child for `label_values`. Thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_labels(llmobs_family *family, const char *const *label_values,
                                             size_t n, llmobs_gauge **out);
/** Sets the value (any double, including NaN and infinities). Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_set(llmobs_gauge *gauge, double value);
/** Adds `delta` (may be negative; must not be NaN). Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_add(llmobs_gauge *gauge, double delta);
/** Adds 1. Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_inc(llmobs_gauge *gauge);
/** Subtracts 1. Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_dec(llmobs_gauge *gauge);
/** Reads the current value into `*out`. Errors: LLMOBS_EINVAL. Thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_get(const llmobs_gauge *gauge, double *out);
/** Looks up (or creates) the child and sets it to `value`. Thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_set_labels(llmobs_family *family,
                                                 const char *const *label_values, size_t n,
                                                 double value);
/** Looks up (or creates) the child and adds `delta` to it. Thread-safe. */
LLMOBS_API llmobs_status llmobs_gauge_add_labels(llmobs_family *family,
                                                 const char *const *label_values, size_t n,
                                                 double delta);

/** Finds or creates the histogram child for `label_values`. Thread-safe. */
LLMOBS_API llmobs_status llmobs_histogram_labels(llmobs_family *family,
                                                 const char *const *label_values, size_t n,
                                                 llmobs_histogram **out);
/** Records one observation (must not be NaN). Lock-free, thread-safe. */
LLMOBS_API llmobs_status llmobs_histogram_observe(llmobs_histogram *histogram, double value);
/** Looks up (or creates) the child and records one observation. Thread-safe. */
LLMOBS_API llmobs_status llmobs_histogram_observe_labels(llmobs_family *family,
                                                         const char *const *label_values, size_t n,
                                                         double value);
/** Reads the number and the sum of observations (either pointer may be NULL).
 * Errors: LLMOBS_EINVAL. Thread-safe. */
LLMOBS_API llmobs_status llmobs_histogram_get(const llmobs_histogram *histogram, uint64_t *count,
                                              double *sum);

/* ---- exposition ------------------------------------------------------------------------ */

/** Renders `registry` into the caller's buffer `buf` of `cap` bytes, NUL-terminated.
 * `*needed` (optional) receives the length of the exposition without the NUL. When
 * `cap < length + 1` nothing usable is written and LLMOBS_ELIMIT is returned; call again
 * with a buffer of at least `*needed + 1` bytes (a concurrent update may change the size).
 * Errors: LLMOBS_EINVAL, LLMOBS_ELIMIT, LLMOBS_ENOMEM. Thread-safe; concurrent renders and
 * updates are allowed. */
LLMOBS_API llmobs_status llmobs_metrics_render(llmobs_registry *registry,
                                               llmobs_metrics_format format, char *buf, size_t cap,
                                               size_t *needed);

/** Renders `registry` into a library-owned NUL-terminated string `*out` of `*len` bytes
 * (`len` optional); free it with llmobs_metrics_string_free. Errors: LLMOBS_EINVAL,
 * LLMOBS_ENOMEM. Thread-safe. */
LLMOBS_API llmobs_status llmobs_metrics_render_string(llmobs_registry *registry,
                                                      llmobs_metrics_format format, char **out,
                                                      size_t *len);

/** Frees a string returned by this header's functions. NULL is ignored. Thread-safe. */
LLMOBS_API void llmobs_metrics_string_free(char *s);

/** The format a scraper sending this `Accept` header should get: OpenMetrics when
 * application/openmetrics-text (version 1.0.0 or unversioned) has the highest q value, the
 * text format otherwise (also for NULL or ""). Thread-safe. */
LLMOBS_API llmobs_metrics_format llmobs_metrics_format_for_accept(const char *accept);

/** The Content-Type of a format ("text/plain; version=0.0.4; charset=utf-8" or
 * "application/openmetrics-text; version=1.0.0; charset=utf-8"); static storage. */
LLMOBS_API const char *llmobs_metrics_content_type(llmobs_metrics_format format);

/** For services with their own HTTP server: negotiates on `accept` (may be NULL), renders
 * `registry` into `*body` (free with llmobs_metrics_string_free) of `*len` bytes and sets
 * `*content_type` (static storage). Errors: LLMOBS_EINVAL, LLMOBS_ENOMEM. Thread-safe. */
LLMOBS_API llmobs_status llmobs_metrics_render_for_accept(llmobs_registry *registry,
                                                          const char *accept, char **body,
                                                          size_t *len, const char **content_type);

/* ---- scrape server --------------------------------------------------------------------- */

/** Starts an HTTP server (libmicrohttpd, its own thread) serving `registry` on
 * GET /metrics (content negotiation, gzip when accepted) and GET /healthz ("ok"); other
 * paths get 404 and other methods 405. At most 32 concurrent connections, 10 s per
 * connection. `addr` is "host:port" with a numeric IPv4 host, "[IPv6]:port" or
 * "localhost:port"; port 0 picks a free port (see llmobs_metrics_server_port). NULL uses
 * the environment variable LLMOBS_METRICS_ADDR, else "127.0.0.1:9464".
 * The registry must outlive the server. Errors: LLMOBS_EINVAL (bad address),
 * LLMOBS_EIO (cannot bind), LLMOBS_ENOMEM. Thread-safe. */
LLMOBS_API llmobs_status llmobs_metrics_server_start(llmobs_registry *registry, const char *addr,
                                                     llmobs_metrics_server **out);

/** The TCP port the server is bound to; 0 for NULL. Thread-safe. */
/** Like llmobs_metrics_server_start, but GET /metrics requires the header
 * "Authorization: Bearer <bearer_token>" (401 otherwise; Prometheus: `authorization:
 * credentials`). /healthz stays open. NULL or "" token: no authentication. */
LLMOBS_API llmobs_status llmobs_metrics_server_start_token(llmobs_registry *registry,
                                                           const char *addr,
                                                           const char *bearer_token,
                                                           llmobs_metrics_server **out);
LLMOBS_API uint16_t llmobs_metrics_server_port(const llmobs_metrics_server *server);

/** Stops the server (waits for its thread) and frees it. NULL is ignored. Must be called
 * once per server, from any one thread. */
LLMOBS_API void llmobs_metrics_server_stop(llmobs_metrics_server *server);

#ifdef __cplusplus
}
#endif
#endif
