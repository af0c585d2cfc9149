#!/usr/bin/env bash
# Key-named nodes sharing rooms over the overlay (overlay_test.py), then the simulator's routing
# targets (sim_check.py). The node test runs in a private network namespace when this machine
# allows one (its loopback then carries LAN multicast for the discovery step; nothing leaves the
# namespace); otherwise on the host's loopback without the multicast step.
#
#   integration-tests/overlay/run.sh [PLEXUS_BINARY]
#
# Needs python3-matrix-nio and iproute2 (scripts/packages.txt). PLEXUS_IT_KEEP=1 keeps the logs.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
plexus="${1:-$root/build/bin/plexus}"
if [ ! -x "$plexus" ]; then
  echo "run.sh: $plexus not found; build it: cmake --build build --target plexus_cli" >&2
  exit 1
fi
work="$(mktemp -d /tmp/plexus-overlay.XXXXXX)"
cleanup() {
  if [ "${PLEXUS_IT_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
started_at=$(date +%s)
if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
  echo "== six key-named nodes and a cloud node (private network namespace, multicast on lo)"
  timeout 600 unshare -n bash -c '
    ip link set lo up && ip link set lo multicast on &&
    ip route add 239.0.0.0/8 dev lo 2>/dev/null
    exec /usr/bin/python3 "$0" "$1" "$2" --multicast' "$here/overlay_test.py" "$plexus" "$work/nodes"
  rc=$?
else
  echo "== six key-named nodes and a cloud node (host loopback; no namespace, no multicast)"
  timeout 600 /usr/bin/python3 "$here/overlay_test.py" "$plexus" "$work/nodes"
  rc=$?
fi
if [ "$rc" -ne 0 ] && [ -d "$work/nodes" ]; then
  for log in "$work"/nodes/*/node.log; do
    echo "--- $log (last lines)"
    tail -n 15 "$log"
  done
fi
echo "overlay nodes: $(( $(date +%s) - started_at )) s"
exit $rc
