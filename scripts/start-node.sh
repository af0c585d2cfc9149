#!/usr/bin/env bash
# First command of the README: installs what is missing, builds the `plexus` binary (Release)
# and starts a client-side node on http://127.0.0.1:8008 with its data in ./var (SQLite) and
# open registration, after printing how to connect a Matrix client. Ctrl-C stops it cleanly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
scripts/build.sh --target plexus_cli
cat <<'TEXT'

Plexus node: homeserver URL http://127.0.0.1:8008 (data in ./var, SQLite, open registration)

  Create an account (works while the node runs, or before it starts):
    build/bin/plexus create-account --data-dir var --username alice --password 'choose-one' [--admin]
  or register from the client itself (registration is open on this node).

  Element (web or desktop): "Sign in" -> "Edit" the homeserver -> http://127.0.0.1:8008
  matrix-nio:     AsyncClient("http://127.0.0.1:8008", "@alice:localhost")
  matrix-js-sdk:  sdk.createClient({ baseUrl: "http://127.0.0.1:8008" })
  curl:           curl http://127.0.0.1:8008/_matrix/client/versions

  A configuration file instead of flags: build/bin/plexus generate-config > plexus.yaml, edit,
  then build/bin/plexus node --config plexus.yaml. Stop with Ctrl-C.

TEXT
exec build/bin/plexus node --data-dir var --enable-registration
