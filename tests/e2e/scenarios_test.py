"""Small versions of the scenario suite through the real binary: simulate ->
scan -> eval. No attack: nothing benign actioned. Naive hydra: the campaign is
found. Plus `simulate`'s own contract: deterministic per seed, clear errors."""
import json, os
from harness import *

d = fresh_workdir()
scen = os.path.join(SRC, "scenarios")


def suite(name):
    work = os.path.join(d, name)
    for args in (["simulate", "--scenario", os.path.join(scen, name + ".toml"), "--out", work, "--quiet"],
                 ["scan", work + "/events.jsonl", "--out", work, "--quiet"],
                 ["eval", "--labels", work + "/labels.jsonl", "--events", work + "/events.jsonl", "--result", work]):
        p = run(args)
        check(p.returncode == 0, "%s: %s exit %d %s" % (name, args[0], p.returncode, p.stderr[-300:]))
    return json.load(open(work + "/eval.json"))


r = suite("no_attack")
check(r["detector"]["benign_actioned"] == 0, "no_attack: benign actioned %s" % r["detector"]["benign_by_kind"])
r = suite("naive_hydra")
check(r["detector"]["recall"] >= 0.95, "naive_hydra recall %s" % r["detector"]["recall"])
check(r["detector"]["benign_actioned"] == 0, "naive_hydra: benign actioned")
check(r["detector"]["leakage"] < r["baseline"]["metrics"]["leakage"], "detector should leak less than the quota")

# Determinism and --seed.
a, b, c = (os.path.join(d, x) for x in ("s1", "s2", "s3"))
for out, seed in ((a, "5"), (b, "5"), (c, "6")):
    run(["simulate", "--scenario", os.path.join(scen, "naive_hydra.toml"), "--out", out, "--seed", seed, "--quiet"])
same = open(a + "/events.jsonl", "rb").read() == open(b + "/events.jsonl", "rb").read()
diff = open(a + "/events.jsonl", "rb").read() != open(c + "/events.jsonl", "rb").read()
check(same and diff, "simulate must be deterministic per seed and change with it")

# Errors: a bad scenario file is exit 2 with the key named.
bad = os.path.join(d, "bad.toml")
open(bad, "w").write("[scenario]\nnot_a_key = 1\n")
p = run(["simulate", "--scenario", bad, "--out", d + "/x"])
check(p.returncode == 2 and b"not_a_key" in p.stderr, "bad scenario: %d %s" % (p.returncode, p.stderr))
p = run(["simulate", "--scenario", d + "/missing.toml", "--out", d + "/x"])
check(p.returncode == 2, "missing scenario: exit %d" % p.returncode)
finish()
