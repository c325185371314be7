/* The cost tracker's name tables (name_table.h). */
#include "cost/name_table.h"

#include <stdlib.h>
#include <string.h>

uint64_t llmobs__name_hash(const char *name)
{
    /* Eight bytes a step (names are short: one strlen, one or two words), then a final mix
     * (the finaliser of MurmurHash3) so every bit of the words reaches the low bits used as
     * the slot. Not for hostile input: a caller choosing names can only make its own
     * lookups longer. */
    size_t len = strlen(name);
    uint64_t h = 0x9e3779b97f4a7c15u ^ len;
    for (; len >= 8; len -= 8, name += 8) {
        uint64_t w;
        memcpy(&w, name, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, name, len);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h ? h : 1;
}

/* The slot holding `name`, or the empty slot where it would go. */
static size_t probe(const llmobs__name_table *t, uint64_t h, const char *name)
{
    size_t mask = t->cap - 1, i = (size_t)h & mask;
    while (t->slots[i].hash && (t->slots[i].hash != h || strcmp(t->slots[i].name, name) != 0))
        i = (i + 1) & mask;
    return i;
}

uint32_t llmobs__name_find(const llmobs__name_table *t, uint64_t h, const char *name)
{
    if (!t->n) return LLMOBS__NAME_NONE;
    size_t i = probe(t, h, name);
    return t->slots[i].hash ? t->slots[i].index : LLMOBS__NAME_NONE;
}

static bool grow(llmobs__name_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    llmobs__name_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    llmobs__name_table bigger = {slots, cap, t->n};
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].hash) {
            size_t j = (size_t)t->slots[i].hash & (cap - 1);
            while (slots[j].hash)
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
    free(t->slots);
    *t = bigger;
    return true;
}

bool llmobs__name_insert(llmobs__name_table *t, uint64_t h, const char *name, uint32_t index)
{
    if (2 * (t->n + 1) > t->cap && !grow(t)) return false; /* at most half full */
    size_t i = probe(t, h, name);
    t->slots[i] = (llmobs__name_slot){h, name, index};
    t->n++;
    return true;
}

void llmobs__name_move(llmobs__name_table *t, uint64_t h, const char *name, uint32_t index)
{
    if (!t->n) return;
    size_t i = probe(t, h, name);
    if (!t->slots[i].hash) return;
    t->slots[i].name = name;
    t->slots[i].index = index;
}

void llmobs__name_remove(llmobs__name_table *t, uint64_t h, const char *name)
{
    if (!t->n) return;
    size_t mask = t->cap - 1, i = probe(t, h, name);
    if (!t->slots[i].hash) return;
    /* Backward-shift deletion: move up every following slot of the run whose home position
     * is not between the hole and it (cyclically), so no lookup meets an early empty slot. */
    for (size_t j = (i + 1) & mask; t->slots[j].hash; j = (j + 1) & mask) {
        size_t home = (size_t)t->slots[j].hash & mask;
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i] = (llmobs__name_slot){0};
    t->n--;
}

void llmobs__name_clear(llmobs__name_table *t)
{
    if (t->n) memset(t->slots, 0, t->cap * sizeof *t->slots);
    t->n = 0;
}

void llmobs__name_table_free(llmobs__name_table *t)
{
    free(t->slots);
    *t = (llmobs__name_table){0};
}
