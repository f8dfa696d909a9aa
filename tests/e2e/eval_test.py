"""`distillguard eval` on the demo traffic: its JSON agrees with an independent
computation of SCHEMA.md section 4 from accounts.jsonl, labels.jsonl and the
events; the quota baseline agrees with a plain rolling-window count."""
import collections, json, os
from harness import *

d = fresh_workdir()
out = os.path.join(d, "demo")
p = run(["demo", "--out", out, "--quiet", "--seed", "7"])
check(p.returncode == 0, "demo failed")
quota = 200
p = run(["eval", "--labels", out + "/labels.jsonl", "--events", out + "/events.jsonl", "--result", out,
         "--quota", str(quota), "--json", d + "/eval.json"])
check(p.returncode == 0, "eval exit %d %s" % (p.returncode, p.stderr[-300:]))
r = json.load(open(d + "/eval.json"))

labels = {l["account_id"]: l for l in read_jsonl(out + "/labels.jsonl")}
accs = accounts(out)
events = read_jsonl(out + "/events.jsonl")
act = lambda a: a["action"] in ("throttle", "challenge", "block")
att = [a for a in labels.values() if a["label"] == "attack"]
ben = [a for a in labels.values() if a["label"] == "benign"]
rec = sum(act(accs[a["account_id"]]) for a in att if a["account_id"] in accs) / len(att)
fpr = sum(act(accs[a["account_id"]]) for a in ben if a["account_id"] in accs) / len(ben)
tot = sum(accs[a["account_id"]]["exchanges"] for a in att if a["account_id"] in accs)
leak = sum((accs[a["account_id"]]["exchanges_before_action"] if accs[a["account_id"]]["exchanges_before_action"] is not None
            else accs[a["account_id"]]["exchanges"]) for a in att if a["account_id"] in accs)
det = r["detector"]
check(abs(det["recall"] - rec) < 1e-4, "recall %s vs %s" % (det["recall"], rec))
check(abs(det["benign_fpr"] - fpr) < 1e-6, "fpr %s vs %s" % (det["benign_fpr"], fpr))
check(abs(det["leakage"] - leak / tot) < 1e-4, "leakage %s vs %s" % (det["leakage"], leak / tot))

# Baseline: refuse when the account already had `quota` served in the last 24 h.
served = collections.defaultdict(collections.deque)
refused = set()
import datetime
def to_ms(ts):
    if isinstance(ts, int):
        return ts
    return int(datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
for e in events:
    t = to_ms(e["ts"])
    q = served[e["account_id"]]
    while q and q[0] <= t - 86400000:
        q.popleft()
    if len(q) >= quota:
        refused.add(e["account_id"])
    else:
        q.append(t)
b = r["baseline"]["metrics"]
check(b["attack_actioned"] == sum(a["account_id"] in refused for a in att), "baseline attack actioned")
check(b["benign_actioned"] == sum(a["account_id"] in refused for a in ben), "baseline benign actioned")
check(r["baseline"]["quota_per_24h"] == quota, "quota echoed")
check("hydra-1" in det["campaigns"] and det["campaigns"]["hydra-1"]["time_to_detection_s"] is not None, "campaign TTD")
finish()
