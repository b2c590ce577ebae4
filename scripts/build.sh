#!/usr/bin/env bash
# The one release build of the `hub` binary: CI (.ci/run) and the Dockerfile's builder stage
# both run this. Extra arguments go to `cargo build` (e.g. `--target x86_64-unknown-linux-gnu`).
# Prints where the binary is on its last line: `built: <path>`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Cargo reports the executable it produced; reading it keeps the path right whatever
# CARGO_TARGET_DIR or --target say. Diagnostics still go to the terminal.
artifacts=$(cargo build --release --locked --bin hub --message-format=json-render-diagnostics "$@")
binary=$(printf '%s\n' "$artifacts" | sed -n 's/.*"executable":"\([^"]*\/hub\)".*/\1/p' | tail -n 1)
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
    echo "build: cargo succeeded but reported no hub executable" >&2
    exit 1
fi
echo "built: $binary"
