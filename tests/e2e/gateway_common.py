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
import time

from harness import BIN, SRC, WORK, check, run
from serve_harness import Server

READ, WRITE = "gw-read-secret", "gw-write-secret"


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


def drive(srv, client, stub, events_log, preload, live, labels, attack, read, write, min_attackers=30):
    """The judged path: preload the history, start the shipper on the
    gateway's events log, send the live traffic through the gateway, wait
    until every logged line is in the service, then check that each
    account's next request gets the status its decision calls for, and that
    no line was lost. The caller runs `distillguard ship` on events_log."""
    READ, WRITE = read, write
    # The benign history of the days before, as an earlier log shipped.
    for i in range(0, len(preload), 2000):
        status, body = srv.post_events([json.dumps(e) for e in preload[i:i + 2000]], token=WRITE)
        check(status == 200 and body["rejected"] == 0, "preload: %s %s" % (status, body))

    # Live traffic through the gateway in time order: the campaign's first
    # exchanges and the benign accounts' latest ones.
    first_status = {}
    statuses = {"attack": {}, "benign": {}}
    served = 0
    for e in live:
        path, headers, body = api_request(e)
        status, h, _ = client.send(path, headers, body)
        kind = "attack" if e["account_id"] in attack else "benign"
        statuses[kind][status] = statuses[kind].get(status, 0) + 1
        first_status.setdefault(e["account_id"], status)
        served += status == 200
    print("live traffic:", statuses)
    check(all(first_status[a] == 200 for a in first_status if a in attack),
          "a campaign account was refused before any of its traffic was shipped")
    check(statuses["attack"].get(200, 0) > 0, "no campaign request got through before the decisions")
    benign_live = sum(statuses["benign"].values())
    check(statuses["benign"].get(200, 0) >= 0.95 * benign_live,
          "benign live requests served: %s of %d" % (statuses["benign"], benign_live))

    def wait_shipped():
        deadline = time.time() + 60
        while time.time() < deadline:
            m = srv.metrics(READ)
            if m.get("dg_events_accepted_total", 0) + m.get("dg_events_rejected_total", 0) >= \
                    len(preload) + count_lines(events_log):
                break
            time.sleep(0.1)
        srv.drain(READ)

    # The gateway writes a line after answering; wait for the log and the shipper.
    time.sleep(0.5)
    wait_shipped()

    # Now each account asks again through the gateway; the answer must be the
    # service's decision for it.
    def decision(account):
        status, body = srv.json("GET", "/v1/accounts/" + account, token=READ)
        check(status == 200, "GET /v1/accounts/%s: %d" % (account, status))
        return body.get("action") if status == 200 else None

    by_account = {}
    for e in live:
        by_account.setdefault(e["account_id"], e)
    refused = served_benign = 0
    benign_accounts = [a for a in by_account if a not in attack]
    for account, e in by_account.items():
        action = decision(account)
        path, headers, body = api_request(e)
        status, h, _ = client.send(path, headers, body)
        want = {"allow": 200, "monitor": 200, "throttle": 429, "challenge": 403, "block": 403}[action]
        check(status == want, "%s (%s, %s): the gateway answered %d" % (account, labels[account]["label"], action, status))
        if status == 429:
            check(h.get("retry-after", "").isdigit(), "429 without Retry-After: %s" % h)
        if status == 403:
            check(h.get("x-distillguard-reason") == action, "403 reason header %s for %s" % (h, action))
        if account in attack:
            refused += status in (403, 429)
        else:
            served_benign += status == 200
    attackers = [a for a in by_account if a in attack]
    print("campaign accounts refused: %d/%d; benign accounts served: %d/%d" %
          (refused, len(attackers), served_benign, len(benign_accounts)))
    check(len(attackers) >= min_attackers, "too few campaign accounts in the live traffic: %d" % len(attackers))
    check(refused >= 0.9 * len(attackers), "campaign accounts refused: %d/%d" % (refused, len(attackers)))
    check(served_benign >= 0.95 * len(benign_accounts),
          "benign accounts served: %d/%d" % (served_benign, len(benign_accounts)))

    # Challenge and block (here from an analyst's override) reach the
    # client as 403 with the reason header.
    for account, action in ((attackers[0], "block"), (attackers[1], "challenge")):
        status, _ = srv.json("POST", "/v1/accounts/%s/override" % account,
                             {"action": action, "by": "e2e", "reason": "test"}, token=WRITE)
        check(status == 200, "override: %d" % status)
        status, h, body = client.send(*api_request(by_account[account]))
        print("%s override through the gateway: %d %s %s" % (action, status, h.get("x-distillguard-reason"), body[:100]))
        check(status == 403 and h.get("x-distillguard-reason") == action and "retry-after" not in h,
              "%s through the gateway: %d %s" % (action, status, h))
        want_type = "verification_required" if action == "challenge" else "permission_error"
        check(json.loads(body)["error"]["type"] == want_type, "%s body: %s" % (action, body))

    # Directives reached the model API with the allowed requests.
    allowed_seen = [s for s in stub.seen if s[1] == "allow"]
    check(allowed_seen and all(s[2] == "max-tokens=32768" for s in allowed_seen),
          "directives at the model API: %s" % allowed_seen[:3])

    # No loss: every line the gateway logged is an accepted event, none rejected.
    time.sleep(0.5)
    wait_shipped()
    logged = count_lines(events_log)
    m = srv.metrics(READ)
    check(m["dg_events_accepted_total"] == len(preload) + logged,
          "service accepted %d events, the gateway logged %d (+%d preloaded)" %
          (m["dg_events_accepted_total"], logged, len(preload)))
    check(m["dg_events_rejected_total"] == 0, "rejected lines: %d" % m["dg_events_rejected_total"])
    check(len(stub.seen) == logged, "model API served %d, log has %d lines" % (len(stub.seen), logged))
    with open(events_log) as f:
        first = json.loads(f.readline())
    check(first.get("http_request", "").startswith("{") and first.get("account_id"),
          "log line shape: %s" % str(first)[:300])




class GatewayTest:
    """What both gateway tests start from: tokens, a service config, the
    simulated traffic split into the history posted directly (`preload`)
    and the live part sent through the gateway (the campaign's first
    `via_campaign` exchanges, the last `via_benign` benign ones), and the
    service itself."""

    def __init__(self, work, via_campaign, via_benign):
        self.token_file = os.path.join(work, "write.token")
        with open(self.token_file, "w") as f:
            f.write(WRITE + "\n")
        config = os.path.join(work, "config.toml")
        with open(config, "w") as f:
            # Directives for allowed accounts, to see them arrive at the model API.
            f.write('[service]\nread_tokens = ["%s"]\nfsync = false\nauthz_directives_allow = "max-tokens=32768"\n'
                    % READ)
        events, self.labels = simulate_ending_now("naive_hydra", work)
        self.attack = {a for a, l in self.labels.items() if l["label"] == "attack"}
        benign = [e for e in events if e["account_id"] not in self.attack]
        self.hydra_events = [e for e in events if e["account_id"] in self.attack][:via_campaign]
        self.preload, self.benign_tail = benign[:-via_benign], benign[-via_benign:]
        self.srv = Server(state=os.path.join(work, "state"), config=config, env={"DG_WRITE_TOKENS": WRITE})
