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
} llmobs__serializer;

/* Appends one ExportTraceServiceRequest holding `spans` to `b` (check b->oom afterwards). */
void llmobs__otlp_serialize(const llmobs__serializer *ser, llmobs__span *const *spans, size_t n,
                            llmobs__buf *b);
/* "2026-11-27T13:56:46.123456Z" */
void llmobs__iso8601(int64_t unix_ns, char out[32]);

#endif
