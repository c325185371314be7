/* Options: one table of keys drives the string setter, the environment, validation, the
 * getter and the README's configuration table (tests check README against the table). */
#include "core/options.h"
#include "core/error.h"
#include "cost/cost.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { T_STR, T_SECRET, T_INT, T_DOUBLE, T_BOOL, T_ENUM } opt_type;

typedef llmobs_status (*opt_check_fn)(const char *key, const char *value);

typedef struct {
    const char *key;
    const char *env; /* comma-separated; the first one set wins */
    opt_type type;
    size_t offset;
    const char *def;
    double min, max;     /* T_INT, T_DOUBLE: inclusive range */
    const char *choices; /* T_ENUM: '|'-separated, index = stored value */
    opt_check_fn check;  /* extra rule for strings */
    const char *doc;
} opt_def;

static llmobs_status check_url(const char *key, const char *v);
static llmobs_status check_headers(const char *key, const char *v);

#define OFF(f) offsetof(struct llmobs_options, f)

static const opt_def options_table[] = {
    {"public_key", "LANGFUSE_PUBLIC_KEY", T_STR, OFF(public_key), "", 0, 0, NULL, NULL,
     "Langfuse public key (pk-lf-...)."},
    {"secret_key", "LANGFUSE_SECRET_KEY", T_SECRET, OFF(secret_key), "", 0, 0, NULL, NULL,
     "Langfuse secret key (sk-lf-...); never logged."},
    {"base_url", "LANGFUSE_BASE_URL,LANGFUSE_HOST", T_STR, OFF(base_url),
     "https://cloud.langfuse.com", 0, 0, NULL, check_url, "Langfuse server URL."},
    {"environment", "LANGFUSE_TRACING_ENVIRONMENT", T_STR, OFF(environment), "default", 0, 0, NULL,
     llmobs__check_environment,
     "Environment of every trace: 1-40 of [a-z0-9-_], not starting with 'langfuse'."},
    {"release", "LANGFUSE_RELEASE", T_STR, OFF(release), "", 0, 0, NULL, NULL,
     "Release (e.g. git SHA) on every trace."},
    {"flush_at", "LANGFUSE_FLUSH_AT", T_INT, OFF(flush_at), "15", 1, 100000, NULL, NULL,
     "Items queued that trigger sending a batch."},
    {"flush_interval", "LANGFUSE_FLUSH_INTERVAL", T_DOUBLE, OFF(flush_interval_s), "15", 0.001,
     86400, NULL, NULL, "Seconds after which the oldest unsent item is sent."},
    {"sample_rate", "LANGFUSE_SAMPLE_RATE", T_DOUBLE, OFF(sample_rate), "1", 0, 1, NULL, NULL,
     "Fraction of traces kept (Langfuse's SHA-256 rule on the trace id)."},
    {"timeout", "LANGFUSE_TIMEOUT", T_DOUBLE, OFF(timeout_s), "10", 0.001, 3600, NULL, NULL,
     "Seconds allowed per HTTP request to Langfuse."},
    {"debug", "LANGFUSE_DEBUG", T_BOOL, OFF(debug), "false", 0, 0, NULL, NULL,
     "Log debug lines (to stderr without a log callback)."},
    {"enabled", "LANGFUSE_TRACING_ENABLED", T_BOOL, OFF(enabled), "true", 0, 0, NULL, NULL,
     "false: handles still work, nothing is exported (counted as dropped, reason disabled)."},
    {"strict", "LLMOBS_STRICT", T_BOOL, OFF(strict), "false", 0, 0, NULL, NULL,
     "true: half-set Langfuse keys or an unavailable metrics_addr fail client creation "
     "instead of a warning."},
    {"otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", T_STR, OFF(otlp_endpoint), "", 0, 0, NULL,
     check_url, "OTLP/HTTP base URL; /v1/traces is appended."},
    {"otlp_traces_endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", T_STR, OFF(otlp_traces_endpoint),
     "", 0, 0, NULL, check_url, "OTLP/HTTP traces URL, used as is."},
    {"otlp_headers", "OTEL_EXPORTER_OTLP_TRACES_HEADERS,OTEL_EXPORTER_OTLP_HEADERS", T_SECRET,
     OFF(otlp_headers), "", 0, 0, NULL, check_headers,
     "Extra headers for the OTLP endpoint: k1=v1,k2=v2 (values never logged)."},
    {"otlp_compression", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,OTEL_EXPORTER_OTLP_COMPRESSION",
     T_ENUM, OFF(otlp_compression), "none", 0, 0, "none|gzip", NULL,
     "Compression of requests to the OTLP endpoint."},
    {"otlp_timeout", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,OTEL_EXPORTER_OTLP_TIMEOUT", T_DOUBLE,
     OFF(otlp_timeout_s), "10000", 1, 3600000, NULL, NULL,
     "Milliseconds allowed per request to the OTLP endpoint."},
    {"otlp_attributes", "LLMOBS_OTLP_ATTRIBUTES", T_ENUM, OFF(otlp_attributes), "all", 0, 0,
     "all|genai|langfuse", NULL,
     "Span attributes sent to the OTLP endpoint: all (gen_ai.* and langfuse.*), genai (no "
     "langfuse.*), or langfuse (no gen_ai.*, as sent to Langfuse: for a collector forwarding "
     "to Langfuse)."},
    {"service_name", "OTEL_SERVICE_NAME", T_STR, OFF(service_name), "unknown_service", 0, 0, NULL,
     NULL, "Resource attribute service.name."},
    {"exporter", "LLMOBS_EXPORTER", T_ENUM, OFF(exporter), "auto", 0, 0,
     "auto|otlp|file|callback|none|langfuse-ingestion", NULL,
     "auto = otlp when keys or an OTLP endpoint are set, else file."},
    {"file_path", "LLMOBS_FILE_PATH", T_STR, OFF(file_path), "llmobs-export.jsonl", 0, 0, NULL,
     NULL, "File exporter: one OTLP JSON request per line, appended."},
    {"max_queue_items", "LLMOBS_MAX_QUEUE_ITEMS", T_INT, OFF(max_queue_items), "100000", 1,
     100000000, NULL, NULL, "Queue bound in items; beyond it items are dropped (queue_full)."},
    {"max_queue_bytes", "LLMOBS_MAX_QUEUE_BYTES", T_INT, OFF(max_queue_bytes), "268435456", 1024,
     1e12, NULL, NULL,
     "Memory bound in bytes: the queued items (their strings, metadata and model parameters as "
     "parsed JSON, the trace attributes each span carries) plus the batch being sent and its "
     "serialized body. An item larger than the bound alone is dropped as `too_large`."},
    {"max_batch_items", "LLMOBS_MAX_BATCH_ITEMS", T_INT, OFF(max_batch_items), "512", 1, 100000,
     NULL, NULL, "Most items in one request; flush_at only decides when a batch is sent."},
    {"max_batch_bytes", "LLMOBS_MAX_BATCH_BYTES", T_INT, OFF(max_batch_bytes), "3000000", 1024,
     64 * 1048576.0, NULL, NULL,
     "Cap on one serialized request body; keep it at most 5 MB for Langfuse Cloud and 20 MiB "
     "for an OpenTelemetry Collector (docs/export.md)."},
    {"max_retries", "LLMOBS_MAX_RETRIES", T_INT, OFF(max_retries), "8", 0, 1000, NULL, NULL,
     "Retries of a batch after a retryable failure."},
    {"retry_deadline", "LLMOBS_RETRY_DEADLINE", T_DOUBLE, OFF(retry_deadline_s), "120", 0, 86400,
     NULL, NULL, "Seconds a batch may spend in retries before its items are dropped."},
    {"gzip", "LLMOBS_GZIP", T_BOOL, OFF(gzip), "false", 0, 0, NULL, NULL,
     "gzip request bodies to Langfuse."},
    {"ca_bundle", "LLMOBS_CA_BUNDLE", T_STR, OFF(ca_bundle), "", 0, 0, NULL, NULL,
     "PEM file of CA certificates for TLS verification."},
    {"tls_insecure", "LLMOBS_TLS_INSECURE", T_BOOL, OFF(tls_insecure), "false", 0, 0, NULL, NULL,
     "true turns TLS verification off (logged as a warning)."},
    {"metrics_addr", "LLMOBS_METRICS_ADDR", T_STR, OFF(metrics_addr), "", 0, 0, NULL, NULL,
     "host:port (or :port / port for 127.0.0.1) of the scrape endpoint started with the "
     "client; empty = none."},
    {"metrics_token", "LLMOBS_METRICS_TOKEN", T_SECRET, OFF(metrics_token), "", 0, 0, NULL, NULL,
     "Bearer token the scrape endpoint requires on /metrics; empty = open (loopback default)."},
    {"spool_dir", "LLMOBS_SPOOL_DIR", T_STR, OFF(spool_dir), "", 0, 0, NULL, NULL,
     "Directory of the disk spool for undeliverable batches (e.g. /tmp/llmobs-spool on "
     "Lambda); empty = off."},
    {"spool_max_bytes", "LLMOBS_SPOOL_MAX_BYTES", T_INT, OFF(spool_max_bytes), "67108864", 4096,
     1e13, NULL, NULL, "Bound on the spool directory's files; the oldest are deleted first."},
    {"spool_max_age", "LLMOBS_SPOOL_MAX_AGE", T_DOUBLE, OFF(spool_max_age_s), "86400", 1,
     31 * 86400, NULL, NULL, "Seconds a spooled batch is kept before it is deleted unsent."},
    {"prices_file", "LLMOBS_PRICES_FILE", T_STR, OFF(prices_file), "", 0, 0, NULL, NULL,
     "JSON price file adding or overriding models (docs/cost.md); empty = built-in table."},
    {"send_cost", "LLMOBS_SEND_COST", T_BOOL, OFF(send_cost), "true", 0, 0, NULL, NULL,
     "false: spans carry usage but no cost details, so Langfuse prices them with its own and "
     "your custom model prices (docs/cost.md); local cost metrics and budgets are unchanged."},
    {"budgets", "LLMOBS_BUDGETS", T_STR, OFF(budgets), "", 0, 0, NULL, llmobs__cost_check_budgets,
     "Daily USD budgets per feature: feature=usd,feature2=usd."},
    {"budget_thresholds", "LLMOBS_BUDGET_THRESHOLDS", T_STR, OFF(budget_thresholds), "0.8,0.9,1.0",
     0, 0, NULL, llmobs__cost_check_thresholds,
     "Fractions of a daily budget at which the budget alert callback fires, once a day each."},
    /* evaluation (docs/eval.md) */
    {"judge_api", "LLMOBS_JUDGE_API", T_ENUM, OFF(judge_api), "openai", 0, 0, "openai|anthropic",
     NULL, "LLM-as-judge wire format: OpenAI-compatible chat completions or Anthropic Messages."},
    {"judge_base_url", "LLMOBS_JUDGE_BASE_URL", T_STR, OFF(judge_base_url), "", 0, 0, NULL,
     check_url, "Judge server URL; empty = https://api.openai.com or https://api.anthropic.com."},
    {"judge_api_key", "LLMOBS_JUDGE_API_KEY", T_SECRET, OFF(judge_api_key), "", 0, 0, NULL, NULL,
     "API key of the judge model; never logged."},
    {"judge_model", "LLMOBS_JUDGE_MODEL", T_STR, OFF(judge_model), "", 0, 0, NULL, NULL,
     "Judge model; empty = gpt-4o-mini (openai) or claude-haiku-4-5 (anthropic)."},
    {"judge_timeout", "LLMOBS_JUDGE_TIMEOUT", T_DOUBLE, OFF(judge_timeout_s), "30", 0.001, 3600,
     NULL, NULL, "Seconds allowed per request to the judge."},
    {"judge_deadline", "LLMOBS_JUDGE_DEADLINE", T_DOUBLE, OFF(judge_deadline_s), "120", 0.001,
     86400, NULL, NULL, "Seconds one judgement may take including retries of 429/5xx."},
    {"judge_max_retries", "LLMOBS_JUDGE_MAX_RETRIES", T_INT, OFF(judge_max_retries), "4", 0, 100,
     NULL, NULL, "Retries of a judge request after 429, 5xx or a connection failure."},
    {"eval_threshold", "LLMOBS_EVAL_THRESHOLD", T_DOUBLE, OFF(eval_threshold), "0.7", 0, 1, NULL,
     NULL, "Default pass threshold of eval scores (score >= threshold passes)."},
    {"eval_window", "LLMOBS_EVAL_WINDOW", T_INT, OFF(eval_window), "100", 1, 100000, NULL, NULL,
     "Pass rate and faithfulness windows: the last N results."},
    {"eval_window_seconds", "LLMOBS_EVAL_WINDOW_SECONDS", T_DOUBLE, OFF(eval_window_s), "3600", 0,
     31536000, NULL, NULL, "... and only results of the last T seconds (0 = no time limit)."},
    {"eval_max_windows", "LLMOBS_EVAL_MAX_WINDOWS", T_INT, OFF(eval_max_windows), "1000", 1,
     1000000, NULL, NULL, "Most (feature, metric) and pipeline_version windows kept in memory."},
};

#define OPTION_COUNT (sizeof options_table / sizeof options_table[0])
_Static_assert(OPTION_COUNT <= 64, "explicitly_set is a 64-bit mask");

static const opt_def *find_def(const char *key, size_t *index)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (strcmp(options_table[i].key, key) == 0) {
            if (index) *index = i;
            return &options_table[i];
        }
    return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on", "gzip"};
    static const char *const no[] = {"0", "false", "no", "off", "none", ""};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcasecmp(v, yes[i]) == 0) return *out = true, true;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcasecmp(v, no[i]) == 0) return *out = false, true;
    return false;
}

static int parse_enum(const char *choices, const char *v)
{
    int index = 0;
    size_t n = strlen(v);
    for (const char *p = choices; *p; index++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, v, n) == 0) return index;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

/* Langfuse's rule for an environment (PublicEnvironmentName in its ingestion types): lowercased,
 * a leading "langfuse" stripped, cut to 40 characters, and replaced by "default" unless it then
 * matches ^[a-z0-9-_]+$. A name that passes here is stored exactly as sent; any other would be
 * stored as something else, silently, so it is refused with the rule it breaks. */
llmobs_status llmobs__check_environment(const char *key, const char *v)
{
    if (!*v) return llmobs__error(LLMOBS_EINVAL, "option %s: must not be empty", key);
    size_t len = strlen(v);
    if (len > LLMOBS__ENVIRONMENT_MAX)
        return llmobs__error(LLMOBS_EINVAL,
                             "option %s: at most %d characters (Langfuse cuts longer names), got "
                             "%zu: '%.60s%s'",
                             key, LLMOBS__ENVIRONMENT_MAX, len, v, len > 60 ? "..." : "");
    if (strncmp(v, "langfuse", 8) == 0)
        return llmobs__error(LLMOBS_EINVAL,
                             "option %s: must not start with 'langfuse' (Langfuse strips it), "
                             "got '%s'",
                             key, v);
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return llmobs__error(LLMOBS_EINVAL,
                                 "option %s: only lowercase letters, digits, '-' and '_' "
                                 "([a-z0-9-_]) allowed, got '%s'",
                                 key, v);
    return LLMOBS_OK;
}

static llmobs_status check_url(const char *key, const char *v)
{
    if (!*v) return LLMOBS_OK;
    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
        return llmobs__error(LLMOBS_EINVAL, "option %s: must start with http:// or https://", key);
    return LLMOBS_OK;
}

static llmobs_status check_headers(const char *key, const char *v)
{
    /* k1=v1,k2=v2: every non-empty element needs a '=' with a non-empty key. */
    const char *p = v;
    while (*p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p < end && (!eq || eq == p))
            return llmobs__error(LLMOBS_EINVAL, "option %s: expected key=value pairs", key);
        p = comma ? comma + 1 : end;
    }
    return LLMOBS_OK;
}

/* Parses `value` for `d` and stores it; the string form of defaults goes through here too. */
static llmobs_status store(llmobs_options *o, const opt_def *d, const char *value)
{
    void *field = (char *)o + d->offset;
    switch (d->type) {
    case T_STR:
    case T_SECRET: {
        if (d->check) {
            llmobs_status st = d->check(d->key, value);
            if (st != LLMOBS_OK) return st;
        }
        char *copy = strdup(value);
        if (!copy) return llmobs__error(LLMOBS_ENOMEM, "option %s: out of memory", d->key);
        free(*(char **)field);
        *(char **)field = copy;
        return LLMOBS_OK;
    }
    case T_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < d->min || v > d->max)
            return llmobs__error(LLMOBS_EINVAL,
                                 "option %s: expected an integer in [%.0f, %.0f], got '%s'", d->key,
                                 d->min, d->max, value);
        *(int64_t *)field = v;
        return LLMOBS_OK;
    }
    case T_DOUBLE: {
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v) || v < d->min || v > d->max)
            return llmobs__error(LLMOBS_EINVAL,
                                 "option %s: expected a number in [%g, %g], got '%s'", d->key,
                                 d->min, d->max, value);
        *(double *)field = v;
        return LLMOBS_OK;
    }
    case T_BOOL: {
        bool v;
        if (!parse_bool(value, &v))
            return llmobs__error(LLMOBS_EINVAL, "option %s: expected true or false, got '%s'",
                                 d->key, value);
        *(bool *)field = v;
        return LLMOBS_OK;
    }
    case T_ENUM: {
        int v = parse_enum(d->choices, value);
        if (v < 0)
            return llmobs__error(LLMOBS_EINVAL, "option %s: expected one of %s, got '%s'", d->key,
                                 d->choices, value);
        *(int *)field = v;
        return LLMOBS_OK;
    }
    }
    return LLMOBS_EINTERNAL;
}

llmobs_options *llmobs_options_new(void)
{
    llmobs_options *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (store(o, &options_table[i], options_table[i].def) != LLMOBS_OK) {
            llmobs_options_free(o);
            return NULL;
        }
    llmobs__error_clear();
    return o;
}

void llmobs_options_free(llmobs_options *o)
{
    if (!o) return;
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (options_table[i].type == T_STR || options_table[i].type == T_SECRET)
            free(*(char **)((char *)o + options_table[i].offset));
    free(o);
}

llmobs_status llmobs_options_set(llmobs_options *o, const char *key, const char *value)
{
    if (!o || !key || !value)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_options_set: NULL argument");
    size_t i;
    const opt_def *d = find_def(key, &i);
    if (!d) return llmobs__error(LLMOBS_ENOTFOUND, "unknown option key '%s'", key);
    llmobs_status st = store(o, d, value);
    if (st == LLMOBS_OK) {
        o->explicitly_set |= UINT64_C(1) << i;
        llmobs__error_clear();
    }
    return st;
}

llmobs_status llmobs__options_apply_env(llmobs_options *o)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const opt_def *d = &options_table[i];
        if (!d->env || (o->explicitly_set & (UINT64_C(1) << i))) continue;
        char names[128];
        snprintf(names, sizeof names, "%s", d->env);
        for (char *save = NULL, *name = strtok_r(names, ",", &save); name;
             name = strtok_r(NULL, ",", &save)) {
            const char *value = getenv(name);
            if (!value) continue;
            llmobs_status st = store(o, d, value);
            if (st != LLMOBS_OK) {
                char detail[512];
                snprintf(detail, sizeof detail, "%s", llmobs_last_error());
                return llmobs__error(st, "environment variable %s: %s", name, detail);
            }
            break;
        }
    }
    return LLMOBS_OK;
}

static int format_value(const llmobs_options *o, const opt_def *d, char *buf, size_t cap)
{
    const void *field = (const char *)o + d->offset;
    switch (d->type) {
    case T_STR:
        return snprintf(buf, cap, "%s", *(char *const *)field);
    case T_SECRET:
        return snprintf(buf, cap, "%s", **(char *const *)field ? "***" : "");
    case T_INT:
        return snprintf(buf, cap, "%lld", (long long)*(const int64_t *)field);
    case T_DOUBLE:
        return snprintf(buf, cap, "%.17g", *(const double *)field);
    case T_BOOL:
        return snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false");
    case T_ENUM: {
        int index = *(const int *)field;
        const char *p = d->choices;
        for (int k = 0; k < index && p; k++) {
            p = strchr(p, '|');
            if (p) p++;
        }
        if (!p) return snprintf(buf, cap, "?");
        const char *bar = strchr(p, '|');
        return snprintf(buf, cap, "%.*s", (int)(bar ? (size_t)(bar - p) : strlen(p)), p);
    }
    }
    return -1;
}

llmobs_status llmobs_options_get(const llmobs_options *o, const char *key, char *buf, size_t cap,
                                 size_t *needed)
{
    if (!o || !key || (!buf && cap))
        return llmobs__error(LLMOBS_EINVAL, "llmobs_options_get: NULL argument");
    const opt_def *d = find_def(key, NULL);
    if (!d) return llmobs__error(LLMOBS_ENOTFOUND, "unknown option key '%s'", key);
    char tmp[1];
    int n = format_value(o, d, cap ? buf : tmp, cap ? cap : sizeof tmp);
    if (n < 0) return LLMOBS_EINTERNAL;
    if (needed) *needed = (size_t)n + 1;
    if ((size_t)n >= cap)
        return llmobs__error(LLMOBS_ELIMIT, "option %s: buffer needs %d bytes", key, n + 1);
    return LLMOBS_OK;
}

llmobs_status llmobs_option_key_at(size_t i, const char **key, const char **env,
                                   const char **default_value, const char **description)
{
    if (i >= OPTION_COUNT) return LLMOBS_ENOTFOUND;
    const opt_def *d = &options_table[i];
    if (key) *key = d->key;
    if (env) *env = d->env ? d->env : "";
    if (default_value) *default_value = d->def;
    if (description) *description = d->doc;
    return LLMOBS_OK;
}

llmobs_status llmobs_options_set_log_callback(llmobs_options *o, llmobs_log_fn fn, void *ud)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "llmobs_options_set_log_callback: NULL options");
    o->log_fn = fn;
    o->log_ud = ud;
    return LLMOBS_OK;
}

llmobs_status llmobs_options_set_export_callback(llmobs_options *o, llmobs_export_fn fn, void *ud)
{
    if (!o || !fn)
        return llmobs__error(LLMOBS_EINVAL, "llmobs_options_set_export_callback: NULL argument");
    o->export_fn = fn;
    o->export_ud = ud;
    return llmobs_options_set(o, "exporter", "callback");
}

llmobs_status llmobs_options_set_mask_callback(llmobs_options *o, llmobs_mask_fn fn, void *ud)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "llmobs_options_set_mask_callback: NULL options");
    o->mask_fn = fn;
    o->mask_ud = ud;
    return LLMOBS_OK;
}

llmobs_status llmobs_options_set_int(llmobs_options *o, const char *key, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    return llmobs_options_set(o, key, buf);
}

llmobs_status llmobs_options_set_double(llmobs_options *o, const char *key, double value)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return llmobs_options_set(o, key, buf);
}

llmobs_status llmobs_options_set_bool(llmobs_options *o, const char *key, int value)
{
    return llmobs_options_set(o, key, value ? "true" : "false");
}

llmobs_status llmobs_options_set_registry(llmobs_options *o, llmobs_registry *registry)
{
    if (!o) return llmobs__error(LLMOBS_EINVAL, "llmobs_options_set_registry: NULL options");
    o->registry = registry;
    return LLMOBS_OK;
}
