#!/usr/bin/env bash
# First set-up command of the README: installs what is missing, builds, and starts a node.
# Until the client-side node lands (issue 3) it shows the command line of the built binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" --target plexus_cli
echo
"$root/build/bin/plexus" --help
echo
echo "The client-side node (plexus node) is not built yet; try the state tool:"
echo "  build/bin/plexus state replay --room-version 10 --trust-event-ids ../shared/bench/fork10k.json.gz"
