/* The scrape endpoint over a real loopback socket (libcurl as the client). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llmobs/metrics.h"

typedef struct fixture {
    llmobs_registry *reg;
    llmobs_metrics_server *srv;
} fixture;

typedef struct reply {
    long code;
    char body[1 << 16];
    size_t len;
    char content_type[256];
    char content_encoding[64];
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = sz * n;
    if (r->len + k >= sizeof r->body) return 0;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

static void header_value(const char *line, size_t k, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (k <= nl || strncasecmp(line, name, nl) != 0) return;
    const char *v = line + nl;
    size_t vl = k - nl;
    while (vl && (*v == ' '))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
    if (vl >= cap) vl = cap - 1;
    memcpy(out, v, vl);
    out[vl] = '\0';
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    header_value(p, sz * n, "Content-Type:", r->content_type, sizeof r->content_type);
    header_value(p, sz * n, "Content-Encoding:", r->content_encoding, sizeof r->content_encoding);
    return sz * n;
}

/* Performs one request; `gzip` makes curl send Accept-Encoding: gzip (and decode). */
static reply *request_ae(uint16_t port, const char *method, const char *path, const char *accept,
                         int gzip, const char *accept_encoding)
{
    reply *r = calloc(1, sizeof *r);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    if (accept) {
        char line[512];
        snprintf(line, sizeof line, "Accept: %s", accept);
        h = curl_slist_append(h, line);
    }
    if (accept_encoding) {
        char line[512];
        snprintf(line, sizeof line, "Accept-Encoding: %s", accept_encoding);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return r;
}

static reply *request(uint16_t port, const char *method, const char *path, const char *accept,
                      int gzip)
{
    return request_ae(port, method, path, accept, gzip, NULL);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->reg = llmobs_registry_new(NULL);
    llmobs_family *fam;
    const char *const l[] = {"model"};
    if (llmobs_counter_register(f->reg, "llm_requests_total", "Total LLM requests", NULL, l, 1,
                                &fam) != LLMOBS_OK)
        return -1;
    const char *const v[] = {"gpt"};
    llmobs_counter_add_labels(fam, v, 1, 7);
    if (llmobs_metrics_server_start(f->reg, "127.0.0.1:0", &f->srv) != LLMOBS_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    llmobs_metrics_server_stop(f->srv);
    llmobs_registry_free(f->reg);
    free(f);
    return 0;
}

static uint16_t port_of(void **state)
{
    return llmobs_metrics_server_port(((fixture *)*state)->srv);
}

static void port_zero_binds_an_ephemeral_port(void **state)
{
    assert_true(port_of(state) > 0);
}

static void metrics_without_accept_is_text_0_0_4(void **state)
{
    reply *r = request(port_of(state), "GET", "/metrics", NULL, 0);
    assert_int_equal(r->code, 200);
    assert_string_equal(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(r->body, "# HELP llm_requests_total Total LLM requests\n"
                                 "# TYPE llm_requests_total counter\n"
                                 "llm_requests_total{model=\"gpt\"} 7\n");
    assert_string_equal(r->content_encoding, "");
    free(r);
}

static void metrics_with_prometheus_accept_is_openmetrics(void **state)
{
    reply *r = request(port_of(state), "GET", "/metrics",
                       "application/openmetrics-text;version=1.0.0,application/"
                       "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
                       "*;q=0.1",
                       0);
    assert_int_equal(r->code, 200);
    assert_string_equal(r->content_type,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_non_null(strstr(r->body, "# TYPE llm_requests counter\n"));
    assert_true(r->len >= 6 && strcmp(r->body + r->len - 6, "# EOF\n") == 0);
    free(r);
}

static void metrics_are_gzipped_when_the_client_accepts_gzip(void **state)
{
    reply *r = request(port_of(state), "GET", "/metrics", NULL, 1);
    assert_int_equal(r->code, 200);
    assert_string_equal(r->content_encoding, "gzip");
    /* curl decoded it: the body is the plain exposition again. */
    assert_non_null(strstr(r->body, "llm_requests_total{model=\"gpt\"} 7\n"));
    free(r);
}

static void gzip_with_q_zero_or_other_codings_is_not_used(void **state)
{
    const char *declined[] = {"gzip;q=0", "deflate, br", "identity", "gzipx"};
    for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) {
        reply *r = request_ae(port_of(state), "GET", "/metrics", NULL, 0, declined[i]);
        assert_int_equal(r->code, 200);
        assert_string_equal(r->content_encoding, "");
        assert_non_null(strstr(r->body, "llm_requests_total{model=\"gpt\"} 7\n"));
        free(r);
    }
    /* Raw gzip bytes arrive when the client asks but does not decode (magic 1f 8b). */
    reply *r = request_ae(port_of(state), "GET", "/metrics", NULL, 0, "br;q=1.0, GZIP;q=0.5");
    assert_string_equal(r->content_encoding, "gzip");
    assert_true(r->len > 2 && (unsigned char)r->body[0] == 0x1f &&
                (unsigned char)r->body[1] == 0x8b);
    free(r);
}

static void head_returns_headers_without_body(void **state)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", port_of(state));
    reply *r = calloc(1, sizeof *r);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    curl_easy_cleanup(c);
    assert_int_equal(r->code, 200);
    assert_string_equal(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_int_equal(r->len, 0);
    free(r);
}

static void healthz_answers_ok(void **state)
{
    reply *r = request(port_of(state), "GET", "/healthz", NULL, 0);
    assert_int_equal(r->code, 200);
    assert_string_equal(r->body, "ok");
    free(r);
}

static long get_with_auth(uint16_t port, const char *path, const char *authorization)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = authorization ? curl_slist_append(NULL, authorization) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return code;
}

static void a_bearer_token_guards_metrics_but_not_healthz(void **state)
{
    (void)state;
    llmobs_registry *r = llmobs_registry_new(NULL);
    llmobs_metrics_server *s = NULL;
    assert_int_equal(llmobs_metrics_server_start_token(r, "127.0.0.1:0", "s3cret-token", &s),
                     LLMOBS_OK);
    uint16_t port = llmobs_metrics_server_port(s);
    assert_int_equal(get_with_auth(port, "/metrics", NULL), 401);
    assert_int_equal(get_with_auth(port, "/metrics", "Authorization: Bearer wrong"), 401);
    assert_int_equal(get_with_auth(port, "/metrics", "Authorization: Bearer s3cret-token-and-more"),
                     401);
    assert_int_equal(get_with_auth(port, "/metrics", "Authorization: Bearer s3cret-token"), 200);
    assert_int_equal(get_with_auth(port, "/healthz", NULL), 200);
    llmobs_metrics_server_stop(s);
    llmobs_registry_free(r);
}

static void unknown_path_is_404(void **state)
{
    reply *r = request(port_of(state), "GET", "/other", NULL, 0);
    assert_int_equal(r->code, 404);
    free(r);
}

static void other_methods_are_405(void **state)
{
    reply *r = request(port_of(state), "POST", "/metrics", NULL, 0);
    assert_int_equal(r->code, 405);
    free(r);
    r = request(port_of(state), "DELETE", "/healthz", NULL, 0);
    assert_int_equal(r->code, 405);
    free(r);
}

static void scrape_reflects_updates_made_after_start(void **state)
{
    fixture *f = *state;
    llmobs_family *g;
    assert_int_equal(
        llmobs_gauge_register(f->reg, "llm_inflight_requests", "In flight", NULL, NULL, 0, &g),
        LLMOBS_OK);
    llmobs_gauge_add_labels(g, NULL, 0, 3);
    reply *r = request(port_of(state), "GET", "/metrics", NULL, 0);
    assert_non_null(strstr(r->body, "\nllm_inflight_requests 3\n"));
    free(r);
}

static void bad_addresses_are_einval(void **state)
{
    fixture *f = *state;
    llmobs_metrics_server *s = NULL;
    const char *bad[] = {"",
                         "127.0.0.1",
                         "127.0.0.1:",
                         "127.0.0.1:99999",
                         "127.0.0.1:x",
                         "nohost.example:80",
                         "[::1:80",
                         ":",
                         ":99999",
                         "80x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!*bad[i]) continue; /* "" means "use the default", tested below */
        assert_int_equal(llmobs_metrics_server_start(f->reg, bad[i], &s), LLMOBS_EINVAL);
        assert_null(s);
    }
}

static void a_port_in_use_is_eio(void **state)
{
    fixture *f = *state;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port_of(state));
    llmobs_metrics_server *s = NULL;
    assert_int_equal(llmobs_metrics_server_start(f->reg, addr, &s), LLMOBS_EIO);
    assert_null(s);
    /* The message names the address and the OS reason. */
    assert_non_null(strstr(llmobs_last_error(), addr));
    assert_non_null(strstr(llmobs_last_error(), "Address already in use"));
}

static void a_bare_port_means_loopback(void **state)
{
    fixture *f = *state;
    const char *forms[] = {":0", "0"};
    for (size_t i = 0; i < 2; i++) {
        llmobs_metrics_server *s = NULL;
        assert_int_equal(llmobs_metrics_server_start(f->reg, forms[i], &s), LLMOBS_OK);
        assert_non_null(s);
        assert_true(llmobs_metrics_server_port(s) > 0);
        llmobs_metrics_server_stop(s);
    }
}

static void null_address_uses_llmobs_metrics_addr(void **state)
{
    fixture *f = *state;
    setenv("LLMOBS_METRICS_ADDR", "127.0.0.1:0", 1);
    llmobs_metrics_server *s = NULL;
    assert_int_equal(llmobs_metrics_server_start(f->reg, NULL, &s), LLMOBS_OK);
    unsetenv("LLMOBS_METRICS_ADDR");
    assert_true(llmobs_metrics_server_port(s) > 0);
    assert_int_not_equal(llmobs_metrics_server_port(s), 9464);
    reply *r = request(llmobs_metrics_server_port(s), "GET", "/healthz", NULL, 0);
    assert_int_equal(r->code, 200);
    free(r);
    llmobs_metrics_server_stop(s);
}

static void ipv6_loopback_is_supported(void **state)
{
    fixture *f = *state;
    llmobs_metrics_server *s = NULL;
    llmobs_status st = llmobs_metrics_server_start(f->reg, "[::1]:0", &s);
    if (st == LLMOBS_EIO) skip(); /* no IPv6 in this container */
    assert_int_equal(st, LLMOBS_OK);
    assert_true(llmobs_metrics_server_port(s) > 0);
    llmobs_metrics_server_stop(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        T(port_zero_binds_an_ephemeral_port),
        T(metrics_without_accept_is_text_0_0_4),
        T(metrics_with_prometheus_accept_is_openmetrics),
        T(metrics_are_gzipped_when_the_client_accepts_gzip),
        T(gzip_with_q_zero_or_other_codings_is_not_used),
        T(head_returns_headers_without_body),
        T(healthz_answers_ok),
        T(unknown_path_is_404),
        cmocka_unit_test(a_bearer_token_guards_metrics_but_not_healthz),
        T(other_methods_are_405),
        T(scrape_reflects_updates_made_after_start),
        T(bad_addresses_are_einval),
        T(a_port_in_use_is_eio),
        T(null_address_uses_llmobs_metrics_addr),
        T(a_bare_port_means_loopback),
        T(ipv6_loopback_is_supported),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
