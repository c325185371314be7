/* Reading production traces back from Langfuse for the eval runner:
 * GET /api/public/v2/observations (root observations of traces named NAME, with io and
 * metadata, cursor pagination), and POST /api/public/scores for the verdicts. */
#include "core/error.h"
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

static void put_escaped(llmobs__buf *b, CURL *curl, const char *s)
{
    char *e = curl_easy_escape(curl, s, 0);
    if (e)
        llmobs__buf_puts(b, e);
    else
        b->oom = true;
    curl_free(e);
}

char *llmobs__lf_observations_url(const char *base_url, const char *trace_name,
                                  const char *from_iso, int limit, const char *cursor)
{
    CURL *curl = curl_easy_init();
    if (!curl) return NULL;
    /* The structured filter takes precedence over query filters, so everything goes in it. */
    llmobs__buf f = {0};
    llmobs__buf_puts(&f, "[{\"type\":\"string\",\"column\":\"traceName\",\"operator\":\"=\","
                         "\"value\":");
    llmobs__buf_json_string(&f, trace_name, strlen(trace_name));
    llmobs__buf_puts(&f, "},{\"type\":\"boolean\",\"column\":\"isRootObservation\","
                         "\"operator\":\"=\",\"value\":true}");
    if (from_iso && *from_iso) {
        llmobs__buf_puts(&f, ",{\"type\":\"datetime\",\"column\":\"startTime\",\"operator\":"
                             "\">=\",\"value\":");
        llmobs__buf_json_string(&f, from_iso, strlen(from_iso));
        llmobs__buf_puts(&f, "}");
    }
    llmobs__buf_puts(&f, "]");
    llmobs__buf_putc(&f, '\0');
    llmobs__buf u = {0};
    size_t n = strlen(base_url);
    while (n && base_url[n - 1] == '/')
        n--;
    llmobs__buf_append(&u, base_url, n);
    llmobs__buf_printf(&u,
                       "/api/public/v2/observations?fields=core,basic,io,metadata,"
                       "trace_context&expandMetadata=retrieved_context&limit=%d&filter=",
                       limit);
    if (!f.oom) put_escaped(&u, curl, f.data);
    if (cursor && *cursor) {
        llmobs__buf_puts(&u, "&cursor=");
        put_escaped(&u, curl, cursor);
    }
    llmobs__buf_putc(&u, '\0');
    curl_easy_cleanup(curl);
    llmobs__buf_free(&f);
    if (u.oom) {
        llmobs__buf_free(&u);
        return NULL;
    }
    return u.data;
}

/* A root observation of the trace named `name`, as far as the reply tells (servers that ignore
 * part of the filter must not make us judge the wrong observations). */
static bool wanted(const cJSON *o, const char *name)
{
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(o, "isRootObservation");
    if (cJSON_IsBool(root) && !cJSON_IsTrue(root)) return false;
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(o, "traceName");
    if (cJSON_IsString(tn) && strcmp(tn->valuestring, name) != 0) return false;
    return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "id")) &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "traceId"));
}

llmobs_status llmobs__lf_fetch_observations(llmobs__lf_reader *r, const char *trace_name,
                                            const char *from_iso, int page_limit, size_t max_items,
                                            cJSON *out, int *pages)
{
    char *cursor = NULL;
    llmobs_status st = LLMOBS_OK;
    *pages = 0;
    for (;;) {
        char *url =
            llmobs__lf_observations_url(r->base_url, trace_name, from_iso, page_limit, cursor);
        if (!url) {
            st = llmobs__error(LLMOBS_ENOMEM, "observations: out of memory");
            break;
        }
        llmobs__ehttp_response rs;
        st = llmobs__ehttp(r->curl, "GET", url, r->headers, NULL, r->timeout_ms, &rs);
        free(url);
        if (st != LLMOBS_OK) {
            st = llmobs__error(st, "cannot reach Langfuse at %s: %s", r->base_url, rs.error);
            llmobs__ehttp_response_free(&rs);
            break;
        }
        if (rs.status != 200) {
            st = llmobs__error(
                rs.status == 401 || rs.status == 403 ? LLMOBS_EINVAL : LLMOBS_ENETWORK,
                "Langfuse GET /api/public/v2/observations: HTTP %ld%s: %.200s", rs.status,
                rs.status == 401 || rs.status == 403 ? " (check LANGFUSE_PUBLIC_KEY"
                                                       "/LANGFUSE_SECRET_KEY)"
                                                     : "",
                rs.body.data ? rs.body.data : "");
            llmobs__ehttp_response_free(&rs);
            break;
        }
        cJSON *page = cJSON_Parse(rs.body.data ? rs.body.data : "");
        llmobs__ehttp_response_free(&rs);
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(page, "data");
        if (!cJSON_IsArray(data)) {
            cJSON_Delete(page);
            st = llmobs__error(LLMOBS_EPARSE, "Langfuse observations page %d: no data array",
                               *pages + 1);
            break;
        }
        (*pages)++;
        const cJSON *o;
        cJSON_ArrayForEach(o, data)
        {
            if ((size_t)cJSON_GetArraySize(out) >= max_items) break;
            if (wanted(o, trace_name)) cJSON_AddItemToArray(out, cJSON_Duplicate(o, 1));
        }
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(page, "meta"), "cursor");
        free(cursor);
        cursor = cJSON_IsString(c) && *c->valuestring ? strdup(c->valuestring) : NULL;
        cJSON_Delete(page);
        if (!cursor || (size_t)cJSON_GetArraySize(out) >= max_items) break;
    }
    free(cursor);
    return st;
}

llmobs_status llmobs__lf_post_score(llmobs__lf_reader *r, const char *body)
{
    size_t n = strlen(r->base_url);
    while (n && r->base_url[n - 1] == '/')
        n--;
    char *url = malloc(n + 32);
    if (!url) return llmobs__error(LLMOBS_ENOMEM, "scores: out of memory");
    snprintf(url, n + 32, "%.*s/api/public/scores", (int)n, r->base_url);
    llmobs__ehttp_response rs;
    llmobs_status st = LLMOBS_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        st = llmobs__ehttp(r->curl, "POST", url, r->headers, body, r->timeout_ms, &rs);
        long status = rs.status;
        if (st == LLMOBS_OK && status >= 200 && status < 300) {
            llmobs__ehttp_response_free(&rs);
            break;
        }
        st = llmobs__error(st == LLMOBS_OK ? LLMOBS_ENETWORK : st,
                           "POST /api/public/scores: %s%ld %.200s", st == LLMOBS_OK ? "HTTP " : "",
                           status, st == LLMOBS_OK ? (rs.body.data ? rs.body.data : "") : rs.error);
        llmobs__ehttp_response_free(&rs);
        if (!llmobs__ehttp_retryable(status)) break;
    }
    free(url);
    return st;
}
