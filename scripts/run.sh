#!/usr/bin/env bash
# The main job on the bundled data: set up and build, build the historical archive from
# data/samples (CMA 1949-2022 and every JTWC b-deck 1945-2022) and print its summary, then replay
# Typhoon Mangkhut 2018 through the forecast as if live (report, CSV and maps in build/replay-mangkhut).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ARCHIVE=${TAIFENG_ARCHIVE:-build/taifeng-archive.h5}
build/bin/taifeng archive build --out "$ARCHIVE" \
  --cma data/samples/cma --atcf data/samples/jtwc --report build/import-report.json
echo
build/bin/taifeng replay --archive "$ARCHIVE" --storm MANGKHUT --agency CMA --fast --out build/replay-mangkhut
echo
echo "Full quality report: build/import-report.json"
echo "Replay report: build/replay-mangkhut/report.md (maps in build/replay-mangkhut/maps/)"
echo "Try: build/bin/taifeng archive list $ARCHIVE --season 2018"
echo "     build/bin/taifeng archive show $ARCHIVE MANGKHUT"
