/* Internal: the cost tracker behind include/llmobs/cost.h, and its hooks for the tracing
 * client and the metrics registry.
 *
 * How the client uses it
 * ----------------------
 * The client owns one tracker, built after llmobs__options_apply_env:
 *
 *     client->cost = llmobs__cost_tracker_create(opts, &client->log, &status);
 *
 * (it reads prices_file, budgets and budget_thresholds; a bad prices file fails client
 * creation with the file/line/field in llmobs_last_error). The tracker knows nothing of
 * tracing: it sees an ended generation only as the record of core/generation.h. The client
 * installs llmobs__cost_generation as the tracer's price hook: one pass that prices the
 * generation (one price lookup: the amounts for the Langfuse usage buckets input, output,
 * input_cached_tokens, input_cache_creation, output_reasoning_tokens -- "total" is never priced
 * -- and the context window) and records the spend. Tracing
 * writes priced amounts of a known model into the span's cost details, so
 * `langfuse.observation.cost_details` shows the same numbers that are recorded here; cost
 * details the caller set are kept, and their "total" (or their sum) is what gets recorded.
 * Budget alerts, the unknown-model warning and the hooks below run inside that call, on the
 * thread that ended the generation, with no llmobs lock held.
 *
 * How the metrics integration uses it
 * -----------------------------------
 * llmobs__cost_tracker_set_hooks installs callbacks that run after every record, outside the
 * tracker's lock, on the recording thread:
 *   on_record          -> llm_cost_usd_total{model,feature} += total,
 *                         llm_cost_per_request_usd{model,feature}.observe(total)
 *                         (buckets: LLMOBS__COST_PER_REQUEST_BUCKETS); not for ended
 *                         generations (llmobs__cost_generation), whose caller records
 *                         those with the generation's other metrics
 *   on_unknown_model   -> llm_cost_unknown_model_total{model} += 1
 *   on_budget          -> llm_daily_budget_remaining_usd{feature} = remaining,
 *                         llm_daily_budget_usd{feature} = budget
 * The budget gauges must also be correct after midnight without a new record: render them at
 * scrape time from llmobs_cost_feature_at (which applies the UTC-midnight reset) rather than
 * only from on_budget. Labels are the names the tracker keeps (folded into LLMOBS_COST_OTHER
 * beyond the cardinality limits), so the metric sets stay bounded too. */
#ifndef LLMOBS_COST_COST_H
#define LLMOBS_COST_COST_H

#include "core/log.h"
#include "llmobs/cost.h"
#include "core/generation.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The article's buckets for llm_cost_per_request_usd (USD). */
#define LLMOBS__COST_PER_REQUEST_BUCKETS                                                           \
    {                                                                                              \
        0.0001, 0.001, 0.01, 0.05, 0.10, 0.25, 0.50, 1.00, 2.50, 5.00                              \
    }
#define LLMOBS__COST_PER_REQUEST_BUCKET_COUNT 10

/* Cardinality limits: names beyond them are folded into LLMOBS_COST_OTHER. */
#define LLMOBS__COST_MAX_FEATURES 1024
#define LLMOBS__COST_MAX_MODELS 1024
#define LLMOBS__COST_MAX_UNKNOWN_MODELS 256
#define LLMOBS__COST_MAX_USERS_LIMIT 100000
#define LLMOBS__COST_DEFAULT_USERS 100
#define LLMOBS__COST_MAX_THRESHOLDS 16
/* Tolerance of the budget guard, in USD. */
#define LLMOBS__COST_BUDGET_EPSILON 1e-9

/* ---- price table (prices.c) ---------------------------------------------------------- */

/* One model's prices, USD per 1M tokens, indexed by llmobs_price_kind. */
typedef struct llmobs__price {
    const char *model;
    double usd_per_mtok[LLMOBS_PRICE_KIND_COUNT];
    int64_t context_window; /* tokens; 0 = unknown */
} llmobs__price;

/* The built-in table: the i-th entry, or NULL past the end. */
const llmobs__price *llmobs__price_builtin_at(size_t i);
size_t llmobs__price_builtin_count(void);

/* The matching rule, over the union of an overlay (file and API entries; wins on equal
 * names) and the built-in table. Returns the entry or NULL. */
const llmobs__price *llmobs__price_match(const llmobs__price *overlay, size_t noverlay,
                                         const char *model);

/* Cost arithmetic: tokens[kind] × price / 1e6 for each kind, and the total. */
void llmobs__price_apply(const double usd_per_mtok[LLMOBS_PRICE_KIND_COUNT],
                         const int64_t tokens[LLMOBS_PRICE_KIND_COUNT],
                         double cost_out[LLMOBS_COST_KIND_COUNT]);

/* ---- price file (price_file.c) -------------------------------------------------------- */

/* Parses a price file's text into a new array of entries (model names heap-allocated).
 * `origin` names the file in errors. All or nothing. */
llmobs_status llmobs__price_file_parse(const char *text, size_t len, const char *origin,
                                       llmobs__price **out, size_t *nout);
void llmobs__price_list_free(llmobs__price *list, size_t n);

/* ---- option strings (budget_spec.c) --------------------------------------------------- */

typedef llmobs_status (*llmobs__budget_add_fn)(const char *feature, double usd, void *ud);

/* Parses "feature=usd,feature2=usd" (whitespace around items ignored, "" = none). `add` may
 * be NULL to only validate. Errors name `key` (the option) and the item at fault. */
llmobs_status llmobs__cost_parse_budgets(const char *key, const char *spec,
                                         llmobs__budget_add_fn add, void *ud);
/* Parses "0.8,0.9,1.0" into out (sorted); errors name `key`. */
llmobs_status llmobs__cost_parse_thresholds(const char *key, const char *spec,
                                            double out[LLMOBS__COST_MAX_THRESHOLDS], size_t *n);
/* Validators with the option table's check signature. */
llmobs_status llmobs__cost_check_budgets(const char *key, const char *value);
llmobs_status llmobs__cost_check_thresholds(const char *key, const char *value);

/* ---- tracker (tracker.c) -------------------------------------------------------------- */

/* Creates a tracker from options whose environment was already applied (NULL = defaults).
 * `log` (optional) is copied. */
llmobs_cost_tracker *llmobs__cost_tracker_create(const llmobs_options *opts,
                                                 const llmobs__logger *log, llmobs_status *status);

/* Wall clock, ns since the Unix epoch (UTC). Tests inject one; NULL restores the real one. */
typedef int64_t (*llmobs__cost_clock_fn)(void *ud);
void llmobs__cost_tracker_set_clock(llmobs_cost_tracker *t, llmobs__cost_clock_fn fn, void *ud);

typedef struct llmobs__cost_hooks {
    void (*on_record)(void *ud, const char *model, const char *feature,
                      const double cost[LLMOBS_COST_KIND_COUNT]);
    void (*on_unknown_model)(void *ud, const char *model);
    void (*on_budget)(void *ud, const char *feature, double budget_usd, double remaining_usd);
    void *ud;
} llmobs__cost_hooks;

/* Installs (copies) the hooks; NULL removes them. */
void llmobs__cost_tracker_set_hooks(llmobs_cost_tracker *t, const llmobs__cost_hooks *hooks);

/* The client's cost pass over an ended generation (the tracer's price hook), in one locked
 * section: the model's price looked up once (context window included); unless the caller set
 * cost details or no usage is present, the amounts into g->cost with g->priced and
 * g->price_known; then the spend (priced, or the caller's) recorded, counting an unknown
 * model, with g->cost_recorded and the labels it was recorded under in g->label_model and
 * g->label_feature (for a generation that records nothing: the labels the cost metrics would
 * use now). Alerts, warnings and the on_unknown_model/on_budget hooks run on this thread after
 * the lock is released; on_record does not: a generation's cost metrics are its caller's to
 * record, with the generation's other metrics (client.c). */
void llmobs__cost_generation(void *tracker, llmobs__generation *g);

/* The model and feature labels the cost metrics use for these names right now: the names
 * themselves ("unknown" for NULL or empty), or LLMOBS_COST_OTHER where the tracker folds them
 * past its cardinality limits. The request, token, latency and in-flight metrics use them too,
 * so every metric of a generation carries the same labels (llmobs__cost_generation puts
 * them into the record as label_model and label_feature). Each result is the input pointer, a
 * string constant or LLMOBS_COST_OTHER. Takes the tracker's lock; NULL arguments: no-op. */
void llmobs__cost_metric_labels(llmobs_cost_tracker *t, const char **model, const char **feature);

#endif
