"""Small helpers shared by the end-to-end tests (argv: BIN SOURCE_DIR WORK_DIR)."""
import json
import os
import shutil
import subprocess
import sys

BIN, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def fresh_workdir():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    return WORK


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 300)
    return subprocess.run([BIN] + args, **kw)


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def accounts(out_dir):
    return {a["account_id"]: a for a in read_jsonl(os.path.join(out_dir, "accounts.jsonl"))}


def finish():
    print("%d failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)
