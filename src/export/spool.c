/* The durable spool: one file per undeliverable payload, in the payload's wire format.
 *
 * File format (all integers little-endian), LLMOBS__SPOOL_HEADER_LEN = 40 bytes of header:
 *    0  8  magic "LLMOBSSP"
 *    8  2  format version (1, or 2 with a destination mask)
 *   10  1  kind: 0 = spans (an OTLP JSON ExportTraceServiceRequest), 1 = one Langfuse score
 *   11  1  version 1: 0; version 2: the destinations still to deliver to (llmobs__payload.dests:
 *          a payload some destinations of a multi-destination exporter already took)
 *   12  4  items in the payload
 *   16  8  payload length in bytes
 *   24  8  creation time, Unix ns (the age bound is measured from it)
 *   32  4  CRC-32 of the payload
 *   36  4  CRC-32 of bytes 0..36 of the header
 *   40  .  the payload, exactly as the exporter sends it (before any gzip)
 * A file whose size, magic, version, kind or checksums do not match is corrupt: it is moved to
 * <dir>/corrupt/ and counted, never sent.
 *
 * Names: <created ns, 20 digits>-<pid>-<seq>-<random>.<spans|score>.llsp, so that sorting
 * by name is sorting by age. Nothing secret is ever in a name. A file is written as
 * .tmp-<name> (O_EXCL, 0600), fsync'd, renamed to <name>, and the directory fsync'd: a reader
 * sees either no file or a complete one.
 *
 * Claiming. Before sending a file, a flusher opens it and takes flock(LOCK_EX | LOCK_NB); it
 * skips the file if another one holds the lock, and after taking it checks that the file is
 * still linked (fstat st_nlink > 0). The sender deletes the file while still holding the lock.
 * So two senders never both send one file: the second one either fails the lock, or gets it
 * after the first released it, by which time the file is unlinked (st_nlink == 0) and it is
 * skipped. A crashed holder cannot leave a stale claim: a flock lock belongs to the open file
 * description and the kernel releases it when the last descriptor of it is closed, which
 * includes the holder's death (kill -9 too). There is no lock file to clean up. A fork()ed
 * child inherits the descriptor; llmobs__spool_atfork_child closes the child's copy so the
 * claim stays the parent's alone. The only resend of an already delivered file happens when
 * the holder dies after the backend accepted and before unlink(2): the duplicate case of a
 * lost reply, which no client-side protocol can exclude. */
#include "export/spool.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ids.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define NS_PER_S INT64_C(1000000000)
#define SUFFIX ".llsp"
#define TMP_PREFIX ".tmp-"
#define STALE_TMP_NS (NS_PER_S * 15 * 60) /* a temp file this old belongs to a dead writer */

struct llmobs__spool {
    char *dir;
    char *corrupt_dir;
    uint64_t max_bytes;
    int64_t max_age_ns;
    llmobs__logger log;
    llmobs__spool_hook hook;
    void *hook_ud;
    uint32_t seq;
    uint64_t sends; /* payload ids of resends: the top bit keeps them apart from the pipeline's */
    atomic_int held_fd; /* the claimed file being resent, or -1 (read by the fork child) */
    /* Opening a file and publishing it in held_fd happen under claim_mu, which fork() takes
     * (llmobs__spool_atfork_prepare): a child never inherits a claim it does not know of. */
    pthread_mutex_t claim_mu;
    /* The pass in progress over the directory (resend): names oldest first, and the next. */
    struct listing *pass;
    size_t pass_next;
    bool pass_held; /* a file of this pass was held by another process */
    atomic_uint_fast64_t counts[LLMOBS__SPOOL_EVENT_COUNT];
};

static const char *const event_names[LLMOBS__SPOOL_EVENT_COUNT] = {"spooled", "resent", "evicted",
                                                                   "rejected", "corrupt"};

const char *llmobs__spool_event_name(llmobs__spool_event ev)
{
    return (unsigned)ev < LLMOBS__SPOOL_EVENT_COUNT ? event_names[ev] : "unknown";
}

/* The metric first: whoever sees a counter change also sees the metric's. */
static void count(llmobs__spool *s, llmobs__spool_event ev, uint64_t n)
{
    if (!n) return;
    if (s->hook) s->hook(s->hook_ud, ev, n);
    atomic_fetch_add(&s->counts[ev], n);
}

uint64_t llmobs__spool_count(const llmobs__spool *s, llmobs__spool_event ev)
{
    return s && (unsigned)ev < LLMOBS__SPOOL_EVENT_COUNT ? atomic_load(&s->counts[ev]) : 0;
}

void llmobs__spool_set_hook(llmobs__spool *s, llmobs__spool_hook fn, void *ud)
{
    s->hook = fn;
    s->hook_ud = ud;
}

/* ---- the format ------------------------------------------------------------------------------ */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t crc(const void *data, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const unsigned char *p = data;
    while (len) { /* zlib takes uInt lengths */
        uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)c;
}

void llmobs__spool_encode_header(const llmobs__spool_header *h, const char *payload,
                                 unsigned char out[LLMOBS__SPOOL_HEADER_LEN])
{
    memcpy(out, LLMOBS__SPOOL_MAGIC, 8);
    put_le(out + 8, h->version, 2);
    put_le(out + 10, h->kind, 1);
    put_le(out + 11, h->dests, 1);
    put_le(out + 12, h->items, 4);
    put_le(out + 16, h->payload_len, 8);
    put_le(out + 24, (uint64_t)h->created_unix_ns, 8);
    put_le(out + 32, crc(payload, (size_t)h->payload_len), 4);
    put_le(out + 36, crc(out, 36), 4);
}

bool llmobs__spool_decode(const unsigned char *data, size_t len, llmobs__spool_header *h,
                          const char **payload)
{
    if (len < LLMOBS__SPOOL_HEADER_LEN || memcmp(data, LLMOBS__SPOOL_MAGIC, 8) != 0) return false;
    if (get_le(data + 36, 4) != crc(data, 36)) return false;
    llmobs__spool_header v = {
        .version = (uint16_t)get_le(data + 8, 2),
        .kind = (uint16_t)get_le(data + 10, 1),
        .dests = (uint8_t)get_le(data + 11, 1),
        .items = (uint32_t)get_le(data + 12, 4),
        .payload_len = get_le(data + 16, 8),
        .created_unix_ns = (int64_t)get_le(data + 24, 8),
    };
    if (v.version != LLMOBS__SPOOL_VERSION && v.version != LLMOBS__SPOOL_VERSION_DESTS)
        return false;
    if (v.version == LLMOBS__SPOOL_VERSION && v.dests) return false;
    if (v.kind != LLMOBS__ITEM_SPAN && v.kind != LLMOBS__ITEM_SCORE) return false;
    if (v.items == 0 || v.payload_len != len - LLMOBS__SPOOL_HEADER_LEN) return false;
    const unsigned char *body = data + LLMOBS__SPOOL_HEADER_LEN;
    if (get_le(data + 32, 4) != crc(body, (size_t)v.payload_len)) return false;
    *h = v;
    *payload = (const char *)body;
    return true;
}

/* ---- files ------------------------------------------------------------------------------------
 */

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

static bool mkdir_p(const char *path)
{
    char *p = strdup(path);
    if (!p) return false;
    bool ok = true;
    for (char *c = p + 1; ok; c++) {
        bool end = *c == '\0';
        if (*c == '/' || end) {
            *c = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) ok = false;
            if (end) break;
            *c = '/';
        }
    }
    struct stat st;
    ok = ok && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return ok;
}

static bool write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool read_all(int fd, unsigned char *buf, size_t len)
{
    while (len) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

typedef struct entry {
    char *name;
    uint64_t size;
} entry;

typedef struct listing {
    entry *e;
    size_t n, cap;
    uint64_t bytes;
} listing;

static void listing_free(listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].name);
    free(l->e);
    *l = (listing){0};
}

static void pass_end(llmobs__spool *s)
{
    if (!s->pass) return;
    listing_free(s->pass);
    free(s->pass);
    s->pass = NULL;
    s->pass_next = 0;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Spool files oldest first, with their total size; removes temp files of dead writers. */
static bool list_dir(llmobs__spool *s, listing *l)
{
    *l = (listing){0};
    DIR *d = opendir(s->dir);
    if (!d) return false;
    int64_t now = llmobs__wall_ns();
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
            int64_t mtime = (int64_t)st.st_mtim.tv_sec * NS_PER_S + st.st_mtim.tv_nsec;
            if (now - mtime > STALE_TMP_NS) unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        if (de->d_name[0] == '.' || !has_suffix(de->d_name, SUFFIX)) continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 32;
            entry *e = realloc(l->e, cap * sizeof *e);
            if (!e) {
                ok = false;
                break;
            }
            l->e = e;
            l->cap = cap;
        }
        char *name = strdup(de->d_name);
        if (!name) {
            ok = false;
            break;
        }
        l->e[l->n++] = (entry){name, (uint64_t)st.st_size};
        l->bytes += (uint64_t)st.st_size;
    }
    closedir(d);
    if (!ok) {
        listing_free(l);
        return false;
    }
    if (l->n) qsort(l->e, l->n, sizeof *l->e, entry_cmp);
    return true;
}

/* A claimed spool file: open, flock held, still linked. */
typedef struct claim {
    int fd;
    char *path;
    uint64_t size;
} claim;

typedef enum claim_result { CLAIMED, CLAIM_GONE, CLAIM_HELD } claim_result;

/* Claims a file: GONE when it no longer exists under `name` (sent, evicted or moved aside by
 * another flusher: the same inode must still be linked at this path), HELD when another
 * flusher holds its lock. */
static claim_result claim_file(llmobs__spool *s, const char *name, claim *c)
{
    claim_result res = CLAIM_GONE;
    c->path = path_join(s->dir, name);
    pthread_mutex_lock(&s->claim_mu);
    c->fd = c->path ? open(c->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW) : -1;
    if (c->fd >= 0) atomic_store(&s->held_fd, c->fd);
    pthread_mutex_unlock(&s->claim_mu);
    if (c->fd < 0) goto fail;
    if (flock(c->fd, LOCK_EX | LOCK_NB) != 0) { /* another flusher is on it */
        res = CLAIM_HELD;
        goto fail;
    }
    struct stat st, at;
    if (fstat(c->fd, &st) != 0 || st.st_nlink == 0) goto fail; /* sent and deleted meanwhile */
    /* Moved to corrupt/ by another flusher meanwhile: still linked, but not here. */
    if (stat(c->path, &at) != 0 || at.st_ino != st.st_ino || at.st_dev != st.st_dev) goto fail;
    c->size = (uint64_t)st.st_size;
    return CLAIMED;
fail:
    if (c->fd >= 0) {
        pthread_mutex_lock(&s->claim_mu);
        atomic_store(&s->held_fd, -1);
        close(c->fd);
        pthread_mutex_unlock(&s->claim_mu);
    }
    free(c->path);
    *c = (claim){.fd = -1};
    return res;
}

static void release(llmobs__spool *s, claim *c)
{
    pthread_mutex_lock(&s->claim_mu);
    atomic_store(&s->held_fd, -1);
    close(c->fd); /* releases the flock */
    pthread_mutex_unlock(&s->claim_mu);
    free(c->path);
    *c = (claim){.fd = -1};
}

/* Reads a claimed file's header only (items, age). */
static bool read_header(const claim *c, llmobs__spool_header *h)
{
    unsigned char hdr[LLMOBS__SPOOL_HEADER_LEN];
    if (c->size < LLMOBS__SPOOL_HEADER_LEN ||
        pread(c->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
        return false;
    if (memcmp(hdr, LLMOBS__SPOOL_MAGIC, 8) != 0 || get_le(hdr + 36, 4) != crc(hdr, 36))
        return false;
    h->items = (uint32_t)get_le(hdr + 12, 4);
    h->created_unix_ns = (int64_t)get_le(hdr + 24, 8);
    return true;
}

static void move_aside(llmobs__spool *s, claim *c, const char *name, const char *why)
{
    char *to = path_join(s->corrupt_dir, name);
    /* Never send it, never loop on it; count it only when this flusher took it away. */
    bool moved = to && rename(c->path, to) == 0;
    bool gone = moved || unlink(c->path) == 0;
    free(to);
    if (!gone) return;
    llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: %s is %s; %s", name, why,
                moved ? "moved to corrupt/" : "deleted");
    count(s, LLMOBS__SPOOL_CORRUPT, 1);
}

/* Deletes a claimed file unsent (bounds); its items are counted EVICTED. */
static void evict(llmobs__spool *s, claim *c, const char *name, const char *why)
{
    llmobs__spool_header h = {0};
    if (!read_header(c, &h)) {
        move_aside(s, c, name, "corrupt");
        return;
    }
    if (unlink(c->path) != 0) return;
    llmobs__log(&s->log, LLMOBS_LOG_WARN, "spool: deleted %s unsent (%u items): %s", name, h.items,
                why);
    count(s, LLMOBS__SPOOL_EVICTED, h.items);
}

static bool expired(const llmobs__spool *s, const char *name, int64_t now)
{
    /* The name starts with the creation time; the header repeats it under the checksum. */
    long long created = strtoll(name, NULL, 10);
    return now - (int64_t)created > s->max_age_ns;
}

/* Deletes files past max_age, then the oldest until `incoming` more bytes fit. Files other
 * flushers hold are left alone. Returns the bytes left in the directory. */
static uint64_t enforce_bounds(llmobs__spool *s, listing *l, uint64_t incoming)
{
    int64_t now = llmobs__wall_ns();
    uint64_t bytes = l->bytes;
    for (size_t i = 0; i < l->n; i++) {
        bool old = expired(s, l->e[i].name, now);
        if (!old && bytes + incoming <= s->max_bytes) continue;
        claim c;
        if (claim_file(s, l->e[i].name, &c) != CLAIMED) continue;
        evict(s, &c, l->e[i].name, old ? "older than spool_max_age" : "spool_max_bytes reached");
        bytes -= l->e[i].size <= bytes ? l->e[i].size : bytes;
        release(s, &c);
    }
    return bytes;
}

bool llmobs__spool_write(llmobs__spool *s, const llmobs__payload *pl)
{
    uint64_t total = LLMOBS__SPOOL_HEADER_LEN + (uint64_t)pl->len;
    if (total > s->max_bytes) {
        llmobs__log(&s->log, LLMOBS_LOG_ERROR,
                    "spool: a payload of %zu bytes exceeds spool_max_bytes", pl->len);
        return false;
    }
    listing l;
    if (!list_dir(s, &l)) {
        llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: cannot read %s: %s", s->dir,
                    llmobs__strerror(errno));
        return false;
    }
    uint64_t left = enforce_bounds(s, &l, total);
    listing_free(&l);
    if (left + total > s->max_bytes) {
        llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: %s is full (files being sent elsewhere)",
                    s->dir);
        return false;
    }
    llmobs__spool_header h = {pl->dests ? LLMOBS__SPOOL_VERSION_DESTS : LLMOBS__SPOOL_VERSION,
                              (uint16_t)pl->kind,
                              pl->items,
                              pl->len,
                              llmobs__wall_ns(),
                              pl->dests};
    uint8_t rnd[4];
    llmobs__random_id(rnd, sizeof rnd);
    char hex[9];
    llmobs__hex(rnd, sizeof rnd, hex);
    char name[128], tmp_name[160];
    snprintf(name, sizeof name, "%020lld-%ld-%06u-%s.%s" SUFFIX, (long long)h.created_unix_ns,
             (long)getpid(), s->seq++ % 1000000u, hex,
             pl->kind == LLMOBS__ITEM_SCORE ? "score" : "spans");
    snprintf(tmp_name, sizeof tmp_name, TMP_PREFIX "%s", name);
    char *path = path_join(s->dir, name), *tmp = path_join(s->dir, tmp_name);
    unsigned char hdr[LLMOBS__SPOOL_HEADER_LEN];
    llmobs__spool_encode_header(&h, pl->body, hdr);
    int fd = tmp && path ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    bool ok = fd >= 0 && write_all(fd, hdr, sizeof hdr) && write_all(fd, pl->body, pl->len) &&
              fsync(fd) == 0;
    int err = errno;
    if (fd >= 0) ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        if (fd >= 0) unlink(tmp);
        llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: cannot write to %s: %s", s->dir,
                    llmobs__strerror(err));
    } else {
        fsync_dir(s->dir); /* the rename itself is durable now */
        count(s, LLMOBS__SPOOL_WRITTEN, pl->items);
        llmobs__log(&s->log, LLMOBS_LOG_INFO, "spool: wrote %u %s to %s", pl->items,
                    pl->kind == LLMOBS__ITEM_SCORE ? "score" : "spans", name);
    }
    free(path);
    free(tmp);
    return ok;
}

/* Sends one claimed file. Returns false when the backend failed transiently. */
static bool resend_one(llmobs__spool *s, llmobs__exporter *e, claim *c, const char *name,
                       int64_t deadline)
{
    unsigned char *data = c->size <= SIZE_MAX ? malloc(c->size ? (size_t)c->size : 1) : NULL;
    if (!data) return false; /* out of memory: leave the file for later */
    llmobs__spool_header h;
    const char *body;
    if (!read_all(c->fd, data, (size_t)c->size) ||
        !llmobs__spool_decode(data, (size_t)c->size, &h, &body)) {
        free(data);
        move_aside(s, c, name, "corrupt or truncated");
        return true;
    }
    if (llmobs__wall_ns() - h.created_unix_ns > s->max_age_ns) {
        free(data);
        evict(s, c, name, "older than spool_max_age");
        return true;
    }
    llmobs__payload pl = {body,
                          (size_t)h.payload_len,
                          "application/json",
                          h.items,
                          (llmobs__item_kind)h.kind,
                          UINT64_C(1) << 63 | ++s->sends,
                          false,
                          h.dests};
    llmobs__export_result r = {.retry_after_ms = -1};
    e->send(e->self, &pl, deadline, &r);
    if (r.outcome == LLMOBS__RETRY) {
        /* Some destinations took it now: the file keeps only the others, so the next resend
         * never sends it again to one that accepted. */
        if (r.pending_dests && r.pending_dests != (h.dests ? h.dests : 0xff)) {
            h.version = LLMOBS__SPOOL_VERSION_DESTS;
            h.dests = r.pending_dests;
            unsigned char hdr[LLMOBS__SPOOL_HEADER_LEN];
            llmobs__spool_encode_header(&h, body, hdr);
            if (pwrite(c->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr || fsync(c->fd) != 0)
                llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: cannot update %s: %s", name,
                            llmobs__strerror(errno));
        }
        free(data);
        llmobs__log(&s->log, LLMOBS_LOG_DEBUG, "spool: %s not sent yet: %s", name, r.message);
        return false;
    }
    free(data);
    if (unlink(c->path) != 0) return true;
    fsync_dir(s->dir);
    if (r.outcome == LLMOBS__SENT) {
        uint32_t rejected = r.rejected > h.items ? h.items : r.rejected;
        count(s, LLMOBS__SPOOL_RESENT, h.items - rejected);
        count(s, LLMOBS__SPOOL_REJECTED, rejected);
        llmobs__log(&s->log, LLMOBS_LOG_INFO, "spool: resent %s (%u items)", name, h.items);
    } else {
        /* Refused for good (4xx, or 413 for a payload the spool cannot split). */
        llmobs__log(&s->log, LLMOBS_LOG_ERROR, "spool: %s refused (status %ld), deleted: %s", name,
                    r.http_status, r.message);
        count(s, LLMOBS__SPOOL_REJECTED, h.items);
    }
    return true;
}

llmobs__spool_resend_result llmobs__spool_resend(llmobs__spool *s, llmobs__exporter *e,
                                                 int64_t deadline_mono_ns, bool (*pause)(void *ud),
                                                 void *ud)
{
    if (!s->pass) {
        listing *l = malloc(sizeof *l);
        if (!l) return LLMOBS__SPOOL_DOWN;
        if (!list_dir(s, l)) {
            free(l);
            return LLMOBS__SPOOL_DOWN;
        }
        enforce_bounds(s, l, 0);
        s->pass = l;
        s->pass_next = 0;
        s->pass_held = false;
    }
    llmobs__spool_resend_result res = LLMOBS__SPOOL_EMPTY;
    while (s->pass_next < s->pass->n) {
        if (pause && pause(ud)) return LLMOBS__SPOOL_PAUSED; /* the pass resumes here */
        const char *name = s->pass->e[s->pass_next++].name;
        claim c;
        claim_result cr = claim_file(s, name, &c);
        if (cr == CLAIM_HELD) s->pass_held = true;
        if (cr != CLAIMED) continue;
        bool final = resend_one(s, e, &c, name, deadline_mono_ns);
        release(s, &c);
        if (!final) {
            res = LLMOBS__SPOOL_DOWN;
            break;
        }
    }
    if (res == LLMOBS__SPOOL_EMPTY && s->pass_held) res = LLMOBS__SPOOL_HELD;
    pass_end(s);
    return res;
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

void llmobs__spool_atfork_prepare(llmobs__spool *s)
{
    if (s) pthread_mutex_lock(&s->claim_mu);
}

void llmobs__spool_atfork_parent(llmobs__spool *s)
{
    if (s) pthread_mutex_unlock(&s->claim_mu);
}

llmobs__spool *llmobs__spool_open(const char *dir, uint64_t max_bytes, double max_age_s,
                                  const llmobs__logger *lg, llmobs_status *status)
{
    llmobs__spool *s = calloc(1, sizeof *s);
    if (s) {
        pthread_mutex_init(&s->claim_mu, NULL);
        atomic_init(&s->held_fd, -1);
    }
    if (!s || !(s->dir = strdup(dir)) || !(s->corrupt_dir = path_join(dir, "corrupt"))) {
        llmobs__spool_free(s);
        *status = llmobs__error(LLMOBS_ENOMEM, "spool: out of memory");
        return NULL;
    }
    if (!mkdir_p(s->dir) || !mkdir_p(s->corrupt_dir)) {
        *status = llmobs__error(LLMOBS_EINVAL, "option spool_dir: cannot create %s: %s", dir,
                                llmobs__strerror(errno));
        llmobs__spool_free(s);
        return NULL;
    }
    s->max_bytes = max_bytes;
    s->max_age_ns = llmobs__s_to_ns(max_age_s);
    s->log = *lg;
    *status = LLMOBS_OK;
    return s;
}

void llmobs__spool_free(llmobs__spool *s)
{
    if (!s) return;
    pass_end(s);
    pthread_mutex_destroy(&s->claim_mu);
    free(s->dir);
    free(s->corrupt_dir);
    free(s);
}

void llmobs__spool_atfork_child(llmobs__spool *s)
{
    if (!s) return;
    pthread_mutex_init(&s->claim_mu, NULL);
    pass_end(s); /* the parent's pass; the child lists the directory afresh */
    int fd = atomic_exchange(&s->held_fd, -1);
    if (fd >= 0) close(fd);
    for (int i = 0; i < LLMOBS__SPOOL_EVENT_COUNT; i++)
        atomic_store(&s->counts[i], 0);
    s->seq = 0;
}
