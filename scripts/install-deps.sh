#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: ZooKeeper (Debian's package,
# which brings Java). Safe to run again: it only installs what is missing.
set -euo pipefail

need=()
[ -e /usr/share/zookeeper/zookeeper.jar ] || [ -n "$(ls /usr/share/java/zookeeper*.jar 2>/dev/null)" ] || need+=(zookeeper)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
/usr/bin/python3 -c "import kazoo" >/dev/null 2>&1 || need+=(python3-kazoo)
# SASL GSSAPI (zk-sasl-gssapi): MIT's KDC, kdb5_util and kadmin.local (Debian ships the
# latter in krb5-admin-server; kadmind is never run) and kinit for the test realm; the krb5
# headers and libclang that the libgssapi bindings are generated from at build time.
[ -x /usr/sbin/krb5kdc ] || need+=(krb5-kdc)
[ -x /usr/sbin/kadmin.local ] || need+=(krb5-admin-server)
command -v kinit >/dev/null 2>&1 || need+=(krb5-user)
[ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
[ -n "$(ls /usr/lib/llvm-*/lib/libclang.so 2>/dev/null)" ] || need+=(libclang-dev)
# Network partitions (zk-testing's Network): `ip netns`, veth and bridge links from iproute2,
# the drop rules from nftables.
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
[ -x /usr/sbin/nft ] || need+=(nftables)

if [ ${#need[@]} -gt 0 ]; then
    echo "== installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
