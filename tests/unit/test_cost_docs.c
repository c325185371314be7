/* docs/cost.md cannot drift from the built-in price table: every model has its row there, with
 * the same numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cost/cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_doc(void)
{
    const char *dir = getenv("LLMOBS_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/cost.md", dir ? dir : ".");
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void every_builtin_model_has_its_row_in_docs(void **state)
{
    (void)state;
    char *doc = read_doc();
    size_t n = llmobs__price_builtin_count();
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const llmobs__price *p = llmobs__price_builtin_at(i);
        char row[256];
        snprintf(row, sizeof row, "| `%s` | %g | %g | %g | %g | %g | %lld |", p->model,
                 p->usd_per_mtok[LLMOBS_PRICE_INPUT], p->usd_per_mtok[LLMOBS_PRICE_OUTPUT],
                 p->usd_per_mtok[LLMOBS_PRICE_CACHE_READ],
                 p->usd_per_mtok[LLMOBS_PRICE_CACHE_WRITE], p->usd_per_mtok[LLMOBS_PRICE_REASONING],
                 (long long)p->context_window);
        if (!strstr(doc, row)) fail_msg("docs/cost.md lacks the row: %s", row);
    }
    free(doc);
}

static void docs_name_every_cost_option(void **state)
{
    (void)state;
    char *doc = read_doc();
    static const char *const words[] = {"LLMOBS_PRICES_FILE",       "LLMOBS_BUDGETS",
                                        "LLMOBS_BUDGET_THRESHOLDS", "prices_file",
                                        "budget_thresholds",        "00:00:00 UTC"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strstr(doc, words[i])) fail_msg("docs/cost.md does not mention %s", words[i]);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_builtin_model_has_its_row_in_docs),
        cmocka_unit_test(docs_name_every_cost_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
