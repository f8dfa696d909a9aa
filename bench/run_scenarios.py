#!/usr/bin/env python3
"""Runs the scenario suite end to end (simulate -> scan -> eval) and writes the
results table. Usage:

    bench/run_scenarios.py [--bin build/distillguard] [--scenarios scenarios]
                           [--work build/scenarios] [--out docs/detection.md]
                           [--only NAME ...] [--quota N]

Each scenario's eval.json stays under --work. The markdown file is rewritten
between the markers it contains (the rest of the file is kept), so the prose
around the table is not lost."""
import argparse, glob, json, os, subprocess, sys, time

BEGIN = "<!-- scenario-table:begin -->"
END = "<!-- scenario-table:end -->"


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    return p


def hours(seconds):
    return "never" if seconds is None else "%.1f h" % (seconds / 3600.0)


def row(name, r, elapsed):
    d, b = r["detector"], r["baseline"]["metrics"]
    ttd = [c["time_to_detection_s"] for c in d["campaigns"].values()]
    worst = None if not ttd or any(t is None for t in ttd) else max(ttd)
    fp_kinds = ", ".join("%s %d" % (k, v["actioned"]) for k, v in sorted(d["benign_by_kind"].items()) if v["actioned"])
    recall = "n/a" if d["attack_accounts"] == 0 else "%.3f" % d["recall"]
    leak = "n/a" if d["attack_exchanges"] == 0 else "%.1f%%" % (100 * d["leakage"])
    brecall = "n/a" if b["attack_accounts"] == 0 else "%.3f" % b["recall"]
    bleak = "n/a" if b["attack_exchanges"] == 0 else "%.1f%%" % (100 * b["leakage"])
    return "| %s | %d | %d | %s | %.2f%% | %s | %s | %s | %s / %.2f%% / %s | %.0f s |" % (
        name, d["attack_accounts"] + d["benign_accounts"], r["events"], recall, 100 * d["benign_fpr"],
        fp_kinds or "none", leak, "n/a" if d["attack_accounts"] == 0 else hours(worst),
        brecall, 100 * b["benign_fpr"], bleak, elapsed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/distillguard")
    ap.add_argument("--scenarios", default="scenarios")
    ap.add_argument("--work", default="build/scenarios")
    ap.add_argument("--out", default="docs/detection.md")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--quota", default="1000")
    a = ap.parse_args()
    rows = []
    for path in sorted(glob.glob(os.path.join(a.scenarios, "*.toml"))):
        name = os.path.splitext(os.path.basename(path))[0]
        if a.only and name not in a.only:
            continue
        work = os.path.join(a.work, name)
        start = time.time()
        run([a.bin, "simulate", "--scenario", path, "--out", work, "--quiet"])
        run([a.bin, "scan", os.path.join(work, "events.jsonl"), "--out", work, "--quiet"])
        run([a.bin, "eval", "--labels", os.path.join(work, "labels.jsonl"), "--events",
             os.path.join(work, "events.jsonl"), "--result", work, "--quota", a.quota])
        r = json.load(open(os.path.join(work, "eval.json")))
        rows.append(row(name, r, time.time() - start))
        print(rows[-1], flush=True)
    table = "\n".join([
        "| scenario | accounts | exchanges | recall | benign FPR | benign actioned by kind | leakage | "
        "time to detection (slowest campaign) | quota baseline recall / FPR / leakage | run time |",
        "|---|---|---|---|---|---|---|---|---|---|"] + rows)
    text = open(a.out).read() if os.path.exists(a.out) else "%s\n%s\n" % (BEGIN, END)
    if BEGIN not in text:
        text += "\n%s\n%s\n" % (BEGIN, END)
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    open(a.out, "w").write(head + BEGIN + "\n" + table + "\n" + END + tail)
    print("written", a.out)


if __name__ == "__main__":
    main()
