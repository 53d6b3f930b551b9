#!/usr/bin/env bash
# Runs every runnable example: one per adapter and one per recipe family. Each runs against the
# embedded zk-server in its own process (no Java), or against $ZK_CONNECT when set (a real
# ZooKeeper: `ZK_CONNECT=127.0.0.1:2181 scripts/examples.sh`). An example exits non-zero when
# something is not as promised, so a failing example fails the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=(
  "zk-client-tokio demo"
  "zk-client-smol basics"
  "zk-client-blocking basics"
  "zk-recipes locks"
  "zk-recipes coordination"
  "zk-recipes queues"
  "zk-recipes watching"
)
for entry in "${examples[@]}"; do
  read -r package example <<<"$entry"
  echo "-- $package: $example"
  cargo run --locked -q -p "$package" --example "$example"
done
