/* Internal: the header every queued item starts with (spans and scores share one queue, one
 * accounting and one flusher). */
#ifndef LLMOBS_EXPORT_ITEM_H
#define LLMOBS_EXPORT_ITEM_H

#include <stddef.h>
#include <stdint.h>

typedef enum llmobs__item_kind { LLMOBS__ITEM_SPAN = 0, LLMOBS__ITEM_SCORE = 1 } llmobs__item_kind;

struct llmobs__buf;
struct llmobs__item;

/* What the pipeline may do with an item without knowing its type (trace/span.c and
 * trace/score.c implement it). */
typedef struct llmobs__item_ops {
    /* Appends the body an item that travels alone is sent as (a score's CreateScoreRequest);
     * NULL for items that exporters serialize in batches (spans). */
    void (*serialize)(const struct llmobs__item *item, struct llmobs__buf *b);
    /* Approximate heap footprint, for the queue's byte bound. */
    size_t (*size)(const struct llmobs__item *item);
    void (*free)(struct llmobs__item *item);
} llmobs__item_ops;

typedef struct llmobs__item {
    size_t bytes; /* ops->size, taken when it is handed to the pipeline */
    int64_t enqueued_mono_ns;
    llmobs__item_kind kind;
    const llmobs__item_ops *ops;
} llmobs__item;

/* Frees any item; NULL-safe. */
static inline void llmobs__item_free(llmobs__item *item)
{
    if (item) item->ops->free(item);
}

#endif
