#!/usr/bin/env bash
# Measures what the hub cannot beat on Redis (docs/benchmarks.md): a private redis-server on
# loopback, without persistence, driven by redis-benchmark with the hub's own commands:
#
#   redis_publish          PUBLISH of a 300-byte frame to a user's channel (no subscriber)
#   redis_handoff          the hub's hand-off script (history.lua + handoff.lua) with one
#                          notification per call, no dedupe key
#   redis_handoff_dedupe   the same with a dedupe key (one more GET and SET)
#   redis_handoff_at_cap   the same without dedupe key on histories already at 200 entries, so
#                          the calls also trim
#   redis_handoff_batch    one call carrying 100 notifications (100 users), as the hub hands off
#                          a batch publish
#
# each not pipelined and pipelined (-P 16), the batch not pipelined only. Prints one JSON line
# per measurement on stdout (and appends them to --out FILE), with the notifications per call
# and per second; progress, versions and the machine go to stderr.
#
#   scripts/bench/limits.sh [--seconds 3] [--out FILE]
#
# Each measurement lasts about --seconds, sized by a short probe run; the whole script takes
# under a minute with the default. With -P 16 the latency figures are mostly queueing behind the
# 800 requests in flight, not Redis's service time. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BENCH_NAME=limits.sh
source scripts/bench/lib.sh

seconds=3
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "limits.sh: unknown argument $1 (see -h)" >&2; exit 2 ;;
    esac
done

# 50 clients (redis-benchmark's default, so figures compare with published ones) keep enough
# requests in flight that Redis's one thread never waits on a loopback round trip: the figure
# is Redis's ceiling, not one connection's. A hub instance gets the same effect from its
# multiplexed connection carrying many concurrent hand-offs.
clients=50
users=10000
# Filling 10,000 histories to the cap takes about 20 s here; 1,000 take 2 s.
cap_users=1000
max_entries=200
day_ms=86400000

need redis-benchmark redis-tools
say "$(redis-server --version)"
say "$(redis-benchmark --version)"
bench_machine
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_redis "$port"
cli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# A frame as the hub publishes it: its header (the pieces of Frame::HEADER in
# actors/src/notification.rs, which the hub hands the script, around an id and an epoch), then the
# tail the hub passes to the script, padded so the whole frame is 300 bytes (the size of the
# hub's frames).
frame_bytes=300
header=('{"type":"notification","id":"' '","epoch":"' '",')
head="${header[0]}1795319400156-0${header[1]}0123456789abcdef${header[2]}"
tail_start='"event":"loadgen_probe","category":null,"priority":"standard",'
tail_start+='"timestamp":"2026-11-22T01:31:44.021358Z","correlation_id":"6f1c1a52-3f0e-4a8e-9d55-0c1b2b7a9e41",'
tail_start+='"data":{"seq":1,"sent_ns":1,"pad":"'
tail_end='"}}'
pad=$(printf '%*s' $((frame_bytes - ${#head} - ${#tail_start} - ${#tail_end})) '' | tr ' ' x)
frame_tail="$tail_start$pad$tail_end"
frame="$head$frame_tail"

# The script exactly as the hub loads it (store.rs HANDOFF): the sha proves it is byte for byte.
sha=$(cat src/cluster/history.lua src/cluster/handoff.lua | cli -x SCRIPT LOAD)
[[ $sha == $(cat src/cluster/history.lua src/cluster/handoff.lua | sha1sum | cut -d' ' -f1) ]] \
    || { echo "limits.sh: SCRIPT LOAD returned '$sha', not the sha1 of the script" >&2; exit 1; }
# Per notification, KEYS: history, epoch, dedupe mark, trimmed marker; ARGV: tail, channel, has
# dedupe key; after the common ARGV: candidate epoch, max entries, max age, dedupe ttl, the
# header's three pieces.
# redis-benchmark draws every __rand_int__ on its own, so one notification's keys belong to
# different users; the work per notification is the same.
handoff() { # USER DEDUPE_KEY HAS_DEDUPE [NOTIFICATIONS]: sets `cmd` and `per_call`
    per_call=${4:-1}
    local keys=() args=() n
    for ((n = 0; n < per_call; n++)); do
        keys+=("hub:{$1}:history" "hub:{$1}:epoch" "hub:{$1}:seen:$2" "hub:{$1}:trimmed")
        args+=("$frame_tail" "ws:$1" "$3")
    done
    cmd=(EVALSHA "$sha" "${#keys[@]}" "${keys[@]}" 0123456789abcdef "$max_entries" "$day_ms" "$day_ms"
        "${header[@]}" "${args[@]}")
}
# redis-benchmark counts error replies as done requests, silently: check that a call works.
handoff limits-check "" 0
reply=$(cli "${cmd[@]}" | head -n1)
if [[ $reply != new ]]; then
    echo "limits.sh: the hand-off script answered '$reply', not 'new <id> <epoch>'" >&2; exit 1
fi

# One redis-benchmark run: N PIPELINE USERS COMMAND... -> "ops/s p50 p99 max" (ms). The CSV's
# first field is the command, unescaped (the tail's quotes and commas), so count from the end.
run() {
    timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$1" -P "$2" -r "$3" \
        --csv "${@:4}" | tail -n1 | awk -F, '{ gsub(/"/, ""); print $(NF-6), $(NF-3), $(NF-1), $NF }'
}
# A counter from INFO: SECTION PREFIX, e.g. stats total_error_replies: (empty when never counted).
counter() { cli INFO "$1" | tr -d '\r' | sed -n "s/^$2\([0-9]*\).*/\1/p"; }

# measure LIMIT PIPELINE USERS APPENDS: one measurement of `cmd` ($per_call notifications a
# request), as many requests as a probe says fit in $seconds. Fails on any error reply, and
# unless APPENDS is "-", when the history appends are not APPENDS per request.
measure() {
    local limit=$1 pipeline=$2 users=$3 appends=$4 rps p50 p99 max n errors xadds
    # At least 20,000 notifications a run, in the probe too.
    local least=$((20000 / per_call))
    read -r rps _ <<<"$(run "$least" "$pipeline" "$users" "${cmd[@]}")"
    [[ -n $rps ]] || { echo "limits.sh: redis-benchmark gave no figures for $limit" >&2; exit 1; }
    # A whole number of pipelines: redis-benchmark sends whole ones, past -n if need be.
    n=$(awk -v r="$rps" -v s="$seconds" -v p="$pipeline" -v least="$least" \
        'BEGIN { n = int(r * s); n = n < least ? least : n > 10000000 ? 10000000 : n; print n - n % p }')
    errors=$(counter stats total_error_replies:)
    xadds=$(counter commandstats cmdstat_xadd:calls=)
    echo "limits.sh: $limit -P $pipeline: $n requests" >&2
    read -r rps p50 p99 max <<<"$(run "$n" "$pipeline" "$users" "${cmd[@]}")"
    [[ -n $max ]] || { echo "limits.sh: redis-benchmark gave no figures for $limit" >&2; exit 1; }
    if [[ $(counter stats total_error_replies:) != "$errors" ]]; then
        echo "limits.sh: $limit got error replies:" >&2; cli INFO errorstats >&2; exit 1
    fi
    xadds=$(( $(counter commandstats cmdstat_xadd:calls=) - ${xadds:-0} ))
    if [[ $appends != - && $xadds != $((appends * n)) ]]; then
        echo "limits.sh: $limit appended $xadds entries in $n requests" >&2; exit 1
    fi
    local line
    line=$(printf '{"limit":"%s","pipeline":%d,"clients":%d,"users":%d,"payload_bytes":%d,"notifications_per_call":%d,' \
        "$limit" "$pipeline" "$clients" "$users" "$frame_bytes" "$per_call")
    line+=$(printf '"requests":%d,"ops_per_s":%s,"notifications_per_s":%s,"p50_ms":%s,"p99_ms":%s,"max_ms":%s}' \
        "$n" "$rps" "$(awk -v r="$rps" -v c="$per_call" 'BEGIN { printf "%.0f", r * c }')" "$p50" "$p99" "$max")
    echo "$line"
    if [[ -n $out ]]; then echo "$line" >>"$out"; fi
}

# Users' histories filled to the cap with plain XADDs (300 per user on average: all reach 200).
fill_to_cap() {
    echo "limits.sh: filling $cap_users histories to $max_entries entries" >&2
    cli FLUSHALL >/dev/null
    run $((cap_users * 300)) 16 "$cap_users" \
        XADD 'hub:{__rand_int__}:history' MAXLEN = "$max_entries" '*' t "$frame_tail" >/dev/null
}

cmd=(PUBLISH 'ws:__rand_int__' "$frame")
per_call=1
for pipeline in 1 16; do measure redis_publish "$pipeline" "$users" 0; done

handoff __rand_int__ "" 0
for pipeline in 1 16; do cli FLUSHALL >/dev/null; measure redis_handoff "$pipeline" "$users" 1; done

# Random dedupe keys rarely repeat, so nearly every call takes the new-notification path.
handoff __rand_int__ __rand_int__ 1
for pipeline in 1 16; do
    cli FLUSHALL >/dev/null; measure redis_handoff_dedupe "$pipeline" "$users" -
done

handoff __rand_int__ "" 0
for pipeline in 1 16; do fill_to_cap; measure redis_handoff_at_cap "$pipeline" "$cap_users" 1; done

# Not pipelined: 50 calls in flight are 5,000 notifications already.
handoff __rand_int__ "" 0 100
cli FLUSHALL >/dev/null
measure redis_handoff_batch 1 "$users" 100
