/* The never-blocking recycler of core/recycle.h and the span storage built on it
 * (trace/span.h): blocks come back last-in first-out, the byte cap holds, a busy stack falls
 * through instead of waiting, spans and trace attributes come back cleared, and a span's
 * longer strings take blocks by size class that come back too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/recycle.h"
#include "trace/span.h"

#include <stdlib.h>
#include <string.h>

static int released;

static void count_release(void *block)
{
    released++;
    free(block);
}

static void takes_back_what_was_given_last_first(void **state)
{
    (void)state;
    llmobs__recycler r;
    llmobs__recycler_init(&r, 1000);
    assert_null(llmobs__recycler_take(&r));
    void *a = malloc(64), *b = malloc(64);
    assert_true(llmobs__recycler_give(&r, a, 64));
    assert_true(llmobs__recycler_give(&r, b, 64));
    assert_int_equal(r.bytes, 128);
    assert_ptr_equal(llmobs__recycler_take(&r), b);
    assert_ptr_equal(llmobs__recycler_take(&r), a);
    assert_null(llmobs__recycler_take(&r));
    assert_int_equal(r.bytes, 0);
    free(a);
    free(b);
    llmobs__recycler_destroy(&r, count_release);
}

static void keeps_no_more_than_its_cap_in_bytes(void **state)
{
    (void)state;
    llmobs__recycler r;
    llmobs__recycler_init(&r, 300);
    void *big = malloc(512);
    assert_false(llmobs__recycler_give(&r, big, 512)); /* larger than the whole cap */
    free(big);
    void *blocks[4];
    for (int i = 0; i < 4; i++)
        blocks[i] = malloc(100);
    for (int i = 0; i < 3; i++)
        assert_true(llmobs__recycler_give(&r, blocks[i], 100));
    assert_false(llmobs__recycler_give(&r, blocks[3], 100)); /* 400 > 300: the caller frees */
    free(blocks[3]);
    released = 0;
    llmobs__recycler_destroy(&r, count_release);
    assert_int_equal(released, 3);
    assert_null(r.head);
    assert_int_equal(r.bytes, 0);
}

static void a_busy_stack_falls_through_instead_of_waiting(void **state)
{
    (void)state;
    llmobs__recycler r;
    llmobs__recycler_init(&r, 1000);
    void *a = malloc(32);
    assert_true(llmobs__recycler_give(&r, a, 32));
    atomic_store(&r.busy, true); /* as if another thread were pushing */
    void *b = malloc(32);
    assert_false(llmobs__recycler_give(&r, b, 32));
    assert_null(llmobs__recycler_take(&r));
    atomic_store(&r.busy, false);
    free(b);
    assert_ptr_equal(llmobs__recycler_take(&r), a);
    free(a);
    llmobs__recycler_destroy(&r, count_release);
    llmobs__recycler r0; /* a cap of 0 keeps nothing */
    llmobs__recycler_init(&r0, 0);
    void *c = malloc(32);
    assert_false(llmobs__recycler_give(&r0, c, 32));
    free(c);
    llmobs__recycler_destroy(&r0, count_release);
}

static char *text(size_t n, char c)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* A span with a home comes back cleared; its longer strings take blocks of the smallest class
 * that holds them (the queue is charged the block), which come back for the next string of
 * that class; a string past the largest class, or a span without a home, is a plain copy. */
static void a_recycled_span_comes_back_cleared_and_its_strings_reuse_blocks(void **state)
{
    (void)state;
    llmobs__span_home home;
    llmobs__span_home_init(&home);
    char *in = text(300, 'i'), *out = text(200, 'o'), *huge = text(5000, 'h');

    llmobs__span *s = llmobs__span_new(&home);
    assert_non_null(s);
    assert_ptr_equal(s->home, &home);
    assert_true(llmobs__span_set_string(s, &s->name, "answer")); /* short: the inline pool */
    assert_true(llmobs__span_set_string(s, &s->model, "gpt-4o-mini"));
    assert_true(s->name >= s->pool && s->name < s->pool + sizeof s->pool);
    assert_true(llmobs__span_set_text(s, &s->input, in));   /* 301 bytes: a 384 block */
    assert_true(llmobs__span_set_text(s, &s->output, out)); /* 201 bytes: a 256 block */
    assert_int_equal(s->str_bytes, 384 + 256);
    assert_int_equal(s->input.len, 300); /* the payloads' lengths are kept */
    assert_int_equal(s->output.len, 200);
    assert_int_equal(llmobs__span_footprint(s), sizeof *s + 384 + 256);
    char *out_block = s->output.s;
    /* Replaced: the old block goes back at once and the new string takes the same class. */
    assert_true(llmobs__span_set_text(s, &s->output, in));
    assert_int_equal(home.strings[2].bytes, 256); /* the 256 block is back */
    assert_string_equal(s->output.s, in);
    assert_int_equal(s->output.len, 300);
    char *last_384 = s->output.s; /* given back after the input's: taken first (LIFO) */
    assert_int_equal(s->str_bytes, 384 + 384);
    assert_true(llmobs__span_set_string(s, &s->status_message, huge)); /* past 4 KB: a copy */
    assert_int_equal(s->str_bytes, 384 + 384 + 5001);
    s->usage[0] = (llmobs__usage){llmobs__span_key("input"), 52};
    s->nusage = 1;
    s->level = LLMOBS_LEVEL_ERROR;
    llmobs__span_free(s); /* back home: blocks kept, the long copy and the keys freed */
    assert_int_equal(home.spans.bytes, sizeof *s);
    assert_int_equal(home.strings[3].bytes, 2 * 384); /* 384 is the fourth class */
    assert_int_equal(home.strings[2].bytes, 256);

    llmobs__span *t = llmobs__span_new(&home);
    assert_ptr_equal(t, s);
    assert_null(t->name);
    assert_null(t->input.s);
    assert_int_equal(t->input.len, 0);
    assert_int_equal(t->nusage, 0);
    assert_int_equal(t->pool_used, 0);
    assert_int_equal(t->str_bytes, 0);
    assert_int_equal(t->level, 0);
    assert_true(llmobs__span_set_string(t, &t->name, "retrieval"));
    assert_ptr_equal(t->name, t->pool);                    /* the pool starts over */
    assert_true(llmobs__span_set_text(t, &t->input, out)); /* the kept 256 block */
    assert_ptr_equal(t->input.s, out_block);
    assert_string_equal(t->input.s, out);
    assert_true(llmobs__span_set_text(t, &t->output, in)); /* a kept 384 block */
    assert_int_equal(home.strings[3].bytes, 384);
    assert_ptr_equal(t->output.s, last_384);
    assert_string_equal(t->output.s, in);
    llmobs__span_free(t);

    /* Without a home the span and its strings are simply freed (valgrind checks). */
    llmobs__span *w = llmobs__span_new(NULL);
    assert_true(llmobs__span_set_text(w, &w->input, in));
    assert_int_equal(w->str_bytes, 301);
    llmobs__span_free(w);

    llmobs__span_home_fini(&home);
    free(in);
    free(out);
    free(huge);
}

/* Trace attributes: a short name lives inside them, a long one is a copy of its own; released
 * attributes go back to their home cleared, and a copy shares the home. */
static void released_trace_attributes_come_back_cleared(void **state)
{
    (void)state;
    llmobs__recycler home;
    llmobs__recycler_init(&home, 4096);
    llmobs__trace_attrs *a = llmobs__trace_attrs_new(&home, "rag_query");
    assert_non_null(a);
    assert_ptr_equal(a->name, a->name_inline);
    assert_int_equal(a->is_public, -1);
    a->user_id = strdup("u-1");
    a->is_public = 1;
    size_t inline_footprint = llmobs__trace_attrs_footprint(a);
    llmobs__trace_attrs *copy = llmobs__trace_attrs_clone(a);
    assert_non_null(copy);
    assert_ptr_equal(copy->home, &home);
    assert_string_equal(copy->name, "rag_query");
    assert_ptr_equal(copy->name, copy->name_inline);
    assert_string_equal(copy->user_id, "u-1");
    llmobs__trace_attrs_unref(copy);
    llmobs__trace_attrs_unref(a);
    llmobs__trace_attrs *b = llmobs__trace_attrs_new(&home, NULL);
    assert_true(b == a || b == copy); /* one of the two, cleared */
    assert_null(b->name);
    assert_null(b->user_id);
    assert_int_equal(b->is_public, -1);
    assert_int_equal(atomic_load(&b->refs), 1);
    llmobs__trace_attrs_unref(b);
    char *long_name = text(100, 'n');
    llmobs__trace_attrs *c = llmobs__trace_attrs_new(&home, long_name);
    assert_true(c->name != c->name_inline);
    assert_string_equal(c->name, long_name);
    assert_int_equal(llmobs__trace_attrs_footprint(c), inline_footprint - strlen("u-1") - 1 + 101);
    llmobs__trace_attrs_unref(c);
    free(long_name);
    llmobs__recycler_destroy(&home, free);
    llmobs__trace_attrs *d = llmobs__trace_attrs_new(NULL, "no home");
    llmobs__trace_attrs_unref(d); /* freed: valgrind checks */
}

/* The client's release and environment, borrowed by a snapshot, are not its memory: the queue's
 * byte bound charges only what the snapshot owns. */
static void borrowed_release_and_environment_are_not_charged(void **state)
{
    (void)state;
    static const char release[] = "v1.2.3-with-a-long-build-suffix", environment[] = "production";
    llmobs__trace_attrs *a = llmobs__trace_attrs_new(NULL, "rag_query");
    assert_non_null(a);
    size_t bare = llmobs__trace_attrs_footprint(a);
    a->footprint = 0; /* a setter's reset */
    a->release = (char *)(uintptr_t)release;
    a->release_borrowed = true;
    a->environment = (char *)(uintptr_t)environment;
    a->environment_borrowed = true;
    assert_int_equal(llmobs__trace_attrs_footprint(a), bare);
    a->footprint = 0;
    assert_int_equal(llmobs__trace_attrs_set(&a->release, &a->release_borrowed, "own"), LLMOBS_OK);
    assert_int_equal(llmobs__trace_attrs_footprint(a), bare + sizeof "own");
    llmobs__trace_attrs_unref(a); /* frees "own", not the borrowed environment */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(takes_back_what_was_given_last_first),
        cmocka_unit_test(keeps_no_more_than_its_cap_in_bytes),
        cmocka_unit_test(a_busy_stack_falls_through_instead_of_waiting),
        cmocka_unit_test(a_recycled_span_comes_back_cleared_and_its_strings_reuse_blocks),
        cmocka_unit_test(released_trace_attributes_come_back_cleared),
        cmocka_unit_test(borrowed_release_and_environment_are_not_charged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
