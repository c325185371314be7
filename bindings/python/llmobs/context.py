"""Current-context tracing, as in Langfuse's Python SDK: @observe, update_current_trace,
score_current_trace.

The current item (a Trace or Observation) lives in a contextvars.ContextVar: entering one in a
`with` block or calling a function decorated with @observe makes it current; asyncio tasks
see the item current where they were created (each task keeps its own), and a new thread
starts with none: hand one over with `with llmobs.use(item):` in that thread.
"""

import functools
import inspect
import json
import threading
import warnings

from . import _context
from .client import Client, Observation, ObsType, Trace

__all__ = ["observe", "current_trace", "current_observation", "use", "set_default_client",
           "update_current_trace", "update_current_observation", "score_current_trace",
           "score_current_observation"]

_default = {"client": None}
_default_lock = threading.Lock()


def set_default_client(client):
    """The client @observe starts traces on when nothing is current (None: forget it)."""
    if client is not None and not isinstance(client, Client):
        raise TypeError("client must be an llmobs.Client or None")
    with _default_lock:
        _default["client"] = client


def current_trace():
    """The current Trace (of the current observation, if one is current), or None."""
    item = _context.current.get()
    if item is None:
        return None
    return item if isinstance(item, Trace) else item.trace


def current_observation():
    """The current Observation, or None (also when only a trace is current)."""
    item = _context.current.get()
    return item if isinstance(item, Observation) else None


class use:
    """`with llmobs.use(item):` makes an existing Trace or Observation current (for example in
    a thread it was handed to) without ending it on exit."""

    def __init__(self, item):
        if not isinstance(item, (Trace, Observation)):
            raise TypeError("use() takes a Trace or an Observation")
        self.item = item

    def __enter__(self):
        _context.push(self.item)
        return self.item

    def __exit__(self, *exc):
        _context.pop(self.item)
        return False


def _no_current(what):
    warnings.warn("llmobs.%s: no current trace (call it inside @observe or a `with` block of a "
                  "trace or observation); ignored" % what, RuntimeWarning, stacklevel=3)


def update_current_trace(**attrs):
    """Sets attributes of the current trace (user_id, session_id, tags, metadata, input,
    output, release, version, environment, public, feature). Returns the trace, or None with a
    RuntimeWarning when no trace is current."""
    t = current_trace()
    if t is None:
        _no_current("update_current_trace")
        return None
    return t.set(**attrs)


def update_current_observation(**attrs):
    """Sets attributes of the current observation (as Observation.set). Returns it, or None
    with a RuntimeWarning when none is current."""
    o = current_observation()
    if o is None:
        _no_current("update_current_observation")
        return None
    return o.set(**attrs)


def score_current_trace(name, value, **kw):
    """A score on the current trace (see Client.score). False with a RuntimeWarning when no
    trace is current, else True."""
    t = current_trace()
    if t is None:
        _no_current("score_current_trace")
        return False
    t.score(name, value, **kw)
    return True


def score_current_observation(name, value, **kw):
    """A score on the current observation. False with a RuntimeWarning when none is current."""
    o = current_observation()
    if o is None:
        _no_current("score_current_observation")
        return False
    o.score(name, value, **kw)
    return True


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def _inputs(fn, args, kwargs):
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
        return {k: _jsonable(v) for k, v in bound.arguments.items() if k not in ("self", "cls")}
    except (TypeError, ValueError):
        return {"args": [_jsonable(a) for a in args],
                "kwargs": {k: _jsonable(v) for k, v in kwargs.items()}}


def _start(name, as_type, client, fn, args, kwargs, capture_input):
    """Starts the item a decorated call records, or None when there is nowhere to record."""
    parent = _context.current.get()
    attrs = {"input": _inputs(fn, args, kwargs)} if capture_input else {}
    if parent is None:
        c = client or _default["client"]
        if c is None or c.closed:
            return None
        return c.trace(name, **attrs)
    if isinstance(parent, Trace):
        return parent.observation(as_type, name, **attrs)
    if parent.ended and parent.trace.ended:
        return None
    return parent.trace.observation(as_type, name, parent=parent, **attrs)


def _finish_ok(item, result, capture_output):
    if capture_output and not item.ended:
        try:
            item.output(_jsonable(result))
        except Exception:
            pass


def observe(fn=None, *, name=None, as_type="span", client=None, capture_input=True,
            capture_output=True):
    """Decorator recording each call of a function (sync or async) as an observation of type
    `as_type` named `name` (default: the function's __qualname__), under the current
    observation. With nothing current, the call starts a new trace on `client` (default: the
    one given to set_default_client); with no client either, the function runs untraced.
    Arguments are recorded as input and the return value as output (JSON, or repr() for what
    JSON cannot hold) unless capture_input / capture_output are False. An exception ends the
    observation at level ERROR with the exception as status message, and propagates.
    Generators are not supported (TypeError)."""
    ObsType[as_type.upper()] if isinstance(as_type, str) else ObsType(as_type)  # validates

    def decorate(f):
        if inspect.isgeneratorfunction(f) or inspect.isasyncgenfunction(f):
            raise TypeError("@observe does not support generator functions")
        label = name or f.__qualname__

        if inspect.iscoroutinefunction(f):
            @functools.wraps(f)
            async def async_wrapper(*args, **kwargs):
                item = _start(label, as_type, client, f, args, kwargs, capture_input)
                if item is None:
                    return await f(*args, **kwargs)
                with item:
                    result = await f(*args, **kwargs)
                    _finish_ok(item, result, capture_output)
                    return result
            return async_wrapper

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            item = _start(label, as_type, client, f, args, kwargs, capture_input)
            if item is None:
                return f(*args, **kwargs)
            with item:
                result = f(*args, **kwargs)
                _finish_ok(item, result, capture_output)
                return result
        return wrapper

    return decorate(fn) if fn is not None else decorate
