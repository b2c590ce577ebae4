# Shared by scripts/bench/*.sh: starting and stopping what a benchmark runs against (hub
# instances, a private redis-server, librdkafka's mock cluster, the baseline servers), all on
# loopback, all stopped when the calling script exits. Source it from the repository root.

BENCH_TARGET=${CARGO_TARGET_DIR:-target}
# The hub binary every scenario starts; point it at another build to compare two in one session.
BENCH_HUB=${BENCH_HUB:-$BENCH_TARGET/release/hub}
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hub-bench.XXXXXX")
BENCH_PIDS=()
# The dev secret the hub accepts on loopback; loadgen mints tokens with the same one.
export LOADGEN_SECRET=${LOADGEN_SECRET:-dev-secret-change-me}

say() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() { say "$*"; exit 1; }

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    say "logs in $BENCH_TMP"
}
trap bench_cleanup EXIT

# need COMMAND DEBIAN_PACKAGE: installs the package when root on Debian, else says what is missing.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing $2 (apt-get)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >/dev/null 2>&1 || die "apt-get install $2 failed"
    fi
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found: install the Debian/Ubuntu package '$2'"
}

# build: release builds of the hub, the load generator, mock-kafka and the baseline servers.
bench_build() {
    say "cargo build --release (a cold build takes about 6 minutes on 2 cores)"
    cargo build --release -p hub -p loadgen -p baseline >&2
}

bench_machine() {
    say "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), files $(ulimit -Hn) (hard), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    say "HEAD $(git log -1 --format='%h of %ci' 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src actors loadgen bench Cargo.toml 2>/dev/null || echo ' (sources modified)')"
}

# wait_http URL PID NAME: until URL answers 2xx, or the process died, or 20 s passed.
wait_http() {
    local i
    for i in $(seq 200); do
        curl -sf "$1" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || { tail -n 20 "$BENCH_TMP/$3.log" >&2; die "$3 did not start"; }
        sleep 0.1
    done
    die "$3 did not answer $1 in 20 s"
}

# start_hub NAME PORT [KEY=VALUE...]: a release hub on 127.0.0.1:PORT with warn-level JSON
# logs; sets HUB_PID.
start_hub() {
    local name=$1 port=$2
    shift 2
    env HUB__SERVER__HOST=127.0.0.1 HUB__SERVER__PORT="$port" HUB__SERVER__INSTANCE_ID="$name" \
        HUB__LOG__FILTER=warn HUB__LOG__FORMAT=json HUB__SHUTDOWN__GRACE_PERIOD=5s "$@" \
        "$BENCH_HUB" serve >"$BENCH_TMP/$name.log" 2>&1 &
    HUB_PID=$!
    BENCH_PIDS+=("$HUB_PID")
    wait_http "http://127.0.0.1:$port/healthz" "$HUB_PID" "$name"
    say "$name: $BENCH_HUB, pid $HUB_PID on 127.0.0.1:$port $*"
}

# start_baseline NAME PORT MODE: the bare actix-web + actix-ws server (bench/baseline); sets BASELINE_PID.
start_baseline() {
    "$BENCH_TARGET/release/baseline" --mode "$3" --host 127.0.0.1 --port "$2" --secret "$LOADGEN_SECRET" >"$BENCH_TMP/$1.log" 2>&1 &
    BASELINE_PID=$!
    BENCH_PIDS+=("$BASELINE_PID")
    wait_http "http://127.0.0.1:$2/healthz" "$BASELINE_PID" "$1"
    say "$1: baseline --mode $3, pid $BASELINE_PID on 127.0.0.1:$2"
}

# start_redis PORT: a private redis-server, no persistence; sets REDIS_URL.
start_redis() {
    need redis-server redis-server
    redis-server --bind 127.0.0.1 --port "$1" --save "" --appendonly no --dir "$BENCH_TMP" >"$BENCH_TMP/redis.log" 2>&1 &
    BENCH_PIDS+=("$!")
    local i
    for i in $(seq 100); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$1" ping >/dev/null 2>&1 || die "redis-server did not start on port $1"
    REDIS_URL="redis://127.0.0.1:$1/"
    say "redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on 127.0.0.1:$1"
}

# start_mock_kafka: librdkafka's mock cluster (loadgen's mock-kafka binary); sets KAFKA_BROKERS.
start_mock_kafka() {
    local fifo="$BENCH_TMP/mock-kafka.out"
    "$BENCH_TARGET/release/mock-kafka" --brokers 3 --partitions 6 --for 2h >"$fifo" 2>"$BENCH_TMP/mock-kafka.log" &
    BENCH_PIDS+=("$!")
    local i
    for i in $(seq 100); do
        [[ -s $fifo ]] && break
        sleep 0.1
    done
    KAFKA_BROKERS=$(head -n1 "$fifo")
    [[ -n $KAFKA_BROKERS ]] || die "mock-kafka did not start: $(cat "$BENCH_TMP/mock-kafka.log")"
    say "mock-kafka (librdkafka's mock broker, not a Kafka cluster) at $KAFKA_BROKERS"
}

# stop PID: SIGTERM and wait.
stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# loadgen ARGS...: one run; its JSON line goes to stdout and to $BENCH_OUT.
loadgen() {
    local line
    line=$("$BENCH_TARGET/release/loadgen" "$@") || die "loadgen $* failed"
    echo "$line"
    [[ -z ${BENCH_OUT:-} ]] || echo "$line" >>"$BENCH_OUT"
}
