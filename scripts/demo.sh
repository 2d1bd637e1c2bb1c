#!/usr/bin/env bash
# The live demonstration (the end of scripts/run.sh): generates keys, starts `taifeng serve` with a
# fresh journal, the display and web gateways, then replays Typhoon Mangkhut 2018 through the
# warning desk as an exercise (Mangkhut is left out of the archive; every CAP message has status
# Exercise), printing each forecast and the warnings it issued as they go out on the feed.
# The processes it started are stopped when it ends or is interrupted.
#   TAIFENG_ARCHIVE   the archive (default build/taifeng-archive.h5, built by scripts/run.sh)
#   TAIFENG_WEB_PORT  the web page's port (default 8080; another free port if taken)
#   TAIFENG_PACE      seconds between forecasts (default 1)
#   TAIFENG_DEMO_HOLD seconds to keep the service and gateways up after the replay when not on a
#                     terminal (default 0); on a terminal the demo waits for Enter
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TAIFENG_BUILD_DIR:-build}/bin
ARCHIVE=${TAIFENG_ARCHIVE:-build/taifeng-archive.h5}
DEMO=build/demo
rm -rf "$DEMO"
mkdir -p "$DEMO"
export TAIFENG_KEYS=$PWD/$DEMO/keys TAIFENG_JOURNAL=$PWD/$DEMO/journal

pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ ${#pids[@]} -eq 0 ] || echo "demo: stopped the service and the gateways (logs in $DEMO/)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== Keys (CURVE for the feed, Ed25519 for the journal): the service, an operator (duty) and one per gateway, in $DEMO/keys"
"$BIN/taifeng" keys generate service >/dev/null
"$BIN/taifeng" keys generate duty --role operator >/dev/null
for g in display web; do "$BIN/taifeng" keys generate "$g" --role gateway >/dev/null; done

echo "== taifeng serve (journal $DEMO/journal; log $DEMO/serve.log)"
"$BIN/taifeng" serve --publish 'tcp://127.0.0.1:*' --sync 'tcp://127.0.0.1:*' --control 'tcp://127.0.0.1:*' \
  >"$DEMO/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -f "$DEMO/journal/service.json" ] && break; sleep 0.1; done
[ -f "$DEMO/journal/service.json" ] || { cat "$DEMO/serve.log"; echo "demo: the service did not start"; exit 1; }

echo "== Gateways: display (LED frame $DEMO/led.txt, wall display $DEMO/display.log) and web"
"$BIN/taifeng-gateway" --channel display --no-ansi --columns 100 --lines 30 --led-file "$DEMO/led.txt" --led-width 40 \
  >"$DEMO/display.log" 2>"$DEMO/display-gateway.log" &
pids+=($!)
start_web() {
  "$BIN/taifeng-gateway" --channel web --port "$1" --port-file "$DEMO/web.port" >"$DEMO/web.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ -f "$DEMO/web.port" ] && return 0; kill -0 "${pids[-1]}" 2>/dev/null || return 1; sleep 0.1; done
  return 1
}
start_web "${TAIFENG_WEB_PORT:-8080}" || start_web 0 || { cat "$DEMO/web.log"; exit 1; }
URL="http://127.0.0.1:$(cat "$DEMO/web.port")/"
echo "   Open the live page: $URL   (Atom: ${URL}alerts.atom)"
echo

echo "== Replaying Typhoon Mangkhut 2018 as an exercise, every 6 h from 2018-09-13 12 UTC (a forecast each ${TAIFENG_PACE:-1} s)"
"$BIN/taifeng" warn replay --archive "$ARCHIVE" --track data/samples/atcf/bwp262018.dat --agency CMA \
  --from 2018-09-13T12:00Z --to 2018-09-17T00:00Z --operator duty --pace "${TAIFENG_PACE:-1}" | tail -n +1
sleep 1.5
echo
echo "== The wall display at its busiest (a frame the display gateway drew; all frames in $DEMO/display.log):"
awk 'BEGIN{RS="\n\n"} {n=gsub(/ WHITE /,"&")+2*gsub(/ BLUE /,"&")+3*gsub(/ YELLOW /,"&")+4*gsub(/ ORANGE /,"&")+5*gsub(/ (RED|BLACK) /,"&");
  if (n>best) {best=n; frame=$0}} END{print frame}' "$DEMO/display.log"
echo
echo "Feed: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["publish"], "(service key", d["public_key"] + ")")' "$DEMO/journal/service.json" 2>/dev/null || true)"
echo "Journal: $DEMO/journal (taifeng warn list --journal $DEMO/journal; taifeng warn audit --journal $DEMO/journal)"
echo "Audit: $("$BIN/taifeng" warn audit 2>&1)"
echo "Web page: $URL"
if [ -t 0 ]; then
  read -r -p "Press Enter to stop the service and the gateways… " _ || true
elif [ "${TAIFENG_DEMO_HOLD:-0}" != 0 ]; then
  echo "Keeping them up for ${TAIFENG_DEMO_HOLD} s"
  sleep "$TAIFENG_DEMO_HOLD"
fi
