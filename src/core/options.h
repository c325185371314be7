/* Internal: the options struct and the one table that drives parsing, environment,
 * validation and documentation of every option key. */
#ifndef LLMOBS_CORE_OPTIONS_H
#define LLMOBS_CORE_OPTIONS_H

#include "llmobs/options.h"

#include <stdbool.h>

typedef enum llmobs__exporter_kind {
    LLMOBS__EXPORTER_AUTO = 0, /* otlp when keys or an OTLP endpoint are set, else file */
    LLMOBS__EXPORTER_OTLP,
    LLMOBS__EXPORTER_FILE,
    LLMOBS__EXPORTER_CALLBACK,
    LLMOBS__EXPORTER_NONE,
    LLMOBS__EXPORTER_LANGFUSE_INGESTION
} llmobs__exporter_kind;

struct llmobs_options {
    /* Langfuse */
    char *public_key;
    char *secret_key;
    char *base_url;
    char *environment;
    char *release;
    /* batching and sampling */
    int64_t flush_at;
    double flush_interval_s;
    double sample_rate;
    double timeout_s;
    bool debug;
    bool enabled;
    bool strict; /* misconfiguration fails llmobs_client_new instead of a warning */
    /* OTLP */
    char *otlp_endpoint;
    char *otlp_traces_endpoint;
    char *otlp_headers;
    int otlp_compression; /* 0 none, 1 gzip */
    double otlp_timeout_s;
    int otlp_attributes; /* llmobs__otlp_view: 0 all, 1 genai, 2 langfuse */
    char *service_name;
    /* llmobs */
    int exporter;
    char *file_path;
    int64_t max_queue_items;
    int64_t max_queue_bytes;
    int64_t max_batch_items;
    int64_t max_batch_bytes;
    int64_t max_retries;
    double retry_deadline_s;
    bool gzip;
    char *ca_bundle;
    bool tls_insecure;
    char *metrics_addr;
    char *metrics_token;
    char *spool_dir;
    int64_t spool_max_bytes;
    double spool_max_age_s;
    /* cost */
    bool send_cost; /* false: no langfuse.observation.cost_details on the wire */
    char *prices_file;
    char *budgets;
    char *budget_thresholds;
    /* evaluation */
    int judge_api; /* 0 openai, 1 anthropic */
    char *judge_base_url;
    char *judge_api_key;
    char *judge_model;
    double judge_timeout_s;
    double judge_deadline_s;
    int64_t judge_max_retries;
    double eval_threshold;
    int64_t eval_window;
    double eval_window_s;
    int64_t eval_max_windows;
    /* callbacks (not in the key table) */
    llmobs_log_fn log_fn;
    void *log_ud;
    llmobs_export_fn export_fn;
    void *export_ud;
    llmobs_mask_fn mask_fn;
    void *mask_ud;
    struct llmobs_registry *registry; /* NULL: the default registry */
    /* which table entries were set explicitly (bit i = entry i) */
    uint64_t explicitly_set;
};

/* Langfuse's environment rule: 1-40 characters of [a-z0-9-_], not starting with "langfuse";
 * errors name `key`. */
#define LLMOBS__ENVIRONMENT_MAX 40
llmobs_status llmobs__check_environment(const char *key, const char *value);

/* Fills every key not set explicitly from the environment. Fails on a bad value, naming the
 * variable and key in llmobs_last_error(). */
llmobs_status llmobs__options_apply_env(llmobs_options *opts);

#endif
