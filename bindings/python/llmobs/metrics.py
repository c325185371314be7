"""Prometheus metrics: registries, counter/gauge/histogram families and their labelled
children, exposition, and the embedded scrape server.

Handles of a registry (families, children) are valid until the registry is closed; the
binding refuses calls on them afterwards (InvalidState). The default registry is never freed.
"""

import ctypes
import threading
import weakref

from . import _util
from ._lib import lib
from .errors import InvalidState, check, error_for

__all__ = ["Registry", "Counter", "Gauge", "Histogram", "MetricsServer", "buckets_linear",
           "buckets_exponential", "FORMATS", "format_for_accept", "content_type"]

FORMATS = {"text": 0, "openmetrics": 1}


def _format(fmt):
    if fmt not in FORMATS:
        raise ValueError("format must be one of %s, got %r" % (", ".join(FORMATS), fmt))
    return FORMATS[fmt]


def _take_string(ptr, length):
    try:
        return ctypes.string_at(ptr, length).decode("utf-8", "replace")
    finally:
        lib().llmobs_metrics_string_free(ptr)


def _cstr_array(values, what):
    enc = [_util.cstr(v, what) for v in values]
    return (ctypes.c_char_p * max(1, len(enc)))(*enc), len(enc)


class Registry:
    """A set of metric families rendered together. Registry() is a new, empty registry
    (free with close()); Registry.default() is the process-wide one (process metrics on)."""

    _default = None
    _default_lock = threading.Lock()

    def __init__(self):
        status = ctypes.c_int(0)
        h = lib().llmobs_registry_new(ctypes.byref(status))
        if not h:
            raise error_for(status.value, "llmobs_registry_new")
        self._h = h
        self._owned = True
        self._servers = weakref.WeakSet()
        self._clients = weakref.WeakSet()  # open clients recording into this registry

    @classmethod
    def default(cls):
        with cls._default_lock:
            if cls._default is None:
                h = lib().llmobs_registry_default()
                if not h:
                    raise MemoryError("llmobs_registry_default failed")
                r = cls.__new__(cls)
                r._h, r._owned, r._servers = h, False, weakref.WeakSet()
                r._clients = weakref.WeakSet()
                cls._default = r
            return cls._default

    def _handle(self):
        if self._h is None:
            raise InvalidState(3, "the registry was closed", "registry")
        return self._h

    def close(self):
        """Stops the registry's scrape servers and frees it with every family and child
        (no-op for the default registry). Idempotent."""
        if not self._owned:
            return
        if len(self._clients):
            raise InvalidState(3, "an open Client records into this registry: shut it down "
                               "first", "registry")
        for s in list(self._servers):
            s.stop()
        h, self._h = self._h, None
        if h:
            lib().llmobs_registry_free(h)

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

    def process_metrics(self, enabled=True):
        check(lib().llmobs_registry_set_process_metrics(self._handle(), int(bool(enabled))),
              "process metrics")

    def _register(self, fn, cls, name, help, unit, labels, *extra):
        if isinstance(labels, str):
            raise TypeError("labels must be a list of str, not a str")
        arr, n = _cstr_array(labels, "label name")
        out = ctypes.c_void_p()
        check(fn(self._handle(), _util.cstr(name, "metric name"), _util.cstr(help, "help"),
                 _util.opt_cstr(unit, "unit"), arr, n, *extra, ctypes.byref(out)),
              "metric %r" % (name,))
        return cls(self, out.value, name, tuple(labels))

    def counter(self, name, help="", labels=(), unit=None):
        return self._register(lib().llmobs_counter_register, Counter, name, help, unit, labels)

    def gauge(self, name, help="", labels=(), unit=None):
        return self._register(lib().llmobs_gauge_register, Gauge, name, help, unit, labels)

    def histogram(self, name, help="", labels=(), buckets=None, unit=None):
        """buckets: increasing finite upper bounds (None: Prometheus defaults)."""
        if buckets is None:
            arr, n = None, 0
        else:
            vals = [_util.to_float(b, "bucket") for b in buckets]
            arr, n = (ctypes.c_double * max(1, len(vals)))(*vals), len(vals)
        return self._register(lib().llmobs_histogram_register, Histogram, name, help, unit,
                              labels, arr, n)

    def render(self, format="text"):
        """The exposition text ("text" = Prometheus 0.0.4, "openmetrics" = OpenMetrics 1.0)."""
        ptr, n = ctypes.c_void_p(), ctypes.c_size_t(0)
        check(lib().llmobs_metrics_render_string(self._handle(), _format(format),
                                                 ctypes.byref(ptr), ctypes.byref(n)), "render")
        return _take_string(ptr, n.value)

    def render_for_accept(self, accept=None):
        """(body, content_type) negotiated on an HTTP Accept header, for your own server."""
        ptr, n, ct = ctypes.c_void_p(), ctypes.c_size_t(0), ctypes.c_char_p()
        check(lib().llmobs_metrics_render_for_accept(self._handle(),
                                                     _util.opt_cstr(accept, "accept"),
                                                     ctypes.byref(ptr), ctypes.byref(n),
                                                     ctypes.byref(ct)), "render")
        return _take_string(ptr, n.value), ct.value.decode()

    def serve(self, addr="127.0.0.1:0"):
        """Starts a scrape server for this registry (GET /metrics, /healthz)."""
        return MetricsServer(self, addr)


class _Family:
    _kind = "family"
    _labels_fn = None
    _child_cls = None

    def __init__(self, registry, handle, name, label_names):
        self.registry = registry
        self._h = handle
        self.name = name
        self.label_names = label_names
        self._children = {}
        self._lock = threading.Lock()

    def _handle(self):
        self.registry._handle()
        return self._h

    def labels(self, *values, **named):
        """The child for these label values (positional in label order, or by name)."""
        if named:
            if values:
                raise TypeError("give label values by position or by name, not both")
            missing = set(self.label_names) - set(named)
            extra = set(named) - set(self.label_names)
            if missing or extra:
                raise ValueError("labels of %r are %s" % (self.name, ", ".join(self.label_names)))
            values = tuple(named[k] for k in self.label_names)
        if len(values) != len(self.label_names):
            raise ValueError("%r takes %d label values (%s), got %d"
                             % (self.name, len(self.label_names), ", ".join(self.label_names),
                                len(values)))
        with self._lock:
            child = self._children.get(values)
        if child is not None:
            return child
        arr, n = _cstr_array(values, "label value")
        out = ctypes.c_void_p()
        check(getattr(lib(), self._labels_fn)(self._handle(), arr, n, ctypes.byref(out)),
              "%s %r labels %r" % (self._kind, self.name, values))
        child = self._child_cls(self, out.value, values)
        with self._lock:
            return self._children.setdefault(values, child)

    def remove(self, *values):
        arr, n = _cstr_array(values, "label value")
        check(lib().llmobs_family_remove(self._handle(), arr, n), "remove %r" % (values,))
        with self._lock:
            self._children.pop(tuple(values), None)

    def clear(self):
        check(lib().llmobs_family_clear(self._handle()), "clear")
        with self._lock:
            self._children.clear()

    def set_max_children(self, maximum):
        check(lib().llmobs_family_set_max_children(self._handle(),
                                                   _util.to_int(maximum, "maximum", 0)),
              "max children")

    @property
    def children(self):
        return lib().llmobs_family_children(self._handle())

    @property
    def refused_total(self):
        return lib().llmobs_family_refused_total(self._handle())

    def _only(self):
        if self.label_names:
            raise TypeError("%r has labels %s: use .labels(...)" % (self.name,
                                                                    ", ".join(self.label_names)))
        return self.labels()


class _Child:
    def __init__(self, family, handle, values):
        self.family = family
        self._h = handle
        self.label_values = values

    def _handle(self):
        self.family.registry._handle()
        return self._h

    def _get(self, fn):
        v = ctypes.c_double(0)
        check(fn(self._handle(), ctypes.byref(v)), "read %r" % self.family.name)
        return v.value


class CounterChild(_Child):
    def inc(self, amount=None):
        if amount is None:
            check(lib().llmobs_counter_inc(self._handle()), "inc %r" % self.family.name)
        else:
            check(lib().llmobs_counter_add(self._handle(), _util.to_float(amount, "amount")),
                  "add %r" % self.family.name)

    add = inc

    @property
    def value(self):
        return self._get(lib().llmobs_counter_get)


class GaugeChild(_Child):
    def set(self, value):
        check(lib().llmobs_gauge_set(self._handle(), _util.to_float(value, "value")),
              "set %r" % self.family.name)

    def add(self, delta):
        check(lib().llmobs_gauge_add(self._handle(), _util.to_float(delta, "delta")),
              "add %r" % self.family.name)

    def inc(self):
        check(lib().llmobs_gauge_inc(self._handle()), "inc %r" % self.family.name)

    def dec(self):
        check(lib().llmobs_gauge_dec(self._handle()), "dec %r" % self.family.name)

    @property
    def value(self):
        return self._get(lib().llmobs_gauge_get)


class HistogramChild(_Child):
    def observe(self, value):
        check(lib().llmobs_histogram_observe(self._handle(), _util.to_float(value, "value")),
              "observe %r" % self.family.name)

    @property
    def count(self):
        return self._read()[0]

    @property
    def sum(self):
        return self._read()[1]

    def _read(self):
        n, s = ctypes.c_uint64(0), ctypes.c_double(0)
        check(lib().llmobs_histogram_get(self._handle(), ctypes.byref(n), ctypes.byref(s)),
              "read %r" % self.family.name)
        return n.value, s.value


class Counter(_Family):
    _kind, _labels_fn, _child_cls = "counter", "llmobs_counter_labels", CounterChild

    def inc(self, amount=None):
        self._only().inc(amount)

    add = inc

    @property
    def value(self):
        return self._only().value


class Gauge(_Family):
    _kind, _labels_fn, _child_cls = "gauge", "llmobs_gauge_labels", GaugeChild

    def set(self, value):
        self._only().set(value)

    def add(self, delta):
        self._only().add(delta)

    def inc(self):
        self._only().inc()

    def dec(self):
        self._only().dec()

    @property
    def value(self):
        return self._only().value


class Histogram(_Family):
    _kind, _labels_fn, _child_cls = "histogram", "llmobs_histogram_labels", HistogramChild

    def observe(self, value):
        self._only().observe(value)

    @property
    def count(self):
        return self._only().count

    @property
    def sum(self):
        return self._only().sum


class MetricsServer:
    """The embedded scrape server (its own thread) serving a registry on GET /metrics and
    GET /healthz. addr "host:port" (port 0: a free port, see .port); None: the environment
    variable LLMOBS_METRICS_ADDR, else 127.0.0.1:9464. token: a bearer token /metrics then
    requires (None: open)."""

    def __init__(self, registry=None, addr="127.0.0.1:0", token=None):
        self.registry = registry if registry is not None else Registry.default()
        out = ctypes.c_void_p()
        check(lib().llmobs_metrics_server_start_token(self.registry._handle(),
                                                      _util.opt_cstr(addr, "addr"),
                                                      _util.opt_cstr(token, "token"),
                                                      ctypes.byref(out)),
              "metrics server %r" % (addr,))
        self._h = out.value
        self.port = lib().llmobs_metrics_server_port(self._h)
        self.registry._servers.add(self)

    @property
    def url(self):
        return "http://127.0.0.1:%d/metrics" % self.port

    def stop(self):
        """Stops the server and waits for its thread. Idempotent."""
        h, self._h = self._h, None
        if h:
            lib().llmobs_metrics_server_stop(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __del__(self):
        try:
            self.stop()
        except Exception:
            pass


def _buckets(fn, a, b, count, what):
    n = _util.to_int(count, "count", 1)
    out = (ctypes.c_double * n)()
    check(fn(_util.to_float(a, what[0]), _util.to_float(b, what[1]), n, out), "buckets")
    return list(out)


def buckets_linear(start, width, count):
    return _buckets(lib().llmobs_buckets_linear, start, width, count, ("start", "width"))


def buckets_exponential(start, factor, count):
    return _buckets(lib().llmobs_buckets_exponential, start, factor, count,
                    ("start", "factor"))


def format_for_accept(accept):
    """"text" or "openmetrics": what a scraper sending this Accept header should get."""
    v = lib().llmobs_metrics_format_for_accept(_util.opt_cstr(accept, "accept"))
    return "openmetrics" if v == 1 else "text"


def content_type(format="text"):
    return lib().llmobs_metrics_content_type(_format(format)).decode()
