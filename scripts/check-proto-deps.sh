#!/usr/bin/env bash
# zk-proto is sans-IO: its dependency tree must hold no async runtime and no I/O crate.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree -p zk-proto --edges normal --prefix none --locked)
forbidden='^(tokio|async-std|smol|async-io|mio|polling|futures|futures-util|async-executor|socket2|libc|rustls|native-tls|openssl)( |$)'
if echo "$tree" | grep -Eq "$forbidden"; then
    echo "zk-proto pulls in a runtime or I/O crate:"
    echo "$tree" | grep -E "$forbidden"
    exit 1
fi
echo "ok: $(echo "$tree" | sort -u | wc -l) crates, none of them a runtime or I/O crate"
