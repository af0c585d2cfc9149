#!/usr/bin/env bash
# Federation between three real `plexus node` processes on loopback (TLS, their own server
# names, no DNS), driven by matrix-nio: see fed_test.py for the steps. Then the same steps with
# hs1 as the local cloud cluster (deploy/local/cluster.sh).
# Builds nothing: expects
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
chmod 755 "$work"  # the cluster's PostgreSQL runs as user postgres under it
cleanup() {
  "$root/deploy/local/cluster.sh" down "$work/cluster/hs1.test-cluster" >/dev/null 2>&1
  if [ "${PLEXUS_IT_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started_at=$(date +%s)
echo "== three nodes"
timeout 900 /usr/bin/python3 "$here/fed_test.py" "$plexus" "$work/nodes"
rc=$?
# The same steps with hs1 as the cloud cluster (every service its own process, PostgreSQL,
# Redis, two roomserver shards, two federation-sender shards, a federationapi process).
echo "== hs1 as a cluster (deploy/local/cluster.sh)"
PLEXUS_FED_CLUSTER="$root/deploy/local/cluster.sh" timeout 900 /usr/bin/python3 "$here/fed_test.py" \
  "$plexus" "$work/cluster"
rc_cluster=$?
[ "$rc" -eq 0 ] && rc=$rc_cluster
echo "federation: $(( $(date +%s) - started_at )) s"
exit $rc
