/* The cost tracker's name tables (name_table.h). */
#include "cost/name_table.h"
#include "core/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t llmobs__name_hash(const char *name)
{
    /* Every byte counts, read in as few loads as possible (names are short, and this runs on
     * every traced generation): eight bytes a step, the last step an eight-byte load ending at
     * the name's end (overlapping the previous one); shorter names in two overlapping 4-byte
     * loads or three single bytes. Then the finaliser of MurmurHash3, so all the bits reach
     * the low ones used as the slot. Not for hostile input: a caller choosing names can only
     * make its own lookups longer. */
    size_t len = strlen(name);
    uint64_t h = 0x9e3779b97f4a7c15u ^ len;
    if (len >= 8) {
        const char *end = name + len - 8;
        for (; name < end; name += 8)
            h = llmobs__hash_mix(h, llmobs__load64(name));
        h = llmobs__hash_mix(h, llmobs__load64(end));
    } else if (len >= 4) {
        h = llmobs__hash_mix(h, llmobs__load32(name) | llmobs__load32(name + len - 4) << 32);
    } else if (len > 0) {
        h = llmobs__hash_mix(h, (uint64_t)(unsigned char)name[0] |
                                    (uint64_t)(unsigned char)name[len / 2] << 8 |
                                    (uint64_t)(unsigned char)name[len - 1] << 16);
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h ? h : 1;
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
    size_t i = llmobs__name_probe(t, h, name);
    t->slots[i] = (llmobs__name_slot){h, name, index};
    t->n++;
    return true;
}

void llmobs__name_move(llmobs__name_table *t, uint64_t h, const char *name, uint32_t index)
{
    if (!t->n) return;
    size_t i = llmobs__name_probe(t, h, name);
    if (!t->slots[i].hash) return;
    t->slots[i].name = name;
    t->slots[i].index = index;
}

void llmobs__name_remove(llmobs__name_table *t, uint64_t h, const char *name)
{
    if (!t->n) return;
    size_t mask = t->cap - 1, i = llmobs__name_probe(t, h, name);
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
