#!/usr/bin/env bash
# Installs what building, running and testing SyncFlow needs on Debian/Ubuntu, skipping what is already there.
# Usage: .ci/deps.sh [--test]   (--test adds the end-to-end and keychain test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libdbus-1-dev)
if [ "$want_test" = 1 ]; then
  packages+=(webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring keyutils file imagemagick postgresql)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust is needed: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js (20+) with npm is needed" >&2; exit 1; }

if [ "$want_test" = 1 ]; then
  if ! command -v tauri-driver >/dev/null || ! tauri-driver --help >/dev/null 2>&1; then
    echo "==> installing tauri-driver 2.1.0 (a few minutes, once)"
    cargo install tauri-driver --version 2.1.0 --locked
  fi
  rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt
fi

echo "==> npm packages"
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui install --no-audit --no-fund
fi
if [ "$want_test" = 1 ] && { [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; }; then
  npm --prefix tests/e2e install --no-audit --no-fund
fi
