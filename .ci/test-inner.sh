#!/usr/bin/env bash
# Every test, run inside a D-Bus session (real Secret Service) and an X server (real WebKit window).
# Called by .ci/test.sh; not meant to be run directly.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { echo; echo "==> $*"; }

step "unlocking a throw-away gnome-keyring for the keychain tests"
export XDG_DATA_HOME="$PWD/target/test-keyring"
rm -rf "$XDG_DATA_HOME"; mkdir -p "$XDG_DATA_HOME"
eval "$(printf 'ci-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI: build (the Tauri crate embeds ui/dist), type check, lint, formatting (ui/ and tests/e2e), unit tests"
npm --prefix ui run build
npm --prefix ui run typecheck
npm --prefix ui run lint
npm --prefix ui run format:check
npm --prefix ui test

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (unit, property, vectors, migrations, contract tests, keychain against Secret Service, bindings check)"
cargo test --workspace

step "bindings.ts is committed as generated"
git diff --exit-code -- ui/src/bindings.ts

step "end-to-end tests: the real app in WebKit through tauri-driver"
cargo build -p syncflow
npm --prefix tests/e2e test
