#!/bin/sh
# Scale-out benchmark (docs/benchmarks.md): events/s through the JetStream
# stream with 1, 2 and 3 workers, and publish -> decision-visible delay.
# usage: bench/scale_out_bench.sh [BUILD_DIR] [REPEATS]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
exec python3 "$here/bench/scale_out_bench.py" "$build/distillguard" "$here" "${TMPDIR:-/tmp}/dg_scale_out_bench" "${2:-3}"
