#!/usr/bin/env bash
# The main job on the bundled data: set up and build, build the historical archive from
# data/samples (CMA 1949-2022 and every JTWC b-deck 1945-2022) and print its summary, then replay
# Typhoon Mangkhut 2018 through the forecast as if live (report, CSV and maps in build/replay-mangkhut),
# add the observed (CHM_PRE) and modelled (R-CLIPER) rain to the archive, fit CLIPER there (the
# consensus the README verifies), and print what each city
# could expect from Mangkhut as forecast at 2018-09-15 12 UTC (taifeng hazard); then the live
# demonstration (scripts/demo.sh): the feed service, the display and web gateways, and Mangkhut
# replayed through the warning desk as an exercise, its warnings going out on the feed as they are
# issued, with each Pearl River Delta city's lead times.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ARCHIVE=${TAIFENG_ARCHIVE:-build/taifeng-archive.h5}
build/bin/taifeng archive build --out "$ARCHIVE" \
  --cma data/samples/cma --atcf data/samples/jtwc --report build/import-report.json
echo
build/bin/taifeng replay --archive "$ARCHIVE" --storm MANGKHUT --agency CMA --fast --out build/replay-mangkhut
echo
build/bin/taifeng archive add-rain "$ARCHIVE" data/samples/rainfall/pre_0411.nc data/samples/rainfall/pre_8613.nc
build/bin/taifeng archive model-rain "$ARCHIVE"
# CLIPER in the archive, so forecast, hazard and warn propose run the verified consensus (analogs
# half-way towards CLIPER), not the analog ensemble alone.
build/bin/taifeng cliper fit --archive "$ARCHIVE" --agency CMA
echo
build/bin/taifeng hazard --archive "$ARCHIVE" --track data/samples/atcf/bwp262018.dat --at 2018-09-15T12:00Z --agency CMA
build/bin/taifeng hazard --archive "$ARCHIVE" --track data/samples/atcf/bwp262018.dat --at 2018-09-15T12:00Z \
  --agency CMA --geojson > build/hazard-mangkhut.geojson
echo
bash scripts/demo.sh
echo
echo "Full quality report: build/import-report.json"
echo "Replay report: build/replay-mangkhut/report.md (maps in build/replay-mangkhut/maps/)"
echo "Hazard map (GeoJSON, regions with their hazard): build/hazard-mangkhut.geojson"
echo "Warning exercise journal: build/demo/journal (taifeng warn list --journal build/demo/journal;"
echo "  taifeng warn show ID --cap --journal build/demo/journal; taifeng warn audit --journal build/demo/journal)"
echo "Try: build/bin/taifeng archive list $ARCHIVE --season 2018"
echo "     build/bin/taifeng archive show $ARCHIVE MANGKHUT"
