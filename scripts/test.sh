#!/usr/bin/env bash
# The hub's test command (README, and .ci/run with CI=true). Installs or checks what the tests
# need (Rust, the build's system packages, cargo-nextest, Redis, Node.js, Chromium, Python's
# venv), runs every test of the workspace with cargo-nextest, then the browser side's suites
# (scripts/test-js.sh) and the HTTP API's property-based run against docs/openapi.yaml
# (tests/openapi/run.sh), and exits non-zero if anything failed. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MIN_RUST=1.89
MIN_NODE=20

say() { echo "test.sh: $*"; }
fail() { echo "test.sh: $*" >&2; exit 1; }

# --- Rust --------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    fail "cargo not found. Install Rust $MIN_RUST or newer with rustup (https://rustup.rs):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
then open a new shell (or run: . \"\$HOME/.cargo/env\") and run this script again."
fi
rust_version=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$MIN_RUST" "$rust_version" | sort -V | head -n 1)" != "$MIN_RUST" ]; then
    fail "rustc $rust_version is older than $MIN_RUST; run: rustup update stable"
fi

# --- C toolchain and headers -------------------------------------------------------------------
./scripts/install-build-deps.sh

# --- cargo-nextest -----------------------------------------------------------------------------
if ! cargo nextest --version >/dev/null 2>&1; then
    say "cargo-nextest not found; installing it (cargo install cargo-nextest --locked)"
    cargo install cargo-nextest --locked
fi

# --- Redis ---------------------------------------------------------------------------------------
# The clustered-mode tests start private redis-server processes on free ports.
ensure_redis_server() {
    local mode=$1
    if command -v redis-server >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "redis-server not found; installing the Debian package redis-server"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server || true
        command -v redis-server >/dev/null 2>&1 && return 0
    fi
    local message="redis-server is not on PATH; install it (Debian/Ubuntu, as root: apt-get install redis-server)"
    if [ "$mode" = require ]; then
        fail "$message"
    fi
    say "warning: $message."
}
ensure_redis_server require

# --- Node.js and Chromium ----------------------------------------------------------------------
# The client library, the dashboard and the protocol document are tested with Node's tools, and
# the browser tests drive Debian's Chromium through playwright-core (nothing downloads a browser).
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')
if [ -z "$node_major" ] || [ "$node_major" -lt "$MIN_NODE" ] || ! command -v npm >/dev/null 2>&1; then
    fail "Node.js $MIN_NODE or newer with npm is needed for the browser-side tests (found: $(node --version 2>/dev/null || echo none)).
Install it from https://nodejs.org or your distribution (Debian 12's own nodejs is 18: too old), then run this script again."
fi
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "Chromium not found at $CHROMIUM_PATH; installing the Debian package chromium"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium || true
    fi
    [ -x "$CHROMIUM_PATH" ] || fail "Chromium is needed for the browser tests and is not at $CHROMIUM_PATH.
Install it (Debian/Ubuntu, as root: apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary."
fi

# --- Python ------------------------------------------------------------------------------------
# The HTTP API's property-based run (tests/openapi/run.sh) installs schemathesis into a venv.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "python3 with venv not found; installing the Debian packages python3 and python3-venv"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv || true
    fi
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
        fail "python3 with the venv module is needed for tests/openapi/run.sh (Debian/Ubuntu, as root: apt-get install python3 python3-venv)"
fi

# --- Run ---------------------------------------------------------------------------------------
profile=()
if [ "${CI:-}" = true ]; then
    profile=(--profile ci)
fi
say "running: cargo nextest run --workspace --no-fail-fast ${profile[*]}"
status=0
cargo nextest run --workspace --no-fail-fast "${profile[@]}" || status=$?
./scripts/test-js.sh || status=1
./tests/openapi/run.sh || status=1
exit "$status"
