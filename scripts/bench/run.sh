#!/usr/bin/env bash
# Runs one benchmark of the hub (docs/benchmarks.md): starts a release build of the hub on
# loopback, runs the load generator against it with --hub-pid, stops the hub, and prints the
# run's JSON line on stdout (appending it to --out FILE as well, when given). Progress, the
# machine and the hub's log location go to stderr.
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

port=18080
out=""
build=1
hub_env=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --port) port=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --hub-env) hub_env+=("$2"); shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) break ;;
    esac
done

target=${CARGO_TARGET_DIR:-target}
if (( build )); then
    cargo build --release -p hub -p loadgen >&2
fi
for bin in hub loadgen; do
    [[ -x "$target/release/$bin" ]] || { echo "run.sh: $target/release/$bin is missing; build without --no-build" >&2; exit 1; }
done

echo "run.sh: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), files $(ulimit -Hn) (hard)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "run.sh: HEAD $(git log -1 --format='%h of %ci' 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src actors Cargo.toml 2>/dev/null || echo ' (hub sources modified)');" \
    "hub binary built $(date -r "$target/release/hub" '+%F %T %z')" >&2

log=$(mktemp -t hub-bench.XXXXXX.log)
env HUB__SERVER__HOST=127.0.0.1 HUB__SERVER__PORT="$port" HUB__LOG__FILTER=warn HUB__LOG__FORMAT=json "${hub_env[@]}" \
    "$target/release/hub" serve >"$log" 2>&1 &
hub=$!
stop_hub() {
    kill -TERM "$hub" 2>/dev/null || true
    wait "$hub" 2>/dev/null || true
}
trap stop_hub EXIT
echo "run.sh: hub pid $hub on 127.0.0.1:$port, log $log" >&2

for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then break; fi
    kill -0 "$hub" 2>/dev/null || { echo "run.sh: the hub did not start:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
done

line=$("$target/release/loadgen" --url "http://127.0.0.1:$port" --hub-pid "$hub" "$@")
echo "$line"
if [[ -n $out ]]; then
    echo "$line" >>"$out"
fi
