"""llmobs: LLM observability (traces to Langfuse/OTLP, cost and budgets, scores, Prometheus
metrics) through ctypes on libllmobs.so.0. No compiler needed.

    import llmobs
    with llmobs.Client(exporter="file", file_path="out.jsonl") as client:
        with client.trace("rag", user_id="u1") as t:
            with t.generation("answer", model="gpt-4o", input="hi") as g:
                g.output("hello").usage(input=3, output=1)
        client.flush(timeout=5)

The library is found through LLMOBS_LIBRARY, next to this package, or on the system path.
"""

import ctypes

from . import _util
from ._lib import LibraryNotFoundError, lib
from .client import (ATEXIT_TIMEOUT, Client, DropReason, ExportResult, Level, LogLevel,
                     Observation, ObsType, ResponseFormat, Stat, Trace)
from .context import (current_observation, current_trace, observe, score_current_observation,
                      score_current_trace, set_default_client, update_current_observation,
                      update_current_trace, use)
from .cost import BudgetCheck, CostTracker
from .eval import Evaluator, Judge, Judgement, parse_judgement
from .experiment import ExperimentItem, ExperimentResult, run_experiment
from .metrics import (Counter, Gauge, Histogram, MetricsServer, Registry, buckets_exponential,
                      buckets_linear)
from .errors import (AlreadyExists, BudgetExceeded, InternalError, InvalidArgument,
                     InvalidState, IOFailure, LimitExceeded, LlmobsError, NetworkError,
                     NotFound, OutOfMemory, ParseError, QueueFull, Status, Timeout,
                     Unsupported, check)

__version__ = "0.1.0"

__all__ = [
    "Client", "Trace", "Observation", "ObsType", "Level", "LogLevel", "ExportResult", "Stat",
    "DropReason", "CostTracker", "BudgetCheck", "LibraryNotFoundError", "LlmobsError",
    "InvalidArgument", "OutOfMemory", "InvalidState", "Timeout", "QueueFull", "IOFailure",
    "NotFound", "AlreadyExists", "LimitExceeded", "Unsupported", "NetworkError", "ParseError",
    "BudgetExceeded", "InternalError", "Status", "version", "now_ns", "option_keys",
    "Evaluator", "Judge", "Judgement", "parse_judgement", "run_experiment", "ExperimentItem",
    "ExperimentResult", "Registry", "Counter", "Gauge", "Histogram", "MetricsServer", "buckets_linear",
    "buckets_exponential", "trace_id_from_seed", "observation_id_from_seed", "status_name", "ATEXIT_TIMEOUT",
    "observe", "current_trace", "current_observation", "use", "set_default_client",
    "update_current_trace", "update_current_observation", "score_current_trace",
    "score_current_observation", "ResponseFormat",
]


def version():
    """The loaded library's version string."""
    return lib().llmobs_version().decode()


def now_ns():
    """Wall-clock time in ns since the epoch, as the library takes timestamps."""
    return lib().llmobs_now_ns()


def status_name(status):
    return lib().llmobs_status_name(int(status)).decode()


def obs_type_name(type):
    return lib().llmobs_obs_type_name(int(ObsType(type))).decode()


def option_keys():
    """Every option key: [{"key", "env", "default", "description"}]."""
    out, i = [], 0
    ptrs = [ctypes.c_char_p() for _ in range(4)]
    while True:
        st = lib().llmobs_option_key_at(i, *[ctypes.byref(p) for p in ptrs])
        if st == Status.ENOTFOUND:
            return out
        check(st, "option_key_at")
        out.append(dict(zip(("key", "env", "default", "description"),
                            ((p.value or b"").decode() for p in ptrs))))
        i += 1


def trace_id_from_seed(seed):
    """Langfuse's deterministic trace id for `seed` (32 hex)."""
    st, v = _util.read_str(lambda b, c: lib().llmobs_trace_id_from_seed(
        _util.cstr(seed, "seed"), b, c), cap=33)
    check(st, "trace_id_from_seed")
    return v


def observation_id_from_seed(seed):
    """Langfuse's deterministic observation id for `seed` (16 hex)."""
    st, v = _util.read_str(lambda b, c: lib().llmobs_obs_id_from_seed(
        _util.cstr(seed, "seed"), b, c), cap=17)
    check(st, "obs_id_from_seed")
    return v
