/* The embedded scrape endpoint (libmicrohttpd, one internal polling thread): GET /metrics
 * with content negotiation and gzip, GET /healthz, 404 and 405 otherwise. */
#include "metrics/family.h"
#include "metrics/metrics.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_ADDR "127.0.0.1:9464"
#define CONNECTION_LIMIT 32
#define CONNECTION_TIMEOUT_S 10

struct llmobs_metrics_server {
    struct MHD_Daemon *daemon;
    llmobs_registry *registry;
    uint16_t port;
    char *authorization; /* "Bearer <token>" that /metrics requires; NULL: open */
};

/* Compares in time independent of where the strings differ (a token is a secret). */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* Whether an Accept-Encoding header lists gzip with a non-zero q. */
bool llmobs__metrics_gzip_accepted(const char *ae)
{
    if (!ae) return false;
    const char *end = ae + strlen(ae);
    for (const char *s = ae; s < end;) {
        const char *e = memchr(s, ',', (size_t)(end - s));
        if (!e) e = end;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        size_t span = e > s ? (size_t)(e - s) : 0;
        const char *semi = span ? memchr(s, ';', span) : NULL;
        const char *te = semi ? semi : e;
        while (te > s && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        if ((size_t)(te - s) == 4 && strncasecmp(s, "gzip", 4) == 0) {
            const char *q = semi ? strstr(semi, "q=") : NULL;
            if (!q || q >= e || llmobs__parse_double(q + 2) > 0) return true;
        }
        s = e + 1;
    }
    return false;
}

static char *gzip_body(const char *in, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    char *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned code, const char *body,
                                    const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result reply_metrics(llmobs_metrics_server *s, struct MHD_Connection *conn)
{
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    char *body = NULL;
    size_t len = 0;
    const char *ctype = NULL;
    if (llmobs_metrics_render_for_accept(s->registry, accept, &body, &len, &ctype) != LLMOBS_OK)
        return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "render failed\n", NULL);
    bool gz = false;
    if (llmobs__metrics_gzip_accepted(ae)) {
        size_t zlen = 0;
        char *z = gzip_body(body, len, &zlen);
        if (z) {
            free(body);
            body = z;
            len = zlen;
            gz = true;
        }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    if (gz) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    llmobs_metrics_server *s = cls;
    bool known = strcmp(url, "/metrics") == 0 || strcmp(url, "/healthz") == 0;
    bool get =
        strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (!known) {
        *upload_data_size = 0;
        return reply_static(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
    }
    if (!get) {
        /* Reply on the first call; any request body is discarded unread. */
        *upload_data_size = 0;
        (void)con_cls;
        return reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
    }
    if (strcmp(url, "/healthz") == 0) return reply_static(conn, MHD_HTTP_OK, "ok", NULL);
    if (s->authorization) {
        const char *given =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!given || !same_secret(given, s->authorization)) {
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                13, (void *)"unauthorized\n", MHD_RESPMEM_PERSISTENT);
            if (!resp) return MHD_NO;
            MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                    "Bearer realm=\"llmobs\"");
            enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, resp);
            MHD_destroy_response(resp);
            return ret;
        }
    }
    return reply_metrics(s, conn);
}

/* Splits "host:port" / "[v6]:port" and resolves it numerically (or "localhost"). A bare
 * port, "9464" or ":9464", means the loopback default host (DEFAULT_ADDR's). */
static llmobs_status parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen)
{
    char host[256];
    const char *colon = NULL, *port = "";
    if (addr[0] == ':' || (*addr && strspn(addr, "0123456789") == strlen(addr))) {
        strcpy(host, "127.0.0.1");
        port = addr[0] == ':' ? addr + 1 : addr;
    } else if (addr[0] == '[') {
        const char *rb = strchr(addr, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - addr - 1) >= sizeof host) return LLMOBS_EINVAL;
        memcpy(host, addr + 1, (size_t)(rb - addr - 1));
        host[rb - addr - 1] = '\0';
        colon = rb + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof host || colon == addr) return LLMOBS_EINVAL;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
    }
    if (colon) port = colon + 1;
    if (!*port || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port) ||
        strtol(port, NULL, 10) > 65535)
        return LLMOBS_EINVAL;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    if (strcmp(host, "localhost") != 0) hints.ai_flags |= AI_NUMERICHOST;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return LLMOBS_EINVAL;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return LLMOBS_OK;
}

/* Why libmicrohttpd could not listen (it does not say): binds a probe socket the way it does
 * (SO_REUSEADDR) and returns the OS reason, e.g. "Address already in use". */
static const char *bind_failure(const struct sockaddr_storage *ss, socklen_t sslen)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return llmobs__strerror(errno);
    int one = 1;
    int err = 0;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)ss, sslen) != 0 || listen(fd, 1) != 0) err = errno;
    close(fd);
    return err ? llmobs__strerror(err) : "the HTTP server did not start";
}

llmobs_status llmobs_metrics_server_start(llmobs_registry *registry, const char *addr,
                                          llmobs_metrics_server **out)
{
    return llmobs_metrics_server_start_token(registry, addr, NULL, out);
}

llmobs_status llmobs_metrics_server_start_token(llmobs_registry *registry, const char *addr,
                                                const char *bearer_token,
                                                llmobs_metrics_server **out)
{
    llmobs__error_clear();
    if (out) *out = NULL;
    if (!llmobs__registry_valid(registry) || !out)
        return llmobs__error(LLMOBS_EINVAL, "registry or out is NULL");
    if (!addr) addr = getenv("LLMOBS_METRICS_ADDR");
    if (!addr || !*addr) addr = DEFAULT_ADDR;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (parse_addr(addr, &ss, &sslen) != LLMOBS_OK)
        return llmobs__error(LLMOBS_EINVAL, "invalid metrics address \"%s\"", addr);
    llmobs_metrics_server *s = calloc(1, sizeof *s);
    if (!s) return llmobs__error(LLMOBS_ENOMEM, "out of memory");
    s->registry = registry;
    if (bearer_token && *bearer_token) {
        size_t n = strlen(bearer_token) + 8;
        if (!(s->authorization = malloc(n))) {
            free(s);
            return llmobs__error(LLMOBS_ENOMEM, "out of memory");
        }
        snprintf(s->authorization, n, "Bearer %s", bearer_token);
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!s->daemon) {
        free(s->authorization);
        free(s);
        return llmobs__error(LLMOBS_EIO, "cannot listen on %s: %s", addr, bind_failure(&ss, sslen));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage bound = {0};
    socklen_t blen = sizeof bound;
    if (info && getsockname(info->listen_fd, (struct sockaddr *)&bound, &blen) == 0) {
        if (bound.ss_family == AF_INET)
            s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
        else if (bound.ss_family == AF_INET6)
            s->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    *out = s;
    return LLMOBS_OK;
}

uint16_t llmobs_metrics_server_port(const llmobs_metrics_server *s)
{
    return s ? s->port : 0;
}

void llmobs_metrics_server_stop(llmobs_metrics_server *s)
{
    if (!s) return;
    MHD_stop_daemon(s->daemon);
    free(s->authorization);
    free(s);
}
