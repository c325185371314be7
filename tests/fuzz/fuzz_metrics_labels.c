/* Metric names, label names and label values, the exposition renderers, and the Accept /
 * Accept-Encoding headers of scrapers. Input: name \0 label \0 value \0 accept. */
#include "fuzz.h"
#include "metrics/metrics.h"

#include <llmobs/metrics.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The raw bytes, split at NULs into up to four NUL-terminated parts. */
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL);
    if (size) memcpy(copy, data, size);
    copy[size] = '\0';
    const char *p[4] = {"", "", "", ""};
    size_t off = 0;
    for (int i = 0; i < 4 && off <= size; i++) {
        p[i] = copy + off;
        off += strlen(copy + off) + 1;
    }

    llmobs_metrics_format f = llmobs_metrics_format_for_accept(p[3]);
    FUZZ_CHECK(f == LLMOBS_FORMAT_TEXT || f == LLMOBS_FORMAT_OPENMETRICS);
    (void)llmobs__metrics_gzip_accepted(p[3]);

    llmobs_registry *r = llmobs_registry_new(NULL);
    FUZZ_CHECK(r != NULL);
    const char *labels[1] = {p[1]};
    llmobs_family *fam = NULL;
    if (llmobs_counter_register(r, p[0], "help \\ \n text", NULL, labels, 1, &fam) == LLMOBS_OK) {
        const char *values[1] = {p[2]};
        llmobs_counter_add_labels(fam, values, 1, 1.5);
    }
    llmobs_family *g = NULL;
    const char *fixed[1] = {"v"};
    if (llmobs_gauge_register(r, "fuzz_gauge", "gauge", NULL, fixed, 1, &g) == LLMOBS_OK) {
        const char *values[1] = {p[2]};
        llmobs_gauge_set_labels(g, values, 1, -2.25);
    }
    for (int fmt = 0; fmt < 2; fmt++) {
        char *out = NULL;
        size_t len = 0;
        llmobs_status st = llmobs_metrics_render_string(
            r, fmt ? LLMOBS_FORMAT_OPENMETRICS : LLMOBS_FORMAT_TEXT, &out, &len);
        FUZZ_CHECK(st == LLMOBS_OK && out && strlen(out) == len);
        llmobs_metrics_string_free(out);
    }
    char *body = NULL;
    size_t len = 0;
    const char *ct = NULL;
    FUZZ_CHECK(llmobs_metrics_render_for_accept(r, p[3], &body, &len, &ct) == LLMOBS_OK);
    llmobs_metrics_string_free(body);
    llmobs_registry_free(r);
    free(copy);
    return 0;
}
