#!/usr/bin/env bash
# Install what Sluice needs from Debian packages (Debian 12). Safe to run again:
# it installs only what is missing. Runs as root or through sudo.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config gcc clang binutils libedit-dev sqlite3 python3
      librocksdb-dev libpq-dev postgresql librdkafka-dev)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
