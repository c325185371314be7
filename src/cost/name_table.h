/* Internal: an open-addressing hash table from names to small indices, the cost tracker's way
 * to find a feature, model, user or cached price in O(1) instead of scanning its arrays.
 *
 * The table does not own the names: each slot points at a name that the caller keeps alive
 * (the tracker's entries own their names) and maps it to the caller's index of that entry.
 * Hashes are computed once per name with llmobs__name_hash, outside any lock when possible,
 * and passed to every call, so one hash serves several tables (the model's spend and price).
 * Linear probing, at most half full; removal shifts the following slots back (no tombstones),
 * so lookups stay short however many names come and go. */
#ifndef LLMOBS_COST_NAME_TABLE_H
#define LLMOBS_COST_NAME_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LLMOBS__NAME_NONE UINT32_MAX /* "not found" */

typedef struct llmobs__name_slot {
    uint64_t hash;    /* 0 = empty (llmobs__name_hash never returns 0) */
    const char *name; /* the caller's */
    uint32_t index;
} llmobs__name_slot;

typedef struct llmobs__name_table {
    llmobs__name_slot *slots;
    size_t cap; /* a power of two, or 0 before the first insert */
    size_t n;
} llmobs__name_table;

/* A 64-bit hash of a NUL-terminated name, never 0. */
uint64_t llmobs__name_hash(const char *name);

/* The slot holding `name` (with hash `h`), or the empty slot where it would go. The table
 * must have slots. Inline, with llmobs__name_find: the hot path of every generation. */
static inline size_t llmobs__name_probe(const llmobs__name_table *t, uint64_t h, const char *name)
{
    size_t mask = t->cap - 1, i = (size_t)h & mask;
    while (t->slots[i].hash && (t->slots[i].hash != h || strcmp(t->slots[i].name, name) != 0))
        i = (i + 1) & mask;
    return i;
}

/* The index stored for `name` (with hash `h`), or LLMOBS__NAME_NONE. */
static inline uint32_t llmobs__name_find(const llmobs__name_table *t, uint64_t h, const char *name)
{
    if (!t->n) return LLMOBS__NAME_NONE;
    size_t i = llmobs__name_probe(t, h, name);
    return t->slots[i].hash ? t->slots[i].index : LLMOBS__NAME_NONE;
}
/* Adds `name` (not present yet) -> index. False on ENOMEM (the table is unchanged). */
bool llmobs__name_insert(llmobs__name_table *t, uint64_t h, const char *name, uint32_t index);
/* Points the present `name` at a new index (its entry moved); `name` may be a new pointer to
 * equal text (the entry's own copy). */
void llmobs__name_move(llmobs__name_table *t, uint64_t h, const char *name, uint32_t index);
/* Removes `name` if present. */
void llmobs__name_remove(llmobs__name_table *t, uint64_t h, const char *name);
/* Forgets every name, keeping the memory. */
void llmobs__name_clear(llmobs__name_table *t);
void llmobs__name_table_free(llmobs__name_table *t);

#endif
