#!/usr/bin/env bash
# The main demonstration, from a fresh machine: the tour of the client against the embedded
# zk-server, started in the demo's own process, so nothing but the Rust toolchain is needed
# (no Java). ZK_CONNECT=host:port uses an existing server instead; ZK_DEMO_SERVER=zookeeper
# starts a throwaway real ZooKeeper, installing Debian's package first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${ZK_DEMO_SERVER:-}" == zookeeper ]]; then
  scripts/install-deps.sh
fi
exec cargo run --locked -q -p zk-client-tokio --example demo
