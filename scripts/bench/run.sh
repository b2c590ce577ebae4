#!/usr/bin/env bash
# Runs one benchmark of the hub (docs/benchmarks.md): starts a release build of the hub on
# loopback, runs the load generator against it with --hub-pid, stops the hub, and prints the
# run's JSON line on stdout (appending it to --out FILE as well, when given). Progress, the
# machine and the hub's log location go to stderr. scripts/bench/scenario.sh runs the report's
# scenarios; this is for one run of your own.
#
#   scripts/bench/run.sh [--no-build] [--port 18080] [--out FILE] [--hub-env KEY=VALUE]... [--] LOADGEN ARGS...
#
# --hub-env passes settings to the hub (HUB__SECTION__KEY=value, repeatable). Everything else is
# passed to `loadgen` (its --url and --hub-pid are set here). Example:
#
#   scripts/bench/run.sh -- --sockets 2000 --users 1000 --publish-rate 2000 --duration 20s --via http
#
# Builds go to $CARGO_TARGET_DIR (default: target/). Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BENCH_NAME=run.sh
source scripts/bench/lib.sh

port=18080
build=1
hub_env=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --port) port=$2; shift 2 ;;
        --out) BENCH_OUT=$2; shift 2 ;;
        --hub-env) hub_env+=("$2"); shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) break ;;
    esac
done
need curl curl
(( build )) && bench_build
bench_machine
start_hub hub "$port" "${hub_env[@]}"
loadgen --url "http://127.0.0.1:$port" --hub-pid "$HUB_PID" "$@"
