#!/usr/bin/env bash
# DistillGuard set-up and entry point for a fresh Debian 12 machine.
#
#   scripts/run.sh demo   install what is missing, build (Release), run the
#                         built-in demo: sample traffic -> scan -> summary
#   scripts/run.sh test   install what is missing, build (Release, -Werror)
#                         and an ASan+UBSan build, run the whole test suite
#   scripts/run.sh build  install what is missing and build only
#   scripts/run.sh tsan   install what is missing, build with ThreadSanitizer
#                         (build/tsan) and run the unit tests under it (not
#                         part of `test`: a third build of everything)
#
# Idempotent: packages already installed are not touched, and apt-get is
# quiet when nothing is missing. Needs root or sudo only to install.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libsimdjson-dev libxxhash-dev libabsl-dev libcli11-dev libfmt-dev
  libzstd-dev zlib1g-dev libhyperscan-dev libtomlplusplus-dev
  libcpp-httplib-dev libsqlite3-dev libssl-dev
  nats-server libnats-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 zstd jq time wrk curl
  nodejs npm chromium
  nginx haproxy
)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    # A Node.js build that ships its own npm (e.g. NodeSource's nodejs)
    # conflicts with Debian's npm package: only install npm when missing.
    [ "$p" = npm ] && command -v npm >/dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The report's chart library and the browser/STIX test tools come from npm,
# pinned by web/package-lock.json; installed once (the build embeds uPlot).
install_web() {
  [ -d web/node_modules ] && return 0
  echo "installing web/node_modules (npm ci)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
}

jobs() { nproc 2>/dev/null || echo 2; }

build_release() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDG_WERROR="${1:-OFF}" >/dev/null
  cmake --build build -j "$(jobs)"
}

build_sanitize() {
  # The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
  cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDG_SANITIZE=ON -DDG_WERROR=ON \
    -DDG_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build/sanitize -j "$(jobs)"
}

build_tsan() {
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDG_TSAN=ON -DDG_WERROR=ON \
    -DDG_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build/tsan -j "$(jobs)"
}

case "${1:-}" in
  demo)
    install_missing
    install_web
    build_release OFF
    exec build/distillguard demo --out out/demo
    ;;
  build)
    install_missing
    install_web
    build_release OFF
    ;;
  test)
    install_missing
    install_web
    build_release ON
    build_sanitize
    echo "== unit tests under ASan+UBSan"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build/sanitize -L unit -j "$(jobs)" --output-on-failure
    echo "== whole suite (Release)"
    exec ctest --test-dir build -j "$(jobs)" --output-on-failure
    ;;
  tsan)
    install_missing
    install_web
    build_tsan
    echo "== unit tests under ThreadSanitizer"
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      exec ctest --test-dir build/tsan -L unit -j "$(jobs)" --output-on-failure
    ;;
  *)
    echo "usage: scripts/run.sh demo|test|build|tsan" >&2
    exit 2
    ;;
esac
