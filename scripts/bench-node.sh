#!/usr/bin/env bash
# Issue 3's speed figures for a client-side node on SQLite, on loopback: builds (Release)
# `plexus` and `plexus_loadgen`, then for each run starts fresh nodes on temp data dirs and free
# ports and measures
#   A. spawn -> first answered GET /_matrix/client/versions, idle VmRSS, then 10,000 idle
#      long-polling /sync connections (node VmRSS while they are held);
#   B. one sequential sender, send -> /sync latency at 1,000 msg/s over 100 clients and rooms,
#      closed-loop throughput of many senders.
# Prints every run's RESULT lines and one table of medians over the runs. Stops its nodes.
#
# usage: scripts/bench-node.sh [--build-dir DIR] [--runs N] [--no-build] [--quick]
#   --quick: small scale and short durations (a check that the script works, not figures).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build"
runs=3
do_build=1
quick=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench-node.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $do_build == 1 ]]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target plexus_cli plexus_loadgen -j2
fi
plexus="$build_dir/bin/plexus"
loadgen="$build_dir/bin/plexus_loadgen"
[[ -x $plexus && -x $loadgen ]] || { echo "bench-node.sh: build $plexus and $loadgen first" >&2; exit 1; }

# 10,000 connections need 10,000 descriptors in the node and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt 10100 ]]; then
  echo "bench-node.sh: warning: fd limit $(ulimit -n) is below 10,100; the idle test will fall short" >&2
fi

if [[ $quick == 1 ]]; then
  idle_args=(--users 10 --connections 200 --hold 2)
  seq_args=(--messages 300 --warmup 30)
  lat_args=(--clients 10 --rooms 10 --rate 200 --duration 3)
  tp_args=(--clients 10 --duration 3)
else
  idle_args=(--users 100 --connections 10000 --hold 20)
  seq_args=(--messages 3000 --warmup 200)
  lat_args=(--clients 100 --rooms 100 --rate 1000 --duration 20)
  tp_args=(--clients 50 --duration 10)
fi

work="$(mktemp -d /tmp/plexus-bench.XXXXXX)"
node_pid=""
# The node is spawned by plexus_loadgen (which exits), so this shell cannot wait for it; an exited
# node may linger as a zombie until init reaps it.
alive() { local s; s="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)"; [[ -n $s && $s != Z ]]; }
stop_node() {
  [[ -n $node_pid ]] || return 0
  kill -TERM "$node_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    alive "$node_pid" || break
    sleep 0.1
  done
  if alive "$node_pid"; then kill -KILL "$node_pid" 2>/dev/null || true; fi
  node_pid=""
}
cleanup() { stop_node; rm -rf "$work"; }
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# field KEY LINE: the value of key=value in a RESULT line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

declare -A values  # metric -> space-separated values of every run
record() { values[$1]="${values[$1]:-} $2"; }

# start_node NAME: a fresh node (data in $work/NAME), timed from spawn to first answer.
start_node() {
  port="$(free_port)"
  local line
  line="$("$loadgen" startup --port "$port" --log "$work/$1.log" -- \
      "$plexus" node --data-dir "$work/$1" --client-addr "127.0.0.1:$port" \
      --enable-registration --no-rate-limits | tee -a /dev/stderr | grep '^RESULT')"
  node_pid="$(field pid "$line")"
  [[ $(field answered "$line") == 1 ]] || { cat "$work/$1.log" >&2; exit 1; }
  start_line="$line"
}

# run MODE ARGS...: runs one load mode against the current node, echoes its RESULT line.
run() {
  local mode="$1"; shift
  "$loadgen" "$mode" --port "$port" --pid "$node_pid" "$@" | tee -a /dev/stderr | grep '^RESULT'
}

vmrss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$node_pid/status"; }

cpu_pressure() { sed -n 's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null; }
pressure_before="$(cpu_pressure)"

for r in $(seq "$runs"); do
  echo "== run $r of $runs" >&2
  # A. Start-up, idle memory, idle long-polls on a fresh node.
  start_node "a$r"
  record first_answer_ms "$(field first_answer_ms "$start_line")"
  sleep 1
  record idle_rss_mb "$(awk -v k="$(vmrss_kb)" 'BEGIN{printf "%.1f", k/1024}')"
  line="$(run idle "${idle_args[@]}")"
  record idle_established "$(field established "$line")"
  record idle_errors "$(field errors "$line")"
  record polls_rss_mb "$(awk -v k="$(field rss_max_kb "$line")" 'BEGIN{printf "%.1f", k/1024}')"
  stop_node

  # B. Sending and latency on another fresh node.
  start_node "b$r"
  line="$(run sequential "${seq_args[@]}")"
  record seq_msg_per_s "$(field msg_per_s "$line")"
  record seq_errors "$(field errors "$line")"
  record seq_cpu "$(field node_cpu_ms_per_msg "$line")"
  line="$(run latency "${lat_args[@]}")"
  record lat_p50_ms "$(field sync_p50_ms "$line")"
  record lat_p90_ms "$(field sync_p90_ms "$line")"
  record lat_p99_ms "$(field sync_p99_ms "$line")"
  record lat_max_ms "$(field sync_max_ms "$line")"
  record lat_resp_p50_ms "$(field sync_after_resp_p50_ms "$line")"
  record lat_send_p50_ms "$(field send_p50_ms "$line")"
  record lat_lost "$(field lost "$line")"
  record lat_errors "$(( $(field send_errors "$line") + $(field sync_errors "$line") ))"
  record lat_achieved_rate "$(field achieved_rate "$line")"
  record lat_cpu "$(field node_cpu_ms_per_msg "$line")"
  line="$(run throughput "${tp_args[@]}")"
  record tp_msg_per_s "$(field msg_per_s "$line")"
  record tp_errors "$(field errors "$line")"
  record tp_send_p99_ms "$(field send_p99_ms "$line")"
  record tp_cpu "$(field node_cpu_ms_per_msg "$line")"
  record after_load_rss_mb "$(awk -v k="$(vmrss_kb)" 'BEGIN{printf "%.1f", k/1024}')"
  stop_node
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

row() {  # metric, label, goal
  printf '| %-44s | %-10s | %-10s | %s\n' "$2" "$3" "$(median "${values[$1]}")" "${values[$1]# }"
}
echo
echo "Plexus node on SQLite, loopback, $runs run(s)$([[ $quick == 1 ]] && echo ', QUICK scale'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU pressure (PSI some avg60, % of time a task waited for a CPU): ${pressure_before:-?} before, $(cpu_pressure) after"
printf '| %-44s | %-10s | %-10s | %s\n' "metric" "goal" "median" "runs"
row first_answer_ms "spawn -> first answered request (ms)" "<= 100"
row idle_rss_mb "idle node VmRSS, 1 s after start (MB)" "<= 20"
row polls_rss_mb "VmRSS with ${idle_args[3]} idle /sync polls (MB)" "<= 150"
row idle_established "  polls established" "${idle_args[3]}"
row idle_errors "  poll errors" "0"
row seq_msg_per_s "one sequential sender (msg/s)" ">= 2000"
row seq_cpu "  node CPU per message (ms)" "-"
row tp_msg_per_s "closed-loop senders, ${tp_args[1]} clients (msg/s)" ">= 5000"
row tp_send_p99_ms "  send p99 under that load (ms)" "-"
row tp_cpu "  node CPU per message (ms)" "-"
row lat_p50_ms "send start -> /sync, median (ms)" "<= 2"
row lat_p99_ms "send start -> /sync, p99 (ms)" "<= 20"
row lat_p90_ms "  p90 (ms)" "-"
row lat_max_ms "  max (ms)" "-"
row lat_resp_p50_ms "  send answered -> /sync, median (ms)" "-"
row lat_send_p50_ms "  send request -> answer, median (ms)" "-"
row lat_achieved_rate "  achieved send rate (msg/s)" "${lat_args[5]}"
row lat_cpu "  node CPU per message, 2 /sync wake-ups incl. (ms)" "-"
row lat_lost "  messages lost" "0"
row lat_errors "  request errors (latency mode)" "0"
row seq_errors "  request errors (sequential)" "0"
row tp_errors "  request errors (throughput)" "0"
row after_load_rss_mb "node VmRSS after the send tests (MB)" "-"
