/* llmobs/cost.h: token prices, cost per call, daily per-feature budgets with alerts and a
 * pre-call guard, usable on its own (no tracing) through a cost tracker.
 * Thread-safety: every function taking a tracker is safe from any thread concurrently, except
 * llmobs_cost_tracker_free, which must be the last call on a tracker. */
#ifndef LLMOBS_COST_H
#define LLMOBS_COST_H

#include "llmobs/common.h"
#include "llmobs/options.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_cost_tracker llmobs_cost_tracker;

/** Priced token types: the index of a price in the 5-entry price arrays below. They match
 * the disjoint Langfuse usage buckets: "input" (uncached input), "output" (excluding
 * reasoning), "input_cached_tokens", "input_cache_creation", "output_reasoning_tokens". */
typedef enum llmobs_price_kind {
    LLMOBS_PRICE_INPUT = 0,
    LLMOBS_PRICE_OUTPUT = 1,
    LLMOBS_PRICE_CACHE_READ = 2,
    LLMOBS_PRICE_CACHE_WRITE = 3,
    LLMOBS_PRICE_REASONING = 4,
    LLMOBS_PRICE_KIND_COUNT = 5
} llmobs_price_kind;

/** Entries of a cost-details array (USD): one per priced token type, then the total. */
typedef enum llmobs_cost_kind {
    LLMOBS_COST_INPUT = 0,
    LLMOBS_COST_OUTPUT = 1,
    LLMOBS_COST_CACHE_READ = 2,
    LLMOBS_COST_CACHE_WRITE = 3,
    LLMOBS_COST_REASONING = 4,
    LLMOBS_COST_TOTAL = 5,
    LLMOBS_COST_KIND_COUNT = 6
} llmobs_cost_kind;

/** Name of the bucket that aggregates users beyond the per-user limit, features beyond the
 * feature limit and models beyond the model limit. */
#define LLMOBS_COST_OTHER "__other__"
/** Feature name used when a spend is recorded with a NULL or empty feature. */
#define LLMOBS_COST_NO_FEATURE "unknown"

/** Budget alert: `feature` crossed `threshold` (a fraction of its daily budget, e.g. 0.9)
 * with `spent_usd` spent today against `budget_usd`. `message` is a preformatted English
 * line. Each threshold fires at most once per feature per UTC day. Called on the thread
 * whose llmobs_cost_record (or generation end) crossed the threshold, after every llmobs
 * lock was released; alerts for different thresholds raised by different threads may arrive
 * in either order. Strings are valid only during the call. */
typedef void (*llmobs_budget_alert_fn)(const char *feature, double threshold, double spent_usd,
                                       double budget_usd, const char *message, void *userdata);

/** Creates a tracker holding the built-in price table. `opts` (optional, not taken over)
 * supplies prices_file, budgets, budget_thresholds and the log callback; environment
 * variables fill its keys that were not set (precedence: setter > environment > default), as
 * llmobs_client_new does, which is why `opts` is not const. Returns NULL on failure with the
 * reason in *status (optional) and the option, file, line or field at fault in
 * llmobs_last_error(). */
LLMOBS_API llmobs_cost_tracker *llmobs_cost_tracker_new(llmobs_options *opts,
                                                        llmobs_status *status);
/** Frees a tracker. NULL-safe. */
LLMOBS_API void llmobs_cost_tracker_free(llmobs_cost_tracker *tracker);

/** Log callback for the tracker's warnings (unknown models, once per model). Without one
 * they go to stderr. Called on the recording thread, never under an llmobs lock. */
LLMOBS_API llmobs_status llmobs_cost_tracker_set_log_callback(llmobs_cost_tracker *tracker,
                                                              llmobs_log_fn fn, void *userdata);

/* ---- prices ------------------------------------------------------------------------------ */

/** Adds or replaces the prices of `model` (USD per 1M tokens). A negative `cache_read` or
 * `cache_write` means "billed as input", a negative `reasoning` "billed as output";
 * `context_window` is in tokens (0 = unknown). Overrides the built-in entry and earlier
 * file or API entries of the same name. EINVAL for a NULL/empty model, a negative or
 * non-finite input/output price or a negative context window. */
LLMOBS_API llmobs_status llmobs_cost_set_price(llmobs_cost_tracker *tracker, const char *model,
                                               double input, double output, double cache_read,
                                               double cache_write, double reasoning,
                                               int64_t context_window);

/** Loads a JSON price file (format in docs/cost.md) whose models are added or replace
 * entries of the same name. All or nothing: on any error the table is unchanged and
 * llmobs_last_error() names the file, the line when known, the model and the field.
 * LLMOBS_EIO when the file cannot be read, LLMOBS_EPARSE when it is malformed. */
LLMOBS_API llmobs_status llmobs_cost_load_prices_file(llmobs_cost_tracker *tracker,
                                                      const char *path);

/** Writes the table entry `model` resolves to (exact name, provider prefix stripped, then the
 * longest known name that is a prefix of it at a '-' boundary; see docs/cost.md) into `buf`.
 * LLMOBS_ENOTFOUND when no entry matches, LLMOBS_ELIMIT when `cap` is too small. */
LLMOBS_API llmobs_status llmobs_cost_resolve_model(llmobs_cost_tracker *tracker, const char *model,
                                                   char *buf, size_t cap);

/** Reads the price of one token type for `model` (USD per 1M tokens), after matching.
 * LLMOBS_ENOTFOUND for an unknown model. */
LLMOBS_API llmobs_status llmobs_cost_get_price(llmobs_cost_tracker *tracker, const char *model,
                                               llmobs_price_kind kind, double *usd_per_mtok);

/** Reads the context window of `model` in tokens (0 when the table does not know it).
 * LLMOBS_ENOTFOUND for an unknown model. */
LLMOBS_API llmobs_status llmobs_cost_context_window(llmobs_cost_tracker *tracker, const char *model,
                                                    int64_t *tokens);

/** Computes the cost of one call without recording it. Token counts are the disjoint
 * buckets (input excludes cached input, output excludes reasoning); negative counts are
 * EINVAL. `prices` (optional) is a per-call override of LLMOBS_PRICE_KIND_COUNT prices in
 * USD per 1M tokens; a negative entry falls back to the table. `cost_out` (optional)
 * receives LLMOBS_COST_KIND_COUNT amounts in USD. An unknown model (with no complete
 * override) is LLMOBS_ENOTFOUND and costs 0 for the types not overridden. */
LLMOBS_API llmobs_status llmobs_cost_compute(llmobs_cost_tracker *tracker, const char *model,
                                             int64_t input_tokens, int64_t output_tokens,
                                             int64_t cache_read_tokens, int64_t cache_write_tokens,
                                             int64_t reasoning_tokens, const double *prices,
                                             double *cost_out);

/* ---- recording and reading spend -------------------------------------------------------- */

/** Prices one call as llmobs_cost_compute does and adds it to today's spend of `feature`
 * (NULL/"" = LLMOBS_COST_NO_FEATURE), `model` and `user` (NULL = not tracked per user),
 * then fires the budget thresholds it crossed (see llmobs_budget_alert_fn). An unknown
 * model costs 0, is counted (llmobs_cost_unknown_model_count) and warned once per model:
 * the call still returns LLMOBS_OK because nothing was lost. */
LLMOBS_API llmobs_status llmobs_cost_record(llmobs_cost_tracker *tracker, const char *model,
                                            const char *feature, const char *user,
                                            int64_t input_tokens, int64_t output_tokens,
                                            int64_t cache_read_tokens, int64_t cache_write_tokens,
                                            int64_t reasoning_tokens, const double *prices,
                                            double *cost_out);

/** Adds an amount already known in USD (e.g. a provider-reported cost) to today's spend. */
LLMOBS_API llmobs_status llmobs_cost_record_usd(llmobs_cost_tracker *tracker, const char *model,
                                                const char *feature, const char *user, double usd);

/** Today's (UTC) spend in USD of a feature, a model or a user; 0 for a name never seen
 * today. A user beyond the per-user limit is counted in LLMOBS_COST_OTHER. */
LLMOBS_API llmobs_status llmobs_cost_spend_feature(llmobs_cost_tracker *tracker,
                                                   const char *feature, double *usd);
LLMOBS_API llmobs_status llmobs_cost_spend_model(llmobs_cost_tracker *tracker, const char *model,
                                                 double *usd);
LLMOBS_API llmobs_status llmobs_cost_spend_user(llmobs_cost_tracker *tracker, const char *user,
                                                double *usd);
/** Today's total spend over all features. */
LLMOBS_API llmobs_status llmobs_cost_spend_total(llmobs_cost_tracker *tracker, double *usd);

/** Bounds per-user tracking to `max_users` distinct users per day (default 100, 0 turns
 * per-user tracking off, at most 100000). When full, a new user displaces the smallest
 * tracked spender only if this call alone costs more than that user spent; the displaced
 * user's spend (and every spend not kept per user) moves to LLMOBS_COST_OTHER, so the users
 * plus LLMOBS_COST_OTHER always add up to the total. */
LLMOBS_API llmobs_status llmobs_cost_set_user_limit(llmobs_cost_tracker *tracker,
                                                    uint32_t max_users);

/** Enumerates today's tracked users (including LLMOBS_COST_OTHER when non-zero): the i-th
 * name into `buf` and its spend. LLMOBS_ENOTFOUND past the end. */
LLMOBS_API llmobs_status llmobs_cost_user_at(llmobs_cost_tracker *tracker, size_t i, char *buf,
                                             size_t cap, double *usd);

/** Enumerates today's features (every feature with a budget, and those with spend today):
 * the i-th name into `buf`, its spend today and its daily budget (0 when it has none).
 * Meant for rendering gauges at scrape time. LLMOBS_ENOTFOUND past the end. */
LLMOBS_API llmobs_status llmobs_cost_feature_at(llmobs_cost_tracker *tracker, size_t i, char *buf,
                                                size_t cap, double *spent_usd, double *budget_usd);

/** How often a model missing from the price table was recorded (0 if never). */
LLMOBS_API llmobs_status llmobs_cost_unknown_model_count(llmobs_cost_tracker *tracker,
                                                         const char *model, uint64_t *count);

/* ---- budgets ------------------------------------------------------------------------------ */

/** Sets the daily budget of `feature` in USD (> 0, finite). Spend resets at 00:00 UTC, not
 * 24 h after start. Thresholds not reached under the new budget are re-armed. */
LLMOBS_API llmobs_status llmobs_cost_set_budget(llmobs_cost_tracker *tracker, const char *feature,
                                                double daily_usd);
/** Removes the budget of `feature`. LLMOBS_ENOTFOUND if it had none. */
LLMOBS_API llmobs_status llmobs_cost_clear_budget(llmobs_cost_tracker *tracker,
                                                  const char *feature);
/** Reads the daily budget of `feature`. LLMOBS_ENOTFOUND if it has none. */
LLMOBS_API llmobs_status llmobs_cost_budget(llmobs_cost_tracker *tracker, const char *feature,
                                            double *daily_usd);
/** Reads today's remaining budget: max(0, budget - spent). LLMOBS_ENOTFOUND if none. */
LLMOBS_API llmobs_status llmobs_cost_budget_remaining(llmobs_cost_tracker *tracker,
                                                      const char *feature, double *usd);

/** Replaces the alert thresholds (fractions of the budget, each in (0, 100], at most 16,
 * no duplicates; sorted here). Default 0.8, 0.9, 1.0. A threshold that already fired today
 * (same value) does not fire again; a new one that today's spend already reached fires with
 * the feature's next record. */
LLMOBS_API llmobs_status llmobs_cost_set_budget_thresholds(llmobs_cost_tracker *tracker,
                                                           const double *fractions, size_t n);

/** Sets (or with NULL removes) the budget alert callback. */
LLMOBS_API llmobs_status llmobs_cost_set_budget_callback(llmobs_cost_tracker *tracker,
                                                         llmobs_budget_alert_fn fn, void *userdata);

/** Pre-call guard: would spending `estimated_cost_usd` (>= 0) more today on `feature` exceed
 * its daily budget? LLMOBS_OK when it fits (spent + estimate <= budget, with 1e-9 USD of
 * tolerance for rounding, so landing exactly on the budget is allowed) or when the feature
 * has no budget; LLMOBS_EBUDGET when it would exceed; LLMOBS_EINVAL for bad arguments.
 * `remaining_usd` (optional) receives the budget left before this call (+infinity without a
 * budget). Nothing is reserved: concurrent callers may all be told yes. */
LLMOBS_API llmobs_status llmobs_budget_check(llmobs_cost_tracker *tracker, const char *feature,
                                             double estimated_cost_usd, double *remaining_usd);

#ifdef __cplusplus
}
#endif
#endif
