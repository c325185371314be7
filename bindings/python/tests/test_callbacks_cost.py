"""Callbacks (log, budget alert) fire without deadlocking the GIL; cost and budgets; scores."""

import gc
import threading
import unittest

import llmobs
from support import Collector, attr, by_name


class LogCallback(unittest.TestCase):
    def test_log_callback_receives_caller_and_flusher_thread_lines(self):
        lines = []
        threads = set()

        def log(level, message):
            lines.append((level, message))
            threads.add(threading.get_ident())

        client = llmobs.Client(log_callback=log, exporter="otlp",
                               otlp_traces_endpoint="http://127.0.0.1:1/v1/traces",
                               max_retries=0, flush_at=1)
        try:
            with client.trace("t") as t:
                with t.generation("g", model="model-nobody-prices") as g:
                    g.usage(input=1, output=1)
            client.flush(10)
        finally:
            client.shutdown(2)
        warn = [m for lv, m in lines if lv == llmobs.LogLevel.WARN]
        self.assertTrue(any("model-nobody-prices" in m for m in warn), lines)
        errs = [m for lv, m in lines if lv == llmobs.LogLevel.ERROR]
        self.assertTrue(errs, lines)
        self.assertIn(threading.get_ident(), threads)  # the caller-thread warning
        self.assertGreaterEqual(len(threads), 2)  # and the flusher thread's lines

    def test_exception_in_callback_is_recorded_not_propagated(self):
        def log(level, message):
            raise RuntimeError("bad callback")

        client = llmobs.Client(log_callback=log, exporter="none", debug=True)
        try:
            with client.trace("t") as t:
                with t.generation("g", model="unpriced-model-zz") as g:
                    g.usage(input=1, output=1)
            self.assertEqual(client.flush(10), 0)
            self.assertGreater(len(client.callback_errors), 0)
            self.assertIn("bad callback", list(client.callback_errors)[0][1])
        finally:
            client.shutdown()


class BudgetAlerts(unittest.TestCase):
    def test_alert_from_generation_end_can_call_back_into_llmobs(self):
        col = Collector()
        client = llmobs.Client(export_callback=col, budgets={"rag": 0.001},
                               budget_thresholds=[0.5, 1.0])
        alerts = []

        def alert(feature, threshold, spent, budget, message):
            # Re-entering the library from the callback (same thread, GIL held by ctypes'
            # callback trampoline) must not deadlock.
            remaining = client.cost.budget_remaining(feature)
            alerts.append((feature, threshold, spent, budget, message, remaining,
                           threading.get_ident()))

        client.cost.on_budget_alert(alert)
        client.cost.set_price("toy-model", 1000.0, 1000.0)  # $0.001 per token
        try:
            with client.trace("rag") as t:
                with t.generation("g", model="toy-model") as g:
                    g.usage(input=1, output=0)
            self.assertEqual([a[1] for a in alerts], [0.5, 1.0])
            self.assertEqual(alerts[0][0], "rag")
            self.assertAlmostEqual(alerts[0][2], 0.001)
            self.assertAlmostEqual(alerts[0][3], 0.001)
            self.assertIn("rag", alerts[0][4])
            self.assertEqual(alerts[0][5], 0.0)
            self.assertEqual(alerts[0][6], threading.get_ident())
            check = client.cost.budget_check("rag", 0.0005)
            self.assertFalse(check)
            self.assertEqual(check.remaining, 0.0)
            client.flush(10)
            gen = by_name(col.spans(), "g")
            self.assertIsNotNone(attr(gen, "langfuse.observation.cost_details"))
        finally:
            client.shutdown()

    def test_alerts_from_many_threads_while_main_thread_waits_in_c(self):
        client = llmobs.Client(exporter="none")
        tracker = client.cost
        tracker.set_price("toy-model", 1.0, 1.0)
        fired = []
        lock = threading.Lock()

        def alert(feature, threshold, spent, budget, message):
            with lock:  # a Python lock taken inside the callback only
                fired.append((feature, threshold))

        tracker.on_budget_alert(alert)
        for i in range(8):
            tracker.set_budget("f%d" % i, 0.5)

        def work(i):
            for _ in range(100):
                tracker.record("toy-model", feature="f%d" % i, input=10000)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for th in threads:
            th.start()
        client.flush(5)  # the main thread sits in C with the GIL released meanwhile
        for th in threads:
            th.join(30)
            self.assertFalse(th.is_alive())
        self.assertEqual(len(fired), 8 * 3)  # 0.8, 0.9, 1.0 for each feature
        client.shutdown()

    def test_callback_stays_alive_when_caller_drops_it(self):
        client = llmobs.Client(exporter="none", budgets="x=1")
        got = []
        client.cost.on_budget_alert(lambda *a: got.append(a))
        gc.collect()
        client.cost.set_price("toy-model", 1e6, 1e6)
        client.cost.record("toy-model", feature="x", input=1)
        self.assertEqual(len(got), 3)
        client.shutdown()


class Concurrency(unittest.TestCase):
    def test_many_threads_with_every_callback_active_do_not_deadlock(self):
        col = Collector()
        logs = []
        alerts = []
        client = llmobs.Client(export_callback=col, flush_at=7, log_callback=lambda l, m:
                               logs.append(m), budgets={"w": 0.5})
        client.cost.set_price("toy-model", 1.0, 1.0)
        client.cost.on_budget_alert(lambda *a: alerts.append(a))
        per_thread = 150

        def work(i):
            for k in range(per_thread):
                with client.trace("w", feature="w") as t:
                    with t.generation("g", model="toy-model") as g:
                        g.usage(input=1000, output=10)
                    if k % 50 == 0:
                        client.flush(timeout=2)  # blocks in C while others call back

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
            self.assertFalse(th.is_alive(), "a thread is stuck: deadlock")
        self.assertEqual(client.flush(30), 0)
        self.assertEqual(col.wait_spans(6 * per_thread * 2, 30), 6 * per_thread * 2)
        self.assertEqual(len(alerts), 3)  # 0.8, 0.9, 1.0 of the "w" budget, once each
        self.assertEqual(len(client.callback_errors), 0)
        client.shutdown()


class CostTracker(unittest.TestCase):
    def test_standalone_tracker_prices_spend_and_budgets(self):
        with llmobs.CostTracker(budgets={"chat": 10}) as ct:
            self.assertEqual(ct.resolve_model("gpt-4o-2024-08-06"), "gpt-4o")
            self.assertGreater(ct.price("gpt-4o", "output"), ct.price("gpt-4o", "input"))
            ct.set_price("mine", 2.0, 4.0, context_window=1000)
            self.assertEqual(ct.context_window("mine"), 1000)
            cost = ct.compute("mine", input=1_000_000, output=500_000)
            self.assertAlmostEqual(cost["total"], 4.0)
            ct.record("mine", feature="chat", user="u1", input=1_000_000)
            ct.record_usd("mine", 1.5, feature="chat", user="u2")
            self.assertAlmostEqual(ct.spend(feature="chat"), 3.5)
            self.assertAlmostEqual(ct.spend(user="u1"), 2.0)
            self.assertAlmostEqual(ct.spend(), 3.5)
            self.assertEqual(sorted(u for u, _ in ct.users()), ["u1", "u2"])
            self.assertEqual(ct.budget("chat"), 10.0)
            self.assertAlmostEqual(ct.budget_remaining("chat"), 6.5)
            self.assertTrue(ct.budget_check("chat", 6.5))
            self.assertFalse(ct.budget_check("chat", 6.6))
            self.assertEqual(ct.budget_check("nobudget", 1e9).remaining, float("inf"))
            self.assertIsNone(ct.budget("nobudget"))
            self.assertIn(("chat", 3.5, 10.0), [(f, round(s, 9), b) for f, s, b in ct.features()])
            with self.assertRaises(llmobs.NotFound):
                ct.price("no-such-model-at-all")
            with self.assertRaises(llmobs.InvalidArgument):
                ct.set_budget("chat", -1)
            with self.assertRaises(llmobs.InvalidArgument):
                ct.set_thresholds([0.5, 0.5])
            ct.clear_budget("chat")
            self.assertIsNone(ct.budget("chat"))
        with self.assertRaises(llmobs.InvalidState):
            ct.spend()

    def test_bad_prices_file_names_the_file(self):
        with self.assertRaises(llmobs.LlmobsError) as cm:
            llmobs.CostTracker(prices_file="/nonexistent/prices.json")
        self.assertIn("prices", str(cm.exception))


class Scores(unittest.TestCase):
    def test_score_kinds_are_validated_and_queued(self):
        client = llmobs.Client(exporter="none")
        try:
            with client.trace("t") as t:
                t.score("exact", True)
                t.score("grade", "A")
                t.score("note", "looks fine", data_type="text")
                t.score("sim", 0.75, metadata={"judge": "gpt"})
            client.score("session-level", 1, session_id="sess-9")
            self.assertEqual(client.flush(10), 0)
            self.assertEqual(client.stats()["items"], 6)
            with self.assertRaises(TypeError):
                client.score("x", [1, 2], trace_id=t.id)
            with self.assertRaises(ValueError):
                client.score("x", 1, trace_id=t.id, data_type="percent")
            with self.assertRaises(llmobs.InvalidArgument):
                client.score("x", "y" * 501, trace_id=t.id, data_type="text")
        finally:
            client.shutdown()


if __name__ == "__main__":
    unittest.main()
