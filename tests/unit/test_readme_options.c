/* README's configuration table is the option table: every key appears with its environment
 * variables, default and description, so the docs cannot drift from the code.
 * Run with --print to print the table to paste into README.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <llmobs/llmobs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void format_row(size_t i, char *row, size_t cap)
{
    const char *key, *env, *def, *doc;
    llmobs_option_key_at(i, &key, &env, &def, &doc);
    char envs[160] = "";
    if (*env) {
        char copy[128];
        snprintf(copy, sizeof copy, "%s", env);
        for (char *save = NULL, *e = strtok_r(copy, ",", &save); e;
             e = strtok_r(NULL, ",", &save)) {
            size_t n = strlen(envs);
            snprintf(envs + n, sizeof envs - n, "%s`%s`", n ? ", " : "", e);
        }
    }
    char shown[160];
    snprintf(shown, sizeof shown, *def ? "`%s`" : "(empty)", def);
    snprintf(row, cap, "| `%s` | %s | %s | %s |", key, envs, shown, doc);
}

static char *read_readme(void)
{
    const char *src = getenv("LLMOBS_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/README.md", src ? src : ".");
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc(1, (size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) text[0] = '\0';
    fclose(f);
    return text;
}

static void readme_lists_every_option_key_exactly(void **state)
{
    (void)state;
    char *readme = read_readme();
    assert_non_null(readme);
    char row[1024];
    for (size_t i = 0; llmobs_option_key_at(i, NULL, NULL, NULL, NULL) == LLMOBS_OK; i++) {
        format_row(i, row, sizeof row);
        if (!strstr(readme, row)) fail_msg("README.md lacks the row:\n%s", row);
    }
    free(readme);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--print") == 0) {
        char row[1024];
        puts("| key | environment | default | meaning |\n|---|---|---|---|");
        for (size_t i = 0; llmobs_option_key_at(i, NULL, NULL, NULL, NULL) == LLMOBS_OK; i++) {
            format_row(i, row, sizeof row);
            puts(row);
        }
        return 0;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(readme_lists_every_option_key_exactly)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
