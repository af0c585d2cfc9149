#!/usr/bin/env bash
# Federation between three real `plexus node` processes on loopback (TLS, their own server
# names, no DNS), driven by matrix-nio: see fed_test.py for the steps. Builds nothing: expects
# the binary (default build/bin/plexus).
#
#   integration-tests/federation/run.sh [PLEXUS_BINARY]
#
# Needs python3-matrix-nio (scripts/packages.txt). Exits non-zero when any step failed.
# PLEXUS_IT_KEEP=1 keeps the work directory (node logs and databases).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
plexus="${1:-$root/build/bin/plexus}"
if [ ! -x "$plexus" ]; then
  echo "run.sh: $plexus not found; build it: cmake --build build --target plexus_cli" >&2
  exit 1
fi
work="$(mktemp -d /tmp/plexus-federation.XXXXXX)"
cleanup() {
  if [ "${PLEXUS_IT_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started_at=$(date +%s)
timeout 900 /usr/bin/python3 "$here/fed_test.py" "$plexus" "$work"
rc=$?
echo "federation: $(( $(date +%s) - started_at )) s"
exit $rc
