#!/usr/bin/env python3
"""Rewrites an events file so that every prompt is about TARGET bytes long.

The demo traffic's lines are ~1 KB but its prompts average ~240 bytes (most of
a line is metadata), while issue 2's speed target is stated for ~1 KB
prompts. This makes such a file from real text: a prompt shorter than
TARGET is extended with the prompts of the events after it in the file
(each a real prompt from the embedded corpora), joined by a blank line, and
cut at a character boundary at TARGET bytes. Prompts already longer are
left as they are; every other field, and every line that is not a JSON
object with a string "prompt", is copied unchanged. Deterministic: the same
input gives the same output.

    bench/widen_prompts.py IN OUT [TARGET_BYTES=1024]
"""
import collections
import json
import sys


def cut_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    target = int(sys.argv[3]) if len(sys.argv) == 4 else 1024
    with open(src, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.readlines()
    # Prompts of the following events, in file order, as the filler.
    prompts = []
    for line in lines:
        try:
            event = json.loads(line)
            p = event.get("prompt") if isinstance(event, dict) else None
        except ValueError:
            p = None
        prompts.append(p if isinstance(p, str) else None)
    filler = collections.deque()
    filler_bytes = 0
    out = []
    ahead = 0  # next index to add to the filler window
    for i, line in enumerate(lines):
        p = prompts[i]
        if p is None:
            out.append(line)
            continue
        while filler_bytes < 4 * target and ahead < len(lines):
            q = prompts[ahead]
            if q and ahead > i:
                filler.append((ahead, q))
                filler_bytes += len(q.encode("utf-8"))
            ahead += 1
        while filler and filler[0][0] <= i:
            filler_bytes -= len(filler.popleft()[1].encode("utf-8"))
        if len(p.encode("utf-8")) < target:
            parts = [p]
            size = len(p.encode("utf-8"))
            for _, q in filler:
                if size >= target:
                    break
                parts.append(q)
                size += len(q.encode("utf-8")) + 2
            event = json.loads(line)
            event["prompt"] = cut_utf8("\n\n".join(parts), target)
            out.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            out.append(line)
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.writelines(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
