/* The built-in price table (the one table; docs/cost.md is checked against it by
 * tests/unit/test_cost_docs.c), the model-name matching rule and the cost arithmetic.
 *
 * Units: USD per 1M tokens; columns: input, output, cache read, cache write, reasoning output.
 * Where a provider does not price a type separately, the column repeats the price the provider
 * bills it at (cache writes at the input price for OpenAI and Google, reasoning at the output
 * price for everyone: all three bill reasoning tokens as output tokens).
 *
 * Sources, honestly stated:
 *  - [article]: the reference article's table "USD per 1M tokens, as of 2026-05", input and
 *    output only. Used verbatim for its seven models because the project follows it.
 *  - [anthropic]: Anthropic's public pricing page (anthropic.com/pricing, docs "Pricing") as I
 *    remember it, believed current in 2025-11: cache reads 0.1x input, 5-minute cache
 *    writes 1.25x input. For article models, cache prices apply those ratios to the article's
 *    input price.
 *  - [openai]: OpenAI's API pricing page (openai.com/api/pricing) as I remember it, believed
 *    current in 2025-10. No cache-write charge; cached input as listed.
 *  - [google]: Google's Gemini API pricing page (ai.google.dev/gemini-api/docs/pricing) as I
 *    remember it, believed current in 2025-10, for prompts up to 200k tokens (the long-context
 *    tier is not modelled). Context-cache storage per hour is not a token price and is left out.
 *  - [mistral]: Mistral's pricing page (mistral.ai/pricing) as I remember it, 2025-06.
 *  Figures from memory can be stale; a prices file (LLMOBS_PRICES_FILE) overrides any of them.
 *
 * Known disagreement: the article lists claude-opus-4-5 at 15/75 and claude-haiku-4-5 at
 * 0.25/1.25; Anthropic's page as I remember it lists Opus 4.5 at 5/25 and Haiku 4.5 at 1/5
 * (15/75 is Opus 4/4.1, 0.25/1.25 is Claude 3 Haiku). The table keeps the article's figures
 * as the project asked; override them with a prices file if you bill at list price. */
#include "cost/cost.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define M(name, in, out, cread, cwrite, reason, ctx)                                               \
    {                                                                                              \
        name, {in, out, cread, cwrite, reason}, ctx                                                \
    }

static const llmobs__price builtin[] = {
    /* ---- the article's models ---- */
    /* [article] 2026-05 in/out; cache [anthropic] ratios on the article's input price. */
    M("claude-opus-4-5", 15.00, 75.00, 1.50, 18.75, 75.00, 200000),
    M("claude-sonnet-4-5", 3.00, 15.00, 0.30, 3.75, 15.00, 200000),
    M("claude-haiku-4-5", 0.25, 1.25, 0.025, 0.3125, 1.25, 200000),
    /* [article] 2026-05 in/out; cached input and context [openai] 2025-10. */
    M("gpt-4o", 2.50, 10.00, 1.25, 2.50, 10.00, 128000),
    M("gpt-4o-mini", 0.15, 0.60, 0.075, 0.15, 0.60, 128000),
    /* [article] 2026-05 in/out; cached input and context [google] 2025-10. */
    M("gemini-2.0-flash", 0.10, 0.40, 0.025, 0.10, 0.40, 1048576),
    M("gemini-2.5-pro", 1.25, 10.00, 0.31, 1.25, 10.00, 1048576),

    /* ---- Anthropic [anthropic], believed current 2025-11 ---- */
    M("claude-opus-4-1", 15.00, 75.00, 1.50, 18.75, 75.00, 200000),
    M("claude-opus-4", 15.00, 75.00, 1.50, 18.75, 75.00, 200000),
    M("claude-sonnet-4", 3.00, 15.00, 0.30, 3.75, 15.00, 200000),
    M("claude-3-7-sonnet", 3.00, 15.00, 0.30, 3.75, 15.00, 200000),
    M("claude-3-5-haiku", 0.80, 4.00, 0.08, 1.00, 4.00, 200000),
    M("claude-3-haiku", 0.25, 1.25, 0.03, 0.30, 1.25, 200000),

    /* ---- OpenAI [openai], believed current 2025-10 ---- */
    /* The May 2024 gpt-4o snapshot kept its launch price; an exact entry beats the prefix
     * rule that would otherwise price it as gpt-4o. No caching discount for it. */
    M("gpt-4o-2024-05-13", 5.00, 15.00, 5.00, 5.00, 15.00, 128000),
    M("gpt-5", 1.25, 10.00, 0.125, 1.25, 10.00, 400000),
    M("gpt-5-mini", 0.25, 2.00, 0.025, 0.25, 2.00, 400000),
    M("gpt-5-nano", 0.05, 0.40, 0.005, 0.05, 0.40, 400000),
    M("gpt-4.1", 2.00, 8.00, 0.50, 2.00, 8.00, 1047576),
    M("gpt-4.1-mini", 0.40, 1.60, 0.10, 0.40, 1.60, 1047576),
    M("gpt-4.1-nano", 0.10, 0.40, 0.025, 0.10, 0.40, 1047576),
    M("o3", 2.00, 8.00, 0.50, 2.00, 8.00, 200000),
    M("o3-mini", 1.10, 4.40, 0.55, 1.10, 4.40, 200000),
    M("o4-mini", 1.10, 4.40, 0.275, 1.10, 4.40, 200000),
    /* Pro variants cost far more than their base models, so they need their own entries: the
     * prefix rule would otherwise price "o3-pro" as "o3". No caching discount listed. */
    M("o3-pro", 20.00, 80.00, 20.00, 20.00, 80.00, 200000),
    M("gpt-5-pro", 15.00, 120.00, 15.00, 15.00, 120.00, 400000),

    /* ---- Google [google], believed current 2025-10, prompts <= 200k tokens ---- */
    M("gemini-2.5-flash", 0.30, 2.50, 0.075, 0.30, 2.50, 1048576),
    M("gemini-2.5-flash-lite", 0.10, 0.40, 0.025, 0.10, 0.40, 1048576),
    /* No context caching for 2.0 Flash-Lite: cached input billed as input. */
    M("gemini-2.0-flash-lite", 0.075, 0.30, 0.075, 0.075, 0.30, 1048576),

    /* ---- Mistral [mistral], believed current 2025-06; no caching price ---- */
    M("mistral-large", 2.00, 6.00, 2.00, 2.00, 6.00, 131072),
    M("mistral-medium-3", 0.40, 2.00, 0.40, 0.40, 2.00, 131072),
    M("mistral-small", 0.10, 0.30, 0.10, 0.10, 0.30, 131072),
};

#define BUILTIN_COUNT (sizeof builtin / sizeof builtin[0])

const llmobs__price *llmobs__price_builtin_at(size_t i)
{
    return i < BUILTIN_COUNT ? &builtin[i] : NULL;
}

size_t llmobs__price_builtin_count(void)
{
    return BUILTIN_COUNT;
}

static const llmobs__price *find_exact(const llmobs__price *list, size_t n, const char *name,
                                       size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i].model) == len && strncasecmp(list[i].model, name, len) == 0)
            return &list[i];
    return NULL;
}

/* The longest entry of `list` that is a prefix of name[0..len) followed by '-' or '@' (Vertex
 * writes "claude-sonnet-4-5@20250929"). Only whole name segments match, so "gpt-4o" is never
 * found for "gpt-4omni" and "gpt-4o-mini-2024-07-18" finds "gpt-4o-mini", the longer name. */
static const llmobs__price *find_prefix(const llmobs__price *list, size_t n, const char *name,
                                        size_t len, size_t *best_len)
{
    const llmobs__price *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(list[i].model);
        if (k >= len || k <= *best_len) continue;
        if (name[k] != '-' && name[k] != '@') continue;
        if (strncasecmp(list[i].model, name, k) != 0) continue;
        best = &list[i];
        *best_len = k;
    }
    return best;
}

static const llmobs__price *match_name(const llmobs__price *overlay, size_t noverlay,
                                       const char *name, size_t len)
{
    const llmobs__price *p = find_exact(overlay, noverlay, name, len);
    if (!p) p = find_exact(builtin, BUILTIN_COUNT, name, len);
    return p;
}

const llmobs__price *llmobs__price_match(const llmobs__price *overlay, size_t noverlay,
                                         const char *model)
{
    if (!model || !*model) return NULL;
    size_t len = strlen(model);
    /* 1. The name as given: a file may price "openai/gpt-4o" differently from "gpt-4o". */
    const llmobs__price *p = match_name(overlay, noverlay, model, len);
    if (p) return p;
    /* 2. Without a provider or route prefix ("openai/", "anthropic/", "models/", or several,
     *    as in "openrouter/anthropic/"): everything up to the last '/'. */
    const char *slash = strrchr(model, '/');
    if (slash) {
        model = slash + 1;
        len = strlen(model);
        if (!len) return NULL;
        p = match_name(overlay, noverlay, model, len);
        if (p) return p;
    }
    /* 3. Longest known prefix at a segment boundary; on equal length the overlay wins. */
    size_t best_len = 0;
    const llmobs__price *o = find_prefix(overlay, noverlay, model, len, &best_len);
    const llmobs__price *b = find_prefix(builtin, BUILTIN_COUNT, model, len, &best_len);
    return b ? b : o;
}

void llmobs__price_apply(const double usd_per_mtok[LLMOBS_PRICE_KIND_COUNT],
                         const int64_t tokens[LLMOBS_PRICE_KIND_COUNT],
                         double cost_out[LLMOBS_COST_KIND_COUNT])
{
    /* In whole picodollars (USD 1e-12; the cheapest built-in token costs 5,000), one division:
     * each cost is the double nearest its decimal value (0.6 x 47 / 1e6 is 2.82e-05, where the
     * product and a division would leave 2.8199999999999998e-05 on the wire and in every sum),
     * and the total is the exact sum of the parts, not a sum of rounded doubles. */
    double total = 0;
    for (int k = 0; k < LLMOBS_PRICE_KIND_COUNT; k++) {
        double pico = usd_per_mtok[k] * (double)tokens[k] * 1e6;
        if (pico > 0 && pico < 0x1p53) /* above, a double is a whole number already */
            pico = (double)(int64_t)(pico + 0.5);
        cost_out[k] = pico / 1e12;
        total += pico;
    }
    cost_out[LLMOBS_COST_TOTAL] = total / 1e12;
}
