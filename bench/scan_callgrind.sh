#!/usr/bin/env bash
# Deterministic cost per event of `distillguard scan`: generates the demo
# traffic at a scale, scans its first EVENTS lines under callgrind and prints
# the inclusive instructions per event of the parts docs/benchmarks.md
# tracks ("End to end"). Start-up (dg::Engine::Create, the classifier's
# compile) is subtracted from the whole. Instruction counts do not depend on
# the load of the machine, so builds can be compared on a shared one.
# Under valgrind the classifier compiles its databases at start-up: the
# emulated CPU lacks the AVX-512 the build's precompiled ones were made for
# (classify/prebuilt.h), so they are refused, as on any older CPU.
#
#   bench/scan_callgrind.sh [BINARY=build/distillguard] [SCALE=10] [EVENTS=20000] [WORKDIR=build/bench]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/distillguard}"
scale="${2:-10}"
events="${3:-20000}"
work="${4:-build/bench}"
mkdir -p "$work"

if [ ! -f "$work/gen/events.jsonl" ]; then
  "$bin" demo --out "$work/gen" --scale "$scale" --quiet >/dev/null
fi
head -n "$events" "$work/gen/events.jsonl" >"$work/callgrind_events.jsonl"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  "$bin" scan "$work/callgrind_events.jsonl" --out "$work/callgrind_scan" --quiet --threads 1 2>"$work/callgrind.log"
callgrind_annotate --inclusive=yes --threshold=100 "$work/callgrind.out" >"$work/callgrind.txt" 2>/dev/null

# Inclusive instructions of the first function whose name contains $1.
inclusive() { grep -F -- "$1" "$work/callgrind.txt" | head -n 1 | awk '{gsub(",", "", $1); print $1}'; }
total=$(grep "PROGRAM TOTALS" "$work/callgrind.txt" | awk '{gsub(",", "", $1); print $1}')
startup=$(inclusive "dg::Engine::Create(")
per_event() { awk -v v="${1:-0}" -v n="$events" 'BEGIN { printf "%.1fk", v / n / 1000 }'; }

echo "| part (instructions per event, first $events events of demo --scale $scale) | $bin |"
echo "|---|---|"
echo "| whole scan after start-up | $(per_event "$(awk -v t="$total" -v s="$startup" 'BEGIN { printf "%.0f", t - s }')") |"
echo "| reading and decoding (EventSource::Next) | $(per_event "$(inclusive "dg::EventSource::Next(")") |"
echo "| of which EventDecoder::Decode | $(per_event "$(inclusive "dg::EventDecoder::Decode(")") |"
echo "| engine step (Engine::Process) | $(per_event "$(inclusive "dg::Engine::Process(dg::Event const&)")") |"
echo "| of which Classify | $(per_event "$(inclusive "dg::PromptClassifier::Classify(")") |"
echo "| of which linkage (Linker::Observe) | $(per_event "$(inclusive "dg::Linker::Observe(")") |"
echo "| of which key extraction (KeyExtractor::Extract) | $(per_event "$(inclusive "dg::KeyExtractor::Extract(")") |"
echo "| start-up (Engine::Create), total | $(awk -v v="$startup" 'BEGIN { printf "%.2fG", v / 1e9 }') |"
