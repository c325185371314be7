/* Option values through llmobs_options_set, the getter, and the environment. The first byte
 * picks the key (one of the table's, or the rest of the input up to '=' as a free key). */
#include "core/options.h"
#include "fuzz.h"

#include <llmobs/llmobs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char *rest = fuzz_string(data + 1, size - 1);
    const char *key = NULL, *env = NULL;
    char *value = rest;
    if (llmobs_option_key_at(data[0], &key, &env, NULL, NULL) != LLMOBS_OK) {
        char *eq = strchr(rest, '=');
        if (eq) {
            *eq = '\0';
            key = rest;
            value = eq + 1;
        } else {
            key = rest;
            value = "";
        }
        env = NULL;
    }
    llmobs_options *o = llmobs_options_new();
    FUZZ_CHECK(o != NULL);
    llmobs_status st = llmobs_options_set(o, key, value);
    char buf[256];
    size_t needed = 0;
    llmobs_status g = llmobs_options_get(o, key, buf, sizeof buf, &needed);
    if (st == LLMOBS_OK) FUZZ_CHECK(g == LLMOBS_OK || g == LLMOBS_ELIMIT);
    if (g == LLMOBS_ELIMIT) {
        char *big = malloc(needed + 1);
        FUZZ_CHECK(big && llmobs_options_get(o, key, big, needed + 1, NULL) == LLMOBS_OK);
        free(big);
    }
    llmobs_options_free(o);
    /* The same value from the environment (first variable of the key). */
    if (env && *env) {
        char var[128];
        size_t n = strcspn(env, ",");
        if (n < sizeof var) {
            memcpy(var, env, n);
            var[n] = '\0';
            setenv(var, value, 1);
            o = llmobs_options_new();
            llmobs__options_apply_env(o);
            llmobs_options_free(o);
            unsetenv(var);
        }
    }
    free(rest);
    return 0;
}
