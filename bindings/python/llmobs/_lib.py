"""Loading libllmobs.so.0 and declaring the prototype of every C function the binding calls.

Only functions listed in PROTOTYPES are reachable: `lib()` returns a namespace holding exactly
those, each with argtypes and restype set, so calling an undeclared function is an
AttributeError instead of a silently mis-typed call. Public functions deliberately not wrapped
are listed in OMITTED with the reason (tests check both lists against the headers).
"""

import ctypes
import ctypes.util
import os
import threading
import types

__all__ = ["lib", "LibraryNotFoundError", "PROTOTYPES", "OMITTED", "OPTIONAL_GROUPS"]

c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
c_int = ctypes.c_int
c_int32 = ctypes.c_int32
c_int64 = ctypes.c_int64
c_uint16 = ctypes.c_uint16
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
P = ctypes.POINTER

STATUS = c_int  # llmobs_status (a C enum: int-sized)

# Callback types (typedefs of the public headers).
LOG_FN = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p)
EXPORT_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_size_t, c_char_p, c_uint32, c_void_p)
MASK_FN = ctypes.CFUNCTYPE(c_int, c_char_p, c_char_p, c_void_p, c_size_t, P(c_size_t), c_void_p)
CLOCK_FN = ctypes.CFUNCTYPE(c_int64, c_void_p)
BUDGET_FN = ctypes.CFUNCTYPE(None, c_char_p, c_double, c_double, c_double, c_char_p, c_void_p)
EXPERIMENT_TASK_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)
EXPERIMENT_SCORER_FN = ctypes.CFUNCTYPE(c_int, c_void_p, P(c_double), c_void_p)

# name -> (restype, [argtypes])
PROTOTYPES = {
    # common.h
    "llmobs_version": (c_char_p, []),
    "llmobs_status_str": (c_char_p, [STATUS]),
    "llmobs_status_name": (c_char_p, [STATUS]),
    "llmobs_last_error": (c_char_p, []),
    "llmobs_now_ns": (c_int64, []),
    # options.h
    "llmobs_options_new": (c_void_p, []),
    "llmobs_options_free": (None, [c_void_p]),
    "llmobs_options_set": (STATUS, [c_void_p, c_char_p, c_char_p]),
    "llmobs_option_key_at": (STATUS, [c_size_t, P(c_char_p), P(c_char_p), P(c_char_p),
                                      P(c_char_p)]),
    "llmobs_options_set_log_callback": (STATUS, [c_void_p, LOG_FN, c_void_p]),
    "llmobs_options_set_export_callback": (STATUS, [c_void_p, EXPORT_FN, c_void_p]),
    "llmobs_options_set_mask_callback": (STATUS, [c_void_p, MASK_FN, c_void_p]),
    "llmobs_options_set_registry": (STATUS, [c_void_p, c_void_p]),
    # client.h
    "llmobs_client_new": (c_void_p, [c_void_p, P(STATUS)]),
    "llmobs_flush": (STATUS, [c_void_p, c_int64, P(c_uint64)]),
    "llmobs_shutdown": (STATUS, [c_void_p, c_int64]),
    "llmobs_drop_reason_name": (c_char_p, [c_int]),
    "llmobs_stats_get": (STATUS, [c_void_p, c_int, P(c_uint64)]),
    "llmobs_stats_dropped": (STATUS, [c_void_p, c_int, P(c_uint64)]),
    "llmobs_client_cost_tracker": (c_void_p, [c_void_p]),
    # trace.h
    "llmobs_obs_type_name": (c_char_p, [c_int]),
    "llmobs_trace_start": (c_void_p, [c_void_p, c_char_p, P(STATUS)]),
    "llmobs_trace_start_traceparent": (c_void_p, [c_void_p, c_char_p, c_char_p, P(STATUS)]),
    "llmobs_trace_start_with_id": (c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p,
                                              P(STATUS)]),
    "llmobs_trace_set_feature": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_user_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_session_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_add_tag": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_release": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_version": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_environment": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_public": (STATUS, [c_void_p, c_int]),
    "llmobs_trace_set_metadata_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_metadata": (STATUS, [c_void_p, c_char_p, c_char_p]),
    "llmobs_trace_set_input": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_output": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_input_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_output_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_trace_set_start_time": (STATUS, [c_void_p, c_int64]),
    "llmobs_trace_id": (STATUS, [c_void_p, c_char_p, c_size_t]),
    "llmobs_trace_span_id": (STATUS, [c_void_p, c_char_p, c_size_t]),
    "llmobs_trace_traceparent": (STATUS, [c_void_p, c_char_p, c_size_t]),
    "llmobs_trace_is_sampled": (c_int, [c_void_p]),
    "llmobs_trace_end": (STATUS, [c_void_p]),
    "llmobs_trace_end_at": (STATUS, [c_void_p, c_int64]),
    "llmobs_obs_start": (c_void_p, [c_void_p, c_void_p, c_int, c_char_p, P(STATUS)]),
    "llmobs_obs_set_input": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_output": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_input_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_output_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_metadata_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_metadata": (STATUS, [c_void_p, c_char_p, c_char_p]),
    "llmobs_obs_set_level": (STATUS, [c_void_p, c_int]),
    "llmobs_obs_set_status_message": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_start_time": (STATUS, [c_void_p, c_int64]),
    "llmobs_obs_set_completion_start_time": (STATUS, [c_void_p, c_int64]),
    "llmobs_obs_set_model": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_provider": (STATUS, [c_void_p, c_char_p]),
    "llmobs_obs_set_model_parameter": (STATUS, [c_void_p, c_char_p, c_char_p]),
    "llmobs_obs_set_usage_detail": (STATUS, [c_void_p, c_char_p, c_int64]),
    "llmobs_obs_set_cost_detail": (STATUS, [c_void_p, c_char_p, c_double]),
    "llmobs_obs_set_prompt": (STATUS, [c_void_p, c_char_p, c_int32]),
    "llmobs_obs_id": (STATUS, [c_void_p, c_char_p, c_size_t]),
    "llmobs_obs_traceparent": (STATUS, [c_void_p, c_char_p, c_size_t]),
    "llmobs_obs_end": (STATUS, [c_void_p]),
    "llmobs_obs_end_at": (STATUS, [c_void_p, c_int64]),
    "llmobs_trace_id_from_seed": (STATUS, [c_char_p, c_char_p, c_size_t]),
    "llmobs_obs_id_from_seed": (STATUS, [c_char_p, c_char_p, c_size_t]),
    # provider.h
    "llmobs_obs_set_from_response": (STATUS, [c_void_p, c_int, c_char_p, P(c_int)]),
    # score.h
    "llmobs_score_new": (c_void_p, [c_char_p, P(STATUS)]),
    "llmobs_score_free": (None, [c_void_p]),
    "llmobs_score_set_numeric": (STATUS, [c_void_p, c_double]),
    "llmobs_score_set_boolean": (STATUS, [c_void_p, c_int]),
    "llmobs_score_set_categorical": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_text": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_trace_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_observation_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_session_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_comment": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_metadata_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_environment": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_config_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_set_id": (STATUS, [c_void_p, c_char_p]),
    "llmobs_score_send": (STATUS, [c_void_p, c_void_p]),
    # cost.h
    "llmobs_cost_tracker_new": (c_void_p, [c_void_p, P(STATUS)]),
    "llmobs_cost_tracker_free": (None, [c_void_p]),
    "llmobs_cost_tracker_set_log_callback": (STATUS, [c_void_p, LOG_FN, c_void_p]),
    "llmobs_cost_set_price": (STATUS, [c_void_p, c_char_p, c_double, c_double, c_double,
                                       c_double, c_double, c_int64]),
    "llmobs_cost_load_prices_file": (STATUS, [c_void_p, c_char_p]),
    "llmobs_cost_resolve_model": (STATUS, [c_void_p, c_char_p, c_char_p, c_size_t]),
    "llmobs_cost_get_price": (STATUS, [c_void_p, c_char_p, c_int, P(c_double)]),
    "llmobs_cost_context_window": (STATUS, [c_void_p, c_char_p, P(c_int64)]),
    "llmobs_cost_compute": (STATUS, [c_void_p, c_char_p, c_int64, c_int64, c_int64, c_int64,
                                     c_int64, P(c_double), P(c_double)]),
    "llmobs_cost_record": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, c_int64, c_int64,
                                    c_int64, c_int64, c_int64, P(c_double), P(c_double)]),
    "llmobs_cost_record_usd": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, c_double]),
    "llmobs_cost_spend_feature": (STATUS, [c_void_p, c_char_p, P(c_double)]),
    "llmobs_cost_spend_model": (STATUS, [c_void_p, c_char_p, P(c_double)]),
    "llmobs_cost_spend_user": (STATUS, [c_void_p, c_char_p, P(c_double)]),
    "llmobs_cost_spend_total": (STATUS, [c_void_p, P(c_double)]),
    "llmobs_cost_set_user_limit": (STATUS, [c_void_p, c_uint32]),
    "llmobs_cost_user_at": (STATUS, [c_void_p, c_size_t, c_char_p, c_size_t, P(c_double)]),
    "llmobs_cost_feature_at": (STATUS, [c_void_p, c_size_t, c_char_p, c_size_t, P(c_double),
                                        P(c_double)]),
    "llmobs_cost_unknown_model_count": (STATUS, [c_void_p, c_char_p, P(c_uint64)]),
    "llmobs_cost_set_budget": (STATUS, [c_void_p, c_char_p, c_double]),
    "llmobs_cost_clear_budget": (STATUS, [c_void_p, c_char_p]),
    "llmobs_cost_budget": (STATUS, [c_void_p, c_char_p, P(c_double)]),
    "llmobs_cost_budget_remaining": (STATUS, [c_void_p, c_char_p, P(c_double)]),
    "llmobs_cost_set_budget_thresholds": (STATUS, [c_void_p, P(c_double), c_size_t]),
    "llmobs_cost_set_budget_callback": (STATUS, [c_void_p, BUDGET_FN, c_void_p]),
    "llmobs_budget_check": (STATUS, [c_void_p, c_char_p, c_double, P(c_double)]),
    # metrics.h
    "llmobs_registry_default": (c_void_p, []),
    "llmobs_registry_new": (c_void_p, [P(STATUS)]),
    "llmobs_registry_free": (None, [c_void_p]),
    "llmobs_registry_set_process_metrics": (STATUS, [c_void_p, c_int]),
    "llmobs_counter_register": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, P(c_char_p),
                                         c_size_t, P(c_void_p)]),
    "llmobs_gauge_register": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, P(c_char_p),
                                       c_size_t, P(c_void_p)]),
    "llmobs_histogram_register": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, P(c_char_p),
                                           c_size_t, P(c_double), c_size_t, P(c_void_p)]),
    "llmobs_buckets_linear": (STATUS, [c_double, c_double, c_size_t, P(c_double)]),
    "llmobs_buckets_exponential": (STATUS, [c_double, c_double, c_size_t, P(c_double)]),
    "llmobs_family_set_max_children": (STATUS, [c_void_p, c_size_t]),
    "llmobs_family_refused_total": (c_uint64, [c_void_p]),
    "llmobs_family_children": (c_size_t, [c_void_p]),
    "llmobs_family_remove": (STATUS, [c_void_p, P(c_char_p), c_size_t]),
    "llmobs_family_clear": (STATUS, [c_void_p]),
    "llmobs_counter_labels": (STATUS, [c_void_p, P(c_char_p), c_size_t, P(c_void_p)]),
    "llmobs_counter_inc": (STATUS, [c_void_p]),
    "llmobs_counter_add": (STATUS, [c_void_p, c_double]),
    "llmobs_counter_get": (STATUS, [c_void_p, P(c_double)]),
    "llmobs_gauge_labels": (STATUS, [c_void_p, P(c_char_p), c_size_t, P(c_void_p)]),
    "llmobs_gauge_set": (STATUS, [c_void_p, c_double]),
    "llmobs_gauge_add": (STATUS, [c_void_p, c_double]),
    "llmobs_gauge_inc": (STATUS, [c_void_p]),
    "llmobs_gauge_dec": (STATUS, [c_void_p]),
    "llmobs_gauge_get": (STATUS, [c_void_p, P(c_double)]),
    "llmobs_histogram_labels": (STATUS, [c_void_p, P(c_char_p), c_size_t, P(c_void_p)]),
    "llmobs_histogram_observe": (STATUS, [c_void_p, c_double]),
    "llmobs_histogram_get": (STATUS, [c_void_p, P(c_uint64), P(c_double)]),
    "llmobs_metrics_render_string": (STATUS, [c_void_p, c_int, P(c_void_p), P(c_size_t)]),
    "llmobs_metrics_string_free": (None, [c_void_p]),
    "llmobs_metrics_format_for_accept": (c_int, [c_char_p]),
    "llmobs_metrics_content_type": (c_char_p, [c_int]),
    "llmobs_metrics_render_for_accept": (STATUS, [c_void_p, c_char_p, P(c_void_p), P(c_size_t),
                                                  P(c_char_p)]),
    "llmobs_metrics_server_start_token": (STATUS, [c_void_p, c_char_p, c_char_p, P(c_void_p)]),
    "llmobs_metrics_server_port": (c_uint16, [c_void_p]),
    "llmobs_metrics_server_stop": (None, [c_void_p]),
    # eval.h
    "llmobs_evaluator_new": (c_void_p, [c_void_p, c_void_p, P(STATUS)]),
    "llmobs_evaluator_free": (None, [c_void_p]),
    "llmobs_evaluator_set_registry": (STATUS, [c_void_p, c_void_p]),
    "llmobs_evaluator_set_clock": (STATUS, [c_void_p, CLOCK_FN, c_void_p]),
    "llmobs_evaluator_set_window": (STATUS, [c_void_p, c_int64, c_double]),
    "llmobs_eval_record": (STATUS, [c_void_p, c_char_p, c_char_p, c_double, c_double, c_char_p,
                                    c_char_p, c_char_p, P(c_int)]),
    "llmobs_eval_record_error": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p]),
    "llmobs_eval_record_faithfulness": (STATUS, [c_void_p, c_char_p, c_double, c_char_p,
                                                 c_char_p, c_char_p]),
    "llmobs_eval_pass_rate": (STATUS, [c_void_p, c_char_p, c_char_p, P(c_double), P(c_int64)]),
    "llmobs_eval_faithfulness": (STATUS, [c_void_p, c_char_p, P(c_double), P(c_int64)]),
    "llmobs_eval_counts": (STATUS, [c_void_p, c_char_p, c_char_p, P(c_uint64), P(c_uint64),
                                    P(c_uint64)]),
    "llmobs_judge_new": (c_void_p, [c_void_p, P(STATUS)]),
    "llmobs_judge_free": (None, [c_void_p]),
    "llmobs_judge_set_client": (STATUS, [c_void_p, c_void_p, c_char_p]),
    "llmobs_judge_accuracy": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p,
                                       P(c_void_p)]),
    "llmobs_judge_faithfulness": (STATUS, [c_void_p, c_char_p, c_char_p, P(c_void_p)]),
    "llmobs_judge_template": (STATUS, [c_void_p, c_char_p, P(c_char_p), P(c_char_p), c_size_t,
                                       c_char_p, P(c_void_p)]),
    "llmobs_judge_parse": (STATUS, [c_char_p, c_char_p, c_int, c_int, P(c_void_p)]),
    "llmobs_judgement_score": (c_double, [c_void_p]),
    "llmobs_judgement_reasoning": (c_char_p, [c_void_p]),
    "llmobs_judgement_claim_count": (c_size_t, [c_void_p]),
    "llmobs_judgement_claim_at": (c_char_p, [c_void_p, c_size_t]),
    "llmobs_judgement_json": (c_char_p, [c_void_p]),
    "llmobs_judgement_model": (c_char_p, [c_void_p]),
    "llmobs_judgement_input_tokens": (c_int64, [c_void_p]),
    "llmobs_judgement_output_tokens": (c_int64, [c_void_p]),
    "llmobs_judgement_cost_usd": (c_double, [c_void_p]),
    "llmobs_judgement_attempts": (c_int32, [c_void_p]),
    "llmobs_judgement_free": (None, [c_void_p]),
    # experiment.h
    "llmobs_experiment_new": (c_void_p, [c_void_p, c_char_p, P(STATUS)]),
    "llmobs_experiment_free": (None, [c_void_p]),
    "llmobs_experiment_set_dataset": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_set_file": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_set_dataset_version": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_set_langfuse": (STATUS, [c_void_p, c_char_p, c_char_p, c_char_p]),
    "llmobs_experiment_set_description": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_set_metadata_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_set_concurrency": (STATUS, [c_void_p, c_int32]),
    "llmobs_experiment_set_item_timeout": (STATUS, [c_void_p, c_double]),
    "llmobs_experiment_set_link_run_items": (STATUS, [c_void_p, c_int]),
    "llmobs_experiment_add_scorer": (STATUS, [c_void_p, c_char_p, EXPERIMENT_SCORER_FN, c_void_p,
                                              c_double]),
    "llmobs_experiment_add_judge": (STATUS, [c_void_p, c_char_p, c_void_p, c_char_p, c_double]),
    "llmobs_experiment_run": (STATUS, [c_void_p, EXPERIMENT_TASK_FN, c_void_p]),
    "llmobs_experiment_item_id": (c_char_p, [c_void_p]),
    "llmobs_experiment_item_input": (c_char_p, [c_void_p]),
    "llmobs_experiment_item_expected_output": (c_char_p, [c_void_p]),
    "llmobs_experiment_item_metadata": (c_char_p, [c_void_p]),
    "llmobs_experiment_item_trace": (c_void_p, [c_void_p]),
    "llmobs_experiment_item_remaining_ms": (c_int64, [c_void_p]),
    "llmobs_experiment_item_set_output": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_item_set_output_json": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_item_set_error": (STATUS, [c_void_p, c_char_p]),
    "llmobs_experiment_summary_json": (c_char_p, [c_void_p]),
}

# Functions of a header that an older library may lack: the group's Python features raise
# Unsupported instead of failing the import. name -> header.
OPTIONAL_GROUPS = {name: "experiment.h" for name in PROTOTYPES
                   if name.startswith("llmobs_experiment_")}

# Public functions deliberately not wrapped, with the reason.
OMITTED = {
    "llmobs_options_set_int": "options are passed in string form through llmobs_options_set "
                              "(same table, same validation)",
    "llmobs_options_set_double": "as llmobs_options_set_int",
    "llmobs_options_set_bool": "as llmobs_options_set_int",
    "llmobs_options_get": "an options object lives only inside Client(); nothing reads it back",
    "llmobs_counter_add_labels": "Family.labels(...) returns a cached child; the one-shot "
                                 "lookup-and-update forms add nothing for Python",
    "llmobs_counter_inc_labels": "as llmobs_counter_add_labels",
    "llmobs_gauge_set_labels": "as llmobs_counter_add_labels",
    "llmobs_gauge_add_labels": "as llmobs_counter_add_labels",
    "llmobs_histogram_observe_labels": "as llmobs_counter_add_labels",
    "llmobs_obs_set_usage": "Observation.usage() sets each bucket with "
                            "llmobs_obs_set_usage_detail (input/output included)",
    "llmobs_score_numeric": "Client.score() builds every score kind with the llmobs_score_* "
                            "builder, which also covers this shortcut",
    "llmobs_metrics_render": "caller-buffer form; Registry.render uses "
                             "llmobs_metrics_render_string",
    "llmobs_response_format_name": "the ResponseFormat enum carries the names",
    "llmobs_scope_enter": "the C scope stack is per OS thread; Python's current item is a "
                          "contextvars.ContextVar (llmobs.context), which also follows asyncio "
                          "tasks, and parents are passed to llmobs_obs_start explicitly",
    "llmobs_scope_enter_trace": "as llmobs_scope_enter",
    "llmobs_scope_leave": "as llmobs_scope_enter",
    "llmobs_scope_leave_trace": "as llmobs_scope_enter",
    "llmobs_scope_depth": "as llmobs_scope_enter",
    "llmobs_current_trace": "as llmobs_scope_enter (llmobs.current_trace())",
    "llmobs_current_observation": "as llmobs_scope_enter (llmobs.current_observation())",
    "llmobs_current_trace_set": "as llmobs_scope_enter (llmobs.update_current_trace())",
    "llmobs_current_trace_score": "as llmobs_scope_enter (llmobs.score_current_trace())",
    "llmobs_current_trace_score_numeric": "as llmobs_scope_enter",
    "llmobs_experiment_count": "run_experiment reads every counter from "
                               "llmobs_experiment_summary_json",
    "llmobs_experiment_evaluator_count": "as llmobs_experiment_count",
    "llmobs_experiment_evaluator_result": "as llmobs_experiment_count",
    "llmobs_experiment_id": "as llmobs_experiment_count (experiment_id)",
    "llmobs_experiment_item_output": "scorers get the Python value the task returned, not its "
                                     "serialized form",
    "llmobs_metrics_server_start": "MetricsServer uses llmobs_metrics_server_start_token, which "
                                   "is the same call with an optional token",
}

_lock = threading.Lock()
_lib = None
_searched = []


class LibraryNotFoundError(OSError):
    """libllmobs.so.0 could not be loaded; the message lists every place that was tried."""


def _candidates():
    env = os.environ.get("LLMOBS_LIBRARY")
    if env:
        yield env, "LLMOBS_LIBRARY"
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.dirname(here)):
        yield os.path.join(d, "libllmobs.so.0"), "next to the package"
    found = ctypes.util.find_library("llmobs")
    if found:
        yield found, "ctypes.util.find_library"
    yield "libllmobs.so.0", "the system library path (LD_LIBRARY_PATH, ld.so.cache)"


def _open():
    tried = []
    for path, where in _candidates():
        try:
            return ctypes.CDLL(path), tried
        except OSError as e:
            tried.append("%s (%s): %s" % (path, where, e))
    raise LibraryNotFoundError(
        "cannot load libllmobs.so.0; set LLMOBS_LIBRARY to its path. Tried:\n  "
        + "\n  ".join(tried))


def _declare(cdll):
    ns = types.SimpleNamespace()
    missing = []
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(ns, name, fn)
    required = [m for m in missing if m not in OPTIONAL_GROUPS]
    if required:
        raise LibraryNotFoundError(
            "the loaded libllmobs lacks functions this binding needs: " + ", ".join(required))
    ns._cdll = cdll
    ns._missing = frozenset(missing)
    return ns


def lib():
    """The loaded library as a namespace of declared functions (loaded on first use)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                cdll, _ = _open()
                _lib = _declare(cdll)
    return _lib


def has(name):
    """True when the loaded library exports the declared function `name`."""
    return hasattr(lib(), name)
