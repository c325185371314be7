/* Internal: what one destination gets of a serialized OTLP JSON request. The pipeline
 * serializes (and spools) every span once with all its attributes; each destination of the
 * OTLP exporter then sends the view it wants: Langfuse only what its ingestion maps (no
 * gen_ai.* duplicates, which it would copy into every observation's metadata, and no
 * gen_ai.operation.name=invoke_agent, which makes it drop an agent's model, usage and cost),
 * a generic OTLP backend the option otlp_attributes. Flusher thread only. */
#ifndef LLMOBS_EXPORT_OTLP_VIEW_H
#define LLMOBS_EXPORT_OTLP_VIEW_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* The values of the option otlp_attributes (same order). */
typedef enum llmobs__otlp_view {
    LLMOBS__VIEW_ALL = 0,     /* every attribute: the request as serialized */
    LLMOBS__VIEW_GENAI = 1,   /* without langfuse.* attributes */
    LLMOBS__VIEW_LANGFUSE = 2 /* without gen_ai.* attributes */
} llmobs__otlp_view;

/* Appends to `out` the request `body` with the attributes that `view` leaves out removed from
 * every "attributes" array (span, resource and event attributes alike); everything else is
 * copied byte for byte. Returns false when `body` is not well-formed JSON (the caller then
 * sends it as is) or on out of memory (out->oom set). Linear in len; any bytes are safe. */
bool llmobs__otlp_view_apply(const char *body, size_t len, llmobs__otlp_view view,
                             llmobs__buf *out);

#endif
