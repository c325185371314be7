#include "core/ids.h"
#include "core/error.h"
#include "core/sha256.h"
#include "llmobs/trace.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* xoshiro256** per thread: ids are not secrets, but they must not collide, so the seed
 * comes from the kernel and is renewed in a forked child (pid changes). */
static _Thread_local uint64_t rng_state[4];
static _Thread_local pid_t rng_pid;

/* getpid() is a system call (glibc does not cache it), and a slow one in some VMs: ~1-2 us on
 * the 2-vCPU dev VM, where calling it for every id made it three quarters of a traced call's
 * caller cost (bench/run.sh). The process id is read once and refreshed in a forked child by
 * an atfork handler, which runs before the child can make any id. */
static pid_t cached_pid;
static pthread_once_t cached_pid_once = PTHREAD_ONCE_INIT;

static void cached_pid_after_fork(void)
{
    cached_pid = getpid();
}

static void cached_pid_init(void)
{
    cached_pid = getpid();
    pthread_atfork(NULL, NULL, cached_pid_after_fork);
}

static pid_t current_pid(void)
{
    pthread_once(&cached_pid_once, cached_pid_init);
    return cached_pid;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(void)
{
    if (getrandom(rng_state, sizeof rng_state, 0) != (ssize_t)sizeof rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid() ^
                     (uint64_t)(uintptr_t)&ts;
        for (int i = 0; i < 4; i++) { /* splitmix64 */
            x += 0x9e3779b97f4a7c15ULL;
            uint64_t z = x;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            rng_state[i] = z ^ (z >> 31);
        }
    }
    rng_pid = current_pid();
}

/* The state is seeded on a thread's first id and again in a forked child: rng_pid is 0 until
 * the first seeding, and cached_pid (set before any seeding, refreshed by the atfork handler)
 * differs from it in a child. Reading cached_pid without pthread_once is safe here: a thread
 * whose rng_pid is set has run current_pid() itself. */
static inline uint64_t rng_next(void)
{
    if (__builtin_expect(rng_pid == 0 || rng_pid != cached_pid, 0)) rng_seed();
    uint64_t *s = rng_state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Eight byte stores from shifts rather than a memcpy of the word: gcc merges them into one
 * 8-byte store, and its -fanalyzer does not mistake the word for uninitialised. */
static inline void store64(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    p[4] = (uint8_t)(v >> 32);
    p[5] = (uint8_t)(v >> 40);
    p[6] = (uint8_t)(v >> 48);
    p[7] = (uint8_t)(v >> 56);
}

void llmobs__random_id(uint8_t *out, size_t n)
{
    uint64_t any;
    do { /* an all-zero id is invalid (W3C trace context): draw again */
        any = 0;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t r = rng_next();
            any |= r;
            store64(out + i, r);
        }
        if (i < n) {
            uint64_t r = rng_next();
            for (; i < n; i++, r >>= 8) {
                out[i] = (uint8_t)r;
                any |= out[i];
            }
        }
    } while (any == 0);
}

double llmobs__random_unit(void)
{
    return (double)(rng_next() >> 11) * 0x1.0p-53;
}

void llmobs__hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool llmobs__parse_hex_id(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return false;
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
        nonzero |= out[i] != 0;
    }
    return nonzero;
}

bool llmobs__sampled(const uint8_t trace_id[16], double rate)
{
    if (rate >= 1.0) return true;
    if (rate <= 0.0) return false;
    char hex[33];
    llmobs__hex(trace_id, 16, hex);
    uint8_t digest[32];
    llmobs__sha256(hex, 32, digest);
    uint32_t first = (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 |
                     (uint32_t)digest[2] << 8 | digest[3];
    return (double)first / 4294967295.0 < rate;
}

static llmobs_status id_from_seed(const char *seed, char *buf, size_t cap, size_t bytes)
{
    if (!seed || !buf) return llmobs__error(LLMOBS_EINVAL, "id_from_seed: NULL argument");
    if (cap < 2 * bytes + 1)
        return llmobs__error(LLMOBS_ELIMIT, "id_from_seed: buffer needs %zu bytes", 2 * bytes + 1);
    uint8_t digest[32];
    llmobs__sha256(seed, strlen(seed), digest);
    llmobs__hex(digest, bytes, buf);
    return LLMOBS_OK;
}

llmobs_status llmobs_trace_id_from_seed(const char *seed, char *buf, size_t cap)
{
    return id_from_seed(seed, buf, cap, 16);
}

llmobs_status llmobs_obs_id_from_seed(const char *seed, char *buf, size_t cap)
{
    return id_from_seed(seed, buf, cap, 8);
}
