# The two quick-start commands (see README.md) and a few conveniences.
.PHONY: run test app ui sim bench deb bindings

# Install what is missing, build the UI and the app, and launch it.
run: app
	./target/debug/syncflow

# Every test CI runs: formatting, lints, Rust and UI unit tests, contract tests, keychain, end-to-end in WebKit.
test:
	bash .ci/test.sh

ui:
	bash .ci/deps.sh
	npm --prefix ui run build

app: ui
	cargo build -p syncflow

# Regenerate ui/src/bindings.ts after changing a command's signature.
bindings:
	UPDATE_BINDINGS=1 cargo test -p syncflow bindings_ts_matches_the_commands

# A Debian package under target/release/bundle/deb/.
deb: ui
	cargo build --release -p syncflow
	bash .ci/package-deb.sh
