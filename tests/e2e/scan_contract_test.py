"""`distillguard scan` against SCHEMA.md sections 1 and 3: edge cases the
contract names, compressed and standard input, merging, limits, exit codes."""
import gzip, json, os, subprocess
from harness import *

d = fresh_workdir()
good = [
    {"ts": "2026-04-22T10:00:00.000Z", "request_id": "r1", "account_id": "a1", "ip": "203.0.113.7", "prompt": "hello"},
    {"ts": 1776852001000, "request_id": "r2", "account_id": "a2", "prompt": "epoch ms"},
    {"ts": "2026-04-22T10:00:02.000Z", "request_id": "r3", "account_id": "a3",
     "prompt": "caf\u00e9 \u4f60\u597d \U0001F600 " + "x" * 300000, "unknown_field": {"x": [1, 2]}},
    {"ts": "2026-04-22T10:00:04.000Z", "request_id": "r5", "account_id": "a1", "prompt": "second exchange of a1"},
]
lines = [
    json.dumps(good[0]).encode(),                                           # 1 ok
    b'{"ts": "2026-04-22T10:00:00.500Z", "request_id": "rX", ',             # 2 not JSON
    json.dumps({"ts": "2026-04-22T10:00:01Z", "request_id": "r9"}).encode(),  # 3 no account_id
    json.dumps(good[0]).encode(),                                           # 4 duplicate r1
    json.dumps(good[1]).encode(),                                           # 5 ok
    json.dumps({"ts": "2026-04-22T10:00:01.5Z", "request_id": "r4", "account_id": "a4", "asn": "x"}).encode(),  # 6 type
    json.dumps(good[2], ensure_ascii=False).encode(),                       # 7 ok, big
    b'{"ts": "2026-04-22T10:00:03Z", "request_id": "r6", "account_id": "a6", "prompt": "\xff\xfe"}',  # 8 UTF-8
    b"",                                                                    # 9 blank
    json.dumps(good[3]).encode(),                                           # 10 ok
]
blob = b"\n".join(lines) + b"\n"
plain = os.path.join(d, "in.jsonl")
open(plain, "wb").write(blob)
gz = os.path.join(d, "in.jsonl.gz")
with gzip.open(gz, "wb") as f:
    f.write(blob)
zst = os.path.join(d, "in.jsonl.zst")
subprocess.run(["zstd", "-q", "-f", plain, "-o", zst], check=True)
noext = os.path.join(d, "gzip-without-extension")
open(noext, "wb").write(open(gz, "rb").read())

reference = None
for name, inp in (("plain", plain), ("gz", gz), ("zst", zst), ("noext", noext)):
    out = os.path.join(d, "out-" + name)
    p = run(["scan", inp, "--out", out])
    check(p.returncode == 0, "%s: exit %d %s" % (name, p.returncode, p.stderr[-300:]))
    if p.returncode != 0:
        continue
    accs = accounts(out)
    check(set(accs) == {"a1", "a2", "a3"}, "%s: accounts %s" % (name, sorted(accs)))
    check(accs["a1"]["exchanges"] == 2, "%s: duplicate counted twice" % name)
    for a in accs.values():
        for k in ("account_id", "action", "score", "campaign", "exchanges", "first_action_ts",
                  "exchanges_before_action", "reasons"):
            check(k in a, "%s: %s lacks %s" % (name, a["account_id"], k))
        check(a["action"] in ("allow", "monitor", "throttle", "challenge", "block"), "bad action")
        check(0 <= a["score"] <= 1, "score out of range")
    q = read_jsonl(os.path.join(out, "quarantine.jsonl"))
    check(sorted(x["line"] for x in q) == [2, 3, 6, 8], "%s: quarantined lines %s" % (name, [x["line"] for x in q]))
    for x in q:
        check(x["reason"] and x["input"] == inp and len(x["raw"].encode()) <= 4096 + 16, "%s: quarantine entry %s" % (name, x))
    reasons = {x["line"]: x["reason"] for x in q}
    check(reasons.get(8) == "invalid UTF-8", "line 8 reason %r" % reasons.get(8))
    check("account_id" in reasons.get(3, ""), "line 3 reason %r" % reasons.get(3))
    check("asn" in reasons.get(6, ""), "line 6 reason %r" % reasons.get(6))
    summary = json.load(open(os.path.join(out, "summary.json")))
    check(summary["quarantined"] == 4 and summary["duplicates"] == 1 and summary["events"] == 4,
          "%s: summary %s" % (name, summary))
    check(json.load(open(os.path.join(out, "campaigns.json"))) == {"campaigns": []}, "campaigns.json")
    if reference is None:
        reference = open(os.path.join(out, "accounts.jsonl")).read()
    else:
        check(open(os.path.join(out, "accounts.jsonl")).read() == reference, "%s differs from plain" % name)

# Standard input, and several inputs merged by ts.
p = run(["scan", "-", "--out", os.path.join(d, "out-stdin")], input=blob)
check(p.returncode == 0 and accounts(os.path.join(d, "out-stdin"))["a1"]["exchanges"] == 2, "stdin scan")
a = os.path.join(d, "a.jsonl")
b = os.path.join(d, "b.jsonl")
open(a, "w").write("".join(json.dumps({"ts": 1000 * i, "request_id": "a%d" % i, "account_id": "x"}) + "\n" for i in range(0, 100, 2)))
open(b, "w").write("".join(json.dumps({"ts": 1000 * i, "request_id": "b%d" % i, "account_id": "x"}) + "\n" for i in range(1, 100, 2)))
p = run(["scan", a, b, "--out", os.path.join(d, "out-merge")])
check(p.returncode == 0 and accounts(os.path.join(d, "out-merge"))["x"]["exchanges"] == 100, "merged scan")
s = json.load(open(os.path.join(d, "out-merge", "summary.json")))
check(s["late"] == 0 and s["first_ts"] == "1970-01-01T00:00:00.000Z", "merge order: %s" % s)

# Line limit.
p = run(["scan", plain, "--out", os.path.join(d, "out-limit"), "--max-line-bytes", "1000"])
q = read_jsonl(os.path.join(d, "out-limit", "quarantine.jsonl"))
check(p.returncode == 0 and 7 in [x["line"] for x in q], "line 7 should exceed a 1000-byte limit")

# A truncated gzip file: complete lines kept, the error quarantined and reported.
trunc = os.path.join(d, "trunc.jsonl.gz")
big = b"".join(json.dumps({"ts": i, "request_id": "t%d" % i, "account_id": "t", "prompt": "p" * 200}).encode() + b"\n" for i in range(5000))
full = gzip.compress(big)
open(trunc, "wb").write(full[: len(full) // 2])
p = run(["scan", trunc, "--out", os.path.join(d, "out-trunc")])
check(p.returncode == 0, "truncated gzip: exit %d" % p.returncode)
q = read_jsonl(os.path.join(d, "out-trunc", "quarantine.jsonl"))
check(any("input error" in x["reason"] for x in q), "truncated gzip not reported: %s" % q)
check(b"warning" in p.stderr, "truncated gzip: no warning on stderr")

# Exit codes and messages.
for args, want in ((["scan", "--no-such-flag"], 2), (["scan", os.path.join(d, "missing.jsonl"), "--out", os.path.join(d, "o")], 2),
                   (["scan", plain], 2), (["scan", plain, "--out", d + "/o4", "--config", d + "/none.toml"], 2),
                   (["frobnicate"], 2), ([], 2), (["scan", "--help"], 0), (["demo", "--help"], 0), (["--help"], 0)):
    p = run(args)
    check(p.returncode == want, "%s: exit %d, want %d" % (args, p.returncode, want))
    if want == 2:
        err = p.stderr.decode().strip()
        check(err and len(err.splitlines()) == 1, "%s: want a one-line message, got %r" % (args, err))
bad_config = os.path.join(d, "bad.toml")
open(bad_config, "w").write("[policy]\nblok = 0.9\n")
p = run(["scan", plain, "--out", d + "/o5", "--config", bad_config])
check(p.returncode == 2 and b"policy.blok" in p.stderr, "config typo: %d %s" % (p.returncode, p.stderr))
# Quiet on a pipe: no progress escape codes.
p = run(["scan", plain, "--out", d + "/o6"])
check(b"\r" not in p.stderr, "progress printed to a non-terminal")
finish()
