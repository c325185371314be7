/* Internal: OTLP/HTTP JSON serialization of spans (flusher thread only). */
#ifndef LLMOBS_EXPORT_OTLP_JSON_H
#define LLMOBS_EXPORT_OTLP_JSON_H

#include "core/buf.h"
#include "llmobs/options.h"
#include "trace/span.h"

typedef struct llmobs__serializer {
    const char *service_name;
    llmobs_mask_fn mask_fn;
    void *mask_ud;
    bool send_cost; /* option send_cost: false leaves langfuse.observation.cost_details out */
    /* Called (when set) for a span input or output set as JSON that is not valid JSON: it is
     * sent as a JSON string of the text instead, and marked so that it is reported once.
     * The caller's thread only copies such payloads; this is where they are checked. */
    void (*invalid_json)(void *ud, const char *field);
    void *invalid_json_ud;
} llmobs__serializer;

/* Appends one ExportTraceServiceRequest holding `spans` to `b` (check b->oom afterwards).
 * Turns a JSON input or output that does not parse into text (see invalid_json). */
void llmobs__otlp_serialize(const llmobs__serializer *ser, llmobs__span *const *spans, size_t n,
                            llmobs__buf *b);
/* The same request built span by span into one buffer, so that a caller can close it before
 * the span that would take it over a size: llmobs__otlp_begin (the envelope up to the spans
 * array), llmobs__otlp_span for each span (first: no ',' before it; checks its JSON input and
 * output first, as llmobs__otlp_serialize does), then llmobs__otlp_end, which appends exactly
 * LLMOBS__OTLP_END_LEN bytes. */
#define LLMOBS__OTLP_END "]}]}]}"
#define LLMOBS__OTLP_END_LEN (sizeof LLMOBS__OTLP_END - 1)
void llmobs__otlp_begin(const llmobs__serializer *ser, llmobs__buf *b);
void llmobs__otlp_span(const llmobs__serializer *ser, llmobs__span *s, bool first, llmobs__buf *b);
void llmobs__otlp_end(llmobs__buf *b);
/* "2026-11-27T13:56:46.123456Z" */
void llmobs__iso8601(int64_t unix_ns, char out[32]);

#endif
