/* Internal: a score as it travels through the queue, and its CreateScoreRequest JSON. */
#ifndef LLMOBS_TRACE_SCORE_H
#define LLMOBS_TRACE_SCORE_H

#include "core/buf.h"
#include "export/item.h"
#include "llmobs/score.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef struct llmobs__score {
    llmobs__item hdr; /* first: queued as an item */
    char *id;
    char *name;
    llmobs_score_type type;
    bool has_value;
    double number;
    char *text; /* categorical and text values */
    char *trace_id;
    char *observation_id;
    char *session_id;
    char *comment;
    cJSON *metadata;
    char *environment;
    char *config_id;
} llmobs__score;

/* Heap bytes the score holds: what the queue charges against max_queue_bytes. */
size_t llmobs__score_footprint(const llmobs__score *s);

/* Appends the CreateScoreRequest body (tests/data/langfuse/openapi.yml). */
void llmobs__score_serialize(const llmobs__score *s, llmobs__buf *b);

#endif
