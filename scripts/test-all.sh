#!/usr/bin/env bash
# Second set-up command of the README (and what CI runs): installs what is missing, builds,
# and runs every test:
#   1. Release build (build/): unit tests, spec vectors, the state-replay checks on the shared
#      benchmark inputs, a smoke run of every benchmark binary;
#   2. ASan+UBSan build (build-asan/): the unit tests again;
#   3. libFuzzer build with clang (build-fuzz/): each fuzz target for PLEXUS_FUZZ_SECONDS
#      (default 60) on its corpus from the repo.
# Ends with one line "N passed, N failed" over all steps; exits non-zero on any failure.
# PLEXUS_SKIP_ASAN=1 / PLEXUS_SKIP_FUZZ=1 skip steps for quick local runs (CI runs everything).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CCACHE_BASEDIR="$root"
# Debug-info builds (ASan, fuzz) hash the working directory unless told not to; CI clones into
# a new folder each time, so without this those builds would never hit the cache.
export CCACHE_NOHASHDIR=1
fuzz_seconds="${PLEXUS_FUZZ_SECONDS:-60}"
# Storage tests run on a throw-away PostgreSQL server; failing to start one is a failure here.
export PLEXUS_REQUIRE_POSTGRES="${PLEXUS_REQUIRE_POSTGRES:-1}"
# Likewise Redis for the bus tests (libs/bus/redis); also makes hiredis required at configure.
export PLEXUS_REQUIRE_REDIS="${PLEXUS_REQUIRE_REDIS:-1}"
# And the gRPC bindings (their contract suites would otherwise skip silently).
export PLEXUS_REQUIRE_GRPC="${PLEXUS_REQUIRE_GRPC:-1}"
passed=0
failed=0
failures=()

step() { echo; echo "=== $* ($(date +%H:%M:%S))"; }
record() {  # record <name> <exit status>
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}
# Adds a ctest summary ("... 0 tests failed out of 57") to the totals.
record_ctest() {  # record_ctest <name> <log> <status>
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$2" | tail -1)
  if [ -z "$line" ]; then record "$1" 1; return; fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  if [ "$3" -ne 0 ]; then failures+=("$1"); [ "$bad" -eq 0 ] && failed=$((failed + 1)); fi
}

step "install dependencies"
scripts/install-deps.sh || { echo "dependency install failed"; exit 1; }
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

step "release build"
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build build -j2
status=$?
record "release build" $status
if [ $status -eq 0 ]; then
  step "release tests"
  log=$(mktemp)
  (cd build && ctest -j2 --output-on-failure --timeout 600) 2>&1 | tee "$log"
  record_ctest "release tests" "$log" "${PIPESTATUS[0]}"

  step "benchmark smoke run"
  for b in build/bin/plexus_*_benchmark; do
    [ -x "$b" ] || continue
    "$b" --benchmark_min_time=0.01 >/dev/null 2>&1
    s=$?
    echo "$(basename "$b"): exit $s"
    record "$(basename "$b")" $s
  done
fi

if [ "${PLEXUS_SKIP_ASAN:-0}" != 1 ]; then
  step "ASan+UBSan build and unit tests"
  cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DPLEXUS_SANITIZE=ON \
    -DPLEXUS_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >/dev/null &&
    cmake --build build-asan -j2
  status=$?
  record "asan build" $status
  if [ $status -eq 0 ]; then
    log=$(mktemp)
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest -j2 -L unit --output-on-failure --timeout 600) 2>&1 | tee "$log"
    record_ctest "asan tests" "$log" "${PIPESTATUS[0]}"
  fi
fi

if [ "${PLEXUS_SKIP_FUZZ:-0}" != 1 ]; then
  step "fuzz build (clang + libFuzzer) and ${fuzz_seconds}s per target"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPLEXUS_BUILD_FUZZERS=ON -DPLEXUS_BUILD_TESTS=OFF -DPLEXUS_BUILD_BENCHMARKS=OFF \
    -DPLEXUS_WITH_GRPC=OFF >/dev/null
  # Library fuzzers (libs/*/fuzz/) and whole-path ones (services/*/fuzz/, e.g. the node's
  # client-API fuzzer); each has a corpus/ folder beside it.
  fuzzers=$(find libs services -path '*/fuzz/*_fuzzer.cc' -printf '%f\n' | sed 's/\.cc$//' | sort)
  targets=$(sed 's/^/plexus_/' <<<"$fuzzers" | tr '\n' ' ')
  cmake --build build-fuzz -j2 --target $targets
  status=$?
  record "fuzz build" $status
  if [ $status -eq 0 ]; then
    for f in $fuzzers; do
      corpus=$(dirname "$(find libs services -path "*/fuzz/$f.cc")")/corpus
      work=$(mktemp -d)
      build-fuzz/bin/plexus_$f -max_total_time="$fuzz_seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "$work" "$corpus" >"$work.log" 2>&1
      s=$?
      tail -n 12 "$work.log"
      echo "$f: exit $s"
      record "fuzz $f" $s
      rm -rf "$work"
    done
  fi
fi

echo
if [ ${#failures[@]} -gt 0 ]; then echo "failed steps: ${failures[*]}"; fi
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
