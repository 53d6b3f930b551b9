#!/usr/bin/env bash
# The part of the test suite that needs no Java: every test that only needs a ZooKeeper
# server runs against the embedded zk-server (ZK_TESTING_SERVER=embedded). Java is made
# unfindable (ZK_TESTING_JAVA=/nonexistent), so a test that would start Java's ZooKeeper fails
# here instead of quietly using it. scripts/test.sh runs this too.
#
# Left out, because they need what only Java's ZooKeeper (or kazoo) gives: zk-testing's own
# tests (ensembles, process kills, network namespaces), the conformance suite's real-server
# targets (tests/{tokio,smol,blocking}.rs: ensembles, partitions, read-only servers), TLS and
# SASL tests, zk-server's differential test and the kazoo comparisons, zk-recipes' `lost`
# (a killed server) and kazoo interop tests, and three zk-cli tests (an ensemble, a real
# session expiry, SASL).
set -euo pipefail
cd "$(dirname "$0")/.."
export ZK_TESTING_SERVER=embedded ZK_TESTING_JAVA=/nonexistent ZK_TESTING_CLASSPATH=/nonexistent

recipe_tests=()
for test in barrier cache cache_events counter election election_curator expiry lease lock \
    lock_curator lock_faults lock_fencing lock_run partitioner party queue readme semaphore \
    semaphore_faults streams watchers; do
    recipe_tests+=(--test "$test")
done

cargo test --locked -p zk-proto -p zk-client -p zk-guide
cargo test --locked -p zk-server --lib --test embedded_client --test robustness \
    --test fuzz_regressions
cargo test --locked -p zk-tests --test embedded --test hostile
cargo test --locked -p zk-client-blocking --test api --test lag --test dns
cargo test --locked -p zk-recipes --lib "${recipe_tests[@]}"
cargo test --locked -p zk-cli -- --skip ensemble::servers_shows_one_row_per_host \
    --skip hold::a_lost_session_stops_the_command --skip sasl::
scripts/examples.sh
