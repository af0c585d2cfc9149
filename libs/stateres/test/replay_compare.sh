#!/bin/sh
# Runs `plexus state replay` on a room and compares its output with the expected state as JSON
# values (key order and whitespace do not matter). Usage: replay_compare.sh PLEXUS INPUT EXPECTED VERSION
set -eu
plexus=$1 input=$2 expected=$3 version=$4
if [ ! -f "$input" ] || [ ! -f "$expected" ]; then
  echo "missing benchmark input $input or $expected (shared/bench must sit beside the repository)" >&2
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$plexus" state replay --room-version "$version" --trust-event-ids "$input" >"$out"
python3 - "$out" "$expected" <<'PY'
import gzip, json, sys
def load(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    return json.loads(data)
got, want = load(sys.argv[1]), load(sys.argv[2])
if got == want:
    n = sum(len(v) for v in want.values())
    print(f"state matches: {n} entries")
    sys.exit(0)
diffs = [(t, k) for t in sorted(set(got) | set(want))
         for k in sorted(set(got.get(t, {})) | set(want.get(t, {})))
         if got.get(t, {}).get(k) != want.get(t, {}).get(k)]
print(f"{len(diffs)} entries differ")
for t, k in diffs[:40]:
    print(f"{t} {k!r}: got {got.get(t, {}).get(k)} want {want.get(t, {}).get(k)}")
sys.exit(1)
PY
