"""Garbage input raises a clear exception before or from the library, never crashes."""

import math
import unittest

import llmobs
from support import Collector


class BadOptions(unittest.TestCase):
    def test_bad_option_value_names_the_key(self):
        with self.assertRaises(llmobs.InvalidArgument) as cm:
            llmobs.Client(flush_at="many")
        self.assertIn("flush_at", str(cm.exception))
        self.assertEqual(cm.exception.status, llmobs.Status.EINVAL)
        self.assertIn("flush_at", cm.exception.detail)
        self.assertIsInstance(cm.exception, ValueError)

    def test_out_of_range_value_names_the_key(self):
        with self.assertRaises(llmobs.InvalidArgument) as cm:
            llmobs.Client(sample_rate=7)
        self.assertIn("sample_rate", str(cm.exception))

    def test_unknown_key_is_not_found(self):
        with self.assertRaises(llmobs.NotFound) as cm:
            llmobs.Client(flush_att=3)
        self.assertIn("flush_att", str(cm.exception))

    def test_none_and_wrong_types_as_option_values(self):
        with self.assertRaises(TypeError) as cm:
            llmobs.Client(release=None)
        self.assertIn("release", str(cm.exception))
        with self.assertRaises(TypeError) as cm:
            llmobs.Client(flush_at=object())
        self.assertIn("flush_at", str(cm.exception))

    def test_non_callable_callback(self):
        with self.assertRaises(TypeError):
            llmobs.Client(export_callback="not a function")

    def test_callback_exporter_without_callback_is_refused(self):
        with self.assertRaises(llmobs.InvalidArgument) as cm:
            llmobs.Client(exporter="callback")
        self.assertIn("exporter", str(cm.exception))


class BadArguments(unittest.TestCase):
    def setUp(self):
        self.col = Collector()
        self.client = llmobs.Client(export_callback=self.col)

    def tearDown(self):
        self.client.shutdown()

    def test_none_where_a_string_is_needed(self):
        with self.assertRaises(TypeError) as cm:
            self.client.trace(None)
        self.assertIn("trace name", str(cm.exception))
        with self.client.trace("t") as t:
            with self.assertRaises(TypeError) as cm:
                t.user_id(None)
            self.assertIn("user_id", str(cm.exception))
            with t.generation("g") as g:
                for call, word in ((lambda: g.model(None), "model"),
                                   (lambda: g.input(None), "input"),
                                   (lambda: g.status_message(None), "status_message"),
                                   (lambda: g.metadata(k=None), "metadata")):
                    with self.assertRaises(TypeError) as cm:
                        call()
                    self.assertIn(word, str(cm.exception))
            with self.assertRaises(TypeError):
                t.span(None)

    def test_wrong_types(self):
        with self.client.trace("t") as t:
            with t.generation("g") as g:
                with self.assertRaises(TypeError):
                    g.usage(input="12")
                with self.assertRaises(TypeError):
                    g.usage(input=1.5)
                with self.assertRaises(TypeError):
                    g.model(42)
                with self.assertRaises(TypeError) as cm:
                    g.output({"x": object()})
                self.assertIn("JSON", str(cm.exception))
                with self.assertRaises(ValueError):
                    g.level("catastrophic")
                with self.assertRaises(TypeError) as cm:
                    g.set(colour="blue")
                self.assertIn("colour", str(cm.exception))
            with self.assertRaises(TypeError):
                t.tags("not-a-list")
            with self.assertRaises(ValueError):
                t.observation("nonsense-type", "x")
            with self.assertRaises(TypeError):
                self.client.flush(timeout="soon")
            with self.assertRaises(ValueError):
                self.client.flush(timeout=-1)

    def test_library_rejects_invalid_values_with_its_message(self):
        with self.client.trace("t") as t:
            with t.generation("g") as g:
                with self.assertRaises(llmobs.InvalidArgument) as cm:
                    g.usage(input=-5)
                self.assertIn("usage", str(cm.exception))
                with self.assertRaises(llmobs.InvalidArgument):
                    g.cost(total=math.nan)
        with self.assertRaises(llmobs.InvalidArgument):
            self.client.trace("bad", traceparent="00-nothex-0000000000000000-01")
        with self.assertRaises(llmobs.InvalidArgument) as cm:
            self.client.score("s", 1.0)  # no target
        self.assertTrue(cm.exception.detail)
        with self.assertRaises(llmobs.InvalidArgument):
            self.client.score("s", math.inf, trace_id="0" * 31 + "1")

    def test_bad_input_leaves_trace_usable(self):
        with self.client.trace("t") as t:
            with self.assertRaises(TypeError):
                t.generation("g", usage={"input": "x"})
            with t.span("ok"):
                pass
        self.assertEqual(self.client.flush(10), 0)
        names = sorted(s["name"] for s in self.col.spans())
        self.assertEqual(names, ["g", "ok", "t"])  # the failed one was still ended


if __name__ == "__main__":
    unittest.main()
