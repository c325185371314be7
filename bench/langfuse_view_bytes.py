#!/usr/bin/env python3
"""Bytes per span and metadata noise of what each destination gets (docs/export.md, "What each
destination gets"). Runs an llmobs-demo binary against a recording receiver (the Langfuse path
and, with "otlp", a generic OTLP path on the same server) and prints, per path, bytes per span
and the span attributes Langfuse would copy into each observation's metadata.attributes (all
but the input/output keys, as its OTel ingestion does for a scope that is not langfuse-sdk*).
Usage: bench/langfuse_view_bytes.py build/examples/llmobs-demo [otlp]"""
import gzip, json, os, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

bodies = {}
lock = threading.Lock()

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        b = self.rfile.read(n)
        if self.headers.get("content-encoding") == "gzip":
            b = gzip.decompress(b)
        with lock:
            bodies.setdefault(self.path, []).append(b)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass

IO = {"langfuse.observation.input", "langfuse.observation.output", "langfuse.trace.input",
      "langfuse.trace.output", "gen_ai.input.messages", "gen_ai.output.messages"}

def stats(reqs):
    spans = nbytes = copied = genai = 0
    for b in reqs:
        nbytes += len(b)
        for rs in json.loads(b)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    spans += 1
                    keys = [a["key"] for a in s.get("attributes", [])]
                    copied += sum(1 for k in keys if k not in IO)
                    genai += sum(1 for k in keys if k.startswith("gen_ai."))
    return spans, nbytes, copied, genai

def main():
    demo, otlp = sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "otlp"
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    env = dict(os.environ, LANGFUSE_BASE_URL=url, LANGFUSE_PUBLIC_KEY="pk-lf-1",
               LANGFUSE_SECRET_KEY="sk-lf-1")
    if otlp:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = url + "/otlp"
    subprocess.run([demo, "--requests", "300", "--concurrency", "4", "--seed", "7"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    srv.shutdown()
    for path in sorted(bodies):
        spans, nbytes, copied, genai = stats(bodies[path])
        print("%-28s spans=%d bytes=%d bytes/span=%.0f metadata.attributes entries=%d "
              "(%.1f/span, gen_ai.* %d)" % (path, spans, nbytes, nbytes / spans, copied,
                                            copied / spans, genai))

main()
