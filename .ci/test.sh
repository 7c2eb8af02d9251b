#!/usr/bin/env bash
# Runs every test SyncFlow has (what CI runs): installs what is missing, then the suite under Xvfb + D-Bus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh --test
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash .ci/test-inner.sh
