#!/usr/bin/env bash
# Issue 4's federation speed figures (docs/benchmarks.md, "Federation (issue 4)"):
#   join     plexus_fedbench_join: a real roomserver on fresh SQLite joins a generated remote room
#            whose send_join answer carries 85,000 signed state events on 1,000 servers (full
#            verification and persistence); wall, CPU, peak RSS, verify-only baseline. The room is
#            generated once and cached in the work dir.
#   ingest   plexus_fedbench_ingest: /send transactions of 50 m.room.message PDUs from one remote
#            server into inputEvents, then as many through the real PUT /send route (in
#            process); events/s against the verify-only loop of the same run.
#   latency  two real `plexus node` processes (a.test, b.test) federating over loopback TLS:
#            senders on A, receivers on B joined over federation; plexus_loadgen latency measures
#            send request start -> arrival in the receiver's /sync on B.
# Each part runs --runs times (fresh process and database each); prints every run's output and
# the medians. Stops every node it started.
#
# usage: scripts/bench-federation.sh [--build-dir DIR] [--runs N] [--no-build] [--quick]
#                                    [--only join|ingest|latency] [--work-dir DIR]
#                                    [--latency-load "plexus_loadgen latency flags"]
#   --quick: small scale (checks that the script works, not figures).
#   --latency-load: replaces the latency load (default "--clients 10 --rooms 10 --rate 100
#     --duration 20 --setup-concurrency 1"; joins run one at a time, see docs/benchmarks.md).
#   --work-dir: where the generated room cache and databases live (default BUILD_DIR/fedbench).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$root/build"
runs=3
do_build=1
quick=0
only=""
work_dir=""
latency_load=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --work-dir) work_dir="$2"; shift 2 ;;
    --latency-load) latency_load="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench-federation.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $work_dir ]] || work_dir="$build_dir/fedbench"
mkdir -p "$work_dir"
want() { [[ -z $only || $only == "$1" ]]; }

if [[ $do_build == 1 ]]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  targets=()
  want join && targets+=(plexus_fedbench_join)
  want ingest && targets+=(plexus_fedbench_ingest)
  want latency && targets+=(plexus_cli plexus_loadgen)
  cmake --build "$build_dir" --target "${targets[@]}" -j2
fi
bin="$build_dir/bin"

if [[ $quick == 1 ]]; then
  join_args=(--events 5000 --servers 100)
  ingest_args=(--txns 20 --warmup 2 --route)
  lat_args=(--clients 4 --rooms 4 --rate 50 --duration 3 --setup-concurrency 1)
else
  join_args=(--events 85000 --servers 1000)
  ingest_args=(--txns 200 --warmup 10 --route)
  lat_args=(--clients 10 --rooms 10 --rate 100 --duration 20 --setup-concurrency 1)
fi
if [[ -n $latency_load ]]; then read -r -a lat_args <<<"$latency_load"; fi

# median KEY FILE: the median of a numeric JSON field over the lines of FILE.
median() {
  python3 - "$1" "$2" <<'PY'
import json, statistics, sys
key, path = sys.argv[1], sys.argv[2]
vals = []
for line in open(path):
    line = line.strip()
    if line.startswith("{"):
        v = json.loads(line).get(key)
        if isinstance(v, (int, float)): vals.append(v)
print(f"{statistics.median(vals):g} [{' '.join(f'{v:g}' for v in vals)}]" if vals else "n/a")
PY
}
cpu_pressure() { sed -n 's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null; }
echo "CPU pressure (PSI some avg60) before: $(cpu_pressure)%" >&2

if want join; then
  out="$work_dir/join-results.jsonl"
  : >"$out"
  "$bin/plexus_fedbench_join" "${join_args[@]}" --work-dir "$work_dir" --generate-only >&2
  for r in $(seq "$runs"); do
    echo "== join run $r of $runs" >&2
    "$bin/plexus_fedbench_join" "${join_args[@]}" --work-dir "$work_dir" | tee -a "$out" >&2
  done
  echo "join (${join_args[*]}):"
  for k in join_wall_ms join_cpu_ms peak_rss_mb rss_before_mb send_join_parse_ms join_events_per_s \
           verify_only_events_per_s ratio_join_to_verify_only joined_members_query_ms; do
    printf '  %-28s %s\n' "$k" "$(median "$k" "$out")"
  done
  printf '  %-28s %s\n' "generation_ms (cached)" "$(median generation_ms_cached "$out")"
fi

if want ingest; then
  out="$work_dir/ingest-results.jsonl"
  : >"$out"
  for r in $(seq "$runs"); do
    echo "== ingest run $r of $runs" >&2
    "$bin/plexus_fedbench_ingest" "${ingest_args[@]}" --work-dir "$work_dir" | tee -a "$out" >&2
  done
  echo "ingest (${ingest_args[*]}, 50 PDUs per transaction):"
  for k in events_per_s cpu_us_per_event verify_only_events_per_s ratio_to_verify_only txn_ms_p50 \
           txn_ms_p99 route_events_per_s route_cpu_us_per_event route_ratio_to_verify_only \
           route_txn_ms_p50 errors; do
    printf '  %-28s %s\n' "$k" "$(median "$k" "$out")"
  done
fi

if want latency; then
  plexus="$bin/plexus"
  loadgen="$bin/plexus_loadgen"
  [[ -x $plexus && -x $loadgen ]] || { echo "bench-federation.sh: build plexus and plexus_loadgen" >&2; exit 1; }
  tmp="$(mktemp -d /tmp/plexus-fedbench.XXXXXX)"
  pids=()
  stop_nodes() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
      for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    done
    pids=()
  }
  trap 'stop_nodes; rm -rf "$tmp"' EXIT
  free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  }
  out="$work_dir/latency-results.txt"
  : >"$out"
  latency_failed=0
  for r in $(seq "$runs"); do
    echo "== latency run $r of $runs" >&2
    declare -A client_port fed_port
    for n in a b; do client_port[$n]="$(free_port)"; fed_port[$n]="$(free_port)"; done
    resolve="\"a.test=127.0.0.1:${fed_port[a]}\", \"b.test=127.0.0.1:${fed_port[b]}\""
    for n in a b; do
      dir="$tmp/run$r/$n"
      mkdir -p "$dir"
      cat >"$dir/plexus.yaml" <<YAML
global:
  server_name: "$n.test"
  data_dir: "$dir/data"
client_api:
  listen: "127.0.0.1:${client_port[$n]}"
  registration_enabled: true
  rate_limits: {enabled: false}
federation:
  listen: "127.0.0.1:${fed_port[$n]}"
  skip_tls_verify: true
  resolve: [$resolve]
logging:
  level: "info"
YAML
      "$plexus" node --config "$dir/plexus.yaml" >"$dir/node.log" 2>&1 &
      pids+=("$!")
      eval "pid_$n=$!"
    done
    for n in a b; do
      ok=0
      for _ in $(seq 300); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:${client_port[$n]}/_matrix/client/versions', timeout=1)" 2>/dev/null; then ok=1; break; fi
        sleep 0.1
      done
      [[ $ok == 1 ]] || { echo "node $n did not start:" >&2; tail -20 "$tmp/run$r/$n/node.log" >&2; exit 1; }
    done
    "$loadgen" latency --port "${client_port[a]}" --receiver-port "${client_port[b]}" \
        --join-via a.test --pid "$pid_a" --grace 10 --check "${lat_args[@]}" | tee -a "$out" >&2 ||
        latency_failed=1
    stop_nodes
    for n in a b; do cp "$tmp/run$r/$n/node.log" "$work_dir/latency-run$r-$n.log"; done
  done
  echo "latency across servers (${lat_args[*]}): send request start -> B's /sync"
  python3 - "$out" <<'PY'
import re, statistics, sys
rows = [l for l in open(sys.argv[1]) if l.startswith("RESULT")]
def vals(key):
    out = []
    for l in rows:
        m = re.search(r"\b" + key + r"=([0-9.]+)", l)
        if m: out.append(float(m.group(1)))
    return out
for key in ["sync_p50_ms", "sync_p90_ms", "sync_p99_ms", "sync_max_ms", "sync_after_resp_p50_ms",
            "send_p50_ms",
            "sent", "received", "lost", "send_errors", "sync_errors"]:
    v = vals(key)
    print(f"  {key:28s} " + (f"{statistics.median(v):g} [{' '.join(f'{x:g}' for x in v)}]" if v else "n/a"))
PY
fi
echo "CPU pressure (PSI some avg60) after: $(cpu_pressure)%" >&2
if [[ ${latency_failed:-0} == 1 ]]; then
  echo "bench-federation.sh: a latency run failed (lost messages or request errors; node logs in $work_dir)" >&2
  exit 1
fi
