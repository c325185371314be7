"""Evaluation: rolling pass-rate and faithfulness windows (llm_eval_pass_rate,
llm_eval_runs_total, llm_rag_faithfulness) and the LLM-as-judge client."""

import ctypes

from . import _util
from ._lib import CLOCK_FN, lib
from .client import build_options, CallbackErrors
from .errors import InvalidState, check, error_for

__all__ = ["Evaluator", "Judge", "Judgement", "parse_judgement", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 0.7


class Judgement:
    """A judge's verdict, copied out of the library (the C judgement is freed at once)."""

    __slots__ = ("score", "reasoning", "unsupported_claims", "json", "model", "input_tokens",
                 "output_tokens", "cost_usd", "attempts")

    def __init__(self, handle):
        L = lib()
        try:
            self.score = L.llmobs_judgement_score(handle)
            self.reasoning = (L.llmobs_judgement_reasoning(handle) or b"").decode()
            self.unsupported_claims = [
                (L.llmobs_judgement_claim_at(handle, i) or b"").decode()
                for i in range(L.llmobs_judgement_claim_count(handle))]
            self.json = (L.llmobs_judgement_json(handle) or b"").decode()
            self.model = (L.llmobs_judgement_model(handle) or b"").decode()
            it, ot = L.llmobs_judgement_input_tokens(handle), L.llmobs_judgement_output_tokens(
                handle)
            self.input_tokens = None if it < 0 else it
            self.output_tokens = None if ot < 0 else ot
            c = L.llmobs_judgement_cost_usd(handle)
            self.cost_usd = None if c < 0 else c
            self.attempts = L.llmobs_judgement_attempts(handle)
        finally:
            L.llmobs_judgement_free(handle)

    def __repr__(self):
        return "Judgement(score=%r, reasoning=%r, unsupported_claims=%r, model=%r)" % (
            self.score, self.reasoning, self.unsupported_claims, self.model)


def _take(st, out, what):
    if st != 0:
        if out.value:
            lib().llmobs_judgement_free(out.value)
        raise error_for(st, what)
    return Judgement(out.value)


def parse_judgement(reply_text, score_field="score", require_reasoning=False,
                    require_claims=False):
    """Parses a judge model's reply as the judge calls do (ParseError when it does not hold a
    valid verdict)."""
    out = ctypes.c_void_p()
    st = lib().llmobs_judge_parse(_util.cstr(reply_text, "reply_text"),
                                  _util.opt_cstr(score_field, "score_field"),
                                  int(bool(require_reasoning)), int(bool(require_claims)),
                                  ctypes.byref(out))
    return _take(st, out, "judge reply")


class Evaluator:
    """Pass rates per (feature, metric) and faithfulness per pipeline version over a rolling
    window. Options: eval_threshold, eval_window, eval_window_seconds, eval_max_windows.
    With `client`, records naming a trace also send a score there. `registry` (a Registry, or
    False for no metrics) replaces the default registry. `clock` (callable -> ns) replaces the
    window clock (tests, replays)."""

    def __init__(self, client=None, *, registry=None, clock=None, **options):
        self._h = None
        self._keepalive = []
        self.callback_errors = CallbackErrors()
        self.client = client  # borrowed by C: must outlive the evaluator, so we hold it
        self.registry = registry
        opts = build_options(options, self._keepalive, self.callback_errors) if options else None
        status = ctypes.c_int(0)
        ch = client._handle() if client is not None else None
        h = lib().llmobs_evaluator_new(ch, opts, ctypes.byref(status))  # takes opts
        if not h:
            raise error_for(status.value, "llmobs_evaluator_new")
        self._h = h
        try:
            if registry is not None:
                from .metrics import Registry
                if registry is False:
                    check(lib().llmobs_evaluator_set_registry(h, None), "registry")
                elif isinstance(registry, Registry):
                    check(lib().llmobs_evaluator_set_registry(h, registry._handle()), "registry")
                    registry._clients.add(self)
                else:
                    raise TypeError("registry must be an llmobs.Registry or False")
            if clock is not None:
                if not callable(clock):
                    raise TypeError("clock must be callable")
                errors = self.callback_errors

                def cb(_ud):
                    try:
                        return int(clock())
                    except BaseException:
                        errors.record("evaluator clock")
                        return 0
                c = CLOCK_FN(cb)
                self._keepalive.append(c)
                check(lib().llmobs_evaluator_set_clock(h, c, None), "clock")
        except BaseException:
            self.close()
            raise

    def _handle(self):
        if self._h is None:
            raise InvalidState(3, "the evaluator was closed", "evaluator")
        return self._h

    def close(self):
        h, self._h = self._h, None
        if h:
            lib().llmobs_evaluator_free(h)
            if self.registry:
                self.registry._clients.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def set_window(self, max_results, max_seconds=0.0):
        check(lib().llmobs_evaluator_set_window(self._handle(),
                                                _util.to_int(max_results, "max_results"),
                                                _util.to_float(max_seconds, "max_seconds")),
              "window")

    def record(self, feature, metric, score, threshold=None, *, trace_id=None,
               observation_id=None, comment=None):
        """Records one judged result; returns True when it passed (score >= threshold)."""
        passed = ctypes.c_int(0)
        th = -1.0 if threshold is None else _util.to_float(threshold, "threshold")
        check(lib().llmobs_eval_record(self._handle(), _util.cstr(feature, "feature"),
                                       _util.cstr(metric, "metric"),
                                       _util.to_float(score, "score"), th,
                                       _util.opt_cstr(trace_id, "trace_id"),
                                       _util.opt_cstr(observation_id, "observation_id"),
                                       _util.opt_cstr(comment, "comment"),
                                       ctypes.byref(passed)),
              "eval %r/%r" % (feature, metric))
        return bool(passed.value)

    def record_error(self, feature, metric, reason=None):
        check(lib().llmobs_eval_record_error(self._handle(), _util.cstr(feature, "feature"),
                                             _util.cstr(metric, "metric"),
                                             _util.opt_cstr(reason, "reason")), "eval error")

    def record_faithfulness(self, pipeline_version, score, *, trace_id=None,
                            observation_id=None, comment=None):
        check(lib().llmobs_eval_record_faithfulness(
            self._handle(), _util.cstr(pipeline_version, "pipeline_version"),
            _util.to_float(score, "score"), _util.opt_cstr(trace_id, "trace_id"),
            _util.opt_cstr(observation_id, "observation_id"), _util.opt_cstr(comment, "comment")),
            "faithfulness")

    def pass_rate(self, feature, metric):
        """(rate, n) of the window; NotFound for a pair never recorded, (nan, 0) when every
        result expired."""
        rate, n = ctypes.c_double(0), ctypes.c_int64(0)
        check(lib().llmobs_eval_pass_rate(self._handle(), _util.cstr(feature, "feature"),
                                          _util.cstr(metric, "metric"), ctypes.byref(rate),
                                          ctypes.byref(n)), "pass rate %r/%r" % (feature, metric))
        return rate.value, n.value

    def faithfulness(self, pipeline_version):
        mean, n = ctypes.c_double(0), ctypes.c_int64(0)
        check(lib().llmobs_eval_faithfulness(self._handle(),
                                             _util.cstr(pipeline_version, "pipeline_version"),
                                             ctypes.byref(mean), ctypes.byref(n)),
              "faithfulness %r" % (pipeline_version,))
        return mean.value, n.value

    def counts(self, feature, metric):
        """{"pass", "fail", "error"} since the evaluator was created."""
        p, f, e = ctypes.c_uint64(0), ctypes.c_uint64(0), ctypes.c_uint64(0)
        check(lib().llmobs_eval_counts(self._handle(), _util.cstr(feature, "feature"),
                                       _util.cstr(metric, "metric"), ctypes.byref(p),
                                       ctypes.byref(f), ctypes.byref(e)), "counts")
        return {"pass": p.value, "fail": f.value, "error": e.value}


class Judge:
    """LLM-as-judge over an OpenAI-compatible or Anthropic API. Options: judge_api,
    judge_base_url, judge_api_key (required), judge_model, judge_timeout, judge_deadline,
    judge_max_retries. One thread at a time per Judge (create one per thread).
    With `client`, every call is traced (trace "llm-judge") and priced under `feature`."""

    def __init__(self, client=None, feature=None, **options):
        self._h = None
        self._keepalive = []
        self.callback_errors = CallbackErrors()
        opts = build_options(options, self._keepalive, self.callback_errors)
        status = ctypes.c_int(0)
        h = lib().llmobs_judge_new(opts, ctypes.byref(status))  # takes opts
        if not h:
            raise error_for(status.value, "llmobs_judge_new")
        self._h = h
        self.client = None
        if client is not None:
            try:
                self.set_client(client, feature)
            except BaseException:
                self.close()
                raise

    def _handle(self):
        if self._h is None:
            raise InvalidState(3, "the judge was closed", "judge")
        return self._h

    def set_client(self, client, feature=None):
        """Traces later calls on `client` (None: tracing off)."""
        ch = client._handle() if client is not None else None
        check(lib().llmobs_judge_set_client(self._handle(), ch,
                                            _util.opt_cstr(feature, "feature")), "judge client")
        self.client = client  # borrowed by C: keep it alive

    def close(self):
        h, self._h = self._h, None
        if h:
            lib().llmobs_judge_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def accuracy(self, question, response, criteria=None, context=None):
        out = ctypes.c_void_p()
        st = lib().llmobs_judge_accuracy(self._handle(), _util.opt_cstr(criteria, "criteria"),
                                         _util.cstr(question, "question"),
                                         _util.cstr(response, "response"),
                                         _util.opt_cstr(context, "context"), ctypes.byref(out))
        return _take(st, out, "judge accuracy")

    def faithfulness(self, context, answer):
        out = ctypes.c_void_p()
        st = lib().llmobs_judge_faithfulness(self._handle(), _util.cstr(context, "context"),
                                             _util.cstr(answer, "answer"), ctypes.byref(out))
        return _take(st, out, "judge faithfulness")

    def template(self, template_text, values=None, score_field=None, **kw):
        """Fills {{name}} placeholders from `values` (a dict) and keywords."""
        vals = dict(values or {}, **kw)
        names = [_util.cstr(k, "placeholder name") for k in vals]
        texts = [_util.cstr(v, "value of %r" % k) for k, v in vals.items()]
        n = len(names)
        na = (ctypes.c_char_p * max(1, n))(*names)
        va = (ctypes.c_char_p * max(1, n))(*texts)
        out = ctypes.c_void_p()
        st = lib().llmobs_judge_template(self._handle(), _util.cstr(template_text, "template"),
                                         na, va, n, _util.opt_cstr(score_field, "score_field"),
                                         ctypes.byref(out))
        return _take(st, out, "judge template")

