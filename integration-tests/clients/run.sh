#!/usr/bin/env bash
# Real Matrix clients against real `plexus node` processes: matrix-nio (with a Megolm round
# trip) and matrix-js-sdk (its own sync loop), then the SIGKILL crash test — first on SQLite,
# then with every cross-service call through gRPC (--loopback-grpc), then on a throw-away
# PostgreSQL. Builds nothing: expects the binary (default build/bin/plexus).
#
#   integration-tests/clients/run.sh [PLEXUS_BINARY]
#
# Needs the Debian packages python3-matrix-nio, python3-olm, postgresql (scripts/packages.txt)
# and npm (matrix-js-sdk is installed into js/node_modules with `npm ci`). Prints a summary and
# exits non-zero when any step failed. Every wait is bounded; every process it started is
# stopped on exit. PLEXUS_IT_SKIP_POSTGRES=1 runs the SQLite half only.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
plexus="${1:-$root/build/bin/plexus}"
python=/usr/bin/python3  # Debian's, which has nio and olm (not a pyenv/venv python)
if [ ! -x "$plexus" ]; then
  echo "run.sh: $plexus not found; build it: cmake --build build --target plexus_cli" >&2
  exit 1
fi
plexus="$(cd "$(dirname "$plexus")" && pwd)/$(basename "$plexus")"

work="$(mktemp -d /tmp/plexus-clients.XXXXXX)"
chmod 755 "$work"  # the PostgreSQL server runs as user postgres under it
node_pid=""
pg_dir=""
declare -a summary=()
failures=0
started_at=$(date +%s)

cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -KILL "$node_pid" 2>/dev/null
    wait "$node_pid" 2>/dev/null
  fi
  if [ -n "$pg_dir" ]; then "$root/scripts/pg-throwaway.sh" stop "$pg_dir" >/dev/null 2>&1; fi
  if [ "${PLEXUS_IT_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

record() {  # record LABEL STATUS(0 ok) DETAIL
  if [ "$2" -eq 0 ]; then summary+=("PASS  $1  $3"); else summary+=("FAIL  $1  $3"); failures=$((failures + 1)); fi
}

# Polls /versions every few ms; prints the milliseconds from launch to the first answer.
wait_ready() {  # wait_ready PORT LAUNCH_NS PID
  "$python" - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
port, launch_ns, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("node exited before answering")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_matrix/client/versions", timeout=2) as r:
            if r.status == 200:
                print((time.time_ns() - launch_ns) // 1_000_000)
                sys.exit(0)
    except OSError:
        time.sleep(0.002)
sys.exit("node did not answer within 30 s")
PY
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }

stop_node() {  # graceful: SIGTERM, bounded wait, exit code 0 expected
  local label=$1 rc=0
  kill -TERM "$node_pid" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$node_pid" 2>/dev/null; then
    kill -KILL "$node_pid"; wait "$node_pid" 2>/dev/null
    record "$label: graceful shutdown on SIGTERM" 1 "still running after 15 s"
  else
    wait "$node_pid"; rc=$?
    record "$label: graceful shutdown on SIGTERM" "$rc" "exit code $rc"
  fi
  node_pid=""
}

install_js() {
  (cd "$here/js" && if [ -f package-lock.json ]; then
      timeout 300 npm ci --no-audit --no-fund --loglevel=error
    else
      timeout 300 npm install --no-audit --no-fund --loglevel=error
    fi) >"$work/npm.log" 2>&1
}

# run_suite LABEL NODE_ARGS... : accounts via create-account, one node, both clients, crash test.
run_suite() {
  local label=$1; shift
  local -a node_args=("$@")
  # Flags for `plexus node` only (not create-account), e.g. --loopback-grpc.
  local -a node_only=()
  if [ -n "${NODE_ONLY_FLAGS:-}" ]; then read -r -a node_only <<<"$NODE_ONLY_FLAGS"; fi
  local port log out rc ms
  port=$(free_port)
  log="$work/$label-node.log"

  # create-account works with no node running, on the node's own database.
  out=$("$plexus" create-account "${node_args[@]}" --username jsalice --password js-alice-pw 2>&1 &&
        "$plexus" create-account "${node_args[@]}" --username jsbob --password js-bob-pw --admin 2>&1)
  rc=$?
  record "$label: create-account (no node running)" $rc "$(echo "$out" | tr '\n' ' ')"

  local launch_ns
  launch_ns=$(date +%s%N)
  "$plexus" node "${node_args[@]}" "${node_only[@]}" --client-addr "127.0.0.1:$port" \
    --enable-registration --no-rate-limits 2>"$log" &
  node_pid=$!
  if ! ms=$(wait_ready "$port" "$launch_ns" "$node_pid"); then
    record "$label: node starts" 1 "see log below"
    tail -20 "$log"
    node_pid=""
    return
  fi
  record "$label: node starts" 0 "first answer ${ms} ms after launch, RSS $(rss_kb "$node_pid") kB"
  local url="http://127.0.0.1:$port"

  echo "== $label: matrix-nio against $url"
  timeout 300 "$python" "$here/nio_test.py" "$url" 2>&1 | tee "$work/$label-nio.log" | grep -E '^(PASS|FAIL)'
  rc=${PIPESTATUS[0]}
  record "$label: matrix-nio" "$rc" "$(tail -1 "$work/$label-nio.log")"

  echo "== $label: matrix-js-sdk against $url"
  if [ "$js_ready" = 1 ]; then
    timeout 300 node "$here/js/js_sdk_test.mjs" "$url" jsalice js-alice-pw jsbob js-bob-pw \
      >"$work/$label-js.log" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL)' "$work/$label-js.log"
    record "$label: matrix-js-sdk" "$rc" "$(tail -1 "$work/$label-js.log")"
  else
    record "$label: matrix-js-sdk" 1 "npm install failed (see $work/npm.log)"
  fi
  record "$label: idle RSS after the clients" 0 "$(rss_kb "$node_pid") kB"
  stop_node "$label"

  echo "== $label: SIGKILL crash test"
  local crash_port
  crash_port=$(free_port)
  SIGKILL_NODE_LOG="$work/$label-crash-node.log" timeout 300 "$python" "$here/sigkill_test.py" \
    "$plexus" "$crash_port" "${node_args[@]}" "${node_only[@]}" --enable-registration --no-rate-limits \
    2>&1 | tee "$work/$label-crash.log" | grep -E '^(PASS|FAIL)'
  rc=${PIPESTATUS[0]}
  record "$label: SIGKILL loses no acknowledged message" "$rc" "$(tail -1 "$work/$label-crash.log")"
  if [ "$failures" -gt 0 ]; then
    echo "-- $label node log (last 15 lines):"; tail -15 "$log"
  fi
}

js_ready=0
if command -v npm >/dev/null && install_js; then js_ready=1; else echo "run.sh: npm install failed" >&2; cat "$work/npm.log" >&2; fi

run_suite sqlite --data-dir "$work/sqlite"
# Every cross-service call through gRPC on loopback, in one process (DESIGN.md §2).
NODE_ONLY_FLAGS="--loopback-grpc" run_suite loopback-grpc --data-dir "$work/loopback"

if [ "${PLEXUS_IT_SKIP_POSTGRES:-0}" != 1 ]; then
  pg_dir="$work/pg"
  if dsn=$(timeout 120 "$root/scripts/pg-throwaway.sh" start "$pg_dir" 0); then
    "$plexus" generate-config --data-dir "$work/postgres" --postgres "$dsn" >"$work/postgres.yaml"
    record "postgres: generate-config --postgres" $? "$work/postgres.yaml"
    run_suite postgres --config "$work/postgres.yaml"
  else
    record "postgres: throw-away server starts" 1 "scripts/pg-throwaway.sh failed"
  fi
fi

echo
echo "== summary ($(( $(date +%s) - started_at )) s)"
printf '%s\n' "${summary[@]}"
total=${#summary[@]}
echo "clients: $((total - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
