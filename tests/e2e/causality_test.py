"""Causality (issue 2): scanning only the first half of a stream gives the same
first_action_ts for every account actioned within that half."""
import json, os
from harness import *

d = fresh_workdir()
p = run(["demo", "--out", os.path.join(d, "demo"), "--quiet"])
check(p.returncode == 0, "demo failed: %s" % p.stderr[-500:])
events = open(os.path.join(d, "demo", "events.jsonl"), "rb").read().splitlines(keepends=True)
half = events[: len(events) // 2]
open(os.path.join(d, "half.jsonl"), "wb").write(b"".join(half))
cut = json.loads(half[-1])["ts"]
p = run(["scan", os.path.join(d, "half.jsonl"), "--out", os.path.join(d, "half")])
check(p.returncode == 0, "half scan failed")
full = accounts(os.path.join(d, "demo"))
part = accounts(os.path.join(d, "half"))
compared = 0
for aid, a in full.items():
    if a["first_action_ts"] is not None and a["first_action_ts"] < cut:
        compared += 1
        b = part.get(aid)
        check(b is not None and b["first_action_ts"] == a["first_action_ts"]
              and b["exchanges_before_action"] == a["exchanges_before_action"],
              "%s: full %s/%s, half %s" % (aid, a["first_action_ts"], a["exchanges_before_action"], b))
check(compared > 10, "only %d accounts actioned in the first half: the test would prove nothing" % compared)
print("compared", compared, "accounts actioned before", cut)
finish()
