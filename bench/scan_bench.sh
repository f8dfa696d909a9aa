#!/usr/bin/env bash
# End-to-end benchmark of `distillguard scan`: generates the demo traffic at a
# given scale, then times the scan (median of N runs, peak RSS from GNU time)
# beside `jq -c .` over the same file. Prints a markdown row for
# docs/benchmarks.md. With PROMPT_BYTES, every prompt of the file is first
# extended to about that many bytes of real prompt text
# (bench/widen_prompts.py): the demo's prompts average ~240 bytes, issue 2's
# target is stated for ~1 KB prompts. THREADS (default 1, issue 2's "one
# core") is passed to `scan --threads`.
#
#   [THREADS=1] bench/scan_bench.sh [SCALE=10] [RUNS=3] [WORKDIR=build/bench] [PROMPT_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"
runs="${2:-3}"
work="${3:-build/bench}"
prompt_bytes="${4:-}"
threads="${THREADS:-1}"
bin=build/distillguard
mkdir -p "$work"

"$bin" demo --out "$work/gen" --scale "$scale" --quiet >/dev/null
events="$work/gen/events.jsonl"
if [ -n "$prompt_bytes" ]; then
  python3 bench/widen_prompts.py "$events" "$work/gen/events_wide.jsonl" "$prompt_bytes"
  events="$work/gen/events_wide.jsonl"
fi
n=$(wc -l <"$events")
bytes=$(stat -c %s "$events")
accounts=$(wc -l <"$work/gen/labels.jsonl")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

scan_times=()
rss=0
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" scan "$events" --out "$work/out" --quiet --threads "$threads"
  read -r secs kb <"$work/time.txt"
  scan_times+=("$secs")
  [ "$kb" -gt "$rss" ] && rss=$kb
done
scan_s=$(printf '%s\n' "${scan_times[@]}" | median)

jq_times=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e" -o "$work/time.txt" jq -c . "$events" >/dev/null
  jq_times+=("$(cat "$work/time.txt")")
done
jq_s=$(printf '%s\n' "${jq_times[@]}" | median)

awk -v n="$n" -v b="$bytes" -v s="$scan_s" -v j="$jq_s" -v rss="$rss" -v a="$accounts" -v runs="$runs" 'BEGIN {
  printf "| %d events, %.0f MB, %d accounts | %.2f s | %.0f | %.0f | %.2f s | %.1fx | %.0f MB | %.2f KB |\n",
    n, b / 1e6, a, s, n / s, b / 1e6 / s, j, j / s, rss / 1024, rss / a
  printf "(median of %d runs, scan --threads '"$threads"'; columns: input, scan time, events/s, MB/s, jq -c . time, speed-up over jq, peak RSS, peak RSS per account)\n", runs
}'
