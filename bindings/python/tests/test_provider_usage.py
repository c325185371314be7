"""Observation.usage_from_response: a dict, JSON text, or an SDK-like response object."""

import json
import os
import unittest

import llmobs
from support import Collector, attr, by_name

DATA = os.path.join(os.environ["LLMOBS_SOURCE_DIR"], "tests", "data", "provider")


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


class FakeSdkResponse:
    """What the OpenAI and Anthropic SDKs return: a pydantic model with model_dump_json()."""

    def __init__(self, body):
        self._body = body

    def model_dump_json(self):
        return json.dumps(self._body)


class UsageFromResponse(unittest.TestCase):
    def test_dict_text_and_sdk_object_fill_disjoint_buckets(self):
        col = Collector()
        with llmobs.Client(export_callback=col, flush_at=1000, flush_interval=60) as client:
            with client.trace("providers") as t:
                with t.generation("chat") as g:
                    fmt = g.usage_from_response(load("openai_chat.json"))
                    self.assertEqual(fmt, llmobs.ResponseFormat.OPENAI_CHAT)
                with t.generation("responses") as g:
                    text = json.dumps(load("openai_responses.json"))
                    self.assertEqual(g.usage_from_response(text, format="openai_responses"),
                                     llmobs.ResponseFormat.OPENAI_RESPONSES)
                with t.generation("claude") as g:
                    g.usage_from_response(FakeSdkResponse(load("anthropic_messages.json")))
                with t.generation("bad") as g:
                    with self.assertRaises(llmobs.NotFound):
                        g.usage_from_response({"hello": 1})
                    with self.assertRaises(TypeError):
                        g.usage_from_response(42)
            self.assertEqual(client.flush(timeout=10), 0)
        spans = col.spans()
        chat = json.loads(attr(by_name(spans, "chat"), "langfuse.observation.usage_details"))
        self.assertEqual(chat, {"input": 93, "output": 46, "input_cached_tokens": 1024,
                                "output_reasoning_tokens": 0, "total": 1163})
        resp = json.loads(attr(by_name(spans, "responses"), "langfuse.observation.usage_details"))
        self.assertEqual(resp["input"], 256)
        self.assertEqual(resp["output_reasoning_tokens"], 512)
        claude = by_name(spans, "claude")
        self.assertEqual(attr(claude, "langfuse.observation.model.name"),
                         "claude-sonnet-4-20250514")
        usage = json.loads(attr(claude, "langfuse.observation.usage_details"))
        self.assertEqual(usage["input_cache_creation"], 1880)
        self.assertEqual(usage["total"], 21 + 9540 + 1880 + 393)
        self.assertEqual(json.loads(attr(claude, "langfuse.observation.metadata")),
                         {"finish_reason": "end_turn"})


if __name__ == "__main__":
    unittest.main()
