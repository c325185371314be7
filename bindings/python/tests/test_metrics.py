"""Metrics from Python: families, children, exposition, and the scrape server over HTTP."""

import unittest
import urllib.error
import urllib.request

import llmobs


class Metrics(unittest.TestCase):
    def setUp(self):
        self.reg = llmobs.Registry()

    def tearDown(self):
        self.reg.close()

    def test_counter_gauge_histogram_render(self):
        req = self.reg.counter("llm_requests", "LLM requests", labels=["model", "status"])
        req.labels("gpt-4o", "ok").inc()
        req.labels(model="gpt-4o", status="ok").inc(2)
        self.assertEqual(req.labels("gpt-4o", "ok").value, 3.0)
        infl = self.reg.gauge("llm_inflight_requests", "in flight")
        infl.inc()
        infl.inc()
        infl.dec()
        self.assertEqual(infl.value, 1.0)
        lat = self.reg.histogram("llm_request_duration_seconds", "latency",
                                 buckets=[0.5, 1, 2.5])
        lat.observe(0.7)
        lat.observe(3)
        self.assertEqual((lat.count, lat.sum), (2, 3.7))
        text = self.reg.render()
        self.assertIn('llm_requests_total{model="gpt-4o",status="ok"} 3', text)
        self.assertIn("llm_inflight_requests 1", text)
        self.assertIn('llm_request_duration_seconds_bucket{le="1.0"} 1', text)
        self.assertIn('llm_request_duration_seconds_bucket{le="+Inf"} 2', text)
        self.assertTrue(self.reg.render("openmetrics").endswith("# EOF\n"))
        self.assertEqual(req.children, 1)

    def test_bad_definitions_raise(self):
        with self.assertRaises(llmobs.InvalidArgument):
            self.reg.counter("bad name!", "x")
        self.reg.counter("c", "x", labels=["a"])
        with self.assertRaises(llmobs.AlreadyExists):
            self.reg.gauge("c", "x")
        with self.assertRaises(llmobs.InvalidArgument):
            self.reg.histogram("h", "x", buckets=[2, 1])
        c = self.reg.counter("c2", "x", labels=["a", "b"])
        with self.assertRaises(ValueError):
            c.labels("only-one")
        with self.assertRaises(TypeError):
            c.inc()  # has labels
        with self.assertRaises(llmobs.InvalidArgument):
            c.labels("x", "y").inc(-1)
        c.set_max_children(1)
        c.labels("x", "y")
        c.labels("x", "z").inc(2)  # past the cap: the overflow series, counted
        self.assertEqual(c.refused_total, 1)
        self.assertEqual(c.labels("__other__", "__other__").value, 2)

    def test_buckets_helpers(self):
        self.assertEqual(llmobs.buckets_linear(1, 2, 3), [1.0, 3.0, 5.0])
        self.assertEqual(llmobs.buckets_exponential(1, 10, 3), [1.0, 10.0, 100.0])
        with self.assertRaises(llmobs.InvalidArgument):
            llmobs.buckets_exponential(1, 0.5, 3)

    def test_scrape_server_serves_the_registry(self):
        c = self.reg.counter("py_scraped", "scraped")
        c.inc(5)
        with self.reg.serve("127.0.0.1:0") as srv:
            self.assertGreater(srv.port, 0)
            with urllib.request.urlopen(srv.url, timeout=10) as resp:
                body = resp.read().decode()
                self.assertIn("text/plain", resp.headers["Content-Type"])
            self.assertIn("py_scraped_total 5", body)
            req = urllib.request.Request(srv.url, headers={
                "Accept": "application/openmetrics-text; version=1.0.0"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                self.assertIn("openmetrics", resp.headers["Content-Type"])
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(srv.url.replace("/metrics", "/nope"), timeout=10)
            self.assertEqual(cm.exception.code, 404)
        with self.assertRaises(llmobs.IOFailure):
            with self.reg.serve("127.0.0.1:%d" % srv.port) as a, self.reg.serve(
                    "127.0.0.1:%d" % a.port):
                pass

    def test_closed_registry_refuses_calls(self):
        r = llmobs.Registry()
        c = r.counter("x", "x")
        r.close()
        with self.assertRaises(llmobs.InvalidState):
            c.inc()
        with self.assertRaises(llmobs.InvalidState):
            r.render()

    def test_client_records_llm_metrics_in_its_registry(self):
        client = llmobs.Client(exporter="none", registry=self.reg)
        try:
            with client.trace("rag") as t:
                with t.generation("ok", model="gpt-4o") as g:
                    g.usage(input=10, output=5)
                with self.assertRaises(RuntimeError):
                    with t.generation("bad", model="gpt-4o"):
                        raise RuntimeError("provider 500")
            with self.assertRaises(llmobs.InvalidState):
                self.reg.close()  # the client still records into it
            text = self.reg.render()
            self.assertIn('llm_requests_total{model="gpt-4o",feature="rag",status="success"} 1',
                          text)
            self.assertIn('llm_requests_total{model="gpt-4o",feature="rag",status="error"} 1',
                          text)
            self.assertIn('llm_tokens_total{model="gpt-4o",token_type="input",feature="rag"} 10',
                          text)
        finally:
            client.shutdown()
        with self.assertRaises(TypeError):
            llmobs.Client(exporter="none", registry="default")

    def test_default_registry_has_process_metrics(self):
        self.assertIn("process_", llmobs.Registry.default().render())


if __name__ == "__main__":
    unittest.main()
