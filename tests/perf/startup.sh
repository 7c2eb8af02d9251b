#!/usr/bin/env bash
# Measures what a planner feels at start: time from launch to the main window being mapped on the X screen, and the
# memory of the app (its own process + WebKit's web and network processes) idling in the tray.
# Usage (inside an X server): tests/perf/startup.sh [path/to/syncflow]   e.g. xvfb-run -a tests/perf/startup.sh
set -euo pipefail
app=${1:-target/release/syncflow}
data=$(mktemp -d)
export SYNCFLOW_DATA_DIR=$data

pss_kb() { # total PSS (kB) of the app and the WebKit processes it started; PSS splits shared libraries fairly
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/smaps_rollup" ] && total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")))
  done
  echo "$total"
}
family() { echo "$1" $(pgrep -P "$1" || true) $(for c in $(pgrep -P "$1" || true); do pgrep -P "$c" || true; done); }

start=$(date +%s%N)
"$app" >/dev/null 2>&1 &
pid=$!
until xwininfo -root -tree 2>/dev/null | grep -q '"SyncFlow"'; do
  sleep 0.02
  kill -0 "$pid" 2>/dev/null || { echo "the app exited before showing a window" >&2; exit 1; }
done
mapped=$(date +%s%N)
echo "launch to mapped window: $(( (mapped - start) / 1000000 )) ms"
sleep 5
echo "memory with the window open (5 s after start): $(( $(pss_kb $(family $pid)) / 1024 )) MiB PSS"
kill "$pid"; wait "$pid" 2>/dev/null || true

"$app" --hidden >/dev/null 2>&1 &
pid=$!
sleep 30
echo "memory idle in the tray (started --hidden, after 30 s): $(( $(pss_kb $(family $pid)) / 1024 )) MiB PSS, of which the app process $(( $(pss_kb $pid) / 1024 )) MiB and WebKit's processes the rest"
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -rf "$data"
