#!/usr/bin/env bash
# Measures the APISmith simulator: latency of 10,000-row pages (first, deep, incremental after mutations) and RSS.
# Usage: measure.sh ITEMS [PORT]   (expects target/release/syncflow-sim; build with `cargo build --release -p syncflow-sim`)
set -euo pipefail
ITEMS=${1:?items}; PORT=${2:-18107}; HUB=$((PORT + 1))
BIN=$(dirname "$0")/../../../../target/release/syncflow-sim
"$BIN" --apismith-port "$PORT" --schedulehub-port "$HUB" --items "$ITEMS" >/dev/null 2>&1 &
PID=$!; trap 'kill $PID' EXIT; sleep 0.5
U=http://127.0.0.1:$PORT
T=$(curl -s -X POST $U/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"sync","password":"sync"}' \
    | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
page() { # $1 = JSON body; prints seconds of the best of 5
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST $U/api/v1/runtime/inventory-items/execute \
      -H "Authorization: Bearer $T" -H 'content-type: application/json' -d "$1"
  done | sort -n | head -1
}
rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$PID/status; }
echo "items=$ITEMS RSS at start: $(rss)"
SORT='"sort":{"field":"ROWVERSION","direction":"asc"}'
echo "page 1 x 10000:              $(page "{\"page\":1,\"page_size\":10000,$SORT}") s"
LAST=$(( ITEMS / 10000 ))
echo "page $LAST x 10000 (deep):     $(page "{\"page\":$LAST,\"page_size\":10000,$SORT}") s"
WM=$(printf '0x%016X' $(( 0x1000000 + ITEMS / 2 )))
echo "rowversion > mid, page 3:     $(page "{\"page\":3,\"page_size\":10000,\"filters\":[{\"field\":\"ROWVERSION\",\"operator\":\">\",\"value\":\"$WM\"}],$SORT}") s"
curl -s -X POST $U/_sim/mutate -H 'content-type: application/json' \
  -d '{"slug":"inventory-items","update":50000,"delete":10000,"insert":20000}' -o /dev/null
echo "after 80k mutations, page 40: $(page "{\"page\":40,\"page_size\":10000,$SORT}") s"
echo "RSS after pages and mutations: $(rss)"
