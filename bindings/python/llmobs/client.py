"""Client, Trace and Observation: the tracing API of llmobs for Python.

Threading: C calls run with the GIL released (ctypes.CDLL), and no Python lock is held while
a C function runs, so callbacks (log, export, mask, budget alert) may be invoked from any
thread, including synchronously from the calling thread, without deadlocking. A Trace and its
Observations may be used from several threads; as in C, the handles of a trace are released
once the trace and every observation under it have ended, so do not end a trace's last open
item while another thread is still calling methods on that trace's objects.
"""

import atexit
import collections
import ctypes
import enum
import threading
import traceback
import weakref

from . import _context, _util
from ._lib import (BUDGET_FN, EXPORT_FN, LOG_FN, MASK_FN, lib)  # noqa: F401 (BUDGET_FN re-export)
from .errors import InvalidState, check, error_for

__all__ = ["Client", "Trace", "Observation", "ObsType", "Level", "LogLevel", "ExportResult",
           "Stat", "DropReason", "ATEXIT_TIMEOUT"]

# Deadline (seconds) of the shutdown that atexit runs for every client still open.
ATEXIT_TIMEOUT = 5.0


class ObsType(enum.IntEnum):
    SPAN = 0
    GENERATION = 1
    EVENT = 2
    AGENT = 3
    TOOL = 4
    CHAIN = 5
    RETRIEVER = 6
    EMBEDDING = 7
    EVALUATOR = 8
    GUARDRAIL = 9


class Level(enum.IntEnum):
    DEBUG = 0
    DEFAULT = 1
    WARNING = 2
    ERROR = 3


class LogLevel(enum.IntEnum):
    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3


class ExportResult(enum.IntEnum):
    OK = 0
    RETRY = 1
    FAIL = 2
    TOO_LARGE = 3


class ResponseFormat(enum.IntEnum):
    """Provider response formats (llmobs_response_format)."""
    AUTO = 0
    OPENAI_CHAT = 1
    OPENAI_RESPONSES = 2
    ANTHROPIC_MESSAGES = 3


def _response_json(response):
    """JSON bytes of a provider response: SDK object, dict or JSON text."""
    if isinstance(response, bytes):
        return response
    if isinstance(response, str):
        return response.encode()
    if not isinstance(response, dict):
        for method in ("model_dump_json", "to_json"):
            fn = getattr(response, method, None)
            if callable(fn):
                text = fn()
                return text.encode() if isinstance(text, str) else text
        for method in ("model_dump", "to_dict", "dict"):
            fn = getattr(response, method, None)
            if callable(fn):
                response = fn()
                break
    if not isinstance(response, dict):
        raise TypeError("a provider response must be an SDK response object, a dict or JSON "
                        "text, not %s" % type(response).__name__)
    return _util.to_json(response, "response").encode()


class Stat(enum.IntEnum):
    ITEMS = 0
    EXPORTED = 1
    DROPPED = 2
    PENDING = 3
    RETRIES = 4
    BATCHES = 5
    QUEUE_ITEMS = 6
    QUEUE_BYTES = 7
    SPOOLED = 8
    SPOOL_RESENT = 9
    SPOOL_EVICTED = 10
    SPOOL_REJECTED = 11
    SPOOL_CORRUPT_FILES = 12
    TRUNCATED = 13
    INVALID_JSON = 14


class DropReason(enum.IntEnum):
    QUEUE_FULL = 0
    SAMPLED_OUT = 1
    DISABLED = 2
    REJECTED = 3
    RETRIES_EXHAUSTED = 4
    SHUTDOWN = 5
    TOO_LARGE = 6
    INVALID = 7
    SPOOL_FULL = 8


USAGE_KEYS = {
    "input": "input",
    "output": "output",
    "cache_read": "input_cached_tokens",
    "cache_write": "input_cache_creation",
    "reasoning": "output_reasoning_tokens",
    "total": "total",
}


def _enum(cls, value, what):
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError("%s must be one of %s, got %r"
                             % (what, ", ".join(m.name.lower() for m in cls), value)) from None
    if isinstance(value, int) and not isinstance(value, bool):
        return cls(value)
    raise TypeError("%s must be a str or %s, not %s" % (what, cls.__name__, type(value).__name__))


class CallbackErrors:
    """Exceptions raised by Python callbacks (they cannot propagate through C): the last 100
    are kept and each is printed to stderr."""

    def __init__(self):
        self._items = collections.deque(maxlen=100)

    def record(self, where):
        self._items.append((where, traceback.format_exc()))
        traceback.print_exc()

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)


def make_log_callback(fn, errors):
    if not callable(fn):
        raise TypeError("log_callback must be callable, not %s" % type(fn).__name__)

    def cb(level, message, _ud):
        try:
            lvl = LogLevel(level) if level in LogLevel._value2member_map_ else level
            fn(lvl, message.decode("utf-8", "replace") if message else "")
        except BaseException:
            errors.record("log_callback")
    return LOG_FN(cb)


def _make_export_callback(fn, errors):
    if not callable(fn):
        raise TypeError("export_callback must be callable, not %s" % type(fn).__name__)

    def cb(body, length, content_type, items, _ud):
        try:
            data = ctypes.string_at(body, length) if length else b""
            ct = content_type.decode("utf-8", "replace") if content_type else ""
            r = fn(data, ct, int(items))
            if r is None or r is True:
                return int(ExportResult.OK)
            if r is False:
                return int(ExportResult.FAIL)
            return int(ExportResult(r))
        except BaseException:
            errors.record("export_callback")
            return int(ExportResult.FAIL)
    return EXPORT_FN(cb)


def _make_mask_callback(fn, errors):
    if not callable(fn):
        raise TypeError("mask_callback must be callable, not %s" % type(fn).__name__)
    # The C side repeats a call with a larger buffer when the first was too small; keep the
    # last result so the Python function runs once per value (flusher thread only).
    last = [None, None]

    def cb(field, value, out, out_cap, out_len, _ud):
        try:
            key = (field, value)
            if last[0] == key:
                data = last[1]
            else:
                r = fn(field.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
                if not isinstance(r, str):
                    raise TypeError("mask_callback must return str, not %s" % type(r).__name__)
                data = r.encode("utf-8", "surrogatepass")
                last[0], last[1] = key, data
            out_len[0] = len(data)
            if len(data) + 1 > out_cap:
                return 1
            ctypes.memmove(out, data, len(data))
            ctypes.memset(out + len(data), 0, 1)
            last[0] = None
            return 0
        except BaseException:
            errors.record("mask_callback")
            return -1
    return MASK_FN(cb)


def _option_value(key, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):  # budgets={"rag": 5.0} -> "rag=5.0"
        return ",".join("%s=%s" % (k, v) for k, v in value.items())
    raise TypeError("option %r must be str, int, float, bool, a list or a dict, not %s"
                    % (key, type(value).__name__))


def build_options(options, keepalive, errors, log_callback=None, export_callback=None,
                  mask_callback=None, registry=None):
    """A new llmobs_options handle with `options` applied (freed and raised on error)."""
    L = lib()
    opts = L.llmobs_options_new()
    if not opts:
        raise MemoryError("llmobs_options_new failed")
    try:
        for key, value in options.items():
            if value is None:
                raise TypeError("option %r: None is not a value (leave the key out for the "
                                "default)" % key)
            st = L.llmobs_options_set(opts, _util.cstr(key, "option key"),
                                      _util.cstr(_option_value(key, value), "option %r" % key))
            check(st, "option %r = %r" % (key, value))
        if log_callback is not None:
            cb = make_log_callback(log_callback, errors)
            keepalive.append(cb)
            check(L.llmobs_options_set_log_callback(opts, cb, None), "log_callback")
        if export_callback is not None:
            cb = _make_export_callback(export_callback, errors)
            keepalive.append(cb)
            check(L.llmobs_options_set_export_callback(opts, cb, None), "export_callback")
        if mask_callback is not None:
            cb = _make_mask_callback(mask_callback, errors)
            keepalive.append(cb)
            check(L.llmobs_options_set_mask_callback(opts, cb, None), "mask_callback")
        if registry is not None:
            from .metrics import Registry
            if not isinstance(registry, Registry):
                raise TypeError("registry must be an llmobs.Registry, not %s"
                                % type(registry).__name__)
            check(L.llmobs_options_set_registry(opts, registry._handle()), "registry")
    except BaseException:
        L.llmobs_options_free(opts)
        raise
    return opts


_live_clients = weakref.WeakSet()


def _shutdown_all():
    for c in list(_live_clients):
        try:
            c.shutdown(timeout=ATEXIT_TIMEOUT)
        except Exception:
            traceback.print_exc()


atexit.register(_shutdown_all)


class Client:
    """An llmobs client: a flusher thread exporting traces, scores and cost.

    Client(**options) sets each option by its key (see llmobs.option_keys() or README.md)
    through llmobs_options_set: values may be str, int, float, bool, a list (joined with ",")
    or a dict (budgets={"rag": 5} -> "rag=5"). A bad key or value raises NotFound /
    InvalidArgument naming the key. Keyword-only callbacks:

    - log_callback(level: LogLevel, message: str), from any thread
    - export_callback(body: bytes, content_type: str, items: int) -> None/True (ok),
      False (fail) or an ExportResult; on the flusher thread; selects exporter=callback
    - mask_callback(field: str, json_text: str) -> str, on the flusher thread

    registry=llmobs.Registry(...) records the client's LLM and SDK metrics there instead of
    in the default registry; it cannot be closed while the client is open.

    Exceptions raised by callbacks are printed and kept in `callback_errors`.
    The client is shut down by shutdown(), by leaving a `with` block, at interpreter exit
    (atexit, ATEXIT_TIMEOUT seconds) or when garbage-collected.
    """

    def __init__(self, *, log_callback=None, export_callback=None, mask_callback=None,
                 registry=None, **options):
        self._h = None
        self._keepalive = []  # CFUNCTYPE objects: alive as long as this object
        self.callback_errors = CallbackErrors()
        self._cost = None
        self.registry = registry  # records the LLM/SDK metrics; kept open while we are
        opts = build_options(options, self._keepalive, self.callback_errors, log_callback,
                             export_callback, mask_callback, registry)
        status = ctypes.c_int(0)
        h = lib().llmobs_client_new(opts, ctypes.byref(status))  # takes ownership of opts
        if not h:
            raise error_for(status.value, "llmobs_client_new")
        self._h = h
        _live_clients.add(self)
        if registry is not None:
            registry._clients.add(self)

    # -- lifetime ---------------------------------------------------------------------------

    def _handle(self):
        h = self._h
        if h is None:
            raise InvalidState(3, "the client was shut down", "client")
        return h

    @property
    def closed(self):
        return self._h is None

    def flush(self, timeout=5.0):
        """Sends everything queued so far and waits until it is settled or `timeout` seconds
        pass (None: no limit). Returns how many items are still pending (0 = all settled);
        a deadline that passes is not an error, the count says what is left."""
        pending = ctypes.c_uint64(0)
        st = lib().llmobs_flush(self._handle(), _util.timeout_ms(timeout), ctypes.byref(pending))
        if st not in (0, 4):  # OK, ETIMEOUT
            raise error_for(st, "flush")
        return pending.value

    def shutdown(self, timeout=5.0):
        """Flushes within `timeout` seconds, drops what is left, stops the flusher thread and
        frees the client. Idempotent. True when nothing was left behind, else False."""
        h, self._h = self._h, None
        if h is None:
            return True
        _live_clients.discard(self)
        st = lib().llmobs_shutdown(h, _util.timeout_ms(timeout))
        if self.registry is not None:
            self.registry._clients.discard(self)
        if st not in (0, 4):
            raise error_for(st, "shutdown")
        return st == 0

    close = shutdown

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False

    def __del__(self):
        try:
            if self._h is not None:
                self.shutdown(timeout=ATEXIT_TIMEOUT)
        except Exception:
            pass

    # -- counters ---------------------------------------------------------------------------

    def stats(self):
        """Delivery counters: one key per Stat (items, exported, dropped, pending, retries,
        batches, queue_items, queue_bytes, spooled, spool_resent, spool_evicted,
        spool_rejected, spool_corrupt_files, truncated, invalid_json), and dropped_by_reason
        {reason name: count} over every DropReason."""
        L = lib()
        h = self._handle()
        out = {}
        v = ctypes.c_uint64(0)
        for s in Stat:
            check(L.llmobs_stats_get(h, int(s), ctypes.byref(v)), "stats")
            out[s.name.lower()] = v.value
        reasons = {}
        for r in DropReason:
            check(L.llmobs_stats_dropped(h, int(r), ctypes.byref(v)), "stats")
            reasons[L.llmobs_drop_reason_name(int(r)).decode()] = v.value
        out["dropped_by_reason"] = reasons
        return out

    # -- tracing ----------------------------------------------------------------------------

    def trace(self, name, *, traceparent=None, trace_id=None, parent_span_id=None, **attrs):
        """Starts a trace (a context manager ending it on exit). Continue a distributed trace
        with `traceparent` (W3C header) or `trace_id` (+ optional `parent_span_id`). Other
        keywords set attributes: user_id, session_id, tags, metadata, input, output, release,
        version, environment, public, feature, start_time."""
        L = lib()
        h = self._handle()
        cname = _util.cstr(name, "trace name")
        status = ctypes.c_int(0)
        if traceparent is not None and trace_id is not None:
            raise TypeError("give traceparent or trace_id, not both")
        if traceparent is not None:
            th = L.llmobs_trace_start_traceparent(h, cname, _util.cstr(traceparent, "traceparent"),
                                                  ctypes.byref(status))
        elif trace_id is not None:
            th = L.llmobs_trace_start_with_id(h, cname, _util.cstr(trace_id, "trace_id"),
                                              _util.opt_cstr(parent_span_id, "parent_span_id"),
                                              ctypes.byref(status))
        else:
            if parent_span_id is not None:
                raise TypeError("parent_span_id needs trace_id")
            th = L.llmobs_trace_start(h, cname, ctypes.byref(status))
        if not th:
            raise error_for(status.value, "trace %r" % name)
        t = Trace(self, th, name)
        try:
            t.set(**attrs)
        except BaseException:
            t._end_quietly()
            raise
        return t

    def score(self, name, value, *, trace_id=None, observation_id=None, session_id=None,
              comment=None, metadata=None, environment=None, config_id=None, id=None,
              data_type=None):
        """Queues a score. `value`: bool (boolean), int/float (numeric) or str (categorical,
        or text with data_type="text"). Target: trace_id (+ observation_id) or session_id."""
        from .score import send_score
        send_score(self._handle(), name, value, trace_id=trace_id,
                   observation_id=observation_id, session_id=session_id, comment=comment,
                   metadata=metadata, environment=environment, config_id=config_id, id=id,
                   data_type=data_type)

    @property
    def cost(self):
        """The client's CostTracker (prices every ended generation; budgets and alerts)."""
        if self._cost is None:
            from .cost import CostTracker
            self._cost = CostTracker._of_client(self)
        return self._cost


class _Group:
    """Open items of one trace: the C handles are released when this reaches 0."""

    __slots__ = ("lock", "open")

    def __init__(self):
        self.lock = threading.Lock()
        self.open = 1  # the trace itself

    def add(self):
        with self.lock:
            if self.open == 0:
                return False
            self.open += 1
            return True

    def done(self):
        with self.lock:
            self.open -= 1


class _Item:
    """What Trace and Observation share: ids, ending once, context management."""

    _kind = "item"

    def __init__(self, client, handle, name, group):
        self.client = client  # keeps the client (and its callbacks) alive
        self._h = handle
        self.name = name
        self._group = group
        self._end_lock = threading.Lock()
        self._ended = False
        self._tokens = []  # contextvars tokens of `with` blocks that made this item current

    @property
    def ended(self):
        return self._ended

    def _handle(self):
        if self._ended:
            raise InvalidState(3, "%s %r already ended" % (self._kind, self.name), self._kind)
        return self._h

    def _call(self, fn, *args, what):
        check(fn(self._handle(), *args), "%s %r: %s" % (self._kind, self.name, what))
        return self

    def _claim_end(self):
        with self._end_lock:
            if self._ended:
                raise InvalidState(3, "%s %r already ended" % (self._kind, self.name),
                                   self._kind)
            self._ended = True

    def _end_quietly(self):
        try:
            self.end()
        except Exception:
            pass

    def set(self, **attrs):
        """Sets several attributes by keyword: set(input=..., metadata={...})."""
        for key, value in attrs.items():
            setter = self._SETTERS.get(key)
            if setter is None:
                raise TypeError("unknown %s attribute %r (known: %s)"
                                % (self._kind, key, ", ".join(sorted(self._SETTERS))))
            setter(self, value)
        return self

    def __enter__(self):
        _context.push(self)
        return self

    def __repr__(self):
        return "<%s %r id=%s%s>" % (type(self).__name__, self.name, self.id,
                                    " ended" if self._ended else "")


def _set_io(obj, fn_text, fn_json, value, what):
    if isinstance(value, str):
        return obj._call(fn_text, _util.cstr(value, what), what=what)
    if value is None:
        raise TypeError("%s must be a str or a JSON-serializable object, not None" % what)
    return obj._call(fn_json, _util.to_json(value, what).encode(), what=what)


class Trace(_Item):
    """A trace (its root span). Use as a context manager; create observations with
    span(), generation(), event() or observation(type, ...)."""

    _kind = "trace"

    def __init__(self, client, handle, name):
        super().__init__(client, handle, name, _Group())
        L = lib()
        st, self.id = _util.read_str(L.llmobs_trace_id, handle, cap=33)
        check(st, "trace id")
        st, self.span_id = _util.read_str(L.llmobs_trace_span_id, handle, cap=17)
        check(st, "trace span id")
        st, self.traceparent = _util.read_str(L.llmobs_trace_traceparent, handle, cap=64)
        check(st, "traceparent")
        self.sampled = bool(L.llmobs_trace_is_sampled(handle))

    # setters: each returns self
    def user_id(self, value):
        return self._call(lib().llmobs_trace_set_user_id, _util.cstr(value, "user_id"),
                          what="user_id")

    def session_id(self, value):
        return self._call(lib().llmobs_trace_set_session_id, _util.cstr(value, "session_id"),
                          what="session_id")

    def feature(self, value):
        return self._call(lib().llmobs_trace_set_feature, _util.cstr(value, "feature"),
                          what="feature")

    def tag(self, *tags):
        for t in tags:
            self._call(lib().llmobs_trace_add_tag, _util.cstr(t, "tag"), what="tag")
        return self

    def tags(self, tags):
        if isinstance(tags, str):
            raise TypeError("tags must be a list of str, not a str")
        return self.tag(*tags)

    def release(self, value):
        return self._call(lib().llmobs_trace_set_release, _util.cstr(value, "release"),
                          what="release")

    def version(self, value):
        return self._call(lib().llmobs_trace_set_version, _util.cstr(value, "version"),
                          what="version")

    def environment(self, value):
        return self._call(lib().llmobs_trace_set_environment, _util.cstr(value, "environment"),
                          what="environment")

    def public(self, value=True):
        if not isinstance(value, bool):
            raise TypeError("public must be a bool, not %s" % type(value).__name__)
        return self._call(lib().llmobs_trace_set_public, int(value), what="public")

    def metadata(self, mapping=None, /, **kv):
        """metadata({"k": any JSON}) replaces the metadata object; metadata(k="v") sets
        string keys one by one."""
        L = lib()
        if mapping is not None:
            if not isinstance(mapping, dict):
                raise TypeError("metadata must be a dict, not %s" % type(mapping).__name__)
            self._call(L.llmobs_trace_set_metadata_json,
                       _util.to_json(mapping, "metadata").encode(), what="metadata")
        for k, v in kv.items():
            self._call(L.llmobs_trace_set_metadata, _util.cstr(k, "metadata key"),
                       _util.cstr(v, "metadata %r" % k), what="metadata")
        return self

    def input(self, value):
        L = lib()
        return _set_io(self, L.llmobs_trace_set_input, L.llmobs_trace_set_input_json, value,
                       "input")

    def output(self, value):
        L = lib()
        return _set_io(self, L.llmobs_trace_set_output, L.llmobs_trace_set_output_json, value,
                       "output")

    def start_time(self, when):
        return self._call(lib().llmobs_trace_set_start_time, _util.time_ns(when, "start_time"),
                          what="start_time")

    _SETTERS = {
        "user_id": user_id, "session_id": session_id, "feature": feature, "tags": tags,
        "release": release, "version": version, "environment": environment, "public": public,
        "metadata": metadata, "input": input, "output": output, "start_time": start_time,
    }

    # observations
    def observation(self, type, name, *, parent=None, **attrs):
        """Starts an observation of `type` (ObsType or its name: "span", "generation", "event",
        "agent", "tool", "chain", "retriever", "embedding", "evaluator", "guardrail") under
        `parent` (an Observation of this trace; default the root span)."""
        t = _enum(ObsType, type, "observation type")
        cname = _util.cstr(name, "observation name")
        if parent is not None:
            if not isinstance(parent, Observation) or parent.trace is not self:
                raise TypeError("parent must be an Observation of this trace")
            ph = parent._handle()
        else:
            ph = None
        if not self._group.add():
            raise InvalidState(3, "trace %r and all its observations have ended" % self.name,
                               "trace")
        status = ctypes.c_int(0)
        oh = lib().llmobs_obs_start(self._h, ph, int(t), cname, ctypes.byref(status))
        if not oh:
            self._group.done()
            raise error_for(status.value, "%s %r" % (t.name.lower(), name))
        o = Observation(self, oh, name, t)
        try:
            o.set(**attrs)
        except BaseException:
            o._end_quietly()
            raise
        return o

    def span(self, name, **attrs):
        return self.observation(ObsType.SPAN, name, **attrs)

    def generation(self, name, **attrs):
        return self.observation(ObsType.GENERATION, name, **attrs)

    def event(self, name, **attrs):
        return self.observation(ObsType.EVENT, name, **attrs)

    def score(self, name, value, **kw):
        """A score on this trace (see Client.score)."""
        self.client.score(name, value, trace_id=self.id, **kw)

    def end(self, end_time=None):
        """Ends the trace's root span (once: InvalidState the second time)."""
        ns = None if end_time is None else _util.time_ns(end_time, "end_time")
        self._claim_end()
        try:
            if ns is None:
                st = lib().llmobs_trace_end(self._h)
            else:
                st = lib().llmobs_trace_end_at(self._h, ns)
        finally:
            self._group.done()
        check(st, "trace %r: end" % self.name)

    def __exit__(self, exc_type, exc, tb):
        _context.pop(self)
        if not self._ended:
            if exc is not None:
                try:
                    self.metadata(error="%s: %s" % (exc_type.__name__, exc))
                except Exception:
                    pass
            self.end()
        return False


class Observation(_Item):
    """A span, generation, event or other observation. Use as a context manager: it ends on
    exit, and an exception leaving the block sets level ERROR and the exception as status
    message before it propagates."""

    _kind = "observation"

    def __init__(self, trace, handle, name, type):
        super().__init__(trace.client, handle, name, trace._group)
        self.trace = trace
        self.type = type
        self.trace_id = trace.id
        st, self.id = _util.read_str(lib().llmobs_obs_id, handle, cap=17)
        check(st, "observation id")
        st, self.traceparent = _util.read_str(lib().llmobs_obs_traceparent, handle, cap=64)
        check(st, "observation traceparent")

    def input(self, value):
        L = lib()
        return _set_io(self, L.llmobs_obs_set_input, L.llmobs_obs_set_input_json, value, "input")

    def output(self, value):
        L = lib()
        return _set_io(self, L.llmobs_obs_set_output, L.llmobs_obs_set_output_json, value,
                       "output")

    def metadata(self, mapping=None, /, **kv):
        """metadata({...}) replaces the metadata object; metadata(k="v") sets string keys."""
        L = lib()
        if mapping is not None:
            if not isinstance(mapping, dict):
                raise TypeError("metadata must be a dict, not %s" % type(mapping).__name__)
            self._call(L.llmobs_obs_set_metadata_json,
                       _util.to_json(mapping, "metadata").encode(), what="metadata")
        for k, v in kv.items():
            self._call(L.llmobs_obs_set_metadata, _util.cstr(k, "metadata key"),
                       _util.cstr(v, "metadata %r" % k), what="metadata")
        return self

    def level(self, level):
        return self._call(lib().llmobs_obs_set_level, int(_enum(Level, level, "level")),
                          what="level")

    def status_message(self, message):
        return self._call(lib().llmobs_obs_set_status_message,
                          _util.cstr(message, "status_message"), what="status_message")

    def model(self, model):
        return self._call(lib().llmobs_obs_set_model, _util.cstr(model, "model"), what="model")

    def provider(self, provider):
        return self._call(lib().llmobs_obs_set_provider, _util.cstr(provider, "provider"),
                          what="provider")

    def model_parameters(self, mapping=None, /, **params):
        """Model parameters as JSON values: model_parameters(temperature=0.2, max_tokens=256)."""
        params = dict(mapping or {}, **params)
        for k, v in params.items():
            self._call(lib().llmobs_obs_set_model_parameter, _util.cstr(k, "parameter name"),
                       _util.to_json(v, "model parameter %r" % k).encode(),
                       what="model parameter %r" % k)
        return self

    def usage(self, mapping=None, /, **counts):
        """Token counts: usage(input=52, output=47, cache_read=, cache_write=, reasoning=,
        total=); other keys are passed to Langfuse as they are."""
        counts = dict(mapping or {}, **counts)
        for k, v in counts.items():
            key = USAGE_KEYS.get(k, k)
            self._call(lib().llmobs_obs_set_usage_detail, _util.cstr(key, "usage key"),
                       _util.to_int(v, "usage %r" % k), what="usage %r" % k)
        return self

    def usage_from_response(self, response, format="auto"):
        """Fills model, provider, usage buckets and finish reason (metadata "finish_reason")
        from a provider response: an OpenAI Chat Completions or Responses response or an
        Anthropic Messages response, given as the SDK's response object (anything with
        model_dump_json(), model_dump(), to_dict() or dict()), a dict, or the JSON text.
        `format`: "auto", "openai_chat", "openai_responses" or "anthropic_messages"
        (ResponseFormat). Returns the ResponseFormat used."""
        fmt = _enum(ResponseFormat, format, "response format")
        body = _response_json(response)
        detected = ctypes.c_int(0)
        self._call(lib().llmobs_obs_set_from_response, int(fmt), body, ctypes.byref(detected),
                   what="usage_from_response")
        return ResponseFormat(detected.value)

    def cost(self, mapping=None, /, **usd):
        """Cost buckets in USD: cost(input=0.001, output=0.002, total=0.003)."""
        usd = dict(mapping or {}, **usd)
        for k, v in usd.items():
            self._call(lib().llmobs_obs_set_cost_detail, _util.cstr(k, "cost key"),
                       _util.to_float(v, "cost %r" % k), what="cost %r" % k)
        return self

    def prompt(self, name, version):
        return self._call(lib().llmobs_obs_set_prompt, _util.cstr(name, "prompt name"),
                          _util.to_int(version, "prompt version"), what="prompt")

    def start_time(self, when):
        return self._call(lib().llmobs_obs_set_start_time, _util.time_ns(when, "start_time"),
                          what="start_time")

    def completion_start_time(self, when=None):
        """Time of the first streamed token (default: now)."""
        ns = lib().llmobs_now_ns() if when is None else _util.time_ns(when,
                                                                       "completion_start_time")
        return self._call(lib().llmobs_obs_set_completion_start_time, ns,
                          what="completion_start_time")

    def _prompt_attr(self, value):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError("prompt must be a (name, version) pair")
        return self.prompt(*value)

    _SETTERS = {
        "input": input, "output": output, "metadata": metadata, "level": level,
        "status_message": status_message, "model": model, "provider": provider,
        "model_parameters": model_parameters, "usage": usage, "cost": cost,
        "prompt": _prompt_attr, "start_time": start_time,
        "completion_start_time": completion_start_time,
        "usage_from_response": usage_from_response,
    }

    # children
    def observation(self, type, name, **attrs):
        return self.trace.observation(type, name, parent=self, **attrs)

    def span(self, name, **attrs):
        return self.observation(ObsType.SPAN, name, **attrs)

    def generation(self, name, **attrs):
        return self.observation(ObsType.GENERATION, name, **attrs)

    def event(self, name, **attrs):
        return self.observation(ObsType.EVENT, name, **attrs)

    def score(self, name, value, **kw):
        """A score on this observation (see Client.score)."""
        self.client.score(name, value, trace_id=self.trace_id, observation_id=self.id, **kw)

    def end(self, end_time=None):
        """Ends the observation (once: InvalidState the second time)."""
        ns = None if end_time is None else _util.time_ns(end_time, "end_time")
        self._claim_end()
        try:
            if ns is None:
                st = lib().llmobs_obs_end(self._h)
            else:
                st = lib().llmobs_obs_end_at(self._h, ns)
        finally:
            self._group.done()
        check(st, "%s %r: end" % (self.type.name.lower(), self.name))

    def __exit__(self, exc_type, exc, tb):
        _context.pop(self)
        if not self._ended:
            if exc is not None:
                try:
                    self.level(Level.ERROR)
                    msg = str(exc)
                    self.status_message("%s: %s" % (exc_type.__name__, msg) if msg
                                        else exc_type.__name__)
                except Exception:
                    pass
            self.end()
        return False
