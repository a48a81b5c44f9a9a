#!/usr/bin/env bash
# Installs the real peers the end-to-end tests run beside Watchpost, from
# Debian's packages, when they are missing. Needs root (or sudo).
set -euo pipefail
packages=(prometheus prometheus-node-exporter victoria-metrics)
need=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
