/* llmobs/llmobs.h: the umbrella header. Include this one. Thread-safety is stated at the top
 * of each area's header. */
#ifndef LLMOBS_LLMOBS_H
#define LLMOBS_LLMOBS_H

#include "llmobs/common.h"
#include "llmobs/options.h"
#include "llmobs/client.h"
#include "llmobs/trace.h"
#include "llmobs/score.h"
#include "llmobs/context.h"
#include "llmobs/cost.h"
#include "llmobs/eval.h"
#include "llmobs/metrics.h"
#include "llmobs/provider.h"
#include "llmobs/experiment.h"

#endif
