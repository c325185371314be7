"""Current-context tracing: @observe on sync and async functions, nesting, threads, asyncio
tasks, update_current_trace and score_current_trace."""

import asyncio
import json
import threading
import unittest
import warnings

import llmobs
from support import Collector, attr, by_name


def new_client(collector):
    return llmobs.Client(export_callback=collector, flush_at=1000, flush_interval=60)


class Observe(unittest.TestCase):
    def setUp(self):
        self.col = Collector()
        self.client = new_client(self.col)
        llmobs.set_default_client(self.client)

    def tearDown(self):
        llmobs.set_default_client(None)
        self.client.shutdown(timeout=5)
        self.assertIsNone(llmobs.current_trace())

    def spans(self, n):
        self.assertEqual(self.client.flush(timeout=10), 0)
        spans = self.col.spans()
        self.assertEqual(len(spans), n, [s["name"] for s in spans])
        return spans

    def test_nested_sync_calls_become_a_trace_with_children(self):
        @llmobs.observe(as_type="generation")
        def answer(q):
            llmobs.update_current_trace(user_id="u-1", tags=["ctx"])
            llmobs.update_current_observation(model="gpt-4o")
            return "because " + q

        @llmobs.observe(name="pipeline")
        def pipeline(q):
            self.assertIsNotNone(llmobs.current_trace())
            return answer(q)

        self.assertEqual(pipeline("why"), "because why")
        spans = self.spans(2)
        root, gen = by_name(spans, "pipeline"), by_name(spans, "Observe.test_nested_sync_calls_"
                                                         "become_a_trace_with_children.<locals>."
                                                         "answer")
        self.assertEqual(gen["parentSpanId"], root["spanId"])
        self.assertEqual(attr(gen, "langfuse.observation.type"), "generation")
        self.assertEqual(attr(root, "user.id"), "u-1")
        self.assertEqual(json.loads(attr(gen, "langfuse.observation.input")), {"q": "why"})
        self.assertEqual(json.loads(attr(gen, "langfuse.observation.output")), "because why")

    def test_an_exception_ends_the_observation_at_level_error_and_propagates(self):
        @llmobs.observe(name="inner")
        def inner():
            raise ValueError("bad input")

        @llmobs.observe(name="outer")
        def outer():
            inner()

        with self.assertRaises(ValueError):
            outer()
        spans = self.spans(2)
        self.assertEqual(attr(by_name(spans, "inner"), "langfuse.observation.level"), "ERROR")
        self.assertEqual(attr(by_name(spans, "inner"), "langfuse.observation.status_message"),
                         "ValueError: bad input")

    def test_async_tasks_each_keep_their_own_current_observation(self):
        seen = {}

        @llmobs.observe(name="leaf")
        async def leaf(tag):
            await asyncio.sleep(0)
            seen[tag] = llmobs.current_observation()
            return tag

        @llmobs.observe(name="branch")
        async def branch(tag):
            return await leaf(tag)

        @llmobs.observe(name="root")
        async def root():
            return await asyncio.gather(branch("a"), branch("b"))

        self.assertEqual(asyncio.run(root()), ["a", "b"])
        spans = self.spans(5)
        branches = [s for s in spans if s["name"] == "branch"]
        leaves = [s for s in spans if s["name"] == "leaf"]
        root_span = by_name(spans, "root")
        for b in branches:
            self.assertEqual(b["parentSpanId"], root_span["spanId"])
        self.assertEqual(sorted(x["parentSpanId"] for x in leaves),
                         sorted(b["spanId"] for b in branches))
        self.assertNotEqual(seen["a"].id, seen["b"].id)

    def test_a_new_thread_starts_without_a_current_item_unless_handed_one(self):
        got = {}
        with self.client.trace("threads") as t:
            with t.span("work") as w:
                def plain():
                    got["plain"] = llmobs.current_trace()

                def handed():
                    with llmobs.use(w):
                        got["handed"] = llmobs.current_observation()
                        with llmobs.current_trace().span("in_thread", parent=w):
                            pass
                for fn in (plain, handed):
                    th = threading.Thread(target=fn)
                    th.start()
                    th.join()
                self.assertIs(llmobs.current_observation(), w)
        self.assertIsNone(got["plain"])
        self.assertIs(got["handed"], w)
        spans = self.spans(3)
        self.assertEqual(by_name(spans, "in_thread")["parentSpanId"], w.id)

    def test_scores_and_updates_without_a_current_trace_warn_and_do_nothing(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.assertIsNone(llmobs.update_current_trace(user_id="x"))
            self.assertFalse(llmobs.score_current_trace("q", 1.0))
        self.assertEqual(len(caught), 2)
        self.assertIn("no current trace", str(caught[0].message))

    def test_score_current_trace_targets_the_current_trace(self):
        sent = []
        orig = self.client.score

        def spy(name, value, **kw):
            sent.append((name, value, kw))
            return orig(name, value, **kw)
        self.client.score = spy

        @llmobs.observe(name="scored")
        def scored():
            self.assertTrue(llmobs.score_current_trace("helpful", 0.5))
            self.assertTrue(llmobs.score_current_observation("exact", True))
            return llmobs.current_observation().id

        @llmobs.observe(name="top")
        def top():
            return llmobs.current_trace().id, scored()

        tid, oid = top()
        self.assertEqual(sent[0][2], {"trace_id": tid})
        self.assertEqual(sent[1][2], {"trace_id": tid, "observation_id": oid})

    def test_without_any_client_the_function_runs_untraced(self):
        llmobs.set_default_client(None)

        @llmobs.observe
        def plain(x):
            self.assertIsNone(llmobs.current_trace())
            return x * 2

        self.assertEqual(plain(4), 8)
        self.spans(0)

    def test_generators_are_refused(self):
        with self.assertRaises(TypeError):
            @llmobs.observe
            def gen():
                yield 1


if __name__ == "__main__":
    unittest.main()
