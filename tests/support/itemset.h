/* Test support for exactly-once checks: the ids of the items a test created (span ids of
 * traces and observations, score ids) and what the receiver accepted, by id. */
#ifndef LLMOBS_TEST_ITEMSET_H
#define LLMOBS_TEST_ITEMSET_H

#include "receiver.h"

#include <llmobs/llmobs.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct itemset {
    char **ids;
    size_t n, cap;
} itemset;

void itemset_add(itemset *s, const char *id);
void itemset_free(itemset *s);
/* Sorts the ids (in place) so itemset_count can binary-search. */
void itemset_sort(itemset *s);
/* How often `id` occurs (after itemset_sort). */
size_t itemset_count(const itemset *s, const char *id);

/* Ends `n` traces, each a root span and one generation (2n spans), adding both span ids to
 * `spans`; and sends `scores` numeric scores with ids "<tag>-<i>" added to `score_ids`. */
void make_tracked(llmobs_client *c, int n, int scores, const char *tag, itemset *spans,
                  itemset *score_ids);

/* Span ids of every span in requests the receiver answered 2xx, with repeats. */
void accepted_span_ids(receiver *r, itemset *out);
/* Ids of every score the receiver answered 2xx, with repeats. */
void accepted_score_ids(receiver *r, itemset *out);

/* Ok when every id of `want` occurs exactly once in `got` and `got` has nothing else; else
 * false with the first difference in `why`. */
bool itemset_exactly_once(const itemset *want, itemset *got, char *why, size_t cap);

#endif
