"""Evaluation from Python: pass-rate windows on a controlled clock, faithfulness, metrics, and
the LLM judge against a local OpenAI-compatible server."""

import http.server
import json
import math
import threading
import unittest

import llmobs
from support import Collector


class FakeOpenAI:
    """POST /v1/chat/completions answering scripted replies (content text or an HTTP status)."""

    def __init__(self):
        self.replies = []
        self.requests = []
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                srv.requests.append((self.path, dict(self.headers), body))
                reply = srv.replies.pop(0) if srv.replies else "{}"
                if isinstance(reply, int):
                    code, out = reply, b'{"error":"scripted"}'
                else:
                    code = 200
                    out = json.dumps({"model": "gpt-4o-mini-2024-07-18",
                                      "choices": [{"message": {"role": "assistant",
                                                               "content": reply}}],
                                      "usage": {"prompt_tokens": 100,
                                                "completion_tokens": 20}}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/v1" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class EvaluatorTests(unittest.TestCase):
    def test_pass_rate_window_counts_and_metrics(self):
        now = [1_000_000_000]
        reg = llmobs.Registry()
        ev = llmobs.Evaluator(registry=reg, clock=lambda: now[0], eval_window_seconds=60)
        try:
            self.assertTrue(ev.record("rag", "accuracy", 0.9))
            self.assertFalse(ev.record("rag", "accuracy", 0.2))
            self.assertTrue(ev.record("rag", "accuracy", 0.5, threshold=0.5))
            ev.record_error("rag", "accuracy", "judge unreachable")
            rate, n = ev.pass_rate("rag", "accuracy")
            self.assertEqual(n, 3)
            self.assertAlmostEqual(rate, 2 / 3)
            self.assertEqual(ev.counts("rag", "accuracy"), {"pass": 2, "fail": 1, "error": 1})
            text = reg.render()
            self.assertIn('llm_eval_runs_total{feature="rag",metric="accuracy",result="pass"} 2',
                          text)
            ev.record_faithfulness("v2", 0.5)
            ev.record_faithfulness("v2", 1.0)
            self.assertEqual(ev.faithfulness("v2"), (0.75, 2))
            self.assertIn('llm_rag_faithfulness{pipeline_version="v2"} 0.75', reg.render())
            now[0] += 61 * 10**9  # the Python clock drives the window: everything expires
            rate, n = ev.pass_rate("rag", "accuracy")
            self.assertTrue(math.isnan(rate))
            self.assertEqual(n, 0)
            with self.assertRaises(llmobs.NotFound):
                ev.pass_rate("rag", "never-recorded")
            with self.assertRaises(llmobs.InvalidArgument):
                ev.record("rag", "accuracy", 1.5)
            with self.assertRaises(TypeError):
                ev.record(None, "accuracy", 0.5)
            with self.assertRaises(llmobs.InvalidState):
                reg.close()  # the evaluator still records into it
        finally:
            ev.close()
            reg.close()

    def test_record_with_trace_sends_a_score_through_the_client(self):
        client = llmobs.Client(exporter="none")
        ev = llmobs.Evaluator(client, registry=False)
        try:
            with client.trace("t") as t:
                pass
            before = client.stats()["items"]
            ev.record("rag", "accuracy", 0.8, trace_id=t.id, comment="judge said ok")
            self.assertEqual(client.stats()["items"], before + 1)
        finally:
            ev.close()
            client.shutdown()


class JudgeTests(unittest.TestCase):
    def setUp(self):
        self.api = FakeOpenAI()

    def tearDown(self):
        self.api.close()

    def test_accuracy_faithfulness_template_and_tracing(self):
        self.api.replies = [
            'Sure! {"score": 0.8, "reasoning": "mostly right"}',
            '```json\n{"faithfulness": 0.5, "unsupported_claims": ["the moon is cheese"]}\n```',
            '{"relevance": "0.9"}',
        ]
        col = Collector()
        client = llmobs.Client(export_callback=col)
        judge = llmobs.Judge(client, feature="evals", judge_base_url=self.api.url,
                             judge_api_key="sk-test", judge_model="gpt-4o-mini",
                             judge_max_retries=0)
        try:
            j = judge.accuracy("What is 2+2?", "4", context="arithmetic")
            self.assertEqual((j.score, j.reasoning), (0.8, "mostly right"))
            self.assertEqual((j.input_tokens, j.output_tokens, j.attempts), (100, 20, 1))
            self.assertTrue(j.model.startswith("gpt-4o-mini"))
            self.assertGreater(j.cost_usd, 0)
            f = judge.faithfulness("The sky is blue.", "The sky is blue and the moon is cheese.")
            self.assertEqual((f.score, f.unsupported_claims), (0.5, ["the moon is cheese"]))
            t = judge.template("Rate {{answer}} for {{question}}", score_field="relevance",
                               answer="4", question="2+2")
            self.assertEqual(t.score, 0.9)
            sent = self.api.requests[2][2]["messages"][-1]["content"]
            self.assertIn("Rate 4 for 2+2", sent)
            self.assertEqual(self.api.requests[0][1]["Authorization"], "Bearer sk-test")
            self.assertEqual(client.flush(10), 0)
            self.assertEqual(sum(1 for s in col.spans() if s["name"] == "llm-judge"), 3)
            self.assertGreater(client.cost.spend(feature="evals"), 0)
        finally:
            judge.close()
            client.shutdown()

    def test_bad_replies_and_failures_raise(self):
        self.api.replies = ['{"score": "high"}', 500]
        with llmobs.Judge(judge_base_url=self.api.url, judge_api_key="sk-test",
                          judge_max_retries=0) as judge:
            with self.assertRaises(llmobs.ParseError):
                judge.accuracy("q", "r")
            with self.assertRaises(llmobs.NetworkError):
                judge.accuracy("q", "r")
            with self.assertRaises(llmobs.InvalidArgument):
                judge.template("{{missing}}")
        with self.assertRaises(llmobs.InvalidArgument) as cm:
            llmobs.Judge(judge_base_url=self.api.url)
        self.assertIn("judge_api_key", str(cm.exception))

    def test_parse_judgement(self):
        j = llmobs.parse_judgement('{"score": 1, "reasoning": "fine"}', require_reasoning=True)
        self.assertEqual((j.score, j.reasoning), (1.0, "fine"))
        self.assertIn('"score"', j.json)
        with self.assertRaises(llmobs.ParseError):
            llmobs.parse_judgement('{"score": 1.5}')
        with self.assertRaises(llmobs.ParseError):
            llmobs.parse_judgement('no json here')


if __name__ == "__main__":
    unittest.main()
