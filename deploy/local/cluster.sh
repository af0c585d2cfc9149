#!/usr/bin/env bash
# The Plexus cloud cluster on one machine, as plain processes on loopback (no Docker): a
# PostgreSQL, a Redis, every service as its own `plexus serve` process — two roomserver shards,
# two sync-api replicas and two client-api replicas behind a round-robin balancer by default —
# and a Prometheus that
# scrapes them all. Used by the integration tests and by anyone trying the cluster.
#
#   deploy/local/cluster.sh up DIR          start everything; all state lives under DIR. Returns
#                                           once every service is ready; the last line of stdout
#                                           is the client API base URL (open registration, rate
#                                           limits off).
#   deploy/local/cluster.sh down DIR        stop everything `up` started (the databases too).
#   deploy/local/cluster.sh kill DIR NAME   SIGKILL one process (e.g. roomserver-1, clientapi-0).
#   deploy/local/cluster.sh start DIR NAME  start that process again (waits until it is ready).
#   deploy/local/cluster.sh list DIR        the processes with their pid, ports and state.
#
# Environment: PLEXUS_BINARY (default build/bin/plexus), PLEXUS_CLUSTER_SERVER_NAME (localhost),
# PLEXUS_CLUSTER_ROOMSERVER_SHARDS (2), PLEXUS_CLUSTER_CLIENTAPI_REPLICAS (2),
# PLEXUS_CLUSTER_SYNCAPI_REPLICAS (2; processes syncapi-0 .. syncapi-N-1, sharing one schema),
# PLEXUS_CLUSTER_PROMETHEUS=0 to leave Prometheus out, PLEXUS_CLUSTER_MALLOC=glibc to run the
# services on glibc's malloc instead of jemalloc (used when libjemalloc2 is installed, as in the
# Docker image: on two cores it cut send->/sync p99 at 1,000 msg/s by about two thirds). Federation (a federationapi process and
# PLEXUS_CLUSTER_SENDER_SHARDS federation-sender shards, default 2) with
# PLEXUS_CLUSTER_FEDERATION_PORT=PORT; PLEXUS_CLUSTER_FEDERATION_RESOLVE='"name=127.0.0.1:port", ...'
# then names the other servers (no DNS) and certificates are not verified (test networks).
# Every wait is bounded.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python=/usr/bin/python3

usage() { echo "usage: $0 up DIR | down DIR | kill DIR NAME | start DIR NAME | list DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until http://127.0.0.1:PORT/readyz answers 200 (bounded), or the pid died.
wait_ready() {  # wait_ready NAME PORT PID
  "$python" - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
name, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"cluster.sh: {name} exited before it was ready (see its log)")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.05)
sys.exit(f"cluster.sh: {name} not ready after 60 s")
PY
}

# Starts process NAME from its saved command line; waits for readiness.
start_process() {  # start_process NAME
  local name=$1
  local metrics
  metrics=$(cat "$dir/ports/$name.metrics")
  nohup bash "$dir/cmd/$name.sh" >>"$dir/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pids/$name"
  wait_ready "$name" "$metrics" "$pid" >&2
}

stop_pid() {  # stop_pid PID: TERM, then KILL after 10 s
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Writes DIR/conf/NAME.yaml (the shared settings plus this process's listeners) and the command
# that runs it.
write_process() {  # write_process NAME SERVICE SHARD GRPC_PORT CLIENT_PORT
  local name=$1 service=$2 shard=$3 grpc=$4 client=$5
  local metrics
  metrics=$(free_port)
  echo "$metrics" >"$dir/ports/$name.metrics"
  echo "$grpc" >"$dir/ports/$name.grpc"
  echo "$client" >"$dir/ports/$name.client"
  mkdir -p "$dir/data/$name"
  {
    cat "$dir/conf/shared.yaml"
    echo "cluster:"
    echo "  grpc_listen: \"127.0.0.1:$grpc\""
    cat "$dir/conf/targets.yaml"
    echo "global:"
    echo "  server_name: \"$server_name\""
    echo "  data_dir: \"$dir/data/$name\""
    echo "  signing_key_path: \"$dir/signing.key\""
    echo "client_api:"
    echo "  listen: \"127.0.0.1:$client\""
    echo "  registration_enabled: true"
    echo "  rate_limits: {enabled: false}"
    echo "metrics:"
    echo "  listen: \"127.0.0.1:$metrics\""
  } >"$dir/conf/$name.yaml"
  cat >"$dir/cmd/$name.sh" <<CMD
exec env PLEXUS_BUS_CONSUMER=$name $preload "$plexus" serve $service --config "$dir/conf/$name.yaml" --shard $shard
CMD
}

up() {
  plexus="${PLEXUS_BINARY:-$root/build/bin/plexus}"
  [ -x "$plexus" ] || { echo "cluster.sh: $plexus not found (build the plexus_cli target)" >&2; exit 1; }
  plexus="$(cd "$(dirname "$plexus")" && pwd)/$(basename "$plexus")"
  server_name="${PLEXUS_CLUSTER_SERVER_NAME:-localhost}"
  preload=""
  if [ "${PLEXUS_CLUSTER_MALLOC:-jemalloc}" = jemalloc ] &&
    "$python" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("jemalloc"))'; then
    preload="LD_PRELOAD=libjemalloc.so.2"
  fi
  local shards="${PLEXUS_CLUSTER_ROOMSERVER_SHARDS:-2}"
  local fed_port="${PLEXUS_CLUSTER_FEDERATION_PORT:-}"
  local sender_shards=0
  [ -n "$fed_port" ] && sender_shards="${PLEXUS_CLUSTER_SENDER_SHARDS:-2}"
  local replicas="${PLEXUS_CLUSTER_CLIENTAPI_REPLICAS:-2}"
  local sync_replicas="${PLEXUS_CLUSTER_SYNCAPI_REPLICAS:-2}"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  chmod 755 "$dir"  # PostgreSQL runs as user postgres under it
  mkdir -p "$dir/conf" "$dir/cmd" "$dir/pids" "$dir/ports" "$dir/logs" "$dir/data" "$dir/media"
  echo "$plexus" >"$dir/binary"

  echo "cluster.sh: starting PostgreSQL and Redis under $dir" >&2
  "$root/scripts/pg-throwaway.sh" start "$dir/postgres" 0 >/dev/null
  "$root/scripts/redis-throwaway.sh" start "$dir/redis" 0 >/dev/null
  local dsn redis_port
  dsn=$(cat "$dir/postgres/dsn")
  redis_port=$(cat "$dir/redis/port")

  # gRPC ports of every service process, known before any starts (each config lists them all).
  local accountsync_port keyserver_port media_port
  accountsync_port=$(free_port); keyserver_port=$(free_port); media_port=$(free_port)
  local -a sync_ports=()
  for i in $(seq 0 $((sync_replicas - 1))); do sync_ports+=("$(free_port)"); done
  local sync_list
  sync_list=$(printf '"127.0.0.1:%s", ' "${sync_ports[@]}")
  sync_list="[${sync_list%, }]"
  local -a room_ports=()
  for i in $(seq 0 $((shards - 1))); do room_ports+=("$(free_port)"); done
  local room_list
  room_list=$(printf '"127.0.0.1:%s", ' "${room_ports[@]}")
  room_list="[${room_list%, }]"
  local -a sender_ports=()
  local sender_list="[]"
  if [ "$sender_shards" -gt 0 ]; then
    for i in $(seq 0 $((sender_shards - 1))); do sender_ports+=("$(free_port)"); done
    sender_list=$(printf '"127.0.0.1:%s", ' "${sender_ports[@]}")
    sender_list="[${sender_list%, }]"
  fi
  cat >"$dir/conf/shared.yaml" <<YAML
database:
  postgres_dsn: "$dsn"
  postgres_pool_size: 4
media:
  media_dir: "$dir/media"
logging:
  level: "${PLEXUS_CLUSTER_LOG_LEVEL:-info}"
sync_api:
  # Woken /sync responses call the keyserver and account-sync over gRPC: more threads than in
  # the node, where those calls are in-process.
  wake_threads: ${PLEXUS_CLUSTER_SYNC_WAKE_THREADS:-8}
YAML
  cat >"$dir/conf/targets.yaml" <<YAML
  redis_url: "redis://127.0.0.1:$redis_port/0"
  accountsync: ["127.0.0.1:$accountsync_port"]
  keyserver: ["127.0.0.1:$keyserver_port"]
  media: ["127.0.0.1:$media_port"]
  syncapi: $sync_list
  roomserver: $room_list
  federationsender: $sender_list
YAML
  if [ -n "$fed_port" ]; then
    cat >>"$dir/conf/shared.yaml" <<YAML
federation:
  listen: "127.0.0.1:$fed_port"
  skip_tls_verify: true
  resolve: [${PLEXUS_CLUSTER_FEDERATION_RESOLVE:-}]
YAML
  fi

  local -a order=()
  write_process accountsync accountsync 0 "$accountsync_port" "$(free_port)"; order+=(accountsync)
  write_process keyserver keyserver 0 "$keyserver_port" "$(free_port)"; order+=(keyserver)
  write_process media media 0 "$media_port" "$(free_port)"; order+=(media)
  for i in $(seq 0 $((shards - 1))); do
    write_process "roomserver-$i" roomserver "$i" "${room_ports[$i]}" "$(free_port)"
    order+=("roomserver-$i")
  done
  for i in $(seq 0 $((sender_shards - 1))); do
    write_process "federationsender-$i" federationsender "$i" "${sender_ports[$i]}" "$(free_port)"
    order+=("federationsender-$i")
  done
  for i in $(seq 0 $((sync_replicas - 1))); do
    write_process "syncapi-$i" syncapi "$i" "${sync_ports[$i]}" "$(free_port)"
    order+=("syncapi-$i")
  done
  local -a client_ports=()
  for i in $(seq 0 $((replicas - 1))); do
    local p
    p=$(free_port)
    client_ports+=("$p")
    write_process "clientapi-$i" clientapi 0 "$(free_port)" "$p"
    order+=("clientapi-$i")
  done
  if [ -n "$fed_port" ]; then
    write_process federationapi federationapi 0 "$(free_port)" "$(free_port)"
    order+=(federationapi)
  fi
  printf '%s\n' "${order[@]}" >"$dir/processes"

  for name in "${order[@]}"; do
    echo "cluster.sh: starting $name" >&2
    start_process "$name"
  done

  local lb_port
  lb_port=$(free_port)
  nohup "$python" "$here/balancer.py" "$lb_port" "${client_ports[@]}" >>"$dir/logs/balancer.log" 2>&1 &
  echo $! >"$dir/pids/balancer"
  echo "$lb_port" >"$dir/ports/balancer.client"
  "$python" - "$lb_port" <<'PY' >&2
import sys, time, urllib.request
port = int(sys.argv[1]); deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_matrix/client/versions", timeout=1); sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit("cluster.sh: the balancer does not answer")
PY

  if [ "${PLEXUS_CLUSTER_PROMETHEUS:-1}" = 1 ] && command -v prometheus >/dev/null; then
    local prom_port
    prom_port=$(free_port)
    {
      echo "global: {scrape_interval: 2s, evaluation_interval: 2s}"
      echo "scrape_configs:"
      echo "  - job_name: plexus"
      echo "    static_configs:"
      for name in "${order[@]}"; do
        echo "      - targets: [\"127.0.0.1:$(cat "$dir/ports/$name.metrics")\"]"
        echo "        labels: {component: \"${name%-*}\", instance_name: \"$name\"}"
      done
    } >"$dir/conf/prometheus.yml"
    nohup prometheus --config.file="$dir/conf/prometheus.yml" --storage.tsdb.path="$dir/prometheus" \
      --web.listen-address="127.0.0.1:$prom_port" >>"$dir/logs/prometheus.log" 2>&1 &
    echo $! >"$dir/pids/prometheus"
    echo "$prom_port" >"$dir/ports/prometheus.http"
    "$python" - "$prom_port" <<'PY' >&2
import sys, time, urllib.request
port = int(sys.argv[1]); deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1); sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("cluster.sh: Prometheus is not ready")
PY
    echo "cluster.sh: Prometheus on http://127.0.0.1:$prom_port" >&2
  fi
  echo "http://127.0.0.1:$lb_port"
}

down() {
  [ -d "$dir" ] || return 0
  for f in "$dir"/pids/*; do
    [ -e "$f" ] || continue
    stop_pid "$(cat "$f")"
    rm -f "$f"
  done
  [ -d "$dir/redis" ] && "$root/scripts/redis-throwaway.sh" stop "$dir/redis" >/dev/null 2>&1 || true
  [ -d "$dir/postgres" ] && "$root/scripts/pg-throwaway.sh" stop "$dir/postgres" >/dev/null 2>&1 || true
  return 0
}

case "$cmd" in
  up)
    if ! up; then
      echo "cluster.sh: start failed; logs in $dir/logs" >&2
      tail -n 20 "$dir"/logs/*.log >&2 2>/dev/null || true
      down
      exit 1
    fi
    ;;
  down) down ;;
  kill)
    [ $# -ge 3 ] || usage
    kill -KILL "$(cat "$dir/pids/$3")" 2>/dev/null || true
    ;;
  start)
    [ $# -ge 3 ] || usage
    start_process "$3"
    ;;
  list)
    for f in "$dir"/pids/*; do
      name=$(basename "$f"); pid=$(cat "$f")
      state=dead; kill -0 "$pid" 2>/dev/null && state=running
      echo "$name pid=$pid $state"
    done
    ;;
  *) usage ;;
esac
