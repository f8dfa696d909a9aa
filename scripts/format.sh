#!/usr/bin/env bash
# Formats the C++ sources with clang-format (.clang-format: Google style,
# 120 columns), or with --check lists the files that differ and exits 1.
# clang-format is a developer tool, not a build dependency:
#   sudo apt-get install clang-format
#
#   scripts/format.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "$f"
      bad=1
    fi
  done
  exit "$bad"
fi
clang-format -i "${files[@]}"
