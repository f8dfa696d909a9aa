#!/usr/bin/env bash
# The cost of linkage: scans the same demo traffic with linkage on and off
# and prints wall and user-CPU seconds and peak RSS for both (median of N runs).
#
#   bench/linkage_bench.sh [SCALE=10] [RUNS=3] [WORKDIR=build/bench-linkage]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"
runs="${2:-3}"
work="${3:-build/bench-linkage}"
bin=build/distillguard
mkdir -p "$work"
"$bin" demo --out "$work/gen" --scale "$scale" --quiet >/dev/null
events="$work/gen/events.jsonl"
printf '[linkage]\nenabled = false\n' >"$work/nolink.toml"
n=$(wc -l <"$events")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for mode in on off; do
  extra=()
  [ "$mode" = off ] && extra=(--config "$work/nolink.toml")
  walls=() users=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %M" -o "$work/time.txt" "$bin" scan "$events" --out "$work/out-$mode" --quiet --threads 1 "${extra[@]}"
    read -r wall user kb <"$work/time.txt"
    walls+=("$wall")
    users+=("$user")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  w=$(printf '%s\n' "${walls[@]}" | median)
  u=$(printf '%s\n' "${users[@]}" | median)
  echo "linkage $mode: $n events, wall ${w} s, user ${u} s ($(awk -v n="$n" -v u="$u" 'BEGIN {printf "%.0f", n / u}') events/s of CPU), peak RSS $((rss / 1024)) MB"
done
