"""Shared by the gateway e2e tests (nginx, HAProxy): a stub model API, the
simulated traffic turned into real API requests, and the shipper."""
import datetime
import http.client
import http.server
import json
import os
import re
import subprocess
import threading

from harness import BIN, SRC, WORK, check, run


class StubModelApi:
    """An OpenAI-style model API on 127.0.0.1: answers every POST with a
    small chat completion and token counts in response headers, and keeps
    the DistillGuard headers each request arrived with."""

    def __init__(self, port):
        self.seen = []  # (X-Account-Id, X-DistillGuard-Action, X-DistillGuard-Directives)
        lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with lock:
                    stub.seen.append((self.headers.get("X-Account-Id"), self.headers.get("X-DistillGuard-Action"),
                                      self.headers.get("X-DistillGuard-Directives")))
                out = json.dumps({"id": "chatcmpl-1", "object": "chat.completion",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                               "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.send_header("X-Input-Tokens", str(len(body) // 4))
                self.send_header("X-Output-Tokens", "42")
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def simulate_ending_now(name, work):
    """Simulates scenarios/NAME.toml moved in time so that it ends just
    before now: the gateway's log lines (stamped with the real clock) then
    continue the history in time order."""
    with open(os.path.join(SRC, "scenarios", name + ".toml")) as f:
        text = f.read()
    days = int(re.search(r"^days\s*=\s*(\d+)", text, re.M).group(1))
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days, hours=1)
    text, n = re.subn(r'^start\s*=\s*"[^"]*"', 'start = "%s"' % start.strftime("%Y-%m-%dT%H:%M:%SZ"), text,
                      count=1, flags=re.M)
    check(n == 1, "scenario has no start line")
    scenario = os.path.join(work, name + "_now.toml")
    with open(scenario, "w") as f:
        f.write(text)
    out = os.path.join(work, "sim")
    p = run(["simulate", "--scenario", scenario, "--out", out, "--quiet"])
    check(p.returncode == 0, "simulate: %s" % p.stderr[-300:])
    events = [json.loads(l) for l in open(os.path.join(out, "events.jsonl"))]
    labels = {d["account_id"]: d for d in (json.loads(l) for l in open(os.path.join(out, "labels.jsonl")))}
    return events, labels


def api_request(event):
    """The provider API request a client would have sent for a simulated
    exchange: (path, headers, body). OpenAI chat completions, or Anthropic
    messages when the exchange asked for a thinking budget."""
    p = event.get("params") or {}
    prompt = event.get("prompt") or ""
    anthropic = (p.get("thinking_budget") or 0) > 0
    if anthropic:
        body = {"model": event.get("model"), "max_tokens": p.get("max_tokens") or 1024,
                "messages": [{"role": "user", "content": prompt}],
                "thinking": {"type": "enabled", "budget_tokens": p["thinking_budget"]}}
        if event.get("system"):
            body["system"] = event["system"]
        path = "/v1/messages"
    else:
        messages = [{"role": "system", "content": event["system"]}] if event.get("system") else []
        messages.append({"role": "user", "content": prompt})
        body = {"model": event.get("model"), "messages": messages}
        for k in ("max_tokens", "temperature", "top_p", "n", "logprobs", "top_logprobs", "stream"):
            if p.get(k) is not None:
                body[k] = p[k]
        path = "/v1/chat/completions"
    if event.get("tools"):
        body["tools"] = [{"name": t} for t in event["tools"]]
    headers = {"Content-Type": "application/json", "X-Account-Id": event["account_id"]}
    for header, key in (("X-Forwarded-For", "ip"), ("User-Agent", "user_agent"), ("X-Client-Fp", "client_fp"),
                        ("X-Org-Id", "org_id"), ("X-Api-Key-Id", "api_key_id"),
                        ("X-Conversation-Id", "conversation_id")):
        if event.get(key):
            headers[header] = event[key]
    return path, headers, json.dumps(body).encode()


class Client:
    """Keep-alive HTTP client to the gateway."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, path, headers, body):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, {k.lower(): v for k, v in r.getheaders()}, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise


def start_ship(log_path, dg_port, token_file):
    return subprocess.Popen([BIN, "ship", "--log", log_path, "--url", "http://127.0.0.1:%d" % dg_port,
                             "--token-file", token_file, "--from-start", "--flush-ms", "100"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return sum(1 for l in f if l.strip())
