/* The calling thread's current trace and observation (llmobs/context.h): scopes, what
 * llmobs_obs_start does with NULL arguments, threads, and the current-trace helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    capture cap;
    llmobs_client *client;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    capture_init(&f->cap);
    f->client = llmobs_client_new(capture_options(&f->cap, 1000, 60), NULL);
    assert_non_null(f->client);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_scope_depth(), 0);
    llmobs_shutdown(f->client, 5000);
    capture_destroy(&f->cap);
    free(f);
    return 0;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *flush_and_get(fixture *f, size_t n)
{
    assert_int_equal(llmobs_flush(f->client, 5000, NULL), LLMOBS_OK);
    assert_int_equal(capture_count(&f->cap), n);
    return f->cap.spans;
}

static void null_parent_means_the_current_observation(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "ctx", NULL);
    assert_int_equal(llmobs_scope_enter_trace(t), LLMOBS_OK);
    assert_ptr_equal(llmobs_current_trace(), t);
    assert_null(llmobs_current_observation());
    llmobs_obs *outer = llmobs_obs_start(NULL, NULL, LLMOBS_OBS_AGENT, "outer", NULL);
    assert_non_null(outer);
    assert_int_equal(llmobs_scope_enter(outer), LLMOBS_OK);
    assert_ptr_equal(llmobs_current_observation(), outer);
    assert_ptr_equal(llmobs_current_trace(), t);
    llmobs_obs *inner = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "inner", NULL);
    assert_non_null(inner);
    assert_int_equal(llmobs_obs_end(inner), LLMOBS_OK);
    assert_int_equal(llmobs_scope_leave(outer), LLMOBS_OK);
    /* Back in the trace's scope: under the root span again. */
    llmobs_obs *sibling = llmobs_obs_start(NULL, NULL, LLMOBS_OBS_SPAN, "sibling", NULL);
    assert_int_equal(llmobs_obs_end(sibling), LLMOBS_OK);
    assert_int_equal(llmobs_obs_end(outer), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_OK);
    assert_null(llmobs_current_trace());

    const cJSON *spans = flush_and_get(f, 4);
    const char *root_id = str(find_span_by_name(spans, "ctx"), "spanId");
    const char *outer_id = str(find_span_by_name(spans, "outer"), "spanId");
    assert_string_equal(str(find_span_by_name(spans, "outer"), "parentSpanId"), root_id);
    assert_string_equal(str(find_span_by_name(spans, "inner"), "parentSpanId"), outer_id);
    assert_string_equal(str(find_span_by_name(spans, "sibling"), "parentSpanId"), root_id);
}

static void an_explicit_trace_or_parent_wins_over_the_current_one(void **state)
{
    fixture *f = *state;
    llmobs_trace *a = llmobs_trace_start(f->client, "a", NULL);
    llmobs_trace *b = llmobs_trace_start(f->client, "b", NULL);
    llmobs_obs *in_a = llmobs_obs_start(a, NULL, LLMOBS_OBS_SPAN, "in_a", NULL);
    assert_int_equal(llmobs_scope_enter(in_a), LLMOBS_OK);
    /* Another trace given: the current observation (of trace a) is not its parent. */
    llmobs_obs *in_b = llmobs_obs_start(b, NULL, LLMOBS_OBS_SPAN, "in_b", NULL);
    /* A parent given without a trace: the parent's trace. */
    llmobs_obs *under_b = llmobs_obs_start(NULL, in_b, LLMOBS_OBS_SPAN, "under_b", NULL);
    assert_non_null(under_b);
    assert_int_equal(llmobs_scope_leave(in_a), LLMOBS_OK);
    llmobs_obs_end(under_b);
    llmobs_obs_end(in_b);
    llmobs_obs_end(in_a);
    llmobs_trace_end(a);
    llmobs_trace_end(b);
    const cJSON *spans = flush_and_get(f, 5);
    assert_string_equal(str(find_span_by_name(spans, "in_b"), "parentSpanId"),
                        str(find_span_by_name(spans, "b"), "spanId"));
    assert_string_equal(str(find_span_by_name(spans, "under_b"), "parentSpanId"),
                        str(find_span_by_name(spans, "in_b"), "spanId"));
    assert_string_equal(str(find_span_by_name(spans, "under_b"), "traceId"),
                        str(find_span_by_name(spans, "b"), "traceId"));
}

static void without_a_scope_a_null_trace_is_einval(void **state)
{
    (void)state;
    llmobs_status st = LLMOBS_OK;
    assert_null(llmobs_obs_start(NULL, NULL, LLMOBS_OBS_SPAN, "x", &st));
    assert_int_equal(st, LLMOBS_EINVAL);
    assert_null(llmobs_current_trace());
    assert_null(llmobs_current_observation());
    assert_int_equal(llmobs_scope_enter(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_scope_enter_trace(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_scope_leave(NULL), LLMOBS_EINVAL);
    assert_int_equal(llmobs_scope_leave_trace(NULL), LLMOBS_EINVAL);
}

static void scopes_must_be_left_innermost_first(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "order", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "o", NULL);
    assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_ESTATE); /* nothing open */
    assert_int_equal(llmobs_scope_enter_trace(t), LLMOBS_OK);
    assert_int_equal(llmobs_scope_enter(o), LLMOBS_OK);
    assert_int_equal(llmobs_scope_depth(), 2);
    assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_ESTATE);
    assert_non_null(strstr(llmobs_last_error(), "innermost"));
    assert_int_equal(llmobs_scope_depth(), 2);
    assert_int_equal(llmobs_scope_leave(o), LLMOBS_OK);
    assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_OK);
    llmobs_obs_end(o);
    llmobs_trace_end(t);
}

static void a_scope_keeps_its_handle_valid_after_the_trace_ended(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "ended", NULL);
    assert_int_equal(llmobs_scope_enter_trace(t), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK); /* finished, but the scope holds it */
    char id[33];
    assert_int_equal(llmobs_trace_id(llmobs_current_trace(), id, sizeof id), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("user_id", "late"), LLMOBS_OK);
    assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_OK); /* frees it (ASan: no leak) */
    flush_and_get(f, 1);
}

static void scopes_are_limited_in_depth(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "deep", NULL);
    for (int i = 0; i < LLMOBS_SCOPE_MAX_DEPTH; i++)
        assert_int_equal(llmobs_scope_enter_trace(t), LLMOBS_OK);
    assert_int_equal(llmobs_scope_enter_trace(t), LLMOBS_ELIMIT);
    for (int i = 0; i < LLMOBS_SCOPE_MAX_DEPTH; i++)
        assert_int_equal(llmobs_scope_leave_trace(t), LLMOBS_OK);
    llmobs_trace_end(t);
}

typedef struct {
    llmobs_obs *handed; /* entered by the thread when non-NULL */
    llmobs_trace *seen_trace;
    llmobs_obs *seen_obs;
    llmobs_obs *child;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    a->seen_trace = llmobs_current_trace();
    a->seen_obs = llmobs_current_observation();
    if (a->handed && llmobs_scope_enter(a->handed) == LLMOBS_OK) {
        a->child = llmobs_obs_start(NULL, NULL, LLMOBS_OBS_TOOL, "in_thread", NULL);
        llmobs_obs_end(a->child);
        llmobs_scope_leave(a->handed);
    }
    return NULL;
}

static void a_new_thread_has_no_current_observation_unless_handed_one(void **state)
{
    fixture *f = *state;
    llmobs_trace *t = llmobs_trace_start(f->client, "threads", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_AGENT, "agent", NULL);
    assert_int_equal(llmobs_scope_enter(o), LLMOBS_OK);
    thread_arg plain = {0}, handed = {.handed = o};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, thread_main, &plain), 0);
    pthread_join(th, NULL);
    assert_null(plain.seen_trace);
    assert_null(plain.seen_obs);
    assert_null(plain.child);
    assert_int_equal(pthread_create(&th, NULL, thread_main, &handed), 0);
    pthread_join(th, NULL);
    assert_non_null(handed.child);
    assert_ptr_equal(llmobs_current_observation(), o); /* this thread's scope is untouched */
    assert_int_equal(llmobs_scope_leave(o), LLMOBS_OK);
    llmobs_obs_end(o);
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 3);
    assert_string_equal(str(find_span_by_name(spans, "in_thread"), "parentSpanId"),
                        str(find_span_by_name(spans, "agent"), "spanId"));
}

static void current_trace_set_updates_the_current_trace_by_attribute_name(void **state)
{
    fixture *f = *state;
    assert_int_equal(llmobs_current_trace_set("user_id", "u"), LLMOBS_ESTATE);
    llmobs_trace *t = llmobs_trace_start(f->client, "attrs", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_SPAN, "step", NULL);
    assert_int_equal(llmobs_scope_enter(o), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("user_id", "u-9"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("session_id", "s-9"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("tag", "beta"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("metadata.tenant", "acme"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("output", "done"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("public", "maybe"), LLMOBS_EINVAL);
    /* JSON is checked on the flusher, not here (test_trace.c) */
    assert_int_equal(llmobs_current_trace_set("input_json", "{\"q\":1}"), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_set("colour", "red"), LLMOBS_ENOTFOUND);
    assert_non_null(strstr(llmobs_last_error(), "colour"));
    assert_int_equal(llmobs_current_trace_set(NULL, "x"), LLMOBS_EINVAL);
    assert_int_equal(llmobs_scope_leave(o), LLMOBS_OK);
    llmobs_obs_end(o);
    llmobs_trace_end(t);
    const cJSON *spans = flush_and_get(f, 2);
    const cJSON *root = find_span_by_name(spans, "attrs");
    assert_string_equal(span_attr_str(root, "user.id"), "u-9");
    assert_string_equal(span_attr_str(root, "session.id"), "s-9");
    assert_string_equal(span_attr_str(root, "langfuse.trace.metadata"), "{\"tenant\":\"acme\"}");
}

/* Scores arrive at a callback exporter as CreateScoreRequest bodies. */
typedef struct {
    pthread_mutex_t mu;
    char bodies[4][1024];
    int n;
} score_sink;

static llmobs_export_result sink_export(const char *body, size_t len, const char *content_type,
                                        uint32_t items, void *ud)
{
    (void)content_type;
    (void)items;
    score_sink *s = ud;
    pthread_mutex_lock(&s->mu);
    if (s->n < 4 && len < sizeof s->bodies[0] && memmem(body, len, "\"dataType\"", 10)) {
        memcpy(s->bodies[s->n], body, len);
        s->bodies[s->n++][len] = '\0';
    }
    pthread_mutex_unlock(&s->mu);
    return LLMOBS_EXPORT_OK;
}

static void scores_go_to_the_current_trace_and_observation(void **state)
{
    (void)state;
    score_sink sink = {.mu = PTHREAD_MUTEX_INITIALIZER};
    llmobs_options *opts = llmobs_options_new();
    llmobs_options_set_export_callback(opts, sink_export, &sink);
    llmobs_client *c = llmobs_client_new(opts, NULL);
    assert_non_null(c);
    assert_int_equal(llmobs_current_trace_score_numeric("q", 1, NULL), LLMOBS_ESTATE);
    llmobs_score *orphan = llmobs_score_new("q", NULL);
    assert_int_equal(llmobs_current_trace_score(orphan, 0), LLMOBS_ESTATE); /* freed */
    assert_int_equal(llmobs_current_trace_score(NULL, 0), LLMOBS_EINVAL);

    llmobs_trace *t = llmobs_trace_start(c, "scored", NULL);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    char tid[33], oid[17];
    llmobs_trace_id(t, tid, sizeof tid);
    llmobs_obs_id(o, oid, sizeof oid);
    assert_int_equal(llmobs_scope_enter(o), LLMOBS_OK);
    assert_int_equal(llmobs_current_trace_score_numeric("helpful", 0.75, "ok"), LLMOBS_OK);
    llmobs_score *b = llmobs_score_new("grounded", NULL);
    llmobs_score_set_boolean(b, 1);
    assert_int_equal(llmobs_current_trace_score(b, 1), LLMOBS_OK);
    assert_int_equal(llmobs_scope_leave(o), LLMOBS_OK);
    llmobs_obs_end(o);
    llmobs_trace_end(t);
    assert_int_equal(llmobs_flush(c, 5000, NULL), LLMOBS_OK);
    llmobs_shutdown(c, 5000);

    assert_int_equal(sink.n, 2);
    for (int i = 0; i < 2; i++) {
        cJSON *j = cJSON_Parse(sink.bodies[i]);
        assert_non_null(j);
        assert_string_equal(str(j, "traceId"), tid);
        if (strcmp(str(j, "name"), "helpful") == 0) {
            assert_null(cJSON_GetObjectItem(j, "observationId"));
            assert_true(cJSON_GetObjectItem(j, "value")->valuedouble == 0.75);
        } else {
            assert_string_equal(str(j, "name"), "grounded");
            assert_string_equal(str(j, "observationId"), oid);
        }
        cJSON_Delete(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(null_parent_means_the_current_observation, setup, teardown),
        cmocka_unit_test_setup_teardown(an_explicit_trace_or_parent_wins_over_the_current_one,
                                        setup, teardown),
        cmocka_unit_test(without_a_scope_a_null_trace_is_einval),
        cmocka_unit_test_setup_teardown(scopes_must_be_left_innermost_first, setup, teardown),
        cmocka_unit_test_setup_teardown(a_scope_keeps_its_handle_valid_after_the_trace_ended, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(scopes_are_limited_in_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_thread_has_no_current_observation_unless_handed_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            current_trace_set_updates_the_current_trace_by_attribute_name, setup, teardown),
        cmocka_unit_test(scores_go_to_the_current_trace_and_observation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
