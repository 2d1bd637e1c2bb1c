#!/usr/bin/env bash
# Fuzzes every text parser, the feed service's request frames (feed) and the web gateway's request
# heads (http) with libFuzzer (clang, ASan+UBSan) for SECONDS each (default 60), starting from the
# bundled samples (and, for feed and http, a few valid requests). Crashes are written to
# tests/data/fuzz/<format>/ (they fail data_test, warnings_test for feed, gateway_test for http,
# until fixed), and a handful of small inputs are kept there too (the smallest of the corpus the
# fuzzer grew) as regression cases.
#   Usage: scripts/fuzz.sh [SECONDS [FORMAT...]]     e.g. scripts/fuzz.sh 600 feed
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
FORMATS=${*:-cma atcf jma hurdat2 csv feed http}
missing=()
for p in clang libclang-rt-14-dev libhdf5-dev libproj-dev nlohmann-json3-dev libcli11-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAIFENG_FUZZ=ON \
  -DTAIFENG_BUILD_TESTS=OFF -DTAIFENG_BUILD_BENCHMARKS=OFF >/dev/null
targets=()
for f in $FORMATS; do targets+=("fuzz_$f"); done
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

seed() {  # format -> seed files
  case "$1" in
    cma) ls data/samples/cma/CH1997BST.txt data/samples/cma/CH2018BST.txt ;;
    atcf) ls data/samples/atcf/*.dat data/samples/jtwc/bwp161983.txt ;;
    jma) head -c 20000 data/samples/jma/bst_all_2015-2021_subset.txt > build-fuzz/jma-seed.txt; echo build-fuzz/jma-seed.txt ;;
    csv) printf 'time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa\n2018-09-14T00:00:00Z,14.2,128.5,60,910\n2018091406,14.6,127.4,,\n' > build-fuzz/csv-seed.csv; echo build-fuzz/csv-seed.csv ;;
    hurdat2) head -c 20000 data/samples/hurdat2/hurdat2-nepac-2014-2015.subset.txt > build-fuzz/hurdat2-seed.txt; echo build-fuzz/hurdat2-seed.txt ;;
    feed)  # byte 0: 1 control, 0 sync; frames separated by 0x00
      printf '\x01COMMIT\x001\x00{"action":"update","targets":["440400"],"kind":"typhoon","extend_h":6,"request_id":"a-1"}' > build-fuzz/feed-seed-1
      printf '\x00REPLAY\x002\x00{"from":1,"to":50,"prefixes":["typhoon.44"],"format":"json"}' > build-fuzz/feed-seed-2
      printf '\x01PREVIEW\x003\x00{"action":"issue","all":true,"status":"Exercise","at_utc":"2018-09-16T00:00:00Z"}' > build-fuzz/feed-seed-3
      echo build-fuzz/feed-seed-1 build-fuzz/feed-seed-2 build-fuzz/feed-seed-3 ;;
    http)  # a request head (and its Range)
      printf 'GET /app.js?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nRange: bytes=0-99\r\nConnection: keep-alive\r\n\r\n' > build-fuzz/http-seed-1
      printf 'HEAD /events HTTP/1.0\r\nRange: bytes=-5\r\n\r\n' > build-fuzz/http-seed-2
      echo build-fuzz/http-seed-1 build-fuzz/http-seed-2 ;;
  esac
}

for format in $FORMATS; do
  corpus=build-fuzz/corpus-$format
  keep=tests/data/fuzz/$format
  mkdir -p "$corpus" "$keep"
  cp $(seed $format) "$corpus/" 2>/dev/null || true
  echo "== fuzzing $format for ${SECONDS_EACH}s"
  build-fuzz/bin/fuzz_$format "$corpus" -max_total_time="$SECONDS_EACH" -max_len=4096 \
    -artifact_prefix="$keep/crash-" -print_final_stats=1 2>&1 | tail -4
  # Keep the 8 smallest non-empty corpus inputs as regression cases.
  smallest=$(find "$corpus" -type f -size +0 -printf '%s %p\n' | sort -n | head -8 | cut -d' ' -f2- || true)
  for f in $smallest; do cp "$f" "$keep/found-$(basename "$f" | cut -c1-12)"; done
done
echo "fuzz: regression inputs in tests/data/fuzz/ ; crashes (if any) are named crash-*"
ls tests/data/fuzz/*/crash-* 2>/dev/null && exit 1 || exit 0
