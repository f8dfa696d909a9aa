#!/usr/bin/env bash
# Benchmark of the gateway integration (docs/benchmarks.md, "Gateways"):
#  1. what nginx with deploy/nginx/distillguard.conf adds per request: wrk
#     against a static upstream (a second nginx answering a fixed JSON) with
#     and without the shipped config in front (auth_request to `serve`,
#     the events log written);
#  2. `distillguard ship --once` of a simulated log (naive_hydra, 30,769
#     lines) into a fresh `serve --state`: lines per second end to end.
#
#   bench/gateway_bench.sh [SECONDS=10] [CONNECTIONS=8] [WORKDIR=build/bench_gateway]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
conns="${2:-8}"
work="$(realpath -m "${3:-build/bench_gateway}")"
bin="$PWD/build/distillguard"
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx not installed" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/logs" "$work/up"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dg_port=$(free_port); up_port=$(free_port); gw_port=$(free_port)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

"$bin" simulate --scenario scenarios/naive_hydra.toml --out "$work/sim" --quiet
python3 -c 'import json,sys; [print(json.loads(l)["account_id"]) for l in open(sys.argv[1])]' \
  "$work/sim/labels.jsonl" >"$work/accounts.txt"

# The static upstream.
cat >"$work/up/nginx.conf" <<CONF
worker_processes 1;
pid $work/up/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/up/body;
  server {
    listen 127.0.0.1:$up_port;
    location / { default_type application/json; return 200 '{"choices":[{"message":{"role":"assistant","content":"ok"}}]}'; }
  }
}
CONF
nginx -p "$work/up" -e "$work/up/error.log" -c "$work/up/nginx.conf" -g 'daemon off;' &
pids+=($!)

DG_READ_TOKENS=bench-read DG_WRITE_TOKENS=bench-write "$bin" serve --listen "127.0.0.1:$dg_port" \
  --state "$work/state" --quiet &
pids+=($!)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$dg_port/healthz" >/dev/null && break; sleep 0.1; done

sed -e "s|server 127.0.0.1:9000;|server 127.0.0.1:$up_port;|" -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$dg_port;|" \
    -e "s|listen 127.0.0.1:8088;|listen 127.0.0.1:$gw_port;|" -e "s|CHANGE-ME-read-token|bench-read|" \
    -e "s|/run/nginx-distillguard.pid|$work/nginx.pid|" -e "s|/var/log/nginx/|$work/logs/|" \
    -e "s|/var/lib/nginx/|$work/nginx-|" -e "s|worker_processes auto;|worker_processes 1;|" \
    deploy/nginx/distillguard.conf >"$work/nginx.conf"
nginx -p "$work" -e "$work/logs/error.log" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$gw_port/" && break; sleep 0.05; done

echo "direct upstream, $conns connections:"
wrk -t1 -c"$conns" -d"${secs}s" -s bench/gateway.lua "http://127.0.0.1:$up_port" -- "$work/accounts.txt" | tail -1
echo "through deploy/nginx/distillguard.conf, $conns connections:"
wrk -t1 -c"$conns" -d"${secs}s" -s bench/gateway.lua "http://127.0.0.1:$gw_port" -- "$work/accounts.txt" | tail -1
echo "events logged: $(wc -l <"$work/logs/distillguard-events.log")"

echo bench-write >"$work/write.token"
start=$(date +%s.%N)
"$bin" ship --log "$work/sim/events.jsonl" --url "http://127.0.0.1:$dg_port" --token-file "$work/write.token" \
  --from-start --once
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('ship --once: %d lines in %.2f s = %.0f lines/s' % (int(sys.argv[3]), s, int(sys.argv[3])/s))" \
  "$start" "$end" "$(wc -l <"$work/sim/events.jsonl")"
