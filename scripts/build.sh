#!/usr/bin/env bash
# Set-up command 1: build everything (guest plugins, then the host with the
# stock plugins bundled in) and run the quickstart manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --release -p watchpost
echo "starting watchpost: http://127.0.0.1:9090/health  (Ctrl-C to stop)"
exec target/release/watchpost run examples/quickstart/watchpost.toml
