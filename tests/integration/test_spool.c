/* The durable spool (spool_dir): payloads that cannot be delivered go to disk and a later
 * client delivers them exactly once; bounds, corrupt files, shared directories and kill -9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "export/spool.h"
#include "http_test.h"
#include "itemset.h"
#include "receiver.h"
#include "spool_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <llmobs/llmobs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void backend_down_for_a_whole_run_then_next_client_delivers_exactly_once(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    itemset spans = {0}, scores = {0};
    llmobs_client *c = spool_client(r, dir, 10, NULL);
    make_tracked(c, 50, 7, "run1", &spans, &scores);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 107);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    assert_balanced(c);
    llmobs_shutdown(c, 2000);
    assert_true(spool_files(dir, NULL) >= 1 + 7); /* span batches, and one file per score */
    assert_int_equal(receiver_span_count(r), 0);

    receiver_set_default(r, (recv_answer){.status = 200});
    c = spool_client(r, dir, 10, NULL);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 107, 20000));
    assert_int_equal(spool_files(dir, NULL), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 0); /* not this client's items */
    /* The first test of the process: the default registry holds exactly these. */
    assert_true(default_registry_sample("llmobs_spool_items_total{outcome=\"spooled\"}") == 107);
    assert_true(default_registry_sample("llmobs_spool_items_total{outcome=\"resent\"}") == 107);
    llmobs_shutdown(c, 2000);
    check_exactly_once(r, &spans, &scores);
    itemset_free(&spans);
    itemset_free(&scores);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void backend_coming_back_triggers_resend_in_the_same_client(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    itemset spans = {0}, scores = {0};
    llmobs_client *c = spool_client(r, dir, 4, NULL);
    make_tracked(c, 6, 2, "down", &spans, &scores);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 14);
    receiver_set_default(r, (recv_answer){.status = 200});
    make_tracked(c, 2, 0, "up", &spans, NULL); /* a live batch succeeds: the spool follows */
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 14, 20000));
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 4);
    assert_balanced(c);
    llmobs_shutdown(c, 2000);
    check_exactly_once(r, &spans, &scores);
    itemset_free(&spans);
    itemset_free(&scores);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void shutdown_deadline_spools_the_backlog(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 200, .delay_ms = 3000});
    itemset spans = {0}, scores = {0};
    llmobs_client *c = spool_client(r, dir, 1000, NULL);
    make_tracked(c, 30, 3, "exit", &spans, &scores);
    /* An unfinished trace keeps the client's counters readable after shutdown. */
    llmobs_trace *hold = llmobs_trace_start(c, "hold", NULL);
    int64_t t0 = test_mono_ms();
    llmobs_shutdown(c, 200); /* the first request hangs past the deadline */
    int64_t took = test_mono_ms() - t0;
    assert_true(took < 2500);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 63);
    assert_int_equal(client_stat(c, LLMOBS_STAT_DROPPED), 0);
    llmobs_trace_end(hold);
    receiver_stop(r);

    /* Whatever the hung request may have delivered, the spool holds all of it (the lost reply
     * case), and nothing was dropped. */
    itemset on_disk_spans = {0}, on_disk_scores = {0};
    uint64_t items = spooled_ids(dir, &on_disk_spans, &on_disk_scores);
    assert_int_equal(items, 63);
    char why[200];
    if (!itemset_exactly_once(&spans, &on_disk_spans, why, sizeof why)) fail_msg("%s", why);
    if (!itemset_exactly_once(&scores, &on_disk_scores, why, sizeof why)) fail_msg("%s", why);
    itemset_free(&on_disk_spans);
    itemset_free(&on_disk_scores);
    itemset_free(&spans);
    itemset_free(&scores);
    remove_tree(dir);
    free(dir);
}

/* With many spool files and a slow backend, a live span still goes out at once: the flusher
 * sends due batches before spool files (it used to resend one spool file per round before ever
 * looking at the queue again, so a 1 s flush of one span timed out). */
static void live_batches_go_before_a_backlog_of_spool_files(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    llmobs_client *c = spool_client(r, dir, 1, NULL);
    for (int i = 0; i < 40; i++) {
        make_traces(c, 1);
        assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK); /* one file each */
    }
    uint64_t spooled = client_stat(c, LLMOBS_STAT_SPOOLED);
    assert_int_equal(spooled, 80);
    llmobs_shutdown(c, 2000);
    size_t files = spool_files(dir, NULL);
    assert_true(files >= 40);

    receiver_set_default(r, (recv_answer){.status = 200, .delay_ms = 50});
    c = spool_client(r, dir, 100, NULL);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 1, 10000)); /* the drain is under way */
    make_traces(c, 1);
    int64_t t0 = test_mono_ms();
    uint64_t pending = 0;
    llmobs_status st = llmobs_flush(c, 1000, &pending);
    print_message("flush of 1 live trace with %zu spool files: %lld ms, %llu pending\n", files,
                  (long long)(test_mono_ms() - t0), (unsigned long long)pending);
    assert_int_equal(st, LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 2);
    /* ... and the spool still drains completely. */
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, spooled, test_slack_ms(20000)));
    assert_int_equal(spool_files(dir, NULL), 0);
    llmobs_shutdown(c, 2000);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

/* 50,000 spans queued behind a hung backend and shutdown(200): the spool writes used to come
 * after the deadline (491 ms, 99 files). Now sending stops early enough to spool what fits
 * in time; the rest is dropped with reason shutdown, and every item is accounted for. */
static void shutdown_deadline_holds_with_a_spool_and_a_large_backlog(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 200, .delay_ms = 5000});
    llmobs_options *o = receiver_options(r, NULL, 1000);
    llmobs_options_set(o, "debug", "false");
    assert_int_equal(llmobs_options_set(o, "spool_dir", dir), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "max_queue_items", "100000"), LLMOBS_OK);
    llmobs_client *c = start_client(o);
    int64_t c0 = test_mono_ms();
    make_traces(c, 25000); /* 50,000 spans */
    /* The documented bound is the deadline plus one batch write plus freeing what is dropped;
     * freeing costs less than making the spans did, whatever the build (ASan, valgrind). */
    int64_t making = test_mono_ms() - c0;
    llmobs_trace *hold = llmobs_trace_start(c, "hold", NULL); /* keeps the counters live */
    int64_t t0 = test_mono_ms();
    llmobs_status st = llmobs_shutdown(c, 200);
    int64_t took = test_mono_ms() - t0;
    uint64_t spooled = client_stat(c, LLMOBS_STAT_SPOOLED);
    uint64_t dropped = client_dropped(c, LLMOBS_DROP_SHUTDOWN);
    print_message("shutdown(200) with 50,000 spans (made in %lld ms): %lld ms, %llu spooled in "
                  "%zu files, %llu dropped (shutdown)\n",
                  (long long)making, (long long)took, (unsigned long long)spooled,
                  spool_files(dir, NULL), (unsigned long long)dropped);
    assert_true(took <= 200 + test_slack_ms(100) + making);
    assert_true(st == LLMOBS_OK || st == LLMOBS_ETIMEOUT);
    assert_int_equal(client_stat(c, LLMOBS_STAT_ITEMS), 50000);
    assert_int_equal(spooled + dropped + client_stat(c, LLMOBS_STAT_EXPORTED), 50000);
    assert_int_equal(client_stat(c, LLMOBS_STAT_PENDING), 0);
    itemset on_disk = {0};
    assert_int_equal(spooled_ids(dir, &on_disk, NULL), spooled);
    itemset_free(&on_disk);
    llmobs_trace_end(hold);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static llmobs_client *two_dest_client(receiver *lf, receiver *ot, const char *dir)
{
    llmobs_options *o = receiver_options(lf, NULL, 100);
    llmobs_options_set(o, "debug", "false");
    assert_int_equal(llmobs_options_set(o, "otlp_endpoint", receiver_url(ot)), LLMOBS_OK);
    assert_int_equal(llmobs_options_set(o, "spool_dir", dir), LLMOBS_OK);
    llmobs_options_set(o, "max_retries", "0");
    return start_client(o);
}

/* Langfuse and an OTLP collector: when one destination fails until give-up, the spool keeps
 * the payload for that one only. It used to be resent to both, so Langfuse got the spans
 * twice; and a resend that one destination took (the other still failing) is narrowed too. */
static void spool_resends_to_the_destinations_that_did_not_take_it_only(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *lf = receiver_start(0), *ot = receiver_start(0);
    /* 1: both fail: spooled for both. */
    receiver_set_default(lf, (recv_answer){.status = 503});
    receiver_set_default(ot, (recv_answer){.status = 503});
    llmobs_client *c = two_dest_client(lf, ot, dir);
    make_traces(c, 1);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 2);
    llmobs_shutdown(c, 2000);
    /* 2: Langfuse is back, the collector is not. The startup resend gives Langfuse the file's
     * 2 spans and narrows the file to the collector; a live batch Langfuse takes is spooled
     * for the collector only. */
    receiver_set_default(lf, (recv_answer){.status = 200});
    c = two_dest_client(lf, ot, dir);
    assert_true(receiver_wait_spans(lf, 2, test_slack_ms(10000)) >= 2);
    make_traces(c, 2);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 4);
    llmobs_shutdown(c, 2000);
    assert_int_equal(receiver_span_count(lf), 6);
    assert_int_equal(receiver_span_count(ot), 0);
    /* 3: both up: the collector gets all 6, Langfuse nothing more. */
    receiver_set_default(ot, (recv_answer){.status = 200});
    c = two_dest_client(lf, ot, dir);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 6, test_slack_ms(20000)));
    assert_int_equal(spool_files(dir, NULL), 0);
    llmobs_shutdown(c, 2000);
    print_message("langfuse got %zu spans, the collector %zu\n", receiver_span_count(lf),
                  receiver_span_count(ot));
    assert_int_equal(receiver_span_count(lf), 6);
    assert_int_equal(receiver_span_count(ot), 6);
    receiver_stop(lf);
    receiver_stop(ot);
    remove_tree(dir);
    free(dir);
}

static void spool_full_counts_and_never_grows_past_its_bound(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    llmobs_client *c = spool_client(r, dir, 1000, "8192");
    for (int i = 0; i < 40; i++) {
        make_tracked(c, 2, 0, "full", NULL, NULL);
        assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
        uint64_t bytes = 0;
        spool_files(dir, &bytes);
        assert_true(bytes <= 8192);
    }
    /* One span bigger than the whole spool: dropped, reason spool_full. */
    char *big = malloc(20000);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    llmobs_trace *t = llmobs_trace_start(c, "big", NULL);
    llmobs_trace_set_input(t, big);
    llmobs_trace_end(t);
    free(big);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    uint64_t dropped = 0;
    llmobs_stats_dropped(c, LLMOBS_DROP_SPOOL_FULL, &dropped);
    assert_int_equal(dropped, 1);
    assert_int_equal(client_stat(c, LLMOBS_STAT_SPOOLED), 160);
    uint64_t evicted = client_stat(c, LLMOBS_STAT_SPOOL_EVICTED);
    assert_true(evicted > 0);
    itemset a = {0}, b = {0};
    uint64_t left = spooled_ids(dir, &a, &b);
    assert_int_equal(left + evicted, 160); /* every spooled item is on disk or counted */
    assert_balanced(c);
    itemset_free(&a);
    itemset_free(&b);
    llmobs_shutdown(c, 2000);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void corrupt_and_truncated_files_are_moved_aside_and_counted(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    itemset spans = {0}, scores = {0};
    llmobs_client *c = spool_client(r, dir, 2, NULL);
    for (int i = 0; i < 3; i++) { /* three files of 2 spans */
        make_tracked(c, 1, 0, "ok", &spans, &scores);
        assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    }
    llmobs_shutdown(c, 2000);
    assert_int_equal(spool_files(dir, NULL), 3);

    /* Truncate the newest, flip a payload byte of the middle one, and add garbage. */
    DIR *d = opendir(dir);
    char names[3][256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".llsp") && de->d_name[0] != '.')
            snprintf(names[n++], 256, "%s", de->d_name);
    closedir(d);
    assert_int_equal(n, 3);
    qsort(names, 3, 256, (int (*)(const void *, const void *))strcmp);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[2]);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 10), 0);
    snprintf(path, sizeof path, "%s/%s", dir, names[1]);
    int fd = open(path, O_RDWR);
    char byte;
    assert_int_equal(pread(fd, &byte, 1, 60), 1);
    byte ^= 0x20;
    assert_int_equal(pwrite(fd, &byte, 1, 60), 1);
    close(fd);
    snprintf(path, sizeof path, "%s/00000000000000000001-1-000000-00000000.spans.llsp", dir);
    write_file(path, "not a spool file", 16);

    receiver_set_default(r, (recv_answer){.status = 200});
    double corrupt_before =
        default_registry_sample("llmobs_spool_corrupt_files_total"); /* before its flusher */
    c = spool_client(r, dir, 2, NULL);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_CORRUPT_FILES, 3, 10000));
    assert_true(default_registry_sample("llmobs_spool_corrupt_files_total") -
                    (corrupt_before < 0 ? 0 : corrupt_before) ==
                3);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_RESENT, 2, 10000));
    llmobs_shutdown(c, 2000);
    assert_int_equal(spool_files(dir, NULL), 0);
    char corrupt[600];
    snprintf(corrupt, sizeof corrupt, "%s/corrupt", dir);
    assert_int_equal(spool_files(corrupt, NULL), 3);
    /* Only the intact file's two spans reached the receiver. */
    assert_int_equal(receiver_span_count(r), 2);
    itemset got = {0};
    accepted_span_ids(r, &got);
    itemset_sort(&got);
    assert_int_equal(itemset_count(&got, spans.ids[0]) + itemset_count(&got, spans.ids[1]), 2);
    itemset_free(&got);
    itemset_free(&spans);
    itemset_free(&scores);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void two_clients_sharing_a_directory_never_send_a_file_twice(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    receiver *r = receiver_start(0);
    receiver_set_default(r, (recv_answer){.status = 503});
    itemset spans = {0}, scores = {0};
    llmobs_client *c = spool_client(r, dir, 1, NULL);
    for (int i = 0; i < 60; i++) { /* 2 spans and 1 score each */
        char tag[32];
        snprintf(tag, sizeof tag, "shared%d", i);
        make_tracked(c, 1, 1, tag, &spans, &scores);
        assert_int_equal(llmobs_flush(c, 20000, NULL), LLMOBS_OK);
    }
    llmobs_shutdown(c, 2000);
    size_t files = spool_files(dir, NULL); /* a trace's two spans may go in one batch or two */
    assert_true(files >= 120 && files <= 180);

    /* Slow answers widen the window in which both flushers scan the same files. */
    receiver_set_default(r, (recv_answer){.status = 200, .delay_ms = 5});
    llmobs_client *a = spool_client(r, dir, 1, NULL);
    llmobs_client *b = spool_client(r, dir, 1, NULL);
    int64_t until = test_mono_ms() + 30000;
    while (client_stat(a, LLMOBS_STAT_SPOOL_RESENT) + client_stat(b, LLMOBS_STAT_SPOOL_RESENT) <
               180 &&
           test_mono_ms() < until)
        receiver_wait_requests(r, receiver_request_count(r) + 1, 100);
    uint64_t ra = client_stat(a, LLMOBS_STAT_SPOOL_RESENT),
             rb = client_stat(b, LLMOBS_STAT_SPOOL_RESENT);
    llmobs_shutdown(a, 2000);
    llmobs_shutdown(b, 2000);
    assert_int_equal(ra + rb, 180);
    assert_true(ra > 0 && rb > 0); /* both took part */
    check_exactly_once(r, &spans, &scores);
    itemset_free(&spans);
    itemset_free(&scores);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void files_older_than_max_age_are_evicted_and_counted(void **state)
{
    (void)state;
    clear_env();
    char *dir = make_dir();
    /* A valid file created "two days ago". */
    const char *body = "{\"resourceSpans\":[]}";
    llmobs__spool_header h = {LLMOBS__SPOOL_VERSION,
                              0,
                              5,
                              strlen(body),
                              (int64_t)(time(NULL) - 2 * 86400) * 1000000000,
                              0};
    unsigned char buf[LLMOBS__SPOOL_HEADER_LEN + 64];
    llmobs__spool_encode_header(&h, body, buf);
    memcpy(buf + LLMOBS__SPOOL_HEADER_LEN, body, strlen(body));
    char path[1024];
    snprintf(path, sizeof path, "%s/%020lld-1-000000-00000000.spans.llsp", dir,
             (long long)h.created_unix_ns);
    write_file(path, buf, LLMOBS__SPOOL_HEADER_LEN + strlen(body));
    receiver *r = receiver_start(0);
    llmobs_client *c = spool_client(r, dir, 10, NULL);
    assert_true(wait_stat(c, LLMOBS_STAT_SPOOL_EVICTED, 5, 10000));
    llmobs_shutdown(c, 2000);
    assert_int_equal(spool_files(dir, NULL), 0);
    assert_int_equal(receiver_request_count(r), 0);
    receiver_stop(r);
    remove_tree(dir);
    free(dir);
}

static void spool_dir_that_cannot_be_created_fails_the_client(void **state)
{
    (void)state;
    clear_env();
    llmobs_options *o = receiver_options(NULL, NULL, 10);
    llmobs_options_set(o, "spool_dir", "/proc/llmobs-cannot-exist/spool");
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_client_new(o, &st));
    assert_int_not_equal(st, LLMOBS_OK);
    assert_non_null(strstr(llmobs_last_error(), "spool_dir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backend_down_for_a_whole_run_then_next_client_delivers_exactly_once),
        cmocka_unit_test(backend_coming_back_triggers_resend_in_the_same_client),
        cmocka_unit_test(shutdown_deadline_spools_the_backlog),
        cmocka_unit_test(live_batches_go_before_a_backlog_of_spool_files),
        cmocka_unit_test(shutdown_deadline_holds_with_a_spool_and_a_large_backlog),
        cmocka_unit_test(spool_resends_to_the_destinations_that_did_not_take_it_only),
        cmocka_unit_test(spool_full_counts_and_never_grows_past_its_bound),
        cmocka_unit_test(corrupt_and_truncated_files_are_moved_aside_and_counted),
        cmocka_unit_test(two_clients_sharing_a_directory_never_send_a_file_twice),
        cmocka_unit_test(files_older_than_max_age_are_evicted_and_counted),
        cmocka_unit_test(spool_dir_that_cannot_be_created_fails_the_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
