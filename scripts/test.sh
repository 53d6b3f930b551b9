#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then runs the checks
# CI runs. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== references to notes: every one in the repository, every docs/ anchor resolvable"
scripts/check-doc-refs.sh

scripts/install-deps.sh

# The optional TLS support, switched on wherever it is built below, so its tests (real servers
# with secure client ports) run with the rest. Named features rather than --all-features, so
# that an optional feature needing system libraries is not pulled in by accident.
tls=zk-client/tls,zk-client-tokio/tls,zk-client-smol/tls,zk-client-blocking/tls,zk-guide/tls,zk-cli/tls

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, warnings denied; without and with TLS)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --workspace --all-targets --locked --features "$tls" -- -D warnings

echo "== cargo test (with TLS)"
cargo test --workspace --exclude zk-sasl-gssapi --locked --features "$tls"

echo "== without Java: the tests that need only a server, on the embedded zk-server"
scripts/test-without-java.sh

echo "== SASL GSSAPI against a real KDC (krb5kdc on loopback) and ZooKeeper"
cargo test -p zk-sasl-gssapi --locked

echo "== the embedding example: zk-proto driven by a hand-written poll loop"
cargo run --locked -q -p zk-proto --example poll_loop

echo "== the examples: one per adapter, one per recipe family"
scripts/examples.sh

echo "== cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --features "$tls"

# About 3 minutes in all: installing cargo-fuzz (~45 s), the sanitizer build (~1 min) and
# 20 s per target. A crash fails the suite; fuzz/README.md says what to do with the input.
echo "== fuzzing: every target for 20 s from the seed corpus"
scripts/fuzz.sh 20

echo "== dependency promises"
scripts/check-deps.sh
