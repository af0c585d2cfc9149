#!/bin/sh
# End-to-end check of `plexus state replay --keys` (computed event IDs, signatures checked):
# replays a generated signed room and compares the printed state as JSON; replays it with a
# keys file that lacks b.example (its events are rejected, the run still succeeds: rejection is
# counted, not an error); and checks that malformed keys files fail cleanly with exit status 1.
# Usage: replay_keys_cli.sh PLEXUS SIGNED_ROOM_DUMP ROOM_VERSION
set -eu
plexus=$1 dump=$2 version=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$dump" "$version" "$dir"

same_state() {  # same_state GOT EXPECTED
  python3 - "$1" "$2" <<'PY'
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
if got != want:
    print("state differs:\n got  %s\n want %s" % (json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))
    sys.exit(1)
print("state matches: %d entries" % sum(len(v) for v in want.values()))
PY
}

# 1. All keys known: the full state, nothing rejected.
"$plexus" state replay --room-version "$version" --keys "$dir/keys.json" "$dir/room.json" \
  >"$dir/out.json" 2>"$dir/err.txt"
same_state "$dir/out.json" "$dir/expected.json"
grep -q "replayed 12 events: 0 rejected" "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }

# 2. b.example's key missing: its four events are rejected (exit 0, listed on stderr).
"$plexus" state replay --room-version "$version" --keys "$dir/keys_a_only.json" "$dir/room.json" \
  >"$dir/out.json" 2>"$dir/err.txt"
same_state "$dir/out.json" "$dir/expected_without_b.json"
grep -q "replayed 12 events: 4 rejected" "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }
[ "$(grep -c "rejected .*no signature of b.example with a known key" "$dir/err.txt")" -ge 1 ] || { cat "$dir/err.txt"; exit 1; }

# 3. Malformed keys files: a clean error naming the problem, exit status 1, nothing on stdout.
check_bad_keys() {  # check_bad_keys CONTENT EXPECTED_MESSAGE
  printf '%s' "$1" >"$dir/bad_keys.json"
  status=0
  "$plexus" state replay --room-version "$version" --keys "$dir/bad_keys.json" "$dir/room.json" \
    >"$dir/out.json" 2>"$dir/err.txt" || status=$?
  if [ "$status" -ne 1 ] || [ -s "$dir/out.json" ] || ! grep -q "$2" "$dir/err.txt"; then
    echo "keys file '$1': status $status, expected 1 and a message matching '$2'"
    cat "$dir/err.txt"
    exit 1
  fi
}
check_bad_keys '{"a.example": {"ed25519:1": ' 'plexus state replay:'
check_bad_keys '[]' 'plexus state replay:'
check_bad_keys '{"a.example": "key"}' 'keys of a.example must be an object'
check_bad_keys '{"a.example": {"ed25519:1": "not base64!"}}' 'bad key a.example ed25519:1'
check_bad_keys '{"a.example": {"ed25519:1": 5}}' 'bad key a.example ed25519:1'
status=0
"$plexus" state replay --room-version "$version" --keys "$dir/no_such_file.json" "$dir/room.json" \
  >/dev/null 2>"$dir/err.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "cannot open" "$dir/err.txt" || { echo "missing keys file: status $status"; exit 1; }
echo "replay --keys checks passed (room version $version)"
