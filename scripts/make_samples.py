#!/usr/bin/env python3
"""Extracts the small prompt samples the project ships (data/samples/) from the
shared corpora. Deterministic: takes every k-th record so the sample spans the
corpus. Usage: scripts/make_samples.py [CORPORA_DIR] [OUT_DIR]"""
import gzip, json, os, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora"
out = sys.argv[2] if len(sys.argv) > 2 else "data/samples"
os.makedirs(out, exist_ok=True)

def jsonl(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]

def spread(items, n):
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]

def alpaca_text(r):
    return r["instruction"] + ("\n\n" + r["input"] if r.get("input") else "")

def hh_turns(r):
    parts = r["chosen"].split("\n\nHuman: ")[1:]
    return [p.split("\n\nAssistant:")[0].strip() for p in parts]

sets = {
    "alpaca": lambda: [alpaca_text(r) for r in json.load(open(f"{src}/alpaca/alpaca_5000.json"))],
    "codealpaca": lambda: [alpaca_text(r) for r in json.load(open(f"{src}/codealpaca/code_alpaca_2k.json"))],
    "self_instruct": lambda: [r["instruction"] for r in jsonl(f"{src}/self_instruct/seed_tasks.jsonl")],
    "koala": lambda: [r["prompt"] for r in jsonl(f"{src}/koala/koala_test_set.jsonl")],
    "oasst_vicuna": lambda: [r["instruction"] for r in jsonl(f"{src}/alpaca_eval_oasst_vicuna/alpaca_eval_oasst_vicuna.jsonl")],
    "wizardlm": lambda: [r["Instruction"] for r in jsonl(f"{src}/wizardlm_testset/WizardLM_testset.jsonl")],
    "odex_en": lambda: [r["intent"] for r in jsonl(f"{src}/odex/en_test.jsonl")],
    "odex_es": lambda: [r["intent"] for r in jsonl(f"{src}/odex/es_test.jsonl")],
    "odex_ja": lambda: [r["intent"] for r in jsonl(f"{src}/odex/ja_test.jsonl")],
    "odex_ru": lambda: [r["intent"] for r in jsonl(f"{src}/odex/ru_test.jsonl")],
    "humaneval": lambda: [r["prompt"] for r in jsonl(f"{src}/humaneval/HumanEval.jsonl.gz")],
    "mbpp": lambda: [r["text"] for r in jsonl(f"{src}/mbpp_test/mbpp.test.jsonl")],
    "gsm8k": lambda: [r["question"] for r in jsonl(f"{src}/gsm8k_test/gsm8k_test.jsonl")],
}
sizes = {"alpaca": 400, "codealpaca": 300, "gsm8k": 150, "mbpp": 150, "humaneval": 80}
for name, load in sets.items():
    items = spread([t for t in load() if t.strip()], sizes.get(name, 200))
    with open(f"{out}/{name}.jsonl", "w", encoding="utf-8") as f:
        for t in items:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
# Multi-turn conversations: the human turns only.
for name, load in {
    "hh_rlhf": lambda: [hh_turns(r) for r in jsonl(f"{src}/hh_rlhf/harmless-base_test.jsonl.gz")],
    "mt_bench": lambda: [r["turns"] for r in jsonl(f"{src}/mt_bench/question.jsonl")],
}.items():
    items = spread([t for t in load() if len(t) >= 1], 200)
    with open(f"{out}/{name}.jsonl", "w", encoding="utf-8") as f:
        for t in items:
            f.write(json.dumps({"turns": t}, ensure_ascii=False) + "\n")
