#!/usr/bin/env bash
# The browser side's tests (scripts/test.sh runs this after the Rust tests): the client library
# (clients/js), the dashboard (clients/dashboard), the protocol document (clients/protocol) and the
# integration tests in headless Chromium (tests/browser), each against the real hub binary where
# it needs one. Installs each package's locked dependencies when they are missing or stale, and
# checks that the browser files the binary embeds (assets/) are exactly what the sources build to.
# Runs every suite, then exits non-zero if any failed. Works from any directory.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

say() { echo "test-js.sh: $*"; }

# The hub binary the live suites start: the debug build the Rust tests just made.
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
export HUB_BIN="${HUB_BIN:-$target_dir/debug/hub}"
case "$HUB_BIN" in /*) ;; *) HUB_BIN="$root/$HUB_BIN" ;; esac
cargo build --locked --quiet --bin hub || { say "cannot build the hub binary"; exit 1; }

passed=0
failed=()

# Installs a package's locked dependencies unless node_modules already matches its lockfile.
install() {
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
}

# suite NAME DIR COMMAND...: runs the commands in DIR, in order, stopping at the first failure.
suite() {
    local name=$1 dir=$2
    shift 2
    say "── $name ($dir)"
    if (cd "$root/$dir" && install && for step in "$@"; do eval "$step" || exit 1; done); then
        passed=$((passed + 1))
    else
        failed+=("$name")
    fi
}

suite "client library" clients/js "npm test" "npm run size" "npm run check-bundle" "npm run test:hub"
suite "dashboard" clients/dashboard "npm test" "npm run check"
suite "protocol document" clients/protocol "npm run validate" "npm test" "npm run check-client-types"
suite "browser" tests/browser "npm test"

say "browser-side suites: $passed passed, ${#failed[@]} failed${failed[*]:+ (${failed[*]})}"
[ "${#failed[@]}" -eq 0 ]
