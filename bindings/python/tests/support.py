"""Test support: a real local HTTP receiver (OTLP traces, Langfuse scores) and span helpers.
Waits use a condition variable with a deadline; nothing sleeps."""

import gzip
import http.server
import json
import threading
import time


class Receiver:
    """Records every POST on 127.0.0.1:<free port> and answers `status` (200 by default)."""

    def __init__(self, status=200, delay_event=None):
        self.requests = []
        self.status = status
        self.delay_event = delay_event  # when set: hold each answer until the event is set
        self._cv = threading.Condition()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if recv.delay_event is not None:
                    recv.delay_event.wait(30)
                with recv._cv:
                    recv.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body, "raw": raw,
                                          "time": time.monotonic()})
                    recv._cv.notify_all()
                out = b"{}"
                try:
                    self.send_response(recv.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a deadline passed): that is what some tests do

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        if self.delay_event is not None:
            self.delay_event.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def spans(self):
        with self._cv:
            return [s for r in self.requests if r["body"] and "resourceSpans" in r["body"]
                    for s in otlp_spans(r["body"])]

    def posts_to(self, path_suffix):
        with self._cv:
            return [r for r in self.requests if r["path"].endswith(path_suffix)]

    def wait(self, predicate, timeout=10.0):
        """Waits until predicate(self) is true or the deadline passes; returns its value."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                v = predicate(self)  # the condition's lock is an RLock: spans() may re-take it
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    return v
                self._cv.wait(left)


def otlp_spans(body):
    return [s for rs in body.get("resourceSpans", []) for ss in rs.get("scopeSpans", [])
            for s in ss.get("spans", [])]


def attr(span, key):
    """The Python value of a span attribute (None when absent)."""
    for a in span.get("attributes", []):
        if a["key"] == key:
            v = a["value"]
            if "stringValue" in v:
                return v["stringValue"]
            if "intValue" in v:
                return int(v["intValue"])
            if "doubleValue" in v:
                return v["doubleValue"]
            if "boolValue" in v:
                return v["boolValue"]
            if "arrayValue" in v:
                return [list(x.values())[0] for x in v["arrayValue"].get("values", [])]
            return v
    return None


def by_name(spans, name):
    found = [s for s in spans if s["name"] == name]
    if len(found) != 1:
        raise AssertionError("expected one span named %r, found %d" % (name, len(found)))
    return found[0]


class Collector:
    """An export_callback recording every batch's spans; wait_spans polls with a deadline."""

    def __init__(self):
        self.batches = []
        self._cv = threading.Condition()

    def __call__(self, body, content_type, items):
        with self._cv:
            self.batches.append((json.loads(body), content_type, items))
            self._cv.notify_all()

    def spans(self):
        with self._cv:
            return [s for b, _, _ in self.batches for s in otlp_spans(b)]

    def wait_spans(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                have = sum(len(otlp_spans(b)) for b, _, _ in self.batches)
                left = deadline - time.monotonic()
                if have >= n or left <= 0:
                    return have
                self._cv.wait(left)
