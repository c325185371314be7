#!/usr/bin/env python3
"""Checks that every line of a JSON Lines file is a valid OTLP/HTTP JSON traces request
(the OTLP JSON encoding of opentelemetry-proto) carrying the Langfuse attributes (docs/export.md).
Usage: check_otlp_file.py FILE [EXPECTED_SPANS]. Prints a summary; exits 1 on the first error."""
import json
import re
import sys

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DEC = re.compile(r"^-?[0-9]+$")
TYPES = {"span", "generation", "event", "agent", "tool", "chain", "retriever", "embedding",
         "evaluator", "guardrail"}
SNAKE = re.compile(r"[a-z]_[a-z]")


def fail(line_no, msg):
    print(f"line {line_no}: {msg}")
    sys.exit(1)


def check_any_value(v, where, line_no):
    if not isinstance(v, dict) or len(v) != 1:
        fail(line_no, f"{where}: AnyValue must have exactly one field, got {v!r}")
    (kind, val), = v.items()
    if kind == "stringValue":
        if not isinstance(val, str):
            fail(line_no, f"{where}: stringValue not a string")
    elif kind == "intValue":
        if not (isinstance(val, str) and DEC.match(val)):
            fail(line_no, f"{where}: intValue must be a decimal string, got {val!r}")
    elif kind == "doubleValue":
        if not isinstance(val, (int, float)) or isinstance(val, bool):
            fail(line_no, f"{where}: doubleValue must be a number")
    elif kind == "boolValue":
        if not isinstance(val, bool):
            fail(line_no, f"{where}: boolValue must be a bool")
    elif kind == "arrayValue":
        for i, item in enumerate(val.get("values", [])):
            check_any_value(item, f"{where}[{i}]", line_no)
    else:
        fail(line_no, f"{where}: unexpected AnyValue kind {kind}")


def check_attributes(attrs, where, line_no):
    if not isinstance(attrs, list):
        fail(line_no, f"{where}: attributes must be an array of {{key,value}}")
    keys = set()
    for a in attrs:
        if set(a) != {"key", "value"}:
            fail(line_no, f"{where}: attribute must have exactly key and value: {a!r}")
        if a["key"] in keys:
            fail(line_no, f"{where}: duplicate attribute {a['key']}")
        keys.add(a["key"])
        check_any_value(a["value"], f"{where}.{a['key']}", line_no)
    return {a["key"]: a["value"] for a in attrs}


def check_line(req, line_no, ids):
    spans_here = 0
    rs_list = req.get("resourceSpans")
    if not isinstance(rs_list, list) or not rs_list:
        fail(line_no, "resourceSpans missing or empty")
    for rs in rs_list:
        res = check_attributes(rs["resource"]["attributes"], "resource", line_no)
        for k in ("service.name", "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"):
            if k not in res:
                fail(line_no, f"resource attribute {k} missing")
        for ss in rs["scopeSpans"]:
            if not ss.get("spans"):
                fail(line_no, "empty scopeSpans must not be sent")
            for s in ss["spans"]:
                spans_here += 1
                for bad in ("trace_id", "span_id", "start_time_unix_nano", "parent_span_id"):
                    if bad in s:
                        fail(line_no, f"snake_case key {bad}")
                if not HEX32.match(s.get("traceId", "")):
                    fail(line_no, f"traceId not 32 lowercase hex: {s.get('traceId')!r}")
                if not HEX16.match(s.get("spanId", "")):
                    fail(line_no, f"spanId not 16 lowercase hex: {s.get('spanId')!r}")
                if "parentSpanId" in s and not HEX16.match(s["parentSpanId"]):
                    fail(line_no, "parentSpanId not 16 lowercase hex")
                if not isinstance(s.get("kind"), int):
                    fail(line_no, "kind must be an integer")
                for t in ("startTimeUnixNano", "endTimeUnixNano"):
                    if not (isinstance(s.get(t), str) and DEC.match(s[t])):
                        fail(line_no, f"{t} must be a decimal string")
                if int(s["endTimeUnixNano"]) < int(s["startTimeUnixNano"]):
                    fail(line_no, "span ends before it starts")
                if not s.get("name"):
                    fail(line_no, "span name empty")
                attrs = check_attributes(s["attributes"], s["name"], line_no)
                t = attrs.get("langfuse.observation.type", {}).get("stringValue")
                if t not in TYPES:
                    fail(line_no, f"langfuse.observation.type invalid: {t!r}")
                for k in ("langfuse.observation.usage_details", "langfuse.observation.cost_details",
                          "langfuse.observation.metadata", "langfuse.trace.metadata",
                          "langfuse.observation.model.parameters"):
                    if k in attrs:
                        json.loads(attrs[k]["stringValue"])  # must be JSON text
                if "status" in s and s["status"].get("code") not in (0, 1, 2):
                    fail(line_no, "status.code must be an integer enum")
                key = s["spanId"]
                if key in ids:
                    fail(line_no, f"span {key} sent twice")
                ids.add(key)
    return spans_here


def main():
    path = sys.argv[1]
    expected = int(sys.argv[2]) if len(sys.argv) > 2 else None
    ids = set()
    lines = spans = 0
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            lines += 1
            spans += check_line(json.loads(line), line_no, ids)
    print(f"{path}: {lines} requests, {spans} spans, all valid OTLP JSON")
    if expected is not None and spans != expected:
        print(f"expected {expected} spans, found {spans}")
        sys.exit(1)


if __name__ == "__main__":
    main()
