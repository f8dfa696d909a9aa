"""Issue 6 part 5: two simulated providers see one operation
(scenarios/two_providers.toml, --seed 11 and 12: different customers and
accounts, the same proxy exits and playbook). Provider B, importing the
bundle A exported, leaks less and detects no later than without it, and
actions no more benign accounts."""
import json, os
from harness import *

d = fresh_workdir()
scenario = os.path.join(SRC, "scenarios", "two_providers.toml")
key = os.path.join(d, "trust-group.key")
open(key, "w").write("5f1d3c8e9a7b6d4c2e0f1a3b5c7d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d\n")


def step(args):
    p = run(args)
    check(p.returncode == 0, "%s: exit %d %s" % (" ".join(args[:2]), p.returncode, p.stderr[-400:]))


def evaluate(work, result):
    step(["eval", "--labels", work + "/labels.jsonl", "--events", work + "/events.jsonl", "--result", result])
    det = json.load(open(result + "/eval.json"))["detector"]
    ttd = [c["time_to_detection_s"] for c in det["campaigns"].values()]
    return det, (max(ttd) if ttd and None not in ttd else float("inf"))


a, b = os.path.join(d, "provider_a"), os.path.join(d, "provider_b")
for work, seed in ((a, "11"), (b, "12")):
    step(["simulate", "--scenario", scenario, "--seed", seed, "--out", work, "--quiet"])
step(["scan", a + "/events.jsonl", "--out", a + "/scan", "--quiet"])
bundle = os.path.join(d, "a.json")
step(["intel", "export", "--result", a + "/scan", "--out", bundle, "--key-file", key])
step(["scan", b + "/events.jsonl", "--out", b + "/alone", "--quiet"])
step(["scan", b + "/events.jsonl", "--out", b + "/intel", "--quiet", "--intel", bundle, "--key-file", key])
alone, ttd_alone = evaluate(b, b + "/alone")
shared, ttd_shared = evaluate(b, b + "/intel")
print("provider B alone: recall %.3f leakage %.4f ttd %.2f h benign actioned %d" %
      (alone["recall"], alone["leakage"], ttd_alone / 3600, alone["benign_actioned"]))
print("provider B + A's bundle: recall %.3f leakage %.4f ttd %.2f h benign actioned %d" %
      (shared["recall"], shared["leakage"], ttd_shared / 3600, shared["benign_actioned"]))
summary = json.load(open(b + "/intel/summary.json"))
check(summary["intel_matched_exchanges"] > 0, "no exchange matched the imported bundle")
check(shared["leakage"] < alone["leakage"], "leakage with intel %s, without %s" % (shared["leakage"], alone["leakage"]))
check(ttd_shared <= ttd_alone, "time to detection with intel %s s, without %s s" % (ttd_shared, ttd_alone))
check(shared["recall"] >= alone["recall"], "recall fell with intel")
check(shared["benign_actioned"] <= alone["benign_actioned"],
      "benign actioned rose with intel: %s" % shared["benign_by_kind"])
finish()
