/* fork() while the flusher is between flock() on a spool file and publishing the claim
 * (issue 15): the child must not keep a descriptor of a claim it does not know of (it would hold
 * the lock as long as it lives, after the parent released it), and the parent's claim must stay
 * exactly the parent's. The fork lands there through the test's interposed flock()
 * (support/interpose.h), which stops the flusher right after its flock() succeeded. Forks a
 * process with running threads, so it is left out of sanitizer builds (LLMOBS_TESTS_FORKING). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "interpose.h"
#include "itemset.h"
#include "receiver.h"
#include "spool_test.h"

#include <errno.h>
#include <fcntl.h>
#include <llmobs/llmobs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether another open file description holds the file's lock: a fresh one cannot take it. */
static bool locked_elsewhere(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (held) assert_int_equal(errno, EWOULDBLOCK);
    close(fd); /* releases the lock if it was taken */
    return held;
}

/* The forked child: reports how many of its descriptors refer to `path` (the parent's claim
 * leaked into it), then lives on until the parent kills it (kill -9: an exit would run
 * valgrind's leak check in a child that abandoned the parent's threads). Async-signal-safe
 * calls only (the parent has running threads). */
static void child_reports_descriptors(const char *path, int report)
{
    unsigned char n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        char link[32] = "/proc/self/fd/", target[1024];
        int len = 14, digits = 0;
        for (int v = fd; v || !digits; v /= 10)
            digits++;
        for (int i = digits - 1, v = fd; i >= 0; i--, v /= 10)
            link[len + i] = (char)('0' + v % 10);
        link[len + digits] = '\0';
        ssize_t got = readlink(link, target, sizeof target - 1);
        if (got <= 0) continue;
        target[got] = '\0';
        if (strcmp(target, path) == 0) n++;
    }
    if (write(report, &n, 1) != 1) _exit(2);
    for (;;)
        pause();
}

static void fork_between_flock_and_claim_leaves_the_claim_to_the_parent(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    /* One spool file: a trace of two spans the backend refused. */
    llmobs_client *c = spool_client(r, dir, 2, NULL);
    make_tracked(c, 1, 0, "fork", NULL, NULL);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 2000);
    char path[1024];
    only_spool_file(dir, path, sizeof path);

    /* A new client resends it (the backend still answers 503): its flusher stops right after
     * flock() took the file's lock, before the claim is recorded. */
    size_t requests = receiver_request_count(r);
    interpose_pause_at(INTERPOSE_AFTER_FLOCK, path);
    c = spool_client(r, dir, 2, NULL);
    assert_true(interpose_wait_paused(10000));

    int report[2];
    assert_int_equal(pipe(report), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(report[0]);
        child_reports_descriptors(path, report[1]);
    }
    close(report[1]);
    unsigned char child_fds = 0xff;
    assert_int_equal(read(report[0], &child_fds, 1), 1);
    close(report[0]);

    /* The parent's claim holds while the parent has it, the child's atfork work included. */
    assert_true(locked_elsewhere(path));
    interpose_resume();
    /* The resend fails (503) and the flusher releases the file: nobody holds it any more,
     * although the child still lives. */
    assert_true(receiver_wait_requests(r, requests + 1, 10000) >= requests + 1);
    int64_t until = test_mono_ms() + test_slack_ms(5000);
    bool freed = false;
    while (!(freed = !locked_elsewhere(path)) && test_mono_ms() < until) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (child_fds != 0 || !freed)
        fail_msg("the forked child kept %u descriptor(s) of the parent's claimed spool file; "
                 "after the parent released its claim the file was %s",
                 (unsigned)child_fds, freed ? "free" : "still locked (by the child)");

    /* The file is still there, never sent, and the parent's later claims work as before. */
    assert_int_equal(spool_files(dir, NULL), 1);
    llmobs_shutdown(c, 2000);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fork_between_flock_and_claim_leaves_the_claim_to_the_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
