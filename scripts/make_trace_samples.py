#!/usr/bin/env python3
"""Extracts the small production-trace samples the project ships (data/traces/)
from the shared corpora. Deterministic: takes the first N rows of each trace, a
contiguous stretch, because the simulator uses the gaps between consecutive
arrivals (burst structure) and a spread-out sample would destroy them.
Mooncake's prefix-block hash ids are dropped (the simulator does not use them).

Usage: scripts/make_trace_samples.py [CORPORA_DIR] [OUT_DIR]"""
import json
import os
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora"
out = sys.argv[2] if len(sys.argv) > 2 else "data/traces"
os.makedirs(out, exist_ok=True)

AZURE_ROWS = {"conv": 4000, "code": 3000}
MOONCAKE_ROWS = 3000

for kind, rows in AZURE_ROWS.items():
    with open(f"{src}/azure_llm_trace_2023/AzureLLMInferenceTrace_{kind}.csv", encoding="utf-8") as f:
        lines = f.read().splitlines()
    header, body = lines[0], [l for l in lines[1:] if l.strip()]
    with open(f"{out}/azure_{kind}.csv", "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for line in body[:rows]:
            f.write(line + "\n")

with open(f"{src}/mooncake/conversation_trace.jsonl", encoding="utf-8") as f:
    records = [json.loads(l) for l in f if l.strip()][:MOONCAKE_ROWS]
with open(f"{out}/mooncake.jsonl", "w", encoding="utf-8") as f:
    for r in records:
        f.write(json.dumps({"timestamp": r["timestamp"], "input_length": r["input_length"],
                            "output_length": r["output_length"]}) + "\n")
