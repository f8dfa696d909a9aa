"""Hostile input to the decision service: every malformed request gets a 4xx
with a JSON error, or (when the client never finishes its request) a 408 or
a closed connection after the read timeout; never a crash, a 5xx or a hang.
The server must still answer normally afterwards."""
import json, os, socket, time
from harness import *
from serve_harness import Server

d = fresh_workdir()
config = os.path.join(d, "config.toml")
with open(config, "w") as f:
    f.write("[ingest]\nmax_line_bytes = 4096\n[service]\nmax_body_bytes = 1048576\nread_timeout_ms = 500\n"
            "write_timeout_ms = 500\nidle_timeout_ms = 1000\n")
srv = Server(config=config)

EVENT = b'{"ts":"2026-04-22T10:00:00Z","request_id":"r1","account_id":"a1"}'


def raw(data, shut=False, wait_s=15):
    """Sends raw bytes; returns (status or None if closed without an answer, body, seconds)."""
    start = time.time()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=wait_s)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close while we are still sending (oversized input)
        if shut:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                return "hang", b"", time.time() - start
            except OSError:
                break
            if not c:
                break
            chunks.append(c)
            blob = b"".join(chunks)
            if b"\r\n\r\n" in blob:
                head, _, body = blob.partition(b"\r\n\r\n")
                length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
    finally:
        s.close()
    blob = b"".join(chunks)
    if not blob:
        return None, b"", time.time() - start
    status = int(blob.split(b" ", 2)[1])
    head, _, body = blob.partition(b"\r\n\r\n")
    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    # Only the first answer counts (junk may draw one answer per line).
    return status, body[:length[0]] if length else body, time.time() - start


def req(method, path, body=b"", ctype=b"application/json", extra=b""):
    head = b"%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" % (method, path)
    if ctype is not None:
        head += b"Content-Type: " + ctype + b"\r\n"
    if body is not None:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + (body or b"")


CLOSE = "close"  # closing without an answer is acceptable (the request never completed)
deep = b"[" * 100000 + b"]" * 100000
cases = [
    ("truncated body", b"POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"ts\":", {400, 408, CLOSE}),
    ("truncated headers", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Ty", {400, 408, CLOSE}),
    ("truncated JSON check", req(b"POST", b"/v1/check", b'{"account_id": "a'), {400}),
    ("deep nesting check", req(b"POST", b"/v1/check", b'{"account_id":' + deep + b"}"), {400}),
    ("deep nesting event", req(b"POST", b"/v1/events", deep[:3000], b"application/x-ndjson"), {200}),
    ("huge number check", req(b"POST", b"/v1/check", b'{"account_id":1e999999}'), {400}),
    ("huge int check", req(b"POST", b"/v1/check", b'{"account_id":"a","ip":123456789012345678901234567890}'), {400}),
    ("huge ts event", req(b"POST", b"/v1/events", b'{"ts":1e400,"request_id":"x","account_id":"y"}',
                          b"application/x-ndjson"), {200}),
    ("invalid utf-8 check", req(b"POST", b"/v1/check", b'{"account_id":"\xff\xfe\xc0\xaf"}'), {400}),
    ("invalid utf-8 event", req(b"POST", b"/v1/events", b'{"ts":"2026-04-22T10:00:00Z","request_id":"\xff",'
                                                         b'"account_id":"a"}', b"application/x-ndjson"), {200}),
    ("invalid utf-8 path", req(b"GET", b"/v1/accounts/%FF%FE", None, None), {404, 400}),
    ("NUL in body", req(b"POST", b"/v1/check", b'{"account_id":"a\x00b"}'), {400}),
    ("wrong content type check", req(b"POST", b"/v1/check", b'{"account_id":"a"}', b"text/html"), {415}),
    ("form content type events", req(b"POST", b"/v1/events", EVENT, b"application/x-www-form-urlencoded"), {415}),
    ("multipart events", req(b"POST", b"/v1/events", EVENT, b"multipart/form-data; boundary=x"), {400, 415}),
    ("no content type", req(b"POST", b"/v1/events", EVENT, None), {415}),
    ("empty check body", req(b"POST", b"/v1/check", b""), {400}),
    ("check array", req(b"POST", b"/v1/check", b"[]"), {400}),
    ("check null", req(b"POST", b"/v1/check", b"null"), {400}),
    ("check empty object", req(b"POST", b"/v1/check", b"{}"), {400}),
    ("check long id", req(b"POST", b"/v1/check", b'{"account_id":"' + b"a" * 5000 + b'"}'), {400}),
    ("body over limit", req(b"POST", b"/v1/events", b"x" * (2 << 20), b"application/x-ndjson"), {413, CLOSE}),
    ("declared body over limit", b"POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
                                 b"Content-Length: 99999999999\r\n\r\n", {413, 400, CLOSE}),
    ("negative length", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                        b"Content-Length: -5\r\n\r\n{}", {400, 413, CLOSE}),
    ("non-numeric length", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           b"Content-Length: ten\r\n\r\n{}", {400, 413, CLOSE}),
    ("bad chunked", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", {400, CLOSE}),
    ("10 MB header line", b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (10 << 20) + b"\r\n\r\n",
     {400, 431, CLOSE}),
    ("10 MB of headers", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
     b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 1000) for i in range(10 << 10)) + b"Content-Length: 2\r\n\r\n{}",
     {400, 431, CLOSE}),
    ("long URI", b"GET /v1/accounts/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", {414, 400, CLOSE}),
    ("garbage request line", b"HELLO THERE\r\n\r\n", {400, CLOSE}),
    ("binary junk", bytes(range(256)) * 64, {400, CLOSE}),
    ("unknown method", b"BREW /v1/check HTTP/1.1\r\nHost: t\r\n\r\n", {400, 405, CLOSE}),
    ("wrong method", req(b"GET", b"/v1/check", None, None), {404, 405}),
    ("unknown path", req(b"GET", b"/v1/../../etc/passwd", None, None), {404, 400}),
    ("override without who", req(b"POST", b"/v1/accounts/a/override", b'{"action":"block"}'), {400}),
    ("override bad json", req(b"POST", b"/v1/campaigns/C/override", b'{"action":'), {400}),
    ("event line over limit", req(b"POST", b"/v1/events", b'{"ts":"' + b"x" * 5000 + b'"}', b"application/x-ndjson"),
     {200}),
]
for name, data, want in cases:
    status, body, took = raw(data)
    got = CLOSE if status is None else status
    print("%-28s -> %s in %.2f s" % (name, got, took))
    check(got in want, "%s: got %s, want %s (%s)" % (name, got, want, body[:200]))
    if isinstance(status, int) and status >= 400:
        try:
            check("error" in json.loads(body), "%s: error body %r" % (name, body[:200]))
        except ValueError:
            check(False, "%s: error body is not JSON: %r" % (name, body[:200]))
    if name.endswith("event") or name == "event line over limit":
        r = json.loads(body)
        check(r["accepted"] == 0 and r["rejected"] == 1 and r["errors"][0]["reason"], "%s: %s" % (name, r))
    check(srv.alive(), "%s: the server died" % name)

# The rejection reason for an over-long line is scan's quarantine reason.
status, body, _ = raw(req(b"POST", b"/v1/events", b'{"ts":"' + b"x" * 5000 + b'"}', b"application/x-ndjson"))
check(json.loads(body)["errors"][0]["reason"] == "line of 5009 bytes exceeds the limit of 4096", body[:200])

# Slow clients are dropped after the read timeout instead of holding a thread.
for name, data in [("slowloris headers", b"POST /v1/check HTTP/1.1\r\nHost: t\r\n"),
                   ("stalled body", b"POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                    b"Content-Length: 100\r\n\r\n{")]:
    status, body, took = raw(data, shut=False, wait_s=20)
    check(status != "hang", "%s: connection still open after 20 s" % name)
    print("%s: closed after %.1f s (status %s)" % (name, took, status))

check(srv.request("GET", "/healthz")[0] == 200, "healthz after hostile input")
status, r = srv.json("POST", "/v1/check", {"account_id": "a1"})
check(status == 200 and r["action"] == "allow", "check after hostile input: %s %s" % (status, r))
code = srv.stop()
check(code == 0, "exit status %s after hostile input" % code)
finish()
