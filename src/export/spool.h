/* Internal: the durable spool. Payloads the pipeline could not deliver (retries exhausted,
 * shutdown deadline passed, backlog at exit) are written to `spool_dir` in their wire format,
 * one file per payload, and resent by a later flusher (this process's or the next one's).
 * The format, the claim protocol and the accounting are described in spool.c and in
 * docs/reliability.md. Every function but the counters runs on the flusher thread only. */
#ifndef LLMOBS_EXPORT_SPOOL_H
#define LLMOBS_EXPORT_SPOOL_H

#include "core/log.h"
#include "export/exporter.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct llmobs__spool llmobs__spool;

typedef enum llmobs__spool_event {
    LLMOBS__SPOOL_WRITTEN = 0,  /* items written to the spool */
    LLMOBS__SPOOL_RESENT = 1,   /* items read back and accepted by the backend */
    LLMOBS__SPOOL_EVICTED = 2,  /* items deleted unsent: over max_bytes or max_age */
    LLMOBS__SPOOL_REJECTED = 3, /* items of spool files the backend refused for good */
    LLMOBS__SPOOL_CORRUPT = 4,  /* files (not items) found corrupt, moved to <dir>/corrupt/ */
    LLMOBS__SPOOL_EVENT_COUNT = 5
} llmobs__spool_event;

/* The `outcome` label of llmobs_spool_items_total for an item event ("spooled", ...). */
const char *llmobs__spool_event_name(llmobs__spool_event ev);

typedef void (*llmobs__spool_hook)(void *ud, llmobs__spool_event ev, uint64_t n);

/* Creates `dir` (and dir/corrupt) if missing. NULL with *status when it cannot. */
llmobs__spool *llmobs__spool_open(const char *dir, uint64_t max_bytes, double max_age_s,
                                  const llmobs__logger *lg, llmobs_status *status);
void llmobs__spool_free(llmobs__spool *s);
/* Called for every counted event (metrics). Set before the flusher starts. */
void llmobs__spool_set_hook(llmobs__spool *s, llmobs__spool_hook fn, void *ud);

/* Writes one payload durably (fsync'd temp file, rename, fsync of the directory), first
 * deleting the oldest files (counted EVICTED) as needed to stay under max_bytes. False when
 * it does not fit or the write failed: nothing was written and nothing counted. */
bool llmobs__spool_write(llmobs__spool *s, const llmobs__payload *pl);

typedef enum llmobs__spool_resend_result {
    LLMOBS__SPOOL_EMPTY = 0,  /* every file was handled: nothing left to send */
    LLMOBS__SPOOL_DOWN = 1,   /* the backend failed transiently: try again later */
    LLMOBS__SPOOL_PAUSED = 2, /* `pause` asked to stop early: call again soon */
    LLMOBS__SPOOL_HELD = 3    /* every file handled but some another process was sending:
                                 look again later (that process may die before deleting them) */
} llmobs__spool_resend_result;

/* Resends spool files, oldest first, one send attempt each, deleting each file once the
 * backend gave a final answer (accepted: RESENT; refused: REJECTED). Files another process
 * is sending are skipped (and reported by HELD). `pause(ud)` is asked before each file. The
 * directory is listed (and sorted) once per pass over it, not once per call: a PAUSED call
 * resumes where the previous one stopped. */
llmobs__spool_resend_result llmobs__spool_resend(llmobs__spool *s, llmobs__exporter *e,
                                                 int64_t deadline_mono_ns, bool (*pause)(void *ud),
                                                 void *ud);

uint64_t llmobs__spool_count(const llmobs__spool *s, llmobs__spool_event ev);

/* fork(): around it, no claim is half made (a file opened but not yet in held_fd). */
void llmobs__spool_atfork_prepare(llmobs__spool *s);
void llmobs__spool_atfork_parent(llmobs__spool *s);
/* In a fork() child: drops the child's copy of a claimed file's descriptor (so the parent's
 * claim ends when the parent releases it) and zeroes the counters. */
void llmobs__spool_atfork_child(llmobs__spool *s);

/* ---- the file format, exposed for tests and the fuzz target -------------------------------- */

#define LLMOBS__SPOOL_MAGIC "LLMOBSSP"
#define LLMOBS__SPOOL_VERSION 1
#define LLMOBS__SPOOL_VERSION_DESTS 2 /* byte 11 holds a destination mask */
#define LLMOBS__SPOOL_HEADER_LEN 40

typedef struct llmobs__spool_header {
    uint16_t version;
    uint16_t kind; /* llmobs__item_kind */
    uint32_t items;
    uint64_t payload_len;
    int64_t created_unix_ns;
    uint8_t dests; /* llmobs__payload.dests: 0 (version 1) = every destination */
} llmobs__spool_header;

/* Encodes the header of `payload` into out[LLMOBS__SPOOL_HEADER_LEN]. */
void llmobs__spool_encode_header(const llmobs__spool_header *h, const char *payload,
                                 unsigned char out[LLMOBS__SPOOL_HEADER_LEN]);
/* Checks a whole file's bytes: magic, version, kind, length and both checksums. On success
 * fills *h and points *payload into `data`. */
bool llmobs__spool_decode(const unsigned char *data, size_t len, llmobs__spool_header *h,
                          const char **payload);

#endif
