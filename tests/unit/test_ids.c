/* Ids: SHA-256, seeded ids (Langfuse's rule), random W3C ids, the sampling rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/ids.h"
#include "core/sha256.h"
#include <llmobs/llmobs.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void sha256_matches_fips_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    llmobs__sha256("abc", 3, d);
    llmobs__hex(d, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    llmobs__sha256(two_blocks, strlen(two_blocks), d);
    llmobs__hex(d, 32, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    llmobs__sha256("", 0, d);
    llmobs__hex(d, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void seeded_ids_are_sha256_prefixes_like_langfuse(void **state)
{
    (void)state;
    char tid[33], oid[17];
    assert_int_equal(llmobs_trace_id_from_seed("abc", tid, sizeof tid), LLMOBS_OK);
    assert_string_equal(tid, "ba7816bf8f01cfea414140de5dae2223");
    assert_int_equal(llmobs_obs_id_from_seed("abc", oid, sizeof oid), LLMOBS_OK);
    assert_string_equal(oid, "ba7816bf8f01cfea");
    assert_int_equal(llmobs_trace_id_from_seed("my-session-1", tid, sizeof tid), LLMOBS_OK);
    assert_string_equal(tid, "5e7b7da9b1148b2dc525433f3192e1e1");
    assert_int_equal(llmobs_trace_id_from_seed("n\xc3\xa4ive", tid, sizeof tid), LLMOBS_OK);
    assert_string_equal(tid, "8644e2143c7da65650e29f47b40c23a8");
}

static void seeded_ids_reject_null_and_short_buffers(void **state)
{
    (void)state;
    char small[16];
    assert_int_equal(llmobs_trace_id_from_seed(NULL, small, sizeof small), LLMOBS_EINVAL);
    assert_int_equal(llmobs_trace_id_from_seed("x", NULL, 33), LLMOBS_EINVAL);
    assert_int_equal(llmobs_trace_id_from_seed("x", small, sizeof small), LLMOBS_ELIMIT);
    assert_int_equal(llmobs_obs_id_from_seed("x", small, sizeof small), LLMOBS_ELIMIT);
}

static void random_ids_are_nonzero_and_distinct(void **state)
{
    (void)state;
    enum { N = 2000 };
    static uint8_t ids[N][8];
    for (int i = 0; i < N; i++) {
        llmobs__random_id(ids[i], 8);
        uint8_t zero[8] = {0};
        assert_memory_not_equal(ids[i], zero, 8);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_memory_not_equal(ids[i], ids[j], 8);
}

static void hex_ids_parse_and_reject_bad_input(void **state)
{
    (void)state;
    uint8_t id[8];
    assert_true(llmobs__parse_hex_id("eee19b7ec3c1b174", id, 8));
    assert_int_equal(id[0], 0xee);
    assert_true(llmobs__parse_hex_id("EEE19B7EC3C1B174", id, 8));
    assert_false(llmobs__parse_hex_id("0000000000000000", id, 8));
    assert_false(llmobs__parse_hex_id("eee19b7ec3c1b17", id, 8));
    assert_false(llmobs__parse_hex_id("eee19b7ec3c1b17g", id, 8));
    assert_false(llmobs__parse_hex_id(NULL, id, 8));
}

static void sampling_follows_langfuse_sha256_rule(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    /* sha256(hex)[:8] / 0xFFFFFFFF: 0.2449 and 0.4075 (computed with Python's hashlib). */
    llmobs__parse_hex_id("0123456789abcdef0123456789abcdef", a, 16);
    llmobs__parse_hex_id("5b8efff798038103d269b633813fc60c", b, 16);
    assert_true(llmobs__sampled(a, 0.25));
    assert_false(llmobs__sampled(a, 0.24));
    assert_true(llmobs__sampled(b, 0.41));
    assert_false(llmobs__sampled(b, 0.40));
    assert_true(llmobs__sampled(a, 1.0));
    assert_false(llmobs__sampled(a, 0.0));
}

static void sampling_keeps_about_the_requested_fraction(void **state)
{
    (void)state;
    int kept = 0;
    for (int i = 0; i < 20000; i++) {
        uint8_t id[16];
        llmobs__random_id(id, 16);
        kept += llmobs__sampled(id, 0.3);
    }
    assert_in_range(kept, 5600, 6400); /* 0.3 +- 6 sigma */
}

/* The generator's state is copied into a forked child; the child must reseed (the process id
 * is cached and refreshed by an atfork handler, not read for every id). */
static void forked_child_makes_ids_other_than_the_parents(void **state)
{
    (void)state;
    uint8_t warm[8], mine[8], theirs[8];
    llmobs__random_id(warm, sizeof warm); /* the parent's generator is seeded */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t id[8];
        llmobs__random_id(id, sizeof id);
        _exit(write(fds[1], id, sizeof id) == (ssize_t)sizeof id ? 0 : 1);
    }
    llmobs__random_id(mine, sizeof mine);
    assert_int_equal(read(fds[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_memory_not_equal(mine, theirs, sizeof mine);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_matches_fips_vectors),
        cmocka_unit_test(seeded_ids_are_sha256_prefixes_like_langfuse),
        cmocka_unit_test(seeded_ids_reject_null_and_short_buffers),
        cmocka_unit_test(random_ids_are_nonzero_and_distinct),
        cmocka_unit_test(forked_child_makes_ids_other_than_the_parents),
        cmocka_unit_test(hex_ids_parse_and_reject_bad_input),
        cmocka_unit_test(sampling_follows_langfuse_sha256_rule),
        cmocka_unit_test(sampling_keeps_about_the_requested_fraction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
