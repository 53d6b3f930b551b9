#!/usr/bin/env bash
# Dependency promises, checked on the resolved trees:
#   zk-proto            no async runtime and no I/O crate (it is sans-IO)
#   zk-client-smol      no tokio
#   zk-client-blocking  no async runtime at all
set -euo pipefail
cd "$(dirname "$0")/.."

check() {
    local crate=$1 forbidden=$2 what=$3
    local tree
    tree=$(cargo tree -p "$crate" --edges normal --prefix none --locked | sort -u)
    if echo "$tree" | grep -Eq "^($forbidden) "; then
        echo "$crate must not depend on $what, but its tree has:"
        echo "$tree" | grep -E "^($forbidden) "
        exit 1
    fi
    echo "ok: $crate ($(echo "$tree" | wc -l) crates) has no $what"
}

runtimes='tokio|async-std|smol|async-io|async-executor|async-global-executor|futures-executor'
check zk-proto "$runtimes|mio|polling|socket2|libc|rustix|futures|futures-util|rustls|native-tls|openssl" "runtime or I/O crate"
check zk-client-smol "tokio" "tokio"
check zk-client-blocking "$runtimes" "async runtime"
