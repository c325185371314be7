"""Experiments from Python: run_experiment with a Python callable over a JSON Lines file and a
Langfuse dataset served by a local stand-in that also records spans and scores."""

import gzip
import http.server
import json
import math
import os
import tempfile
import threading
import unittest
import urllib.parse

import llmobs
from support import attr, otlp_spans


class Langfuse:
    """GET the dataset "golden" (two items, one page) and record every POST."""

    ITEMS = [
        {"id": "it-1", "status": "ACTIVE", "input": {"q": "2+2"}, "expectedOutput": "4",
         "metadata": {"topic": "math"}},
        {"id": "it-2", "status": "ARCHIVED", "input": "old", "expectedOutput": None,
         "metadata": None},
        {"status": "ACTIVE", "input": "no id"},
        {"id": "it-3", "status": "ACTIVE", "input": {"q": "capital of France"},
         "expectedOutput": "Paris", "metadata": None},
    ]

    def __init__(self):
        self.posts = []
        self.gets = []
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def reply(self, code, obj):
                out = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                q = urllib.parse.parse_qs(u.query)
                srv.gets.append((u.path, q))
                if u.path == "/api/public/v2/datasets/golden":
                    return self.reply(200, {"id": "ds-9", "name": "golden"})
                if u.path == "/api/public/dataset-items":
                    return self.reply(200, {"data": srv.ITEMS, "meta": {
                        "page": 1, "limit": 50, "totalItems": 4, "totalPages": 1}})
                return self.reply(404, {})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                srv.posts.append((self.path, json.loads(raw)))
                self.reply(200, {})

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def spans(self):
        return [s for p, b in self.posts if p.endswith("/otel/v1/traces") for s in otlp_spans(b)]

    def scores(self):
        return [b for p, b in self.posts if p == "/api/public/scores"]


class ExperimentTest(unittest.TestCase):
    def setUp(self):
        self.lf = Langfuse()
        self.client = llmobs.Client(base_url=self.lf.url, public_key="pk-lf-1",
                                    secret_key="sk-lf-1", flush_interval="60")
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        self.client.shutdown(timeout=5)
        self.lf.close()

    def test_a_callable_runs_on_every_file_item_traced_and_scored(self):
        path = os.path.join(self.dir, "items.jsonl")
        with open(path, "w") as f:
            f.write('{"input": {"q": "2+2"}, "expected_output": "4", "id": "a"}\n'
                    '{"input": {"q": "3*3"}, "expected_output": 9, "id": "b"}\n'
                    'garbage\n'
                    '{"input": {"q": "boom"}, "expected_output": "x", "id": "c"}\n'
                    '{"input": {"q": "no expectation"}, "id": "d"}\n')
        seen = []

        def pipeline(item):
            seen.append(item.id)
            self.assertIsNotNone(item.remaining)
            if item.input["q"] == "boom":
                raise RuntimeError("pipeline exploded")
            with item.trace.span("retrieve", input=item.input["q"]):
                pass
            return {"2+2": "4", "3*3": 9}.get(item.input["q"], "?")

        def exact(item, output):
            if item.expected_output is None:
                raise ValueError("nothing to compare")
            return 1.0 if output == item.expected_output else 0.0

        result = llmobs.run_experiment(self.client, "py-run", pipeline, file=path,
                                       scorers={"exact": exact}, description="from python",
                                       metadata={"model": "m1"}, concurrency=2)
        self.client.flush(timeout=10)
        self.assertEqual(sorted(seen), ["a", "b", "c", "d"])
        self.assertEqual(result.counts["items"], 4)
        self.assertEqual(result.counts["succeeded"], 3)
        self.assertEqual(result.counts["failed"], 1)
        self.assertEqual(result.counts["malformed"], 1)
        self.assertEqual(result.evaluators["exact"]["scored"], 2)
        self.assertEqual(result.evaluators["exact"]["errors"], 1)
        self.assertEqual(result.evaluators["exact"]["mean"], 1.0)
        self.assertEqual(result.evaluators["exact"]["pass_rate"], 0.5)
        self.assertTrue(any("pipeline exploded" in f["reason"] for f in result.failures))
        self.assertEqual(len(result.callback_errors), 1)  # the scorer's ValueError

        roots = [s for s in self.lf.spans() if s["name"] == "experiment-item-run"]
        self.assertEqual(sorted(attr(s, "langfuse.experiment.item.id") for s in roots),
                         ["a", "b", "c", "d"])
        for s in roots:
            self.assertEqual(attr(s, "langfuse.experiment.id"), result.experiment_id)
            self.assertEqual(attr(s, "langfuse.experiment.name"), "py-run")
            self.assertEqual(attr(s, "langfuse.experiment.description"), "from python")
            self.assertEqual(json.loads(attr(s, "langfuse.experiment.metadata")), {"model": "m1"})
            self.assertEqual(attr(s, "langfuse.experiment.item.root_observation_id"),
                             s["spanId"])
        children = [s for s in self.lf.spans() if s["name"] == "retrieve"]
        self.assertEqual(len(children), 3)
        by_trace = {s["traceId"]: s for s in roots}
        for c in children:
            self.assertEqual(c["parentSpanId"], by_trace[c["traceId"]]["spanId"])
        failed = [s for s in roots if attr(s, "langfuse.experiment.item.id") == "c"][0]
        self.assertEqual(attr(failed, "langfuse.observation.level"), "ERROR")
        scores = self.lf.scores()
        self.assertEqual(len(scores), 2)
        self.assertEqual({s["traceId"] for s in scores},
                         {s["traceId"] for s in roots
                          if attr(s, "langfuse.experiment.item.id") in ("a", "b")})

    def test_a_langfuse_dataset_is_read_and_its_items_linked_to_the_run(self):
        result = llmobs.run_experiment(
            self.client, "lf-run", lambda item: "Paris" if "France" in item.input["q"] else "4",
            dataset="golden", scorers={"len": lambda item, out: len(out) / 10.0},
            thresholds={"len": None}, link_run_items=True)
        self.client.flush(timeout=10)
        self.assertEqual(result.counts["items"], 2)
        self.assertEqual(result.counts["archived"], 1)
        self.assertEqual(result.counts["malformed"], 1)
        self.assertEqual(result.counts["linked"], 2)
        self.assertTrue(math.isnan(result.evaluators["len"]["pass_rate"]))
        self.assertAlmostEqual(result.evaluators["len"]["mean"], 0.3)
        links = [b for p, b in self.lf.posts if p == "/api/public/dataset-run-items"]
        self.assertEqual(sorted(b["datasetItemId"] for b in links), ["it-1", "it-3"])
        roots = self.lf.spans()
        self.assertEqual({attr(s, "langfuse.experiment.dataset.id") for s in roots}, {"ds-9"})
        self.assertEqual({b["traceId"] for b in links}, {s["traceId"] for s in roots})
        self.assertEqual(self.lf.gets[1][1]["datasetName"], ["golden"])

    def test_items_that_cannot_be_loaded_raise(self):
        with self.assertRaises(llmobs.IOFailure):
            llmobs.run_experiment(self.client, "r", lambda item: 1,
                                  file=os.path.join(self.dir, "missing.jsonl"))
        with self.assertRaises(TypeError):
            llmobs.run_experiment(self.client, "r", lambda item: 1)
        with self.assertRaises(TypeError):
            llmobs.run_experiment(self.client, "r", "not callable", file="x")
        with self.assertRaises(llmobs.NotFound):
            llmobs.run_experiment(self.client, "r", lambda item: 1, dataset="nope")


if __name__ == "__main__":
    unittest.main()
