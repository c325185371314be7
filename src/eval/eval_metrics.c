/* The eval metrics of the LLM metric set (llm_eval_runs_total, llm_eval_pass_rate,
 * llm_rag_faithfulness), recorded through src/metrics/. */
#include "eval/eval.h"

#include "core/error.h"

#include <math.h>

#include "metrics/metrics.h"

llmobs_registry *llmobs__eval_default_registry(void)
{
    return llmobs_registry_default();
}

llmobs_status llmobs__eval_metrics_run(llmobs_registry *r, const char *feature, const char *metric,
                                       const char *result, double pass_rate)
{
    if (!r) return LLMOBS_OK;
    llmobs_status st;
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(r, &st);
    if (!m) return st;
    return llmobs__llm_metrics_record_eval(m, feature, metric, result,
                                           isnan(pass_rate) ? -1 : pass_rate);
}

llmobs_status llmobs__eval_metrics_faithfulness(llmobs_registry *r, const char *pipeline_version,
                                                double mean)
{
    if (!r) return LLMOBS_OK;
    llmobs_status st;
    llmobs__llm_metrics *m = llmobs__llm_metrics_get(r, &st);
    if (!m) return st;
    return llmobs__llm_metrics_rag_faithfulness(m, pipeline_version, mean);
}
