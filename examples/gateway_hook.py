#!/usr/bin/env python3
"""A tiny gateway hook for DistillGuard (docs/gateway.md). Standard library only.

    hook = DistillGuardHook("http://127.0.0.1:8080", token="...")
    verdict = hook.before_request(account_id, ip=..., client_fp=...)   # ask before serving
    if verdict.serve: ... answer the request ...
    hook.after_response(event_dict)                                    # stream the exchange
    hook.close()                                                       # flush on shutdown

before_request() answers from /v1/check with a short timeout and fails open
(allow) when the service cannot be reached, so DistillGuard never takes the
API down; after_response() queues the exchange, and a background thread posts
the queue to /v1/events as NDJSON every 200 ms or 500 events, retrying a
failed batch (the service drops duplicate request_ids, so a retry is safe).

Run it as a script to post a few exchanges and check them:
    python3 examples/gateway_hook.py http://127.0.0.1:8080 [TOKEN]
"""
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse


class Verdict:
    def __init__(self, action, score, reasons, campaign=None):
        self.action, self.score, self.reasons, self.campaign = action, score, reasons, campaign
        # throttle: serve slowly or with a lower rate limit; challenge: ask for
        # verification first; block: refuse. The gateway chooses how.
        self.serve = action in ("allow", "monitor", "throttle")


class DistillGuardHook:
    def __init__(self, base_url, token=None, timeout_s=0.05, batch=500, flush_s=0.2):
        u = urllib.parse.urlparse(base_url)
        self.host, self.port = u.hostname, u.port or 80
        self.headers = {"Authorization": "Bearer " + token} if token else {}
        self.timeout_s, self.batch, self.flush_s = timeout_s, batch, flush_s
        self.local = threading.local()  # one keep-alive connection per gateway thread
        self.events = queue.Queue(maxsize=100000)
        self.stopping = threading.Event()
        self.sender = threading.Thread(target=self._send_loop, daemon=True)
        self.sender.start()

    def _conn(self, timeout):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        return c

    def _post(self, path, body, content_type, timeout):
        c = self._conn(timeout)
        try:
            c.request("POST", path, body=body, headers=dict(self.headers, **{"Content-Type": content_type}))
            r = c.getresponse()
            return r.status, json.loads(r.read())
        except Exception:
            c.close()
            self.local.conn = None
            raise

    def before_request(self, account_id, ip=None, client_fp=None, org_id=None):
        req = {"account_id": account_id}
        for k, v in (("ip", ip), ("client_fp", client_fp), ("org_id", org_id)):
            if v is not None:
                req[k] = v
        try:
            status, r = self._post("/v1/check", json.dumps(req), "application/json", self.timeout_s)
            if status == 200:
                return Verdict(r["action"], r["score"], r["reasons"], r.get("campaign"))
        except Exception:
            pass
        return Verdict("allow", 0.0, ["distillguard unavailable: failing open"])

    def after_response(self, event):
        try:
            self.events.put_nowait(json.dumps(event, separators=(",", ":")))
        except queue.Full:
            pass  # shed load rather than block the gateway; the count is visible in its own metrics

    def _send_loop(self):
        pending = []
        while not (self.stopping.is_set() and self.events.empty() and not pending):
            deadline = time.time() + self.flush_s
            while len(pending) < self.batch and time.time() < deadline:
                try:
                    pending.append(self.events.get(timeout=max(0.0, deadline - time.time())))
                except queue.Empty:
                    break
            if not pending:
                continue
            try:
                status, r = self._post("/v1/events", "\n".join(pending) + "\n", "application/x-ndjson", 30)
                if status == 200:
                    for e in r["errors"]:
                        print("distillguard rejected an event: line %d: %s" % (e["line"], e["reason"]),
                              file=sys.stderr)
                    pending = []
                    continue
            except Exception:
                pass
            time.sleep(0.5)  # keep the batch and retry

    def close(self):
        self.stopping.set()
        self.sender.join(timeout=30)


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    hook = DistillGuardHook(base, token=sys.argv[2] if len(sys.argv) > 2 else None, timeout_s=1.0)
    start = time.time()
    for i in range(20):
        account = "demo-acct-%d" % (i % 2)
        verdict = hook.before_request(account, ip="203.0.113.%d" % i)
        hook.after_response({
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + i)) + ".000Z",
            "request_id": "demo-%d-%d" % (int(start), i), "account_id": account, "ip": "203.0.113.%d" % i,
            "prompt": "Think step by step and show your full reasoning: prove lemma %d" % i,
            "params": {"max_tokens": 16000}, "output_tokens": 3000})
    hook.close()
    for account in ("demo-acct-0", "demo-acct-1"):
        v = hook.before_request(account)
        print(json.dumps({"account_id": account, "action": v.action, "score": v.score}))
