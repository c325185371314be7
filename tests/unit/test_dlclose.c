/* Safe to unload: dlopen libllmobs.so.0, trace, export, serve metrics, shut everything down,
 * and dlclose it — three times. After llmobs_shutdown and llmobs_metrics_server_stop return,
 * no thread of the library runs (the process is back to its own thread count), and the
 * library is really unmapped by dlclose. Run under ASan/TSan/valgrind by scripts/test.sh. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <llmobs/llmobs.h>
#include <llmobs/metrics.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static atomic_uint exported_items;

static llmobs_export_result on_export(const char *body, size_t len, const char *ct, uint32_t items,
                                      void *ud)
{
    (void)body, (void)len, (void)ct, (void)ud;
    atomic_fetch_add(&exported_items, items);
    return LLMOBS_EXPORT_OK;
}

/* Resolves `name` in `h` into a function pointer of the declared type. */
#define SYM(h, name)                                                                               \
    __typeof__(&name) p_##name;                                                                    \
    *(void **)(&p_##name) = dlsym(h, #name);                                                       \
    CHECK(p_##name != NULL);                                                                       \
    if (!p_##name) return

static void use_and_unload(const char *path, int before)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return;
    }
    SYM(h, llmobs_options_new);
    SYM(h, llmobs_options_set);
    SYM(h, llmobs_options_set_export_callback);
    SYM(h, llmobs_options_set_registry);
    SYM(h, llmobs_registry_new);
    SYM(h, llmobs_registry_free);
    SYM(h, llmobs_metrics_server_start);
    SYM(h, llmobs_metrics_server_stop);
    SYM(h, llmobs_client_new);
    SYM(h, llmobs_trace_start);
    SYM(h, llmobs_obs_start);
    SYM(h, llmobs_obs_set_model);
    SYM(h, llmobs_obs_set_usage);
    SYM(h, llmobs_obs_end);
    SYM(h, llmobs_trace_end);
    SYM(h, llmobs_flush);
    SYM(h, llmobs_shutdown);

    /* A registry of our own: the process-wide default one lives until exit by design. */
    llmobs_registry *reg = p_llmobs_registry_new(NULL);
    CHECK(reg != NULL);
    llmobs_metrics_server *srv = NULL;
    CHECK(p_llmobs_metrics_server_start(reg, "127.0.0.1:0", &srv) == LLMOBS_OK);
    llmobs_options *o = p_llmobs_options_new();
    CHECK(p_llmobs_options_set_export_callback(o, on_export, NULL) == LLMOBS_OK);
    CHECK(p_llmobs_options_set_registry(o, reg) == LLMOBS_OK);
    CHECK(p_llmobs_options_set(o, "flush_at", "1") == LLMOBS_OK);
    llmobs_client *c = p_llmobs_client_new(o, NULL);
    CHECK(c != NULL);
    CHECK(thread_count() > before); /* the flusher and the scrape server run */

    unsigned start = atomic_load(&exported_items);
    llmobs_trace *t = p_llmobs_trace_start(c, "unload", NULL);
    llmobs_obs *g = p_llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "g", NULL);
    p_llmobs_obs_set_model(g, "gpt-4o");
    p_llmobs_obs_set_usage(g, 10, 2);
    CHECK(p_llmobs_obs_end(g) == LLMOBS_OK);
    CHECK(p_llmobs_trace_end(t) == LLMOBS_OK);
    uint64_t pending = 1;
    CHECK(p_llmobs_flush(c, 10000, &pending) == LLMOBS_OK && pending == 0);
    CHECK(atomic_load(&exported_items) - start == 2);

    CHECK(p_llmobs_shutdown(c, 5000) == LLMOBS_OK);
    p_llmobs_metrics_server_stop(srv);
    p_llmobs_registry_free(reg);
    /* No thread of the library is left. TSan's runtime starts one background thread of its
     * own once the process creates threads; it is not the library's. */
    int after = thread_count();
#if defined(__SANITIZE_THREAD__)
    CHECK(after == before || after == before + 1);
#else
    CHECK(after == before);
#endif

    CHECK(dlclose(h) == 0);
    void *again = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    CHECK(again == NULL); /* really unmapped */
    if (again) dlclose(again);
}

int main(void)
{
    /* The library of this build: $LLMOBS_BUILD_DIR (ctest), else next to tests/ (valgrind
     * runs the binaries directly). */
    char path[4096];
    const char *dir = getenv("LLMOBS_BUILD_DIR");
    if (dir) {
        snprintf(path, sizeof path, "%s/libllmobs.so.0", dir);
    } else {
        char exe[4000];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return 1;
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(path, sizeof path, "%s/../libllmobs.so.0", exe);
    }
    int before = thread_count();
    CHECK(before >= 1);
    use_and_unload(path, before);
    before = thread_count(); /* from here on, exactly as many threads as after round 1 */
    for (int round = 1; round < 3; round++)
        use_and_unload(path, before);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
