#!/usr/bin/env python3
"""bench_receiver (bench/receiver.c) takes chunked request bodies, as the OpenTelemetry Node
exporter sends them (it pipes the body into the request, so Node uses Transfer-Encoding:
chunked): a chunked OTLP POST, split over several writes, gets 200 and its spans and bytes are
counted; a chunked Langfuse ingestion POST gets 207; a malformed chunked body gets 400; a plain
Content-Length POST still works, also on a keep-alive connection after a chunked one. Starts
the built receiver ($LLMOBS_BUILD_DIR/bench/bench_receiver) and talks to it over real sockets.
Python 3 standard library only."""
import json
import os
import socket
import subprocess
import sys
import time

BUILD = os.environ.get("LLMOBS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
RECEIVER = os.environ.get("BENCH_RECEIVER", os.path.join(BUILD, "bench", "bench_receiver"))

SPAN = '{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s%d"}'
OTLP = ('{"resourceSpans":[{"scopeSpans":[{"spans":[' + ",".join(SPAN % i for i in range(3)) +
        ']}]}]}').encode()


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def chunked(body, sizes):
    """body cut into chunks of the given sizes (the rest in one more chunk), with an extension
    on the first chunk and a trailer field, as a client may send them."""
    out, pos, first = [], 0, True
    for n in list(sizes) + [len(body)]:
        part = body[pos:pos + n]
        if not part:
            continue
        ext = b";name=value" if first else b""
        out.append(b"%x%s\r\n%s\r\n" % (len(part), ext, part))
        pos += len(part)
        first = False
    out.append(b"0\r\nX-Trailer: 1\r\n\r\n")
    return b"".join(out)


_pending = {}  # socket -> bytes read past the previous response (pipelining)


def read_response(sock):
    """One HTTP/1.1 response (the receiver always sends Content-Length): (status, body)."""
    buf = _pending.pop(sock, b"")
    sock.settimeout(10)
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            fail(f"connection closed before a response (got {buf!r})")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    clen = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            clen = int(v)
    while len(rest) < clen:
        d = sock.recv(65536)
        if not d:
            break
        rest += d
    if len(rest) > clen:
        _pending[sock] = rest[clen:]
    return status, rest[:clen]


def request(port, raw_parts, sock=None):
    """Sends raw_parts (bytes, each its own write with a short pause so the receiver sees the
    request in pieces) and returns (status, body, sock)."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i, p in enumerate(raw_parts):
            s.sendall(p)
            if i + 1 < len(raw_parts):
                time.sleep(0.05)
    except OSError as e:  # the receiver answered early and closed: read what it said
        print(f"note: send failed ({e}); reading the receiver's answer")
    st, body = read_response(s)
    return st, body, s


def stats(port):
    st, body, s = request(port, [b"GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])
    s.close()
    if st != 200:
        fail(f"/stats answered {st}")
    return json.loads(body)


def post_head(path, extra):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{extra}\r\n").encode()


def main():
    if not os.access(RECEIVER, os.X_OK):
        fail(f"{RECEIVER} not built (configure with -DLLMOBS_BENCH=ON and build bench_receiver)")
    proc = subprocess.Popen([RECEIVER, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("port "):
            fail(f"receiver printed {line!r}")
        port = int(line.split()[1])

        # 1. chunked OTLP body, written in pieces that cut the size lines and the data
        body = chunked(OTLP, [17, 1, 40])
        raw = post_head("/v1/traces", "Transfer-Encoding: chunked\r\n") + body
        cuts = [len(raw) - len(body) + 3, len(raw) - len(body) + 30, len(raw) - 5]
        parts = [raw[a:b] for a, b in zip([0] + cuts, cuts + [len(raw)])]
        st, _, s = request(port, parts)
        if not 200 <= st < 300:
            fail(f"chunked OTLP POST answered {st} (want 2xx)")
        got = stats(port)
        if got["spans"] != 3 or got["bytes"] != len(OTLP) or got["requests"] != 1:
            fail(f"chunked body not counted: {got} (want spans 3, bytes {len(OTLP)}, requests 1)")

        # 2. the same keep-alive connection: a plain Content-Length POST still works after it
        raw = post_head("/v1/traces", f"Content-Length: {len(OTLP)}\r\n") + OTLP
        st, _, s = request(port, [raw], s)
        if st != 200:
            fail(f"Content-Length POST after a chunked one answered {st}")
        s.close()
        got = stats(port)
        if got["spans"] != 6 or got["requests"] != 2:
            fail(f"Content-Length body not counted: {got} (want spans 6, requests 2)")

        # 3. two pipelined chunked requests in one write: both answered, both counted
        one = post_head("/v1/traces", "Transfer-Encoding: chunked\r\n") + chunked(OTLP, [5])
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(one + one)
        for _ in range(2):
            st, _ = read_response(s)
            if st != 200:
                fail(f"pipelined chunked POST answered {st}")
        s.close()
        if stats(port)["spans"] != 12:
            fail(f"pipelined chunked bodies not counted: {stats(port)}")

        # 4. chunked Langfuse ingestion batch: 207 with the event's id
        batch = b'{"batch":[{"id":"ev-1","type":"trace-create","body":{"id":"t1"}}]}'
        raw = post_head("/api/public/ingestion", "Transfer-Encoding: chunked\r\n") + chunked(batch, [9])
        st, reply, s = request(port, [raw])
        s.close()
        if st != 207 or b'"ev-1"' not in reply:
            fail(f"chunked ingestion POST answered {st} {reply!r}")

        # 5. malformed chunked bodies: 400 (and the receiver keeps serving)
        bad_bodies = [
            b"zz\r\nhello\r\n0\r\n\r\n",  # size is not hex
            b"5\r\nhelloXX0\r\n\r\n",  # no CRLF after the chunk's data
            b"\r\nhello\r\n0\r\n\r\n",  # empty size line
        ]
        for bad in bad_bodies:
            raw = post_head("/v1/traces", "Transfer-Encoding: chunked\r\n") + bad
            st, _, s = request(port, [raw])
            s.close()
            if st != 400:
                fail(f"malformed chunked body {bad!r} answered {st} (want 400)")
        got = stats(port)
        if got["spans"] != 12 or got.get("bad") != len(bad_bodies):
            fail(f"malformed bodies changed the counts: {got}")

        # 6. plain Content-Length on a fresh connection, gzip-free: still 200 and counted
        raw = post_head("/v1/traces", f"Content-Length: {len(OTLP)}\r\n") + OTLP
        st, _, s = request(port, [raw])
        s.close()
        if st != 200 or stats(port)["spans"] != 15:
            fail(f"Content-Length POST answered {st}, stats {stats(port)}")
        print("ok: chunked bodies (split, pipelined, ingestion), malformed -> 400, Content-Length")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
