#!/usr/bin/env bash
# The main demonstration, from a fresh machine: installs ZooKeeper if missing, then runs the
# tour of the client against a throwaway server it starts (or the one in $ZK_CONNECT).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec cargo run --locked -q -p zk-client-tokio --example demo
