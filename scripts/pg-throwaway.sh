#!/bin/sh
# Starts or stops a throw-away PostgreSQL server for tests: loopback TCP only (no Unix
# socket), trust authentication, fsync off. Nothing in DIR survives `stop`.
#
#   scripts/pg-throwaway.sh start DIR [PORT]   PORT 0 or absent: pick a free loopback port.
#                                              Prints the libpq DSN and writes it to DIR/dsn.
#   scripts/pg-throwaway.sh stop DIR           Stops the server and removes DIR.
#
# initdb refuses to run as root, so as root the server runs as the `postgres` user (created by
# the Debian package `postgresql`). PG_BIN overrides where initdb/pg_ctl are found.
set -eu

usage() { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port=${3:-0}

pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  for d in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  echo "pg-throwaway: no PostgreSQL server binaries (install the 'postgresql' package)" >&2
  exit 1
}

# Runs a command as the server's owner, from a directory that user can read.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_server() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    # immediate: no shutdown checkpoint, the data is thrown away anyway.
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start)
    bin=$(pg_bin)
    stop_server  # a previous run that was killed may have left a server behind
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    tries=0
    while :; do
      p=$port
      [ "$p" != 0 ] || p=$(free_port)
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null; then
        break
      fi
      tries=$((tries + 1))
      # A picked port can be taken between picking and binding: try another.
      if [ "$port" != 0 ] || [ $tries -ge 5 ]; then
        cat "$dir/server.log" >&2 2>/dev/null || true
        exit 1
      fi
    done
    dsn="host=127.0.0.1 port=$p user=postgres dbname=postgres"
    echo "$dsn" >"$dir/dsn"
    echo "$dsn"
    ;;
  stop)
    stop_server
    ;;
  *) usage ;;
esac
