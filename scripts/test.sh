#!/usr/bin/env bash
# The whole test suite: builds and runs every GoogleTest through CTest in the normal (Release)
# build, then again under AddressSanitizer + UndefinedBehaviorSanitizer, then the threaded parts
# (core: the OpenMP matcher; warnings: the feed service, its ZAP thread and its clients; the webhook channel's worker; the web server's TLS loop) under
# ThreadSanitizer (clang + LLVM libomp + its Archer tool). After the normal build, the lint stage
# (scripts/lint.sh: clang-tidy, clean) and the build without the feed (-DTAIFENG_WITH_FEED=OFF:
# the CLI and the warning desk, tested without ZeroMQ).
#   --fast               only the normal build
#   --sanitize=LIST      only a sanitizer build with LIST (address,undefined or thread)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=both
sanitizers=address,undefined
for arg in "$@"; do
  case "$arg" in
    --fast) mode=normal ;;
    --sanitize=*) mode=sanitize; sanitizers=${arg#--sanitize=} ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 64 ;;
  esac
done

run_suite() {  # build dir, extra cmake args...
  local dir=$1; shift
  TAIFENG_BUILD_DIR=$dir bash scripts/setup.sh "$@"
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)" --timeout 300)
}

if [ "$mode" != sanitize ]; then
  run_suite build -DTAIFENG_BUILD_TESTS=ON
  bash scripts/lint.sh  # clang-tidy over the normal build's compile database
  TAIFENG_BUILD_TARGET="taifeng apps_test warnings_test" TAIFENG_BUILD_DIR=build-nofeed bash scripts/setup.sh \
    -DTAIFENG_BUILD_TESTS=ON -DTAIFENG_BUILD_BENCHMARKS=OFF -DTAIFENG_WITH_FEED=OFF
  (cd build-nofeed && ctest --output-on-failure -j"$(nproc)" --timeout 300 -R '^(Cap[A-Za-z]*|Desk|Journal|Rules)Test\.|WithoutTheFeed|CliTest\.Warn')
fi
run_tsan() {
  CC=clang CXX=clang++ CMAKE_BUILD_TYPE=RelWithDebInfo TAIFENG_BUILD_TARGET="core_test warnings_test feed_test gateway_test" \
    TAIFENG_BUILD_DIR=build-thread bash scripts/setup.sh -DTAIFENG_BUILD_TESTS=ON -DTAIFENG_BUILD_BENCHMARKS=OFF \
    -DTAIFENG_SANITIZE=thread
  (cd build-thread && OMP_NUM_THREADS=2 OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so \
     TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/../tests/tsan.supp" \
     ctest --output-on-failure -L core --timeout 900 &&
     TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/../tests/tsan.supp" \
     ctest --output-on-failure -R 'FeedTest|ZapTest|WebhookTest|HttpTlsTest' --timeout 900)
}

if [ "$mode" = sanitize ] && [ "$sanitizers" = thread ]; then
  run_tsan
  exit 0
fi
if [ "$mode" != normal ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  CMAKE_BUILD_TYPE=RelWithDebInfo run_suite "build-${sanitizers//,/-}" -DTAIFENG_BUILD_TESTS=ON \
    -DTAIFENG_BUILD_BENCHMARKS=OFF -DTAIFENG_SANITIZE="$sanitizers"
fi
if [ "$mode" = both ]; then
  run_tsan
fi
