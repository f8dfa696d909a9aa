"""The gateway example (examples/gateway_hook.py, docs/gateway.md) works
against a real server with tokens: its events are accepted and its checks
answered, and it fails open when the service is down."""
import json, os, subprocess, sys
from harness import *
from serve_harness import Server

d = fresh_workdir()
example = os.path.join(SRC, "examples", "gateway_hook.py")
srv = Server(state=os.path.join(d, "state"), env={"DG_WRITE_TOKENS": "gw-secret"})
try:
    p = subprocess.run([sys.executable, example, "http://127.0.0.1:%d" % srv.port, "gw-secret"], capture_output=True,
                       timeout=120)
    check(p.returncode == 0, "example failed: %s" % p.stderr[-500:])
    out = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    check([o["account_id"] for o in out] == ["demo-acct-0", "demo-acct-1"], "example output %s" % out)
    m = srv.metrics(token="gw-secret")
    check(m.get("dg_events_accepted_total") == 20 and m.get("dg_events_rejected_total") == 0, "events %s" % m)
    status, r = srv.json("GET", "/v1/accounts/demo-acct-0", token="gw-secret")
    check(status == 200 and r["exchanges"] == 10, "account after the example %s" % r)
    check(all(o["action"] == r["action"] for o in out[:1]), "example check %s vs account %s" % (out, r))
finally:
    srv.stop()
# Service gone: the hook fails open.
sys.path.insert(0, os.path.join(SRC, "examples"))
import gateway_hook
hook = gateway_hook.DistillGuardHook("http://127.0.0.1:%d" % srv.port)
v = hook.before_request("anyone")
check(v.serve and v.action == "allow" and "unavailable" in v.reasons[0], "fail open %s" % v.__dict__)
hook.stopping.set()
finish()
