#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "spool_test.h"
#include "export/spool.h"
#include "http_test.h"
#include <llmobs/metrics.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *make_dir(void)
{
    char tmpl[] = "/tmp/llmobs-spool-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Spool files (not temp files) in `dir`: count and total bytes. */
size_t spool_files(const char *dir, uint64_t *bytes)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    uint64_t total = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 5, ".llsp") != 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) == 0) total += (uint64_t)st.st_size;
        n++;
    }
    closedir(d);
    if (bytes) *bytes = total;
    return n;
}

/* Reads every spool file of `dir` and adds its span ids / score ids (the ground truth of what
 * reached the disk). Returns the items the headers declare. */
uint64_t spooled_ids(const char *dir, itemset *spans, itemset *scores)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    uint64_t items = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 5, ".llsp") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *data = malloc((size_t)size);
        assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
        fclose(f);
        llmobs__spool_header h;
        const char *body;
        assert_true(llmobs__spool_decode(data, (size_t)size, &h, &body));
        items += h.items;
        cJSON *j = cJSON_ParseWithLength(body, (size_t)h.payload_len);
        assert_non_null(j);
        if (h.kind == 1) {
            itemset_add(scores, cJSON_GetObjectItem(j, "id")->valuestring);
        } else {
            const cJSON *rs, *ss, *sp;
            cJSON_ArrayForEach(rs, cJSON_GetObjectItem(j, "resourceSpans"))
            {
                cJSON_ArrayForEach(ss, cJSON_GetObjectItem(rs, "scopeSpans"))
                {
                    cJSON_ArrayForEach(sp, cJSON_GetObjectItem(ss, "spans"))
                        itemset_add(spans, cJSON_GetObjectItem(sp, "spanId")->valuestring);
                }
            }
        }
        cJSON_Delete(j);
        free(data);
    }
    closedir(d);
    return items;
}

/* A client of `r` spooling to `dir`, giving up after the first failed attempt. */
llmobs_client *spool_client(receiver *r, const char *dir, int flush_at, const char *max_bytes)
{
    llmobs_options *o = receiver_options(r, NULL, flush_at);
    llmobs_options_set(o, "debug", "false");
    assert_int_equal(llmobs_options_set(o, "spool_dir", dir), LLMOBS_OK);
    llmobs_options_set(o, "max_retries", "0");
    if (max_bytes) assert_int_equal(llmobs_options_set(o, "spool_max_bytes", max_bytes), LLMOBS_OK);
    llmobs_client *c = llmobs_client_new(o, NULL);
    assert_non_null(c);
    return c;
}

void assert_balanced(llmobs_client *c)
{
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS),
                     client_stat(c, LLMOBS_STAT_EXPORTED) + client_stat(c, LLMOBS_STAT_DROPPED) +
                         client_stat(c, LLMOBS_STAT_SPOOLED) + client_stat(c, LLMOBS_STAT_PENDING));
}

void check_exactly_once(receiver *r, const itemset *spans, const itemset *scores)
{
    char why[200] = "";
    itemset got = {0};
    accepted_span_ids(r, &got);
    bool ok = itemset_exactly_once(spans, &got, why, sizeof why);
    if (!ok) fail_msg("spans: %s", why);
    itemset_free(&got);
    accepted_score_ids(r, &got);
    ok = itemset_exactly_once(scores, &got, why, sizeof why);
    if (!ok) fail_msg("scores: %s", why);
    itemset_free(&got);
}

void only_spool_file(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".llsp") && de->d_name[0] != '.') {
            snprintf(out, cap, "%s/%s", dir, de->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
}

double default_registry_sample(const char *sample)
{
    char *text = NULL;
    assert_int_equal(
        llmobs_metrics_render_string(llmobs_registry_default(), LLMOBS_FORMAT_TEXT, &text, NULL),
        LLMOBS_OK);
    double v = 0;
    size_t n = strlen(sample);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, sample, n) == 0 && line[n] == ' ') v = strtod(line + n + 1, NULL);
    llmobs_metrics_string_free(text);
    return v;
}
