/* The per-thread error detail (src/core/error.h): llmobs__error's value and message, and
 * llmobs__strerror. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static llmobs_status fails(int n)
{
    return llmobs__error(LLMOBS_ENOMEM, "step %d: %s", n, "out of memory");
}

static void error_evaluates_to_its_status_and_records_the_detail(void **state)
{
    (void)state;
    llmobs__error_clear();
    assert_int_equal(fails(3), LLMOBS_ENOMEM);
    assert_string_equal(llmobs_last_error(), "step 3: out of memory");
    llmobs_status st = LLMOBS_EINVAL;
    assert_int_equal(llmobs__error(st, "again"), LLMOBS_EINVAL);
    assert_string_equal(llmobs_last_error(), "again");
    llmobs__error(LLMOBS_EIO, "as a statement %s", "too"); /* only the detail is wanted */
    assert_string_equal(llmobs_last_error(), "as a statement too");
    llmobs__error_clear();
    assert_string_equal(llmobs_last_error(), "");
}

static void strerror_gives_the_c_library_text(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want, "%s", strerror(ENOENT));
    assert_string_equal(llmobs__strerror(ENOENT), want);
    const char *unknown = llmobs__strerror(123456);
    assert_non_null(unknown);
    assert_true(*unknown);
}

typedef struct {
    int err;
    pthread_barrier_t *both_called;
    char text[256];
} strerror_arg;

static void *strerror_thread(void *p)
{
    strerror_arg *a = p;
    const char *text = llmobs__strerror(a->err);
    pthread_barrier_wait(a->both_called); /* the other thread has formatted its own text */
    snprintf(a->text, sizeof a->text, "%s", text);
    return NULL;
}

/* Unknown numbers are formatted, and each thread's text survives the other's call. */
static void strerror_texts_are_per_thread(void **state)
{
    (void)state;
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    strerror_arg args[2] = {{.err = 100001, .both_called = &b}, {.err = 100002, .both_called = &b}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, strerror_thread, &args[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&b);
    for (int i = 0; i < 2; i++) {
        char want[256];
        snprintf(want, sizeof want, "%s", llmobs__strerror(args[i].err));
        assert_string_equal(args[i].text, want);
    }
#ifdef __GLIBC__
    assert_non_null(strstr(args[0].text, "100001")); /* glibc: "Unknown error 100001" */
    assert_non_null(strstr(args[1].text, "100002"));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_evaluates_to_its_status_and_records_the_detail),
        cmocka_unit_test(strerror_gives_the_c_library_text),
        cmocka_unit_test(strerror_texts_are_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
