#!/usr/bin/env bash
# Configures and builds Plexus in Release mode into build/ (the binary is build/bin/plexus).
# Extra arguments are passed to `cmake --build` (e.g. --target plexus_cli).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CCACHE_BASEDIR="$root"
# Debug-info builds (ASan, fuzz) hash the working directory unless told not to; CI clones into
# a new folder each time, so without this those builds would never hit the cache.
export CCACHE_NOHASHDIR=1
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$root/build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$root/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$root/build" -j2 "$@"
