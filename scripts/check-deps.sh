#!/usr/bin/env bash
# Dependency promises, checked on the resolved trees:
#   zk-proto            no async runtime and no I/O crate (it is sans-IO)
#   zk-client-smol      no tokio
#   zk-client-blocking  no async runtime (only the reactor and executor parts named below)
#   zk-client           no TLS crates unless the `tls` feature asks for them
# and the same with the `tls` feature (rustls with ring: no aws-lc, so no cmake or nasm).
set -euo pipefail
cd "$(dirname "$0")/.."

check() {
    local crate=$1 forbidden=$2 what=$3
    shift 3 # then: extra `cargo tree` arguments (features)
    local label="$crate${*:+ $*}" tree
    tree=$(cargo tree -p "$crate" "$@" --edges normal --prefix none --locked | sort -u)
    if echo "$tree" | grep -Eq "^($forbidden) "; then
        echo "$label must not depend on $what, but its tree has:"
        echo "$tree" | grep -E "^($forbidden) "
        exit 1
    fi
    echo "ok: $label ($(echo "$tree" | wc -l) crates) has no $what"
}

runtimes='tokio|async-std|smol|async-io|async-executor|async-global-executor|futures-executor'
check zk-proto "$runtimes|mio|polling|socket2|libc|rustix|futures|futures-util|rustls|native-tls|openssl" "runtime or I/O crate"
check zk-client-smol "tokio" "tokio"
# zk-client-blocking is built from parts, none a runtime the application starts or enters:
# async-io (the reactor: epoll and timers), async-executor (the task queue of its one I/O
# thread, where the drivers run), async-net (sockets on async-io, host lookups on the
# `blocking` thread pool) and futures-lite (the callers' block_on). Runtimes stay out, and so
# does mio (its old hand-written reactor).
blocking_forbidden='tokio|async-std|smol|async-global-executor|futures-executor|mio'
check zk-client-blocking "$blocking_forbidden" "async runtime"
aws_lc='aws-lc-rs|aws-lc-sys|aws-lc-fips-sys'
check zk-client "rustls|ring|futures-rustls" "TLS crates (tls is off by default)"
check zk-client "$runtimes|mio|$aws_lc" "runtime or aws-lc" --features tls
check zk-client-smol "tokio|$aws_lc" "tokio or aws-lc" --features tls
check zk-client-blocking "$blocking_forbidden|$aws_lc" "async runtime or aws-lc" --features tls
