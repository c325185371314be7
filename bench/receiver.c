/* bench_receiver: a minimal, fast HTTP/1.1 receiver for the throughput benchmarks.
 *
 * One thread, epoll, non-blocking sockets, TCP_NODELAY on every connection, keep-alive, and
 * each response written with a single write() (headers and body together: see the Nagle trap
 * in docs/benchmarks.md). It does not parse JSON: it counts.
 *
 *   POST .../v1/traces             OTLP/HTTP JSON: counts occurrences of "spanId"; 200 {}
 *   POST /api/public/ingestion     Langfuse batch: counts events ("type":"...-create|-update")
 *                                  and answers 207
 * {"successes":[{"id":..,"status":201}...],"errors":[]} GET  /stats
 * {"requests":..,"spans":..,"events":..,"bytes":..,"gzip_requests":..} GET  /reset zeroes the
 * counters GET  /quit                     exits Bodies with Content-Encoding: gzip are inflated
 * first (zlib). Bodies come with Content-Length or with Transfer-Encoding: chunked (the
 * OpenTelemetry Node exporter pipes its body into the request, so Node sends it chunked); a
 * malformed chunked body gets 400 and the connection is closed, any other transfer coding 501.
 * Chunk extensions and trailers are accepted and ignored.
 *
 * Usage: bench_receiver [--port N]   (0 = any free port; prints "port N" on stdout)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

typedef struct conn {
    int fd;
    char *buf;
    size_t len, cap;
} conn;

static struct {
    uint64_t requests, spans, events, bytes, gzip_requests, bad, chunked_requests;
} st;

static char *chunk_buf; /* the decoded body of the current chunked request */
static size_t chunk_cap;

static char *inflate_buf;
static size_t inflate_cap;
static char *out_buf;
static size_t out_cap;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        perror("realloc");
        exit(1);
    }
    return q;
}

static size_t count(const char *hay, size_t n, const char *needle)
{
    size_t c = 0, nl = strlen(needle);
    const char *p = hay, *end = hay + n;
    while ((p = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
        c++;
        p += nl;
    }
    return c;
}

/* Inflates a gzip body into inflate_buf; returns its length or (size_t)-1. */
static size_t gunzip(const char *in, size_t n)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return (size_t)-1;
    if (inflate_cap < n * 4 + 4096) {
        inflate_cap = n * 4 + 4096;
        inflate_buf = xrealloc(inflate_buf, inflate_cap);
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    size_t out = 0;
    for (;;) {
        if (out == inflate_cap) {
            inflate_cap *= 2;
            inflate_buf = xrealloc(inflate_buf, inflate_cap);
        }
        z.next_out = (Bytef *)inflate_buf + out;
        z.avail_out = (uInt)(inflate_cap - out);
        int rc = inflate(&z, Z_NO_FLUSH);
        out = inflate_cap - z.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            inflateEnd(&z);
            return (size_t)-1;
        }
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            inflateEnd(&z);
            return (size_t)-1;
        }
    }
    inflateEnd(&z);
    return out;
}

static void out_reserve(size_t n)
{
    if (out_cap < n) {
        out_cap = n * 2;
        out_buf = xrealloc(out_buf, out_cap);
    }
}

/* Builds the 207 body listing each event id: events look like {"id":"..","type":"x-create",..}. */
static size_t ingestion_reply(const char *body, size_t n, char *dst, size_t cap, uint64_t *events)
{
    size_t o = (size_t)snprintf(dst, cap, "{\"successes\":[");
    const char *p = body, *end = body + n;
    int first = 1;
    *events = 0;
    while ((p = memmem(p, (size_t)(end - p), "\"type\":\"", 8)) != NULL) {
        const char *v = p + 8, *q = memchr(v, '"', (size_t)(end - v));
        if (!q) break;
        size_t vl = (size_t)(q - v);
        p = q;
        if (!((vl > 7 && memcmp(q - 7, "-create", 7) == 0) ||
              (vl > 7 && memcmp(q - 7, "-update", 7) == 0)))
            continue;
        (*events)++;
        /* the event's id is the "id" just before its "type" within the same object */
        const char *ob = v;
        while (ob > body && *ob != '{')
            ob--;
        const char *id = memmem(ob, (size_t)(v - ob), "\"id\":\"", 6);
        if (!id) continue;
        id += 6;
        const char *ide = memchr(id, '"', (size_t)(end - id));
        if (!ide || (size_t)(ide - id) > 128 || o + 200 > cap) continue;
        o += (size_t)snprintf(dst + o, cap - o, "%s{\"id\":\"%.*s\",\"status\":201}",
                              first ? "" : ",", (int)(ide - id), id);
        first = 0;
    }
    o += (size_t)snprintf(dst + o, cap - o, "],\"errors\":[]}");
    return o;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                /* rare: the socket buffer is full; wait for it (replies are small) */
                fd_set s;
                FD_ZERO(&s);
                FD_SET(fd, &s);
                select(fd + 1, NULL, &s, NULL, NULL);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int respond(int fd, int status, const char *reason, const char *body, size_t blen,
                   int close_after)
{
    out_reserve(blen + 256);
    char hdr[256];
    int h = snprintf(
        hdr, sizeof hdr,
        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n", status,
        reason, blen, close_after ? "Connection: close\r\n" : "");
    /* body may already live in out_buf at offset 256: assemble headers right before it */
    char *dst = out_buf;
    if (body != out_buf + 256) memcpy(out_buf + 256, body, blen);
    memcpy(dst + 256 - h, hdr, (size_t)h);
    return send_all(fd, dst + 256 - h, (size_t)h + blen);
}

/* Decodes a chunked body starting at p (avail bytes there). Returns 1 when complete (*used = raw
 * bytes taken, chunk_buf holds *out_len decoded bytes), 0 when more bytes are needed, -1 when
 * malformed. Copies only once the whole body is there, so a body arriving in many reads is
 * scanned again (cheap: one hop per chunk) but copied once. */
static int dechunk(const char *p, size_t avail, size_t *used, size_t *out_len)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 0, out = 0;
        for (;;) {
            const char *eol = memmem(p + pos, avail - pos, "\r\n", 2);
            if (!eol) return avail - pos > 4096 ? -1 : 0;
            const char *q = p + pos, *le = eol;
            uint64_t size = 0;
            int digits = 0;
            for (; q < le; q++, digits++) {
                int d = (*q >= '0' && *q <= '9')   ? *q - '0'
                        : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
                        : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10
                                                   : -1;
                if (d < 0) break;
                if (size > ((uint64_t)1 << 40)) return -1; /* absurd size */
                size = size * 16 + (uint64_t)d;
            }
            if (digits == 0) return -1;
            while (q < le && (*q == ' ' || *q == '\t'))
                q++;
            if (q < le && *q != ';') return -1; /* only chunk extensions may follow */
            pos = (size_t)(eol - p) + 2;
            if (size == 0) {
                /* trailer fields, then the empty line */
                for (;;) {
                    const char *t = memmem(p + pos, avail - pos, "\r\n", 2);
                    if (!t) return avail - pos > 65536 ? -1 : 0;
                    size_t tl = (size_t)(t - (p + pos));
                    pos += tl + 2;
                    if (tl == 0) break;
                }
                break;
            }
            if (avail - pos < size + 2) return 0;
            if (p[pos + size] != '\r' || p[pos + size + 1] != '\n') return -1;
            if (pass == 1) memcpy(chunk_buf + out, p + pos, (size_t)size);
            out += (size_t)size;
            pos += (size_t)size + 2;
        }
        if (pass == 0 && chunk_cap < out + 1) {
            chunk_cap = out + 1 > 65536 ? out + 1 : 65536;
            chunk_buf = xrealloc(chunk_buf, chunk_cap);
        }
        *used = pos;
        *out_len = out;
    }
    return 1;
}

static const char *find_header(const char *hdrs, size_t n, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = hdrs, *end = hdrs + n;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *vlen = (size_t)(eol - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* Handles every complete request in c->buf. Returns -1 to close the connection. */
static int process(conn *c)
{
    size_t off = 0;
    int rc = 0;
    while (rc == 0) {
        char *req = c->buf + off;
        size_t avail = c->len - off;
        char *he = memmem(req, avail, "\r\n\r\n", 4);
        if (!he) break;
        size_t hlen = (size_t)(he - req) + 4;
        size_t vlen = 0, clen = 0, wire = 0; /* clen: body bytes; wire: bytes after the headers */
        const char *v = find_header(req, hlen, "Content-Length", &vlen);
        if (v) clen = strtoull(v, NULL, 10);
        char *body = req + hlen;
        v = find_header(req, hlen, "Transfer-Encoding", &vlen);
        if (v) {
            /* Transfer-Encoding wins over Content-Length (RFC 9112 6.3); only "chunked" alone */
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0) {
                respond(c->fd, 501, "Not Implemented", "{\"error\":\"transfer coding\"}", 27, 1);
                return -1;
            }
            int d = dechunk(body, avail - hlen, &wire, &clen);
            if (d == 0) break;
            if (d < 0) {
                st.bad++;
                respond(c->fd, 400, "Bad Request", "{\"error\":\"bad chunked body\"}", 28, 1);
                return -1;
            }
            st.chunked_requests++;
            body = chunk_buf;
        } else {
            if (avail < hlen + clen) break;
            wire = clen;
        }
        int gz = 0, close_after = 0;
        v = find_header(req, hlen, "Content-Encoding", &vlen);
        if (v && vlen >= 4 && strncasecmp(v, "gzip", 4) == 0) gz = 1;
        v = find_header(req, hlen, "Connection", &vlen);
        if (v && vlen >= 5 && strncasecmp(v, "close", 5) == 0) close_after = 1;

        const char *sp1 = memchr(req, ' ', hlen);
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(he - sp1 - 1)) : NULL;
        if (!sp1 || !sp2) {
            respond(c->fd, 400, "Bad Request", "{}", 2, 1);
            return -1;
        }
        size_t mlen = (size_t)(sp1 - req), plen = (size_t)(sp2 - sp1 - 1);
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(plen < 255 ? plen : 255), sp1 + 1);
        int is_post = mlen == 4 && memcmp(req, "POST", 4) == 0;

        const char *text = body;
        size_t tlen = clen;
        if (is_post && gz) {
            st.gzip_requests++;
            tlen = gunzip(body, clen);
            text = inflate_buf;
            if (tlen == (size_t)-1) {
                st.bad++;
                rc =
                    respond(c->fd, 400, "Bad Request", "{\"error\":\"bad gzip\"}", 20, close_after);
                off += hlen + wire;
                continue;
            }
        }
        if (is_post && strstr(path, "/v1/traces")) {
            st.requests++;
            st.bytes += clen;
            st.spans += count(text, tlen, "\"spanId\"");
            rc = respond(c->fd, 200, "OK", "{}", 2, close_after);
        } else if (is_post && strstr(path, "/api/public/ingestion")) {
            uint64_t ev = 0;
            st.requests++;
            st.bytes += clen;
            size_t cap = tlen + 4096;
            out_reserve(cap + 256);
            size_t bl = ingestion_reply(text, tlen, out_buf + 256, cap, &ev);
            st.events += ev;
            rc = respond(c->fd, 207, "Multi-Status", out_buf + 256, bl, close_after);
        } else if (!is_post && strncmp(path, "/stats", 6) == 0) {
            char b[512];
            int n = snprintf(b, sizeof b,
                             "{\"requests\":%llu,\"spans\":%llu,\"events\":%llu,\"bytes\":%llu,"
                             "\"gzip_requests\":%llu,\"bad\":%llu,\"chunked_requests\":%llu}",
                             (unsigned long long)st.requests, (unsigned long long)st.spans,
                             (unsigned long long)st.events, (unsigned long long)st.bytes,
                             (unsigned long long)st.gzip_requests, (unsigned long long)st.bad,
                             (unsigned long long)st.chunked_requests);
            rc = respond(c->fd, 200, "OK", b, (size_t)n, close_after);
        } else if (!is_post && strncmp(path, "/reset", 6) == 0) {
            memset(&st, 0, sizeof st);
            rc = respond(c->fd, 200, "OK", "{}", 2, close_after);
        } else if (!is_post && strncmp(path, "/quit", 5) == 0) {
            respond(c->fd, 200, "OK", "{}", 2, 1);
            exit(0);
        } else {
            rc = respond(c->fd, 404, "Not Found", "{}", 2, close_after);
        }
        off += hlen + wire;
        if (close_after) return -1;
    }
    if (rc != 0) return -1;
    if (off) {
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 512) != 0) {
        perror("bench_receiver: bind/listen");
        return 1;
    }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            int dead = 0;
            for (;;) {
                if (c->cap - c->len < 65536) {
                    c->cap = c->cap ? c->cap * 2 : 131072;
                    c->buf = xrealloc(c->buf, c->cap);
                }
                ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
                if (r > 0) {
                    c->len += (size_t)r;
                    continue;
                }
                if (r == 0)
                    dead = 1;
                else if (errno != EAGAIN && errno != EINTR)
                    dead = 1;
                break;
            }
            if (!dead && process(c) != 0) dead = 1;
            if (dead) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c->buf);
                free(c);
            } else if (c->len == 0 && c->cap > (8u << 20)) {
                /* give back a buffer grown by one huge request */
                free(c->buf);
                c->buf = NULL;
                c->cap = 0;
            }
        }
    }
}
