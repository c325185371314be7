/* The exporters that need no network: file (JSON Lines), callback (the user's function) and
 * none (exporter=none: everything counts as exported without leaving the process). */
#include "core/error.h"
#include "export/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void llmobs__exporter_free(llmobs__exporter *e)
{
    if (!e) return;
    if (e->destroy) e->destroy(e->self);
    free(e);
}

static llmobs__exporter *exporter_new(const char *name, void *self,
                                      void (*send)(void *, const llmobs__payload *, int64_t,
                                                   llmobs__export_result *),
                                      void (*destroy)(void *))
{
    llmobs__exporter *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    *e = (llmobs__exporter){.name = name, .self = self, .send = send, .destroy = destroy};
    return e;
}

/* ---- file ---- */

typedef struct {
    int fd;
} file_exporter;

/* A write that stopped part way (disk full, file size limit) left `written` bytes of a line
 * at the end of the file: cut them off, so the retry does not follow a torn line (which would
 * merge with it into one invalid line). Only when nothing was appended after them: the file
 * may be shared; otherwise the torn part is ended with a newline, so it stays one bad line of
 * its own and the next line is whole. */
static void untear(int fd, size_t written)
{
    off_t end = lseek(fd, 0, SEEK_CUR); /* O_APPEND: just after what this write put there */
    struct stat st;
    if (end >= (off_t)written && fstat(fd, &st) == 0 && st.st_size == end &&
        ftruncate(fd, end - (off_t)written) == 0)
        return;
    ssize_t n;
    do
        n = write(fd, "\n", 1);
    while (n < 0 && errno == EINTR);
}

static void file_send(void *self, const llmobs__payload *p, int64_t deadline,
                      llmobs__export_result *r)
{
    (void)deadline;
    file_exporter *f = self;
    /* One write per line on an O_APPEND descriptor: lines from several processes sharing the
     * file do not interleave. The trailing newline is written in the same call. */
    char *line = malloc(p->len + 1);
    if (!line) {
        r->outcome = LLMOBS__RETRY;
        snprintf(r->message, sizeof r->message, "out of memory");
        return;
    }
    memcpy(line, p->body, p->len);
    line[p->len] = '\n';
    size_t off = 0;
    while (off < p->len + 1) {
        ssize_t n = write(f->fd, line + off, p->len + 1 - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    free(line);
    if (off > 0 && off < p->len + 1) untear(f->fd, off);
    if (off == p->len + 1) {
        r->outcome = LLMOBS__SENT;
    } else {
        r->outcome = LLMOBS__RETRY;
        snprintf(r->message, sizeof r->message, "write failed: %s", llmobs__strerror(errno));
    }
}

static void file_destroy(void *self)
{
    file_exporter *f = self;
    close(f->fd);
    free(f);
}

llmobs__exporter *llmobs__file_exporter_new(const char *path, llmobs_status *status)
{
    file_exporter *f = calloc(1, sizeof *f);
    if (!f) {
        *status = llmobs__error(LLMOBS_ENOMEM, "file exporter: out of memory");
        return NULL;
    }
    f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        *status = llmobs__error(LLMOBS_EIO, "option file_path: cannot open '%s': %s", path,
                                llmobs__strerror(errno));
        free(f);
        return NULL;
    }
    llmobs__exporter *e = exporter_new("file", f, file_send, file_destroy);
    if (!e) {
        file_destroy(f);
        *status = llmobs__error(LLMOBS_ENOMEM, "file exporter: out of memory");
    }
    return e;
}

/* ---- callback ---- */

typedef struct {
    llmobs_export_fn fn;
    void *userdata;
} callback_exporter;

static void callback_send(void *self, const llmobs__payload *p, int64_t deadline,
                          llmobs__export_result *r)
{
    (void)deadline;
    callback_exporter *c = self;
    llmobs_export_result res = c->fn(p->body, p->len, p->content_type, p->items, c->userdata);
    switch (res) {
    case LLMOBS_EXPORT_OK:
        r->outcome = LLMOBS__SENT;
        break;
    case LLMOBS_EXPORT_RETRY:
        r->outcome = LLMOBS__RETRY;
        break;
    case LLMOBS_EXPORT_TOO_LARGE:
        r->outcome = LLMOBS__TOO_LARGE;
        break;
    default:
        r->outcome = LLMOBS__FAILED;
        break;
    }
    snprintf(r->message, sizeof r->message, "export callback returned %d", (int)res);
}

llmobs__exporter *llmobs__callback_exporter_new(llmobs_export_fn fn, void *userdata)
{
    callback_exporter *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fn = fn;
    c->userdata = userdata;
    llmobs__exporter *e = exporter_new("callback", c, callback_send, free);
    if (!e) free(c);
    return e;
}

/* ---- none ---- */

static void none_send(void *self, const llmobs__payload *p, int64_t deadline,
                      llmobs__export_result *r)
{
    (void)self, (void)p, (void)deadline;
    r->outcome = LLMOBS__SENT;
}

llmobs__exporter *llmobs__none_exporter_new(void)
{
    return exporter_new("none", NULL, none_send, NULL);
}
