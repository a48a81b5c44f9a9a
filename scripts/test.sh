#!/usr/bin/env bash
# Set-up command 2: run every test. Installs the peers the end-to-end tests
# compare against (Debian's prometheus, prometheus-alertmanager (amtool),
# prometheus-node-exporter and
# victoria-metrics), builds
# the guest plugins (the host's tests load them) and the host binary (the
# end-to-end tests run it), then runs the whole workspace's tests: host unit
# and integration tests, the end-to-end suite in tests/, the SDK's and every
# plugin's native tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh
scripts/build-plugins.sh
cargo build -p watchpost
cargo test --workspace --no-fail-fast "$@"
