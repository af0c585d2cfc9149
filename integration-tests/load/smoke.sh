#!/usr/bin/env bash
# CI smoke test of the load generator against a real node process: every mode runs about two
# seconds at small scale with --check (every request answered 2xx, every sent message arrived in
# another client's /sync, every idle poll established). Speed is not checked here; figures come
# from scripts/bench-node.sh.
# usage: smoke.sh PLEXUS_BINARY LOADGEN_BINARY
set -euo pipefail
plexus="$1"
loadgen="$2"
work="$(mktemp -d /tmp/plexus-load-smoke.XXXXXX)"
node_pid=""
# The node is spawned by plexus_loadgen, not by this shell: a zombie counts as exited.
alive() { local s; s="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)"; [[ -n $s && $s != Z ]]; }
cleanup() {
  if [[ -n $node_pid ]]; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in $(seq 100); do alive "$node_pid" || break; sleep 0.1; done
    if alive "$node_pid"; then kill -KILL "$node_pid" 2>/dev/null || true; fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "smoke: $*" >&2; [[ -f $work/node.log ]] && tail -20 "$work/node.log" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
line="$("$loadgen" startup --port "$port" --log "$work/node.log" -- \
    "$plexus" node --data-dir "$work/data" --client-addr "127.0.0.1:$port" \
    --enable-registration --no-rate-limits | grep '^RESULT')" || fail "node did not start"
node_pid="$(tr ' ' '\n' <<<"$line" | sed -n 's/^pid=//p')"
echo "$line"

common=(--port "$port" --pid "$node_pid" --check)
"$loadgen" sequential "${common[@]}" --messages 200 --warmup 10 || fail "sequential"
"$loadgen" latency "${common[@]}" --clients 10 --rooms 10 --rate 100 --duration 2 --grace 10 || fail "latency"
"$loadgen" throughput "${common[@]}" --clients 10 --duration 2 || fail "throughput"
"$loadgen" idle "${common[@]}" --users 5 --connections 50 --hold 2 || fail "idle"
alive "$node_pid" || fail "the node exited during the run"
echo "smoke: all modes passed"
