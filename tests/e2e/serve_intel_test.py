"""Issue 6 part 4 in the service: a bundle imported into the state
(`intel import --state DIR`) is loaded by `serve --state DIR --key-file K`,
and exchanges that match it are cited in the account's reasons, as scan
--intel does for the same stream."""
import json, os
from harness import *
from serve_harness import Server

d = fresh_workdir()
scenario = os.path.join(SRC, "scenarios", "two_providers.toml")
key = os.path.join(d, "trust-group.key")
open(key, "w").write("9a8b7c6d5e4f30211203948576abcdef0123456789abcdef0123456789abcdef\n")
a, b = os.path.join(d, "a"), os.path.join(d, "b")
for work, seed in ((a, "11"), (b, "12")):
    p = run(["simulate", "--scenario", scenario, "--seed", seed, "--out", work, "--quiet"])
    check(p.returncode == 0, "simulate: %s" % p.stderr[-300:])
run(["scan", a + "/events.jsonl", "--out", a + "/scan", "--quiet"])
bundle = os.path.join(d, "a.json")
p = run(["intel", "export", "--result", a + "/scan", "--out", bundle, "--key-file", key])
check(p.returncode == 0, "export: %s" % p.stderr[-300:])
state = os.path.join(d, "state")
p = run(["intel", "import", bundle, "--state", state])
check(p.returncode == 0, "import: %s" % p.stderr[-300:])

# The same stream through scan --intel, for comparison.
p = run(["scan", b + "/events.jsonl", "--out", b + "/scan", "--quiet", "--intel", bundle, "--key-file", key])
check(p.returncode == 0, "scan --intel: %s" % p.stderr[-300:])
want = accounts(b + "/scan")

srv = Server(state=state, extra=["--key-file", key])
try:
    m = srv.metrics()
    check(m.get("dg_intel_indicators", 0) > 0, "serve loaded no indicators: %s" % m.get("dg_intel_indicators"))
    lines = open(b + "/events.jsonl", encoding="utf-8").read().splitlines()
    for i in range(0, len(lines), 2000):
        status, body = srv.post_events(lines[i:i + 2000])
        check(status == 200 and body.get("rejected") == 0, "post: %s %s" % (status, str(body)[:200]))
    srv.drain()
    cited = [aid for aid, row in want.items() if any("shared intel" in r for r in row["reasons"])]
    check(len(cited) >= 5, "scan --intel cited the bundle for only %d accounts" % len(cited))
    differ = 0
    for aid in cited:
        status, row = srv.json("GET", "/v1/accounts/" + aid)
        if status != 200 or not any("shared intel" in r for r in row.get("reasons", [])) \
                or row.get("action") != want[aid]["action"]:
            differ += 1
    check(differ == 0, "%d of %d intel-matched accounts differ between serve and scan --intel" % (differ, len(cited)))
finally:
    srv.stop()
finish()
