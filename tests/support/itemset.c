#include "itemset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void itemset_add(itemset *s, const char *id)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->ids = realloc(s->ids, s->cap * sizeof *s->ids);
        if (!s->ids) abort();
    }
    s->ids[s->n] = strdup(id);
    if (!s->ids[s->n]) abort();
    s->n++;
}

void itemset_free(itemset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
    *s = (itemset){0};
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void itemset_sort(itemset *s)
{
    if (s->n) qsort(s->ids, s->n, sizeof *s->ids, cmp);
}

size_t itemset_count(const itemset *s, const char *id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(s->ids[mid], id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < s->n && strcmp(s->ids[lo + n], id) == 0)
        n++;
    return n;
}

void make_tracked(llmobs_client *c, int n, int scores, const char *tag, itemset *spans,
                  itemset *score_ids)
{
    char id[64], trace_id[33] = "0123456789abcdef0123456789abcdef";
    for (int i = 0; i < n; i++) {
        llmobs_trace *t = llmobs_trace_start(c, "request", NULL);
        llmobs_obs *g = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "llm", NULL);
        llmobs_obs_set_model(g, "gpt-4o");
        llmobs_obs_set_usage(g, 10, 20);
        if (llmobs_trace_span_id(t, id, sizeof id) == LLMOBS_OK && spans) itemset_add(spans, id);
        if (llmobs_obs_id(g, id, sizeof id) == LLMOBS_OK && spans) itemset_add(spans, id);
        llmobs_trace_id(t, trace_id, sizeof trace_id);
        llmobs_obs_end(g);
        llmobs_trace_end(t);
    }
    for (int i = 0; i < scores; i++) {
        llmobs_score *sc = llmobs_score_new("quality", NULL);
        snprintf(id, sizeof id, "%s-%d", tag, i);
        llmobs_score_set_numeric(sc, i % 10 / 10.0);
        llmobs_score_set_trace_id(sc, trace_id);
        llmobs_score_set_id(sc, id);
        if (score_ids) itemset_add(score_ids, id);
        llmobs_score_send(c, sc);
    }
}

void accepted_span_ids(receiver *r, itemset *out)
{
    cJSON *spans = receiver_accepted_spans(r);
    const cJSON *sp;
    cJSON_ArrayForEach(sp, spans)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(sp, "spanId");
        if (cJSON_IsString(id)) itemset_add(out, id->valuestring);
    }
    cJSON_Delete(spans);
}

void accepted_score_ids(receiver *r, itemset *out)
{
    size_t n = receiver_request_count(r);
    for (size_t i = 0; i < n; i++) {
        const recv_request *q = receiver_request(r, i);
        if (q->status < 200 || q->status >= 300 || strcmp(q->path, "/api/public/scores") != 0)
            continue;
        cJSON *j = cJSON_ParseWithLength(q->body, q->len);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (cJSON_IsString(id)) itemset_add(out, id->valuestring);
        cJSON_Delete(j);
    }
}

bool itemset_exactly_once(const itemset *want, itemset *got, char *why, size_t cap)
{
    itemset_sort(got);
    for (size_t i = 0; i < want->n; i++) {
        size_t k = itemset_count(got, want->ids[i]);
        if (k != 1) {
            snprintf(why, cap, "id %s received %zu times", want->ids[i], k);
            return false;
        }
    }
    if (got->n != want->n) {
        snprintf(why, cap, "received %zu items, created %zu", got->n, want->n);
        return false;
    }
    return true;
}
