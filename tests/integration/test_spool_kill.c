/* kill -9 of a process that is spooling, mid-run: a restarted client delivers exactly what
 * reached the spool. Forks (a child with running threads), so it is left out of sanitizer
 * builds (LLMOBS_TESTS_FORKING). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_test.h"
#include "itemset.h"
#include "receiver.h"
#include "spool_test.h"

#include <llmobs/llmobs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child: traces forever into a spool (the backend at `url` refuses connections) until
 * it is killed. */
static void child_traces_forever(const char *dir, const char *url)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "base_url", url);
    llmobs_options_set(o, "public_key", TEST_PUBLIC_KEY);
    llmobs_options_set(o, "secret_key", TEST_SECRET_KEY);
    llmobs_options_set(o, "flush_at", "4");
    llmobs_options_set(o, "max_retries", "0");
    llmobs_options_set(o, "spool_dir", dir);
    llmobs_client *c = llmobs_client_new(o, NULL);
    if (!c) _exit(3);
    for (int i = 0;; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "child%d", i);
        make_tracked(c, 2, 1, tag, NULL, NULL);
        llmobs_flush(c, 5000, NULL);
    }
}

static void kill_9_mid_run_then_restart_delivers_what_reached_the_spool(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    /* A port nothing listens on: bind a receiver, note its URL, stop it. */
    receiver *gone = receiver_start(0);
    char url[64];
    snprintf(url, sizeof url, "%s", receiver_url(gone));
    receiver_stop(gone);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) child_traces_forever(dir, url);
    int64_t until = test_mono_ms() + 20000;
    while (spool_files(dir, NULL) < 8 && test_mono_ms() < until) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL); /* polling a directory: there is nothing to wait on */
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(spool_files(dir, NULL) >= 8);

    itemset spans = {0}, scores = {0};
    uint64_t items = spooled_ids(dir, &spans, &scores);
    receiver *r = receiver_start(0);
    llmobs_client *c = spool_client(r, dir, 10, NULL);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, items, 20000));
    llmobs_shutdown(c, 2000);
    assert_int_equal(spool_files(dir, NULL), 0);
    check_exactly_once(r, &spans, &scores);
    itemset_free(&spans);
    itemset_free(&scores);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill_9_mid_run_then_restart_delivers_what_reached_the_spool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
