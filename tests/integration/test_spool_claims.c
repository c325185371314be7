/* Spool claims between processes and flushers (issue 15): a file skipped because another
 * process held its lock is looked at again SPOOL_RETRY_NS (30 s) later, and a corrupt file two
 * flushers both reached is counted once. The test's interposed functions (support/interpose.h)
 * move CLOCK_MONOTONIC forward instead of sleeping 30 s, count flock() calls and stop a flusher
 * right after it opened a file. The lock holder is a forked child started before any thread of
 * the test, so the test runs in the sanitizer builds too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "interpose.h"
#include "itemset.h"
#include "receiver.h"
#include "spool_test.h"

#include <fcntl.h>
#include <llmobs/llmobs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S INT64_C(1000000000)

/* Another process holding a spool file's lock: a child that reads a path from `cmd`, opens it,
 * takes flock(LOCK_EX), acknowledges on `ack` and holds the lock until `cmd` is closed. */
typedef struct holder {
    pid_t pid;
    int cmd, ack;
} holder;

static holder holder_start(void)
{
    int cmd[2], ack[2];
    assert_int_equal(pipe(cmd), 0);
    assert_int_equal(pipe(ack), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(cmd[1]);
        close(ack[0]);
        char path[1024];
        size_t n = 0;
        char ch;
        while (n < sizeof path - 1 && read(cmd[0], &ch, 1) == 1 && ch != '\n')
            path[n++] = ch;
        path[n] = '\0';
        int fd = open(path, O_RDWR);
        char ok = fd >= 0 && flock(fd, LOCK_EX) == 0 ? 'L' : 'E';
        if (write(ack[1], &ok, 1) != 1) _exit(2);
        while (read(cmd[0], &ch, 1) > 0)
            ;
        _exit(0); /* the lock goes with the process */
    }
    close(cmd[0]);
    close(ack[1]);
    return (holder){pid, cmd[1], ack[0]};
}

static void holder_lock(holder *h, const char *path)
{
    size_t n = strlen(path);
    assert_int_equal(write(h->cmd, path, n), (ssize_t)n);
    assert_int_equal(write(h->cmd, "\n", 1), 1);
    char ok = 0;
    assert_int_equal(read(h->ack, &ok, 1), 1);
    assert_int_equal(ok, 'L');
}

static void holder_exit(holder *h)
{
    close(h->cmd);
    close(h->ack);
    int status = 0;
    assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static llmobs_client *idle_spool_client(receiver *r, const char *dir)
{
    /* flush_at 1000 and a 60 s interval: the only sends are the spool's */
    return spool_client(r, dir, 1000, NULL);
}

static void file_held_by_another_process_is_rechecked_30_s_later(void **state)
{
    (void)state;
    clear_env();
    holder h = holder_start(); /* before this test starts any thread */
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    llmobs_client *c = spool_client(r, dir, 2, NULL);
    make_tracked(c, 1, 0, "held", NULL, NULL); /* one file of two spans */
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 2000);
    char path[1024];
    only_spool_file(dir, path, sizeof path);

    /* Another process is sending it: the new client's first look at the spool skips it. */
    holder_lock(&h, path);
    interpose_watch_flock(path);
    receiver_set_default(r, (recv_answer){.status = 200});
    c = idle_spool_client(r, dir);
    int64_t until = test_mono_ms() + test_slack_ms(10000);
    while (interpose_flock_refused() < 1 && test_mono_ms() < until) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(interpose_flock_refused(), 1);
    /* That process dies without sending it: the file stays, for this client to send. */
    holder_exit(&h);
    assert_int_equal(spool_files(dir, NULL), 1);

    /* Not again at once: a wake-up of the flusher before 30 s passed leaves the file alone. */
    assert_int_equal(llmobs_flush(c, 1000, NULL), LLMOBS_OK);
    struct timespec settle = {0, 200000000};
    nanosleep(&settle, NULL);
    assert_int_equal(interpose_flock_calls(), 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOL_RESENT), 0);

    /* 31 s later (on the monotonic clock; the flusher sleeps until then, so it is woken: a
     * flush of the empty queue) the file is claimed again and sent. At most three rounds, in
     * case the first advance landed before the flusher had read the clock for its next look. */
    for (int round = 0; round < 3 && client_stat(c, LLMOBS_STAT_SPOOL_RESENT) < 2; round++) {
        interpose_advance_monotonic(31 * NS_PER_S);
        assert_int_equal(llmobs_flush(c, 1000, NULL), LLMOBS_OK);
        wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 2, (int)test_slack_ms(2000));
    }
    if (client_stat(c, LLMOBS_STAT_SPOOL_RESENT) != 2)
        fail_msg("the file skipped while another process held it was never looked at again "
                 "(%u flock calls on it, resent %llu items)",
                 interpose_flock_calls(),
                 (unsigned long long)client_stat(c, LLMOBS_STAT_SPOOL_RESENT));
    assert_true(interpose_flock_calls() >= 2);
    llmobs_shutdown(c, 2000);
    interpose_watch_flock(NULL);
    assert_int_equal(spool_files(dir, NULL), 0);
    assert_int_equal(receiver_span_count(r), 2);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void corrupt_file_reached_by_two_flushers_is_counted_once(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    const char *name = "00000000000000000001-1-000000-00000000.spans.llsp";
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("not a spool file", 1, 16, f), 16);
    fclose(f);

    double before = default_registry_sample("llmobs_spool_corrupt_files_total");
    /* Flusher A opens the file and stops there; flusher B claims it, finds it corrupt and moves
     * it to corrupt/; then A goes on with the descriptor it opened before the move. */
    interpose_watch_flock(name);
    interpose_pause_at(INTERPOSE_AFTER_OPEN, path);
    llmobs_client *a = idle_spool_client(r, dir);
    assert_true(interpose_wait_paused(10000));
    llmobs_client *b = idle_spool_client(r, dir);
    assert_true(wait_stat(b, LLMOBS_STAT_SPOOL_CORRUPT_FILES, 1, (int)test_slack_ms(10000)));
    interpose_resume();
    int64_t until = test_mono_ms() + test_slack_ms(10000);
    while (interpose_flock_calls() < 2 && test_mono_ms() < until) { /* A's flock() */
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_true(interpose_flock_calls() >= 2);
    uint64_t counted_a = client_stat(a, LLMOBS_STAT_SPOOL_CORRUPT_FILES);
    llmobs_shutdown(a, 2000); /* joins A's flusher: whatever it counts is counted now */
    llmobs_shutdown(b, 2000);
    interpose_watch_flock(NULL);
    double counted = default_registry_sample("llmobs_spool_corrupt_files_total") - before;
    if (counted != 1)
        fail_msg("one corrupt file counted %g times in llmobs_spool_corrupt_files_total "
                 "(flusher A's stat %llu before its shutdown)",
                 counted, (unsigned long long)counted_a);
    char corrupt[1100];
    snprintf(corrupt, sizeof corrupt, "%s/corrupt", dir);
    assert_int_equal(spool_files(corrupt, NULL), 1);
    assert_int_equal(spool_files(dir, NULL), 0);
    assert_int_equal(receiver_request_count(r), 0);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_held_by_another_process_is_rechecked_30_s_later),
        cmocka_unit_test(corrupt_file_reached_by_two_flushers_is_counted_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
