/* llmobs/experiment.h: golden-dataset experiments: run your pipeline on every item of a Langfuse
 * dataset (or a local JSON Lines file), trace each call as the item's root observation with the
 * langfuse.experiment.* attributes Langfuse v4 reads, score it (LLM judge and/or your scorers)
 * and aggregate per evaluator. Thread-safety: an experiment handle is configured and run by one
 * thread at a time; during llmobs_experiment_run the task and scorers are called concurrently
 * from worker threads (up to the concurrency), each with its own item; an item handle is valid
 * only inside the callback it was passed to. See docs/eval.md. */
#ifndef LLMOBS_EXPERIMENT_H
#define LLMOBS_EXPERIMENT_H

#include "llmobs/client.h"
#include "llmobs/common.h"
#include "llmobs/eval.h"
#include "llmobs/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_experiment llmobs_experiment;
typedef struct llmobs_experiment_item llmobs_experiment_item;

/** The pipeline under test, called once per item on a worker thread. Read the input with
 * llmobs_experiment_item_input, set the output with llmobs_experiment_item_set_output(_json),
 * trace inner steps under llmobs_experiment_item_trace. Return 0 on success; anything else
 * (or llmobs_experiment_item_set_error) makes the item a failure: it is not scored. */
typedef int (*llmobs_experiment_task_fn)(llmobs_experiment_item *item, void *userdata);

/** A user scorer, called on a worker thread after a successful task: writes a score (a finite
 * number; with a threshold, in [0, 1]) into *score and returns 0, or returns non-zero for an
 * evaluator error (counted, no score sent). */
typedef int (*llmobs_experiment_scorer_fn)(const llmobs_experiment_item *item, double *score,
                                           void *userdata);

/** Creates an experiment run named `run_name` (the Langfuse experiment / dataset run name)
 * whose traces and scores go to `client` (borrowed; must outlive the experiment). NULL on
 * failure with the reason in *status (optional). Defaults: concurrency 4, item timeout 300 s. */
LLMOBS_API llmobs_experiment *llmobs_experiment_new(llmobs_client *client, const char *run_name,
                                                    llmobs_status *status);
/** Frees an experiment. NULL-safe. Must not be called while llmobs_experiment_run runs. */
LLMOBS_API void llmobs_experiment_free(llmobs_experiment *x);

/** The items: a Langfuse dataset by name (GET /api/public/v2/datasets/{name}, then the pages of
 * GET /api/public/dataset-items; ARCHIVED items are skipped and counted), read with the
 * client's base_url and keys unless llmobs_experiment_set_langfuse says otherwise. The last of
 * set_dataset / set_file wins. */
LLMOBS_API llmobs_status llmobs_experiment_set_dataset(llmobs_experiment *x, const char *name);
/** The items: a JSON Lines file, one object per line {"input": any JSON, "expected_output"?
 * (or "expectedOutput"), "metadata"?, "id"? (string; default "<file name>:<line>")}. Blank
 * lines are skipped; a line that is not such an object is counted as malformed and skipped. */
LLMOBS_API llmobs_status llmobs_experiment_set_file(llmobs_experiment *x, const char *path);
/** Reads the Langfuse dataset as it was at `iso_time` (RFC 3339 UTC; the `version` query
 * parameter; NULL or "": the latest). */
LLMOBS_API llmobs_status llmobs_experiment_set_dataset_version(llmobs_experiment *x,
                                                               const char *iso_time);
/** Where to read the dataset and link run items: base URL and keys (NULL: the client's). */
LLMOBS_API llmobs_status llmobs_experiment_set_langfuse(llmobs_experiment *x, const char *base_url,
                                                        const char *public_key,
                                                        const char *secret_key);
/** The run's description (langfuse.experiment.description). */
LLMOBS_API llmobs_status llmobs_experiment_set_description(llmobs_experiment *x, const char *text);
/** The run's metadata, a JSON object (langfuse.experiment.metadata; EPARSE otherwise). */
LLMOBS_API llmobs_status llmobs_experiment_set_metadata_json(llmobs_experiment *x,
                                                             const char *json);
/** Items processed at the same time: 1 to 64. */
LLMOBS_API llmobs_status llmobs_experiment_set_concurrency(llmobs_experiment *x, int32_t n);
/** Deadline of one item's task in seconds (0: none). The task sees the time left with
 * llmobs_experiment_item_remaining_ms; a task that returns after its deadline is counted as
 * timed out and its output is not scored (a C function cannot be interrupted: run waits for
 * it to return). */
LLMOBS_API llmobs_status llmobs_experiment_set_item_timeout(llmobs_experiment *x, double seconds);
/** Linking run items with POST /api/public/dataset-run-items (Langfuse v2/v3): -1 (default)
 * when the client uses the legacy ingestion exporter, 0 never, 1 always. Only Langfuse dataset
 * items are linked (a file's items have no dataset item id). */
LLMOBS_API llmobs_status llmobs_experiment_set_link_run_items(llmobs_experiment *x, int mode);

/** Adds a user scorer named `name` (the score name). `threshold` in [0, 1]: a score passes
 * when >= threshold; a negative threshold: no pass rate for this evaluator. */
LLMOBS_API llmobs_status llmobs_experiment_add_scorer(llmobs_experiment *x, const char *name,
                                                      llmobs_experiment_scorer_fn fn,
                                                      void *userdata, double threshold);
/** Adds the article's accuracy judge as an evaluator named `name`: the question is the item's
 * input, the response the task's output, and the criteria (NULL: the judge's default) ask for
 * agreement with the item's expected output when it has one. `judge` is borrowed (must outlive
 * the run); its calls are serialized (a judge handle serves one thread at a time). `threshold`
 * as llmobs_experiment_add_scorer (negative: LLMOBS_EVAL_DEFAULT_THRESHOLD). */
LLMOBS_API llmobs_status llmobs_experiment_add_judge(llmobs_experiment *x, const char *name,
                                                     llmobs_judge *judge, const char *criteria,
                                                     double threshold);

/** Runs the experiment: loads the items, then for each one (up to the concurrency at once)
 * starts a trace "experiment-item-run" whose root observation carries the item's input, the
 * task's output and the langfuse.experiment.* attributes, calls `task`, runs the evaluators on
 * a success and queues their scores on the item's trace, and links the run item when linking
 * is on. Returns LLMOBS_OK when the items could be loaded (item failures are counted, see
 * llmobs_experiment_count); LLMOBS_EIO / ENOTFOUND / EPARSE when the file cannot be read or has
 * no valid item, ENETWORK / ETIMEOUT / EINVAL (refused keys) when the dataset cannot be read,
 * EINVAL without items or task, ESTATE when already run. Detail in llmobs_last_error(). */
LLMOBS_API llmobs_status llmobs_experiment_run(llmobs_experiment *x, llmobs_experiment_task_fn task,
                                               void *userdata);

/* ---- the item, inside the callbacks ------------------------------------------------------- */

/** The dataset item id. Borrowed for the callback. */
LLMOBS_API const char *llmobs_experiment_item_id(const llmobs_experiment_item *item);
/** The input as compact JSON text ("null" when absent). */
LLMOBS_API const char *llmobs_experiment_item_input(const llmobs_experiment_item *item);
/** The expected output as compact JSON text; NULL when the item has none. */
LLMOBS_API const char *llmobs_experiment_item_expected_output(const llmobs_experiment_item *item);
/** The item metadata as compact JSON text; NULL when none. */
LLMOBS_API const char *llmobs_experiment_item_metadata(const llmobs_experiment_item *item);
/** The task's output (text or JSON text as set); NULL before it was set. */
LLMOBS_API const char *llmobs_experiment_item_output(const llmobs_experiment_item *item);
/** The item's trace, to start child observations under the root (do not end it). */
LLMOBS_API llmobs_trace *llmobs_experiment_item_trace(llmobs_experiment_item *item);
/** Milliseconds left before the item's deadline (0 when passed); -1 without a deadline. */
LLMOBS_API int64_t llmobs_experiment_item_remaining_ms(const llmobs_experiment_item *item);
/** Sets the output as plain text / as JSON text (EPARSE if not valid JSON). Copied. */
LLMOBS_API llmobs_status llmobs_experiment_item_set_output(llmobs_experiment_item *item,
                                                           const char *text);
LLMOBS_API llmobs_status llmobs_experiment_item_set_output_json(llmobs_experiment_item *item,
                                                                const char *json);
/** Marks the item failed with a message (reported; the root observation gets level ERROR and
 * the message, cut to its first 4 KiB, as status message). */
LLMOBS_API llmobs_status llmobs_experiment_item_set_error(llmobs_experiment_item *item,
                                                          const char *message);

/* ---- results ------------------------------------------------------------------------------ */

typedef enum llmobs_experiment_counter {
    LLMOBS_EXPERIMENT_ITEMS = 0,        /* valid items run */
    LLMOBS_EXPERIMENT_SUCCEEDED = 1,    /* task returned 0 in time */
    LLMOBS_EXPERIMENT_FAILED = 2,       /* task returned non-zero or set an error */
    LLMOBS_EXPERIMENT_TIMED_OUT = 3,    /* task returned after the item deadline */
    LLMOBS_EXPERIMENT_MALFORMED = 4,    /* items skipped: not an object, no id, no input */
    LLMOBS_EXPERIMENT_ARCHIVED = 5,     /* Langfuse items skipped: status ARCHIVED */
    LLMOBS_EXPERIMENT_SCORES_SENT = 6,  /* scores queued on the client */
    LLMOBS_EXPERIMENT_SCORE_ERRORS = 7, /* evaluator errors and scores the client refused */
    LLMOBS_EXPERIMENT_LINKED = 8,       /* dataset run items created */
    LLMOBS_EXPERIMENT_LINK_ERRORS = 9,  /* dataset run items Langfuse did not create */
    LLMOBS_EXPERIMENT_TRACE_ERRORS = 10 /* items whose trace could not be started or ended */
} llmobs_experiment_counter;

/** Reads one counter of the last run. */
LLMOBS_API llmobs_status llmobs_experiment_count(const llmobs_experiment *x,
                                                 llmobs_experiment_counter which, uint64_t *out);
/** Number of evaluators added. */
LLMOBS_API size_t llmobs_experiment_evaluator_count(const llmobs_experiment *x);
/** Results of evaluator `i` (any out pointer may be NULL): its name (borrowed), the mean score
 * over scored items (NaN when none), the pass rate over all items run — failed, timed-out and
 * unscored items count as not passing — (NaN without a threshold or without items), the number
 * of scores and of evaluator errors (the evaluator failed on an item whose task succeeded). */
LLMOBS_API llmobs_status llmobs_experiment_evaluator_result(const llmobs_experiment *x, size_t i,
                                                            const char **name, double *mean,
                                                            double *pass_rate, uint64_t *scored,
                                                            uint64_t *errors);
/** The run as JSON text: {"experiment_id", "run", "dataset", "dataset_id", "counts": {...},
 * "evaluators": [{"name", "mean", "pass_rate", "scored", "errors"}], "failures": [{"item",
 * "reason"}] (the first 1000)}; NaN values are null. Borrowed until the next call or
 * llmobs_experiment_free; NULL for NULL or out of memory. */
LLMOBS_API const char *llmobs_experiment_summary_json(llmobs_experiment *x);
/** The experiment id (16 hex, langfuse.experiment.id), chosen at creation. Borrowed. */
LLMOBS_API const char *llmobs_experiment_id(const llmobs_experiment *x);

#ifdef __cplusplus
}
#endif
#endif
