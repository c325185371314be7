"""examples/lambda/bootstrap against a fake Lambda Runtime API (a real local HTTP server):
every invocation's spans reach the OTLP receiver before its response is posted, the flush
deadline follows the invocation deadline (a stuck exporter still answers in time), and
SIGTERM ends the process cleanly and quickly."""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

BUILD = os.environ["LLMOBS_BUILD_DIR"]
SOURCE = os.environ["LLMOBS_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SOURCE, "bindings", "python", "tests"))
from support import Receiver, attr  # noqa: E402

BOOTSTRAP = os.path.join(BUILD, "examples", "lambda", "bootstrap")


def request_id_of(span):
    md = attr(span, "langfuse.trace.metadata")
    return json.loads(md).get("aws_request_id") if md else None


class FakeRuntime:
    """Serves queued invocations on GET .../invocation/next and records every response and
    error post, with how many of that invocation's spans the receiver already had."""

    def __init__(self, receiver):
        self.receiver = receiver
        self.queue = []
        self.events = []  # dicts: kind, id, wall_ms, mono, spans_at_receiver, deadline_ms, body
        self.next_calls = 0
        self.closing = False
        self.cv = threading.Condition()
        rt = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if not self.path.endswith("/2018-06-01/runtime/invocation/next"):
                    return self._answer(404, b"{}")
                with rt.cv:
                    rt.next_calls += 1
                    rt.cv.notify_all()
                    while not rt.queue and not rt.closing:
                        rt.cv.wait()
                    if rt.closing:
                        self.close_connection = True
                        return
                    rid, offset_ms, body = rt.queue.pop(0)
                    deadline = int(time.time() * 1000) + offset_ms
                    rt.events.append({"kind": "next", "id": rid, "deadline_ms": deadline})
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:eu-west-1:123456789012:function:test")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                parts = self.path.split("/")  # /2018-06-01/runtime/invocation/{id}/{kind}
                wall_ms, mono = time.time() * 1000, time.monotonic()
                if len(parts) == 6 and parts[3] == "invocation":
                    rid, kind = parts[4], parts[5]
                    at_receiver = [s for s in rt.receiver.spans() if request_id_of(s) == rid]
                    with rt.cv:
                        deadline = next(e["deadline_ms"] for e in rt.events
                                        if e["kind"] == "next" and e["id"] == rid)
                        rt.events.append({"kind": kind, "id": rid, "wall_ms": wall_ms,
                                          "mono": mono, "spans_at_receiver": len(at_receiver),
                                          "deadline_ms": deadline, "body": body})
                        rt.cv.notify_all()
                self._answer(202, b'{"status":"OK"}')

            def _answer(self, code, data):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.api = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, rid, deadline_in_ms, body):
        with self.cv:
            self.queue.append((rid, deadline_in_ms, body))
            self.cv.notify_all()

    def wait(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while not predicate() and time.monotonic() < deadline:
                self.cv.wait(deadline - time.monotonic())
            return predicate()

    def answered(self, rid):
        return [e for e in self.events if e["id"] == rid and e["kind"] in ("response", "error")]

    def close(self):
        with self.cv:
            self.closing = True
            self.cv.notify_all()
        self.server.shutdown()
        self.server.server_close()


def start_bootstrap(runtime, receiver, **env):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("LANGFUSE_", "OTEL_", "LLMOBS_"))}
    e.update({"AWS_LAMBDA_RUNTIME_API": runtime.api, "AWS_LAMBDA_FUNCTION_NAME": "test-fn",
              "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.url + "/v1/traces"})
    e.update(env)
    return subprocess.Popen([BOOTSTRAP], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def sigterm_and_wait(test, proc, runtime, expected_next_calls):
    test.assertTrue(runtime.wait(lambda: runtime.next_calls >= expected_next_calls),
                    "the bootstrap did not come back for the next event")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        test.fail("bootstrap ignored SIGTERM:\n" + out + err)
    elapsed = time.monotonic() - t0
    test.assertEqual(proc.returncode, 0, out + err)
    # The SIGTERM path flushes within LLMOBS_LAMBDA_SHUTDOWN_MS (300 ms) even with a stuck
    # exporter; the rest is process teardown.
    line = [ln for ln in out.splitlines() if ln.startswith("shutdown: ")]
    test.assertTrue(line, out + err)
    test.assertLessEqual(int(line[0].split(" in ")[1].split(" ms")[0]), 450, line[0])
    test.assertLess(elapsed, 1.5, "SIGTERM to exit took %.2fs" % elapsed)
    return elapsed, out, err


class LambdaRuntime(unittest.TestCase):
    def test_spans_are_flushed_before_each_response_and_sigterm_exits(self):
        self.assertTrue(os.access(BOOTSTRAP, os.X_OK), BOOTSTRAP)
        with Receiver() as recv:
            rt = FakeRuntime(recv)
            try:
                rt.add("req-1", 10000, {"question": "one"})
                rt.add("req-2", 10000, {"question": "two", "fail": True})
                rt.add("req-3", 10000, {"question": "three"})
                proc = start_bootstrap(rt, recv)
                self.assertTrue(rt.wait(lambda: all(rt.answered(r) for r in
                                                    ("req-1", "req-2", "req-3"))),
                                "not every invocation was answered")
                elapsed, out, err = sigterm_and_wait(self, proc, rt, 4)
            finally:
                rt.close()
            self.assertEqual(proc.returncode, 0, out + err)
            self.assertIn("shutdown: LLMOBS_OK", out)

            for rid, kind in (("req-1", "response"), ("req-2", "error"), ("req-3", "response")):
                (ans,) = rt.answered(rid)
                self.assertEqual(ans["kind"], kind, rid)
                # Both spans of the invocation (root + generation) were at the receiver when
                # the runtime got the answer.
                self.assertEqual(ans["spans_at_receiver"], 2, (rid, out, err))
                mine = [r for r in recv.requests if r["body"] and any(
                    request_id_of(s) == rid for rs in r["body"].get("resourceSpans", [])
                    for ss in rs["scopeSpans"] for s in ss["spans"])]
                self.assertTrue(mine and max(r["time"] for r in mine) <= ans["mono"], rid)
                self.assertLessEqual(ans["wall_ms"], ans["deadline_ms"])
            ok = json.loads(rt.answered("req-1")[0]["body"])
            self.assertEqual((ok["answer"], ok["request_id"]), ("ok", "req-1"))
            err_body = json.loads(rt.answered("req-2")[0]["body"])
            self.assertEqual(err_body["errorType"], "HandlerError")
            gen2 = [s for s in recv.spans() if request_id_of(s) == "req-2" and
                    s["name"] == "answer"]
            self.assertEqual(attr(gen2[0], "langfuse.observation.level"), "ERROR")
            self.assertEqual(len(recv.spans()), 6)  # nothing sent twice

    def test_stuck_exporter_does_not_make_the_invocation_miss_its_deadline(self):
        gate = threading.Event()  # never set while the test runs: the exporter hangs
        with Receiver(delay_event=gate) as recv:
            rt = FakeRuntime(recv)
            try:
                rt.add("slow-1", 1500, {"question": "slow"})
                rt.add("slow-2", 400, {"question": "short deadline"})
                proc = start_bootstrap(rt, recv, LLMOBS_LAMBDA_FLUSH_MARGIN_MS="200")
                self.assertTrue(rt.wait(lambda: rt.answered("slow-1") and rt.answered("slow-2")))
                elapsed, out, err = sigterm_and_wait(self, proc, rt, 3)
            finally:
                rt.close()
            self.assertEqual(proc.returncode, 0, out + err)
            for rid in ("slow-1", "slow-2"):
                (ans,) = rt.answered(rid)
                self.assertEqual(ans["kind"], "response")
                self.assertLessEqual(ans["wall_ms"], ans["deadline_ms"],
                                     "%s answered after its deadline\n%s" % (rid, out))
            lines = [ln for ln in out.splitlines() if ln.startswith("invocation slow-1")]
            self.assertIn("flush LLMOBS_ETIMEOUT", lines[0], out)
            self.assertNotIn("pending 0", lines[0], out)
            # The flush used the time it had: it waited until about deadline - margin.
            took = int(lines[0].split(" in ")[1].split(" ms")[0])
            budget = int(lines[0].split("budget ")[1].split(" ms")[0])
            self.assertGreaterEqual(took, budget - 50, out)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    ok = result.wasSuccessful() and result.testsRun > 0
    print("%d passed, %d failed" % (result.testsRun - len(result.failures) - len(result.errors),
                                    len(result.failures) + len(result.errors)))
    sys.exit(0 if ok else 1)
