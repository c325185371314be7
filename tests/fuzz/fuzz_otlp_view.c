/* A destination's view of a request body (export/otlp_view.c) over arbitrary bytes: never a
 * read past the input, the "all" view is the input itself, and a body that is valid JSON gives
 * valid JSON, no longer than the input, without an attribute entry the view leaves out. */
#include "export/otlp_view.h"
#include "fuzz.h"

#include <cjson/cJSON.h>

/* Whether an "attributes" array of `j` has a {"key": "<prefix>...", ...} entry (arrays inside
 * an attribute entry are copied as they are, so the search does not enter entries).
 * NOLINTNEXTLINE(misc-no-recursion) */
static int has_entry(const cJSON *j, const char *prefix)
{
    if (!j) return 0;
    if (j->string && strcmp(j->string, "attributes") == 0 && cJSON_IsArray(j)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, j)
        {
            const cJSON *k = NULL;
            for (const cJSON *m = cJSON_IsObject(e) ? e->child : NULL; m && !k; m = m->next)
                if (m->string && strcmp(m->string, "key") == 0 && cJSON_IsString(m)) k = m;
            if (k && strncmp(k->valuestring, prefix, strlen(prefix)) == 0) return 1;
        }
        return 0;
    }
    for (const cJSON *c = j->child; c; c = c->next)
        if (has_entry(c, prefix)) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so a read past the end is caught by ASan */
    char *body = malloc(size ? size : 1);
    if (!body) abort();
    if (size) memcpy(body, data, size);
    llmobs__buf all = {0};
    FUZZ_CHECK(llmobs__otlp_view_apply(body, size, LLMOBS__VIEW_ALL, &all));
    FUZZ_CHECK(all.len == size && (!size || memcmp(all.data, body, size) == 0));
    llmobs__buf_free(&all);
    /* valid JSON by cJSON's reading, the whole input (no NUL inside, nothing after) */
    char *text = fuzz_string(data, size);
    cJSON *in =
        memchr(body, '\0', size) ? NULL : cJSON_ParseWithLengthOpts(text, size + 1, NULL, 1);
    free(text);
    static const llmobs__otlp_view views[] = {LLMOBS__VIEW_LANGFUSE, LLMOBS__VIEW_GENAI};
    static const char *const dropped[] = {"gen_ai.", "langfuse."};
    for (int v = 0; v < 2; v++) {
        llmobs__buf out = {0};
        bool ok = llmobs__otlp_view_apply(body, size, views[v], &out);
        if (in) {
            FUZZ_CHECK(ok);
            FUZZ_CHECK(out.len <= size);
            cJSON *j = cJSON_ParseWithLength(out.data ? out.data : "", out.len);
            FUZZ_CHECK(j != NULL);
            FUZZ_CHECK(!has_entry(j, dropped[v]));
            cJSON_Delete(j);
        }
        llmobs__buf_free(&out);
    }
    cJSON_Delete(in);
    free(body);
    return 0;
}
