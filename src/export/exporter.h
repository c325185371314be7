/* Internal: the one small interface every exporter implements. Exporters only deliver a
 * serialized batch and classify the outcome; retry, split and accounting policy live in the
 * pipeline (pipeline.c), so every exporter gets the same rules. */
#ifndef LLMOBS_EXPORT_EXPORTER_H
#define LLMOBS_EXPORT_EXPORTER_H

#include "core/log.h"
#include "core/options.h"
#include "export/item.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum llmobs__outcome {
    LLMOBS__SENT = 0,     /* accepted (possibly partially, see rejected) */
    LLMOBS__RETRY = 1,    /* transient: retry with backoff (retry_after_ms if >= 0) */
    LLMOBS__FAILED = 2,   /* final: every item rejected */
    LLMOBS__TOO_LARGE = 3 /* split and resend */
} llmobs__outcome;

/* What the receiver said of one item of a payload an exporter delivers in parts. */
typedef enum llmobs__item_state {
    LLMOBS__ITEM_UNSETTLED = 0, /* not accepted yet: sent again on retry */
    LLMOBS__ITEM_ACCEPTED,      /* all of it accepted */
    LLMOBS__ITEM_REFUSED        /* (part of) it refused for good */
} llmobs__item_state;

typedef struct llmobs__export_result {
    llmobs__outcome outcome;
    int64_t retry_after_ms; /* -1: none given */
    uint32_t rejected;      /* with SENT: items the receiver refused (partial success) */
    long http_status;       /* 0 when not HTTP */
    char message[256];      /* receiver's message or error text, for the log; never secrets */
    /* With RETRY: NULL, or, from an exporter that settles a payload's items over several
     * attempts (langfuse-ingestion: per-event answers in a 207), each item's llmobs__item_state
     * so far (one byte an item, valid until the next send). A pipeline that gives up on the
     * payload counts accepted and refused items as such; only the rest are undeliverable. */
    const uint8_t *item_state;
    /* With RETRY, from an exporter with several destinations: those that have not taken the
     * payload (0: all of them). What is spooled goes to these only. */
    uint8_t pending_dests;
} llmobs__export_result;

/* Destination bits of llmobs__payload.dests, stable across runs (they are written in spool
 * files): the OTLP exporter's Langfuse and generic OTLP destinations. */
#define LLMOBS__DEST_LANGFUSE 1u
#define LLMOBS__DEST_OTLP 2u

typedef struct llmobs__payload {
    const char *body;
    size_t len;
    const char *content_type;
    uint32_t items;
    llmobs__item_kind kind; /* SPAN: an OTLP ExportTraceServiceRequest; SCORE: one
                               CreateScoreRequest (POST /api/public/scores); the legacy
                               ingestion exporter converts both to ingestion events */
    uint64_t id; /* unique per payload; a retry passes the same payload, so the same id */
    bool part;   /* a part of a payload answered TOO_LARGE (split, or its one span truncated):
                    what the exporter learned of the whole still holds; false for a new one */
    /* The destinations (exporter-defined bits, see LLMOBS__DEST_*) still to deliver it to;
     * 0: every destination. Set for a spool file some destinations already took. */
    uint8_t dests;
} llmobs__payload;

typedef struct llmobs__exporter {
    const char *name;
    void *self;
    /* Delivers one batch; must return by `deadline_mono_ns`. Flusher thread only. */
    void (*send)(void *self, const llmobs__payload *p, int64_t deadline_mono_ns,
                 llmobs__export_result *r);
    void (*destroy)(void *self);
    /* Optional. Called by shutdown on the application's thread: a send in flight, and later
     * ones, must return by `deadline_mono_ns`. Must be thread-safe against send. */
    void (*interrupt)(void *self, int64_t deadline_mono_ns);
} llmobs__exporter;

/* Builds the exporter the options select (exporter=auto|file|callback|none|...). */
llmobs__exporter *llmobs__exporter_from_options(const llmobs_options *o, const llmobs__logger *lg,
                                                llmobs_status *status);
void llmobs__exporter_free(llmobs__exporter *e);

llmobs__exporter *llmobs__file_exporter_new(const char *path, llmobs_status *status);
llmobs__exporter *llmobs__callback_exporter_new(llmobs_export_fn fn, void *userdata);
llmobs__exporter *llmobs__none_exporter_new(void);
/* OTLP/HTTP JSON to Langfuse (when both keys are set) and/or a generic OTLP endpoint (when
 * otlp_endpoint or otlp_traces_endpoint is set). NULL with *status when neither is. */
llmobs__exporter *llmobs__otlp_http_exporter_new(const llmobs_options *o, const llmobs__logger *lg,
                                                 llmobs_status *status);
/* Legacy Langfuse batch ingestion ({base_url}/api/public/ingestion): spans become
 * trace-create / <type>-create events, scores score-create. Needs public_key and secret_key. */
llmobs__exporter *llmobs__ingestion_exporter_new(const llmobs_options *o, const llmobs__logger *lg,
                                                 llmobs_status *status);

#endif
