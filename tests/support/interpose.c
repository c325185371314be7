/* See interpose.h. The definitions below replace libc's for the whole test executable. They
 * must not allocate and must work before the real functions are found (the fallback is the
 * raw system call), and after fork() in a child they take no lock unless a point is armed. */
#undef _FORTIFY_SOURCE /* fortify's inline open() wrapper would clash with the definition */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "interpose.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*flock_fn)(int, int);
typedef int (*clock_fn)(clockid_t, struct timespec *);

static _Atomic(open_fn) real_open;
static _Atomic(openat_fn) real_openat;
static _Atomic(flock_fn) real_flock;
static _Atomic(clock_fn) real_clock;
static _Thread_local bool resolving; /* dlsym itself may call what it is resolving */

/* The next definition of `name` into *fn (a function pointer: copied, as ISO C has no
 * conversion from dlsym's object pointer). */
static void next(const char *name, void *fn, size_t size)
{
    if (resolving) return;
    resolving = true;
    void *f = dlsym(RTLD_NEXT, name);
    resolving = false;
    if (f) memcpy(fn, &f, size);
}

/* ---- pause points and counters --------------------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int armed; /* interpose_point + 1, or 0 */
static char pause_part[512];
static bool paused, resumed;

static atomic_bool watching;
static char watch_part[512];
static atomic_uint flock_calls, flock_refused;
static _Atomic int64_t mono_offset_ns;

/* The path of descriptor `fd` ("" when unknown). readlink only: no allocation. */
static void fd_path(int fd, char *out, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
}

static void maybe_pause(interpose_point at, const char *path)
{
    if (atomic_load(&armed) != (int)at + 1) return;
    pthread_mutex_lock(&mu);
    if (atomic_load(&armed) != (int)at + 1 || !strstr(path, pause_part)) {
        pthread_mutex_unlock(&mu);
        return;
    }
    atomic_store(&armed, 0);
    paused = true;
    resumed = false;
    pthread_cond_broadcast(&cv);
    while (!resumed)
        pthread_cond_wait(&cv, &mu);
    paused = false;
    pthread_mutex_unlock(&mu);
}

void interpose_pause_at(interpose_point at, const char *path_part)
{
    pthread_mutex_lock(&mu);
    snprintf(pause_part, sizeof pause_part, "%s", path_part);
    paused = resumed = false;
    atomic_store(&armed, (int)at + 1);
    pthread_mutex_unlock(&mu);
}

bool interpose_wait_paused(int timeout_ms)
{
    int64_t until = interpose_real_mono_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&mu);
        bool p = paused && !resumed;
        pthread_mutex_unlock(&mu);
        if (p) return true;
        if (interpose_real_mono_ms() >= until) return false;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

void interpose_resume(void)
{
    pthread_mutex_lock(&mu);
    atomic_store(&armed, 0);
    resumed = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

void interpose_watch_flock(const char *path_part)
{
    pthread_mutex_lock(&mu);
    atomic_store(&watching, false);
    atomic_store(&flock_calls, 0);
    atomic_store(&flock_refused, 0);
    if (path_part) {
        snprintf(watch_part, sizeof watch_part, "%s", path_part);
        atomic_store(&watching, true);
    }
    pthread_mutex_unlock(&mu);
}

unsigned interpose_flock_calls(void)
{
    return atomic_load(&flock_calls);
}

unsigned interpose_flock_refused(void)
{
    return atomic_load(&flock_refused);
}

void interpose_advance_monotonic(int64_t ns)
{
    atomic_fetch_add(&mono_offset_ns, ns);
}

static int real_clock_gettime(clockid_t id, struct timespec *ts)
{
    clock_fn f = atomic_load(&real_clock);
    if (!f) {
        next("clock_gettime", &f, sizeof f);
        if (f) atomic_store(&real_clock, f);
    }
    return f ? f(id, ts) : (int)syscall(SYS_clock_gettime, id, ts);
}

int64_t interpose_real_mono_ms(void)
{
    struct timespec ts;
    real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the interposed functions ---------------------------------------------------------------- */

int clock_gettime(clockid_t id, struct timespec *ts)
{
    int rc = real_clock_gettime(id, ts);
    int64_t off = atomic_load_explicit(&mono_offset_ns, memory_order_relaxed);
    if (rc == 0 && off &&
        (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_MONOTONIC_RAW ||
         id == CLOCK_BOOTTIME)) {
        int64_t ns = (int64_t)ts->tv_nsec + off % 1000000000;
        ts->tv_sec += (time_t)(off / 1000000000 + ns / 1000000000);
        ts->tv_nsec = (long)(ns % 1000000000);
    }
    return rc;
}

int flock(int fd, int op)
{
    flock_fn f = atomic_load(&real_flock);
    if (!f) {
        next("flock", &f, sizeof f);
        if (f) atomic_store(&real_flock, f);
    }
    int rc = f ? f(fd, op) : (int)syscall(SYS_flock, fd, op);
    int err = errno;
    bool watch = atomic_load(&watching), pause = atomic_load(&armed) == INTERPOSE_AFTER_FLOCK + 1;
    if (watch || pause) {
        char path[1024];
        fd_path(fd, path, sizeof path);
        if (watch) {
            pthread_mutex_lock(&mu);
            bool match = atomic_load(&watching) && strstr(path, watch_part);
            pthread_mutex_unlock(&mu);
            if (match) {
                atomic_fetch_add(&flock_calls, 1);
                if (rc != 0 && err == EWOULDBLOCK) atomic_fetch_add(&flock_refused, 1);
            }
        }
        if (rc == 0 && !(op & LOCK_UN)) maybe_pause(INTERPOSE_AFTER_FLOCK, path);
    }
    errno = err;
    return rc;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    open_fn f = atomic_load(&real_open);
    if (!f) {
        next("open", &f, sizeof f);
        if (f) atomic_store(&real_open, f);
    }
    int fd = f ? f(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    int err = errno;
    if (fd >= 0) maybe_pause(INTERPOSE_AFTER_OPEN, path);
    errno = err;
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    openat_fn f = atomic_load(&real_openat);
    if (!f) {
        next("openat", &f, sizeof f);
        if (f) atomic_store(&real_openat, f);
    }
    int fd = f ? f(dirfd, path, flags, mode) : (int)syscall(SYS_openat, dirfd, path, flags, mode);
    int err = errno;
    if (fd >= 0) maybe_pause(INTERPOSE_AFTER_OPEN, path);
    errno = err;
    return fd;
}
