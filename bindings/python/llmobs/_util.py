"""Argument conversion shared by the binding's modules: clear TypeErrors before any C call."""

import ctypes
import json
import math


def cstr(value, what):
    """`value` (str) as UTF-8 bytes; TypeError naming `what` otherwise (None included)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))


def opt_cstr(value, what):
    """Like cstr, but None passes through as NULL."""
    return None if value is None else cstr(value, what)


def to_int(value, what, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (what, type(value).__name__))
    if minimum is not None and value < minimum:
        raise ValueError("%s must be >= %d, got %d" % (what, minimum, value))
    return value


def to_float(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    return float(value)


def to_json(value, what):
    """JSON text of a JSON-serializable value (TypeError naming `what` otherwise)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise TypeError("%s is not JSON-serializable: %s" % (what, e)) from None


def timeout_ms(timeout, what="timeout"):
    """Seconds (float, None = no limit) as the C API's int64 milliseconds (<0 = no limit)."""
    if timeout is None:
        return -1
    t = to_float(timeout, what)
    if math.isnan(t) or t < 0:
        raise ValueError("%s must be >= 0 seconds or None, got %r" % (what, timeout))
    if math.isinf(t):
        return -1
    return int(t * 1000)


def time_ns(value, what):
    """A timestamp given as int nanoseconds or float seconds since the epoch, as int ns."""
    if isinstance(value, bool):
        raise TypeError("%s must be int ns or float seconds, not bool" % what)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value * 1e9)
    if hasattr(value, "timestamp"):  # datetime
        return int(value.timestamp() * 1e9)
    raise TypeError("%s must be int ns, float seconds or a datetime, not %s"
                    % (what, type(value).__name__))


def read_str(fn, *args, cap=128):
    """Calls fn(*args, buf, cap) writing a NUL-terminated string; returns (status, str)."""
    buf = ctypes.create_string_buffer(cap)
    st = fn(*args, buf, cap)
    return st, buf.value.decode("utf-8", "replace")
