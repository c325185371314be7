"""Golden-dataset experiments (include/llmobs/experiment.h): run a Python callable on every item
of a Langfuse dataset or a JSON Lines file, each call traced as the item's root observation with
the langfuse.experiment.* attributes, scored by an LLM judge and/or Python scorers.

    def pipeline(item):                 # item.input is the parsed JSON input
        return answer(item.input["question"])

    def exact(item, output):            # a scorer: a number (None or raising = an error)
        return 1.0 if output == item.expected_output else 0.0

    result = llmobs.run_experiment(client, "prompt-v2", pipeline, dataset="golden",
                                   scorers={"exact": exact}, judge=llmobs.Judge())
    print(result.evaluators["exact"]["mean"], result.counts["failed"])
"""

import ctypes
import json
import math

from . import _util
from ._lib import EXPERIMENT_SCORER_FN, EXPERIMENT_TASK_FN, has, lib
from .client import CallbackErrors, Trace
from .errors import Unsupported, check, error_for

__all__ = ["run_experiment", "ExperimentItem", "ExperimentResult"]

_COUNTERS = ("items", "succeeded", "failed", "timed_out", "malformed", "archived",
             "scores_sent", "score_errors", "linked", "link_errors", "trace_errors")


def _loads(text):
    return None if text is None else json.loads(text.decode("utf-8", "replace"))


class ExperimentItem:
    """One dataset item, inside the task or a scorer: id, input, expected_output and metadata
    (parsed JSON; None when absent), trace (the item's Trace, inside the task only: start child
    observations under it, do not end it) and remaining (seconds left before the item
    deadline, None without one)."""

    __slots__ = ("_h", "id", "input", "expected_output", "metadata", "trace")

    def __init__(self, handle, trace=None):
        L = lib()
        self._h = handle
        self.id = (L.llmobs_experiment_item_id(handle) or b"").decode("utf-8", "replace")
        self.input = _loads(L.llmobs_experiment_item_input(handle))
        self.expected_output = _loads(L.llmobs_experiment_item_expected_output(handle))
        self.metadata = _loads(L.llmobs_experiment_item_metadata(handle))
        self.trace = trace

    @property
    def remaining(self):
        ms = lib().llmobs_experiment_item_remaining_ms(self._h)
        return None if ms < 0 else ms / 1000.0

    def __repr__(self):
        return "ExperimentItem(id=%r, input=%r, expected_output=%r)" % (
            self.id, self.input, self.expected_output)

# The keys of ExperimentResult.counts, in the order (and with the values) of the C enum
# llmobs_experiment_counter: the summary JSON names each counter so.
COUNTERS = ("items", "succeeded", "failed", "timed_out", "malformed", "archived",
            "scores_sent", "score_errors", "linked", "link_errors", "trace_errors")


class ExperimentResult:
    """What a run produced: experiment_id, counts ({"items", "succeeded", "failed",
    "timed_out", "malformed", "archived", "scores_sent", "score_errors", "linked",
    "link_errors", "trace_errors"}), evaluators ({name: {"mean", "pass_rate", "scored",
    "errors"}}, NaN when undefined) and failures ([{"item", "reason"}], the first 1000)."""

    def __init__(self, summary):
        self.summary = summary
        self.experiment_id = summary.get("experiment_id")
        self.counts = dict(summary.get("counts", {}))
        self.failures = list(summary.get("failures", []))
        self.evaluators = {}
        for e in summary.get("evaluators", []):
            self.evaluators[e["name"]] = {
                k: (math.nan if e.get(k) is None else e[k])
                for k in ("mean", "pass_rate", "scored", "errors")}

    def __repr__(self):
        return "ExperimentResult(counts=%r, evaluators=%r)" % (self.counts, self.evaluators)


def _output_of(value):
    """(bytes, is_json) for a task's return value: str as text, else JSON."""
    if isinstance(value, str):
        return _util.cstr(value, "output"), False
    return _util.to_json(value, "the task's output").encode(), True


def run_experiment(client, run_name, task, *, dataset=None, file=None, scorers=None,
                   thresholds=None, judge=None, judge_name="accuracy", judge_criteria=None,
                   judge_threshold=None, description=None, metadata=None, concurrency=4,
                   item_timeout=300.0, dataset_version=None, link_run_items=None,
                   langfuse=None):
    """Runs `task(item) -> output` on every item of the Langfuse dataset `dataset` (or the
    JSON Lines `file`) as the experiment run `run_name` on `client`, and returns an
    ExperimentResult. The output may be a str (sent as text) or any JSON-serializable value;
    raising marks the item failed with the exception text. `scorers` maps a score name to
    `scorer(item, output) -> number`, passing when >= thresholds[name] (default 1.0; None in
    thresholds: no pass rate); `judge` (an llmobs.Judge) adds the accuracy judge. Tasks run
    on `concurrency` threads (the GIL still serializes Python code; I/O overlaps). Raises the
    library's error when the items cannot be loaded."""
    if not callable(task):
        raise TypeError("task must be callable")
    scorers = dict(scorers or {})
    thresholds = dict(thresholds or {})
    for name, fn in scorers.items():
        _util.cstr(name, "scorer name")
        if not callable(fn):
            raise TypeError("scorer %r must be callable" % (name,))
    if (dataset is None) == (file is None):
        raise TypeError("give exactly one of dataset= and file=")
    L = lib()
    if not has("llmobs_experiment_run"):
        raise Unsupported(10, "the loaded libllmobs has no experiments (experiment.h)",
                          "experiment")
    status = ctypes.c_int(0)
    h = L.llmobs_experiment_new(client._handle(), _util.cstr(run_name, "run_name"),
                                ctypes.byref(status))
    if not h:
        raise error_for(status.value, "llmobs_experiment_new")
    errors = CallbackErrors()
    keep = []
    # The value each task returned, by item handle (live from the task to its scorers; a
    # handle is never shared by two items at once), so scorers see it as returned.
    outputs = {}
    try:
        if dataset is not None:
            check(L.llmobs_experiment_set_dataset(h, _util.cstr(dataset, "dataset")), "dataset")
        else:
            check(L.llmobs_experiment_set_file(h, _util.cstr(file, "file")), "file")
        if dataset_version is not None:
            check(L.llmobs_experiment_set_dataset_version(
                h, _util.cstr(dataset_version, "dataset_version")), "dataset_version")
        if description is not None:
            check(L.llmobs_experiment_set_description(h, _util.cstr(description, "description")),
                  "description")
        if metadata is not None:
            check(L.llmobs_experiment_set_metadata_json(
                h, _util.to_json(metadata, "metadata").encode()), "metadata")
        if langfuse is not None:
            base, pk, sk = langfuse
            check(L.llmobs_experiment_set_langfuse(h, _util.opt_cstr(base, "base_url"),
                                                   _util.opt_cstr(pk, "public_key"),
                                                   _util.opt_cstr(sk, "secret_key")), "langfuse")
        check(L.llmobs_experiment_set_concurrency(h, _util.to_int(concurrency, "concurrency")),
              "concurrency")
        check(L.llmobs_experiment_set_item_timeout(
            h, 0.0 if item_timeout is None else _util.to_float(item_timeout, "item_timeout")),
            "item_timeout")
        mode = -1 if link_run_items is None else int(bool(link_run_items))
        check(L.llmobs_experiment_set_link_run_items(h, mode), "link_run_items")

        for name, fn in scorers.items():
            th = thresholds.get(name, 1.0)
            th = -1.0 if th is None else _util.to_float(th, "threshold of %r" % name)

            def scorer_cb(item_h, score_p, _ud, fn=fn, name=name):
                try:
                    item = ExperimentItem(item_h)
                    output = outputs.get(item_h)
                    value = fn(item, output)
                    if value is None:
                        return 1
                    score_p[0] = float(value)
                    return 0
                except BaseException:
                    errors.record("experiment scorer %r" % name)
                    return 1
            cb = EXPERIMENT_SCORER_FN(scorer_cb)
            keep.append(cb)
            check(L.llmobs_experiment_add_scorer(h, _util.cstr(name, "scorer name"), cb, None,
                                                 th), "scorer %r" % name)
        if judge is not None:
            th = -1.0 if judge_threshold is None else _util.to_float(judge_threshold,
                                                                      "judge_threshold")
            check(L.llmobs_experiment_add_judge(h, _util.cstr(judge_name, "judge_name"),
                                                judge._handle(),
                                                _util.opt_cstr(judge_criteria, "judge_criteria"),
                                                th), "judge")

        def task_cb(item_h, _ud):
            try:
                th = L.llmobs_experiment_item_trace(item_h)
                trace = Trace(client, th, "experiment-item-run") if th else None
                try:
                    output = task(ExperimentItem(item_h, trace))
                finally:
                    if trace is not None:
                        trace._ended = True  # the library ends it; the wrapper is done
                outputs[item_h] = output
                if output is None:
                    return 0
                data, is_json = _output_of(output)
                fn = (L.llmobs_experiment_item_set_output_json if is_json
                      else L.llmobs_experiment_item_set_output)
                return 0 if fn(item_h, data) == 0 else 1
            except BaseException as e:
                outputs.pop(item_h, None)
                msg = "%s: %s" % (type(e).__name__, e)
                L.llmobs_experiment_item_set_error(item_h, msg.encode("utf-8", "replace"))
                return 1
        tcb = EXPERIMENT_TASK_FN(task_cb)
        keep.append(tcb)
        check(L.llmobs_experiment_run(h, tcb, None), "experiment %r" % (run_name,))
        summary = L.llmobs_experiment_summary_json(h)
        if summary is None:
            raise MemoryError("llmobs_experiment_summary_json")
        result = ExperimentResult(json.loads(summary.decode("utf-8", "replace")))
        result.callback_errors = errors
        return result
    finally:
        L.llmobs_experiment_free(h)
        del keep
