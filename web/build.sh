#!/usr/bin/env bash
# Builds the web app into dist/: cargo for wasm32, then wasm-bindgen-cli at the exact version of
# the wasm-bindgen crate (installed from crates.io; nothing is downloaded from anywhere else).
# A second run rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-web}
version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -q " $version\$"; then
  cargo install wasm-bindgen-cli --version "$version"
fi
rustup target add wasm32-unknown-unknown > /dev/null 2>&1 || true
cargo build --lib --target wasm32-unknown-unknown --profile "$profile"
mkdir -p dist
wasm=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/skiff.wasm
if [ ! -f dist/skiff_bg.wasm ] || [ "$wasm" -nt dist/skiff_bg.wasm ]; then
  wasm-bindgen "$wasm" --out-dir dist --out-name skiff --target web --no-typescript
fi
cp web/index.html dist/index.html
cp assets/skiff.svg dist/skiff.svg
raw=$(stat -c %s dist/skiff_bg.wasm)
gz=$(gzip -9 -c dist/skiff_bg.wasm | wc -c)
echo "dist/skiff_bg.wasm: $raw bytes raw, $gz bytes gzipped"
