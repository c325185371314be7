/* Helpers shared by the HTTP exporters (OTLP, legacy Langfuse ingestion). */
#include "export/http_util.h"
#include "llmobs/common.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *llmobs__base64(const unsigned char *in, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        *o++ = tbl[(v >> 18) & 63];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? tbl[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *llmobs__join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (!s) return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* `base` without trailing slashes, then `suffix`. */
char *llmobs__join_path(const char *base, const char *suffix)
{
    size_t n = strlen(base), ls = strlen(suffix);
    while (n && base[n - 1] == '/')
        n--;
    char *s = malloc(n + ls + 1);
    if (!s) return NULL;
    memcpy(s, base, n);
    memcpy(s + n, suffix, ls + 1);
    return s;
}

/* Where the authority of an http(s) URL starts and ends. */
void llmobs__url_authority(const char *url, const char **start, const char **end)
{
    const char *s = strstr(url, "://");
    s = s ? s + 3 : url;
    *start = s;
    *end = s + strcspn(s, "/?#");
}

/* The URL without "user:password@", for log lines. */
char *llmobs__display_url(const char *url)
{
    const char *a, *e;
    llmobs__url_authority(url, &a, &e);
    const char *at = NULL;
    for (const char *p = a; p < e; p++)
        if (*p == '@') at = p;
    if (!at) return strdup(url);
    size_t head = (size_t)(a - url), tail = strlen(at + 1);
    char *s = malloc(head + tail + 1);
    if (!s) return NULL;
    memcpy(s, url, head);
    memcpy(s + head, at + 1, tail + 1);
    return s;
}

/* The password in "user:password@" of a URL, registered as a secret. */
bool llmobs__http_add_url_secret(llmobs__http *h, const char *url)
{
    const char *a, *e;
    llmobs__url_authority(url, &a, &e);
    const char *at = NULL;
    for (const char *p = a; p < e; p++)
        if (*p == '@') at = p;
    if (!at) return true;
    const char *colon = memchr(a, ':', (size_t)(at - a));
    if (!colon) return true;
    char pw[256];
    snprintf(pw, sizeof pw, "%.*s", (int)(at - colon - 1), colon + 1);
    return llmobs__http_add_secret(h, pw);
}

bool llmobs__header_add(struct curl_slist **list, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line) return false;
    snprintf(line, n, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(*list, line);
    /* curl copies the line; wipe ours since it may hold a credential. */
    memset(line, 0, n);
    free(line);
    if (!l) return false;
    *list = l;
    return true;
}

/* The headers every destination sends; the caller adds its own. */
bool llmobs__common_headers(struct curl_slist **list, bool gzip)
{
    return llmobs__header_add(list, "Content-Type", "application/json") &&
           llmobs__header_add(list, "User-Agent", "llmobs-c/" LLMOBS_VERSION_STRING) &&
           /* no "Expect: 100-continue" round trip before large bodies */
           llmobs__header_add(list, "Expect", "") &&
           (!gzip || llmobs__header_add(list, "Content-Encoding", "gzip"));
}

bool llmobs__basic_auth_header(struct curl_slist **list, llmobs__http *h, const char *public_key,
                               const char *secret_key)
{
    size_t cred_len = strlen(public_key) + 1 + strlen(secret_key);
    char *cred = malloc(cred_len + 1);
    if (cred) snprintf(cred, cred_len + 1, "%s:%s", public_key, secret_key);
    char *token = cred ? llmobs__base64((const unsigned char *)cred, cred_len) : NULL;
    char *auth = token ? llmobs__join("Basic ", token) : NULL;
    bool ok = auth && llmobs__http_add_secret(h, secret_key) && llmobs__http_add_secret(h, token) &&
              llmobs__header_add(list, "Authorization", auth);
    if (cred) memset(cred, 0, cred_len);
    if (token) memset(token, 0, strlen(token));
    if (auth) memset(auth, 0, strlen(auth));
    free(cred);
    free(token);
    free(auth);
    return ok;
}

void llmobs__copy_text(const llmobs__http *h, char *out, size_t cap, const char *in, size_t max)
{
    /* Redact the whole text first: cutting first could leave the start of a secret behind. */
    char *clean = h ? strdup(in) : NULL;
    if (clean) {
        llmobs__http_redact(h, clean);
        in = clean;
    } else if (h) {
        in = "(out of memory)";
    }
    size_t n = 0;
    for (; in[n] && n < max && n + 1 < cap; n++)
        out[n] = (unsigned char)in[n] < 0x20 ? ' ' : in[n];
    out[n] = '\0';
    free(clean);
}

/* The server's explanation: {"error": "..."}, {"error": {"message": ...}}, {"message": ...}
 * (google.rpc.Status, Langfuse) or, when the body is not JSON, the raw text. */
void llmobs__server_message(const llmobs__http *h, const char *body, char *out, size_t cap)
{
    out[0] = '\0';
    cJSON *j = cJSON_Parse(body);
    const cJSON *m = NULL;
    if (cJSON_IsObject(j)) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (cJSON_IsObject(err)) err = cJSON_GetObjectItemCaseSensitive(err, "message");
        m = cJSON_IsString(err) ? err : cJSON_GetObjectItemCaseSensitive(j, "message");
    }
    if (m && cJSON_IsString(m))
        llmobs__copy_text(h, out, cap, m->valuestring, 160);
    else
        llmobs__copy_text(h, out, cap, body, 160);
    cJSON_Delete(j);
}

bool llmobs__reply_too_large(long status, const char *body)
{
    if (status == 413) return true;
    return status == 400 && body && strcasestr(body, "request body too large") != NULL;
}
