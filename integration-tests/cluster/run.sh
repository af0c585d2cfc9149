#!/usr/bin/env bash
# The cloud cluster on loopback (deploy/local/cluster.sh: PostgreSQL, Redis, every service its
# own process, two roomserver shards, two client-api replicas, Prometheus), tested with real
# clients: the matrix-nio and matrix-js-sdk suites of integration-tests/clients, a real
# Prometheus query per process, and the fault test (SIGKILL each service while clients send).
#
#   integration-tests/cluster/run.sh [PLEXUS_BINARY]
#
# Prints a summary and exits non-zero when a step failed. Everything started is stopped on exit.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
plexus="${1:-$root/build/bin/plexus}"
python=/usr/bin/python3
cluster="$root/deploy/local/cluster.sh"
work="$(mktemp -d /tmp/plexus-cluster.XXXXXX)"
chmod 755 "$work"
declare -a summary=()
failures=0
started_at=$(date +%s)

cleanup() {
  "$cluster" down "$work/cluster" >/dev/null 2>&1
  if [ "${PLEXUS_IT_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() {  # record LABEL STATUS(0 ok) DETAIL
  if [ "$2" -eq 0 ]; then summary+=("PASS  $1  $3"); else summary+=("FAIL  $1  $3"); failures=$((failures + 1)); fi
}

echo "== cluster: up"
t0=$(date +%s%N)
# With federation: a federationapi process and two federation-sender shards join the cluster.
fed_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if ! url=$(PLEXUS_BINARY="$plexus" PLEXUS_CLUSTER_FEDERATION_PORT="$fed_port" timeout 300 "$cluster" up "$work/cluster" 2>"$work/up.log" | tail -1); then
  cat "$work/up.log"
  record "cluster starts" 1 "see the log above"
  echo "cluster: 0 passed, 1 failed"
  exit 1
fi
record "cluster starts" 0 "$url in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($(wc -l <"$work/cluster/processes") processes)"

accounts_conf="$work/cluster/conf/accountsync.yaml"
out=$("$plexus" create-account --config "$accounts_conf" --username jsalice --password js-alice-pw 2>&1 &&
      "$plexus" create-account --config "$accounts_conf" --username jsbob --password js-bob-pw --admin 2>&1)
record "create-account on the cluster's database" $? "$(echo "$out" | tr '\n' ' ')"

echo "== matrix-nio against $url"
timeout 300 "$python" "$root/integration-tests/clients/nio_test.py" "$url" 2>&1 | tee "$work/nio.log" | grep -E '^(PASS|FAIL)'
record "matrix-nio" "${PIPESTATUS[0]}" "$(tail -1 "$work/nio.log")"

echo "== matrix-js-sdk against $url"
js="$root/integration-tests/clients/js"
if (cd "$js" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
  timeout 300 node "$js/js_sdk_test.mjs" "$url" jsalice js-alice-pw jsbob js-bob-pw >"$work/js.log" 2>&1
  rc=$?
  grep -E '^(PASS|FAIL)' "$work/js.log"
  record "matrix-js-sdk" "$rc" "$(tail -1 "$work/js.log")"
else
  record "matrix-js-sdk" 1 "npm ci failed (see $work/npm.log)"
fi

if [ -f "$work/cluster/ports/prometheus.http" ]; then
  echo "== Prometheus"
  timeout 120 "$python" "$here/prometheus_check.py" "$(cat "$work/cluster/ports/prometheus.http")" "$work/cluster" 2>&1 | tee "$work/prom.log"
  record "Prometheus scrapes every process" "${PIPESTATUS[0]}" "$(grep -c '^PASS' "$work/prom.log") processes"
else
  record "Prometheus scrapes every process" 1 "no Prometheus (install the 'prometheus' package)"
fi

echo "== a logout reaches every client-api replica"
timeout 60 "$python" "$here/logout_check.py" "$work/cluster" 2>&1 | tee "$work/logout.log"
record "logout reaches every client-api replica's token cache" "${PIPESTATUS[0]}" "$(tail -1 "$work/logout.log")"

echo "== sync-api replicas"
timeout 120 "$python" "$here/sync_replicas_check.py" "$url" "$work/cluster" 2>&1 | tee "$work/replicas.log"
record "users on different sync-api replicas see each other at once" "${PIPESTATUS[0]}" "$(grep -c '^PASS' "$work/replicas.log") checks passed"

echo "== fault test"
timeout 600 "$python" "$here/fault_test.py" "$url" "$cluster" "$work/cluster" 2>&1 | tee "$work/fault.log" | grep -E '^(PASS|FAIL)'
record "fault test: SIGKILL each service while clients send" "${PIPESTATUS[0]}" "$(tail -1 "$work/fault.log")"

if [ "$failures" -gt 0 ]; then
  for f in "$work"/cluster/logs/*.log; do echo "-- $(basename "$f") (last 8 lines)"; tail -8 "$f"; done
fi
echo
echo "== summary ($(( $(date +%s) - started_at )) s)"
printf '%s\n' "${summary[@]}"
total=${#summary[@]}
echo "cluster: $((total - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
