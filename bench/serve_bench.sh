#!/usr/bin/env bash
# Benchmark of `distillguard serve`: /v1/check throughput and latency (wrk,
# bench/check.lua) at several connection counts while build/bench/serve_ingest
# (bench/serve_ingest.cc) posts events over HTTP at a target rate from another
# process. Prints a markdown table for docs/benchmarks.md, with the ingestion
# rate the server accepted (from its answers) and the rate the engine processed
# during the run (from /metrics). A row where either fell below 95% of the
# target is flagged on stderr and the script exits 1, so checks measured
# without the full ingestion load are never taken for the target's.
#
#   bench/serve_bench.sh [SECONDS=15] [INGEST_RATE=20000] [CONNECTIONS="1 8 32 64"] [WORKDIR=build/bench_serve]
#
# A connection count N runs wrk closed-loop (each connection sends its next
# check as soon as the answer arrives: the server's saturation throughput,
# where latency is mostly queueing); N@D paces each connection to wait D ms
# after each answer (bench/check.lua, DG_CHECK_DELAY_MS), a gateway's load of
# about N * 1000 / (D + latency) checks/s. N~R runs build/bench/serve_check
# instead: open loop, R checks/s at fixed intervals over a pool of N
# connections, each check's latency counted from when it was due (a gateway's
# load, whatever the service's speed; the rows to read against the target).
#
# DG_BENCH_NICE=-10 runs the server and wrk at that niceness (needs root): on
# a machine shared with other work it measures the service rather than the
# scheduler's queue. The ingestion driver stays at the default niceness (in
# production the gateway is another machine). docs/benchmarks.md says which.
# DG_BENCH_CONFIG=FILE starts the server with that config (e.g. another
# service.background_policy, or service.io_cpus / background_cpus).
# DG_BENCH_CHECK_CPUS / DG_BENCH_INGEST_CPUS (taskset lists) pin the check load
# generator (wrk or serve_check) and the ingestion driver.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-15}"
rate="${2:-20000}"
conns="${3:-1 8 32 64}"
work="${4:-build/bench_serve}"
bin=build/distillguard
ingest=build/bench/serve_ingest
checker=build/bench/serve_check
for b in "$ingest" "$checker"; do
  [ -x "$b" ] || { echo "$b missing (cmake --build build --target serve_ingest serve_check)" >&2; exit 2; }
done
n="nice -n ${DG_BENCH_NICE:-0}"
pin_check=${DG_BENCH_CHECK_CPUS:+taskset -c $DG_BENCH_CHECK_CPUS}
pin_ingest=${DG_BENCH_INGEST_CPUS:+taskset -c $DG_BENCH_INGEST_CPUS}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work"

"$bin" simulate --scenario scenarios/naive_hydra.toml --out "$work/sim" --quiet
events="$work/sim/events.jsonl"
python3 -c 'import json,sys; [print(json.loads(l)["account_id"]) for l in open(sys.argv[1])]' \
  "$work/sim/labels.jsonl" >"$work/accounts.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$n "$bin" serve --listen "127.0.0.1:$port" --state "$work/state" --quiet ${DG_BENCH_CONFIG:+--config "$DG_BENCH_CONFIG"} &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# Warm-up: the whole scenario once, so that checks find real decisions.
"$ingest" "$port" "$events" 1000000 0 1000 >"$work/preload.json"
python3 - "$port" <<'PY'
import http.client, sys, time
# Wait until the engine caught up with the preload.
for _ in range(600):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1])); c.request("GET", "/metrics")
    m = dict(l.rsplit(" ", 1) for l in c.getresponse().read().decode().splitlines() if l and l[0] != "#")
    if float(m["dg_engine_queue_events"]) == 0: break
    time.sleep(0.1)
PY

processed() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "dg_events_processed_total" {print $2}'; }
echo "| connections | ingest target (events/s) | checks/s | p50 | p99 | p99.9 | max | errors | events/s accepted | events/s processed | POST p99 | open loop: generator late p99 | open loop: from noticed p50 / p99 / p99.9 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
status=0
run() {
  local c=${1%[@~]*} rate=$2 delay=0 open_rate=0
  [[ $1 == *@* ]] && delay=${1#*@}
  [[ $1 == *~* ]] && open_rate=${1#*~}
  local ing="{}"
  if [ "$rate" -gt 0 ]; then
    $pin_ingest "$ingest" "$port" "$events" "$rate" "$((secs + 2))" 1000 >"$work/ingest_$1.json" &
    local ipid=$!
    sleep 1
  fi
  local p0 t0 p1 t1
  p0=$(processed); t0=$(date +%s.%N)
  if [ "$open_rate" != 0 ]; then
    $n $pin_check "$checker" "$port" "$work/accounts.txt" "$open_rate" "$secs" "$c" >"$work/wrk_${1}_${rate}.json"
  else
    DG_CHECK_DELAY_MS=$delay $n $pin_check wrk -t1 -c"$c" -d"${secs}s" -s bench/check.lua \
      "http://127.0.0.1:$port/v1/check" -- "$work/accounts.txt" | tail -1 >"$work/wrk_${1}_${rate}.json"
  fi
  p1=$(processed); t1=$(date +%s.%N)
  if [ "$rate" -gt 0 ]; then wait "$ipid"; ing=$(cat "$work/ingest_$1.json"); fi
  local label="$c"
  [ "$delay" = 0 ] || label="$c (paced ${delay} ms)"
  [ "$open_rate" = 0 ] || label="$c, open loop at $open_rate/s"
  python3 - "$label" "$rate" "$(cat "$work/wrk_${1}_${rate}.json")" "$ing" "$p0" "$p1" "$t0" "$t1" <<'PY' || status=1
import json, sys
c, target, w, i = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
done = (float(sys.argv[6]) - float(sys.argv[5])) / (float(sys.argv[8]) - float(sys.argv[7]))
us = lambda v: "%.0f µs" % v if v < 1000 else "%.2f ms" % (v / 1000)
print("| %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |" % (
    c, target or "none", "{:,}".format(int(w["rps"])), us(w["p50_us"]), us(w["p99_us"]), us(w["p999_us"]),
    us(w["max_us"]), w["errors"] + w["non2xx"], "{:,}".format(i["events_per_s"]) if i else "-",
    "{:,}".format(round(done)) if i else "-", ("%.0f ms" % i["post_p99_ms"]) if i else "-",
    us(w["late_p99_us"]) if "late_p99_us" in w else "-",
    " / ".join(us(w[k]) for k in ("gateway_p50_us", "gateway_p99_us", "gateway_p999_us"))
    if "gateway_p99_us" in w else "-"))
if target and (i["events_per_s"] < 0.95 * target or done < 0.95 * target):
    print("  ^ ingestion below 95%% of the target (%s accepted, %.0f processed per s)" % (i["events_per_s"], done),
          file=sys.stderr)
    sys.exit(1)
PY
}
run 32 0
for c in $conns; do run "$c" "$rate"; done
sleep 1
curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
grep -E '^dg_(events_accepted_total|events_processed_total|process_resident_memory_bytes|accounts) ' "$work/metrics.txt" >&2
# Server-side time of the checks (request read -> answer ready), all runs.
python3 - "$work/metrics.txt" <<'PY' >&2
import re, sys
b = {float(m.group(1)) if m.group(1) != "+Inf" else float("inf"): int(m.group(2)) for m in
     re.finditer(r'dg_request_duration_seconds_bucket\{route="check",le="([^"]+)"\} (\d+)', open(sys.argv[1]).read())}
total = b[float("inf")]
print("server-side check time: " + ", ".join("%.3f%% <= %g us" % (100.0 * n / total, le * 1e6)
                                             for le, n in sorted(b.items()) if le <= 1e-3))
PY
exit $status
