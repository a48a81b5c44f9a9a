#!/usr/bin/env bash
# Builds every guest crate (stock plugins, example plugins, test plugins) as a
# wasm32-wasip2 component into target/wasm32-wasip2/plugin/<crate>.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
packages=()
for manifest in plugins/*/Cargo.toml examples/plugins/*/Cargo.toml tests/plugins/*/Cargo.toml; do
    [ -f "$manifest" ] || continue
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$manifest" | head -n 1)
    packages+=(-p "$name")
done
cargo build --profile plugin --target wasm32-wasip2 "${packages[@]}"
ls -1 target/wasm32-wasip2/plugin/*.wasm
