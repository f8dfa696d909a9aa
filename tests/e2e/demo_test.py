"""The README's main job: `distillguard demo` generates traffic, scans it, writes
the outputs and prints a summary; the detector finds the campaign and leaves the
legitimate heavy users alone."""
import json, os
from harness import *

d = fresh_workdir()
out = os.path.join(d, "demo")
p = run(["demo", "--out", out])
check(p.returncode == 0, "demo exit %d: %s" % (p.returncode, p.stderr[-500:]))
text = p.stdout.decode()
print(text)
for f in ("events.jsonl", "labels.jsonl", "accounts.jsonl", "campaigns.json", "quarantine.jsonl", "summary.json"):
    check(os.path.exists(os.path.join(out, f)), "missing " + f)
check("accounts actioned" in text and "outputs:" in text, "summary not printed")
labels = {l["account_id"]: l for l in read_jsonl(os.path.join(out, "labels.jsonl"))}
accs = accounts(out)
attack = [a for a in accs.values() if labels[a["account_id"]]["label"] == "attack"]
benign = [a for a in accs.values() if labels[a["account_id"]]["label"] == "benign"]
actioned = lambda a: a["action"] in ("throttle", "challenge", "block")
recall = sum(map(actioned, attack)) / len(attack)
fp = [a for a in benign if actioned(a)]
print("recall %.3f, benign actioned %d of %d" % (recall, len(fp), len(benign)))
check(recall >= 0.9, "recall %.3f on the demo campaign" % recall)
check(len(fp) <= 0.001 * len(benign) + 1, "benign actioned: %s" % [(labels[a["account_id"]]["kind"], a["reasons"]) for a in fp][:5])
for kind in ("enterprise-batch", "coding-agent", "eval-harness"):
    check(not any(labels[a["account_id"]]["kind"] == kind for a in fp), kind + " account actioned")
for a in attack:
    if actioned(a):
        check(len(a["reasons"]) > 0, "actioned without reasons")
finish()
