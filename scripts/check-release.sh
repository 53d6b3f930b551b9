#!/usr/bin/env bash
# Release checks, run by CI before the test suite (so the working tree is still clean):
#   - every publishable crate packages, and builds from its package, in dependency order
#     (`cargo publish --dry-run --workspace` overlays the unpublished workspace crates);
#   - the documentation builds as docs.rs builds it (nightly, `--cfg docsrs`, with the `tls`
#     feature that package.metadata.docs.rs asks for), warnings denied;
#   - cargo-deny's licence, ban and source checks (deny.toml), which need no network.
# Installs what it needs when it is missing: the Debian packages the workspace builds with
# (zk-sasl-gssapi's krb5 headers and libclang, through install-deps.sh), a nightly toolchain,
# cargo-deny from crates.io. Usage: scripts/check-release.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The dry run builds every package, zk-sasl-gssapi's bindings included.
scripts/install-deps.sh
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "== installing a nightly toolchain (docs.rs builds with nightly)"
    rustup toolchain install nightly --profile minimal
fi

echo "== cargo publish --dry-run (every publishable crate, in dependency order)"
# Cargo verifies each package against the others through a local overlay registry, and unpacks
# those packages under CARGO_HOME's registry/src/-<hash>/ like any downloaded crate, where it
# keeps them: a later run with changed sources but the same version would build the stale copy.
# Only our own crates are there; remove them first.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/zk-*
cargo publish --dry-run --workspace --locked

echo "== docs as docs.rs builds them"
tls=zk-client/tls,zk-client-tokio/tls,zk-client-smol/tls,zk-client-blocking/tls
RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --no-deps --locked \
    -p zk-proto -p zk-client -p zk-client-tokio -p zk-client-smol -p zk-client-blocking \
    -p zk-recipes -p zk-testing --features "$tls"

echo "== cargo deny (licences, bans, sources)"
if ! command -v cargo-deny >/dev/null 2>&1; then
    echo "installing cargo-deny"
    cargo install cargo-deny --locked --quiet
fi
# cargo-deny reads every package of the lock file, the other platforms' too (zk-cli's line
# editor has Windows-only dependencies), and offline it cannot download them: fetch them all.
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources
