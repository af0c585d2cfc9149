#!/usr/bin/env bash
# Issue 5's speed figures: the same load generator as the node's (plexus_loadgen) against the
# local cluster (deploy/local/cluster.sh: every service its own process, PostgreSQL, Redis, two
# roomserver shards, two sync-api replicas, two client-api replicas behind the balancer). For each run: a fresh
# cluster, send -> /sync latency at --rate msg/s (open loop, 100 clients and rooms), then
# closed-loop throughput; the CPU seconds each process used during the latency run. The latency
# figures leave out the first --warmup seconds of load (default 3: a fresh cluster's cold caches,
# connections and thread pools); the table also gives p99 with them.
# Prints the RESULT lines, per-process CPU and a table of medians over the runs.
#
# usage: scripts/bench-cluster.sh [--build-dir DIR] [--runs N] [--no-build] [--quick]
#                                 [--rate MSG_PER_S] [--shards N] [--replicas N]
#                                 [--sync-replicas N] [--warmup S]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build"
runs=3
do_build=1
quick=0
rate=1000
shards=2
replicas=2
sync_replicas=2
warmup=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --quick) quick=1; shift ;;
    --rate) rate="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --replicas) replicas="$2"; shift 2 ;;
    --sync-replicas) sync_replicas="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-cluster.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ $do_build == 1 ]]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target plexus_cli plexus_loadgen -j2
fi
plexus="$build_dir/bin/plexus"
loadgen="$build_dir/bin/plexus_loadgen"
[[ -x $plexus && -x $loadgen ]] || { echo "bench-cluster.sh: build $plexus and $loadgen first" >&2; exit 1; }
if [[ $quick == 1 ]]; then
  lat_args=(--clients 10 --rooms 10 --rate 100 --duration 3)
  tp_args=(--clients 10 --duration 3)
else
  lat_args=(--clients 100 --rooms 100 --rate "$rate" --duration 20 --warmup-seconds "$warmup")
  tp_args=(--clients 50 --duration 10)
fi

work="$(mktemp -d /tmp/plexus-bench-cluster.XXXXXX)"
chmod 755 "$work"
cluster="$root/deploy/local/cluster.sh"
cleanup() { "$cluster" down "$work/c" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A results

for run in $(seq 1 "$runs"); do
  echo "== run $run: cluster up ($shards roomserver shards, $sync_replicas sync-api replicas, $replicas client-api replicas)" >&2
  "$cluster" down "$work/c" >/dev/null 2>&1 || true
  rm -rf "$work/c"
  url=$(PLEXUS_BINARY="$plexus" PLEXUS_CLUSTER_PROMETHEUS=0 PLEXUS_CLUSTER_ROOMSERVER_SHARDS="$shards" \
        PLEXUS_CLUSTER_CLIENTAPI_REPLICAS="$replicas" PLEXUS_CLUSTER_SYNCAPI_REPLICAS="$sync_replicas" \
        PLEXUS_CLUSTER_LOG_LEVEL=warn \
        "$cluster" up "$work/c" | tail -1)
  port="${url##*:}"
  if [[ $replicas == 1 ]]; then
    # One client-api replica needs no balancer: the load goes to it directly, as through an
    # in-kernel Kubernetes Service. (balancer.py, a Python proxy, used ~10 % of a core at
    # 1,000 msg/s, a cost no production deployment pays.)
    port="$(cat "$work/c/ports/clientapi-0.client")"
  fi
  declare -A before=()
  for f in "$work"/c/pids/*; do before[$(basename "$f")]=$(cpu_ticks "$(cat "$f")"); done
  # The cluster's PostgreSQL runs as user postgres; backends that connect during the run count
  # from zero, those that exit through the postmaster's children times (fields 16 and 17).
  declare -A pg_before=()
  for p in $(pgrep -u postgres || true); do pg_before[$p]=$(cpu_ticks "$p"); done
  pg_master=$(pgrep -u postgres -o postgres || true)
  pg_children() { awk '{print $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
  pg_children_before=$(pg_children "${pg_master:-0}")
  redis_pid=$(pgrep -f "redis-server.*$(cat "$work/c/redis/port")" | head -1 || true)
  redis_before=$(cpu_ticks "${redis_pid:-0}")
  start_ns=$(date +%s%N)
  line="$("$loadgen" latency --port "$port" "${lat_args[@]}" | tee -a /dev/stderr | grep '^RESULT')"
  secs=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN{print (b-a)/1e9}')
  hz=$(getconf CLK_TCK)
  echo "-- CPU during the latency run (${secs} s incl. setup), % of one core:" >&2
  for f in "$work"/c/pids/*; do
    n=$(basename "$f")
    used=$(( $(cpu_ticks "$(cat "$f")") - ${before[$n]:-0} ))
    printf '   %-20s %6.1f%%\n' "$n" "$(awk -v u="$used" -v h="$hz" -v s="$secs" 'BEGIN{print 100*u/h/s}')" >&2
  done
  pg_used=$(( $(pg_children "${pg_master:-0}") - pg_children_before ))
  for p in $(pgrep -u postgres || true); do
    pg_used=$(( pg_used + $(cpu_ticks "$p") - ${pg_before[$p]:-0} ))
  done
  printf '   %-20s %6.1f%%\n' "postgres" "$(awk -v u="$pg_used" -v h="$hz" -v s="$secs" 'BEGIN{print 100*u/h/s}')" >&2
  printf '   %-20s %6.1f%%\n' "redis" "$(awk -v u=$(( $(cpu_ticks "${redis_pid:-0}") - redis_before )) -v h="$hz" -v s="$secs" 'BEGIN{print 100*u/h/s}')" >&2
  results[lat_p50_$run]=$(field sync_p50_ms "$line")
  results[lat_p99_$run]=$(field sync_p99_ms "$line")
  results[lat_all_p99_$run]=$(field sync_all_p99_ms "$line")
  results[lost_$run]=$(field lost "$line")
  tline="$("$loadgen" throughput --port "$port" "${tp_args[@]}" | tee -a /dev/stderr | grep '^RESULT')"
  results[tp_$run]=$(field msg_per_s "$tline")
done

median() { sort -g | awk '{a[NR]=$1} END{if (NR==0) print "?"; else print a[int((NR+1)/2)]}'; }
row() {  # row LABEL KEY
  local vals=() v
  for run in $(seq 1 "$runs"); do vals+=("${results[$2_$run]:-?}"); done
  v=$(printf '%s\n' "${vals[@]}" | median)
  echo "| $1 | **$v** [${vals[*]}] |"
}
echo
echo "| cluster ($shards roomserver shards, $sync_replicas sync-api replicas, $replicas client-api replicas; median [runs]) | value |"
echo "|---|---|"
row "send -> /sync p50 at $rate msg/s (ms)" lat_p50
row "send -> /sync p99 at $rate msg/s (ms)" lat_p99
row "send -> /sync p99 with the ${warmup} s warm-up (ms)" lat_all_p99
row "closed-loop throughput (msg/s)" tp
