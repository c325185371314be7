/* Garbage inputs (issue 9, "Sanitizers, memory, fuzzing"): every public function that takes a
 * pointer or string is called through a table row with NULL handles and, in each string
 * position, NULL, "", a 10 MB string, invalid UTF-8 and control characters (and NULL in each
 * other pointer position). Every call must return a valid status (NULL handles and required
 * strings an error), nothing may crash or leak (the suite runs this under ASan, TSan and
 * valgrind), and accepted garbage must reach the wire sanitized (checked through the callback
 * exporter). tests/unit/test_garbage_coverage.py fails when a public function with a pointer
 * argument has no ROW() here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"

#include <llmobs/metrics.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HUGE_LEN (10u * 1024u * 1024u)
#define TID "0123456789abcdef0123456789abcdef"
#define SID "0123456789abcdef"
#define REPLY "{\"score\": 0.9, \"reasoning\": \"ok\", \"unsupported_claims\": []}"

static char *huge; /* 10 MB of 'a', allocated once */
static const char bad_utf8[] = "x\xff\xfe\xc3";
static const char ctrl[] = "\x01\x02\n\t\x7f";

/* Valid handles shared by the rows (setters on them just replace values). */
static struct {
    capture cap;
    llmobs_client *client;
    llmobs_trace *trace;
    llmobs_obs *obs;
    llmobs_score *score;
    llmobs_options *opts;
    llmobs_cost_tracker *cost;
    llmobs_registry *reg;  /* small: the render rows render it */
    llmobs_registry *lreg; /* where garbage names, help texts and label values go */
    llmobs_family *cfam, *gfam, *hfam;
    llmobs_counter *ctr;
    llmobs_gauge *gauge;
    llmobs_histogram *hist;
    llmobs_evaluator *ev;
    llmobs_judge *judge;
    llmobs_judgement *jm;
} G;

typedef struct arg {
    int valid;        /* 0: every handle argument is NULL */
    const char *s[6]; /* string arguments, in order */
    unsigned nullp;   /* bit i: pass NULL for the i-th other pointer argument */
} arg;

#define S(i) (a->s[i])
#define H(x) (a->valid ? (x) : NULL)
#define P(i, x) (((a->nullp >> (i)) & 1u) ? NULL : (x))
#define W(f) static llmobs_status call_##f(const arg *a)
#define STATUS_OR(st, obj) ((st) != LLMOBS_OK ? (st) : (obj) ? LLMOBS_OK : LLMOBS_EINVAL)

static llmobs_options *judge_opts(void)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "judge_api_key", "k");
    llmobs_options_set(o, "judge_base_url", "http://127.0.0.1:1");
    llmobs_options_set(o, "judge_max_retries", "0");
    llmobs_options_set(o, "judge_timeout", "2");
    llmobs_options_set(o, "judge_deadline", "2");
    return o;
}

static llmobs_options *none_opts(void)
{
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    return o;
}

/* ---- common.h / options.h / client.h ------------------------------------------------------ */
W(llmobs_options_free)
{
    llmobs_options_free(a->valid ? llmobs_options_new() : NULL);
    return LLMOBS_OK;
}
W(llmobs_options_set)
{
    return llmobs_options_set(H(G.opts), S(0), S(1));
}
W(llmobs_options_set_int)
{
    return llmobs_options_set_int(H(G.opts), S(0), 5);
}
W(llmobs_options_set_double)
{
    return llmobs_options_set_double(H(G.opts), S(0), 5.0);
}
W(llmobs_options_set_bool)
{
    return llmobs_options_set_bool(H(G.opts), S(0), 1);
}
W(llmobs_options_get)
{
    char buf[64];
    size_t needed = 0;
    return llmobs_options_get(H(G.opts), S(0), P(0, buf), sizeof buf, P(1, &needed));
}
W(llmobs_option_key_at)
{
    const char *k, *e, *d, *desc;
    return llmobs_option_key_at(0, P(0, &k), P(1, &e), P(2, &d), P(3, &desc));
}
static void log_fn(llmobs_log_level l, const char *m, void *u)
{
    (void)l, (void)m, (void)u;
}
static llmobs_export_result exp_fn(const char *b, size_t n, const char *ct, uint32_t i, void *u)
{
    (void)b, (void)n, (void)ct, (void)i, (void)u;
    return LLMOBS_EXPORT_OK;
}
static int mask_fn(const char *f, const char *v, char *o, size_t cap, size_t *len, void *u)
{
    (void)f, (void)v, (void)o, (void)cap, (void)len, (void)u;
    return 2;
}
W(llmobs_options_set_log_callback)
{
    return llmobs_options_set_log_callback(H(G.opts), P(0, log_fn), NULL);
}
W(llmobs_options_set_export_callback)
{
    return llmobs_options_set_export_callback(H(G.opts), P(0, exp_fn), NULL);
}
W(llmobs_options_set_mask_callback)
{
    return llmobs_options_set_mask_callback(H(G.opts), P(0, mask_fn), NULL);
}
W(llmobs_options_set_registry)
{
    return llmobs_options_set_registry(H(G.opts), P(0, G.reg));
}
W(llmobs_client_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_client *c = llmobs_client_new(a->valid ? none_opts() : NULL, P(0, &st));
    llmobs_status r = STATUS_OR(st, c);
    llmobs_shutdown(c, 1000);
    return r;
}
W(llmobs_flush)
{
    uint64_t pending;
    return llmobs_flush(H(G.client), 5000, P(0, &pending));
}
W(llmobs_shutdown)
{
    return llmobs_shutdown(a->valid ? llmobs_client_new(none_opts(), NULL) : NULL, 1000);
}
W(llmobs_stats_get)
{
    uint64_t v;
    return llmobs_stats_get(H(G.client), LLMOBS_STAT_ITEMS, P(0, &v));
}
W(llmobs_stats_dropped)
{
    uint64_t v;
    return llmobs_stats_dropped(H(G.client), LLMOBS_DROP_TOO_LARGE, P(0, &v));
}
W(llmobs_client_cost_tracker)
{
    return llmobs_client_cost_tracker(H(G.client)) ? 0 : 1;
}

/* ---- trace.h ------------------------------------------------------------------------------ */
static llmobs_status end_new_trace(llmobs_trace *t, llmobs_status st)
{
    if (t != NULL) assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    return STATUS_OR(st, t);
}
W(llmobs_trace_start)
{
    llmobs_status st = LLMOBS_OK;
    return end_new_trace(llmobs_trace_start(H(G.client), S(0), P(0, &st)), st);
}
W(llmobs_trace_start_traceparent)
{
    llmobs_status st = LLMOBS_OK;
    return end_new_trace(llmobs_trace_start_traceparent(H(G.client), S(0), S(1), P(0, &st)), st);
}
W(llmobs_trace_start_with_id)
{
    llmobs_status st = LLMOBS_OK;
    return end_new_trace(llmobs_trace_start_with_id(H(G.client), S(0), S(1), S(2), P(0, &st)), st);
}
#define TRACE_STR1(f)                                                                              \
    W(f)                                                                                           \
    {                                                                                              \
        return f(H(G.trace), S(0));                                                                \
    }
TRACE_STR1(llmobs_trace_set_feature)
TRACE_STR1(llmobs_trace_set_user_id)
TRACE_STR1(llmobs_trace_set_session_id)
TRACE_STR1(llmobs_trace_add_tag)
TRACE_STR1(llmobs_trace_set_release)
TRACE_STR1(llmobs_trace_set_version)
TRACE_STR1(llmobs_trace_set_environment)
TRACE_STR1(llmobs_trace_set_metadata_json)
TRACE_STR1(llmobs_trace_set_input)
TRACE_STR1(llmobs_trace_set_output)
TRACE_STR1(llmobs_trace_set_input_json)
TRACE_STR1(llmobs_trace_set_output_json)
W(llmobs_trace_set_public)
{
    return llmobs_trace_set_public(H(G.trace), 1);
}
W(llmobs_trace_set_metadata)
{
    return llmobs_trace_set_metadata(H(G.trace), S(0), S(1));
}
W(llmobs_trace_set_start_time)
{
    return llmobs_trace_set_start_time(H(G.trace), llmobs_now_ns());
}
#define ID_BUF(f, h, n)                                                                            \
    W(f)                                                                                           \
    {                                                                                              \
        char buf[n];                                                                               \
        return f(H(h), P(0, buf), sizeof buf);                                                     \
    }
ID_BUF(llmobs_trace_id, G.trace, 33)
ID_BUF(llmobs_trace_span_id, G.trace, 17)
ID_BUF(llmobs_trace_traceparent, G.trace, 56)
ID_BUF(llmobs_obs_id, G.obs, 17)
ID_BUF(llmobs_obs_traceparent, G.obs, 56)
W(llmobs_trace_is_sampled)
{
    return llmobs_trace_is_sampled(H(G.trace)) ? 0 : 1;
}
W(llmobs_trace_end)
{
    return llmobs_trace_end(a->valid ? llmobs_trace_start(G.client, "end", NULL) : NULL);
}
W(llmobs_trace_end_at)
{
    return llmobs_trace_end_at(a->valid ? llmobs_trace_start(G.client, "end", NULL) : NULL,
                               llmobs_now_ns());
}
W(llmobs_obs_start)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_obs *o = llmobs_obs_start(H(G.trace), NULL, LLMOBS_OBS_GENERATION, S(0), P(0, &st));
    if (o != NULL) assert_int_equal(llmobs_obs_end(o), LLMOBS_OK);
    return STATUS_OR(st, o);
}
#define OBS_STR1(f)                                                                                \
    W(f)                                                                                           \
    {                                                                                              \
        return f(H(G.obs), S(0));                                                                  \
    }
OBS_STR1(llmobs_obs_set_input)
OBS_STR1(llmobs_obs_set_output)
OBS_STR1(llmobs_obs_set_input_json)
OBS_STR1(llmobs_obs_set_output_json)
OBS_STR1(llmobs_obs_set_metadata_json)
OBS_STR1(llmobs_obs_set_status_message)
OBS_STR1(llmobs_obs_set_model)
OBS_STR1(llmobs_obs_set_provider)
W(llmobs_obs_set_metadata)
{
    return llmobs_obs_set_metadata(H(G.obs), S(0), S(1));
}
W(llmobs_obs_set_level)
{
    return llmobs_obs_set_level(H(G.obs), LLMOBS_LEVEL_WARNING);
}
W(llmobs_obs_set_start_time)
{
    return llmobs_obs_set_start_time(H(G.obs), llmobs_now_ns());
}
W(llmobs_obs_set_completion_start_time)
{
    return llmobs_obs_set_completion_start_time(H(G.obs), llmobs_now_ns());
}
W(llmobs_obs_set_model_parameter)
{
    return llmobs_obs_set_model_parameter(H(G.obs), S(0), S(1));
}
W(llmobs_obs_set_usage)
{
    return llmobs_obs_set_usage(H(G.obs), 1, 2);
}
W(llmobs_obs_set_usage_detail)
{
    return llmobs_obs_set_usage_detail(H(G.obs), S(0), 3);
}
W(llmobs_obs_set_cost_detail)
{
    return llmobs_obs_set_cost_detail(H(G.obs), S(0), 0.5);
}
W(llmobs_obs_set_prompt)
{
    return llmobs_obs_set_prompt(H(G.obs), S(0), 1);
}
static llmobs_obs *new_obs(void)
{
    return llmobs_obs_start(G.trace, NULL, LLMOBS_OBS_SPAN, "end", NULL);
}
W(llmobs_obs_end)
{
    return llmobs_obs_end(a->valid ? new_obs() : NULL);
}
W(llmobs_obs_end_at)
{
    return llmobs_obs_end_at(a->valid ? new_obs() : NULL, llmobs_now_ns());
}
W(llmobs_trace_id_from_seed)
{
    char buf[33];
    return llmobs_trace_id_from_seed(S(0), P(0, buf), sizeof buf);
}
W(llmobs_obs_id_from_seed)
{
    char buf[17];
    return llmobs_obs_id_from_seed(S(0), P(0, buf), sizeof buf);
}

/* ---- provider.h --------------------------------------------------------------------------- */
W(llmobs_obs_set_from_response)
{
    llmobs_response_format got;
    return llmobs_obs_set_from_response(H(G.obs), LLMOBS_RESPONSE_AUTO, S(0), P(0, &got));
}

/* ---- context.h ---------------------------------------------------------------------------- */
#define SCOPE_PAIR(enter, leave, h)                                                                \
    W(enter)                                                                                       \
    {                                                                                              \
        llmobs_status st = enter(H(h));                                                            \
        if (st == LLMOBS_OK) assert_int_equal(leave(h), LLMOBS_OK);                                \
        return st;                                                                                 \
    }                                                                                              \
    W(leave)                                                                                       \
    {                                                                                              \
        if (a->valid) assert_int_equal(enter(h), LLMOBS_OK);                                       \
        return leave(H(h));                                                                        \
    }
SCOPE_PAIR(llmobs_scope_enter_trace, llmobs_scope_leave_trace, G.trace)
SCOPE_PAIR(llmobs_scope_enter, llmobs_scope_leave, G.obs)
W(llmobs_current_trace_set)
{
    assert_int_equal(llmobs_scope_enter_trace(G.trace), LLMOBS_OK);
    llmobs_status st = llmobs_current_trace_set(S(0), S(1));
    assert_int_equal(llmobs_scope_leave_trace(G.trace), LLMOBS_OK);
    return st;
}
W(llmobs_current_trace_score)
{
    assert_int_equal(llmobs_scope_enter(G.obs), LLMOBS_OK);
    llmobs_score *sc = NULL;
    if (a->valid) {
        sc = llmobs_score_new("ctx", NULL);
        assert_int_equal(llmobs_score_set_numeric(sc, 1), LLMOBS_OK);
    }
    llmobs_status st = llmobs_current_trace_score(sc, 1);
    assert_int_equal(llmobs_scope_leave(G.obs), LLMOBS_OK);
    return st;
}
W(llmobs_current_trace_score_numeric)
{
    assert_int_equal(llmobs_scope_enter_trace(G.trace), LLMOBS_OK);
    llmobs_status st = llmobs_current_trace_score_numeric(S(0), 0.5, S(1));
    assert_int_equal(llmobs_scope_leave_trace(G.trace), LLMOBS_OK);
    return st;
}

/* ---- score.h ------------------------------------------------------------------------------ */
W(llmobs_score_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_score *s = llmobs_score_new(S(0), P(0, &st));
    llmobs_score_free(s);
    return STATUS_OR(st, s);
}
W(llmobs_score_free)
{
    llmobs_score_free(a->valid ? llmobs_score_new("s", NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_score_set_numeric)
{
    return llmobs_score_set_numeric(H(G.score), 0.5);
}
W(llmobs_score_set_boolean)
{
    return llmobs_score_set_boolean(H(G.score), 1);
}
#define SCORE_STR1(f)                                                                              \
    W(f)                                                                                           \
    {                                                                                              \
        return f(H(G.score), S(0));                                                                \
    }
SCORE_STR1(llmobs_score_set_categorical)
SCORE_STR1(llmobs_score_set_text)
SCORE_STR1(llmobs_score_set_trace_id)
SCORE_STR1(llmobs_score_set_observation_id)
SCORE_STR1(llmobs_score_set_session_id)
SCORE_STR1(llmobs_score_set_comment)
SCORE_STR1(llmobs_score_set_metadata_json)
SCORE_STR1(llmobs_score_set_environment)
SCORE_STR1(llmobs_score_set_config_id)
SCORE_STR1(llmobs_score_set_id)
W(llmobs_score_send)
{
    llmobs_score *s = NULL;
    if (!(a->nullp & 1u)) {
        s = llmobs_score_new("q", NULL);
        llmobs_score_set_numeric(s, 1);
        llmobs_score_set_trace_id(s, TID);
    }
    return llmobs_score_send(H(G.client), s); /* always takes ownership */
}
W(llmobs_score_numeric)
{
    return llmobs_score_numeric(H(G.client), S(0), S(1), S(2), 0.5, S(3));
}

/* ---- cost.h ------------------------------------------------------------------------------- */
W(llmobs_cost_tracker_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_cost_tracker *t = llmobs_cost_tracker_new(P(0, G.opts), P(1, &st));
    llmobs_cost_tracker_free(t);
    return STATUS_OR(st, t);
}
W(llmobs_cost_tracker_free)
{
    llmobs_cost_tracker_free(a->valid ? llmobs_cost_tracker_new(NULL, NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_cost_tracker_set_log_callback)
{
    return llmobs_cost_tracker_set_log_callback(H(G.cost), P(0, log_fn), NULL);
}
W(llmobs_cost_set_price)
{
    return llmobs_cost_set_price(H(G.cost), S(0), 1, 2, -1, -1, -1, 0);
}
W(llmobs_cost_load_prices_file)
{
    return llmobs_cost_load_prices_file(H(G.cost), S(0));
}
W(llmobs_cost_resolve_model)
{
    char buf[64];
    return llmobs_cost_resolve_model(H(G.cost), S(0), P(0, buf), sizeof buf);
}
W(llmobs_cost_get_price)
{
    double v;
    return llmobs_cost_get_price(H(G.cost), S(0), LLMOBS_PRICE_INPUT, P(0, &v));
}
W(llmobs_cost_context_window)
{
    int64_t v;
    return llmobs_cost_context_window(H(G.cost), S(0), P(0, &v));
}
static const double prices[LLMOBS_PRICE_KIND_COUNT] = {1, 2, 3, 4, 5};
W(llmobs_cost_compute)
{
    double out[LLMOBS_COST_KIND_COUNT];
    return llmobs_cost_compute(H(G.cost), S(0), 1, 2, 3, 4, 5, P(0, prices), P(1, out));
}
W(llmobs_cost_record)
{
    double out[LLMOBS_COST_KIND_COUNT];
    return llmobs_cost_record(H(G.cost), S(0), S(1), S(2), 1, 2, 3, 4, 5, P(0, prices), P(1, out));
}
W(llmobs_cost_record_usd)
{
    return llmobs_cost_record_usd(H(G.cost), S(0), S(1), S(2), 0.01);
}
#define COST_STR_OUT(f, T)                                                                         \
    W(f)                                                                                           \
    {                                                                                              \
        T v;                                                                                       \
        return f(H(G.cost), S(0), P(0, &v));                                                       \
    }
COST_STR_OUT(llmobs_cost_spend_feature, double)
COST_STR_OUT(llmobs_cost_spend_model, double)
COST_STR_OUT(llmobs_cost_spend_user, double)
COST_STR_OUT(llmobs_cost_unknown_model_count, uint64_t)
COST_STR_OUT(llmobs_cost_budget, double)
COST_STR_OUT(llmobs_cost_budget_remaining, double)
W(llmobs_cost_spend_total)
{
    double v;
    return llmobs_cost_spend_total(H(G.cost), P(0, &v));
}
W(llmobs_cost_set_user_limit)
{
    return llmobs_cost_set_user_limit(H(G.cost), 100);
}
W(llmobs_cost_user_at)
{
    char buf[64];
    double v;
    return llmobs_cost_user_at(H(G.cost), 0, P(0, buf), sizeof buf, P(1, &v));
}
W(llmobs_cost_feature_at)
{
    char buf[64];
    double s, b;
    return llmobs_cost_feature_at(H(G.cost), 0, P(0, buf), sizeof buf, P(1, &s), P(2, &b));
}
W(llmobs_cost_set_budget)
{
    return llmobs_cost_set_budget(H(G.cost), S(0), 10);
}
W(llmobs_cost_clear_budget)
{
    return llmobs_cost_clear_budget(H(G.cost), S(0));
}
W(llmobs_cost_set_budget_thresholds)
{
    static const double f[] = {0.5, 1.0};
    return llmobs_cost_set_budget_thresholds(H(G.cost), P(0, f), 2);
}
static void alert_fn(const char *f, double t, double s, double b, const char *m, void *u)
{
    (void)f, (void)t, (void)s, (void)b, (void)m, (void)u;
}
W(llmobs_cost_set_budget_callback)
{
    return llmobs_cost_set_budget_callback(H(G.cost), P(0, alert_fn), NULL);
}
W(llmobs_budget_check)
{
    double v;
    return llmobs_budget_check(H(G.cost), S(0), 0.01, P(0, &v));
}

/* ---- metrics.h ---------------------------------------------------------------------------- */
W(llmobs_registry_free)
{
    llmobs_registry_free(a->valid ? llmobs_registry_new(NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_registry_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_registry *r = llmobs_registry_new(P(0, &st));
    llmobs_registry_free(r);
    return STATUS_OR(st, r);
}
W(llmobs_registry_set_process_metrics)
{
    return llmobs_registry_set_process_metrics(H(G.reg), 0);
}
static const char *const one_label[] = {"l"};
W(llmobs_counter_register)
{
    llmobs_family *f;
    return llmobs_counter_register(H(G.lreg), S(0), S(1), S(2), P(0, one_label), 1, P(1, &f));
}
W(llmobs_gauge_register)
{
    llmobs_family *f;
    return llmobs_gauge_register(H(G.lreg), S(0), S(1), S(2), P(0, one_label), 1, P(1, &f));
}
static const double bounds[] = {0.1, 1, 10};
W(llmobs_histogram_register)
{
    llmobs_family *f;
    return llmobs_histogram_register(H(G.lreg), S(0), S(1), S(2), P(0, one_label), 1, P(1, bounds),
                                     3, P(2, &f));
}
W(llmobs_buckets_linear)
{
    (void)a;
    double out[4];
    return llmobs_buckets_linear(1, 1, 4, P(0, out));
}
W(llmobs_buckets_exponential)
{
    double out[4];
    return llmobs_buckets_exponential(1, 2, 4, P(0, out));
}
W(llmobs_family_set_max_children)
{
    return llmobs_family_set_max_children(H(G.cfam), 10000);
}
W(llmobs_family_refused_total)
{
    return (llmobs_status)(llmobs_family_refused_total(H(G.cfam)) * 0);
}
W(llmobs_family_children)
{
    return (llmobs_status)(llmobs_family_children(H(G.cfam)) * 0);
}
/* Label-value functions: the string under test is the one label value. */
#define LV const char *lv[1] = {S(0)}
W(llmobs_family_remove)
{
    LV;
    return llmobs_family_remove(H(G.cfam), P(0, lv), 1);
}
W(llmobs_family_clear)
{
    return llmobs_family_clear(H(G.gfam));
}
W(llmobs_counter_labels)
{
    LV;
    llmobs_counter *c;
    return llmobs_counter_labels(H(G.cfam), P(0, lv), 1, P(1, &c));
}
W(llmobs_counter_inc)
{
    return llmobs_counter_inc(H(G.ctr));
}
W(llmobs_counter_add)
{
    return llmobs_counter_add(H(G.ctr), 2);
}
W(llmobs_counter_get)
{
    double v;
    return llmobs_counter_get(H(G.ctr), P(0, &v));
}
W(llmobs_counter_add_labels)
{
    LV;
    return llmobs_counter_add_labels(H(G.cfam), P(0, lv), 1, 1);
}
W(llmobs_counter_inc_labels)
{
    LV;
    return llmobs_counter_inc_labels(H(G.cfam), P(0, lv), 1);
}
W(llmobs_gauge_labels)
{
    LV;
    llmobs_gauge *g;
    return llmobs_gauge_labels(H(G.gfam), P(0, lv), 1, P(1, &g));
}
W(llmobs_gauge_set)
{
    return llmobs_gauge_set(H(G.gauge), 1);
}
W(llmobs_gauge_add)
{
    return llmobs_gauge_add(H(G.gauge), 1);
}
W(llmobs_gauge_inc)
{
    return llmobs_gauge_inc(H(G.gauge));
}
W(llmobs_gauge_dec)
{
    return llmobs_gauge_dec(H(G.gauge));
}
W(llmobs_gauge_get)
{
    double v;
    return llmobs_gauge_get(H(G.gauge), P(0, &v));
}
W(llmobs_gauge_set_labels)
{
    LV;
    return llmobs_gauge_set_labels(H(G.gfam), P(0, lv), 1, 1);
}
W(llmobs_gauge_add_labels)
{
    LV;
    return llmobs_gauge_add_labels(H(G.gfam), P(0, lv), 1, 1);
}
W(llmobs_histogram_labels)
{
    LV;
    llmobs_histogram *h;
    return llmobs_histogram_labels(H(G.hfam), P(0, lv), 1, P(1, &h));
}
W(llmobs_histogram_observe)
{
    return llmobs_histogram_observe(H(G.hist), 0.5);
}
W(llmobs_histogram_observe_labels)
{
    LV;
    return llmobs_histogram_observe_labels(H(G.hfam), P(0, lv), 1, 0.5);
}
W(llmobs_histogram_get)
{
    uint64_t n;
    double sum;
    return llmobs_histogram_get(H(G.hist), P(0, &n), P(1, &sum));
}
W(llmobs_metrics_render)
{
    char buf[256];
    size_t needed;
    return llmobs_metrics_render(H(G.reg), LLMOBS_FORMAT_TEXT, P(0, buf), sizeof buf,
                                 P(1, &needed));
}
W(llmobs_metrics_render_string)
{
    char *s = NULL;
    size_t len;
    llmobs_status st =
        llmobs_metrics_render_string(H(G.reg), LLMOBS_FORMAT_OPENMETRICS, P(0, &s), P(1, &len));
    llmobs_metrics_string_free(s);
    return st;
}
W(llmobs_metrics_string_free)
{
    char *s = NULL;
    if (a->valid) llmobs_metrics_render_string(G.reg, LLMOBS_FORMAT_TEXT, &s, NULL);
    llmobs_metrics_string_free(s);
    return LLMOBS_OK;
}
W(llmobs_metrics_format_for_accept)
{
    llmobs_metrics_format f = llmobs_metrics_format_for_accept(S(0));
    return f == LLMOBS_FORMAT_TEXT || f == LLMOBS_FORMAT_OPENMETRICS ? LLMOBS_OK : LLMOBS_EINTERNAL;
}
W(llmobs_metrics_render_for_accept)
{
    char *body = NULL;
    size_t len;
    const char *ct;
    llmobs_status st =
        llmobs_metrics_render_for_accept(H(G.reg), S(0), P(0, &body), P(1, &len), P(2, &ct));
    llmobs_metrics_string_free(body);
    return st;
}
W(llmobs_metrics_server_start)
{
    llmobs_metrics_server *srv = NULL;
    llmobs_status st = llmobs_metrics_server_start(H(G.reg), S(0), P(0, &srv));
    llmobs_metrics_server_stop(srv);
    return st;
}
W(llmobs_metrics_server_start_token)
{
    llmobs_metrics_server *srv = NULL;
    llmobs_status st = llmobs_metrics_server_start_token(H(G.reg), S(0), S(1), P(0, &srv));
    llmobs_metrics_server_stop(srv);
    return st;
}
W(llmobs_metrics_server_port)
{
    (void)a;
    return llmobs_metrics_server_port(NULL) == 0 ? LLMOBS_OK : LLMOBS_EINTERNAL;
}
W(llmobs_metrics_server_stop)
{
    llmobs_metrics_server *srv = NULL;
    if (a->valid)
        assert_int_equal(llmobs_metrics_server_start(G.reg, "127.0.0.1:0", &srv), LLMOBS_OK);
    llmobs_metrics_server_stop(srv);
    return LLMOBS_OK;
}

/* ---- eval.h ------------------------------------------------------------------------------- */
W(llmobs_evaluator_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_evaluator *e =
        llmobs_evaluator_new(P(0, G.client), (a->nullp & 2u) ? NULL : none_opts(), P(2, &st));
    llmobs_evaluator_free(e);
    return STATUS_OR(st, e);
}
W(llmobs_evaluator_free)
{
    llmobs_evaluator_free(a->valid ? llmobs_evaluator_new(NULL, NULL, NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_evaluator_set_registry)
{
    return llmobs_evaluator_set_registry(H(G.ev), P(0, G.lreg));
}
static int64_t clock_fn(void *u)
{
    (void)u;
    return 1;
}
W(llmobs_evaluator_set_clock)
{
    return llmobs_evaluator_set_clock(H(G.ev), P(0, clock_fn), NULL);
}
W(llmobs_evaluator_set_window)
{
    return llmobs_evaluator_set_window(H(G.ev), 100, 0);
}
W(llmobs_eval_record)
{
    int passed;
    return llmobs_eval_record(H(G.ev), S(0), S(1), 0.8, -1, S(2), S(3), S(4), P(0, &passed));
}
W(llmobs_eval_record_error)
{
    return llmobs_eval_record_error(H(G.ev), S(0), S(1), S(2));
}
W(llmobs_eval_record_faithfulness)
{
    return llmobs_eval_record_faithfulness(H(G.ev), S(0), 0.8, S(1), S(2), S(3));
}
W(llmobs_eval_pass_rate)
{
    double r;
    int64_t n;
    return llmobs_eval_pass_rate(H(G.ev), S(0), S(1), P(0, &r), P(1, &n));
}
W(llmobs_eval_faithfulness)
{
    double r;
    int64_t n;
    return llmobs_eval_faithfulness(H(G.ev), S(0), P(0, &r), P(1, &n));
}
W(llmobs_eval_counts)
{
    uint64_t p, f, e;
    return llmobs_eval_counts(H(G.ev), S(0), S(1), P(0, &p), P(1, &f), P(2, &e));
}
W(llmobs_judge_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_judge *j = llmobs_judge_new((a->nullp & 1u) ? NULL : judge_opts(), P(1, &st));
    llmobs_judge_free(j);
    return STATUS_OR(st, j);
}
W(llmobs_judge_free)
{
    llmobs_judge_free(a->valid ? llmobs_judge_new(judge_opts(), NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_judge_set_client)
{
    llmobs_status st = llmobs_judge_set_client(H(G.judge), P(0, G.client), S(0));
    /* Untraced again: a judge trace of a 10 MB prompt is a ~70 MB span (too slow under valgrind).
     */
    llmobs_judge_set_client(G.judge, NULL, NULL);
    return st;
}
W(llmobs_judge_accuracy)
{
    llmobs_judgement *j = NULL;
    llmobs_status st;
    st = llmobs_judge_accuracy(H(G.judge), S(0), S(1), S(2), S(3), P(0, &j));
    llmobs_judgement_free(j);
    return st;
}
W(llmobs_judge_faithfulness)
{
    llmobs_judgement *j = NULL;
    llmobs_status st;
    st = llmobs_judge_faithfulness(H(G.judge), S(0), S(1), P(0, &j));
    llmobs_judgement_free(j);
    return st;
}
W(llmobs_judge_template)
{
    llmobs_judgement *j = NULL;
    const char *names[] = {"q"};
    const char *values[] = {S(1)};
    llmobs_status st;
    st = llmobs_judge_template(H(G.judge), S(0), P(0, names), P(1, values), 1, S(2), P(2, &j));
    llmobs_judgement_free(j);
    return st;
}
W(llmobs_judge_parse)
{
    llmobs_judgement *j = NULL;
    llmobs_status st;
    st = llmobs_judge_parse(S(0), S(1), 1, 0, P(0, &j));
    llmobs_judgement_free(j);
    return st;
}
/* Judgement getters: NULL gives the documented neutral value. */
W(llmobs_judgement_score)
{
    return isnan(llmobs_judgement_score(H(G.jm))) == !a->valid ? 0 : 14;
}
W(llmobs_judgement_reasoning)
{
    return llmobs_judgement_reasoning(H(G.jm)) ? 0 : 1;
}
W(llmobs_judgement_claim_count)
{
    return (llmobs_status)(llmobs_judgement_claim_count(H(G.jm)) * 0);
}
W(llmobs_judgement_claim_at)
{
    (void)llmobs_judgement_claim_at(H(G.jm), 0);
    return LLMOBS_OK;
}
W(llmobs_judgement_json)
{
    return llmobs_judgement_json(H(G.jm)) ? 0 : 1;
}
W(llmobs_judgement_model)
{
    return llmobs_judgement_model(H(G.jm)) ? 0 : 1;
}
W(llmobs_judgement_input_tokens)
{
    return llmobs_judgement_input_tokens(H(G.jm)) >= -1 ? 0 : 14;
}
W(llmobs_judgement_output_tokens)
{
    return llmobs_judgement_output_tokens(H(G.jm)) >= -1 ? 0 : 14;
}
W(llmobs_judgement_cost_usd)
{
    (void)llmobs_judgement_cost_usd(H(G.jm));
    return LLMOBS_OK;
}
W(llmobs_judgement_attempts)
{
    (void)llmobs_judgement_attempts(H(G.jm));
    return LLMOBS_OK;
}
W(llmobs_judgement_free)
{
    llmobs_judgement *j = NULL;
    if (a->valid) assert_int_equal(llmobs_judge_parse(REPLY, NULL, 0, 0, &j), LLMOBS_OK);
    llmobs_judgement_free(j);
    return LLMOBS_OK;
}

/* ---- experiment.h ---------------------------------------------------------------------- */
/* Item handles exist only inside the callbacks: the item rows run a one-item experiment whose
 * task makes the call, on a file written by setup_handles. */
static char xfile[64];
static llmobs_experiment *xshared; /* configured by the setter rows, never run */

static llmobs_experiment *new_x(void)
{
    llmobs_experiment *x = llmobs_experiment_new(G.client, "garbage-run", NULL);
    assert_non_null(x);
    assert_int_equal(llmobs_experiment_set_file(x, xfile), LLMOBS_OK);
    return x;
}

typedef struct item_call {
    const arg *a;
    int which;
    llmobs_status st;
} item_call;

static llmobs_status item_getters(llmobs_experiment_item *it)
{
    bool none = it == NULL;
    bool ok = (llmobs_experiment_item_id(it) == NULL) == none &&
              (llmobs_experiment_item_input(it) == NULL) == none &&
              (llmobs_experiment_item_trace(it) == NULL) == none &&
              (llmobs_experiment_item_remaining_ms(it) == -1) == none;
    (void)llmobs_experiment_item_expected_output(it);
    (void)llmobs_experiment_item_metadata(it);
    (void)llmobs_experiment_item_output(it);
    return ok ? LLMOBS_OK : LLMOBS_EINTERNAL;
}

static llmobs_status item_call_on(llmobs_experiment_item *it, const arg *a, int which)
{
    switch (which) {
    case 0:
        return llmobs_experiment_item_set_output(it, S(0));
    case 1:
        return llmobs_experiment_item_set_output_json(it, S(0));
    case 2:
        return llmobs_experiment_item_set_error(it, S(0));
    default:
        return item_getters(it);
    }
}

static int item_task(llmobs_experiment_item *it, void *ud)
{
    item_call *c = ud;
    c->st = item_call_on(it, c->a, c->which);
    /* A 10 MB output would make a 10 MB span, serialized again and again until truncated:
     * minutes under TSan, and the wire checks of such spans are the trace rows' job. */
    llmobs_experiment_item_set_output(it, "small");
    return 0;
}

static llmobs_status on_item(const arg *a, int which)
{
    if (!a->valid) {
        llmobs_status st = item_call_on(NULL, a, which);
        return which >= 3 ? st : st == LLMOBS_OK ? LLMOBS_EINTERNAL : st;
    }
    item_call c = {a, which, LLMOBS_EINTERNAL};
    llmobs_experiment *x = new_x();
    llmobs_status st = llmobs_experiment_run(x, item_task, &c);
    llmobs_experiment_free(x);
    return st != LLMOBS_OK ? st : c.st;
}

static int scorer_fn(const llmobs_experiment_item *it, double *score, void *ud)
{
    (void)it, (void)ud;
    *score = 1;
    return 0;
}

W(llmobs_experiment_new)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_experiment *x = llmobs_experiment_new(H(G.client), S(0), P(0, &st));
    llmobs_experiment_free(x);
    return STATUS_OR(st, x);
}
W(llmobs_experiment_free)
{
    llmobs_experiment_free(a->valid ? llmobs_experiment_new(G.client, "r", NULL) : NULL);
    return LLMOBS_OK;
}
W(llmobs_experiment_set_dataset)
{
    return llmobs_experiment_set_dataset(H(xshared), S(0));
}
W(llmobs_experiment_set_file)
{
    return llmobs_experiment_set_file(H(xshared), S(0));
}
W(llmobs_experiment_set_dataset_version)
{
    return llmobs_experiment_set_dataset_version(H(xshared), S(0));
}
W(llmobs_experiment_set_langfuse)
{
    return llmobs_experiment_set_langfuse(H(xshared), S(0), S(1), S(2));
}
W(llmobs_experiment_set_description)
{
    return llmobs_experiment_set_description(H(xshared), S(0));
}
W(llmobs_experiment_set_metadata_json)
{
    return llmobs_experiment_set_metadata_json(H(xshared), S(0));
}
W(llmobs_experiment_set_concurrency)
{
    return llmobs_experiment_set_concurrency(H(xshared), 2);
}
W(llmobs_experiment_set_item_timeout)
{
    return llmobs_experiment_set_item_timeout(H(xshared), 10);
}
W(llmobs_experiment_set_link_run_items)
{
    return llmobs_experiment_set_link_run_items(H(xshared), 0);
}
W(llmobs_experiment_add_scorer)
{
    return llmobs_experiment_add_scorer(H(xshared), S(0), P(0, scorer_fn), NULL, 0.5);
}
W(llmobs_experiment_add_judge)
{
    return llmobs_experiment_add_judge(H(xshared), S(0), P(0, G.judge), S(1), -1);
}
W(llmobs_experiment_run)
{
    if (!a->valid) return llmobs_experiment_run(NULL, item_task, NULL);
    item_call c = {a, 3, LLMOBS_EINTERNAL};
    llmobs_experiment *x = new_x();
    llmobs_status st = llmobs_experiment_run(x, P(0, item_task), &c);
    llmobs_experiment_free(x);
    return st;
}
W(llmobs_experiment_item_id)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_input)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_expected_output)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_metadata)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_output)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_trace)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_remaining_ms)
{
    return on_item(a, 3);
}
W(llmobs_experiment_item_set_output)
{
    return on_item(a, 0);
}
W(llmobs_experiment_item_set_output_json)
{
    return on_item(a, 1);
}
W(llmobs_experiment_item_set_error)
{
    return on_item(a, 2);
}
W(llmobs_experiment_count)
{
    uint64_t v;
    return llmobs_experiment_count(H(xshared), LLMOBS_EXPERIMENT_ITEMS, P(0, &v));
}
W(llmobs_experiment_evaluator_count)
{
    (void)llmobs_experiment_evaluator_count(H(xshared));
    return LLMOBS_OK;
}
W(llmobs_experiment_evaluator_result)
{
    const char *name;
    double mean, pass;
    uint64_t scored, errors;
    return llmobs_experiment_evaluator_result(H(xshared), 0, P(0, &name), P(1, &mean), P(2, &pass),
                                              P(3, &scored), P(4, &errors));
}
W(llmobs_experiment_summary_json)
{
    const char *j = llmobs_experiment_summary_json(H(xshared));
    return (j != NULL) == (a->valid != 0) ? LLMOBS_OK : LLMOBS_EINTERNAL;
}
W(llmobs_experiment_id)
{
    return (llmobs_experiment_id(H(xshared)) != NULL) == (a->valid != 0) ? LLMOBS_OK
                                                                         : LLMOBS_EINTERNAL;
}

/* ---- the table ---------------------------------------------------------------------------- */
enum {
    F_H = 1,  /* has a handle argument: all-NULL handles must give an error */
    F_NS = 2, /* NULL-safe (free functions, getters with a neutral value): no error expected */
};
typedef struct row {
    const char *name;
    llmobs_status (*call)(const arg *a);
    int nstr;      /* string arguments */
    int nptr;      /* other pointer arguments (out parameters, callbacks, arrays) */
    unsigned sreq; /* bit i: a NULL string i must be refused */
    int flags;
    const char *def[6]; /* a valid value for each string argument */
} row;

#define ROW(f, ns, np, req, fl, ...)                                                               \
    {                                                                                              \
#f, call_##f, ns, np, req, fl,                                                             \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

static const row rows[] = {
    /* options.h, client.h */
    ROW(llmobs_options_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_options_set, 2, 0, 3, F_H, "release", "r1"),
    ROW(llmobs_options_set_int, 1, 0, 1, F_H, "flush_at"),
    ROW(llmobs_options_set_double, 1, 0, 1, F_H, "flush_interval"),
    ROW(llmobs_options_set_bool, 1, 0, 1, F_H, "debug"),
    ROW(llmobs_options_get, 1, 2, 1, F_H, "release"),
    ROW(llmobs_option_key_at, 0, 4, 0, 0, NULL),
    ROW(llmobs_options_set_log_callback, 0, 1, 0, F_H, NULL),
    ROW(llmobs_options_set_export_callback, 0, 1, 0, F_H, NULL),
    ROW(llmobs_options_set_mask_callback, 0, 1, 0, F_H, NULL),
    ROW(llmobs_options_set_registry, 0, 1, 0, F_H, NULL),
    ROW(llmobs_client_new, 0, 1, 0, F_NS, NULL),
    ROW(llmobs_flush, 0, 1, 0, F_H, NULL),
    ROW(llmobs_shutdown, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_stats_get, 0, 1, 0, F_H, NULL),
    ROW(llmobs_stats_dropped, 0, 1, 0, F_H, NULL),
    ROW(llmobs_client_cost_tracker, 0, 0, 0, F_H, NULL),
    /* trace.h */
    ROW(llmobs_trace_start, 1, 1, 1, F_H, "t"),
    ROW(llmobs_trace_start_traceparent, 2, 1, 3, F_H, "t", "00-" TID "-" SID "-01"),
    ROW(llmobs_trace_start_with_id, 3, 1, 3, F_H, "t", TID, SID),
    ROW(llmobs_trace_set_feature, 1, 0, 0, F_H, "f"),
    ROW(llmobs_trace_set_user_id, 1, 0, 0, F_H, "u"),
    ROW(llmobs_trace_set_session_id, 1, 0, 0, F_H, "s"),
    ROW(llmobs_trace_add_tag, 1, 0, 1, F_H, "tag"),
    ROW(llmobs_trace_set_release, 1, 0, 0, F_H, "r"),
    ROW(llmobs_trace_set_version, 1, 0, 0, F_H, "v"),
    ROW(llmobs_trace_set_environment, 1, 0, 0, F_H, "prod"),
    ROW(llmobs_trace_set_public, 0, 0, 0, F_H, NULL),
    ROW(llmobs_trace_set_metadata_json, 1, 0, 0, F_H, "{\"k\":1}"),
    ROW(llmobs_trace_set_metadata, 2, 0, 1, F_H, "k", "v"),
    ROW(llmobs_trace_set_input, 1, 0, 0, F_H, "in"),
    ROW(llmobs_trace_set_output, 1, 0, 0, F_H, "out"),
    ROW(llmobs_trace_set_input_json, 1, 0, 0, F_H, "[1]"),
    ROW(llmobs_trace_set_output_json, 1, 0, 0, F_H, "[2]"),
    ROW(llmobs_trace_set_start_time, 0, 0, 0, F_H, NULL),
    ROW(llmobs_trace_id, 0, 1, 0, F_H, NULL),
    ROW(llmobs_trace_span_id, 0, 1, 0, F_H, NULL),
    ROW(llmobs_trace_traceparent, 0, 1, 0, F_H, NULL),
    ROW(llmobs_trace_is_sampled, 0, 0, 0, F_H, NULL),
    ROW(llmobs_trace_end, 0, 0, 0, F_H, NULL),
    ROW(llmobs_trace_end_at, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_start, 1, 1, 1, F_H, "gen"),
    ROW(llmobs_obs_set_input, 1, 0, 0, F_H, "in"),
    ROW(llmobs_obs_set_output, 1, 0, 0, F_H, "out"),
    ROW(llmobs_obs_set_input_json, 1, 0, 0, F_H, "{}"),
    ROW(llmobs_obs_set_output_json, 1, 0, 0, F_H, "\"s\""),
    ROW(llmobs_obs_set_metadata_json, 1, 0, 0, F_H, "{}"),
    ROW(llmobs_obs_set_metadata, 2, 0, 1, F_H, "k", "v"),
    ROW(llmobs_obs_set_level, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_set_status_message, 1, 0, 0, F_H, "m"),
    ROW(llmobs_obs_set_start_time, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_set_completion_start_time, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_set_model, 1, 0, 0, F_H, "gpt-4o"),
    ROW(llmobs_obs_set_provider, 1, 0, 0, F_H, "openai"),
    ROW(llmobs_obs_set_model_parameter, 2, 0, 3, F_H, "temperature", "0.2"),
    ROW(llmobs_obs_set_usage, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_set_usage_detail, 1, 0, 1, F_H, "input"),
    ROW(llmobs_obs_set_cost_detail, 1, 0, 1, F_H, "input"),
    ROW(llmobs_obs_set_prompt, 1, 0, 0, F_H, "p"),
    ROW(llmobs_obs_id, 0, 1, 0, F_H, NULL),
    ROW(llmobs_obs_traceparent, 0, 1, 0, F_H, NULL),
    ROW(llmobs_obs_end, 0, 0, 0, F_H, NULL),
    ROW(llmobs_obs_end_at, 0, 0, 0, F_H, NULL),
    ROW(llmobs_trace_id_from_seed, 1, 1, 1, 0, "seed"),
    ROW(llmobs_obs_id_from_seed, 1, 1, 1, 0, "seed"),
    /* score.h */
    ROW(llmobs_score_new, 1, 1, 1, 0, "s"),
    ROW(llmobs_score_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_score_set_numeric, 0, 0, 0, F_H, NULL),
    ROW(llmobs_score_set_boolean, 0, 0, 0, F_H, NULL),
    ROW(llmobs_score_set_categorical, 1, 0, 1, F_H, "good"),
    ROW(llmobs_score_set_text, 1, 0, 1, F_H, "fine"),
    ROW(llmobs_score_set_trace_id, 1, 0, 0, F_H, TID),
    ROW(llmobs_score_set_observation_id, 1, 0, 0, F_H, SID),
    ROW(llmobs_score_set_session_id, 1, 0, 0, F_H, "sess"),
    ROW(llmobs_score_set_comment, 1, 0, 0, F_H, "c"),
    ROW(llmobs_score_set_metadata_json, 1, 0, 0, F_H, "{}"),
    ROW(llmobs_score_set_environment, 1, 0, 0, F_H, "prod"),
    ROW(llmobs_score_set_config_id, 1, 0, 0, F_H, "cfg"),
    ROW(llmobs_score_set_id, 1, 0, 0, F_H, "id1"),
    ROW(llmobs_score_send, 0, 1, 0, F_H, NULL),
    ROW(llmobs_score_numeric, 4, 0, 5, F_H, TID, SID, "n", "c"),
    /* provider.h */
    ROW(llmobs_obs_set_from_response, 1, 1, 1, F_H,
        "{\"type\":\"message\",\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}"),
    /* context.h */
    ROW(llmobs_scope_enter_trace, 0, 0, 0, F_H, NULL),
    ROW(llmobs_scope_enter, 0, 0, 0, F_H, NULL),
    ROW(llmobs_scope_leave_trace, 0, 0, 0, F_H, NULL),
    ROW(llmobs_scope_leave, 0, 0, 0, F_H, NULL),
    ROW(llmobs_current_trace_set, 2, 0, 3, 0, "user_id", "u"),
    ROW(llmobs_current_trace_score, 0, 0, 0, F_H, NULL),
    ROW(llmobs_current_trace_score_numeric, 2, 0, 1, 0, "n", "c"),
    /* cost.h */
    ROW(llmobs_cost_tracker_new, 0, 2, 0, F_NS, NULL),
    ROW(llmobs_cost_tracker_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_cost_tracker_set_log_callback, 0, 1, 0, F_H, NULL),
    ROW(llmobs_cost_set_price, 1, 0, 1, F_H, "m"),
    ROW(llmobs_cost_load_prices_file, 1, 0, 1, F_H, "/nonexistent/prices.json"),
    ROW(llmobs_cost_resolve_model, 1, 1, 1, F_H, "gpt-4o"),
    ROW(llmobs_cost_get_price, 1, 1, 1, F_H, "gpt-4o"),
    ROW(llmobs_cost_context_window, 1, 1, 1, F_H, "gpt-4o"),
    ROW(llmobs_cost_compute, 1, 2, 1, F_H, "gpt-4o"),
    ROW(llmobs_cost_record, 3, 2, 1, F_H, "gpt-4o", "feat", "user"),
    ROW(llmobs_cost_record_usd, 3, 0, 1, F_H, "gpt-4o", "feat", "user"),
    ROW(llmobs_cost_spend_feature, 1, 1, 0, F_H, "feat"),
    ROW(llmobs_cost_spend_model, 1, 1, 1, F_H, "gpt-4o"),
    ROW(llmobs_cost_spend_user, 1, 1, 1, F_H, "user"),
    ROW(llmobs_cost_spend_total, 0, 1, 0, F_H, NULL),
    ROW(llmobs_cost_set_user_limit, 0, 0, 0, F_H, NULL),
    ROW(llmobs_cost_user_at, 0, 2, 0, F_H, NULL),
    ROW(llmobs_cost_feature_at, 0, 3, 0, F_H, NULL),
    ROW(llmobs_cost_unknown_model_count, 1, 1, 1, F_H, "nope"),
    ROW(llmobs_cost_set_budget, 1, 0, 0, F_H, "feat"),
    ROW(llmobs_cost_clear_budget, 1, 0, 0, F_H, "feat"),
    ROW(llmobs_cost_budget, 1, 1, 0, F_H, "feat"),
    ROW(llmobs_cost_budget_remaining, 1, 1, 0, F_H, "feat"),
    ROW(llmobs_cost_set_budget_thresholds, 0, 1, 0, F_H, NULL),
    ROW(llmobs_cost_set_budget_callback, 0, 1, 0, F_H, NULL),
    ROW(llmobs_budget_check, 1, 1, 0, F_H, "feat"),
    /* metrics.h */
    ROW(llmobs_registry_new, 0, 1, 0, F_NS, NULL),
    ROW(llmobs_registry_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_registry_set_process_metrics, 0, 0, 0, F_H, NULL),
    ROW(llmobs_counter_register, 3, 2, 1, F_H, "g_c_total", "help", ""),
    ROW(llmobs_gauge_register, 3, 2, 1, F_H, "g_g", "help", ""),
    ROW(llmobs_histogram_register, 3, 3, 1, F_H, "g_h", "help", ""),
    ROW(llmobs_buckets_linear, 0, 1, 0, 0, NULL),
    ROW(llmobs_buckets_exponential, 0, 1, 0, 0, NULL),
    ROW(llmobs_family_set_max_children, 0, 0, 0, F_H, NULL),
    ROW(llmobs_family_refused_total, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_family_children, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_family_remove, 1, 1, 1, F_H, "v"),
    ROW(llmobs_family_clear, 0, 0, 0, F_H, NULL),
    ROW(llmobs_counter_labels, 1, 2, 1, F_H, "v"),
    ROW(llmobs_counter_inc, 0, 0, 0, F_H, NULL),
    ROW(llmobs_counter_add, 0, 0, 0, F_H, NULL),
    ROW(llmobs_counter_get, 0, 1, 0, F_H, NULL),
    ROW(llmobs_counter_add_labels, 1, 1, 1, F_H, "v"),
    ROW(llmobs_counter_inc_labels, 1, 1, 1, F_H, "v"),
    ROW(llmobs_gauge_labels, 1, 2, 1, F_H, "v"),
    ROW(llmobs_gauge_set, 0, 0, 0, F_H, NULL),
    ROW(llmobs_gauge_add, 0, 0, 0, F_H, NULL),
    ROW(llmobs_gauge_inc, 0, 0, 0, F_H, NULL),
    ROW(llmobs_gauge_dec, 0, 0, 0, F_H, NULL),
    ROW(llmobs_gauge_get, 0, 1, 0, F_H, NULL),
    ROW(llmobs_gauge_set_labels, 1, 1, 1, F_H, "v"),
    ROW(llmobs_gauge_add_labels, 1, 1, 1, F_H, "v"),
    ROW(llmobs_histogram_labels, 1, 2, 1, F_H, "v"),
    ROW(llmobs_histogram_observe, 0, 0, 0, F_H, NULL),
    ROW(llmobs_histogram_observe_labels, 1, 1, 1, F_H, "v"),
    ROW(llmobs_histogram_get, 0, 2, 0, F_H, NULL),
    ROW(llmobs_metrics_render, 0, 2, 0, F_H, NULL),
    ROW(llmobs_metrics_render_string, 0, 2, 0, F_H, NULL),
    ROW(llmobs_metrics_string_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_metrics_format_for_accept, 1, 0, 0, F_NS, "text/plain"),
    ROW(llmobs_metrics_render_for_accept, 1, 3, 0, F_H, "text/plain"),
    ROW(llmobs_metrics_server_start, 1, 1, 0, F_H, "127.0.0.1:0"),
    ROW(llmobs_metrics_server_start_token, 2, 1, 0, F_H, "127.0.0.1:0", "token"),
    ROW(llmobs_metrics_server_port, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_metrics_server_stop, 0, 0, 0, F_NS, NULL),
    /* eval.h */
    ROW(llmobs_evaluator_new, 0, 3, 0, F_NS, NULL),
    ROW(llmobs_evaluator_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_evaluator_set_registry, 0, 1, 0, F_H, NULL),
    ROW(llmobs_evaluator_set_clock, 0, 1, 0, F_H, NULL),
    ROW(llmobs_evaluator_set_window, 0, 0, 0, F_H, NULL),
    ROW(llmobs_eval_record, 5, 1, 3, F_H, "feat", "acc", TID, SID, "c"),
    ROW(llmobs_eval_record_error, 3, 0, 3, F_H, "feat", "acc", "why"),
    ROW(llmobs_eval_record_faithfulness, 4, 0, 1, F_H, "v1", TID, SID, "c"),
    ROW(llmobs_eval_pass_rate, 2, 2, 3, F_H, "feat", "acc"),
    ROW(llmobs_eval_faithfulness, 1, 2, 1, F_H, "v1"),
    ROW(llmobs_eval_counts, 2, 3, 3, F_H, "feat", "acc"),
    ROW(llmobs_judge_new, 0, 2, 0, F_NS, NULL),
    ROW(llmobs_judge_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judge_set_client, 1, 1, 0, F_H, "judge-feat"),
    ROW(llmobs_judge_accuracy, 4, 1, 6, F_H, "crit", "q", "r", "ctx"),
    ROW(llmobs_judge_faithfulness, 2, 1, 3, F_H, "ctx", "ans"),
    ROW(llmobs_judge_template, 3, 3, 1, F_H, "Q: {{q}}", "v", "score"),
    ROW(llmobs_judge_parse, 2, 1, 1, 0, REPLY, "score"),
    ROW(llmobs_judgement_score, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_reasoning, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_claim_count, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_claim_at, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_json, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_model, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_input_tokens, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_output_tokens, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_cost_usd, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_attempts, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_judgement_free, 0, 0, 0, F_NS, NULL),
    /* experiment.h */
    ROW(llmobs_experiment_new, 1, 1, 1, F_H, "run"),
    ROW(llmobs_experiment_free, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_set_dataset, 1, 0, 1, F_H, "golden"),
    ROW(llmobs_experiment_set_file, 1, 0, 1, F_H, "items.jsonl"),
    ROW(llmobs_experiment_set_dataset_version, 1, 0, 0, F_H, "2026-12-01T00:00:00Z"),
    ROW(llmobs_experiment_set_langfuse, 3, 0, 0, F_H, "http://127.0.0.1:1", "pk", "sk"),
    ROW(llmobs_experiment_set_description, 1, 0, 0, F_H, "d"),
    ROW(llmobs_experiment_set_metadata_json, 1, 0, 0, F_H, "{\"k\":1}"),
    ROW(llmobs_experiment_set_concurrency, 0, 0, 0, F_H, NULL),
    ROW(llmobs_experiment_set_item_timeout, 0, 0, 0, F_H, NULL),
    ROW(llmobs_experiment_set_link_run_items, 0, 0, 0, F_H, NULL),
    ROW(llmobs_experiment_add_scorer, 1, 1, 1, F_H, "exact"),
    ROW(llmobs_experiment_add_judge, 2, 1, 1, F_H, "accuracy", "criteria"),
    ROW(llmobs_experiment_run, 0, 1, 0, F_H, NULL),
    ROW(llmobs_experiment_item_id, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_input, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_expected_output, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_metadata, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_output, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_trace, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_remaining_ms, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_item_set_output, 1, 0, 1, F_H, "out"),
    ROW(llmobs_experiment_item_set_output_json, 1, 0, 1, F_H, "{\"a\":1}"),
    ROW(llmobs_experiment_item_set_error, 1, 0, 0, F_H, "e"),
    ROW(llmobs_experiment_count, 0, 1, 0, F_H, NULL),
    ROW(llmobs_experiment_evaluator_count, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_evaluator_result, 0, 5, 0, F_H, NULL),
    ROW(llmobs_experiment_summary_json, 0, 0, 0, F_NS, NULL),
    ROW(llmobs_experiment_id, 0, 0, 0, F_NS, NULL),
};

static void setup_handles(void)
{
    capture_init(&G.cap);
    /* Small batches: an oversized span is split off (serializing the batch at every halving)
     * before it is dropped as too_large, which costs O(batch * log(batch)) serialization. */
    llmobs_options *o = capture_options(&G.cap, 1, 3600);
    llmobs_options_set(o, "max_batch_items", "1");
    llmobs_options_set_log_callback(o, log_fn, NULL); /* quiet: the too_large warnings */
    G.client = llmobs_client_new(o, NULL);
    assert_non_null(G.client);
    G.trace = llmobs_trace_start(G.client, "garbage", NULL);
    G.obs = llmobs_obs_start(G.trace, NULL, LLMOBS_OBS_GENERATION, "gen", NULL);
    G.score = llmobs_score_new("s", NULL);
    G.opts = llmobs_options_new();
    G.cost = llmobs_cost_tracker_new(NULL, NULL);
    G.reg = llmobs_registry_new(NULL);
    G.lreg = llmobs_registry_new(NULL);
    const char *const l[] = {"l"};
    const char *const v[] = {"v"};
    assert_int_equal(llmobs_counter_register(G.lreg, "c_total", "h", "", l, 1, &G.cfam), 0);
    assert_int_equal(llmobs_gauge_register(G.lreg, "g", "h", "", l, 1, &G.gfam), 0);
    assert_int_equal(llmobs_histogram_register(G.lreg, "h", "h", "", l, 1, bounds, 3, &G.hfam), 0);
    assert_int_equal(llmobs_counter_labels(G.cfam, v, 1, &G.ctr), 0);
    assert_int_equal(llmobs_gauge_labels(G.gfam, v, 1, &G.gauge), 0);
    assert_int_equal(llmobs_histogram_labels(G.hfam, v, 1, &G.hist), 0);
    G.ev = llmobs_evaluator_new(G.client, none_opts(), NULL);
    llmobs_evaluator_set_registry(G.ev, G.lreg);
    G.judge = llmobs_judge_new(judge_opts(), NULL);
    assert_int_equal(llmobs_judge_parse(REPLY, NULL, 0, 0, &G.jm), 0);
    snprintf(xfile, sizeof xfile, "/tmp/llmobs-garbage-XXXXXX");
    int fd = mkstemp(xfile);
    assert_true(fd >= 0);
    static const char line[] = "{\"input\": \"q\", \"expected_output\": \"e\"}\n";
    assert_int_equal(write(fd, line, sizeof line - 1), (ssize_t)(sizeof line - 1));
    close(fd);
    xshared = llmobs_experiment_new(G.client, "garbage-shared", NULL);
    assert_non_null(xshared);
    assert_non_null(G.trace);
    assert_non_null(G.obs);
    assert_non_null(G.score);
    assert_non_null(G.cost);
    assert_non_null(G.ev);
    assert_non_null(G.judge);
}

static void teardown_handles(void)
{
    llmobs_experiment_free(xshared);
    xshared = NULL;
    unlink(xfile);
    llmobs_judgement_free(G.jm);
    llmobs_judge_free(G.judge);
    llmobs_evaluator_free(G.ev);
    llmobs_registry_free(G.reg);
    llmobs_registry_free(G.lreg);
    llmobs_cost_tracker_free(G.cost);
    llmobs_options_free(G.opts);
    llmobs_score_free(G.score);
    assert_int_equal(llmobs_obs_end(G.obs), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(G.trace), LLMOBS_OK);
    /* Every item is settled: 10 MB contents truncated, 10 MB names (still too large after
     * truncation) as too_large, nothing lost or counted twice. */
    /* Serializing dozens of 10 MB spans takes tens of seconds under TSan on a loaded machine:
     * the deadline only guards against a hang. */
    assert_int_equal(llmobs_flush(G.client, 150000, NULL), LLMOBS_OK);
    uint64_t items = client_stat(G.client, LLMOBS_STAT_ITEMS);
    uint64_t exported = client_stat(G.client, LLMOBS_STAT_EXPORTED);
    uint64_t dropped = client_stat(G.client, LLMOBS_STAT_DROPPED);
    assert_true(client_dropped(G.client, LLMOBS_DROP_TOO_LARGE) >= 3);
    assert_true(client_stat(G.client, LLMOBS_STAT_TRUNCATED) >= 1);
    assert_int_equal(items, exported + dropped + client_stat(G.client, LLMOBS_STAT_PENDING));
    assert_int_equal(llmobs_shutdown(G.client, 10000), LLMOBS_OK);
    capture_destroy(&G.cap);
    memset(&G, 0, sizeof G);
}

static int failures;

static void check(const row *r, const char *what, llmobs_status st, int must_fail)
{
    int bad = (unsigned)st > LLMOBS_EINTERNAL || st == LLMOBS_EINTERNAL ||
              (must_fail && st != LLMOBS_EINVAL);
    if (bad) {
        fprintf(stderr, "FAIL %s (%s): %s\n", r->name, what, llmobs_status_name(st));
        failures++;
    }
    /* Every error names its cause in llmobs_last_error(). */
    if (st != LLMOBS_OK && !(r->flags & F_NS) && llmobs_last_error()[0] == '\0') {
        fprintf(stderr, "FAIL %s (%s): %s without llmobs_last_error()\n", r->name, what,
                llmobs_status_name(st));
        failures++;
    }
}

static void every_function_survives_garbage(void **state)
{
    (void)state;
    setup_handles();
    const char *garbage[] = {NULL, "", huge, bad_utf8, ctrl};
    const char *gname[] = {"NULL", "empty", "10MB", "bad-utf8", "ctrl"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        arg a = {.valid = 1};
        for (int k = 0; k < r->nstr; k++)
            a.s[k] = r->def[k];
        check(r, "valid", r->call(&a), 0);
        a.valid = 0;
        check(r, "NULL handles", r->call(&a), (r->flags & F_H) != 0);
        a.valid = 1;
        for (int p = 0; p < r->nptr; p++) {
            a.nullp = 1u << p;
            char what[32];
            snprintf(what, sizeof what, "NULL pointer %d", p);
            check(r, what, r->call(&a), 0);
        }
        a.nullp = 0;
        for (int k = 0; k < r->nstr; k++) {
            for (size_t g = 0; g < 5; g++) {
                a.s[k] = garbage[g];
                char what[32];
                snprintf(what, sizeof what, "string %d %s", k, gname[g]);
                check(r, what, r->call(&a), g == 0 && ((r->sreq >> k) & 1u));
            }
            a.s[k] = r->def[k];
        }
    }
    /* The garbage label values and help texts render once, as valid UTF-8. */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(llmobs_metrics_render_string(G.lreg, LLMOBS_FORMAT_TEXT, &text, &len), 0);
    assert_non_null(strstr(text, "\xef\xbf\xbd"));
    assert_null(memchr(text, '\xff', len));
    llmobs_metrics_string_free(text);
    teardown_handles();
    assert_int_equal(failures, 0);
}

/* Raw request bodies, checked byte by byte (cJSON would re-escape when printing). */
static struct {
    pthread_mutex_t mu;
    int bodies, parsed, fffd, raw_ctrl, bad_utf8;
} wire = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int utf8_valid(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4)) return 0;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

static llmobs_export_result raw_export(const char *body, size_t len, const char *ct, uint32_t items,
                                       void *ud)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    int ctrl_seen = 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)body[i] < 0x20) ctrl_seen = 1;
    pthread_mutex_lock(&wire.mu);
    wire.bodies++;
    wire.parsed += doc != NULL;
    wire.fffd += memmem(body, len, "\xef\xbf\xbd", 3) != NULL;
    wire.raw_ctrl += ctrl_seen;
    wire.bad_utf8 += !utf8_valid((const unsigned char *)body, len);
    pthread_mutex_unlock(&wire.mu);
    cJSON_Delete(doc);
    return capture_export(body, len, ct, items, ud);
}

/* Accepted garbage reaches the wire sanitized: the callback exporter's OTLP JSON parses (the
 * capture helper parses every batch with cJSON), invalid bytes became U+FFFD and control
 * characters are escaped; a 10 MB input is sent truncated (marker) and counted. */
static void garbage_reaches_the_wire_sanitized(void **state)
{
    (void)state;
    capture cap;
    capture_init(&cap);
    llmobs_options *opts = capture_options(&cap, 1000, 3600);
    llmobs_options_set_export_callback(opts, raw_export, &cap);
    llmobs_client *c = llmobs_client_new(opts, NULL);
    assert_non_null(c);
    llmobs_trace *t = llmobs_trace_start(c, bad_utf8, NULL);
    assert_non_null(t);
    assert_int_equal(llmobs_trace_set_input(t, bad_utf8), LLMOBS_OK);
    assert_int_equal(llmobs_trace_set_output(t, ctrl), LLMOBS_OK);
    llmobs_trace_set_user_id(t, bad_utf8);
    llmobs_trace_set_metadata(t, ctrl, bad_utf8);
    llmobs_obs *o = llmobs_obs_start(t, NULL, LLMOBS_OBS_GENERATION, ctrl, NULL);
    assert_non_null(o);
    assert_int_equal(llmobs_obs_set_output(o, bad_utf8), LLMOBS_OK);
    llmobs_obs_set_model(o, bad_utf8);
    llmobs_obs_set_status_message(o, ctrl);
    assert_int_equal(llmobs_obs_end(o), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(t), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    assert_int_equal(capture_wait_spans(&cap, 2, 5000), 2);
    pthread_mutex_lock(&cap.mu);
    char *json = cJSON_PrintUnformatted(cap.spans);
    pthread_mutex_unlock(&cap.mu);
    assert_non_null(json);
    assert_non_null(strstr(json, "x\xef\xbf\xbd"));
    assert_null(strchr(json, '\xff'));
    free(json);
    pthread_mutex_lock(&wire.mu);
    assert_true(wire.bodies >= 1);
    assert_int_equal(wire.parsed, wire.bodies);
    assert_int_equal(wire.fffd, wire.bodies);
    assert_int_equal(wire.raw_ctrl, 0); /* \x01, \n, \t were escaped (JSON allows a raw DEL) */
    assert_int_equal(wire.bad_utf8, 0);
    pthread_mutex_unlock(&wire.mu);

    llmobs_trace *big = llmobs_trace_start(c, "big", NULL);
    assert_int_equal(llmobs_trace_set_input(big, huge), LLMOBS_OK);
    assert_int_equal(llmobs_trace_end(big), LLMOBS_OK);
    assert_int_equal(llmobs_flush(c, 10000, NULL), LLMOBS_OK);
    /* Too large for a request: sent with its content replaced by the truncation marker. */
    assert_int_equal(client_stat(c, LLMOBS_STAT_TRUNCATED), 1);
    assert_int_equal(client_dropped(c, LLMOBS_DROP_TOO_LARGE), 0);
    assert_int_equal(client_stat(c, LLMOBS_STAT_EXPORTED), 3);
    assert_int_equal(llmobs_shutdown(c, 10000), LLMOBS_OK);
    capture_destroy(&cap);
}

static int alloc_huge(void **state)
{
    (void)state;
    huge = malloc(HUGE_LEN + 1);
    if (huge == NULL) return -1;
    memset(huge, 'a', HUGE_LEN);
    huge[HUGE_LEN] = '\0';
    return 0;
}

static int free_huge(void **state)
{
    (void)state;
    free(huge);
    huge = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(garbage_reaches_the_wire_sanitized),
        cmocka_unit_test(every_function_survives_garbage),
    };
    return cmocka_run_group_tests(tests, alloc_huge, free_huge);
}
