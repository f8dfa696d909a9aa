"""The decision service against scan and against crashes (issue 5):
- serve == scan: posting a simulated scenario's events.jsonl in file order
  gives, for every account, the accounts.jsonl row scan writes, and the same
  /v1/check action and campaigns;
- restart: the same rows after SIGTERM and a restart on the same --state;
- SIGKILL mid-ingest: after a restart every acknowledged event is in the
  state, which equals a scan of the logged prefix; posting the rest then
  gives scan's result for the whole file."""
import json, os, signal, threading, time
from harness import *
from serve_harness import Server

d = fresh_workdir()
p = run(["simulate", "--scenario", os.path.join(SRC, "scenarios", "naive_hydra.toml"), "--out", os.path.join(d, "sim"),
         "--quiet"])
check(p.returncode == 0, "simulate failed: %s" % p.stderr[-300:])
lines = open(os.path.join(d, "sim", "events.jsonl"), encoding="utf-8").read().splitlines()
# scan reorders within a window; serve processes in arrival order. Post (and
# scan) the stable time-sorted order so that both see the same sequence.
ts = [json.loads(l)["ts"] for l in lines]
order = sorted(range(len(lines)), key=lambda i: ts[i])
lines = [lines[i] for i in order]
ts_sorted = [ts[i] for i in order]
events_path = os.path.join(d, "events.jsonl")
open(events_path, "w", encoding="utf-8").write("\n".join(lines) + "\n")


def scan_rows(path, out):
    p = run(["scan", path, "--out", out, "--quiet"])
    check(p.returncode == 0, "scan failed: %s" % p.stderr[-300:])
    return accounts(out), json.load(open(os.path.join(out, "campaigns.json")))


def post_all(srv, chunk, start=0, watch=(), stop=None):
    """Posts lines[start:] in chunks; after each, the check of every watched
    account must agree with its engine row (GET /v1/accounts), so that a
    campaign's action reaches members that sent nothing since."""
    acked = 0
    end = len(lines) if stop is None else stop
    for i in range(start, end, chunk):
        status, r = srv.post_events(lines[i:min(i + chunk, end)])
        check(status == 200 and r["rejected"] == 0, "post at %d: %s %s" % (i, status, str(r)[:200]))
        acked += r["accepted"]
        for aid in watch:
            status, row = srv.json("GET", "/v1/accounts/" + aid)
            if status != 200:
                continue
            c = srv.json("POST", "/v1/check", {"account_id": aid})[1]
            check(c["action"] == row["action"] and c["campaign"] == row["campaign"],
                  "after line %d: %s check %s/%s, engine %s/%s" % (i + chunk, aid, c["action"], c["campaign"],
                                                                   row["action"], row["campaign"]))
    return acked


def compare(srv, want, label, check_decisions=True):
    mismatched = 0
    for aid, row in want.items():
        status, got = srv.json("GET", "/v1/accounts/" + aid)
        if status != 200 or got != row:
            mismatched += 1
            if mismatched <= 3:
                check(False, "%s: %s: serve %s\n  scan %s" % (label, aid, got, row))
        if check_decisions:
            status, c = srv.json("POST", "/v1/check", {"account_id": aid})
            if c.get("action") != row["action"] or c.get("campaign") != row["campaign"]:
                mismatched += 1
                check(False, "%s: %s check %s, scan %s" % (label, aid, c, row["action"]))
    check(mismatched == 0, "%s: %d of %d accounts differ" % (label, mismatched, len(want)))


full, full_campaigns = scan_rows(events_path, os.path.join(d, "scan_full"))
actioned = sum(1 for a in full.values() if a["action"] in ("throttle", "challenge", "block"))
check(actioned >= 10, "only %d accounts actioned: serve==scan would prove little" % actioned)

# serve == scan, then the same after a graceful restart.
state = os.path.join(d, "state")
srv = Server(state=state)
members = [aid for aid, a in full.items() if a["campaign"]]
check(len(members) >= 10, "only %d campaign members: propagation untested" % len(members))
# Stop right after the first campaign escalation: members that sent nothing
# since must already be refused by /v1/check.
escalations = sorted(c["actioned_at"] for c in full_campaigns["campaigns"] if c.get("actioned_at"))
check(escalations, "no campaign was actioned: propagation untested")
cut = next((i for i, t in enumerate(ts_sorted) if escalations and t > escalations[0]), len(lines))
acked = post_all(srv, 500, stop=cut, watch=members)
acked += post_all(srv, 500, start=cut, watch=members)
check(acked == len(lines), "accepted %d of %d" % (acked, len(lines)))
compare(srv, full, "serve vs scan")
def first_difference(a, b, path="$"):
    """Where two JSON values first differ (for a readable failure)."""
    if type(a) is not type(b):
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "serve" if k in a else "scan")
            d = first_difference(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: serve %r, scan %r" % (path, a, b)


served_campaigns = srv.json("GET", "/v1/campaigns")[1]
check(served_campaigns == full_campaigns,
      "campaigns differ from scan: %s" % first_difference(served_campaigns, full_campaigns))
check(srv.stop() == 0, "SIGTERM exit status")
srv = Server(state=state)
compare(srv, full, "after restart")
# Redelivery after the restart: duplicates, no effect (ids are remembered for
# ingest.dedup_window_ms of event time, as in scan, so redeliver recent ones).
status, r = srv.post_events(lines[-100:])
check(status == 200 and r["accepted"] == 100, "redelivery %s" % r)
compare(srv, full, "after redelivery", check_decisions=False)
srv.stop()

# SIGKILL while a poster is mid-stream.
state2 = os.path.join(d, "state_kill")
srv = Server(state=state2)
acked_lines = [0]
stop = threading.Event()


def poster():
    i = 0
    while i < len(lines) and not stop.is_set():
        try:
            status, r = srv.post_events(lines[i:i + 200])
        except Exception:
            return  # the server died under us: this batch was never acknowledged
        if status != 200:
            return
        acked_lines[0] += r["accepted"]
        i += 200


t = threading.Thread(target=poster)
t.start()
while acked_lines[0] < len(lines) * 0.4 and t.is_alive():
    time.sleep(0.01)
srv.proc.send_signal(signal.SIGKILL)
srv.proc.wait()
stop.set()
t.join()
acked = acked_lines[0]
check(0 < acked < len(lines), "kill did not land mid-stream (acked %d of %d)" % (acked, len(lines)))

srv = Server(state=state2)
logged = int(srv.metrics()["dg_log_events"])
check(logged >= acked, "acknowledged %d events but only %d survived SIGKILL" % (acked, logged))
print("acknowledged before SIGKILL: %d, in the log after restart: %d" % (acked, logged))
prefix_path = os.path.join(d, "prefix.jsonl")
open(prefix_path, "w", encoding="utf-8").write("\n".join(lines[:logged]) + "\n")
prefix, _ = scan_rows(prefix_path, os.path.join(d, "scan_prefix"))
compare(srv, prefix, "after SIGKILL vs scan of the logged prefix", check_decisions=False)
post_all(srv, 500, start=logged)
compare(srv, full, "after SIGKILL and the rest of the stream", check_decisions=False)
check(srv.stop() == 0, "SIGTERM exit status after recovery")
finish()
