/* llmobs/options.h: client configuration.
 * An options object is not thread-safe: build it on one thread, then hand it to
 * llmobs_client_new, which takes ownership. */
#ifndef LLMOBS_OPTIONS_H
#define LLMOBS_OPTIONS_H

#include "llmobs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmobs_options llmobs_options;

/** Outcome a custom exporter reports for one batch. */
typedef enum llmobs_export_result {
    LLMOBS_EXPORT_OK = 0,       /* delivered: every item in the batch counts as exported */
    LLMOBS_EXPORT_RETRY = 1,    /* transient failure: the flusher retries with backoff */
    LLMOBS_EXPORT_FAIL = 2,     /* final failure: items are dropped with reason "rejected" */
    LLMOBS_EXPORT_TOO_LARGE = 3 /* the batch is too big: the flusher splits it and resends */
} llmobs_export_result;

/** Custom exporter: receives one serialized batch (`body`, `len` bytes, not NUL-terminated
 * for binary formats; `content_type` such as "application/json") holding `items` items.
 * Called on the client's flusher thread only, never under an llmobs lock. Must return. */
typedef llmobs_export_result (*llmobs_export_fn)(const char *body, size_t len,
                                                 const char *content_type, uint32_t items,
                                                 void *userdata);

/** Mask callback, run on the flusher thread for each input, output and metadata value before
 * it is serialized. `field` is "input", "output" or "metadata"; `value` is JSON text.
 * Write the masked JSON text (or plain text, which is sent as a JSON string) into `out`
 * (capacity `out_cap`, NUL-terminated) and store its length in `*out_len`; return 0.
 * If `out_cap` is too small, store the needed length in `*out_len` and return 1: the call
 * is repeated with a larger buffer. Any other return value means failure and the value is
 * replaced by "<fully masked due to failed mask function>". */
typedef int (*llmobs_mask_fn)(const char *field, const char *value, char *out, size_t out_cap,
                              size_t *out_len, void *userdata);

/** New options holding the defaults. Environment variables are read by llmobs_client_new for
 * every key not set here (precedence: setter > environment > default). NULL on ENOMEM. */
LLMOBS_API llmobs_options *llmobs_options_new(void);
/** Frees options not handed to a client. NULL-safe. */
LLMOBS_API void llmobs_options_free(llmobs_options *opts);

/** Sets option `key` from its string form (the keys and their environment variables are listed
 * in README.md and by llmobs_option_key_at). LLMOBS_ENOTFOUND for an unknown key,
 * LLMOBS_EINVAL for a bad value; llmobs_last_error() names the key and the rule. */
LLMOBS_API llmobs_status llmobs_options_set(llmobs_options *opts, const char *key,
                                            const char *value);

/** Typed forms of llmobs_options_set for numeric and boolean keys; same validation. */
LLMOBS_API llmobs_status llmobs_options_set_int(llmobs_options *opts, const char *key,
                                                int64_t value);
LLMOBS_API llmobs_status llmobs_options_set_double(llmobs_options *opts, const char *key,
                                                   double value);
LLMOBS_API llmobs_status llmobs_options_set_bool(llmobs_options *opts, const char *key, int value);

/** Reads an option's current value as a string into `buf` (secrets are shown as "***").
 * Returns LLMOBS_ELIMIT and the needed size in *needed when `cap` is too small. */
LLMOBS_API llmobs_status llmobs_options_get(const llmobs_options *opts, const char *key, char *buf,
                                            size_t cap, size_t *needed);

/** Enumerates option keys: the i-th key, its environment variable(s) (comma-separated, "" if
 * none), default and description; NULL pointers are skipped. LLMOBS_ENOTFOUND past the end. */
LLMOBS_API llmobs_status llmobs_option_key_at(size_t i, const char **key, const char **env,
                                              const char **default_value, const char **description);

/** Log callback for everything the client logs (see llmobs_log_fn). Without one, warnings
 * and errors go to stderr, and debug lines too when "debug" is on. */
LLMOBS_API llmobs_status llmobs_options_set_log_callback(llmobs_options *opts, llmobs_log_fn fn,
                                                         void *userdata);
/** Custom exporter; selected by exporter=callback (which this call sets). */
LLMOBS_API llmobs_status llmobs_options_set_export_callback(llmobs_options *opts,
                                                            llmobs_export_fn fn, void *userdata);
/** Mask callback applied on the flusher thread to input, output and metadata. */
LLMOBS_API llmobs_status llmobs_options_set_mask_callback(llmobs_options *opts, llmobs_mask_fn fn,
                                                          void *userdata);

typedef struct llmobs_registry llmobs_registry;
/** Registry the client records its LLM and SDK metrics in (see llmobs/metrics.h); NULL or
 * never called: the process-wide default registry. The registry must outlive the client. */
LLMOBS_API llmobs_status llmobs_options_set_registry(llmobs_options *opts,
                                                     llmobs_registry *registry);

#ifdef __cplusplus
}
#endif
#endif
