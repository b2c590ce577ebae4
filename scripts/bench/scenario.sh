#!/usr/bin/env bash
# The benchmark scenarios of docs/benchmarks.md, one command each. Every scenario starts what it
# needs on loopback (release hubs, a private redis-server, librdkafka's mock cluster, the
# baseline servers of bench/baseline), runs the load generator, stops everything, and appends
# one JSON line per load-generator run to --out (default target/bench/results.jsonl), each with
# a "label" the plot and the report group by.
#
#   scripts/bench/scenario.sh [--no-build] [--out FILE] SCENARIO...
#
# Scenarios (the letters are the issue's):
#   idle           (a) 19,000 sockets on one instance, then on the bare actix-web + actix-ws
#                      baseline with one empty actor per socket: RSS per socket, side by side
#   idle-cluster   (a) 57,000 sockets across three clustered instances over one Redis
#   latency        (b) 10,000 users, 2,000 notifications/s for 30 s (single and batch publish)
#   throughput     (c) the highest delivery rate holding p99 < 50 ms without loss: embedded,
#                      through Redis (clustered), and the minimal fan-out (bench/baseline) as
#                      the ceiling
#   kafka          (d) the same through Kafka, on librdkafka's MockCluster (labelled so)
#   two-instances  (e) sockets on one instance, publishing on another, over Redis
#   soak           (f) 10 minutes at moderate load, hub RSS every 30 s
#   limits         redis-benchmark on PUBLISH and on the hub's hand-off script (limits.sh)
#   plot           docs/benchmarks-latency.png from the --out file (plot.sh)
#   all            every scenario above, in that order (about 40 minutes)
#
# Benchmarks want a quiet machine: nothing else building or testing. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BENCH_NAME=scenario
source scripts/bench/lib.sh

build=1
BENCH_OUT=$BENCH_TARGET/bench/results.jsonl
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --out) BENCH_OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || die "name a scenario (see --help)"
need curl curl
need jq jq
mkdir -p "$(dirname "$BENCH_OUT")"
(( build )) && bench_build
bench_machine

# Ports: hubs 18080.., baselines 18090.., Redis 18379.
HUB=http://127.0.0.1:18080

# holds LINE: whether a run delivered everything at its rate with p99 under 50 ms.
holds() {
    jq -e '.loss == 0 and .rate_held and .publish_errors == {} and .latency_ms != null and .latency_ms.p99 < 50' <<<"$1" >/dev/null
}

# search LABEL RATES LOADGEN-ARGS...: raises the publish rate until a run does not hold.
search() {
    local label=$1 rates=$2 rate line best=""
    shift 2
    for rate in $rates; do
        line=$(loadgen --label "$label" --publish-rate "$rate" "$@")
        say "$label at $rate/s: $(jq -c '{delivery_rate, p99: .latency_ms.p99, loss, rate_held, cpu_us: .hub.cpu_us_per_delivered}' <<<"$line")"
        holds "$line" || break
        best=$(jq .delivery_rate <<<"$line")
    done
    say "$label: highest delivery rate that held: ${best:-none} deliveries/s"
}

idle() {
    local common=(--sockets 19000 --users 3800 --connect-rate 1500 --processes 2 --source-ips 127.0.0.1,127.0.0.2
        --publish-rate 200 --duration 10s --via http-batch --batch-size 10 --settle 30s)
    start_hub hub 18080
    loadgen --label "idle 19k: hub" --url $HUB --hub-pid "$HUB_PID" "${common[@]}"
    stop "$HUB_PID"
    start_baseline baseline 18090 actor
    loadgen --label "idle 19k: bare actix-ws + empty actor" --url http://127.0.0.1:18090 --hub-pid "$BASELINE_PID" "${common[@]}"
    stop "$BASELINE_PID"
}

# Six source addresses, 9,500 sockets on each: with three (19,000 of an address's 28,232
# ephemeral ports) handshakes past about 14,000 per address failed (408); docs/benchmarks.md.
idle_cluster() {
    start_redis 18379
    local pids=() urls=() i
    for i in 0 1 2; do
        start_hub "hub-$i" $((18080 + i)) HUB__REDIS__URL="$REDIS_URL"
        pids+=("$HUB_PID")
        urls+=("http://127.0.0.1:$((18080 + i))")
    done
    loadgen --label "idle 57k: 3 instances over Redis" --url $HUB --socket-url "$(IFS=,; echo "${urls[*]}")" \
        --hub-pid "$(IFS=,; echo "${pids[*]}")" --sockets 57000 --users 11400 --connect-rate 600 --processes 4 \
        --source-ips 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 --publish-rate 500 --duration 10s --via http-batch --batch-size 10 \
        --settle 30s --connect-timeout 30s
    for i in "${pids[@]}"; do stop "$i"; done
}

latency() {
    start_hub hub 18080
    local common=(--url $HUB --hub-pid "$HUB_PID" --sockets 10000 --users 10000 --connect-rate 1500 --publish-rate 2000 --duration 30s)
    loadgen --label "latency: http" "${common[@]}" --via http
    loadgen --label "latency: http-batch" "${common[@]}" --via http-batch --batch-size 20 --settle 2s
    stop "$HUB_PID"
}

# 2,000 sockets over 1,000 users: each notification is two deliveries.
THROUGHPUT=(--sockets 2000 --users 1000 --duration 10s --settle 2s --via http-batch --batch-size 100 --max-in-flight 32)
RATES="5000 10000 20000 30000 40000 50000 60000 80000 100000"
# Through Redis the limit sits lower, so the steps are finer there.
REDIS_RATES="5000 10000 12500 15000 17500 20000 25000 30000 35000 40000"

throughput() {
    start_hub hub 18080 HUB__HISTORY__MAX_LEN=100
    search "throughput: embedded" "$RATES" --url $HUB --hub-pid "$HUB_PID" "${THROUGHPUT[@]}"
    stop "$HUB_PID"
    start_redis 18379
    start_hub hub 18080 HUB__REDIS__URL="$REDIS_URL" HUB__HISTORY__MAX_LEN=100
    search "throughput: through Redis" "$REDIS_RATES" --url $HUB --hub-pid "$HUB_PID" "${THROUGHPUT[@]}"
    stop "$HUB_PID"
    start_baseline fanout 18090 fanout
    search "throughput: minimal fan-out (ceiling)" "$RATES" --url http://127.0.0.1:18090 --hub-pid "$BASELINE_PID" "${THROUGHPUT[@]}"
    stop "$BASELINE_PID"
}

# librdkafka's mock broker answers an empty fetch only after the consumer's fetch.wait.max.ms
# (the hub's 100 ms), even when records arrive meanwhile: the median latency is half of it. A
# real broker answers as soon as fetch.min.bytes (1) is there. So the search runs with 5 ms, to
# measure the hub rather than the mock's wait; one run at the hub's own 100 ms shows the mock.
kafka() {
    start_mock_kafka
    # The second group starts at the end of the topic (not at the first run's events); the
    # settle time covers its partition assignment.
    local hub=(HUB__KAFKA__BROKERS="$KAFKA_BROKERS" HUB__KAFKA__TOPICS=huleedu.notification.teacher.requested.v1
        HUB__HISTORY__MAX_LEN=100)
    local common=(--url $HUB --via kafka --kafka-brokers "$KAFKA_BROKERS" --sockets 2000 --users 1000 --duration 10s
        --settle 8s --batch-size 100)
    start_hub hub 18080 "${hub[@]}" HUB__KAFKA__GROUP_ID=bench-default-wait HUB__KAFKA__AUTO_OFFSET_RESET=earliest
    loadgen --label "kafka (MockCluster), fetch.wait.max.ms=100" --publish-rate 5000 --hub-pid "$HUB_PID" "${common[@]}"
    stop "$HUB_PID"
    start_hub hub 18080 "${hub[@]}" HUB__KAFKA__GROUP_ID=bench HUB__KAFKA__AUTO_OFFSET_RESET=latest \
        HUB__KAFKA__PROPERTIES=fetch.wait.max.ms=5
    search "kafka (MockCluster)" "1000 2500 5000 10000 20000 30000" --hub-pid "$HUB_PID" "${common[@]}"
    stop "$HUB_PID"
}

two_instances() {
    start_redis 18379
    start_hub hub-a 18080 HUB__REDIS__URL="$REDIS_URL"
    local a=$HUB_PID
    start_hub hub-b 18081 HUB__REDIS__URL="$REDIS_URL"
    local common=(--url $HUB --socket-url http://127.0.0.1:18081 --hub-pid "$a,$HUB_PID" --sockets 2000 --users 1000
        --publish-rate 2000 --duration 30s --settle 2s)
    loadgen --label "two instances: publish on a, sockets on b (http)" "${common[@]}" --via http
    loadgen --label "two instances: legacy PUBLISH ws:{user}, sockets on b" "${common[@]}" --via redis --redis-url "$REDIS_URL" --batch-size 20
    stop "$a"
    stop "$HUB_PID"
}

soak() {
    start_hub hub 18080
    loadgen --label "soak: 10 min" --url $HUB --hub-pid "$HUB_PID" --sockets 2000 --users 1000 --publish-rate 1000 \
        --duration 10m --via http-batch --batch-size 10 --settle 30s --rss-every 30s
    stop "$HUB_PID"
}

limits() {
    scripts/bench/limits.sh --out "$BENCH_OUT"
}

# The searches and the latency runs, latency against delivery rate: docs/benchmarks-latency.png.
plot() {
    jq -c 'select(.label // "" | test("^(throughput|kafka|latency)"))' "$BENCH_OUT" >"$BENCH_TMP/plot.jsonl"
    scripts/bench/plot.sh --title "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load generator on the same cores" \
        "$BENCH_TMP/plot.jsonl"
}

if [[ $* == all ]]; then
    set -- idle idle-cluster latency throughput kafka two-instances soak limits plot
fi
for scenario in "$@"; do
    say "=== $scenario"
    case "$scenario" in
        idle) idle ;;
        idle-cluster) idle_cluster ;;
        latency) latency ;;
        throughput) throughput ;;
        kafka) kafka ;;
        two-instances) two_instances ;;
        soak) soak ;;
        limits) limits ;;
        plot) plot ;;
        *) die "unknown scenario: $scenario (see --help)" ;;
    esac
done
say "results appended to $BENCH_OUT"
