#!/usr/bin/env python3
"""Validates Langfuse batch-ingestion requests against the server's own API definition.

usage: ingestion_schema.py OPENAPI_YML REQUESTS_FILE

REQUESTS_FILE holds one request body per line ({"batch": [...], "metadata": {...}}). Every
event is checked against the `IngestionEvent` schema read from OPENAPI_YML (the branch its
`type` selects): required properties, allowed property names, basic types, enums, nullable,
$ref/allOf/oneOf, plus the server rules of reference/langfuse-ingestion.md that the schema
does not express (ids 1-800 chars without CR, timestamps with an offset, every body has an
id, observation bodies carry a traceId, promptName/promptVersion together, score value vs
dataType, event ids unique per request). Exit 0 when everything is valid, 1 with one line per
problem otherwise, 2 on usage or schema errors.

Standard library only: the YAML subset the schema section uses (block maps and lists, plain
and quoted scalars, folded/literal block scalars, `{}`/`[]`) is parsed here.
"""
import json
import re
import sys

# ---- a YAML subset ---------------------------------------------------------------------------


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _blank(line):
    s = line.strip()
    return not s or s.startswith("#")


def _scalar(text):
    t = text.strip()
    if t.startswith("'") and t.endswith("'") and len(t) >= 2:
        return t[1:-1].replace("''", "'")
    if t.startswith('"') and t.endswith('"') and len(t) >= 2:
        return json.loads(t)
    if t == "{}":
        return {}
    if t == "[]":
        return []
    if t in ("true", "True"):
        return True
    if t in ("false", "False"):
        return False
    if t in ("null", "~"):
        return None
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d+\.\d*([eE][-+]?\d+)?", t):
        return float(t)
    if t.startswith("[") and t.endswith("]"):
        return [_scalar(x) for x in t[1:-1].split(",") if x.strip()]
    return t


def _split_key(content):
    if content[0] in "'\"":
        q = content[0]
        end = content.index(q, 1)
        key = content[1:end]
        rest = content[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError("bad key: " + content)
        return key, rest[1:].strip()
    m = re.match(r"([^:]+?):(\s+(.*))?$", content)
    if not m:
        raise ValueError("not a key: " + content)
    return m.group(1), (m.group(3) or "").strip()


class _Yaml:
    def __init__(self, lines):
        self.lines = lines
        self.n = len(lines)

    def next_content(self, i):
        while i < self.n and _blank(self.lines[i]):
            i += 1
        return i

    def block(self, i, indent):
        i = self.next_content(i)
        content = self.lines[i].strip()
        if content == "-" or content.startswith("- "):
            return self.seq(i, indent)
        return self.map(i, indent)

    def value(self, rest, i, indent):
        """The value after `key:` or `- ` whose line ends at i; returns (value, next line)."""
        if rest == "":
            j = self.next_content(i)
            if j < self.n:
                ind = _indent(self.lines[j])
                c = self.lines[j].strip()
                if ind > indent or (ind == indent and (c == "-" or c.startswith("- "))):
                    return self.block(j, ind)
            return None, i
        if rest[0] in ">|":
            parts = []
            while i < self.n and (_blank(self.lines[i]) or _indent(self.lines[i]) > indent):
                parts.append(self.lines[i].strip())
                i += 1
            sep = "\n" if rest[0] == "|" else " "
            return sep.join(p for p in parts if p), i
        # quoted or plain scalars may continue on more-indented lines
        text = rest
        while i < self.n and not _blank(self.lines[i]) and _indent(self.lines[i]) > indent:
            text += " " + self.lines[i].strip()
            i += 1
        if text.startswith("'") and not (len(text) > 1 and text.endswith("'")):
            raise ValueError("unterminated quote near line %d" % i)
        return _scalar(text), i

    def map(self, i, indent):
        d = {}
        while True:
            i = self.next_content(i)
            if i >= self.n:
                return d, i
            line = self.lines[i]
            ind = _indent(line)
            content = line.strip()
            if ind < indent or (ind == indent and (content == "-" or content.startswith("- "))):
                return d, i
            if ind > indent:
                raise ValueError("unexpected indentation at line %d: %r" % (i + 1, line))
            key, rest = _split_key(content)
            d[key], i = self.value(rest, i + 1, indent)

    def seq(self, i, indent):
        out = []
        while True:
            i = self.next_content(i)
            if i >= self.n:
                return out, i
            line = self.lines[i]
            content = line.strip()
            if _indent(line) != indent or not (content == "-" or content.startswith("- ")):
                return out, i
            rest = content[1:].strip()
            if rest and re.match(r"""^(['"][^'"]*['"]|[^'"\s][^:]*):(\s|$)""", rest):
                # "- key: value" opens a map indented at the key
                inner = indent + 2
                self.lines[i] = " " * inner + rest
                v, i = self.map(i, inner)
                out.append(v)
            else:
                v, i = self.value(rest, i + 1, indent)
                out.append(v)


def load_schemas(path):
    """components.schemas of an OpenAPI YAML file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = None
    in_components = False
    for i, line in enumerate(lines):
        if line.rstrip() == "components:":
            in_components = True
        elif in_components and line.rstrip() == "  schemas:":
            start = i + 1
            break
    if start is None:
        raise ValueError("no components.schemas in " + path)
    end = start
    while end < len(lines) and (_blank(lines[end]) or _indent(lines[end]) > 2):
        end += 1
    section = lines[start:end]
    schemas, _ = _Yaml(section).map(0, 4)
    return schemas


# ---- validating ------------------------------------------------------------------------------

OFFSET_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


class Validator:
    def __init__(self, schemas):
        self.schemas = schemas

    def ref(self, s):
        name = s["$ref"].rsplit("/", 1)[-1]
        if name not in self.schemas:
            raise ValueError("unknown $ref " + s["$ref"])
        return self.schemas[name]

    def flatten(self, s):
        """A schema with its $ref and allOf chain merged: (types, properties, required,
        additionalProperties or None, enum or None, the other keys)."""
        merged = {"properties": {}, "required": [], "type": None, "additional": None,
                  "enum": None, "items": None, "oneOf": None, "format": None, "closed": False}
        self._merge(s, merged)
        return merged

    def _merge(self, s, m):
        if not isinstance(s, dict):
            return
        if "$ref" in s:
            self._merge(self.ref(s), m)
        for sub in s.get("allOf", []) or []:
            self._merge(sub, m)
        for k, v in (s.get("properties") or {}).items():
            m["properties"][k] = v
            m["closed"] = True
        m["required"] += s.get("required", []) or []
        for key, mk in (("type", "type"), ("enum", "enum"), ("items", "items"),
                        ("oneOf", "oneOf"), ("format", "format")):
            if key in s:
                m[mk] = s[key]
        if "additionalProperties" in s:
            m["additional"] = s["additionalProperties"]

    @staticmethod
    def nullable(s):
        return isinstance(s, dict) and bool(s.get("nullable"))

    def check(self, v, s, path, errs):
        if s is None or s == {}:
            return
        if v is None:
            if self.nullable(s) or ("$ref" in s and self.nullable(self.ref(s))):
                return
            errs.append("%s: null is not allowed" % path)
            return
        m = self.flatten(s)
        if m["oneOf"]:
            # OpenAPI 3.0 unions here overlap (an integer is also a number), so a value must
            # match at least one branch.
            reasons = []
            for branch in m["oneOf"]:
                e = []
                self.check(v, branch, path, e)
                if not e:
                    break
                reasons.append(e[0])
            else:
                errs.append("%s: matches no allowed form (%s)" % (path, "; ".join(reasons)))
                return
        t = m["type"]
        ok = {
            None: True,
            "string": isinstance(v, str),
            "integer": isinstance(v, int) and not isinstance(v, bool)
            or isinstance(v, float) and v.is_integer(),
            "number": isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": isinstance(v, bool),
            "array": isinstance(v, list),
            "object": isinstance(v, dict),
        }.get(t, True)
        if not ok:
            errs.append("%s: expected %s, got %s" % (path, t, type(v).__name__))
            return
        if m["enum"] is not None and v not in m["enum"]:
            errs.append("%s: %r is not one of %s" % (path, v, m["enum"]))
        if m["format"] == "date-time" and isinstance(v, str) and not OFFSET_DATETIME.match(v):
            errs.append("%s: %r is not an ISO-8601 date-time with an offset" % (path, v))
        if isinstance(v, list) and m["items"] is not None:
            for i, item in enumerate(v):
                self.check(item, m["items"], "%s[%d]" % (path, i), errs)
        if isinstance(v, dict):
            for r in m["required"]:
                if r not in v:
                    errs.append("%s: required property %r missing" % (path, r))
            for k, val in v.items():
                if k in m["properties"]:
                    self.check(val, m["properties"][k], "%s.%s" % (path, k), errs)
                elif isinstance(m["additional"], dict):
                    self.check(val, m["additional"], "%s.%s" % (path, k), errs)
                elif m["closed"] and m["additional"] is not True:
                    errs.append("%s: property %r is not in the schema" % (path, k))

    def event_branch(self, event_type):
        for branch in self.schemas["IngestionEvent"]["oneOf"]:
            for part in branch.get("allOf", []):
                enum = ((part.get("properties") or {}).get("type") or {}).get("enum")
                if enum and event_type in enum:
                    return branch
        return None


def check_id(v, path, errs):
    if not isinstance(v, str) or not 1 <= len(v) <= 800 or "\r" in v:
        errs.append("%s: id must be a string of 1-800 characters without CR, got %r" % (path, v))


def server_rules(ev, path, errs):
    """reference/langfuse-ingestion.md rules the OpenAPI schema does not state."""
    check_id(ev.get("id"), path + ".id", errs)
    ts = ev.get("timestamp")
    if not isinstance(ts, str) or not OFFSET_DATETIME.match(ts):
        errs.append("%s.timestamp: %r has no offset (Z or +hh:mm)" % (path, ts))
    body = ev.get("body")
    if not isinstance(body, dict):
        return
    check_id(body.get("id"), path + ".body.id", errs)
    t = ev.get("type", "")
    if t in ("span-create", "generation-create", "event-create"):
        if not isinstance(body.get("traceId"), str):
            errs.append("%s.body.traceId: missing" % path)
        if ("promptName" in body) != ("promptVersion" in body):
            errs.append("%s.body: promptName and promptVersion must be set together" % path)
    if t == "score-create":
        name, value, dt = body.get("name"), body.get("value"), body.get("dataType")
        if not isinstance(name, str) or not name:
            errs.append("%s.body.name: must be a non-empty string" % path)
        if dt in ("NUMERIC", "BOOLEAN") and not isinstance(value, (int, float)):
            errs.append("%s.body.value: %s needs a number" % (path, dt))
        if dt == "BOOLEAN" and value not in (0, 1):
            errs.append("%s.body.value: BOOLEAN must be 0 or 1" % path)
        if dt in ("CATEGORICAL", "TEXT", "CORRECTION") and not isinstance(value, str):
            errs.append("%s.body.value: %s needs a string" % (path, dt))
        if dt == "TEXT" and isinstance(value, str) and not 1 <= len(value) <= 500:
            errs.append("%s.body.value: TEXT must be 1-500 characters" % path)


def validate_request(v, req, n, errs):
    path = "request %d" % n
    if not isinstance(req, dict) or not isinstance(req.get("batch"), list):
        errs.append("%s: body is not {\"batch\": [...]}" % path)
        return 0
    for k in req:
        if k not in ("batch", "metadata"):
            errs.append("%s: unknown top-level key %r" % (path, k))
    seen = set()
    for i, ev in enumerate(req["batch"]):
        p = "%s event %d (%s)" % (path, i, ev.get("type") if isinstance(ev, dict) else "?")
        if not isinstance(ev, dict):
            errs.append(p + ": not an object")
            continue
        branch = v.event_branch(ev.get("type"))
        if branch is None:
            errs.append("%s: type %r is not in IngestionEvent" % (p, ev.get("type")))
            continue
        v.check(ev, branch, p, errs)
        server_rules(ev, p, errs)
        if ev.get("id") in seen:
            errs.append("%s: event id %r repeated in the request" % (p, ev.get("id")))
        seen.add(ev.get("id"))
    return len(req["batch"])


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        v = Validator(load_schemas(argv[1]))
        if "IngestionEvent" not in v.schemas:
            raise ValueError("no IngestionEvent schema in " + argv[1])
    except (OSError, ValueError) as e:
        print("schema: %s" % e, file=sys.stderr)
        return 2
    errs = []
    events = 0
    with open(argv[2], encoding="utf-8") as f:
        for n, line in enumerate(f):
            if line.strip():
                try:
                    req = json.loads(line)
                except ValueError as e:
                    errs.append("request %d: not JSON: %s" % (n, e))
                    continue
                events += validate_request(v, req, n, errs)
    for e in errs:
        print(e)
    print("%d events checked, %d problems" % (events, len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
