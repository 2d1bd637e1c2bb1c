#!/usr/bin/env bash
# Lint stage: clang-tidy (.clang-tidy, every warning an error, no function over 100 lines) over
# every library and command source (not the tests), using the compile database of a configured
# build directory (default: build/, as scripts/setup.sh leaves it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${TAIFENG_BUILD_DIR:-build}
[ -f "$BUILD_DIR/compile_commands.json" ] || { echo "lint: run scripts/setup.sh first ($BUILD_DIR has no compile_commands.json)" >&2; exit 64; }
run-clang-tidy -p "$BUILD_DIR" -j "$(nproc)" -quiet \
  "^$PWD/(base|geo|data|core|feed|warnings|gateway|apps)/(src|taifeng|gateway|common)/" > "$BUILD_DIR/clang-tidy.log" 2>&1 || {
  grep -E "(warning|error):" "$BUILD_DIR/clang-tidy.log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u | head -50
  echo "lint: clang-tidy found problems (full log: $BUILD_DIR/clang-tidy.log)" >&2
  exit 1
}
echo "lint: clang-tidy clean"
