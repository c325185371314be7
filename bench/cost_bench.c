/* The cost tracker at scale: what a new user costs the recording thread as the tracked set
 * grows (1,000, 10,000, 100,000 users; linear in the set before the name tables and the heap,
 * constant after), and what one ended generation costs it (the client's price hook, which
 * records the spend too, without the metrics hooks), with 1,000 and 100,000 users tracked.
 *
 * New user (us/op): the tracker tracks exactly N users (llmobs_cost_set_user_limit(N)), each
 * with 1 USD; every timed record is a user never seen before spending 2 USD, so it displaces
 * the smallest spender (the eviction path: the most work a new user can cost). Per run: a
 * batch of records, wall time / records; median and p99 over the runs.
 *
 * Generation (ns/op): llmobs__cost_generation (price and record, one pass) on the record
 * tracing builds for a known model and feature, cycling through already-tracked users.
 *
 * Usage: bench_cost [--quick] */
#include "bench_util.h"
#include "core/generation.h"
#include "cost/cost.h"
#include "llmobs/cost.h"

static int quick;

static void generation(llmobs_cost_tracker *t, const char *user)
{
    llmobs__generation g = {.model = "gpt-4o-mini",
                            .feature = "rag_pipeline",
                            .user = user,
                            .status = "success",
                            .tokens = {52, 47, -1, -1, -1}};
    llmobs__cost_generation(t, &g);
}

static void user_name(char *buf, size_t cap, long i)
{
    snprintf(buf, cap, "user-%08ld", i);
}

/* Times `batch` generations per run over users [0, nusers). */
static void bench_generation(llmobs_cost_tracker *t, long nusers, const char *id, const char *label,
                             long batch)
{
    int runs = quick ? 3 : 9;
    double v[9];
    char user[32];
    for (int r = 0; r < runs; r++) {
        int64_t t0 = bench_now_ns();
        for (long i = 0; i < batch; i++) {
            user_name(user, sizeof user, (i * 7919) % nusers);
            generation(t, user);
        }
        v[r] = (double)(bench_now_ns() - t0) / (double)batch;
    }
    bench_emit(id, label, "ns/op", v, (size_t)runs, 1, "per-run", NULL);
}

int main(int argc, char **argv)
{
    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    llmobs_cost_tracker *t = llmobs_cost_tracker_new(NULL, NULL);
    if (!t) return 1;
    const long sizes[] = {1000, 10000, 100000};
    const char *const ids[] = {"cost.new_user.1k", "cost.new_user.10k", "cost.new_user.100k"};
    long next = 0; /* the next never-seen user */
    char user[32], label[160];
    for (int s = 0; s < 3; s++) {
        long n = sizes[s];
        llmobs_cost_set_user_limit(t, (uint32_t)n);
        for (; next < n; next++) { /* fill the set to n users of 1 USD */
            user_name(user, sizeof user, next);
            llmobs_cost_record_usd(t, "gpt-4o-mini", "rag_pipeline", user, 1.0);
        }
        int runs = quick ? 3 : 9;
        long batch = 200;
        double v[9];
        for (int r = 0; r < runs; r++) {
            int64_t t0 = bench_now_ns();
            for (long i = 0; i < batch; i++, next++) {
                user_name(user, sizeof user, next);
                llmobs_cost_record_usd(t, "gpt-4o-mini", "rag_pipeline", user, 2.0);
            }
            v[r] = (double)(bench_now_ns() - t0) / (double)batch / 1000.0;
        }
        snprintf(label, sizeof label, "cost tracker: a new user displacing the smallest of %ld", n);
        bench_emit(ids[s], label, "us/op", v, (size_t)runs, 1, "per-run", NULL);
    }
    /* Generations of known users, on fresh trackers of 1,000 and 100,000 users. */
    llmobs_cost_tracker *small = llmobs_cost_tracker_new(NULL, NULL);
    if (!small) return 1;
    llmobs_cost_set_user_limit(small, 1000);
    for (long i = 0; i < 1000; i++) {
        user_name(user, sizeof user, i);
        generation(small, user);
    }
    bench_generation(small, 1000, "cost.generation.1k_users",
                     "cost tracker: one ended generation (price and record), 1,000 users",
                     quick ? 20000 : 200000);
    llmobs_cost_tracker *big = llmobs_cost_tracker_new(NULL, NULL);
    if (!big) return 1;
    llmobs_cost_set_user_limit(big, 100000);
    for (long i = 0; i < 100000; i++) {
        user_name(user, sizeof user, i);
        llmobs_cost_record_usd(big, "gpt-4o-mini", "rag_pipeline", user, 1.0);
    }
    bench_generation(big, 100000, "cost.generation.100k_users",
                     "cost tracker: one ended generation (price and record), 100,000 users",
                     quick ? 200 : 2000);
    llmobs_cost_tracker_free(t);
    llmobs_cost_tracker_free(small);
    llmobs_cost_tracker_free(big);
    return 0;
}
