#include "ingestion_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void ingestion_server_init(ingestion_server *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
}

void ingestion_server_destroy(ingestion_server *s)
{
    pthread_mutex_destroy(&s->mu);
}

void ingestion_rule(ingestion_server *s, const char *event_id, int first, int second,
                    const char *message)
{
    pthread_mutex_lock(&s->mu);
    if (s->nrules < MAX_EVENT_RULES) {
        event_rule *r = &s->rules[s->nrules++];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", event_id);
        r->statuses[0] = first;
        r->statuses[1] = second;
        r->message = message;
    }
    pthread_mutex_unlock(&s->mu);
}

/* The status for the next arrival of `id` (s->mu held). */
static int status_for(ingestion_server *s, const char *id, const char **message)
{
    for (size_t i = 0; i < s->nrules; i++) {
        event_rule *r = &s->rules[i];
        if (strcmp(r->id, id) != 0) continue;
        int k = r->seen++;
        int st = k < 4 ? r->statuses[k] : 0;
        *message = r->message;
        return st ? st : 201;
    }
    return 201;
}

char *ingestion_respond(const recv_request *q, int *status, void *ud)
{
    ingestion_server *s = ud;
    cJSON *req = cJSON_Parse(q->body);
    const cJSON *batch = cJSON_GetObjectItem(req, "batch");
    if (strcmp(q->path, INGESTION_PATH) != 0 || !cJSON_IsArray(batch)) {
        *status = 400;
        cJSON_Delete(req);
        return strdup("{\"message\":\"Invalid request data\"}");
    }
    pthread_mutex_lock(&s->mu);
    size_t k = s->requests++;
    int whole = k < 8 ? s->request_status[k] : 0;
    pthread_mutex_unlock(&s->mu);
    if (whole) {
        *status = whole;
        cJSON_Delete(req);
        return strdup("{\"message\":\"scripted whole-request answer\"}");
    }
    size_t n = (size_t)cJSON_GetArraySize(batch), i = 0;
    char **ids = calloc(n ? n : 1, sizeof *ids);
    int *statuses = calloc(n ? n : 1, sizeof *statuses);
    const char **messages = calloc(n ? n : 1, sizeof *messages);
    if (!ids || !statuses || !messages) abort();
    const cJSON *ev;
    pthread_mutex_lock(&s->mu);
    cJSON_ArrayForEach(ev, batch)
    {
        const cJSON *id = cJSON_GetObjectItem(ev, "id");
        static char unknown[] = "unknown";
        ids[i] = cJSON_IsString(id) ? id->valuestring : unknown;
        statuses[i] = status_for(s, ids[i], &messages[i]);
        i++;
    }
    pthread_mutex_unlock(&s->mu);
    *status = 207;
    char *text = recv_ingestion_reply(n, ids, statuses, messages);
    free(ids);
    free(statuses);
    free(messages);
    cJSON_Delete(req);
    return text;
}

llmobs_options *ingestion_options(receiver *r, logcap *lc, int flush_at)
{
    llmobs_options *o = receiver_options(r, lc, flush_at);
    llmobs_options_set(o, "exporter", "langfuse-ingestion");
    return o;
}

cJSON *ingestion_events(receiver *r, bool answered)
{
    cJSON *all = cJSON_CreateArray();
    for (size_t i = 0; i < receiver_request_count(r); i++) {
        const recv_request *q = receiver_request(r, i);
        if (strcmp(q->path, INGESTION_PATH) != 0) continue;
        if (answered && (q->status < 200 || q->status >= 300)) continue;
        cJSON *req = cJSON_Parse(q->body);
        const cJSON *ev;
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(req, "batch"))
            cJSON_AddItemToArray(all, cJSON_Duplicate(ev, true));
        cJSON_Delete(req);
    }
    return all;
}

const cJSON *find_event(const cJSON *events, const char *type, const char *body_id)
{
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *t = cJSON_GetObjectItem(ev, "type");
        const cJSON *id = cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "body"), "id");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 && cJSON_IsString(id) &&
            strcmp(id->valuestring, body_id) == 0)
            return ev;
    }
    return NULL;
}

int count_event_id(const cJSON *events, const char *id)
{
    int n = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *e = cJSON_GetObjectItem(ev, "id");
        if (cJSON_IsString(e) && strcmp(e->valuestring, id) == 0) n++;
    }
    return n;
}

char *ingestion_requests_text(receiver *r)
{
    size_t len = 0;
    for (size_t i = 0; i < receiver_request_count(r); i++)
        len += receiver_request(r, i)->len + 1;
    char *text = malloc(len + 1), *w = text;
    if (!text) abort();
    for (size_t i = 0; i < receiver_request_count(r); i++) {
        const recv_request *q = receiver_request(r, i);
        if (strcmp(q->path, INGESTION_PATH) != 0) continue;
        memcpy(w, q->body, q->len);
        w += q->len;
        *w++ = '\n';
    }
    *w = '\0';
    return text;
}

int ingestion_schema_check(const char *lines, char *out, size_t cap)
{
    const char *src = getenv("LLMOBS_SOURCE_DIR");
    if (!src) src = ".";
    char path[] = "/tmp/llmobs-ingestion-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "w");
    fputs(lines, f);
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 '%s/tests/support/ingestion_schema.py' '%s/tests/data/langfuse/openapi.yml' "
             "'%s' 2>&1",
             src, src, path);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (p) {
        size_t got;
        while (n + 1 < cap && (got = fread(out + n, 1, cap - 1 - n, p)) > 0)
            n += got;
        char sink[512];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    out[n] = '\0';
    int rc = p ? pclose(p) : -1;
    unlink(path);
    return rc >= 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
