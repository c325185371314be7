"""Traces and observations from Python arrive intact, at a real local HTTP receiver and
through the callback exporter."""

import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import llmobs
from support import Collector, Receiver, attr, by_name


class SpansArriveAtReceiver(unittest.TestCase):
    def test_spans_and_scores_from_python_arrive_intact_over_http(self):
        with Receiver() as recv:
            client = llmobs.Client(base_url=recv.url, public_key="pk-lf-test",
                                   secret_key="sk-lf-test", flush_at=100, flush_interval=60)
            with client.trace("rag", user_id="user-7", session_id="sess-1",
                              tags=["py", "test"], metadata={"tenant": "acme", "n": 3},
                              input={"question": "why?"}) as t:
                with t.span("retrieve", input="query text") as r:
                    r.output([{"doc": 1}, {"doc": 2}])
                    with r.observation("tool", "vector_search") as tool:
                        tool.metadata(index="main")
                with t.generation("answer", model="gpt-4o", provider="openai") as g:
                    g.input([{"role": "user", "content": "why? – ünïcödé"}])
                    g.output("because")
                    g.usage(input=52, output=47, cache_read=10)
                    g.model_parameters(temperature=0.2, max_tokens=256)
                t.output("because")
                g.score("helpfulness", 0.9, comment="good")
            self.assertEqual(client.flush(timeout=10), 0)
            spans = recv.wait(lambda rv: len(rv.spans()) >= 4 and rv.spans())
            self.assertEqual(len(spans), 4, spans)
            root = by_name(spans, "rag")
            ret, tool, gen = (by_name(spans, n) for n in ("retrieve", "vector_search", "answer"))
            for s in spans:
                self.assertEqual(s["traceId"], t.id)
            self.assertEqual(root["spanId"], t.span_id)
            self.assertEqual(ret["parentSpanId"], t.span_id)
            self.assertEqual(tool["parentSpanId"], r.id)
            self.assertEqual(gen["spanId"], g.id)
            self.assertEqual(attr(root, "user.id"), "user-7")
            self.assertEqual(attr(root, "session.id"), "sess-1")
            self.assertEqual(attr(root, "langfuse.trace.tags"), ["py", "test"])
            self.assertEqual(json.loads(attr(root, "langfuse.trace.metadata")),
                             {"tenant": "acme", "n": 3})
            self.assertEqual(json.loads(attr(root, "langfuse.observation.input")), {"question": "why?"})
            self.assertEqual(json.loads(attr(ret, "langfuse.observation.output")),
                             [{"doc": 1}, {"doc": 2}])
            self.assertEqual(json.loads(attr(ret, "langfuse.observation.input")), "query text")
            self.assertEqual(attr(tool, "langfuse.observation.type"), "tool")
            self.assertEqual(attr(gen, "langfuse.observation.type"), "generation")
            self.assertEqual(attr(gen, "langfuse.observation.model.name"), "gpt-4o")
            # Langfuse gets no gen_ai.* duplicates (docs/export.md); generic OTLP does
            self.assertIsNone(attr(gen, "gen_ai.provider.name"))
            self.assertEqual(json.loads(attr(gen, "langfuse.observation.input")),
                             [{"role": "user", "content": "why? – ünïcödé"}])
            usage = json.loads(attr(gen, "langfuse.observation.usage_details"))
            self.assertEqual((usage["input"], usage["output"], usage["input_cached_tokens"]),
                             (52, 47, 10))
            params = json.loads(attr(gen, "langfuse.observation.model.parameters"))
            self.assertEqual(params, {"temperature": 0.2, "max_tokens": 256})
            self.assertIn("total", json.loads(attr(gen, "langfuse.observation.cost_details")))
            scores = recv.wait(lambda rv: rv.posts_to("/api/public/scores"))
            self.assertEqual(len(scores), 1)
            body = scores[0]["body"]
            self.assertEqual((body["name"], body["value"], body["traceId"],
                              body["observationId"], body["comment"]),
                             ("helpfulness", 0.9, t.id, g.id, "good"))
            self.assertTrue(client.shutdown())


class CallbackExporter(unittest.TestCase):
    def setUp(self):
        self.col = Collector()
        self.client = llmobs.Client(export_callback=self.col, flush_at=100, flush_interval=60)

    def tearDown(self):
        self.client.shutdown()

    def test_exception_in_with_block_marks_observation_error_and_propagates(self):
        with self.assertRaises(KeyError):
            with self.client.trace("failing") as t:
                with t.generation("answer", model="gpt-4o") as g:
                    raise KeyError("missing context")
        self.assertTrue(g.ended and t.ended)
        self.assertEqual(self.client.flush(10), 0)
        spans = self.col.spans()
        gen = by_name(spans, "answer")
        self.assertEqual(attr(gen, "langfuse.observation.level"), "ERROR")
        self.assertEqual(attr(gen, "langfuse.observation.status_message"),
                         "KeyError: 'missing context'")
        self.assertEqual(gen["status"]["code"], 2)
        root = by_name(spans, "failing")
        self.assertIn("KeyError", json.loads(attr(root, "langfuse.trace.metadata"))["error"])

    def test_block_without_exception_keeps_default_level(self):
        with self.client.trace("ok") as t:
            with t.span("step"):
                pass
        self.client.flush(10)
        step = by_name(self.col.spans(), "step")
        self.assertNotEqual(attr(step, "langfuse.observation.level"), "ERROR")
        self.assertNotEqual(step.get("status", {}).get("code"), 2)

    def test_double_end_raises_invalid_state(self):
        t = self.client.trace("twice")
        o = t.span("s")
        o.end()
        with self.assertRaises(llmobs.InvalidState) as cm:
            o.end()
        self.assertEqual(cm.exception.status, llmobs.Status.ESTATE)
        self.assertIn("already ended", str(cm.exception))
        with self.assertRaises(llmobs.InvalidState):
            o.output("late")
        t.end()
        with self.assertRaises(llmobs.InvalidState):
            t.end()
        with self.assertRaises(llmobs.InvalidState):
            t.span("after the trace group closed")
        self.assertEqual(self.client.flush(10), 0)
        self.assertEqual(self.client.stats()["exported"], 2)

    def test_manual_end_inside_with_is_not_repeated(self):
        with self.client.trace("manual") as t:
            with t.span("s") as s:
                s.end()
        self.client.flush(10)
        self.assertEqual(len(self.col.spans()), 2)

    def test_ids_and_traceparent_are_readable_and_continue_a_trace(self):
        with self.client.trace("parent") as t:
            self.assertRegex(t.id, r"^[0-9a-f]{32}$")
            self.assertRegex(t.span_id, r"^[0-9a-f]{16}$")
            self.assertEqual(t.traceparent, "00-%s-%s-01" % (t.id, t.span_id))
            with t.span("s") as s:
                self.assertEqual(s.traceparent.split("-")[1:3], [t.id, s.id])
                tp = s.traceparent
        with self.client.trace("child", traceparent=tp) as c:
            self.assertEqual(c.id, t.id)
        with self.client.trace("seeded", trace_id=llmobs.trace_id_from_seed("req-1")) as d:
            self.assertEqual(d.id, llmobs.trace_id_from_seed("req-1"))
        self.client.flush(10)
        child = by_name(self.col.spans(), "child")
        self.assertEqual(child["parentSpanId"], s.id)

    def test_flush_returns_pending_while_exporter_is_blocked(self):
        gate = threading.Event()
        entered = threading.Event()

        def slow(body, ct, items):
            entered.set()
            gate.wait(30)

        client = llmobs.Client(export_callback=slow, flush_at=1)
        try:
            with client.trace("slow"):
                pass
            self.assertTrue(entered.wait(10))
            with client.trace("queued"):
                pass
            pending = client.flush(timeout=0.2)
            self.assertGreaterEqual(pending, 1)
            self.assertIsInstance(pending, int)
            gate.set()
            self.assertEqual(client.flush(timeout=10), 0)
            self.assertEqual(client.stats()["exported"], 2)
        finally:
            gate.set()
            client.shutdown()

    def test_export_callback_result_false_drops_as_rejected(self):
        client = llmobs.Client(export_callback=lambda b, c, n: False, flush_at=1)
        try:
            with client.trace("rejected"):
                pass
            self.assertEqual(client.flush(10), 0)
            st = client.stats()
            self.assertEqual(st["dropped_by_reason"]["rejected"], 1)
        finally:
            client.shutdown()

    def test_mask_callback_rewrites_input(self):
        client = llmobs.Client(export_callback=self.col, flush_at=100,
                               mask_callback=lambda field, value: value.replace("secret", "***"))
        try:
            with client.trace("masked") as t:
                with t.span("s", input="my secret " + "x" * 5000):
                    pass
            client.flush(10)
            s = by_name(self.col.spans(), "s")
            self.assertEqual(json.loads(attr(s, "langfuse.observation.input")),
                             "my *** " + "x" * 5000)
        finally:
            client.shutdown()

    def test_all_observation_types_and_events(self):
        with self.client.trace("types") as t:
            for name in ("agent", "tool", "chain", "retriever", "embedding", "evaluator",
                         "guardrail"):
                with t.observation(name, name + "-obs"):
                    pass
            with t.event("ev", level="warning", status_message="slow"):
                pass
        self.client.flush(10)
        spans = self.col.spans()
        self.assertEqual(attr(by_name(spans, "tool-obs"), "langfuse.observation.type"), "tool")
        ev = by_name(spans, "ev")
        self.assertEqual(attr(ev, "langfuse.observation.level"), "WARNING")
        self.assertEqual(ev["startTimeUnixNano"], ev["endTimeUnixNano"])

    def test_stats_and_shutdown_are_idempotent(self):
        with self.client.trace("s"):
            pass
        self.client.flush(10)
        st = self.client.stats()
        self.assertEqual(st["items"], st["exported"] + st["dropped"] + st["pending"])
        self.assertTrue(self.client.shutdown())
        self.assertTrue(self.client.shutdown())
        with self.assertRaises(llmobs.InvalidState):
            self.client.trace("after shutdown")
        with self.assertRaises(llmobs.InvalidState):
            self.client.flush()


class ProcessExit(unittest.TestCase):
    def test_atexit_flushes_a_client_the_program_forgot_to_shut_down(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "spans.jsonl")
            # atexit runs handlers last-in first-out: this checker, registered before llmobs is
            # imported, runs after llmobs' own handler, while `c` is still referenced here.
            code = ("import atexit\n"
                    "atexit.register(lambda: print('closed-at-exit=' + str(c.closed)))\n"
                    "import llmobs\n"
                    "c = llmobs.Client(exporter='file', file_path=%r, flush_interval=3600)\n"
                    "with c.trace('short-lived') as t:\n"
                    "    with t.generation('g', model='gpt-4o'):\n"
                    "        pass\n"
                    "print(t.id)\n") % out  # no flush, no shutdown: atexit must do it
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            trace_id, closed = r.stdout.split()
            self.assertEqual(closed, "closed-at-exit=True")
            with open(out) as f:
                spans = [s for line in f for rs in json.loads(line)["resourceSpans"]
                         for ss in rs["scopeSpans"] for s in ss["spans"]]
            self.assertEqual(sorted(s["name"] for s in spans), ["g", "short-lived"])
            self.assertTrue(all(s["traceId"] == trace_id for s in spans))


if __name__ == "__main__":
    unittest.main()
