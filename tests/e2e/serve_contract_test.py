"""The decision service's HTTP contract (SCHEMA.md section 5, docs/service.md):
every endpoint's answer shape, bearer auth (401 without a valid token, 403 for
a read token on a write endpoint, /healthz open), overrides recorded with who
and why, config reload, metrics."""
import json, os, signal, time
from harness import *
from serve_harness import Server

d = fresh_workdir()
config = os.path.join(d, "config.toml")
with open(config, "w") as f:
    f.write('[service]\nread_tokens = ["reader-secret"]\n')
READ, WRITE = "reader-secret", "writer-secret"
srv = Server(state=os.path.join(d, "state"), config=config, env={"DG_WRITE_TOKENS": "writer-secret"})
try:
    # Auth table: (method, path, body, token, expected status)
    ev = '{"ts":"2026-04-22T10:00:00Z","request_id":"r1","account_id":"a1"}\n'
    chk = '{"account_id":"a1"}'
    ovr = '{"action":"block","by":"alice","reason":"test"}'
    table = [
        ("GET", "/healthz", None, None, 200),
        ("GET", "/metrics", None, None, 401),
        ("GET", "/metrics", None, "wrong", 401),
        ("GET", "/metrics", None, READ, 200),
        ("POST", "/v1/check", chk, None, 401),
        ("POST", "/v1/check", chk, READ, 200),
        ("POST", "/v1/check", chk, WRITE, 200),
        ("POST", "/v1/events", ev, None, 401),
        ("POST", "/v1/events", ev, READ, 403),
        ("POST", "/v1/events", ev, WRITE, 200),
        ("GET", "/v1/accounts/a1", None, None, 401),
        ("GET", "/v1/accounts/a1", None, READ, 200),
        ("GET", "/v1/campaigns", None, "reader-secre", 401),
        ("GET", "/v1/campaigns", None, READ, 200),
        ("POST", "/v1/accounts/zz/override", ovr, READ, 403),
        ("POST", "/v1/campaigns/C9/override", ovr, READ, 403),
        ("POST", "/v1/admin/reload", None, READ, 403),
        ("GET", "/v1/overrides", None, None, 401),
    ]
    for method, path, body, token, want in table:
        ct = "application/x-ndjson" if path == "/v1/events" else "application/json"
        status, headers, data = srv.request(method, path, body, {"Content-Type": ct} if body else {}, token)
        check(status == want, "%s %s token=%s: %d, want %d (%s)" % (method, path, token, status, want, data[:200]))
        check(headers.get("Content-Type", "").startswith("application/json") or path == "/metrics",
              "%s %s: content type %s" % (method, path, headers.get("Content-Type")))
        if status >= 400:
            check("error" in json.loads(data), "%s %s: error body %s" % (method, path, data[:200]))
        if status == 401:
            check(headers.get("WWW-Authenticate") == "Bearer", "401 without WWW-Authenticate")
    # The tokens never appear in what the server prints.
    # Events: NDJSON with per-line results.
    lines = ['{"ts":"2026-04-22T10:00:%02dZ","request_id":"q%d","account_id":"a2","prompt":"hello"}' % (i, i)
             for i in range(5)]
    lines.insert(2, '{"ts":"2026-04-22T10:00:09Z","account_id":"a2"}')
    status, r = srv.post_events(lines, token=WRITE)
    check(status == 200 and r["accepted"] == 5 and r["rejected"] == 1, "events answer %s" % r)
    check(r["errors"] == [{"line": 3, "reason": "missing required field 'request_id'"}], "errors %s" % r)
    status, r = srv.json("POST", "/v1/events", raw=lines[0], token=WRITE, content_type="application/json")
    check(status == 200 and r["accepted"] == 1, "single object %s" % r)
    # Check.
    status, r = srv.json("POST", "/v1/check", {"account_id": "a2", "ip": "203.0.113.7"}, token=READ)
    check(status == 200 and set(r) >= {"action", "score", "campaign", "reasons"}, "check %s" % r)
    check(r["action"] in ("allow", "monitor", "throttle", "challenge", "block") and 0 <= r["score"] <= 1, "check %s" % r)
    status, r = srv.json("POST", "/v1/check", {"account_id": "never-seen"}, token=READ)
    check(status == 200 and r["action"] == "allow" and r["campaign"] is None, "unknown account %s" % r)
    # Account rows as in accounts.jsonl.
    status, r = srv.json("GET", "/v1/accounts/a2", token=READ)
    check(status == 200 and r["account_id"] == "a2" and r["exchanges"] == 5, "account %s" % r)
    check(set(r) >= {"action", "score", "campaign", "exchanges", "first_action_ts", "exchanges_before_action",
                     "reasons"}, "account fields %s" % r)
    status, r = srv.json("GET", "/v1/accounts/nobody", token=READ)
    check(status == 404 and "error" in r, "missing account %s" % r)
    status, r = srv.json("GET", "/v1/campaigns", token=READ)
    check(status == 200 and isinstance(r.get("campaigns"), list), "campaigns %s" % r)
    # Overrides win, are recorded with who and why, and can be cleared.
    status, r = srv.json("POST", "/v1/accounts/a2/override", {"action": "block", "by": "alice", "reason": "chargeback"},
                         token=WRITE)
    check(status == 200 and r["action"] == "block" and r["by"] == "alice", "override %s" % r)
    status, r = srv.json("POST", "/v1/check", {"account_id": "a2"}, token=READ)
    check(r["action"] == "block" and r["override"]["by"] == "alice" and "chargeback" in r["reasons"][0], "overridden %s" % r)
    status, r = srv.json("GET", "/v1/accounts/a2", token=READ)
    check(r["action"] == "block" and r["override"]["reason"] == "chargeback" and "model_action" in r, "account %s" % r)
    status, r = srv.json("POST", "/v1/accounts/a2/override", {"action": "maybe", "by": "x", "reason": "y"}, token=WRITE)
    check(status == 400, "bad override action accepted: %s" % r)
    status, r = srv.json("POST", "/v1/accounts/a2/override", {"action": "clear", "by": "bob", "reason": "appeal"},
                         token=WRITE)
    check(status == 200, "clear override %s" % r)
    status, r = srv.json("POST", "/v1/check", {"account_id": "a2"}, token=READ)
    check("override" not in r, "override not cleared %s" % r)
    status, r = srv.json("POST", "/v1/campaigns/C7/override", {"action": "allow", "by": "carol", "reason": "eval lab"},
                         token=WRITE)
    check(status == 200 and r["kind"] == "campaign", "campaign override %s" % r)
    status, r = srv.json("GET", "/v1/overrides", token=READ)
    check(status == 200 and [o["id"] for o in r["overrides"]] == ["C7"], "overrides %s" % r)
    check([a["by"] for a in r["audit"]] == ["carol", "bob", "alice"], "audit %s" % r["audit"])
    # Reload: a bad file is refused and changes nothing; a good one is applied.
    with open(config, "w") as f:
        f.write('[service]\nread_tokens = ["reader-secret"]\n[policy]\nbogus = 1\n')
    status, r = srv.json("POST", "/v1/admin/reload", token=WRITE)
    check(status == 400 and "bogus" in r["error"], "bad reload %s" % r)
    with open(config, "w") as f:
        f.write('[service]\nread_tokens = ["reader-2"]\n[policy]\nmin_exchanges = 5\n')
    status, r = srv.json("POST", "/v1/admin/reload", token=WRITE)
    check(status == 200 and r["reloaded"] is True and r["replayed_events"] == 7, "reload %s" % r)
    check(srv.request("GET", "/metrics", token=READ)[0] == 401, "old read token still valid after reload")
    check(srv.request("GET", "/metrics", token="reader-2")[0] == 200, "new read token refused after reload")
    status, r = srv.json("GET", "/v1/accounts/a2", token="reader-2")
    check(status == 200 and r["exchanges"] == 5, "state lost by reload %s" % r)
    # nginx auth_request style: the account from a header, the action as a status.
    status, h, body = srv.request("GET", "/v1/authz", headers={"X-Account-Id": "a2", "X-Forwarded-For":
                                                              "198.51.100.9, 10.0.0.1"}, token="reader-2")
    check(status == 204 and h.get("X-DistillGuard-Action") in ("allow", "monitor"), "authz %d %s" % (status, h))
    check(srv.request("GET", "/v1/authz", token="reader-2")[0] == 401, "authz without account header")
    check(srv.request("GET", "/v1/authz", headers={"X-Account-Id": "a2"})[0] == 401, "authz without token")
    srv.json("POST", "/v1/accounts/a2/override", {"action": "throttle", "by": "alice", "reason": "x"}, token=WRITE)
    status, h, body = srv.request("GET", "/v1/authz", headers={"X-Account-Id": "a2"}, token="reader-2")
    check(status == 429 and h.get("Retry-After") == "60" and "error" not in json.loads(body), "authz throttle %d %s" % (status, h))
    srv.json("POST", "/v1/accounts/a2/override", {"action": "challenge", "by": "alice", "reason": "x"}, token=WRITE)
    status, h, body = srv.request("GET", "/v1/authz", headers={"X-Account-Id": "a2"}, token="reader-2")
    check(status == 403 and h.get("X-DistillGuard-Reason") == "challenge", "authz challenge %d %s" % (status, h))
    # Envoy ext_authz (HTTP mode): the original method, path_prefix + the original path, maybe a body.
    for method in ("POST", "PUT", "DELETE", "PATCH", "GET", "HEAD"):
        status, h, body = srv.request(method, "/v1/authz/v1/chat/completions?x=1", body="{}" if method != "HEAD"
                                      and method != "GET" else None, headers={"X-Account-Id": "a2"}, token="reader-2")
        check(status == 403 and h.get("X-DistillGuard-Reason") == "challenge", "ext_authz %s %d" % (method, status))
    check(srv.request("GET", "/v1/authzz", headers={"X-Account-Id": "a2"}, token="reader-2")[0] == 404,
          "a path that only starts like /v1/authz")
    srv.json("POST", "/v1/accounts/a2/override", {"action": "clear", "by": "alice", "reason": "x"}, token=WRITE)
    # SIGHUP reloads too.
    with open(config, "w") as f:
        f.write('[service]\nread_tokens = ["reader-3"]\n[policy]\nmin_exchanges = 5\n')
    srv.proc.send_signal(signal.SIGHUP)
    for _ in range(600):
        if srv.request("GET", "/metrics", token="reader-3")[0] == 200:
            break
        time.sleep(0.1)
    check(srv.request("GET", "/metrics", token="reader-3")[0] == 200, "SIGHUP did not reload the tokens")
    check(srv.request("GET", "/metrics", token="reader-2")[0] == 401, "old token valid after SIGHUP")
    # Metrics: the families an operator graphs.
    m = srv.metrics(token="reader-3")
    for key in ["dg_events_accepted_total", "dg_events_rejected_total", 'dg_decisions_total{action="allow"}',
                'dg_checks_total{action="block"}', "dg_campaigns", "dg_accounts", "dg_process_resident_memory_bytes",
                'dg_request_duration_seconds_bucket{route="check",le="0.001"}',
                'dg_request_duration_seconds_count{route="events"}', "dg_reloads_total"]:
        check(key in m, "metric %s missing" % key)
    check(m.get("dg_reloads_total") == 2, "reloads counted %s" % m.get("dg_reloads_total"))
    check(m.get("dg_events_accepted_total") == 7 and m.get("dg_events_rejected_total") == 1, "event counters %s" % m)
    check(m.get('dg_checks_total{action="block"}') == 1, "check counters")
    check(m.get('dg_checks_total{action="throttle"}') == 1, "authz counted with the checks")
    check(m.get("dg_process_resident_memory_bytes", 0) > 0, "memory gauge")
finally:
    code = srv.stop()
    err = srv.proc.stderr.read().decode(errors="replace")
check(code == 0, "SIGTERM exit status %s" % code)
check("stopped" in err, "no graceful stop message: %s" % err[-300:])
check(READ not in err and WRITE not in err and "reader-2" not in err and "reader-3" not in err, "a token was printed")
check("reload" in err, "SIGHUP reload not reported: %s" % err[-300:])

# Listening beyond loopback without tokens is refused.
p = run(["serve", "--listen", "0.0.0.0:0"], timeout=60)
check(p.returncode == 2 and b"without tokens" in p.stderr, "open non-loopback listen: %d %s" % (p.returncode, p.stderr))
p = run(["serve", "--listen", "nonsense"], timeout=60)
check(p.returncode == 2, "bad --listen accepted")
p = run(["serve", "--help"], timeout=60)
check(p.returncode == 0 and b"--state" in p.stdout, "serve --help")
finish()
