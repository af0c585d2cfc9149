#!/bin/sh
# Starts or stops a throw-away Redis server for tests: loopback TCP only, no persistence (no
# RDB snapshots, no append-only file). Nothing in DIR survives `stop`.
#
#   scripts/redis-throwaway.sh start DIR [PORT]   PORT 0 or absent: pick a free loopback port.
#                                                 Prints the port and writes it to DIR/port.
#   scripts/redis-throwaway.sh stop DIR           Stops the server and removes DIR.
#
# REDIS_SERVER overrides which redis-server binary runs (Debian package `redis-server`).
set -eu

usage() { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port=${3:-0}

redis_bin() {
  if [ -n "${REDIS_SERVER:-}" ]; then echo "$REDIS_SERVER"; return; fi
  if command -v redis-server >/dev/null 2>&1; then command -v redis-server; return; fi
  echo "redis-throwaway: no redis-server (install the 'redis-server' package)" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True once the server on port $1 answers PING.
answers() {
  python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
}

stop_server() {
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    # SIGKILL: nothing is kept anyway, and a graceful stop waits for the server's next tick.
    if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && [ -f "$dir/port" ]; then
      # Bounded wait until the port is free again (a restart may reuse it at once).
      n=0
      while answers "$(cat "$dir/port")" && [ $n -lt 100 ]; do
        sleep 0.05
        n=$((n + 1))
      done
    fi
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start)
    bin=$(redis_bin)
    stop_server  # a previous run that was killed may have left a server behind
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    tries=0
    while :; do
      p=$port
      [ "$p" != 0 ] || p=$(free_port)
      rm -f "$dir/redis.pid"
      if "$bin" --bind 127.0.0.1 --port "$p" --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/server.log" >/dev/null 2>&1; then
        n=0
        while [ $n -lt 100 ]; do
          if answers "$p"; then break 2; fi
          # The daemon exits when it cannot bind (port taken): stop waiting then.
          if [ -f "$dir/redis.pid" ] && ! kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then break; fi
          sleep 0.05
          n=$((n + 1))
        done
        if [ -f "$dir/redis.pid" ]; then kill -9 "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
      fi
      tries=$((tries + 1))
      # A picked port can be taken between picking and binding: try another.
      if [ "$port" != 0 ] || [ $tries -ge 5 ]; then
        cat "$dir/server.log" >&2 2>/dev/null || true
        exit 1
      fi
    done
    echo "$p" >"$dir/port"
    echo "$p"
    ;;
  stop)
    stop_server
    ;;
  *) usage ;;
esac
