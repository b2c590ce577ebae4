#!/usr/bin/env bash
# Two hub instances in clustered mode behind nginx, on loopback, with a private Redis.
#
#   scripts/cluster-demo.sh          start everything, check it through nginx, stop everything
#   scripts/cluster-demo.sh --keep   the same, then leave it running (URLs and tokens printed)
#                                    until Ctrl-C
#
# It starts redis-server (no persistence, in a temp dir), hub a and hub b (HUB__REDIS__URL set, so
# clustered mode), and nginx rendered from deploy/nginx/hub.conf with its own -c config, -p prefix
# and pid file (never the system nginx service). A trap stops all of them on exit. Each check prints
# PASS or FAIL; the exit status is non-zero if any failed. Every wait is bounded; a run takes ~10 s.
#
# Needs: nginx, redis-server, curl, and the hub's debug binary (built with `cargo build --bin hub`
# when missing; HUB_BIN=path overrides it). Run as root, it installs nginx/redis with apt-get if
# missing.
set -uo pipefail

KEEP=0
for arg in "$@"; do
    case "$arg" in
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "cluster-demo: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
TEMPLATE="$ROOT/deploy/nginx/hub.conf"
HUB_BIN=${HUB_BIN:-$ROOT/target/debug/hub}

say()  { printf 'cluster-demo: %s\n' "$*"; }
die()  { printf 'cluster-demo: %s\n' "$*" >&2; exit 1; }

# --- prerequisites -------------------------------------------------------------------------------

need_pkg() { # need_pkg COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing $2 (apt-get)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >/dev/null 2>&1 \
            || die "apt-get install $2 failed; install it by hand: apt-get install $2"
        # Debian's postinst may start the system service; the demo does not use it.
        hash -r
        command -v "$1" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
        command -v "$1" >/dev/null 2>&1 && return 0
    fi
    die "'$1' not found: install the Debian/Ubuntu package '$2' (sudo apt-get install $2)"
}
PATH=$PATH:/usr/sbin:/sbin
need_pkg nginx nginx
need_pkg redis-server redis-server
need_pkg curl curl

if [ ! -x "$HUB_BIN" ]; then
    say "building the hub: cargo build --bin hub (a cold build takes minutes)"
    cargo build --bin hub || die "cargo build --bin hub failed"
fi
[ -f "$TEMPLATE" ] || die "missing $TEMPLATE"

# --- temp dir and cleanup ------------------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hub-cluster-demo.XXXXXX") || die "mktemp failed"
# nginx workers run as 'nobody' when the master is root; they must be able to reach the prefix.
chmod 711 "$TMP"
REDIS_PID="" HUB_A_PID="" HUB_B_PID="" NGINX_CONF="" NGINX_PREFIX="$TMP/nginx/"
FAILED=0

stop_pid() { # stop_pid PID NAME SECONDS: SIGTERM, wait, then SIGKILL
    local pid=$1 name=$2 limit=$3 i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    say "$name ($pid) did not stop in ${limit}s; killing it"
    kill -KILL "$pid" 2>/dev/null
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -n "${CURL_PIDS:-}" ] && kill $CURL_PIDS 2>/dev/null
    if [ -f "$NGINX_PREFIX/nginx.pid" ]; then
        stop_pid "$(cat "$NGINX_PREFIX/nginx.pid" 2>/dev/null)" nginx 5
    fi
    [ -n "${SLEEP_PID:-}" ] && kill "$SLEEP_PID" 2>/dev/null
    # Both hubs drain at once (each closes its sockets with 1001), then Redis goes.
    local stoppers=""
    stop_pid "$HUB_A_PID" "hub a" 8 & stoppers="$stoppers $!"
    stop_pid "$HUB_B_PID" "hub b" 8 & stoppers="$stoppers $!"
    for pid in $stoppers; do wait "$pid" 2>/dev/null; done
    stop_pid "$REDIS_PID" redis-server 5
    # Logs are removed after a clean run (or a Ctrl-C/SIGTERM ending --keep with every check passed).
    if [ "$FAILED" -eq 0 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; }; then
        rm -rf "$TMP"
    else
        say "logs kept in $TMP (hub-a.log, hub-b.log, redis.log, nginx/logs/)"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- free ports ----------------------------------------------------------------------------------

free_ports() { # prints N distinct free loopback ports
    local n=$1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$n" <<'PY' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
    fi
    # Fallback: probe random high ports with bash's /dev/tcp (a refused connect means free).
    local ports=() p tries=0
    while [ "${#ports[@]}" -lt "$n" ] && [ "$tries" -lt 200 ]; do
        tries=$((tries + 1))
        p=$((20000 + RANDOM % 40000))
        [[ " ${ports[*]} " == *" $p "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ports+=("$p"); fi
    done
    echo "${ports[*]}"
}
read -r REDIS_PORT HUB_A_PORT HUB_B_PORT LB_PORT <<<"$(free_ports 4)"
[ -n "${LB_PORT:-}" ] || die "could not find four free ports"

wait_until() { # wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds or time is up
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@"; }

# --- redis ---------------------------------------------------------------------------------------

mkdir -p "$TMP/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$TMP/redis" --logfile "$TMP/redis.log" --daemonize no >/dev/null 2>&1 &
REDIS_PID=$!
redis_up() { # PING over bash's /dev/tcp: no redis-cli needed
    kill -0 "$REDIS_PID" 2>/dev/null || return 1
    local reply=""
    reply=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'PING\r\n' >&3 \
        && IFS= read -r -t 1 line <&3 && printf '%s' "${line%$'\r'}")
    [ "$reply" = "+PONG" ]
}
wait_until 10 redis_up || { tail -n 20 "$TMP/redis.log" >&2; die "redis-server did not start on port $REDIS_PORT"; }
say "redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"

# --- the hubs ------------------------------------------------------------------------------------

SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # 64 hex characters
export HUB__AUTH__JWT_SECRET=$SECRET
export HUB__REDIS__URL="redis://127.0.0.1:$REDIS_PORT/"
export HUB__SERVER__HOST=127.0.0.1
export HUB__LOG__FORMAT=json
export HUB__SHUTDOWN__GRACE_PERIOD=5s   # so the trap's stop is quick

HUB__SERVER__INSTANCE_ID=a HUB__SERVER__PORT=$HUB_A_PORT "$HUB_BIN" serve >"$TMP/hub-a.log" 2>&1 &
HUB_A_PID=$!
HUB__SERVER__INSTANCE_ID=b HUB__SERVER__PORT=$HUB_B_PORT "$HUB_BIN" serve >"$TMP/hub-b.log" 2>&1 &
HUB_B_PID=$!
hub_healthy() { kill -0 "$1" 2>/dev/null && [ "$(http_code "http://127.0.0.1:$2/healthz")" = 200 ]; }
for spec in "a $HUB_A_PID $HUB_A_PORT" "b $HUB_B_PID $HUB_B_PORT"; do
    set -- $spec
    if ! wait_until 20 hub_healthy "$2" "$3"; then
        tail -n 20 "$TMP/hub-$1.log" >&2
        die "hub $1 did not answer /healthz on port $3 within 20 s"
    fi
    say "hub $1 on 127.0.0.1:$3 (pid $2)"
done

token() { "$HUB_BIN" token "$@" 2>/dev/null; }
USER_TOKEN=$(token --sub demo-teacher) || die "hub token failed"
SERVICE_TOKEN=$(token --sub demo-publisher --role service) || die "hub token failed"
ADMIN_TOKEN=$(token --sub demo-admin --role admin) || die "hub token failed"

# --- nginx ---------------------------------------------------------------------------------------

mkdir -p "$NGINX_PREFIX/logs" "$NGINX_PREFIX/tmp"
chmod 755 "$NGINX_PREFIX" "$NGINX_PREFIX/tmp"
NGINX_CONF="${NGINX_PREFIX}hub.conf"
sed -e "s/@LISTEN_PORT@/$LB_PORT/g" -e "s/@HUB_A_PORT@/$HUB_A_PORT/g" -e "s/@HUB_B_PORT@/$HUB_B_PORT/g" \
    "$TEMPLATE" >"$NGINX_CONF"
grep -q '@[A-Z_]*@' "$NGINX_CONF" && die "unrendered placeholder in $NGINX_CONF"
NGINX=(nginx -p "$NGINX_PREFIX" -c "$NGINX_CONF" -e "${NGINX_PREFIX}logs/error.log" -g 'daemon on;')
"${NGINX[@]}" -t -q 2>"$TMP/nginx-test.log" || { cat "$TMP/nginx-test.log" >&2; die "nginx -t refused $NGINX_CONF"; }
"${NGINX[@]}" 2>>"$TMP/nginx-test.log" || { cat "$TMP/nginx-test.log" "$NGINX_PREFIX/logs/error.log" >&2; die "nginx did not start"; }
nginx_up() { [ -s "$NGINX_PREFIX/nginx.pid" ] && port_open "$LB_PORT"; }
wait_until 10 nginx_up || die "nginx did not listen on port $LB_PORT"
LB="http://127.0.0.1:$LB_PORT"
say "nginx on $LB (pid $(cat "$NGINX_PREFIX/nginx.pid"), config $NGINX_CONF)"

# --- checks --------------------------------------------------------------------------------------

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED=1; }
json_get() { # json_get EXPR: evaluate a Python expression on the JSON document `d` read from stdin
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" 2>/dev/null
}

# (a) readiness through nginx, clustered mode
body=$(curl -s --max-time 2 -w '\n%{http_code}' "$LB/readyz")
code=${body##*$'\n'}; body=${body%$'\n'*}
if [ "$code" = 200 ] && [[ "$body" == *'"mode":"clustered"'* ]]; then
    pass "(a) GET /readyz through nginx: 200, mode clustered"
else
    fail "(a) GET /readyz through nginx: $code $body"
fi

# (b) WebSocket handshakes through nginx reach both instances. The sockets stay open (curl -N) for
# a few seconds, long enough for check (c)'s publish to reach them, from either instance.
SOCKETS=4
CURL_PIDS=""
for i in $(seq 1 "$SOCKETS"); do
    # -D: curl holds -i's copy of the headers in its stdout buffer while the socket is open, but
    # writes the -D file at once, so the 101 can be seen before --max-time ends the socket.
    curl -s --http1.1 -i -N --max-time 4 -D "$TMP/ws-$i.head" \
        -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
        "$LB/ws?token=$USER_TOKEN" >"$TMP/ws-$i.out" 2>/dev/null &
    CURL_PIDS="$CURL_PIDS $!"
done
opens() { grep -c '"socket open"' "$TMP/hub-$1.log" 2>/dev/null || true; }
upgraded() { # how many curls have printed the 101 status line so far
    local i n=0
    for i in $(seq 1 "$SOCKETS"); do
        head -n1 "$TMP/ws-$i.head" 2>/dev/null | grep -q '^HTTP/1.1 101 Switching Protocols' && n=$((n + 1))
    done
    echo "$n"
}
all_open() { [ "$(upgraded)" -ge "$SOCKETS" ] && [ $(( $(opens a) + $(opens b) )) -ge "$SOCKETS" ]; }
wait_until 3 all_open
upgraded=$(upgraded)
on_a=$(opens a); on_b=$(opens b)
if [ "$upgraded" -eq "$SOCKETS" ] && [ "$on_a" -ge 1 ] && [ "$on_b" -ge 1 ]; then
    pass "(b) WebSocket through nginx: $upgraded/$SOCKETS got 101 Switching Protocols; sockets on hub a: $on_a, hub b: $on_b"
else
    fail "(b) WebSocket through nginx: $upgraded/$SOCKETS got 101; sockets on hub a: $on_a, hub b: $on_b"
    for i in $(seq 1 "$SOCKETS"); do head -n1 "$TMP/ws-$i.head" 2>/dev/null | sed "s/^/      socket $i: /"; done
fi

# (c) publish through nginx with a service token
MARK="demo-$RANDOM$RANDOM"
body=$(curl -s --max-time 2 -w '\n%{http_code}' "$LB/api/v1/publish" \
    -H "Authorization: Bearer $SERVICE_TOKEN" -H 'Content-Type: application/json' \
    -d '{"user_id":"demo-teacher","event":"batch_files_uploaded","category":"file_operations","data":{"batch_id":"'"$MARK"'","file_count":3}}')
code=${body##*$'\n'}; body=${body%$'\n'*}
if [ "$code" = 202 ]; then
    pass "(c) POST /api/v1/publish through nginx: 202 $body"
else
    fail "(c) POST /api/v1/publish through nginx: $code $body"
fi

# (d) hub a's /status (direct, admin token) lists both instances of the cluster
status_lists_both() {
    STATUS=$(curl -s --max-time 2 -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HUB_A_PORT/status")
    local ids
    if command -v python3 >/dev/null 2>&1; then
        ids=$(printf '%s' "$STATUS" | json_get '",".join(sorted(i["instance_id"] for i in d["cluster"]["instances"]))')
    else
        ids=$(printf '%s' "$STATUS" | grep -o '"cluster":{"instances":\[.*' | grep -o '"instance_id":"[^"]*"' | cut -d'"' -f4 | sort | paste -sd,)
    fi
    CLUSTER_IDS=$ids
    [[ ",$ids," == *",a,"* && ",$ids," == *",b,"* ]]
}
if wait_until 8 status_lists_both; then
    pass "(d) GET /status on hub a: cluster.instances = [$CLUSTER_IDS]"
else
    fail "(d) GET /status on hub a: cluster.instances = [${CLUSTER_IDS:-}]; body: ${STATUS:0:300}"
fi

# (e) the one notification reached every socket, on both instances (Redis fan-out)
for pid in $CURL_PIDS; do wait "$pid" 2>/dev/null; done
CURL_PIDS=""
got=0
for i in $(seq 1 "$SOCKETS"); do grep -aq "$MARK" "$TMP/ws-$i.out" && got=$((got + 1)); done
if [ "$got" -eq "$SOCKETS" ]; then
    pass "(e) the published notification reached all $SOCKETS sockets, on both instances"
else
    fail "(e) the published notification reached $got of $SOCKETS sockets"
fi

# (f) admin routes are not exposed through nginx
code=$(http_code -H "Authorization: Bearer $ADMIN_TOKEN" "$LB/status"); mcode=$(http_code "$LB/metrics")
if [ "$code" = 404 ] && [ "$mcode" = 404 ]; then
    pass "(f) /status and /metrics are not exposed through nginx (404)"
else
    fail "(f) /status and /metrics through nginx answered $code and $mcode, expected 404"
fi

# (g) the browser side through nginx: the client library, the feed page, and a handshake from the
# page's own origin (nginx forwards the Host the browser sent, which the hub compares with Origin)
client=$(http_code "$LB/client/hub-client.js"); feed=$(http_code "$LB/dashboard/"); admin_page=$(http_code "$LB/dashboard/admin")
own=$(curl -s --http1.1 -o /dev/null -w '%{http_code}' --max-time 2 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Origin: $LB" \
    "$LB/ws?token=$USER_TOKEN")
foreign=$(curl -s --http1.1 -o /dev/null -w '%{http_code}' --max-time 2 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Origin: http://elsewhere.example' \
    "$LB/ws?token=$USER_TOKEN")
if [ "$client" = 200 ] && [ "$feed" = 200 ] && [ "$admin_page" = 404 ] && [ "$own" = 101 ] && [ "$foreign" = 403 ]; then
    pass "(g) through nginx: /client/hub-client.js and /dashboard/ 200, the admin page 404; a socket from the page's own origin 101, from another 403"
else
    fail "(g) through nginx: client $client, feed $feed, admin page $admin_page (want 200 200 404); own-origin socket $own (want 101), foreign $foreign (want 403)"
fi

if [ "$FAILED" -eq 0 ]; then say "all checks passed"; else say "some checks FAILED"; fi

# --- --keep --------------------------------------------------------------------------------------

if [ "$KEEP" -eq 1 ]; then
    cat <<EOF

Running until Ctrl-C (everything is stopped then):
  through nginx   $LB   (ws://127.0.0.1:$LB_PORT/ws?token=…, $LB/api/v1/publish, $LB/readyz)
  hub a directly  http://127.0.0.1:$HUB_A_PORT   (/status, /metrics)
  hub b directly  http://127.0.0.1:$HUB_B_PORT
  redis           redis://127.0.0.1:$REDIS_PORT/
  logs            $TMP

  teacher token (sub demo-teacher, 1 h):
    export T=$USER_TOKEN
  service token (role service):
    export S=$SERVICE_TOKEN
  admin token (role admin):
    export A=$ADMIN_TOKEN

  curl -s $LB/api/v1/publish -H "Authorization: Bearer \$S" -H 'Content-Type: application/json' \\
    -d '{"user_id":"demo-teacher","event":"batch_files_uploaded","data":{"file_count":1}}'
  curl -s -H "Authorization: Bearer \$A" http://127.0.0.1:$HUB_A_PORT/status
EOF
    while true; do sleep 3600 & SLEEP_PID=$!; wait "$SLEEP_PID"; done
fi

[ "$FAILED" -eq 0 ]
