"""`scan --threads N`: the helpers that read and classify ahead of the engine
change nothing in the outputs. The demo traffic, split over a plain and a gzip
input and spiced with bad lines and duplicates, is scanned with 1, 2 and 4
threads; every output but the elapsed time must be byte-identical. Also: the
flag's bounds."""
import gzip, json, os
from harness import *

d = fresh_workdir()
p = run(["demo", "--out", os.path.join(d, "demo"), "--quiet", "--threads", "1"])
check(p.returncode == 0, "demo failed: %s" % p.stderr[-500:])
lines = open(os.path.join(d, "demo", "events.jsonl"), "rb").read().splitlines(keepends=True)
a, b = [], []
for i, line in enumerate(lines):
    (b if i % 3 == 0 else a).append(line)
    if i % 997 == 0:
        a.append(b'{"ts": "broken\n')
    if i % 1499 == 0:
        b.append(line)  # a duplicate request_id
plain = os.path.join(d, "a.jsonl")
packed = os.path.join(d, "b.jsonl.gz")
open(plain, "wb").write(b"".join(a))
with gzip.open(packed, "wb") as f:
    f.write(b"".join(b))

outputs = ["accounts.jsonl", "campaigns.json", "quarantine.jsonl", "accounts.csv"]
reference = None
for threads in ["1", "2", "4"]:
    out = os.path.join(d, "t" + threads)
    p = run(["scan", plain, packed, "--out", out, "--quiet", "--threads", threads])
    check(p.returncode == 0, "scan --threads %s failed: %s" % (threads, p.stderr[-500:]))
    if p.returncode != 0:
        continue
    got = {name: open(os.path.join(out, name), "rb").read() for name in outputs}
    summary = json.load(open(os.path.join(out, "summary.json")))
    summary.pop("elapsed_s", None)
    got["summary.json"] = summary
    if reference is None:
        reference = got
        check(summary["quarantined"] > 0 and summary["duplicates"] > 0, "the input has no bad lines or duplicates")
        check(summary["events"] > 10000, "too few events to cross many batches: %d" % summary["events"])
        check(b'"block"' in got["accounts.jsonl"], "nothing was blocked: the comparison would prove little")
        continue
    for name in reference:
        check(got[name] == reference[name], "--threads %s: %s differs from --threads 1" % (threads, name))

for bad in ["-1", "65", "two"]:
    p = run(["scan", plain, "--out", os.path.join(d, "bad"), "--threads", bad])
    check(p.returncode == 2, "--threads %s: exit %d, want 2" % (bad, p.returncode))
    check(len(p.stderr.decode().strip().splitlines()) == 1, "--threads %s: not a one-line error: %r" % (bad, p.stderr))
finish()
