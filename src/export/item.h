/* Internal: the header every queued item starts with (spans and scores share one queue, one
 * accounting and one flusher). */
#ifndef LLMOBS_EXPORT_ITEM_H
#define LLMOBS_EXPORT_ITEM_H

#include <stddef.h>
#include <stdint.h>

typedef enum llmobs__item_kind { LLMOBS__ITEM_SPAN = 0, LLMOBS__ITEM_SCORE = 1 } llmobs__item_kind;

typedef struct llmobs__item {
    struct llmobs__item *next; /* queue link */
    size_t bytes;              /* approximate heap footprint, for the queue's byte bound */
    int64_t enqueued_mono_ns;
    llmobs__item_kind kind;
} llmobs__item;

/* Frees a span or a score. */
void llmobs__item_free(llmobs__item *item);

#endif
