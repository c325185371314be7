/* Chooses the exporter the options ask for. */
#include "core/error.h"
#include "export/exporter.h"

llmobs__exporter *llmobs__exporter_from_options(const llmobs_options *o, const llmobs__logger *lg,
                                                llmobs_status *status)
{
    llmobs__exporter *e = NULL;
    int kind = o->exporter;
    if (kind == LLMOBS__EXPORTER_AUTO) {
        bool keys = *o->public_key && *o->secret_key;
        bool half = !keys && (*o->public_key || *o->secret_key);
        bool otlp = *o->otlp_endpoint || *o->otlp_traces_endpoint;
        /* Half-set keys mean Langfuse was wanted: no silent local file instead (the client
         * warns and disables export, docs/decisions.md). */
        kind = keys || otlp ? LLMOBS__EXPORTER_OTLP
               : half       ? LLMOBS__EXPORTER_NONE
                            : LLMOBS__EXPORTER_FILE;
    }
    switch (kind) {
    case LLMOBS__EXPORTER_OTLP:
        return llmobs__otlp_http_exporter_new(o, lg, status);
    case LLMOBS__EXPORTER_LANGFUSE_INGESTION:
        return llmobs__ingestion_exporter_new(o, lg, status);
    case LLMOBS__EXPORTER_FILE:
        return llmobs__file_exporter_new(o->file_path, status);
    case LLMOBS__EXPORTER_CALLBACK:
        if (!o->export_fn) {
            *status = llmobs__error(
                LLMOBS_EINVAL,
                "option exporter: 'callback' needs llmobs_options_set_export_callback");
            return NULL;
        }
        e = llmobs__callback_exporter_new(o->export_fn, o->export_ud);
        break;
    case LLMOBS__EXPORTER_NONE:
        e = llmobs__none_exporter_new();
        break;
    default:
        *status =
            llmobs__error(LLMOBS_EUNSUPPORTED, "option exporter: not available in this build");
        return NULL;
    }
    if (!e) *status = llmobs__error(LLMOBS_ENOMEM, "exporter: out of memory");
    return e;
}
