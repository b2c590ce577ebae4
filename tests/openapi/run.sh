#!/usr/bin/env bash
# docs/openapi.yaml against the real hub. Validates the document and checks it against the
# README's "HTTP routes" section (check_readme.py: routes, error codes, publish fields); starts
# the hub binary in embedded mode on a free loopback port; runs schemathesis with a fixed seed
# over every operation but the WebSocket upgrade, with the checks not_a_server_error,
# status_code_conformance, content_type_conformance, response_schema_conformance and
# response_headers_conformance: no 500, no status, header or content type the document does not
# list, every body matching its schema. Three runs: the `service` operations with a service
# token, the operator, probe and browser ones with an admin token, and the authenticated ones with
# a token without a role (403). Stops the hub by its pid, prints `schemathesis: N passed, N
# failed` (N counts operations tested) and exits non-zero on any failure. Works from any directory.
#
#   HUB_BIN              the hub binary (default: ${CARGO_TARGET_DIR:-target}/debug/hub, built when missing)
#   OPENAPI_SEED         the seed (default: 13, what CI runs)
#   OPENAPI_MAX_EXAMPLES generated cases per operation in the fuzzing phase (default: 40)
#   OPENAPI_VENV         the Python environment (default: target/openapi-venv, made when missing)
#   OPENAPI_CHECKS       schemathesis checks (default: the five above; `all` for a wider look)
#   OPENAPI_HAR_DIR      keep each run's requests and responses there as HAR files
#   OPENAPI_REDIS_URL    run the hub in the clustered mode on this Redis (default: embedded)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD

say() { echo "openapi: $*"; }
fail() { echo "openapi: $*" >&2; exit 1; }

seed=${OPENAPI_SEED:-13}
max_examples=${OPENAPI_MAX_EXAMPLES:-40}
document=$root/docs/openapi.yaml
requirements=$root/tests/openapi/requirements.txt

# --- Python environment ------------------------------------------------------------------------
venv=${OPENAPI_VENV:-$root/target/openapi-venv}
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x "$venv/bin/python" ]; then
    say "making the Python environment $venv"
    "$python" -m venv "$venv" || fail "cannot make a venv with $python (Debian: apt-get install python3-venv)"
fi
stamp=$venv/.requirements
if [ ! -f "$stamp" ] || ! cmp -s "$requirements" "$stamp"; then
    say "installing tests/openapi/requirements.txt"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

# --- The document ------------------------------------------------------------------------------
"$venv/bin/openapi-spec-validator" "$document" >/dev/null || fail "docs/openapi.yaml is not a valid OpenAPI document"
"$venv/bin/python" "$root/tests/openapi/check_readme.py" "$root/README.md" "$document" ||
    fail "docs/openapi.yaml and the README's \"HTTP routes\" section disagree (above)"
say "docs/openapi.yaml is valid OpenAPI $(sed -n 's/^openapi: //p' "$document") and agrees with the README"

# --- The hub -----------------------------------------------------------------------------------
hub=${HUB_BIN:-${CARGO_TARGET_DIR:-target}/debug/hub}
case "$hub" in /*) ;; *) hub="$root/$hub" ;; esac
if [ ! -x "$hub" ]; then
    say "no hub binary at $hub; building it (cargo build --bin hub)"
    cargo build --locked --quiet --bin hub
    [ -x "$hub" ] || fail "cargo built no hub at $hub; set HUB_BIN"
fi

work=$(mktemp -d)
hub_pid=
stop_hub() {
    if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
        kill -TERM "$hub_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$hub_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$hub_pid" 2>/dev/null || true
        wait "$hub_pid" 2>/dev/null || true
    fi
    hub_pid=
}
trap 'stop_hub; rm -rf "$work"' EXIT

# The hub reads only the settings given here: no Settings.toml in its directory, none of the
# caller's HUB__ variables.
secret="openapi-conformance-test-secret-0123456789"
hub_env=(env)
for name in $(compgen -e); do
    case "$name" in HUB__* | HUB_CONFIG | RUST_LOG) hub_env+=(-u "$name") ;; esac
done
hub_env+=(HUB__AUTH__JWT_SECRET="$secret" HUB__LOG__FORMAT=json HUB__LOG__FILTER=warn)
if [ -n "${OPENAPI_REDIS_URL:-}" ]; then
    hub_env+=(HUB__REDIS__URL="$OPENAPI_REDIS_URL")
fi
free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
healthy() {
    "$venv/bin/python" - "$1" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1) as r:
            sys.exit(0 if r.status == 200 else 1)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# A port found free can be taken before the hub binds it: try another.
for attempt in 1 2 3; do
    port=$(free_port)
    (cd "$work" && exec "${hub_env[@]}" HUB__SERVER__HOST=127.0.0.1 HUB__SERVER__PORT="$port" \
        HUB__SHUTDOWN__GRACE_PERIOD=5s "$hub" serve) >"$work/hub.log" 2>&1 &
    hub_pid=$!
    if healthy "$port"; then break; fi
    say "the hub did not start on port $port (attempt $attempt):"
    tail -n 20 "$work/hub.log" >&2
    stop_hub
    [ "$attempt" -lt 3 ] || fail "the hub did not start ($hub)"
done
base=http://127.0.0.1:$port
mode=embedded
[ -z "${OPENAPI_REDIS_URL:-}" ] || mode="clustered on $OPENAPI_REDIS_URL"
say "hub $hub (pid $hub_pid, $mode) on $base"

token() { (cd "$work" && "${hub_env[@]}" "$hub" token --sub "$1" --role "$2"); }
service_token=$(token openapi-service service)
admin_token=$(token openapi-admin admin)
user_token=$(token openapi-user user)

# --- schemathesis ------------------------------------------------------------------------------
checks=${OPENAPI_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance}
status=0
# run NAME TOKEN FILTER...: one schemathesis run over the operations the filters select, with
# TOKEN as the bearer token; its JUnit report is $work/NAME.xml.
run() {
    local name=$1 token=$2
    shift 2
    say "schemathesis run ($name operations, seed $seed, at most $max_examples examples each)"
    (cd "$work" && "$venv/bin/schemathesis" run "$document" \
        --url "$base" \
        --seed "$seed" \
        --max-examples "$max_examples" \
        --generation-database none \
        --checks "$checks" \
        --max-redirects 0 \
        --request-timeout 10 \
        --workers 1 \
        --no-color \
        -H "Authorization: Bearer $token" \
        --report junit,har --report-junit-path "$work/$name.xml" --report-har-path "${OPENAPI_HAR_DIR:-$work}/$name.har" \
        "$@") || status=1
}
run service "$service_token" --include-tag publish
run admin "$admin_token" --include-tag operator --include-tag probe --include-tag browser
# A valid token without the role: every authenticated operation answers 403 (few examples: the
# body is not read).
max_examples=5 run no-role "$user_token" --include-tag publish --include-tag operator \
    --phases examples,fuzzing --warnings off

if ! kill -0 "$hub_pid" 2>/dev/null; then
    say "the hub died during the run:"
    tail -n 40 "$work/hub.log" >&2
    status=1
fi
stop_hub
if grep -q 'panicked at' "$work/hub.log"; then
    say "the hub panicked:"
    grep -A3 'panicked at' "$work/hub.log" >&2
    status=1
fi

# One line for the test summary: operations passed and failed, from the JUnit reports.
"$venv/bin/python" - "$work"/service.xml "$work"/admin.xml "$work"/no-role.xml <<'PY' || status=1
import sys
import xml.etree.ElementTree as ET
passed = failed = 0
for path in sys.argv[1:]:
    try:
        cases = ET.parse(path).getroot().iter("testcase")
    except (OSError, ET.ParseError) as error:
        print(f"openapi: no report {path}: {error}", file=sys.stderr)
        failed += 1
        continue
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
print(f"schemathesis: {passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
PY
exit "$status"
