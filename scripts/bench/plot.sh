#!/usr/bin/env bash
# Plots latency percentiles against delivery rate from loadgen JSON lines (scripts/bench/plot.py)
# into one PNG, default docs/benchmarks-latency.png. matplotlib comes from a virtualenv made on
# first use at $BENCH_VENV (default: target/bench-venv), so the machine's Python stays untouched.
#
#   scripts/bench/plot.sh [--out FILE.png] [--title "2 cores, AMD EPYC"] RUNS.jsonl...
#
# Works from any directory; relative paths, BENCH_VENV's too, are from the repository root, as
# in run.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
case "${1-}" in -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;; esac

venv=${BENCH_VENV:-target/bench-venv}
matplotlib=3.11.2

if [[ ! -x $venv/bin/pip ]]; then
    # Debian ships venv's pip bootstrap (ensurepip) in a package of its own.
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        package=$(python3 -c 'import sys; print(f"python3.{sys.version_info.minor}-venv")')
        echo "plot.sh: python3 cannot make a virtualenv: apt-get install $package" >&2
        exit 1
    fi
    echo "plot.sh: creating the virtualenv $venv" >&2
    python3 -m venv "$venv"
fi
pinned="import sys, matplotlib; sys.exit(matplotlib.__version__ != '$matplotlib')"
if ! "$venv/bin/python" -c "$pinned" 2>/dev/null; then
    echo "plot.sh: installing matplotlib $matplotlib into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "matplotlib==$matplotlib" >&2
fi
exec "$venv/bin/python" scripts/bench/plot.py "$@"
