#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then runs the checks
# CI runs. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== the embedding example: zk-proto driven by a hand-written poll loop"
cargo run --locked -q -p zk-proto --example poll_loop

echo "== cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

echo "== fuzz targets compile"
cargo check --manifest-path fuzz/Cargo.toml --bins

echo "== dependency promises"
scripts/check-deps.sh
