#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: ZooKeeper (Debian's package,
# which brings Java). Safe to run again: it only installs what is missing.
set -euo pipefail

need=()
[ -e /usr/share/zookeeper/zookeeper.jar ] || [ -n "$(ls /usr/share/java/zookeeper*.jar 2>/dev/null)" ] || need+=(zookeeper)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
/usr/bin/python3 -c "import kazoo" >/dev/null 2>&1 || need+=(python3-kazoo)

if [ ${#need[@]} -gt 0 ]; then
    echo "== installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
